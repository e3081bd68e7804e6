"""Fixity: verify, the event log, backup and rebuild, on a real archive transcribed once for the module."""

import hashlib
import json
import os
import re
import shutil
import sqlite3
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline import cli, database
from pipeline.database import connection
from pipeline.run import process
from pipeline.settings import Archive

FIXTURES = Path(__file__).parent / "fixtures"


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def template(tmp_path_factory, transcriber):
    """One archive with one transcribed interview; each test gets its own copy (the model runs once)."""
    arch = Archive(tmp_path_factory.mktemp("fixity") / "archive")
    arch.recordings.mkdir(parents=True)
    original = arch.recordings / "xã Bắc Cường" / "phong van.wav"
    original.parent.mkdir()
    shutil.copyfile(FIXTURES / "vi_speech.wav", original)
    past = time.time() - 60
    os.utime(original, (past, past))
    report = process.process_archive(arch, transcriber=transcriber, settle_seconds=0.2)
    assert report.ok and report.transcribed == 1
    return arch


@pytest.fixture
def done(archive, template):
    """The transcribed archive copied into this test's ``archive``; originals registered for the teardown check."""
    shutil.copytree(template.root, archive.root, dirs_exist_ok=True)
    for path in archive.recordings.rglob("*.wav"):
        archive.dropped[path] = sha256(path)
    return archive


def loike(archive, *args):
    return CliRunner().invoke(cli.cli, ["--root", str(archive.root), *map(str, args)], catch_exceptions=False)


def code(archive):
    return database.interviews(database.open_database(archive.database))[0].code


@pytest.mark.slow
def test_verify_says_all_is_well_on_an_untouched_archive(done):
    result = loike(done, "verify")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "1 originals and 1 interviews' derivatives checked: all well."
    as_json = json.loads(loike(done, "verify", "--json").output)
    assert as_json["ok"] is True and as_json["findings"] == []


def test_verify_reports_an_original_changed_in_place(done):
    original = done.recordings / "xã Bắc Cường" / "phong van.wav"
    original.write_bytes(original.read_bytes()[:-10] + b"0123456789")
    done.dropped[original] = sha256(original)

    result = loike(done, "verify")

    assert result.exit_code == 1
    assert (
        "changed: The original xã Bắc Cường/phong van.wav has changed since it was taken in: its bytes no "
        "longer match; restore it from a copy (sha256 "
    ) in result.output
    assert "1 problem." in result.output


def test_verify_reports_missing_originals_missing_derivatives_and_untracked_files(done):
    (done.recordings / "xã Bắc Cường" / "phong van.wav").unlink()
    (done.audio_dir / f"{code(done)}.wav").unlink()
    (done.sheets_dir / f"{code(done)}.html").unlink()
    done.drop("vi_speech.mp3", "moi.mp3")

    result = loike(done, "verify")

    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith(
        "missing: The original xã Bắc Cường/phong van.wav is missing from recordings/: put it back from a copy (sha256 "
    )
    assert f"missing: transcripts/audio/{code(done)}.wav is missing: `loike rebuild --audio` makes it again." in lines
    assert (
        f"missing: transcripts/sheets/{code(done)}.html is missing: `loike rebuild --sheets` makes it again." in lines
    )
    assert "untracked: moi.mp3 is not in the database yet: run `loike run` to take it in." in lines
    assert lines[-1].endswith("4 problems.")
    kinds = [f["kind"] for f in json.loads(loike(done, "verify", "--json").output)["findings"]]
    assert sorted(kinds) == ["missing", "missing", "missing", "untracked"]


def test_the_event_log_tells_the_story_in_order_and_cannot_be_rewritten(done):
    loike(done, "verify")
    db = database.open_database(done.database)
    [recording] = db["recordings"].rows
    events = database.recording_log(db, recording["id"])
    story = ["ingested", "probed", "metadata", "normalised", "transcribed", "verified"]
    assert [e.action for e in events] == story
    assert events[2].detail == "no metadata"
    assert [e.outcome for e in events if e.action != "metadata"] == ["ok"] * 5
    assert events[4].tool.startswith("loike ") and "faster-whisper" in events[4].tool
    assert recording["normalised_sha256"] == sha256(done.audio_dir / f"{code(done)}.wav")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE recording_events SET outcome = 'error'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM recording_events")

    result = loike(done, "log", code(done))
    assert result.exit_code == 0
    lines = result.output.splitlines()
    # Each stored action under its words for people (English in tests): "07/12/2026 06:59  taken in  ok  loike …".
    said = ["taken in", "examined", "metadata", "normalised", "transcribed", "verified"]
    assert [re.split(r"\s{2,}", line)[1] for line in lines] == said
    assert lines[0][:2].isdigit() and lines[0][2] == "/" and lines[0][5] == "/" and lines[0][10:11] == " "
    assert loike(done, "log", "LK-1999-001").output.strip() == (
        "Error: There is no interview 'LK-1999-001': `loike status` lists the interview codes."
    )


