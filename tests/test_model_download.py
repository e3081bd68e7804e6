"""`loike models download` against a real HTTP server on the loopback that answers as the Hugging Face hub does
(tests/hub_server.py), serving the embedded Whisper base under another repository's name: the files, the
manifest, a download cut in the middle and taken up again, a file that does not match the listing, and the
drive carried to a machine without internet."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from hub_server import Cut, Hub, Repo

from pipeline.cli import cli
from pipeline.errors import DownloadStopped, ModelError
from pipeline.speech import model_download, model_store
from pipeline.speech.model_checks import MANIFEST
from pipeline.speech.transcribe import resolve_model

REPO = "team/whisper-base-ct2"


@pytest.fixture
def hub(model_cache, monkeypatch, tmp_path):
    """The hub on the loopback, holding the embedded base as team/whisper-base-ct2; this test is online to it only."""
    import huggingface_hub.constants

    base = model_store.embedded_model(model_cache)
    files = {name: base / name for name in ("model.bin", "config.json", "tokenizer.json", "vocabulary.json")}
    with Hub({REPO: Repo(files)}) as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        monkeypatch.delenv("HF_HUB_OFFLINE")
        monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)  # read once, at its import
        monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))  # the hub's own cache, which must stay empty
        yield server


@pytest.fixture
def cache(tmp_path, model_cache):
    """A fresh model cache, with the embedded base already assembled (linked from the session's)."""
    fresh = tmp_path / "cache"
    built = model_store.embedded_model(model_cache)
    (fresh / built.name).mkdir(parents=True)
    for path in built.iterdir():
        (fresh / built.name / path.name).hardlink_to(path)
    return fresh


def test_a_model_comes_with_progress_checked_named_and_with_its_manifest(hub, cache, tmp_path):
    done = CliRunner().invoke(cli, ["models", "--cache", str(cache), "download", REPO])

    assert done.exit_code == 0, done.output
    assert "model.bin" in done.stderr and "100%" in done.stderr, "a progress bar for each file"
    folder = cache / "whisper-base-ct2"
    assert done.stdout.splitlines()[-1] == "Use it with `loike run --model whisper-base-ct2`."
    manifest = json.loads((folder / MANIFEST).read_text())
    base = model_store.embedded(cache)
    assert manifest["fingerprint"] == base.fingerprint, "the same files as the embedded base"
    assert {f["name"] for f in manifest["files"]} == {"model.bin", "config.json", "tokenizer.json", "vocabulary.json"}
    assert next(f for f in manifest["files"] if f["name"] == "model.bin")["sha256"] == model_store.EMBEDDED_SHA256
    assert (manifest["source"], manifest["repo_id"], manifest["licence"]) == ("hub", REPO, "mit")
    assert manifest["revision"] == hub.repos[REPO].commit, "pinned: every file at the commit the listing named"
    assert all(f"/resolve/{hub.repos[REPO].commit}/" in path for _, path, _ in hub.requests if "/resolve/" in path)
    assert sorted(p.name for p in cache.iterdir()) == ["whisper-base-905e5bf8336b", "whisper-base-ct2"]
    assert not (tmp_path / "hf-home").exists(), "nothing went into the hub's own cache"
    assert resolve_model("whisper-base-ct2", cache) == str(folder)

    listed = CliRunner().invoke(cli, ["models", "--cache", str(cache), "--json"])
    assert [m["name"] for m in json.loads(listed.stdout)["models"]] == ["base", "whisper-base-ct2"]


def test_a_download_cut_in_the_middle_goes_on_from_where_it_stopped(hub, cache):
    hub.cut = Cut("model.bin", after=60_000_000)  # the connection drops, then the hub refuses the retry

    with pytest.raises(DownloadStopped) as stopped:
        model_download.download(REPO, cache)
    assert str(stopped.value).startswith(f"The download of {REPO} stopped at model.bin (")
    assert str(stopped.value).endswith("run the same command again to go on from where it stopped.")
    partial = next(cache.glob(".downloading-whisper-base-ct2-*/model.bin.part"))
    kept = partial.stat().st_size
    assert 40_000_000 < kept <= 60_000_000, "what came is kept (up to the last whole block the client wrote)"
    assert not (cache / "whisper-base-ct2").exists()

    hub.requests.clear()
    model = model_download.download(REPO, cache)

    assert hub.ranges("model.bin") == [f"bytes={kept}-"], "only the rest was fetched"
    assert model.fingerprint == model_store.embedded(cache).fingerprint
    assert not list(cache.glob(".downloading-*")), "the partial folder took its name"


def test_a_file_that_does_not_match_the_listing_is_refused_and_nothing_is_added(hub, cache):
    hub.repos[REPO].tampered.add("model.bin")

    with pytest.raises(ModelError) as refused:
        model_download.download(REPO, cache)

    assert str(refused.value) == (
        f"model.bin from {REPO} does not match the hub's listing (size or hash): it was damaged on the way or changed "
        "on the hub; nothing was added: run the download again."
    )
    assert sorted(p.name for p in cache.iterdir()) == ["whisper-base-905e5bf8336b"], "nothing kept, not even a part"


def test_a_model_fetched_onto_a_drive_is_added_offline_on_another_machine(hub, cache, tmp_path, monkeypatch):
    drive = tmp_path / "usb"
    fetched = CliRunner().invoke(cli, ["models", "--cache", str(cache), "download", REPO, "--to", str(drive)])
    assert fetched.exit_code == 0, fetched.output
    assert (
        fetched.stdout.splitlines()[-1]
        == f"On a machine without internet: `loike models add {drive / 'whisper-base-ct2'}`."
    )
    assert not (cache / "whisper-base-ct2").exists(), "--to: onto the drive, not into this machine's cache"

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    laptop = tmp_path / "laptop-cache"
    added = CliRunner().invoke(cli, ["models", "--cache", str(laptop), "add", str(drive / "whisper-base-ct2")])

    assert added.exit_code == 0, added.output
    manifest = json.loads((laptop / "whisper-base-ct2" / MANIFEST).read_text())
    assert (manifest["source"], manifest["revision"]) == ("hub", hub.repos[REPO].commit), "where it came from, kept"
    assert resolve_model("whisper-base-ct2", laptop) == str(laptop / "whisper-base-ct2")


def test_a_repository_that_is_not_there_is_one_sentence(hub, cache):
    with pytest.raises(ModelError) as refused:
        model_download.download("team/no-such-model", cache)
    assert str(refused.value).startswith("There is no model 'team/no-such-model' on the hub (or it is private)")


def test_without_internet_the_sentence_says_how_to_bring_the_model(cache, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens on the discard port
    monkeypatch.delenv("HF_HUB_OFFLINE")
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)

    with pytest.raises(ModelError) as refused:
        model_download.download("phowhisper-large", cache)

    assert str(refused.value).startswith("The model 'phowhisper-large' is not on this machine and the hub cannot be ")
    assert str(refused.value).endswith(
        "on a machine with internet run `loike models download phowhisper-large --to DRIVE`, bring DRIVE here and "
        "run `loike models add DRIVE/phowhisper-large`."
    )


def test_a_conversion_without_its_tokenizer_gets_whispers_when_the_vocabulary_is_whispers(hub, cache, tmp_path):
    """As kiendt/PhoWhisper-large-ct2 on the hub: model.bin, config.json and vocabulary.json, no tokenizer.json."""
    files = dict(hub.repos[REPO].files)
    del files["tokenizer.json"]
    hub.repos["lab/phowhisper-like"] = Repo(files)
    other = tmp_path / "vocabulary.json"
    other.write_text(json.dumps(["<|endoftext|>", "a", "b"]))
    hub.repos["lab/other-vocabulary"] = Repo({**files, "vocabulary.json": other})

    model = model_download.download("lab/phowhisper-like", cache)

    manifest = json.loads((model.path / MANIFEST).read_text())
    assert manifest["notes"] == [
        "tokenizer.json: Whisper's multilingual tokenizer (the repository has none; same vocabulary)"
    ]
    assert (model.path / "tokenizer.json").read_bytes() == files["model.bin"].with_name("tokenizer.json").read_bytes()
    with pytest.raises(ModelError, match="has no tokenizer.json and its vocabulary is not Whisper's multilingual one"):
        model_download.download("lab/other-vocabulary", cache)
    assert not (cache / "other-vocabulary").exists() and not list(cache.glob(".downloading-*"))
