"""Golden test: the demo interview's exports and review sheets, as they are today, to the byte (volatile values
masked).

Why: the package is about to be reorganised with the promise "the same transcripts, sheets and exports for the same
input". This test holds it to that. It runs the real pipeline (ingest, decode and normalise, metadata, SQLite,
sheets) over recordings/demo/ in a fresh archive, exports the interview in every format through the real CLI, and
compares each output, masked by ``volatile()``, with its file in tests/golden/.

Only Whisper is replayed: its words depend on the processor's instruction set (docs/reproducibility.md), so
``Replay`` hands back the segments the real model gave on the demo, captured once in
tests/golden/demo_transcript.json by scripts/capture_golden_transcript.py. The optional speaker model is held
off for the same reason (its labels come from the audio, through torch).

The golden files: demo_transcript.json (what Whisper said, the input), export.{txt,srt,vtt,json},
export.ohms.xml, export.tei.xml, export.docx-document.xml (the DOCX's word/document.xml, a line per paragraph),
sheet.html and sheets-index.html.

When an output changes on purpose, regenerate the golden files and review their diff before committing:

    LOIKE_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py
    git diff tests/golden/

To capture the demo transcript again too (it may then differ by processor), run
``python scripts/capture_golden_transcript.py`` first.
"""

from __future__ import annotations

import difflib
import io
import json
import os
import re
import shutil
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline import TranscribeOptions, __version__, archive, process_archive
from pipeline.cli import cli
from pipeline.database.heard import MachineSegment
from pipeline.database.models import Word

REPO = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden"
CAPTURED = GOLDEN / "demo_transcript.json"
DEMO = ("phong-van-mau.mp3", "phong-van-mau.yaml")
UPDATE = os.environ.get("LOIKE_UPDATE_GOLDEN") == "1"

EXPORTS = {
    "txt": "export.txt",
    "srt": "export.srt",
    "vtt": "export.vtt",
    "json": "export.json",
    "ohms": "export.ohms.xml",
    "tei": "export.tei.xml",
    "docx": "export.docx-document.xml",
}
"""``loike export --format F``: the golden file each format is compared with (DOCX: its word/document.xml)."""
SHEETS = ("sheet.html", "sheets-index.html")
"""The interview's review sheet (transcripts/sheets/LK-….html) and the sheets' index page."""


def volatile(root: Path, run_days: list[date]) -> list[tuple[str, str]]:
    """What differs from run to run or machine to machine, as (regex, stand-in), applied in this order.

    Everything the golden files do not pin is listed here and only here. Dates are masked only where they are
    the run's own (a time of day, or one of the days the test ran), so the interview's date, 12/03/2020 in the
    sidecar, stays pinned."""
    roots = sorted({str(root), str(root.resolve())}, key=len, reverse=True)
    return [
        # The archive's absolute path: a new tmp dir every run (none of today's outputs holds it).
        *[(re.escape(path), "<ROOT>") for path in roots],
        # When something happened, as stored (connection.now(): local time with its UTC offset): the JSON export's
        # first_seen and transcribed_at. The offset is the machine's time zone.
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:\d\d|Z)?", "<TIMESTAMP>"),
        # A date with a time of day, as the sheets print it: the index's "tạo lúc 07/12/2026 04:00" (rendered at).
        (r"\b\d\d/\d\d/\d{4} \d\d:\d\d\b", "<DD/MM/YYYY HH:MM>"),
        # The day of the run, alone: OHMS <record dt="yyyy-mm-dd"> (the day of the export) and the sheets'
        # "Ngày nhận" / "Ngày phiên âm" (received, transcribed), dd/mm/yyyy. Local days, as the code takes them.
        *[(re.escape(day.isoformat()), "<RUN-DAY>") for day in run_days],
        *[(re.escape(day.strftime("%d/%m/%Y")), "<RUN-DAY>") for day in run_days],
        # Interview codes are numbered within the year of the run (LK-2026-001); so are the sheet's file name
        # and the audio link.
        *[(rf"\bLK-{year}-", "LK-<YEAR>-") for year in sorted({day.year for day in run_days})],
        # Lời Kể's version, which a release bumps without a change of behaviour (none of today's outputs holds it).
        (rf"(?<![\w.]){re.escape(__version__)}(?![\w.])", "<VERSION>"),
    ]


def masked(text: str, masks: list[tuple[str, str]]) -> str:
    for pattern, stand_in in masks:
        text = re.sub(pattern, stand_in, text)
    return text


