"""Pipeline overhead: a whole `loike run` over one interview against bare faster-whisper on the same file.

Builds a --minutes MP3 interview from the evaluation clips (as bench/memory.py does: shuffled, cycled,
1–3 s pauses, seed --seed) in a work folder outside the repository. Then --runs rounds, the two sides
alternating so background load hits both, each a subprocess timed from start to exit:

  loike   `loike --root FRESH_ARCHIVE run`: hash, probe, decode and loudness-normalise, transcribe in
          2-minute pieces, flag, store in SQLite, write the review sheet and index
  bare    python -c: import faster_whisper, WhisperModel(<the same assembled Whisper base>, cpu,
          --compute-type), model.transcribe(FILE, language="vi", beam_size=5, vad_filter=True,
          condition_on_previous_text=False, word_timestamps=True), every segment consumed

Both include Python start-up and the model load. Bar: loike ≤ 1.10 × bare (medians).

    /tmp/venv/bin/python bench/overhead.py --minutes 10 --runs 3
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402
import memory  # noqa: E402

BAR = 1.10
BARE = """
import json, sys
from faster_whisper import WhisperModel
model = WhisperModel(sys.argv[2], device="cpu", compute_type=sys.argv[3])
segments, info = model.transcribe(sys.argv[1], language="vi", beam_size=5, vad_filter=True,
                                  condition_on_previous_text=False, word_timestamps=True)
print(json.dumps(" ".join(s.text.strip() for s in segments), ensure_ascii=False))
"""


def run_loike(mp3: Path, work: Path, compute: str) -> tuple[float, str]:
    root = Path(tempfile.mkdtemp(prefix="archive-", dir=work))
    (root / "recordings").mkdir()
    shutil.copyfile(mp3, root / "recordings" / mp3.name)
    old = time.time() - 3600
    os.utime(root / "recordings" / mp3.name, (old, old))
    started = time.perf_counter()
    done = subprocess.run(
        [str(c.LOIKE), "--root", str(root), "run", "--compute-type", compute], capture_output=True, text=True, cwd=work
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"loike run failed:\n{done.stdout}\n{done.stderr}")
    text = c.transcripts_by_source(root)[mp3.name]["text"]
    shutil.rmtree(root)
    return wall, text


def run_bare(mp3: Path, work: Path, model: Path, compute: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", BARE, str(mp3), str(model), compute], capture_output=True, text=True, cwd=work
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"bare faster-whisper failed:\n{done.stderr}")
    return wall, json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the interview (default 10)")
    parser.add_argument("--runs", type=int, default=3, help="rounds, both sides each round (default 3)")
    parser.add_argument("--compute-type", default="int8", help="for both sides (default int8)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", type=Path, default=c.DEFAULT_DATA, help=f"clips folder (default {c.DEFAULT_DATA})")
    parser.add_argument("--work", type=Path, default=None, help="work folder (default a new folder in /tmp)")
    parser.add_argument("--cache", type=Path, default=None, help="model cache (default $LOIKE_CACHE or the user cache)")
    args = parser.parse_args()

    from pipeline.settings import model_cache
    from pipeline.speech.transcribe import embedded_model

    work = args.work or Path(tempfile.mkdtemp(prefix="loike-overhead-", dir="/tmp"))
    work.mkdir(parents=True, exist_ok=True)
    _, mp3, reference, seconds = memory.build(args.data, args.minutes, work, args.seed, True)
    model = embedded_model(model_cache(args.cache))
    times: dict[str, list[float]] = {"loike": [], "bare": []}
    texts: dict[str, str] = {}
    for run in range(args.runs):
        for side in ("loike", "bare"):
            wall, text = (
                run_loike(mp3, work, args.compute_type)
                if side == "loike"
                else run_bare(mp3, work, model, args.compute_type)
            )
            times[side].append(wall)
            texts.setdefault(side, text)
            print(f"run {run + 1} {side}: {wall:.1f} s", file=sys.stderr)

    print(c.header(c.command_line()))
    print(
        f"{seconds / 60:.1f} min MP3 ({len(reference.split())} reference words), {args.compute_type}, beam 5, vi; "
        f"{args.runs} round(s), sides alternating\n"
    )
    print("| side | wall (s), median | runs (s) | RTF | WER | CER |")
    print("|---|---|---|---|---|---|")
    for side in ("loike", "bare"):
        med = c.median(times[side])
        we, wn = c.word_errors(reference, texts[side])
        ce, cn = c.char_errors(reference, texts[side])
        print(
            f"| {side} | {med:.1f} | {', '.join(f'{t:.1f}' for t in times[side])} | {med / seconds:.3f} | "
            f"{c.ratio(we, wn):.3f} | {c.ratio(ce, cn):.3f} |"
        )
    ratio = c.median(times["loike"]) / c.median(times["bare"])
    print(f"\nloike / bare = {ratio:.3f} (bar ≤ {BAR:.2f}: {'pass' if ratio <= BAR else 'FAIL'})")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
