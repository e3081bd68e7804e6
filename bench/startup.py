"""How fast the commands that need no model answer: `loike --help` and `loike status` on a large archive.

Builds (or reuses, with --work) the archive of bench/render_bench.py — --interviews one-hour interviews of 720
segments each, metadata included — then times each command as a subprocess, Python start-up included, --runs
times, and reports the median. Also lists the heavy libraries each command imports (it should import none:
PyAV, numpy, faster-whisper, CTranslate2, Starlette, torch, Ray).

    .venv/bin/python bench/startup.py --interviews 1000 --work /tmp/startup
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402
from render_bench import build  # noqa: E402

HEAVY = ("av", "numpy", "faster_whisper", "ctranslate2", "starlette", "torch", "ray")


def timed(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def heavy_imports(argv: list[str]) -> list[str]:
    """The heavy top-level packages ``python -X importtime`` shows the command importing."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "pipeline.cli", *argv], capture_output=True, text=True, check=True
    )
    names = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    return sorted(heavy for heavy in HEAVY if any(n == heavy or n.startswith(heavy + ".") for n in names))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--interviews", type=int, default=1000)
    parser.add_argument("--segments", type=int, default=720)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--work", type=Path, default=None, help="archive folder, built if it has no database")
    args = parser.parse_args()
    root = args.work or Path(tempfile.mkdtemp(prefix="loike-startup-"))
    if not (root / "transcripts" / "loike.db").exists():
        (root / "recordings").mkdir(parents=True, exist_ok=True)
        build(root, args.interviews, args.segments, seed=1)
    commands = {"loike --help": ["--help"], "loike status": ["--root", str(root), "status"]}
    print(c.header(c.command_line()))
    print(f"Archive: {args.interviews} interviews × {args.segments} segments.\n")
    print(f"| command | median of {args.runs} runs | heavy libraries imported |")
    print("|---|---|---|")
    for name, argv in commands.items():
        times = [timed([str(c.LOIKE), *argv]) for _ in range(args.runs)]
        print(f"| `{name}` | {statistics.median(times):.2f} s | {', '.join(heavy_imports(argv)) or 'none'} |")


if __name__ == "__main__":
    main()
