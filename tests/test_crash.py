"""Kill a real `loike run` (SIGKILL: no cleanup, like a power cut), run again, and check the archive.

The checkpoints are in pipeline/faults.py; ``LOIKE_KILL_AT`` picks one. Disk-full and read-only transcripts/
are here too: they stop the run with one sentence, never a traceback.
"""

from __future__ import annotations

import errno
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from pipeline import database
from pipeline.cli import cli
from pipeline.run import process


def age(path, seconds=60):
    past = time.time() - seconds
    os.utime(path, (past, past))


def loike_run(archive, model_cache, kill_at: str | None = None) -> subprocess.Popen:
    env = {**os.environ, "LOIKE_CACHE": str(model_cache), "HF_HUB_OFFLINE": "1"}
    env.pop("LOIKE_KILL_AT", None)
    if kill_at:
        env["LOIKE_KILL_AT"] = kill_at
    return subprocess.Popen(
        [sys.executable, "-c", "from pipeline.cli import main; main()", "--root", str(archive.root), "run"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def assert_consistent(archive) -> None:
    """Whole and without duplicates: every interview has all of its transcript or none of it."""
    con = sqlite3.connect(archive.database)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("SELECT count(*) - count(DISTINCT sha256) FROM recordings").fetchone()[0] == 0
        assert con.execute("SELECT count(*) - count(DISTINCT recording_id) FROM interviews").fetchone()[0] == 0
        assert not con.execute(
            "SELECT interview_id, idx FROM segments GROUP BY interview_id, idx HAVING count(*) > 1"
        ).fetchall()
        for interview_id, status, segments, runs in con.execute(
            "SELECT i.id, r.status, (SELECT count(*) FROM segments s WHERE s.interview_id = i.id),"
            " (SELECT count(DISTINCT run_id) FROM segments s WHERE s.interview_id = i.id)"
            " FROM interviews i JOIN recordings r ON r.id = i.recording_id"
        ):
            assert (status == "transcribed") == (segments > 0), (interview_id, status, segments)
            assert runs <= 1
    finally:
        con.close()


def assert_finished(archive) -> None:
    assert_consistent(archive)
    [interview] = database.interviews(database.open_database(archive.database))
    assert interview.status == "transcribed" and interview.segment_count > 0
    assert (archive.sheets_dir / f"{interview.code}.html").exists()
    assert (archive.sheets_dir / "index.html").exists()
    leftovers = [p.name for p in archive.transcripts.rglob(".*") if p.suffix in (".f32", ".partial", ".tmp")]
    assert leftovers == []


@pytest.mark.parametrize("kill_at", ["normalised", "transcribed", "storing"])
@pytest.mark.slow
def test_a_run_killed_at_each_stage_leaves_a_consistent_archive_and_the_next_run_finishes(
    archive, transcriber, model_cache, kill_at
):
    age(archive.drop("vi_dialogue.ogg"))

    killed = loike_run(archive, model_cache, kill_at)
    killed.communicate(timeout=120)

    assert killed.returncode == -signal.SIGKILL
    assert_consistent(archive)
    db = database.open_database(archive.database)
    assert db["segments"].count == 0  # "storing" dies after the first segment: the transaction rolled back
    assert process.process_archive(archive, transcriber=transcriber, settle_seconds=0.2).ok
    assert_finished(archive)


@pytest.mark.slow
def test_a_run_killed_at_a_random_moment_is_finished_by_the_next(archive, transcriber, model_cache):
    age(archive.drop("vi_dialogue.ogg"))

    running = loike_run(archive, model_cache)
    time.sleep(1.5)
    running.send_signal(signal.SIGKILL)
    running.communicate(timeout=60)

    if archive.database.exists():
        assert_consistent(archive)
    again = loike_run(archive, model_cache)
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err.decode()
    assert_finished(archive)


def refuse(code):
    def raising(*args, **kwargs):
        raise OSError(code, os.strerror(code), str(args[-1]) if args else None)

    return raising


@pytest.mark.parametrize(
    "code, advice",
    [
        (errno.ENOSPC, "free some space"),
        (errno.EROFS, "make it writable"),
        (errno.EACCES, "make it writable"),
    ],
)
def test_a_full_or_read_only_disk_stops_the_run_with_one_sentence(archive, transcriber, monkeypatch, code, advice):
    age(archive.drop("vi_speech.wav"))
    monkeypatch.setattr("pipeline.speech.transcribe.Transcriber", lambda *a, **k: transcriber)
    monkeypatch.setattr(os, "replace", refuse(code))

    result = CliRunner().invoke(cli, ["--root", str(archive.root), "run"])

    assert result.exit_code == 1
    assert (
        f"Cannot write to {archive.transcripts} ({os.strerror(code)}): {advice} or choose another --root; "
        "nothing was lost." in result.output
    )
    assert "Traceback" not in result.output and not isinstance(result.exception, OSError)


def test_transcripts_that_is_a_file_stops_the_run_with_one_sentence(archive):
    archive.transcripts.write_text("not a folder")
    age(archive.drop("vi_speech.wav"))

    result = CliRunner().invoke(cli, ["--root", str(archive.root), "run"])

    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"Cannot write to {archive.transcripts}" in result.output and "nothing was lost" in result.output
