"""Which settings make a folder of interviews go fastest on this machine without costing accuracy.

Builds --files MP3 interviews of 1–3 minutes from the evaluation clips (shuffled, 1–3 s pauses, seed
--seed) in a work folder outside the repository, decodes each once (faster-whisper's ``decode_audio``,
not timed), then for each variant transcribes the whole folder with bare faster-whisper called as the
pipeline calls it (language vi, beam 5, VAD, no conditioning on previous text, word timestamps) and
reports wall time, real-time factor, WER and CER against the concatenated references, and how many
words came out (a dropped clip shows as missing words).

Variants (``--variants``, comma-separated):
  int8, float32            one model, CTranslate2 picks the threads (all cores), files one after another
  int8-t1, float32-t1      the same on one thread
  int8-w2, float32-w2      one model with num_workers=2 and cpu_threads=1, two files at a time (two threads)
  batched8                 BatchedInferencePipeline, batch_size 8, int8, same options

    /tmp/venv/bin/python bench/levers.py --runs 2
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402

DEFAULT_VARIANTS = "int8,float32,int8-w2,float32-w2,int8-t1,batched8"
OPTIONS = {
    "language": "vi",
    "beam_size": 5,
    "vad_filter": True,
    "condition_on_previous_text": False,
    "word_timestamps": True,
}


def model_for(variant: str, path: str):
    from faster_whisper import BatchedInferencePipeline, WhisperModel

    compute = "float32" if variant.startswith("float32") else "int8"
    if variant.endswith("-w2"):
        return WhisperModel(path, device="cpu", compute_type=compute, cpu_threads=1, num_workers=2)
    if variant.endswith("-t1"):
        return WhisperModel(path, device="cpu", compute_type=compute, cpu_threads=1)
    model = WhisperModel(path, device="cpu", compute_type=compute)
    return BatchedInferencePipeline(model) if variant.startswith("batched") else model


def transcribe_all(variant: str, model, audio: dict) -> tuple[dict[str, str], float]:
    def one(name: str) -> tuple[str, str]:
        extra = {"batch_size": int(variant.removeprefix("batched"))} if variant.startswith("batched") else {}
        segments, _ = model.transcribe(audio[name], **OPTIONS, **extra)
        return name, " ".join(s.text.strip() for s in segments)

    started = time.perf_counter()
    workers = 2 if variant.endswith("-w2") else 1
    with ThreadPoolExecutor(workers) as pool:
        texts = dict(pool.map(one, sorted(audio, key=lambda n: -len(audio[n]))))  # longest first: even finish
    return texts, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=c.DEFAULT_DATA, help=f"clips folder (default {c.DEFAULT_DATA})")
    parser.add_argument("--files", type=int, default=6, help="interviews to build (default 6)")
    parser.add_argument("--seed", type=int, default=2, help="seed for lengths, clip order and pauses (default 2)")
    parser.add_argument("--variants", default=DEFAULT_VARIANTS, help=f"comma-separated (default {DEFAULT_VARIANTS})")
    parser.add_argument("--runs", type=int, default=1, help="timed passes per variant, interleaved (default 1)")
    parser.add_argument("--work", type=Path, default=None, help="work folder (default a new folder in /tmp)")
    parser.add_argument("--cache", type=Path, default=None, help="model cache (default $LOIKE_CACHE or the user cache)")
    args = parser.parse_args()

    from faster_whisper import decode_audio

    from pipeline.settings import model_cache
    from pipeline.speech.transcribe import embedded_model

    work = args.work or Path(tempfile.mkdtemp(prefix="loike-levers-", dir="/tmp"))
    made = c.build_folder(args.data, work / "files", args.files, (1.0, 3.0), args.seed)
    references = {path.name: text for path, text in made}
    audio = {path.name: decode_audio(str(path)) for path, _ in made}
    seconds = sum(len(a) for a in audio.values()) / 16000
    model_path = str(embedded_model(model_cache(args.cache)))
    variants = args.variants.split(",")
    print(f"{len(made)} files, {seconds / 60:.1f} min of audio in {work}", file=sys.stderr)

    times: dict[str, list[float]] = {v: [] for v in variants}
    texts: dict[str, dict[str, str]] = {}
    for run in range(args.runs):
        for variant in variants:  # interleaved, so background load hits every variant alike
            model = model_for(variant, model_path)
            got, wall = transcribe_all(variant, model, audio)
            del model
            times[variant].append(wall)
            if variant in texts and got != texts[variant]:
                print(f"  {variant}: output differed in run {run + 1}", file=sys.stderr)
            texts.setdefault(variant, got)
            print(f"run {run + 1} {variant}: {wall:.1f} s", file=sys.stderr)

    print(c.header(c.command_line()))
    words = sum(len(c.normalise_text(t).split()) for t in references.values())
    print(
        f"{len(made)} MP3 interviews, {seconds / 60:.1f} min ({', '.join(f'{len(a) / 16000 / 60:.1f}' for a in audio.values())} min), "
        f"{words} reference words; bare faster-whisper, beam 5, vi, VAD, word timestamps; decoding not timed; "
        f"{args.runs} run(s) per variant, interleaved\n"
    )
    print("| variant | wall (s), median | runs (s) | RTF | speed-up vs int8 | WER | CER | words out / reference |")
    print("|---|---|---|---|---|---|---|---|")
    base = c.median(times.get("int8", [])) if "int8" in times else None
    for variant in variants:
        we, wn, ce, cn, out = c.corpus_errors(references, texts[variant])
        med = c.median(times[variant])
        speedup = f"{base / med:.2f}×" if base else ""
        print(
            f"| {variant} | {med:.1f} | {', '.join(f'{t:.1f}' for t in times[variant])} | {med / seconds:.3f} | "
            f"{speedup} | {c.ratio(we, wn):.3f} | {c.ratio(ce, cn):.3f} | {out} / {wn} |"
        )
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
