"""Find and replace across a large archive: the preview, replacing 1,000 hits, and undoing them.

Builds (once, kept in --work, outside the repository) the archive bench/render_bench.py builds: --interviews
one-hour interviews of 720 segments (1,000: 720,000 segments, 10 million words), a fifth of the segments naming the
interview's witness, commune or event. Then, in-process, each --runs times on a copy of the database:

  preview   ``desk.replacing.find`` of an event's name typed without tones (``cai cach ruong dat``, said in
            thousands of lines), across the archive: every hit with its context (the search index finds the
            candidate lines, each is then checked); the first on the fresh copy, then again
  apply     ``desk.replacing.apply`` of the first --hits hits (one revision per line, one transaction per
            interview, the search index kept up to date by its triggers)
  undo      ``desk.replacing.undo`` of that batch

Bars (issue 17): preview under 2 s, replacing 1,000 hits under 10 s.

    PYTHONPATH=$PWD .venv/bin/python bench/replace_bench.py --work /tmp/replace-bench [--interviews 1000]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import render_bench  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--interviews", type=int, default=1000)
    parser.add_argument("--hits", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from pipeline import database
    from pipeline.desk import replacing
    from pipeline.text import fold

    built = args.work / "built"
    if not (built / "transcripts" / "loike.db").exists():
        (built / "transcripts").mkdir(parents=True, exist_ok=True)
        render_bench.build(built, args.interviews, 720, seed=1)
    times: dict[str, list[float]] = {"preview": [], "preview again": [], "apply": [], "undo": []}
    for run in range(args.runs):
        copy = args.work / "copy"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(built, copy)
        db = database.open_database(copy / "transcripts" / "loike.db")
        name = fold(render_bench.EVENTS[0])  # typed without tones: "cai cach ruong dat", in its three rounds
        started = time.perf_counter()
        preview = replacing.find(db, name, "Cải cách ruộng đất")
        times["preview"].append(time.perf_counter() - started)
        started = time.perf_counter()
        replacing.find(db, name, "Cải cách ruộng đất")
        times["preview again"].append(time.perf_counter() - started)
        found = len(preview.hits)
        preview.hits = preview.hits[: args.hits]
        started = time.perf_counter()
        done = replacing.apply(db, preview, "Bench")
        times["apply"].append(time.perf_counter() - started)
        started = time.perf_counter()
        undone = replacing.undo(db, done.batch_id, "Bench")
        times["undo"].append(time.perf_counter() - started)
        interviews = len({h.interview_id for h in preview.hits})
        print(
            f"  run {run + 1}: {name!r}: preview of {found} hits {times['preview'][-1]:.2f} s (again: "
            f"{times['preview again'][-1]:.2f} s); replaced {done.hits} hits in "
            f"{done.lines} lines of {interviews} interviews in {times['apply'][-1]:.2f} s; undone "
            f"({undone.lines} lines) in {times['undo'][-1]:.2f} s",
            flush=True,
        )
        db.close()
    for step, values in times.items():
        print(f"{step}: median {statistics.median(values):.2f} s (min {min(values):.2f}, max {max(values):.2f})")


if __name__ == "__main__":
    main()
