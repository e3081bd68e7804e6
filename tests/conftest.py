"""Shared test setup: a private model cache, no hub access, and archives built in tmp_path."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import browsers
import pytest
import reviewdesk

from pipeline import i18n
from pipeline.options import TranscribeOptions
from pipeline.settings import Archive

FIXTURES = Path(__file__).parent / "fixtures"

# English for the fixtures that run before a test's own (module- and session-scoped ones), as ``english`` below
# pins it for each test.
os.environ["LOIKE_LANG"] = "en"


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(autouse=True)
def offline(monkeypatch, model_cache):
    """Tests never reach a model hub and never write to the user's own cache."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("LOIKE_CACHE", str(model_cache))
    monkeypatch.delenv("LOIKE_ROOT", raising=False)


@pytest.fixture(autouse=True)
def english(monkeypatch):
    """Tests pin the messages in English, the catalog's msgids, whatever the machine's locale (subprocesses
    inherit LOIKE_LANG); tests of the Vietnamese ones ask for it (tests/test_messages.py)."""
    monkeypatch.setenv("LOIKE_LANG", "en")
    monkeypatch.setenv("LANGUAGE", "en")  # set by i18n.use for click: restored after each test
    i18n.reset()
    yield
    i18n.reset()


@pytest.fixture(scope="session")
def transcriber(model_cache):
    """The real embedded Whisper base, loaded once for the whole session. One worker, as `loike run` fits
    the workers to the pieces: the test recordings are one short piece each."""
    from pipeline.speech.transcribe import Transcriber

    return Transcriber(TranscribeOptions(workers=1), model_cache)


class ArchiveUnderTest(Archive):
    """An archive in tmp_path that remembers the hash of every original dropped into it."""

    dropped: dict

    def drop(self, fixture: str, as_name: str | None = None) -> Path:
        target = self.recordings / (as_name or fixture)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(FIXTURES / fixture, target)
        self.dropped[target] = sha256(target)
        return target

    def assert_originals_untouched(self) -> None:
        for path, digest in self.dropped.items():
            if path.exists():
                assert sha256(path) == digest, f"the original {path.name} was modified"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def archive(tmp_path):
    """An empty archive; after the test, every original dropped in must be byte for byte as dropped."""
    arch = ArchiveUnderTest(tmp_path / "archive")
    object.__setattr__(arch, "dropped", {})
    arch.recordings.mkdir(parents=True)
    yield arch
    arch.assert_originals_untouched()


@pytest.fixture
def app(tmp_path):
    """A real `loike serve` on a free port over a small archive: (archive, base URL)."""
    archive = reviewdesk.build(tmp_path)
    with browsers.serving(tmp_path) as base:
        yield archive, base
