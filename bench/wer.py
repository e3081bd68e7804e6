"""Word and character error rate of the pipeline against bare faster-whisper, same model and settings.

(a) the pipeline: the clips are copied into recordings/ of a fresh archive in /tmp (never into the
repository: the clips are for evaluation only), ``process_archive`` runs over it, and each interview's
segment text is read back from transcripts/loike.db;
(b) bare faster-whisper: ``WhisperModel(<assembled embedded model>, compute_type=...)`` and
``model.transcribe(path, language="vi", beam_size=5, vad_filter=True, condition_on_previous_text=False,
word_timestamps=True)`` on each original clip.

Hypothesis and reference are normalised alike (NFC, lower case, punctuation removed, whitespace collapsed);
WER and CER are Levenshtein distances over words and characters, per clip and summed over the corpus.
Timing: the model is loaded once per side (not timed); each of --runs repetitions times a whole
process_archive over a fresh archive, and bare transcription of every clip; the real-time factor is the
median over the runs of (seconds taken / seconds of audio). The two sides alternate, so background load
hits both alike.

    /tmp/venv/bin/python bench/wer.py ../shared/data/vi-speech-dev --compute-type int8
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402


def pipeline_run(clips, options, transcriber, cache: Path, work: Path) -> tuple[dict[str, str], float]:
    """One process_archive over a fresh archive holding copies of the clips; (texts by file name, seconds)."""
    from pipeline import archive, process_archive

    root = Path(tempfile.mkdtemp(prefix="archive-", dir=work))
    (root / "recordings").mkdir()
    old = time.time() - 3600
    for wav, _ in clips:
        target = root / "recordings" / wav.name
        shutil.copyfile(wav, target)
        os.utime(target, (old, old))
    started = time.perf_counter()
    report = process_archive(archive(root), options, cache, transcriber=transcriber)
    seconds = time.perf_counter() - started
    if report.failures:
        raise SystemExit(f"pipeline failures: {report.failures}")
    found = c.transcripts_by_source(root)
    shutil.rmtree(root)
    return {name: row["text"] for name, row in found.items()}, seconds


def bare_run(clips, model, beam_size: int) -> tuple[dict[str, str], float]:
    texts, started = {}, time.perf_counter()
    for wav, _ in clips:
        segments, _info = model.transcribe(
            str(wav),
            language="vi",
            beam_size=beam_size,
            vad_filter=True,
            condition_on_previous_text=False,
            word_timestamps=True,
        )
        texts[wav.name] = " ".join(s.text.strip() for s in segments)
    return texts, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "data",
        nargs="?",
        type=Path,
        default=c.DEFAULT_DATA,
        help=f"folder of WAV clips with reference .txt (default {c.DEFAULT_DATA})",
    )
    parser.add_argument("--compute-type", default="int8", help="CTranslate2 compute type for both sides (default int8)")
    parser.add_argument("--beam-size", type=int, default=5, help="beam size for both sides (default 5)")
    parser.add_argument("--runs", type=int, default=3, help="timed repetitions per side (default 3)")
    parser.add_argument("--cache", type=Path, default=None, help="model cache (default $LOIKE_CACHE or the user cache)")
    parser.add_argument("--texts", action="store_true", help="also print each clip's two hypotheses")
    args = parser.parse_args()

    from faster_whisper import WhisperModel

    from pipeline.options import TranscribeOptions
    from pipeline.settings import model_cache
    from pipeline.speech.transcribe import Transcriber, embedded_model

    clips = c.clips(args.data)
    audio = sum(c.wav_seconds(wav) for wav, _ in clips)
    cache = model_cache(args.cache)
    options = TranscribeOptions(compute_type=args.compute_type, beam_size=args.beam_size)
    transcriber = Transcriber(options, cache)
    model = WhisperModel(str(embedded_model(cache)), device="cpu", compute_type=args.compute_type)

    work = Path(tempfile.mkdtemp(prefix="loike-wer-", dir="/tmp"))
    pipe_texts, bare_texts, pipe_times, bare_times, unstable = None, None, [], [], []
    try:
        for run in range(args.runs):
            texts, seconds = pipeline_run(clips, options, transcriber, cache, work)
            pipe_times.append(seconds)
            if pipe_texts is not None and texts != pipe_texts:
                unstable.append(f"pipeline run {run + 1}")
            pipe_texts = pipe_texts or texts
            texts, seconds = bare_run(clips, model, args.beam_size)
            bare_times.append(seconds)
            if bare_texts is not None and texts != bare_texts:
                unstable.append(f"bare run {run + 1}")
            bare_texts = bare_texts or texts
            print(f"run {run + 1}: pipeline {pipe_times[-1]:.1f} s, bare {bare_times[-1]:.1f} s", file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    totals = {"pw": 0, "bw": 0, "pc": 0, "bc": 0, "nw": 0, "nc": 0}
    rows = []
    for wav, ref in clips:
        p, b = pipe_texts.get(wav.name, ""), bare_texts.get(wav.name, "")
        (pw, nw), (bw, _) = c.word_errors(ref, p), c.word_errors(ref, b)
        (pc, nc), (bc, _) = c.char_errors(ref, p), c.char_errors(ref, b)
        for key, value in zip(("pw", "bw", "pc", "bc", "nw", "nc"), (pw, bw, pc, bc, nw, nc)):
            totals[key] += value
        rows.append((wav, ref, p, b, nw, pw, bw, pc, bc, nc))

    print(c.header(c.command_line()))
    print(
        f"{len(clips)} clips, {audio:.1f} s of audio, {totals['nw']} reference words; compute type "
        f"{args.compute_type}, beam {args.beam_size}; {args.runs} timed runs per side"
        + (f"; OUTPUT DIFFERED between runs: {', '.join(unstable)}" if unstable else "; output identical across runs")
    )
    print()
    print("| clip | s | words | WER pipeline | WER bare | CER pipeline | CER bare |")
    print("|---|---|---|---|---|---|---|")
    for wav, ref, p, b, nw, pw, bw, pc, bc, nc in rows:
        print(
            f"| {wav.stem} | {c.wav_seconds(wav):.1f} | {nw} | {c.ratio(pw, nw):.3f} | {c.ratio(bw, nw):.3f} | "
            f"{c.ratio(pc, nc):.3f} | {c.ratio(bc, nc):.3f} |"
        )
    print()
    print(
        "| compute type | WER pipeline | WER bare | CER pipeline | CER bare | RTF pipeline (median) | RTF bare (median) | runs | bar: pipeline WER ≤ bare |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    pwer, bwer = c.ratio(totals["pw"], totals["nw"]), c.ratio(totals["bw"], totals["nw"])
    print(
        f"| {args.compute_type} | {pwer:.3f} | {bwer:.3f} | {c.ratio(totals['pc'], totals['nc']):.3f} | "
        f"{c.ratio(totals['bc'], totals['nc']):.3f} | {c.median(pipe_times) / audio:.3f} | "
        f"{c.median(bare_times) / audio:.3f} | {args.runs} | {'pass' if pwer <= bwer else 'FAIL'} |"
    )
    print(
        f"\nseconds per run: pipeline {', '.join(f'{t:.1f}' for t in pipe_times)}; "
        f"bare {', '.join(f'{t:.1f}' for t in bare_times)}"
    )
    if args.texts:
        print()
        for wav, ref, p, b, *_ in rows:
            print(f"- {wav.stem}\n  - ref: {ref}\n  - pipeline: {p}\n  - bare: {b}")


if __name__ == "__main__":
    main()
