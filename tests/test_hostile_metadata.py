"""Hostile metadata files (alias bombs, FIFOs, oversize or corrupt files): each stays the problem of its own
recording, and the rest of the batch goes on.

The runs here are real `loike run`s on real files, but with a scripted transcriber: what is tested is where a
metadata problem goes, not what Whisper hears, and on a busy two-core machine each real transcription cost a
minute.
"""

import io
import json
import os
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from pipeline import cli
from pipeline.catalogue import metadata, values
from pipeline.database.heard import MachineSegment
from pipeline.database.models import Word
from pipeline.options import TranscribeOptions
from pipeline.run import process
from pipeline.run.watch import Watcher, WatchOptions

GOOD = 'date: "12/03/2020"\nwitnesses:\n  - full_name: Nguyễn Văn A\ncommune: Bắc Cường\nprovince: Lào Cai\n'
RECURSIVE = b"title: &a [*a]\n"  # the adversary's 15 bytes
LAUGHS = "\n".join(  # "billion laughs": 316 bytes that an alias-expanding reader grows to 9^8 strings
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{now}: &{now} [{','.join(['*' + before] * 9)}]" for before, now in zip("abcdefg", "bcdefgh")]
    + ["title: *h"]
).encode()
ALIAS = (
    "Tệp dùng ký hiệu & hoặc * (YAML anchor/alias), tệp mẫu không cần: xoá chúng / "
    "the file uses YAML anchors or aliases (& or *), which a metadata file never needs: remove them"
)


class ScriptedTranscriber:
    """The interface of ``pipeline.speech.transcribe.Transcriber``: one line per recording, heard instantly."""

    options = TranscribeOptions(workers=1)
    model_path = "scripted"

    def transcribe(self, pieces, progress=None, hotwords=None) -> list[MachineSegment]:
        seconds = sum(len(samples) for _, samples in pieces) / 16_000
        words = [Word(0.0, seconds / 2, "Tôi", 0.9), Word(seconds / 2, seconds, "kể", 0.9)]
        return [MachineSegment(0.0, seconds, "Tôi kể", -0.2, 0.01, 1.0, words, speech_fraction=1.0)]

    def versions(self) -> dict:
        return {"scripted": "1"}


@pytest.fixture
def loike(monkeypatch):
    """Invoke loike with the scripted transcriber standing in for the model."""
    real = process.process_archive

    def scripted(*args, **kwargs):
        return real(*args, **{**kwargs, "transcriber": ScriptedTranscriber(), "settle_seconds": 0.2})

    monkeypatch.setattr(process, "process_archive", scripted)
    runner = CliRunner()
    return lambda *args: runner.invoke(cli.cli, [str(a) for a in args], catch_exceptions=False)


def aged(path: Path) -> Path:
    past = time.time() - 60
    os.utime(path, (past, past))
    return path


def two_recordings(archive) -> Path:
    """bad.wav, whose metadata the test spoils, and good.ogg with a good sidecar; returns recordings/."""
    aged(archive.drop("vi_speech.wav", "bad.wav"))
    aged(archive.drop("vi_speech.ogg", "good.ogg"))  # other bytes than bad.wav: two recordings, not a duplicate
    (archive.recordings / "good.yaml").write_text(GOOD, encoding="utf-8")
    return archive.recordings


def interviews(archive, loike) -> dict[str, dict]:
    status = loike("--root", archive.root, "status", "--json")
    return {i["source_path"]: i for i in json.loads(status.output)["interviews"]}


def assert_only_bad_waits(result, archive, loike, warning: str) -> None:
    """Both recordings transcribed, exit 0 (metadata problems are warnings); only bad.wav waits, saying why."""
    assert result.exit_code == 0, result.output
    assert "2 recordings: 2 new, 2 transcribed" in result.output and "0 failed" in result.output
    assert f"Warning: {warning}" in result.output
    assert "1 interview waits for metadata" in result.output and "Traceback" not in result.output
    found = interviews(archive, loike)
    assert found["bad.wav"]["status"] == "transcribed" and found["bad.wav"]["metadata_status"] == "waiting"
    assert warning in found["bad.wav"]["metadata_problems"]
    good = found["good.ogg"]
    assert good["status"] == "transcribed" and good["metadata_status"] == "ok", good["metadata_problems"]
    assert good["date"] == "2020-03-12" and good["witnesses"] == "Nguyễn Văn A"


