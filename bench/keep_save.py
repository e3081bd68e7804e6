"""How long storing a transcript takes when an interview is transcribed again and editors have touched part of it.

An interview of --segments segments (3 s each, 8 words each) is stored once; every --every-th segment is then
edited through ``editing.edit`` (a revision each); then a new transcript of the same length, shifted by 0.2 s,
is stored with ``database.save_transcript`` (the touched segments are kept, their new text set beside them, the
rest replaced, all renumbered, the search index kept in step). Median of --repeats, each on a fresh database
in a temporary folder. Prints a Markdown block.

    /tmp/venv/bin/python bench/keep_save.py --segments 2000 --every 10
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402

RUN = {"model": "base", "settings": {}, "versions": {}, "started_at": "x", "finished_at": "y", "audio_seconds": 0.0}


def transcript(count: int, shift: float, label: str):
    from pipeline.database.heard import MachineSegment
    from pipeline.database.models import Word

    segments = []
    for i in range(count):
        start = i * 3.0 + shift
        words = [Word(start + k * 0.3, start + k * 0.3 + 0.25, f"{label}{k}", 0.9) for k in range(8)]
        segments.append(MachineSegment(start, start + 2.6, " ".join(w.text for w in words), -0.3, 0.02, 1.3, words))
    return segments


def once(segments: int, every: int) -> tuple[float, float, dict]:
    from pipeline import database
    from pipeline.desk import editing

    with tempfile.TemporaryDirectory(prefix="loike-keep-") as work:
        db = database.open_database(Path(work) / "loike.db")
        recording = database.add_recording(db, "a" * 64, "a.wav", 1, "a")
        started = time.perf_counter()
        database.save_transcript(db, recording, transcript(segments, 0.0, "mot"), RUN)
        first = time.perf_counter() - started
        for row in database.segments(db, 1, with_words=False)[::every]:
            editing.edit(db, row.id, row.version, "bench", text=row.text + " (sửa)")
        started = time.perf_counter()
        run_id = database.save_transcript(db, recording, transcript(segments, 0.2, "hai"), RUN)
        again = time.perf_counter() - started
        counts = database.transcript_counts(db, 1, run_id)
        db.close()
    return first, again, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--segments", type=int, default=2000)
    parser.add_argument("--every", type=int, default=10, help="edit every N-th segment (default 10)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    results = [once(args.segments, args.every) for _ in range(args.repeats)]
    first = [r[0] for r in results]
    again = [r[1] for r in results]
    print(c.header(c.command_line()))
    print(f"- first save of {args.segments} segments: {c.median(first):.2f} s (median of {args.repeats})")
    print(
        f"- saved again with every {args.every}th segment edited: **{c.median(again):.2f} s** "
        f"({', '.join(f'{t:.2f}' for t in again)}); {results[0][2]}"
    )


if __name__ == "__main__":
    main()
