"""`loike run` with two workers over one folder, glibc's mmap threshold set to each size in turn.

How `transcribe.MMAP_THRESHOLD` was chosen (docs/benchmarks.md, "Cost against length"): below the threshold
freed memory stays in glibc's heaps (peak memory grows), above it every block is a fresh mapping the kernel
zeroes (system time grows). Builds --files MP3 interviews of --minutes MIN,MAX from the evaluation clips (as
bench/throughput.py does) and, for --runs rounds, runs `loike run --workers 2` over a fresh copy of the folder
with each threshold, the order rotating each round; wall clock, CPU and peak RSS come from wait4.

    .venv/bin/python bench/malloc_threshold.py --thresholds 32,4,2 --runs 3 --work /tmp/eval-bench/malloc
    .venv/bin/python bench/malloc_threshold.py --files 1 --minutes 10,10 --work /tmp/eval-bench/malloc10

32 MB is glibc's own ceiling, that is, no setting.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402

WITH_THRESHOLD = (
    "import functools, sys; from pipeline import cli, transcribe; "
    "transcribe.tune_malloc_for_workers = functools.partial(transcribe.tune_malloc_for_workers, "
    "mmap_threshold=int(sys.argv.pop(1))); sys.argv[0] = 'loike'; cli.main()"
)


def run_loike(files: list[Path], work: Path, threshold_mb: int) -> dict[str, float]:
    root = Path(tempfile.mkdtemp(prefix=f"mmap{threshold_mb}-", dir=work))
    (root / "recordings").mkdir()
    settled = time.time() - 3600  # a fresh file is watched until it settles: keep that wait out of the timing
    for path in files:
        shutil.copyfile(path, root / "recordings" / path.name)
        os.utime(root / "recordings" / path.name, (settled, settled))
    argv = [
        sys.executable,
        "-c",
        WITH_THRESHOLD,
        str(threshold_mb * 2**20),
        "--root",
        str(root),
        "run",
        "--workers",
        "2",
    ]
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=work)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"loike run failed with a {threshold_mb} MB threshold:\n{proc.stderr.read().decode()}")
    shutil.rmtree(root)
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "sys": usage.ru_stime,
        "peak_mb": usage.ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--thresholds", default="32,4,2", help="sizes in MB, comma-separated (default 32,4,2)")
    parser.add_argument("--data", type=Path, default=c.DEFAULT_DATA, help=f"clips folder (default {c.DEFAULT_DATA})")
    parser.add_argument("--files", type=int, default=6, help="interviews to build (default 6)")
    parser.add_argument("--minutes", default="1,3", help="MIN,MAX length of each interview (default 1,3)")
    parser.add_argument("--seed", type=int, default=2, help="seed for lengths, clip order and pauses (default 2)")
    parser.add_argument("--runs", type=int, default=3, help="rounds; every threshold once per round (default 3)")
    parser.add_argument("--work", type=Path, default=None, help="work folder (default a new folder in /tmp)")
    args = parser.parse_args()

    thresholds = [int(mb) for mb in args.thresholds.split(",")]
    low, high = (float(m) for m in args.minutes.split(","))
    work = args.work or Path(tempfile.mkdtemp(prefix="loike-malloc-", dir="/tmp"))
    files = [path for path, _ in c.build_folder(args.data, work / "files", args.files, (low, high), args.seed)]
    seconds = sum(c.audio_seconds(path) for path in files)
    print(f"{len(files)} files, {seconds / 60:.1f} min in {work}", file=sys.stderr)

    results: dict[int, list[dict[str, float]]] = {mb: [] for mb in thresholds}
    for run in range(args.runs):
        for mb in thresholds[run % len(thresholds) :] + thresholds[: run % len(thresholds)]:
            results[mb].append(run_loike(files, work, mb))
            got = results[mb][-1]
            print(
                f"run {run + 1} {mb} MB: {got['wall']:.1f} s, CPU {got['cpu']:.0f} s (sys {got['sys']:.0f}), "
                f"peak {got['peak_mb']:.0f} MB",
                file=sys.stderr,
            )

    print(c.header(c.command_line()))
    print(
        f"{len(files)} MP3 interviews, {seconds / 60:.1f} min of audio; `loike run --workers 2`; "
        f"{args.runs} round(s), thresholds rotating\n"
    )
    print(
        "| blocks mapped on their own from | wall (s), median | runs (s) | CPU user + sys (s), runs | sys (s) | peak RSS |"
    )
    print("|---|---|---|---|---|---|")
    for mb, runs in results.items():
        walls, cpus, syss, peaks = ([r[key] for r in runs] for key in ("wall", "cpu", "sys", "peak_mb"))
        print(
            f"| {mb} MB | {c.median(walls):.1f} | {listed(walls, 1)} | {listed(cpus)} | {listed(syss)} | "
            f"{min(peaks):.0f}–{max(peaks):.0f} MB |"
        )


def listed(values: list[float], decimals: int = 0) -> str:
    return ", ".join(f"{value:.{decimals}f}" for value in values)


if __name__ == "__main__":
    main()