# --- sidecars --------------------------------------------------------------------------------------


@pytest.mark.parametrize("sidecar", [RECURSIVE, LAUGHS], ids=["recursive", "billion-laughs"])
def test_an_alias_sidecar_is_refused_and_the_other_recording_goes_on(archive, loike, sidecar):
    (two_recordings(archive) / "bad.yaml").write_bytes(sidecar)

    result = loike("--root", archive.root, "run")

    assert_only_bad_waits(result, archive, loike, f"bad.yaml, line 1, —: {ALIAS}")


def test_the_alias_bomb_is_refused_at_once_and_never_expanded(tmp_path):
    """In a process that may not grow past 1 GB: expanded, the bomb needs 3.8 GB."""
    pytest.importorskip("resource")  # the limit is set in the child, on systems that have it
    (tmp_path / "bomb.wav").write_bytes(b"")
    (tmp_path / "bomb.yaml").write_bytes(LAUGHS)
    script = (
        "import resource, sys, time; from pathlib import Path; "
        "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30)); "
        "from pipeline.catalogue import metadata; started = time.monotonic(); "
        "found = metadata.read_all(Path(sys.argv[1]), ['bomb.wav'])['bomb.wav']; "
        "print(round(time.monotonic() - started, 3)); print(found.problems[0].message_en)"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    seconds, message = done.stdout.splitlines()
    assert float(seconds) < 1 and message == ALIAS.split(" / ")[1]


def test_an_oversize_sidecar_is_refused_and_the_other_recording_goes_on(archive, loike):
    (two_recordings(archive) / "bad.yaml").write_text(GOOD + "# " + "x" * 300_000 + "\n", encoding="utf-8")

    result = loike("--root", archive.root, "run")

    assert_only_bad_waits(
        result,
        archive,
        loike,
        (
            "bad.yaml, —, —: Tệp quá lớn cho một tệp thông tin (293 KB, tối đa 256 KB): kiểm tra xem có đúng tệp không / "
            "the file is too big for a metadata file (293 KB, at most 256 KB): check that it is the right file"
        ),
    )


def test_a_folder_named_like_a_sidecar_is_refused_and_the_other_recording_goes_on(archive, loike):
    (two_recordings(archive) / "bad.yaml").mkdir()

    result = loike("--root", archive.root, "run")

    assert_only_bad_waits(
        result,
        archive,
        loike,
        (
            "bad.yaml, —, —: Đây là một thư mục, không phải một tệp bình thường: đổi tên hoặc chuyển nó đi / "
            "this is a folder, not an ordinary file: rename it or move it away"
        ),
    )


class Unblocking:
    """Opens ``fifo`` for writing if a reader still waits on it after ``seconds``, so a hung run ends (and fails)."""

    def __init__(self, fifo: Path, seconds: float):
        self.fifo, self.seconds, self.fired = fifo, seconds, False
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        if self.done.wait(self.seconds):
            return
        while not self.done.is_set():
            try:  # succeeds only while a reader has the FIFO open, waiting
                os.close(os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK))
                self.fired = True
            except OSError:  # ENXIO: no reader waits
                pass
            time.sleep(0.1)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are a POSIX thing")
def test_a_fifo_named_like_a_sidecar_never_blocks_the_run(archive, loike):
    fifo = two_recordings(archive) / "bad.yaml"
    os.mkfifo(fifo)  # opened to read, it waits for a writer for ever

    with Unblocking(fifo, seconds=20) as watchdog:
        result = loike("--root", archive.root, "run")

    assert not watchdog.fired, "the run waited on the FIFO until something wrote to it"
    assert_only_bad_waits(
        result,
        archive,
        loike,
        (
            "bad.yaml, —, —: Đây là một đường ống (FIFO), không phải một tệp bình thường: đổi tên hoặc chuyển nó đi / "
            "this is a pipe (FIFO), not an ordinary file: rename it or move it away"
        ),
    )