def test_backup_is_a_checked_consistent_copy_while_another_connection_holds_the_database(done, tmp_path):
    holder = sqlite3.connect(done.database)
    holder.execute("BEGIN")
    holder.execute("SELECT count(*) FROM segments").fetchone()  # a read transaction is open on the WAL
    dest = tmp_path / "backups"
    dest.mkdir()

    result = loike(done, "backup", dest)

    holder.rollback()
    holder.close()
    assert result.exit_code == 0, result.output
    [copy] = dest.glob("loike-*.db")
    assert result.output.startswith(f"Backed up to {copy} (") and "integrity checked" in result.output
    assert not list(dest.glob(".*"))  # no temporary left behind
    copied = sqlite3.connect(copy)
    assert copied.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    original = sqlite3.connect(done.database)
    for table in ("recordings", "interviews", "segments", "words", "recording_events"):
        count = f"SELECT count(*) FROM {table}"
        assert copied.execute(count).fetchone() == original.execute(count).fetchone()

    named = tmp_path / "named.db"
    assert loike(done, "backup", named).exit_code == 0 and named.exists()
    failed = loike(done, "backup", tmp_path / "no such folder" / "x.db")
    assert failed.exit_code == 1 and failed.output.startswith("Error: Could not write the backup ")


def test_rebuild_restores_a_deleted_wav_byte_for_byte_and_a_deleted_sheet(done):
    wav = done.audio_dir / f"{code(done)}.wav"
    sheet = done.sheets_dir / f"{code(done)}.html"
    before, segments = wav.read_bytes(), database.open_database(done.database)["segments"].count
    wav.unlink()
    sheet.unlink()

    result = loike(done, "rebuild")

    assert result.exit_code == 0, result.output
    assert result.output.startswith("1 WAV rebuilt; sheets: ")
    assert wav.read_bytes() == before and sheet.exists()
    assert database.open_database(done.database)["segments"].count == segments
    assert loike(done, "verify").exit_code == 0
    assert loike(done, "rebuild", "--sheets").output.startswith("0 WAVs rebuilt; sheets: ")


def test_rebuild_will_not_use_an_original_that_changed(done):
    original = done.recordings / "xã Bắc Cường" / "phong van.wav"
    original.write_bytes(original.read_bytes()[:-4] + b"oops")
    done.dropped[original] = sha256(original)
    (done.audio_dir / f"{code(done)}.wav").unlink()

    result = loike(done, "rebuild", "--audio")

    assert result.exit_code == 1
    assert f"{code(done)}.wav cannot be rebuilt: its original is missing or changed" in result.output
    assert not (done.audio_dir / f"{code(done)}.wav").exists()


MOUNTS = """\
/dev/sda1 / ext4 rw,relatime 0 0
server:/export /mnt/archive nfs4 rw,relatime,vers=4.2 0 0
//nas/oral\\040history /mnt/oral\\040history cifs rw 0 0
/dev/sdb1 /mnt/archive/local ext4 rw 0 0
user@host:/data /home/me/remote fuse.sshfs rw 0 0
"""


@pytest.mark.parametrize(
    "path, kind",
    [
        ("/home/me/archive/transcripts", None),
        ("/mnt/archive/transcripts", "nfs"),
        ("/mnt/archive/local/transcripts", None),  # a local disk mounted inside the share
        ("/mnt/oral history/transcripts", "cifs"),
        ("/mnt/archived", None),
        ("/home/me/remote/transcripts", "sshfs"),
    ],
)
def test_network_filesystem_finds_the_mount_that_holds_the_path(path, kind):
    assert database.network_filesystem(path, MOUNTS) == kind


def test_a_database_on_a_network_share_warns_once(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(connection, "network_filesystem", lambda path, mounts=None: "nfs")
    monkeypatch.setattr(connection, "_warned", set())
    database.open_database(tmp_path / "loike.db").close()
    database.open_database(tmp_path / "loike.db").close()
    warnings = [r.getMessage() for r in caplog.records if "network share" in r.getMessage()]
    assert warnings == [
        "transcripts/ is on a network share (nfs): SQLite can corrupt a database there when two machines write; "
        "keep transcripts/ on a local disk and back it up with `loike backup`."
    ]