class Replay:
    """Stands in for ``pipeline.speech.transcribe.Transcriber`` (same ``options``, ``model_path``, ``versions()`` and
    ``transcribe()``): hands back the segments the real model returned on the demo, after checking that the same
    audio reached it, in the same pieces."""

    def __init__(self, captured: Path):
        found = json.loads(captured.read_text(encoding="utf-8"))
        # `loike run` fits the workers to the pieces: the demo is one piece, so one worker, on any machine.
        self.options = TranscribeOptions(workers=1)
        self.model_path = f"replayed from {captured.name}"
        self.pieces, self.segments = found["pieces"], found["segments"]
        self._versions = {k: found["captured_with"][k] for k in ("loike", "faster_whisper", "ctranslate2")}

    def versions(self) -> dict:
        return dict(self._versions)

    def transcribe(self, pieces, progress=None, hotwords=None) -> list[MachineSegment]:
        arrived = []
        for offset, samples in pieces:
            arrived.append({"offset": offset, "samples": len(samples)})
            if progress:
                progress(offset + len(samples) / 16_000)
        assert arrived == self.pieces, "the audio handed to the model is not the audio the transcript was captured on"
        return [segment(raw) for raw in self.segments]  # new objects: later stages change them in place


def segment(raw: dict) -> MachineSegment:
    return MachineSegment(**{**raw, "words": [Word(**word) for word in raw["words"]], "flags": list(raw["flags"])})


def docx_xml(data: bytes) -> str:
    """The DOCX's word/document.xml (the zip's dates and the template's parts are not ours), a line per paragraph,
    table and row so that a diff of it can be read."""
    with zipfile.ZipFile(io.BytesIO(data)) as docx:
        xml = docx.read("word/document.xml").decode("utf-8")
    return re.sub(r"(?=<w:(?:p|tbl|tr)[ >])", "\n", xml) + "\n"


def exact_text(path: Path) -> str:
    """The file as UTF-8, line endings as they are (read_text would turn CRLF into LF and hide a change)."""
    return path.read_bytes().decode("utf-8")


def run_days(first: date, last: date) -> list[date]:
    """Every local day the run touched (two when it crosses midnight)."""
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


@pytest.fixture(scope="module")
def produced(tmp_path_factory) -> dict[str, str]:
    """Every pinned output of one run over the demo, masked: golden file name → text."""
    root = tmp_path_factory.mktemp("golden") / "archive"
    (root / "recordings" / "demo").mkdir(parents=True)
    for name in DEMO:
        shutil.copyfile(REPO / "recordings" / "demo" / name, root / "recordings" / "demo" / name)
    first = date.today()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("pipeline.speech.diarize.available", lambda: False)  # as without the optional speaker model
        report = process_archive(archive(root), transcriber=Replay(CAPTURED), settle_seconds=0)
    assert report.ok and report.transcribed == 1, report.failures
    assert report.interviews == ["LK-2026-001"]  # the interviews whose names `loike run` hears again after it
    texts = exports(root)
    sheets_dir = root / "transcripts" / "sheets"
    (sheet,) = sheets_dir.glob("LK-*.html")
    texts["sheet.html"] = exact_text(sheet)
    texts["sheets-index.html"] = exact_text(sheets_dir / "index.html")
    masks = volatile(root, run_days(first, date.today()))
    return {name: masked(text, masks) for name, text in texts.items()}


def exports(root: Path) -> dict[str, str]:
    """`loike export 1 --format F -o FILE` for every format, as text."""
    out, texts = root.parent / "exports", {}
    out.mkdir()
    for fmt, golden in EXPORTS.items():
        target = out / f"demo.{fmt}"
        result = CliRunner().invoke(cli, ["--root", str(root), "export", "1", "--format", fmt, "-o", str(target)])
        assert result.exit_code == 0, result.output
        texts[golden] = docx_xml(target.read_bytes()) if fmt == "docx" else exact_text(target)
    return texts


@pytest.mark.parametrize("name", [*EXPORTS.values(), *SHEETS])
def test_output_is_as_pinned(produced, name):
    path = GOLDEN / name
    actual = produced[name]
    expected = exact_text(path) if path.exists() else None
    if actual == expected:
        return
    if UPDATE:
        path.write_bytes(actual.encode("utf-8"))
        pytest.skip(f"wrote {path.relative_to(REPO)}: review `git diff tests/golden/` before committing")
    if expected is None:
        pytest.fail(f"{path.relative_to(REPO)} is missing: LOIKE_UPDATE_GOLDEN=1 pytest tests/test_golden.py writes it")
    diff = difflib.unified_diff(
        expected.splitlines(keepends=True),
        actual.splitlines(keepends=True),
        f"golden/{name}",
        f"this run's {name}",
        n=2,
    )
    pytest.fail(f"{name} differs from the golden file (masks: see volatile()):\n{''.join(diff)}", pytrace=False)