@pytest.mark.parametrize(
    "text, warning",
    [
        (
            "title: " + "[" * 5000 + "]" * 5000 + "\n",
            "bad.yaml, line 1, —: Tệp lồng nhau quá sâu (hơn 20 mức): tệp mẫu chỉ cần vài mức, hãy viết lại theo tệp mẫu / "
            "the file nests more than 20 levels deep where the template needs a few: write it again from the template",
        ),
        (
            GOOD + "notes: ab\x07c\n",
            "bad.yaml, line 6, —: Tệp YAML bị lỗi ở dòng 6 (special characters are not allowed)",
        ),
    ],
    ids=["deeply-nested", "control-character"],
)
def test_other_hostile_yaml_is_one_sentence_at_its_line(tmp_path, text, warning):
    (tmp_path / "bad.wav").write_bytes(b"")
    (tmp_path / "bad.yaml").write_text(text, encoding="utf-8")
    [problem] = metadata.read_all(tmp_path, ["bad.wav"])["bad.wav"].problems
    assert str(problem).startswith(warning) and "\n" not in str(problem)


def test_an_error_no_reader_foresaw_stays_with_its_file(tmp_path, monkeypatch, caplog):
    """The last resort: whatever goes wrong reading one sidecar is that file's problem, the others are read."""
    for name in ("bad", "good"):
        (tmp_path / f"{name}.wav").write_bytes(b"")
    (tmp_path / "bad.yaml").write_text(GOOD.replace("Lào Cai", "Hà Giang"), encoding="utf-8")
    (tmp_path / "good.yaml").write_text(GOOD, encoding="utf-8")
    real = values.interview_meta

    def surprised(data, sink):
        if data.get("province") == "Hà Giang":
            raise RecursionError("maximum recursion depth exceeded")
        return real(data, sink)

    monkeypatch.setattr("pipeline.catalogue.sidecar.interview_meta", surprised)
    caplog.set_level("DEBUG", logger="pipeline.catalogue")
    found = metadata.read_all(tmp_path, ["bad.wav", "good.wav"])

    assert found["good.wav"].meta.province == "Lào Cai" and not found["good.wav"].problems
    [problem] = found["bad.wav"].problems
    assert found["bad.wav"].meta is None and str(problem) == (
        "bad.yaml, —, —: Không đọc được tệp này (RecursionError: maximum recursion depth exceeded): kiểm tra lại "
        "tệp hoặc viết lại theo tệp mẫu (`loike new`) / this file could not be read (RecursionError: maximum "
        "recursion depth exceeded): check it, or write it again from the template (`loike new`)"
    )
    assert "interview_meta" in caplog.text, "the traceback is in the debug log"


def test_loike_watch_once_survives_the_recursive_sidecar(archive, loike):
    (two_recordings(archive) / "bad.yaml").write_bytes(RECURSIVE)

    result = loike("--root", archive.root, "watch", "--once")

    assert_only_bad_waits(result, archive, loike, f"bad.yaml, line 1, —: {ALIAS}")


# --- spreadsheets ----------------------------------------------------------------------------------


def zipped(**members: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name.replace("__", "/"), data)
    return out.getvalue()


def workbook(*rows: list) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_sheet(sheet_xml: bytes) -> bytes:
    """A real workbook whose first sheet is ``sheet_xml``."""
    real = zipfile.ZipFile(io.BytesIO(workbook(["Tệp"])))
    members = {name: real.read(name) for name in real.namelist()}
    members["xl/worksheets/sheet1.xml"] = sheet_xml
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


SHEET = (
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b"<sheetData>%s</sheetData></worksheet>"
)
CELL = b'<c t="inlineStr"><is><t>%s</t></is></c>'
HEADER = b'<row r="1">' + CELL % "Tệp".encode() + b"</row>"


