import hashlib
import os
import threading
import time
import unicodedata

import pytest

from pipeline.intake import discovery


@pytest.mark.parametrize(
    "name",
    [
        ".hidden.mp3",
        "~lock.wav",
        "._mac.m4a",
        "a.mp3.part",
        "b.tmp",
        "c.crdownload",
        "notes.docx",
        "interviews.csv",
        "ong-a.yaml",
        "photo.jpg",
    ],
)
def test_hidden_temporary_and_other_files_are_not_recordings(name):
    assert not discovery.is_candidate(name)


@pytest.mark.parametrize("name", ["a.mp3", "B.M4A", "c.amr", "d.wav", "e.flac", "f.ogg", "g.opus", "h.mp4", "i.MOV"])
def test_media_files_are_recordings(name):
    assert discovery.is_candidate(name)


def test_scan_recurses_skips_hidden_folders_and_names_in_nfc(archive):
    nfd = unicodedata.normalize("NFD", "xã Bắc Cường/ông Nguyễn Văn A.wav")
    (archive.recordings / nfd).parent.mkdir(parents=True)
    (archive.recordings / nfd).write_bytes(b"x")
    (archive.recordings / ".Trash").mkdir()
    (archive.recordings / ".Trash" / "old.wav").write_bytes(b"x")
    (archive.recordings / "top.mp3").write_bytes(b"y")

    found = discovery.scan(archive)

    assert [f.relpath for f in found] == ["top.mp3", "xã Bắc Cường/ông Nguyễn Văn A.wav"]
    assert unicodedata.is_normalized("NFC", found[1].relpath)


def test_a_file_still_growing_is_held_back(archive):
    growing = archive.recordings / "dang-chep.wav"
    growing.write_bytes(b"\0" * 1000)
    done = archive.recordings / "xong.wav"
    done.write_bytes(b"\0" * 1000)
    old = time.time() - 60
    os.utime(done, (old, old))
    stop = threading.Event()

    def keep_writing():
        with open(growing, "ab") as handle:
            while not stop.is_set():
                handle.write(b"\0" * 100)
                handle.flush()
                time.sleep(0.05)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        ready, moving = discovery.settled(discovery.scan(archive), settle_seconds=0.5)
    finally:
        stop.set()
        writer.join()
    assert [f.relpath for f in ready] == ["xong.wav"]
    assert [f.relpath for f in moving] == ["dang-chep.wav"]


def test_settled_does_not_wait_when_nothing_is_recent(archive):
    path = archive.recordings / "old.wav"
    path.write_bytes(b"x")
    os.utime(path, (time.time() - 600, time.time() - 600))
    started = time.monotonic()
    ready, moving = discovery.settled(discovery.scan(archive), settle_seconds=5)
    assert time.monotonic() - started < 1
    assert len(ready) == 1 and not moving


def test_sha256_matches_hashlib(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"abc" * 1_000_000)
    assert discovery.sha256(path, block=4096) == hashlib.sha256(b"abc" * 1_000_000).hexdigest()
