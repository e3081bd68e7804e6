"""loike watch: polling recordings/, waiting for files to settle, surviving a lost folder, stopping cleanly."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline import cli, database
from pipeline.run import process, watch
from pipeline.run.watch import Watcher, WatchOptions

FIXTURES = Path(__file__).parent / "fixtures"

QUICK = WatchOptions(interval=0.2, stable_checks=2)


class Watching:
    """``watch.watch`` on a thread, with what it reported and said collected for the test."""

    def __init__(self, archive, transcriber, options=QUICK):
        self.stop = False
        self.reports, self.lines = [], []
        self.thread = threading.Thread(
            target=lambda: watch.watch(
                archive,
                options,
                should_stop=lambda: self.stop,
                on_report=self.reports.append,
                notify=self.lines.append,
                transcriber=transcriber,
            )
        )

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop = True
        self.thread.join(timeout=30)
        assert not self.thread.is_alive(), "the watch did not stop"

    def until(self, condition, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert self.thread.is_alive(), "the watch ended by itself"
            assert time.monotonic() < deadline, f"timed out; said {self.lines}, reported {self.reports}"
            time.sleep(0.05)

    def transcribed(self) -> int:
        return sum(r.transcribed for r in self.reports)


def statuses(archive) -> dict[str, str]:
    db = database.open_database(archive.database)
    try:
        return {row.source_path: row.status for row in database.interviews(db)}
    finally:
        db.close()


@pytest.mark.slow
def test_a_file_dropped_while_watching_is_transcribed_and_a_bad_one_reported_once(archive, transcriber):
    with Watching(archive, transcriber) as watching:
        watching.until(lambda: watching.reports)  # the first pass, over an empty folder
        archive.drop("not_audio.mp3")
        archive.drop("vi_speech.wav", "Bắc Cường/ông A.wav")
        watching.until(lambda: watching.transcribed() == 1)
        time.sleep(1.0)  # several more looks

    assert statuses(archive)["Bắc Cường/ông A.wav"] == "transcribed"
    assert sum(len(r.failures) for r in watching.reports) == 1, "a file that fails is reported once"
    assert sorted(os.listdir(archive.recordings)) == ["Bắc Cường", "not_audio.mp3"], "nothing moved or deleted"


@pytest.mark.slow
def test_a_growing_file_is_not_taken_until_it_stops_changing(archive, transcriber):
    reports = []

    def run(hold):
        reports.append(process.process_archive(archive, settle_seconds=0, transcriber=transcriber, hold=hold))
        return reports[-1]

    watcher = Watcher(archive, WatchOptions(interval=0.2, stable_checks=3), run, notify=pytest.fail)
    data = (FIXTURES / "vi_speech.wav").read_bytes()
    target = archive.recordings / "growing.wav"
    third = len(data) // 3
    target.write_bytes(data[:third])

    first = watcher.look()
    assert first.still_copying == ["growing.wav"] and first.new == 0
    for end in (2 * third, len(data)):  # still being copied: looks run no pass
        with open(target, "ab") as handle:
            handle.write(data[len(target.read_bytes()) : end])
        assert watcher.look() is None
    assert watcher.look() is None, "unchanged for 2 looks only"
    taken = watcher.look()
    assert taken.new == 1 and taken.transcribed == 1 and not taken.failures
    assert watcher.look() is None


@pytest.mark.slow
def test_recordings_folder_lost_and_back(archive, transcriber):
    away = archive.root / "recordings-unplugged"
    with Watching(archive, transcriber) as watching:
        watching.until(lambda: watching.reports)
        archive.recordings.rename(away)
        watching.until(lambda: watching.lines)
        time.sleep(1.0)  # five more looks at a missing folder
        away.rename(archive.recordings)
        watching.until(lambda: len(watching.lines) == 2)
        archive.drop("vi_speech.wav")
        watching.until(lambda: watching.transcribed() == 1)

    gone, back = watching.lines
    assert gone.startswith("recordings/ is not reachable (No such file or directory: ")
    assert gone.endswith("): waiting for it to come back.")
    assert back == "recordings/ is back: watching again."


def test_the_stop_flag_ends_the_loop_and_process_archive_between_recordings(archive, transcriber):
    with Watching(archive, transcriber) as watching:
        watching.until(lambda: watching.reports)
    # __exit__ asserted that the thread ended

    archive.drop("vi_speech.wav")
    stopped = process.process_archive(archive, settle_seconds=0, transcriber=transcriber, should_stop=lambda: True)
    assert stopped.new == 1 and stopped.transcribed == 0
    assert statuses(archive) == {"vi_speech.wav": "pending"}, "left for the next pass, database consistent"


def test_once_is_one_pass_like_run(archive):
    result = CliRunner().invoke(cli.cli, ["--root", str(archive.root), "watch", "--once"])
    assert result.exit_code == 0, result.output
    assert "Nothing new: 0 recordings, all up to date." in result.output


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.slow
def test_a_signal_stops_the_command_cleanly(archive, model_cache, signum):
    env = {**os.environ, "LOIKE_CACHE": str(model_cache), "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "pipeline.cli", "--root", str(archive.root), "watch", "--interval", "0.2"]
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().startswith(f"Watching {archive.recordings} every 0.2 s")
        time.sleep(0.5)
        child.send_signal(signum)
        out, err = child.communicate(timeout=10)
    finally:
        child.kill()
    assert child.returncode == 0, err
    assert out.strip().endswith("Stopped.") and "Traceback" not in err
