"""Which signal, and which threshold, sends the editors to the wrong words: measured on real Vietnamese speech and on
copies of it made harder.

The clips of ../shared/data/vi-speech-dev are degraded into /tmp (never into the repository): telephone band (8 kHz,
300–3400 Hz band-pass, sox), white noise at 10 and 5 dB SNR (seeded), and a slower, lower voice (sox ``speed 0.88``:
12 % slower and about two semitones lower, as resampling does). Each set is transcribed with the pipeline's own
``Transcriber`` (embedded Whisper base, int8, beam 5, one worker), and every machine word is scored against the
reference by ``pipeline.speech.mark_scores`` (Levenshtein alignment on normalised words; wrong = substituted or
inserted). For each candidate signal and threshold: the share of wrong words marked, the share of all words
marked, precision, and the AUC.

    PYTHONPATH=$PWD .venv/bin/python bench/confidence.py [DATA_DIR] [--keep /tmp/confidence-words.json]
    PYTHONPATH=$PWD .venv/bin/python bench/confidence.py --overhead 5

``--overhead ROUNDS`` times instead what reading the lowest token probability costs: the dev clips joined into one
recording (each clip three times, ~2 minutes), transcribed by the ``Transcriber`` (one worker) with the
token-probability model and with faster-whisper's plain ``WhisperModel``, the two alternating within each round so
background load hits both; medians and their ratio.

Signals: ``mean`` (faster-whisper's word probability, the mean over the word's tokens), ``lowest`` (its lowest token
probability), ``chosen`` (``pipeline.speech.confidence.scores``: 0.7 of a word's lowest and 0.3 of its less sure
neighbour's, what the sheet, the app and the JSON export mark under 0.45). Then, for each signal, the share of
wrong words among the quarter of words it is least sure of (the best any threshold can do marking 25 %); the sets with over 36 % of words wrong are reported apart (no mark can catch 70 % there while marking 25 %).
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402

from pipeline.database.models import Word  # noqa: E402
from pipeline.speech import confidence, mark_scores  # noqa: E402

CONDITIONS = ("clean", "telephone", "noise10", "noise5", "slow_low")
THRESHOLDS = (0.3, 0.4, 0.45, 0.5, 0.6)


def degrade(clip: Path, condition: str, out: Path) -> Path:
    target = out / condition / clip.name
    target.parent.mkdir(parents=True, exist_ok=True)
    if condition == "clean":
        target.write_bytes(clip.read_bytes())
    elif condition == "telephone":
        subprocess.run(["sox", str(clip), "-r", "8000", str(target), "sinc", "300-3400"], check=True)
    elif condition == "slow_low":
        subprocess.run(["sox", str(clip), str(target), "speed", "0.88"], check=True)
    else:
        snr = float(condition.removeprefix("noise"))
        samples, rate = c.read_pcm16(clip)
        signal = samples.astype(np.float64)
        noise = np.random.default_rng(len(clip.name)).standard_normal(len(signal))
        noise *= np.sqrt(np.mean(signal**2) / 10 ** (snr / 10)) / np.sqrt(np.mean(noise**2))
        mixed = np.clip(signal + noise, -32768, 32767).astype("<i2")
        with wave.open(str(target), "wb") as writer:
            writer.setnchannels(1)
            writer.setsampwidth(2)
            writer.setframerate(rate)
            writer.writeframes(mixed.tobytes())
    return target


def transcribe_words(transcriber, path: Path, work: Path) -> list[Word]:
    from pipeline.intake import audio, slicing

    decoded = work / "decoded.f32"
    audio.normalise(path, work / "normalised.wav", decoded)
    segments = transcriber.transcribe(slicing.read_chunks(decoded, transcriber.options.chunk_seconds))
    return [(word, n) for n, segment in enumerate(segments) for word in segment.words]


def collect(data_dir: Path) -> dict:
    from pipeline.options import TranscribeOptions
    from pipeline.settings import model_cache
    from pipeline.speech.transcribe import Transcriber

    transcriber = Transcriber(TranscribeOptions(workers=1), model_cache(None))
    found: dict = {}
    with tempfile.TemporaryDirectory(prefix="loike-confidence-") as tmp:
        work = Path(tmp)
        for condition in CONDITIONS:
            found[condition] = []
            for clip, reference in c.clips(data_dir):
                words = transcribe_words(transcriber, degrade(clip, condition, work), work)
                by_segment = [[w for w, _ in group] for _, group in itertools.groupby(words, key=lambda pair: pair[1])]
                wrong = [w.wrong for w in mark_scores.scored_words(reference, by_segment)]
                kept = [(w, n) for w, n in words if c.normalise_text(w.text)]
                found[condition].append(
                    {
                        "clip": clip.name,
                        "words": [[w.text, w.probability, w.lowest, bad, n] for (w, n), bad in zip(kept, wrong)],
                    }
                )
                print(f"  {condition:<10} {clip.name:<28} {sum(wrong)}/{len(wrong)} wrong", file=sys.stderr)
    return found


def signals(words: list[list]) -> dict[str, list[float]]:
    """Each candidate signal for a clip's words; ``chosen`` is the library's rule (``confidence.scores``), applied
    segment by segment."""
    chosen = []
    for _, segment in itertools.groupby(words, key=lambda w: w[4]):
        kept = list(segment)
        chosen += confidence.scores([w[1] for w in kept], [w[2] for w in kept])
    return {"mean": [w[1] for w in words], "lowest": [w[2] for w in words], "chosen": chosen}


def table(name: str, clips: list[dict]) -> None:
    scored = {}
    for clip in clips:
        for signal, values in signals(clip["words"]).items():
            scored.setdefault(signal, []).extend(zip(values, [w[3] for w in clip["words"]]))
    total = len(next(iter(scored.values())))
    wrong = sum(bad for _, bad in next(iter(scored.values())))
    print(f"\n{name}: {total} words, {wrong} wrong ({wrong / max(total, 1):.0%})")
    print(f"{'signal':<8} {'AUC':>5} {'@25%':>5}  " + "  ".join(f"< {t:<4} caught/marked/prec" for t in THRESHOLDS))
    for signal, pairs in scored.items():
        auc = mark_scores.area_under_curve([v for v, _ in pairs], [b for _, b in pairs])
        cells = []
        for threshold in THRESHOLDS:
            marked = [b for v, b in pairs if v < threshold]
            cells.append(
                f"{sum(marked) / max(wrong, 1):.2f}/{len(marked) / max(total, 1):.2f}/"
                f"{sum(marked) / max(len(marked), 1):.2f}".ljust(25)
            )
        ranked = sorted(pairs, key=lambda pair: pair[0])[: round(0.25 * total)]
        print(f"{signal:<8} {auc or 0:>5.3f} {sum(b for _, b in ranked) / max(wrong, 1):>5.2f}  " + "  ".join(cells))


def overhead(data_dir: Path, rounds: int) -> None:
    import statistics
    import time

    from faster_whisper import WhisperModel

    from pipeline.options import TranscribeOptions
    from pipeline.settings import model_cache
    from pipeline.speech import transcribe

    with tempfile.TemporaryDirectory(prefix="loike-overhead-") as tmp:
        joined = Path(tmp) / "joined.wav"
        clips = [str(clip) for clip, _ in c.clips(data_dir)] * 3
        subprocess.run(["sox", *clips, "-r", "16000", str(joined)], check=True)
        seconds = c.wav_seconds(joined)
        sides = {}
        original = transcribe.token_probability_model
        for name, model in (("lowest", original), ("plain", lambda: WhisperModel)):
            transcribe.token_probability_model = model
            sides[name] = transcribe.Transcriber(TranscribeOptions(workers=1), model_cache(None))
        transcribe.token_probability_model = original
        times: dict[str, list[float]] = {name: [] for name in sides}
        for _ in range(rounds):
            for name, transcriber in sides.items():
                started = time.perf_counter()
                words = transcribe_words(transcriber, joined, Path(tmp))
                times[name].append(time.perf_counter() - started)
                print(f"  {name:<7} {times[name][-1]:.2f} s, {len(words)} words", file=sys.stderr, flush=True)
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(
        f"{seconds:.0f} s of audio, {rounds} rounds: with the lowest token probability {medians['lowest']:.2f} s, "
        f"plain {medians['plain']:.2f} s (medians): {medians['lowest'] / medians['plain']:.3f} ×"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=c.DEFAULT_DATA)
    parser.add_argument("--keep", type=Path, help="Write the words (text, mean, lowest, wrong) here as JSON.")
    parser.add_argument("--load", type=Path, help="Read the words from an earlier --keep instead of transcribing.")
    parser.add_argument("--overhead", type=int, metavar="ROUNDS", help="Time the token-probability model instead.")
    args = parser.parse_args()
    if args.overhead:
        return overhead(args.data, args.overhead)
    found = json.loads(args.load.read_text()) if args.load else collect(args.data)
    if args.keep:
        args.keep.write_text(json.dumps(found, ensure_ascii=False))
    for condition, clips in found.items():
        table(condition, clips)
    easy = [clip for clips in found.values() for clip in clips if _wrong_share(clip) <= 0.36]
    hard = [clip for clips in found.values() for clip in clips if _wrong_share(clip) > 0.36]
    table("every clip of every set with at most 36 % wrong", easy)
    table("every clip of every set with over 36 % wrong", hard)
    table("all", [clip for clips in found.values() for clip in clips])


def _wrong_share(clip: dict) -> float:
    return sum(w[3] for w in clip["words"]) / max(len(clip["words"]), 1)


if __name__ == "__main__":
    main()