@pytest.mark.parametrize(
    "content, vi, en",
    [
        (lambda: os.urandom(4096), "Không mở được tệp Excel (", "the Excel file cannot be opened ("),
        (
            lambda: zipped(notes__readme_txt=b"not a workbook"),
            "Không mở được tệp Excel (",
            "the Excel file cannot be opened (",
        ),
        (
            lambda: with_sheet(SHEET % (HEADER + b'<row r="2">' + b"<c/>" * 100_000 + b"</row>")),  # 100 KB → 100 MB
            "Tệp Excel chứa quá nhiều dữ liệu (hàng 2 có hơn 16384 ô, nhiều hơn Excel có thể tạo)",
            "the Excel file holds too much (row 2 has more than 16384 cells, more than Excel itself makes)",
        ),
        (
            lambda: with_sheet(
                SHEET % (HEADER + b"".join(b'<row r="%d">%s</row>' % (n, CELL % b"x.wav") for n in range(2, 10_003)))
            ),
            "Bảng có hơn 10000 hàng: chia thành nhiều bảng",
            "the spreadsheet has more than 10000 rows: split it",
        ),
    ],
    ids=["random-bytes", "zip-not-xlsx", "zip-bomb", "too-many-rows"],
)
def test_a_corrupt_or_hostile_xlsx_stays_with_its_recordings(archive, loike, content, vi, en):
    recordings = two_recordings(archive)
    (recordings / "interviews.xlsx").write_bytes(content())

    started = time.monotonic()
    result = loike("--root", archive.root, "run")

    assert time.monotonic() - started < 20, "refused without unpacking it whole"
    assert result.exit_code == 0, result.output
    warning = next(line for line in result.output.splitlines() if line.startswith("Warning: interviews.xlsx, —"))
    assert vi in warning and en in warning
    assert_only_bad_waits(result, archive, loike, warning.removeprefix("Warning: "))


def test_an_oversize_xlsx_is_refused_before_it_is_opened(tmp_path):
    (tmp_path / "a.wav").write_bytes(b"")
    with open(tmp_path / "interviews.xlsx", "wb") as out:
        out.truncate(21 * 1024 * 1024)  # sparse: costs no disk
    [problem] = metadata.read_all(tmp_path, ["a.wav"])["a.wav"].problems
    assert str(problem) == (
        "interviews.xlsx, —, —: Tệp quá lớn cho một tệp thông tin (21 MB, tối đa 20 MB): kiểm tra xem có đúng tệp "
        "không / the file is too big for a metadata file (21 MB, at most 20 MB): check that it is the right file"
    )


def test_a_legitimate_xlsx_of_many_rows_is_read(tmp_path):
    names = [f"r{n}.wav" for n in range(3000)]
    for name in names[:3]:
        (tmp_path / name).write_bytes(b"")
    rows = [[name, "12/03/2020", "Nguyễn Văn A", "Bắc Cường", "Lào Cai", "x" * 40] for name in names]
    (tmp_path / "interviews.xlsx").write_bytes(workbook(["Tệp", "Ngày", "Người kể", "Xã", "Tỉnh", "Ghi chú"], *rows))
    read = metadata.read_metadata(tmp_path, names[:3])
    assert all(f.meta and f.meta.province == "Lào Cai" and not f.problems for f in read.recordings.values())


def test_a_watch_pass_that_fails_unexpectedly_is_one_line_and_the_watch_goes_on(archive):
    passes = []

    def failing(hold):
        passes.append(hold)
        raise RecursionError("maximum recursion depth exceeded")

    lines = []
    watcher = Watcher(archive, WatchOptions(interval=0.2), failing, notify=lines.append)

    assert watcher.look() is None and watcher.look() is None
    assert lines == [
        "This pass failed (RecursionError: maximum recursion depth exceeded): the watch goes on and "
        "tries again when a recording arrives; `loike run` shows where it fails."
    ]
    aged(archive.drop("vi_speech.wav"))
    assert watcher.look() is None and len(passes) == 2, "a recording arriving starts the next pass"
