"""Originals whose names are written in NFD on disk (as macOS writes them) while the database keeps NFC: every
command that goes from a stored name back to the file finds it (docs/robustness.md, "Nothing lost, round two")."""

import hashlib
import os
import shutil
import time
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline import cli, database
from pipeline.run import process, retranscribe
from pipeline.settings import Archive

FIXTURES = Path(__file__).parent / "fixtures"
AT_THE_TOP = "Bà Lụa kể.mp3"  # the whole name decomposed, as copied from a Mac
IN_A_FOLDER = "xã Bắc Cường/ông Tư kể.ogg"  # a folder made here (NFC) holding a file copied from a Mac (NFD)


def nfd(name: str) -> str:
    return unicodedata.normalize("NFD", name)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def template(tmp_path_factory, transcriber):
    """One archive with both originals taken in by `loike run` (the model runs once for the module)."""
    arch = Archive(tmp_path_factory.mktemp("nfd") / "archive")
    folder, name = IN_A_FOLDER.split("/")
    places = {AT_THE_TOP: arch.recordings / nfd(AT_THE_TOP), IN_A_FOLDER: arch.recordings / folder / nfd(name)}
    for fixture, path in zip(("vi_speech.mp3", "vi_dialogue.ogg"), places.values()):
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(FIXTURES / fixture, path)
        os.utime(path, (time.time() - 60, time.time() - 60))
    assert not (arch.recordings / AT_THE_TOP).exists() and not (arch.recordings / IN_A_FOLDER).exists()
    with pytest.MonkeyPatch.context() as patch:
        real = process.process_archive
        patch.setattr(process, "process_archive", lambda *a, **k: real(*a, **{**k, "transcriber": transcriber}))
        result = CliRunner().invoke(cli.cli, ["--root", str(arch.root), "run"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "2 recordings: 2 new, 2 transcribed" in result.output
    return arch


@pytest.fixture
def done(archive, template):
    """The module's archive copied into this test's ``archive``, its originals checked after the test."""
    shutil.copytree(template.root, archive.root, dirs_exist_ok=True)
    for path in archive.recordings.rglob("*.*"):
        archive.dropped[path] = digest(path)
    return archive


def loike(archive, *args):
    return CliRunner().invoke(cli.cli, ["--root", str(archive.root), *map(str, args)], catch_exceptions=False)


def codes(archive) -> dict[str, str]:
    db = database.open_database(archive.database)
    try:
        return {i.source_path: i.code for i in database.interviews(db)}
    finally:
        db.close()


@pytest.mark.slow
def test_verify_finds_nfd_originals_where_they_are(done):
    assert set(codes(done)) == {AT_THE_TOP, IN_A_FOLDER}, "stored in NFC"

    result = loike(done, "verify")

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "2 originals and 2 interviews' derivatives checked: all well."


def test_a_package_of_nfd_originals_is_made_and_validates(done, tmp_path):
    result = loike(done, "package", tmp_path / "bag")

    assert result.exit_code == 0, result.output
    checked = loike(done, "package", "--verify", tmp_path / "bag")
    assert checked.exit_code == 0, checked.output
    originals = tmp_path / "bag" / "data" / "originals"
    assert digest(originals / AT_THE_TOP) == digest(FIXTURES / "vi_speech.mp3"), "named in the bag as stored, NFC"
    assert digest(originals / IN_A_FOLDER) == digest(FIXTURES / "vi_dialogue.ogg")


def test_rebuild_makes_the_wav_of_an_nfd_original_again(done):
    wavs = {rel: done.audio_dir / f"{code}.wav" for rel, code in codes(done).items()}
    before = {rel: digest(wav) for rel, wav in wavs.items()}
    for wav in wavs.values():
        wav.unlink()

    result = loike(done, "rebuild", "--audio")

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "2 WAVs rebuilt.", result.output
    assert {rel: digest(wav) for rel, wav in wavs.items()} == before
    assert loike(done, "verify").exit_code == 0


@pytest.mark.slow
def test_an_nfd_original_is_transcribed_again(done, transcriber, monkeypatch):
    real = retranscribe.retranscribe
    monkeypatch.setattr(retranscribe, "retranscribe", lambda *a, **k: real(*a, **{**k, "transcriber": transcriber}))
    code = codes(done)[IN_A_FOLDER]

    result = loike(done, "retranscribe", code)

    assert result.exit_code == 0, result.output
    assert f"{code} transcribed again with model base:" in result.output
