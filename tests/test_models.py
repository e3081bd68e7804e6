"""`loike models`, `models add` and models by name: a folder carried on a drive is checked before it is added (a
missing file, a model.bin cut short, a hash that does not match: one sentence, nothing added), and a model in the
cache is taken by name by `loike run`, `retranscribe --all`, and recorded with its fingerprint in each run."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from click.testing import CliRunner

from pipeline import cli, database
from pipeline.speech import model_checks, model_store
from pipeline.speech.model_checks import MANIFEST

FILES = ("model.bin", "config.json", "tokenizer.json", "vocabulary.json")


@pytest.fixture
def carried(tmp_path, model_cache):
    """The embedded base as a folder on a drive (linked, not copied: 145 MB)."""
    folder = tmp_path / "usb" / "my-base"
    folder.mkdir(parents=True)
    for name in FILES:
        (folder / name).hardlink_to(model_store.embedded_model(model_cache) / name)
    return folder


def models(cache, *args):
    return CliRunner().invoke(cli.cli, ["models", "--cache", str(cache), *map(str, args)])


def hidden(cache):
    return [p.name for p in cache.iterdir() if p.name.startswith(".")] if cache.exists() else []


def test_a_whole_model_is_added_under_a_name_and_listed(carried, tmp_path, model_cache):
    cache = tmp_path / "cache"
    added = models(cache, "add", carried, "--name", "Base Copy")

    assert added.exit_code == 0, added.output
    base = model_store.embedded(model_cache)
    assert added.output == (
        f"Added base-copy (150 MB, fingerprint {base.fingerprint[:12]}): `loike run --model base-copy` uses it.\n"
    )
    folder = cache / "base-copy"
    assert sorted(p.name for p in folder.iterdir()) == sorted([*FILES, MANIFEST])
    assert not (folder / "model.bin").samefile(carried / "model.bin"), "a copy: the drive can go"
    manifest = json.loads((folder / MANIFEST).read_text())
    assert (manifest["source"], manifest["origin"], manifest["fingerprint"]) == (
        "folder",
        str(carried),
        base.fingerprint,
    )
    assert hidden(cache) == []

    listed = json.loads(models(cache, "--json").stdout)["models"]
    assert [(m["name"], m["fingerprint"], m["source"]) for m in listed][-1] == ("base-copy", base.fingerprint, "folder")
    again = models(cache, "add", carried, "--name", "base-copy")
    assert again.exit_code == 0, "the same model again under its name: nothing to do"


def test_a_folder_without_its_tokenizer_is_one_sentence_and_not_added(carried, tmp_path):
    (carried / "tokenizer.json").unlink()
    cache = tmp_path / "cache"

    refused = models(cache, "add", carried)

    assert refused.exit_code == 1
    assert refused.output == (
        f"Error: {carried} is not a whole CTranslate2 Whisper model: tokenizer.json is missing; copy the whole "
        "folder again from where the model came from (a converted model needs the tokenizer.json of the model it "
        "was converted from).\n"
    )
    assert not cache.exists() or not any(cache.iterdir())


def test_a_model_bin_cut_short_is_one_sentence_and_not_added(carried, tmp_path, model_cache):
    (carried / "model.bin").unlink()
    with open(model_store.embedded_model(model_cache) / "model.bin", "rb") as real:
        (carried / "model.bin").write_bytes(real.read(100_000_000))  # a copy that stopped at 100 MB
    cache = tmp_path / "cache"

    refused = models(cache, "add", carried)

    assert refused.exit_code == 1
    assert refused.output == (
        f"Error: {carried / 'model.bin'} is cut short (100,000,000 bytes: the copy or the download stopped before "
        "the end): copy it again from where the model came from (or download it again).\n"
    )
    assert not cache.exists() or not any(cache.iterdir())


def test_a_file_that_does_not_match_its_manifest_is_refused(carried, tmp_path):
    files = [
        model_store.ModelFile(n, (carried / n).stat().st_size, model_checks.sha256_file(carried / n)) for n in FILES
    ]
    (carried / MANIFEST).write_text(model_checks.Manifest("my-base", files, "hub").to_json())
    changed = (carried / "config.json").read_bytes().replace(b"1", b"2")  # as long, other bytes
    (carried / "config.json").unlink()  # a link to the session's model: replace it, do not write through it
    (carried / "config.json").write_bytes(changed)
    cache = tmp_path / "cache"

    refused = models(cache, "add", carried)

    assert refused.exit_code == 1
    assert refused.output == (
        f"Error: {carried / 'config.json'} does not match the SHA-256 in its manifest: the file is damaged or was "
        "changed; copy it again from the machine that downloaded it.\n"
    )
    assert not (cache / "my-base").exists() and hidden(cache) == []


def test_another_model_under_a_taken_name_is_refused(carried, tmp_path):
    cache = tmp_path / "cache"
    assert models(cache, "add", carried).exit_code == 0
    other = tmp_path / "other"
    shutil.copytree(carried, other)
    (other / "config.json").write_text(json.dumps({**json.loads((other / "config.json").read_text()), "x": 1}))

    refused = models(cache, "add", other, "--name", "my-base")

    assert refused.exit_code == 1
    assert refused.output == (
        f"Error: Another model is already called 'my-base' in {cache}: choose another name with --name "
        f"(or remove {cache / 'my-base'} first).\n"
    )


@pytest.fixture
def team_cache(tmp_path, model_cache):
    """A cache with the embedded base (linked) and "base-v2": the base with another config.json (another fingerprint,
    the same words), standing for a better model a team added."""
    cache = tmp_path / "team-cache"
    built = model_store.embedded_model(model_cache)
    (cache / built.name).mkdir(parents=True)
    upgraded = tmp_path / "base-v2"
    upgraded.mkdir()
    for path in built.iterdir():
        (cache / built.name / path.name).hardlink_to(path)
        if path.name != "config.json":
            (upgraded / path.name).hardlink_to(path)
    (upgraded / "config.json").write_text(json.dumps({**json.loads((built / "config.json").read_text()), "v": 2}))
    model_store.add(upgraded, cache)
    return cache


@pytest.mark.slow
def test_run_by_name_and_retranscribe_all_keep_editors_work_and_go_on_after_a_stop(archive, transcriber, team_cache):
    from pipeline.desk import editing
    from pipeline.run import process

    os.utime(archive.drop("vi_dialogue.ogg"), (0, 0))
    assert process.process_archive(archive, transcriber=transcriber, settle_seconds=0).transcribed == 1
    db = database.open_database(archive.database)
    first = database.segments(db, 1)[0]
    editing.edit(db, first.id, 1, "Lan", text="Thưa bác, bác kể về ngày thành lập Chi bộ ạ?")
    db.close()
    os.utime(archive.drop("vi_speech.ogg"), (0, 0))
    loike = lambda *args: CliRunner().invoke(cli.cli, ["--root", str(archive.root), *args, "--cache", str(team_cache)])

    ran = loike("run", "--model", "base-v2", "--workers", "1")

    assert ran.exit_code == 0, ran.output
    upgraded = model_store.describe(str(team_cache / "base-v2"), team_cache, "base-v2")
    db = database.open_database(archive.database)
    assert database.last_fingerprints(db) == {1: model_store.embedded(team_cache).fingerprint, 2: upgraded.fingerprint}
    assert "model base-v2, model-fingerprint " + upgraded.fingerprint in database.recording_log(db, 2)[-1].tool
    db.close()

    again = loike("retranscribe", "--all", "--model", "base-v2", "--workers", "1")

    assert again.exit_code == 0, again.output
    lines = again.stdout.splitlines()
    assert lines[0].startswith(f"Transcribing again with base-v2 ({upgraded.fingerprint[:12]}): 1 interviews, 00:")
    assert lines[0].endswith("of audio; 1 it already wrote are passed over.")
    assert lines[1] == "Its speed here is not measured: `loike models bench base-v2 RECORDING` tells it in a minute."
    assert "1 an editor touched kept as they were." in again.stdout
    assert lines[-1] == "1 interviews transcribed again, 0 failed; the same command goes on after a stop."
    db = database.open_database(archive.database)
    assert database.segments(db, 1)[0].text == "Thưa bác, bác kể về ngày thành lập Chi bộ ạ?"
    assert set(database.last_fingerprints(db).values()) == {upgraded.fingerprint}
    db.close()

    nothing_left = loike("retranscribe", "--all", "--model", "base-v2")
    assert "0 interviews, 00:00 of audio; 2 it already wrote are passed over." in nothing_left.stdout


@pytest.mark.slow
def test_eval_compares_models_side_by_side_each_in_its_own_process(tmp_path, team_cache):
    from test_evaluate import DIALOGUE, FIXTURES

    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copyfile(FIXTURES / "vi_dialogue.ogg", folder / "dialogue.ogg")
    (folder / "dialogue.txt").write_text(DIALOGUE, encoding="utf-8")
    loike = lambda *args: CliRunner().invoke(
        cli.cli,
        [
            "eval",
            str(folder),
            "--model",
            "base",
            "--model",
            "base-v2",
            "--workers",
            "1",
            *args,
            "--cache",
            str(team_cache),
        ],
    )

    table = loike()
    compared = json.loads(loike("--json").stdout)

    assert table.exit_code == 0, table.output
    header, *rows = table.stdout.splitlines()
    assert header.split() == ["model", "WER", "CER", "RTF", "peak", "MB", "load", "s", "recordings"]
    assert [row.split()[0] for row in rows] == ["base", "base-v2"]
    assert [report["model"] for report in compared] == ["base", "base-v2"]
    base, upgraded = (report["corpus"] for report in compared)
    assert base["wer"] == upgraded["wer"] and 0 < base["wer"] < 0.8, "the same weights: the same words"
    assert all(150 < report["peak_mb"] < 2000 for report in compared), "each process's own peak"
    assert compared[1]["settings"]["model_path"] == str(team_cache / "base-v2")
