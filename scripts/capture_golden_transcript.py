"""Capture what Whisper says on the demo recording, for the golden test (tests/test_golden.py).

The golden test replays a recorded transcript instead of running Whisper: Whisper's words depend on the
processor's instruction set (docs/reproducibility.md), so a live transcription would make the golden files
machine-dependent. This script is how that recording is made. It copies recordings/demo/ into a fresh archive,
runs `loike --root ARCHIVE run` with the real embedded model, and writes the segments the transcriber
returned (before speaker labels and storage) to tests/golden/demo_transcript.json.

Regenerate everything the golden test pins, on purpose only (the words may change with the processor), from
the repository with this checkout installed (pip install -e .):

    python scripts/capture_golden_transcript.py
    LOIKE_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py

Review the diff of tests/golden/ before committing it.
"""

from __future__ import annotations

import dataclasses
import json
import platform
import re
import shutil
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.speech import transcribe

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "recordings" / "demo"
OUT = REPO / "tests" / "golden" / "demo_transcript.json"


class RecordingTranscriber(transcribe.Transcriber):
    """The real transcriber, keeping a copy of what it returns (later stages change the segments in place)."""

    returned: list = []
    pieces_seen: list = []
    versions_seen: dict = {}

    def transcribe(self, pieces, progress=None, hotwords=None):
        seen: list = []
        segments = super().transcribe(noted(pieces, seen), progress=progress, hotwords=hotwords)
        RecordingTranscriber.returned.append([dataclasses.asdict(s) for s in segments])
        RecordingTranscriber.pieces_seen.append(seen)
        RecordingTranscriber.versions_seen = {
            **self.versions(),
            "model": self.options.model,
            "compute_type": self.options.compute_type,
        }
        return segments


def noted(pieces, seen: list):
    """The pieces as they pass, each noted as (offset, sample count): the replay checks the same audio arrives."""
    for offset, samples in pieces:
        seen.append({"offset": offset, "samples": len(samples)})
        yield offset, samples


def capture(root: Path) -> dict:
    """Run the demo through `loike run` in ``root`` and return the transcript as the golden file holds it."""
    (root / "recordings" / "demo").mkdir(parents=True)
    for name in ("phong-van-mau.mp3", "phong-van-mau.yaml"):
        shutil.copyfile(DEMO / name, root / "recordings" / "demo" / name)
    transcribe.Transcriber = RecordingTranscriber  # pipeline.run.process imports it from here when it has work
    result = CliRunner().invoke(cli, ["--root", str(root), "run"], catch_exceptions=False)
    if result.exit_code != 0 or len(RecordingTranscriber.returned) != 1:
        sys.exit(f"loike run failed (exit {result.exit_code}):\n{result.output}")
    return {
        "recording": "demo/phong-van-mau.mp3",
        # Where the words came from: they may differ with another instruction set or another version.
        "captured_with": {
            **RecordingTranscriber.versions_seen,
            "machine": platform.machine(),
            "instruction_set": instruction_set(),
        },
        "pieces": RecordingTranscriber.pieces_seen[0],
        "segments": RecordingTranscriber.returned[0],
    }


def instruction_set() -> str:
    """The widest x86 vector extension this processor has, which decides CTranslate2's kernels."""
    try:
        cpu_flags = set(Path("/proc/cpuinfo").read_text().split())
    except OSError:
        return "unknown"
    for name, flag in (("AVX-512 VNNI", "avx512_vnni"), ("AVX-512", "avx512f"), ("AVX2", "avx2")):
        if flag in cpu_flags:
            return name
    return "older than AVX2"


def readable(found: dict) -> str:
    """Indented JSON with each flat object (a word, a piece) on one line, so a diff of it can be read."""
    text = json.dumps(found, ensure_ascii=False, indent=1)
    return re.sub(r"\{[^{}\[\]]*\}", lambda flat: re.sub(r"\n\s*", " ", flat.group()), text) + "\n"


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="loike-golden-") as tmp:
        found = capture(Path(tmp))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(readable(found), encoding="utf-8")
    print(f"{len(found['segments'])} segments written to {OUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
