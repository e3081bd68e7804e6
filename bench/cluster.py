"""Throughput of `loike run --cluster` on a local Ray cluster against the local `loike run`, over one folder.

Builds --files MP3 interviews of 1–3 minutes from the evaluation clips (as bench/throughput.py does, seed
--seed) in a work folder outside the repository. Starts one Ray node in this process
(`ray.cluster_utils.Cluster`: --cpus CPUs, no dashboard), left running for the whole benchmark as a cluster
would be; its start is not timed. Then, for --runs rounds, each side in turn (so background load hits all
alike), as a subprocess over a fresh copy of the folder, timed from start to exit (Python start-up, connecting,
starting the transcribers and loading their models, normalising, storing and the sheets all count):

  local      `loike run` (the default: two pieces at once through one model, one thread each)
  local-w1   `loike run --workers 1` (one piece at a time; CTranslate2 picks its threads: both cores here)
  ray-w1     `loike run --cluster ADDRESS --workers 1` (one transcriber actor of 1 CPU, 1 thread)
  ray-w2     `loike run --cluster ADDRESS --workers 2` (two transcriber actors of 1 CPU each)

Every side's transcripts are compared with the first side's (text, times and words of every segment). It also
prints what the plan for a national archive needs per hour of audio: the bytes the coordinator puts in the
object store (the decoded float32 samples), the rows it writes (segments, words) and the growth of loike.db.

    /tmp/venv/bin/python bench/cluster.py --runs 3
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402

SIDES = {"local": [], "local-w1": ["--workers", "1"], "ray-w1": ["--workers", "1"], "ray-w2": ["--workers", "2"]}


def run_side(side: str, files: list[Path], work: Path, address: str) -> tuple[float, Path]:
    root = Path(tempfile.mkdtemp(prefix=f"{side}-", dir=work))
    (root / "recordings").mkdir()
    old = time.time() - 3600
    for path in files:
        shutil.copyfile(path, root / "recordings" / path.name)
        os.utime(root / "recordings" / path.name, (old, old))
    command = [str(c.LOIKE), "--root", str(root), "run", *SIDES[side]]
    if side.startswith("ray"):
        command += ["--cluster", address]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=work)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{side} failed:\n{done.stdout}\n{done.stderr}")
    return wall, root


def segments(root: Path) -> dict[str, list]:
    return {
        name: [(s["start"], s["end"], s["text"], s["words"]) for s in row["segments"]]
        for name, row in c.transcripts_by_source(root).items()
    }


def writes(root: Path, seconds: float) -> str:
    """Rows and bytes the coordinator wrote, per hour of audio."""
    from pipeline import database

    db = root / "transcripts" / "loike.db"
    con = sqlite3.connect(db)
    counts = {table: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in ("segments", "words")}
    con.close()
    empty = Path(tempfile.mkdtemp()) / "empty.db"
    database.open_database(empty).close()
    schema = empty.stat().st_size  # an empty archive's database: not part of what an hour adds
    shutil.rmtree(empty.parent)
    hours = seconds / 3600
    return (
        f"per hour of audio: {counts['segments'] / hours:,.0f} segments and {counts['words'] / hours:,.0f} words "
        f"stored, loike.db grew {(db.stat().st_size - schema) / hours / 2**20:.2f} MiB (beyond the "
        f"{schema / 1024:.0f} KiB of an empty archive); object store {seconds * 16000 * 4 / hours / 1e6:.1f} MB "
        "(float32, 16 kHz)"
    )


def normalising(files: list[Path], work: Path, seconds: float) -> str:
    """What the coordinator spends per hour of audio decoding and normalising (one thread, as in a run)."""
    from pipeline.intake import audio

    out = work / "normalised"
    out.mkdir(exist_ok=True)
    started = time.perf_counter()
    for path in files:
        audio.normalise(path, out / f"{path.stem}.wav", out / f".{path.stem}.f32")
    spent = time.perf_counter() - started
    shutil.rmtree(out)
    return (
        f"normalising here: {spent / seconds * 3600:.0f} s per hour of audio ({seconds / spent:.0f}x real time, "
        "one thread)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=c.DEFAULT_DATA, help=f"clips folder (default {c.DEFAULT_DATA})")
    parser.add_argument("--files", type=int, default=4, help="interviews to build (default 4)")
    parser.add_argument("--seed", type=int, default=2, help="seed for lengths, clip order and pauses (default 2)")
    parser.add_argument("--runs", type=int, default=2, help="rounds; every side once per round (default 2)")
    parser.add_argument("--sides", default=",".join(SIDES), help=f"comma-separated, from {', '.join(SIDES)}")
    parser.add_argument("--cpus", type=int, default=2, help="CPUs of the local Ray node (default 2)")
    parser.add_argument("--work", type=Path, default=None, help="work folder (default a new folder in /tmp)")
    args = parser.parse_args()

    from ray.cluster_utils import Cluster

    work = args.work or Path(tempfile.mkdtemp(prefix="loike-cluster-", dir="/tmp"))
    files = [path for path, _ in c.build_folder(args.data, work / "files", args.files, (1.0, 3.0), args.seed)]
    seconds = sum(c.audio_seconds(path) for path in files)
    sides = args.sides.split(",")
    node = Cluster(initialize_head=True, head_node_args={"num_cpus": args.cpus, "include_dashboard": False})
    print(f"{len(files)} files, {seconds / 60:.1f} min in {work}; Ray node at {node.address}", file=sys.stderr)

    times: dict[str, list[float]] = {side: [] for side in sides}
    texts: dict[str, dict] = {}
    loads = []
    try:
        for run in range(args.runs):
            for side in sides:
                loads.append(os.getloadavg()[0])
                wall, root = run_side(side, files, work, node.address)
                times[side].append(wall)
                if side not in texts:
                    texts[side] = segments(root)
                    if side == sides[0]:
                        written = writes(root, seconds)
                shutil.rmtree(root)
                print(f"run {run + 1} {side}: {wall:.1f} s (load {loads[-1]:.2f})", file=sys.stderr)
    finally:
        node.shutdown()

    print(c.header(c.command_line()))
    print(
        f"{len(files)} MP3 interviews, {seconds / 60:.1f} min of audio "
        f"({', '.join(f'{c.audio_seconds(p) / 60:.1f}' for p in files)} min); Whisper base, int8, beam 5, vi; "
        f"a local Ray node of {args.cpus} CPUs; {args.runs} round(s), sides alternating; 1-minute load average "
        f"before each run {min(loads):.2f}–{max(loads):.2f}\n"
    )
    print("| side | wall (s), median | runs (s) | audio min per wall min | against the first side | same transcript |")
    print("|---|---|---|---|---|---|")
    first = c.median(times[sides[0]])
    for side in sides:
        med = c.median(times[side])
        same = "yes" if texts[side] == texts[sides[0]] else "**no**"
        print(
            f"| {side} | {med:.1f} | {', '.join(f'{t:.1f}' for t in times[side])} | {seconds / med:.2f} | "
            f"{first / med:.2f} × | {same} |"
        )
    print(f"\n{written}; {normalising(files, work, seconds)}")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
