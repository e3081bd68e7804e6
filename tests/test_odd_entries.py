"""Odd entries in recordings/: dead links, links to folders, devices and files elsewhere, named pipes, sockets,
a folder with a recording's name, files that vanish or cannot be read. Each gets one sentence, nothing is read
that could block, and the rest of the batch goes on (docs/robustness.md, "Nothing lost, round two")."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline import cli, database
from pipeline.intake import discovery
from pipeline.run import process, watch

FIXTURES = Path(__file__).parent / "fixtures"
CHECKOUT = Path(__file__).parent.parent


def age(path: Path) -> Path:
    past = time.time() - 60
    os.utime(path, (past, past), follow_symlinks=False)
    return path


def fill_with_odd_entries(archive, outside: Path) -> None:
    """One real recording, the same bytes twice more (through a link to a "USB stick" and inside a folder named
    like a recording), and one of each odd entry."""
    recordings = archive.recordings
    age(archive.drop("vi_speech.wav", "good.wav"))
    stick = outside / "usb" / "stick.wav"
    stick.parent.mkdir(parents=True)
    shutil.copyfile(FIXTURES / "vi_speech.wav", stick)
    age(stick)
    (recordings / "usb.wav").symlink_to(stick)
    age(archive.drop("vi_speech.wav", "album.mp3/inner.wav"))
    (recordings / "broken.mp3").symlink_to(outside / "unplugged" / "stick.mp3")
    (recordings / "zero.mp3").symlink_to("/dev/zero")
    (recordings / "self.mp3").symlink_to("self.mp3")
    (recordings / "loop").symlink_to(".")
    os.mkfifo(recordings / "pipe.mp3")
    here = os.getcwd()
    os.chdir(recordings)  # a socket's path is limited to about 100 bytes: bind it by its short relative name
    try:
        socket.socket(socket.AF_UNIX).bind("sock.mp3")
    finally:
        os.chdir(here)


def said(archive, outside: Path) -> list[str]:
    return [
        "Warning: recordings/album.mp3 is a folder, not a recording: the recordings inside it are taken as from any "
        "other folder; rename it if the name is a mistake.",
        f"Warning: recordings/broken.mp3 is a link to {outside}/unplugged/stick.mp3, which is not there: plug in the "
        "drive it points to, or remove the link.",
        f"Warning: recordings/loop is a link to the folder {archive.recordings}, which is not followed (a link to a "
        "folder can lead back into itself): copy the recordings into recordings/, or link each file.",
        "Warning: recordings/pipe.mp3 is a named pipe, not a recording file, so it is not read: remove it and put "
        "the recording itself there.",
        "Warning: recordings/self.mp3 is a link that leads back to itself: remove it and copy the recording itself in.",
        "Warning: recordings/sock.mp3 is a socket, not a recording file, so it is not read: remove it and put the "
        "recording itself there.",
        "Warning: recordings/zero.mp3 is a link to /dev/zero, a device, so it is not read: remove the link and copy "
        "the recording itself in.",
    ]


def loike(*args, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    """The real command in a process of its own, so a read that blocks fails the test instead of hanging it."""
    env = {**os.environ, "PYTHONPATH": str(CHECKOUT), **kwargs.pop("env", {})}
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        **kwargs,
    )


@contextmanager
def no_hang(seconds: int = 60):
    """An in-process step that blocks (an open() on a named pipe) raises instead of hanging the test run."""

    def expired(signum, frame):
        raise TimeoutError(f"still blocked after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def loike_run(transcriber, monkeypatch):
    """The real CLI in this process, with the model loaded once for the session."""
    real = process.process_archive

    def with_loaded_model(*args, **kwargs):
        return real(*args, **{**kwargs, "transcriber": transcriber})

    monkeypatch.setattr(process, "process_archive", with_loaded_model)
    return lambda *args: CliRunner().invoke(cli.cli, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.slow
def test_each_odd_entry_gets_one_sentence_and_the_real_recording_is_transcribed(archive, tmp_path, loike_run):
    fill_with_odd_entries(archive, tmp_path)

    with no_hang():
        result = loike_run("--root", archive.root, "run")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line for line in lines if line.startswith("Warning:")] == said(archive, tmp_path)
    assert "Same recording under two names, kept once: good.wav = album.mp3/inner.wav." in lines
    assert "Same recording under two names, kept once: usb.wav = album.mp3/inner.wav." in lines, (
        "a link to a recording outside recordings/ is followed"
    )
    assert "3 recordings: 1 new, 1 transcribed (00:03 of audio), 0 failed." in lines
    [interview] = database.interviews(database.open_database(archive.database))
    assert interview.status == "transcribed"


@pytest.mark.slow
def test_loike_watch_keeps_watching_past_odd_entries(archive, tmp_path, transcriber):
    fill_with_odd_entries(archive, tmp_path)
    reports, lines, started = [], [], time.monotonic()

    def should_stop() -> bool:
        return any(r.transcribed for r in reports) or time.monotonic() - started > 120

    with no_hang(150):
        watch.watch(
            archive,
            watch.WatchOptions(interval=0.2, stable_checks=2),
            should_stop=should_stop,
            on_report=reports.append,
            notify=lines.append,
            transcriber=transcriber,
        )

    assert lines == [], "the watch took recordings/ for unreachable"
    assert [r.transcribed for r in reports] == [1]
    assert [f"Warning: {w.message}" for w in reports[0].warnings] == said(archive, tmp_path)


def vanish(path: Path) -> None:
    path.unlink()


def become_a_pipe(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


@pytest.mark.parametrize(
    "change, sentence",
    [
        (
            vanish,
            "recordings/late.mp3 disappeared while it was being looked at (moved or deleted?): if it was moved, the "
            "next run takes it from its new place.",
        ),
        (
            become_a_pipe,
            "recordings/late.mp3 is a named pipe, not a recording file, so it is not read: remove it and put "
            "the recording itself there.",
        ),
    ],
)
def test_a_file_that_changes_between_the_look_and_the_read_gets_one_sentence(
    archive, transcriber, monkeypatch, change, sentence
):
    age(archive.drop("vi_speech.wav", "good.wav"))
    late = age(archive.drop("vi_speech.mp3", "late.mp3"))
    archive.dropped.pop(late)
    settled = discovery.settled

    def looked_at_then_changed(*args, **kwargs):  # between the look at recordings/ and reading each file
        found = settled(*args, **kwargs)
        change(late)
        return found

    monkeypatch.setattr(discovery, "settled", looked_at_then_changed)

    with no_hang():  # stopping before transcribing: what matters here is taking them in
        report = process.process_archive(archive, transcriber=transcriber, settle_seconds=0, should_stop=lambda: True)

    assert report.ok and report.new == 1
    assert [(w.relpath, w.message) for w in report.warnings if w.relpath == "late.mp3"] == [("late.mp3", sentence)]


@pytest.fixture
def shared_tmp():
    """A folder another user can reach (pytest's own tmp_path sits in a folder only its owner may open)."""
    folder = Path(tempfile.mkdtemp(prefix="loike-odd-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


def as_someone_else(root: Path) -> dict:
    """subprocess arguments to run as a user who cannot read a mode-000 file: root can read anything, so a test
    run as root hands the archive to nobody and runs the command as nobody."""
    if os.geteuid() != 0:
        return {}
    for path in [root, *root.rglob("*")]:
        os.chown(path, 65534, 65534, follow_symlinks=False)
    return {"user": 65534, "group": 65534, "env": {"HOME": str(root)}}


@pytest.mark.slow
def test_a_file_or_folder_that_cannot_be_read_fails_with_one_sentence_and_verify_says_so(shared_tmp):
    recordings = shared_tmp / "archive" / "recordings"
    recordings.mkdir(parents=True)
    age(Path(shutil.copyfile(FIXTURES / "not_audio.mp3", recordings / "taken.mp3")))  # taken in, unreadable later
    assert loike("--root", recordings.parent, "run", **as_someone_else(shared_tmp)).returncode == 1  # not audio
    (recordings / "khóa").mkdir()
    shutil.copyfile(FIXTURES / "vi_speech.mp3", recordings / "khóa" / "inside.mp3")
    age(Path(shutil.copyfile(FIXTURES / "vi_speech.mp3", recordings / "locked.mp3")))
    other = as_someone_else(shared_tmp)
    for path in (recordings / "locked.mp3", recordings / "khóa", recordings / "taken.mp3"):
        path.chmod(0)

    result = loike("--root", recordings.parent, "run", **other)

    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert [line for line in result.stderr.splitlines() if line.startswith("Failed:")] == [
        "Failed: The folder recordings/khóa cannot be read (Permission denied): give your user permission to open "
        "it (chmod a+rx), then run again.",
        "Failed: recordings/locked.mp3 cannot be read (Permission denied): give your user permission to read it "
        "(chmod a+r) or copy it again, then run again.",
    ]
    verify = loike("--root", recordings.parent, "verify", **other)
    assert verify.returncode == 1 and "Traceback" not in verify.stderr
    assert (
        "unreadable: The original taken.mp3 cannot be read (Permission denied): give your user permission to "
        "read it (chmod a+r), then verify again."
    ) in verify.stdout.splitlines()
