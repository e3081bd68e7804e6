"""Throughput over a folder of interviews: `loike run` against whisper-ctranslate2, side by side.

Builds --files MP3 interviews of 1–3 minutes from the evaluation clips (shuffled, 1–3 s pauses, seed
--seed) in a work folder outside the repository, with each reference beside it. Then, for --runs rounds,
each side in turn (so background load hits all alike), as a subprocess timed from start to exit (Python
start-up, model load, decoding and writing included):

  loike      `loike --root FRESH_ARCHIVE run` over copies of the files (the whole pipeline: hashing,
             normalising, transcribing, SQLite, review sheets); text read back from loike.db
  loike-wN   the same with --workers N (N recordings, or pieces of one, at once, the cores shared out)
  loike-noprefetch  the same with ahead.PREFETCH = False (each file decoded only when its turn comes)
  wct2       `whisper-ctranslate2 FILES --model_directory <the same assembled Whisper base> --language vi
             --beam_size 5 --compute_type int8 --device cpu --output_format txt` (otherwise its defaults:
             no VAD, conditioning on previous text, no word timestamps)
  wct2-vad   the same with --vad_filter True (what a careful user would add for long interviews)
  wct2-batched  the same with --vad_filter True --batched True (its default batch size)

WER and CER over the folder: total edits / total reference words (characters), normalised alike.
whisper-ctranslate2 lives in its own venv (--wct2, default /tmp/wct2/bin/whisper-ctranslate2):
``python3 -m venv /tmp/wct2 && /tmp/wct2/bin/pip install whisper-ctranslate2``.

    /tmp/venv/bin/python bench/throughput.py --runs 3
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

WCT2_EXTRA = {
    "wct2": [],
    "wct2-vad": ["--vad_filter", "True"],
    "wct2-batched": ["--vad_filter", "True", "--batched", "True"],
}


NO_PREFETCH = "import sys; from pipeline import ahead, cli; ahead.PREFETCH = False; sys.argv[0] = 'loike'; cli.main()"


def run_loike(files: list[Path], work: Path, extra: list[str], prefetch: bool = True) -> tuple[float, dict[str, str]]:
    root = Path(tempfile.mkdtemp(prefix="archive-", dir=work))
    (root / "recordings").mkdir()
    old = time.time() - 3600
    for path in files:
        shutil.copyfile(path, root / "recordings" / path.name)
        os.utime(root / "recordings" / path.name, (old, old))
    started = time.perf_counter()
    command = [str(c.LOIKE)] if prefetch else [sys.executable, "-c", NO_PREFETCH]
    done = subprocess.run([*command, "--root", str(root), "run", *extra], capture_output=True, text=True, cwd=work)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"loike run failed:\n{done.stdout}\n{done.stderr}")
    texts = {name: row["text"] for name, row in c.transcripts_by_source(root).items()}
    shutil.rmtree(root)
    return wall, texts


def run_wct2(
    exe: str, side: str, files: list[Path], model: Path, work: Path, compute: str
) -> tuple[float, dict[str, str]]:
    out = Path(tempfile.mkdtemp(prefix=f"{side}-", dir=work))
    argv = [
        exe,
        *map(str, files),
        "--model_directory",
        str(model),
        "--language",
        "vi",
        "--beam_size",
        "5",
        "--compute_type",
        compute,
        "--device",
        "cpu",
        "--output_dir",
        str(out),
        "--output_format",
        "txt",
        "--verbose",
        "False",
        *WCT2_EXTRA[side],
    ]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    env.pop("PYTHONPATH", None)
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=work)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{side} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    texts = {}
    for path in files:
        txt = out / f"{path.stem}.txt"
        texts[path.name] = txt.read_text(encoding="utf-8") if txt.exists() else ""
    shutil.rmtree(out)
    return wall, texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=c.DEFAULT_DATA, help=f"clips folder (default {c.DEFAULT_DATA})")
    parser.add_argument("--files", type=int, default=6, help="interviews to build (default 6)")
    parser.add_argument("--seed", type=int, default=2, help="seed for lengths, clip order and pauses (default 2)")
    parser.add_argument("--runs", type=int, default=3, help="rounds; every side once per round (default 3)")
    parser.add_argument(
        "--sides",
        default="loike,wct2,wct2-vad",
        help="comma-separated: loike, loike-w1, loike-w2 …, loike-noprefetch, wct2, wct2-vad, wct2-batched",
    )
    parser.add_argument("--compute-type", default="int8", help="for both tools (default int8)")
    parser.add_argument("--loike-args", default="", help="extra options for `loike run`, e.g. '--compute-type float32'")
    parser.add_argument(
        "--wct2", default="/tmp/wct2/bin/whisper-ctranslate2", help="the whisper-ctranslate2 executable"
    )
    parser.add_argument("--work", type=Path, default=None, help="work folder (default a new folder in /tmp)")
    parser.add_argument("--cache", type=Path, default=None, help="model cache (default $LOIKE_CACHE or the user cache)")
    args = parser.parse_args()

    from pipeline.settings import model_cache
    from pipeline.speech.transcribe import embedded_model

    work = args.work or Path(tempfile.mkdtemp(prefix="loike-throughput-", dir="/tmp"))
    made = c.build_folder(args.data, work / "files", args.files, (1.0, 3.0), args.seed)
    files = [path for path, _ in made]
    references = {path.name: text for path, text in made}
    seconds = sum(c.audio_seconds(path) for path in files)
    model = embedded_model(model_cache(args.cache))
    sides = args.sides.split(",")
    loike_extra = ["--compute-type", args.compute_type, *args.loike_args.split()]
    print(f"{len(files)} files, {seconds / 60:.1f} min in {work}", file=sys.stderr)

    times: dict[str, list[float]] = {side: [] for side in sides}
    texts: dict[str, dict[str, str]] = {}
    for run in range(args.runs):
        for side in sides:
            if side.startswith("loike"):
                extra = loike_extra + (
                    ["--workers", side.removeprefix("loike-w")] if side.startswith("loike-w") else []
                )
                wall, got = run_loike(files, work, extra, prefetch=side != "loike-noprefetch")
            else:
                wall, got = run_wct2(args.wct2, side, files, model, work, args.compute_type)
            times[side].append(wall)
            texts.setdefault(side, got)
            print(f"run {run + 1} {side}: {wall:.1f} s", file=sys.stderr)

    print(c.header(c.command_line()))
    words = sum(len(c.normalise_text(t).split()) for t in references.values())
    print(
        f"{len(files)} MP3 interviews, {seconds / 60:.1f} min of audio "
        f"({', '.join(f'{c.audio_seconds(p) / 60:.1f}' for p in files)} min), {words} reference words; "
        f"model {model.name}, {args.compute_type}, beam 5, vi; {args.runs} round(s), sides alternating; "
        f"loike run {' '.join(loike_extra)}\n"
    )
    print("| side | wall (s), median | runs (s) | RTF | loike faster by | WER | CER | words out / reference |")
    print("|---|---|---|---|---|---|---|---|")
    first = next((side for side in sides if side.startswith("loike")), None)  # the reference for "faster by"
    ours = c.median(times[first]) if first else None
    for side in sides:
        we, wn, ce, cn, out = c.corpus_errors(references, texts[side])
        med = c.median(times[side])
        faster = f"{med / ours:.2f}×" if ours and not side.startswith("loike") else ""
        print(
            f"| {side} | {med:.1f} | {', '.join(f'{t:.1f}' for t in times[side])} | {med / seconds:.3f} | {faster} | "
            f"{c.ratio(we, wn):.3f} | {c.ratio(ce, cn):.3f} | {out} / {wn} |"
        )
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
