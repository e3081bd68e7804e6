"""Speech VAD hears and Whisper does not write: how often, how long, and what else could be done about it.

Degrades the evaluation clips to a telephone line (band 300–3400 Hz, 8 kHz, G.711 µ-law, with the line's
noise at --snr dB under the speech, noise added before the band limit as a phone's microphone picks it up), in
two layouts:

- ``--clips``: each clip alone, as a short answer after a long pause is handed to Whisper. For each: how much
  speech VAD hears, whether Whisper writes anything, the gap segments ``Transcriber.transcribe`` adds, and
  what Whisper writes when its no-speech rule is switched off (``no_speech_threshold=None``), with its
  character error rate against the clip's reference.
- ``--minutes N`` (default): a recording of N minutes of the clips with 1–3 s pauses (shuffled, seed 1, as
  bench/memory.py builds it), degraded as a whole, read in the pipeline's 120 s pieces and transcribed by
  ``Transcriber.transcribe``. Each clip is then written (over half its time under written segments), flagged
  (over half under gap segments) or lost; how many gaps got a draft (a second decode of their speech alone,
  ``Transcriber._heard_again``) and its character error rate against the clips it covers; with
  ``--no-speech-rule-off`` the same with faster-whisper's no-speech rule switched off instead. Also the length
  of every uncovered bit of speech, which is what ``flags.UNWRITTEN_MIN_SPEECH`` was chosen on.

    python bench/unwritten.py --clips --snr none 30 20
    python bench/unwritten.py --minutes 10 --snr clean none 30 20

``--snr clean`` is the clips as they are; ``none`` the telephone band without added noise. The work files stay in
a temporary folder outside the repository (the clips' licence).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402

RATE = 16_000


def telephone(samples: np.ndarray, rate: int, snr_db: float | None, seed: int) -> np.ndarray:
    """int16 samples at ``rate`` → float32 at 16 kHz as they come out of a telephone line."""
    x = samples.astype(np.float64) / 32768
    if snr_db is not None:
        loud = x[np.abs(x) > 0.02 * np.abs(x).max()]  # the speech, not the pauses
        power = float(np.mean(loud**2)) if len(loud) else 1e-6
        x = x + np.random.default_rng(seed).normal(0.0, np.sqrt(power / 10 ** (snr_db / 10)), len(x))
    spectrum = np.fft.rfft(x)
    freq = np.fft.rfftfreq(len(x), 1 / rate)
    spectrum[(freq < 300) | (freq > 3400)] = 0
    narrow = _resample(np.fft.irfft(spectrum, len(x)), rate, 8000)
    mu = 255.0  # G.711 µ-law, 8 bits
    companded = np.sign(narrow) * np.log1p(mu * np.abs(np.clip(narrow, -1, 1))) / np.log1p(mu)
    companded = np.round(companded * 127) / 127
    line = np.sign(companded) * ((1 + mu) ** np.abs(companded) - 1) / mu
    return _resample(line, 8000, RATE).astype(np.float32)


def clean(samples: np.ndarray, rate: int) -> np.ndarray:
    return _resample(samples.astype(np.float64) / 32768, rate, RATE).astype(np.float32)


def _resample(x: np.ndarray, rate: int, to: int) -> np.ndarray:
    """FFT resampling (band-limited; the inputs are short enough)."""
    n = int(round(len(x) * to / rate))
    spectrum = np.fft.rfft(x)
    out = np.zeros(n // 2 + 1, complex)
    keep = min(len(spectrum), len(out))
    out[:keep] = spectrum[:keep]
    return np.fft.irfft(out, n) * n / len(x)


def degrade(samples: np.ndarray, rate: int, condition: str, seed: int) -> np.ndarray:
    if condition == "clean":
        return clean(samples, rate)
    return telephone(samples, rate, None if condition == "none" else float(condition), seed)


def condition_name(condition: str) -> str:
    return {"clean": "clean", "none": "telephone, no noise"}.get(condition, f"telephone, SNR {condition} dB")


DRAFT_SECONDS = [0.0]
"""Wall time spent writing drafts for gaps (``Transcriber._heard_again``), reset per condition."""


def transcriber():
    from pipeline.options import TranscribeOptions
    from pipeline.settings import model_cache
    from pipeline.speech.transcribe import Transcriber

    found = Transcriber(TranscribeOptions(workers=1), model_cache())
    heard_again = found._heard_again

    def timed(*args):
        started = time.perf_counter()
        try:
            return heard_again(*args)
        finally:
            DRAFT_SECONDS[0] += time.perf_counter() - started

    found._heard_again = timed  # type: ignore[method-assign]
    return found


@contextlib.contextmanager
def no_speech_rule_off(model):
    """faster-whisper's no-speech rule switched off: no window is dropped for silence (``no_speech_threshold``
    None; this also lets a window that looks silent go through the temperature fallback)."""
    original = model.transcribe
    model.transcribe = functools.partial(original, no_speech_threshold=None)
    try:
        yield
    finally:
        model.transcribe = original


# --- each clip alone ------------------------------------------------------------------------------------


def by_clip(conditions: list[str]) -> None:
    from pipeline.speech.transcribe import GAP_CHECK, speech_spans

    t = transcriber()
    print(c.header(c.command_line()))
    print("| condition | clip | VAD heard (s) | Whisper wrote | gap segments | rule off: writes | rule off: CER |")
    print("|---|---|---|---|---|---|---|")
    for condition in conditions:
        for n, (wav, reference) in enumerate(c.clips(c.DEFAULT_DATA)):
            pcm, rate = c.read_pcm16(wav)
            samples = degrade(pcm, rate, condition, seed=n)
            heard = sum(b - a for a, b in speech_spans(samples, **GAP_CHECK))
            found = t.transcribe([(0.0, samples)])
            written = " ".join(s.text for s in found if s.text)
            gaps = [s for s in found if "unwritten_speech" in s.flags]
            row = f"| {condition_name(condition)} | {wav.stem} | {heard:.1f} | {written or '—'} | " + (
                ", ".join(f"{s.start:.1f}–{s.end:.1f} s" for s in gaps) or "—"
            )
            if not written:
                with no_speech_rule_off(t.model):
                    off = " ".join(s.text for s in t.transcribe([(0.0, samples)]) if s.text)
                errors, chars = c.char_errors(reference, off)
                row += f" | {off or '—'} | {errors / chars:.2f} |" if off else " | — | — |"
            else:
                row += " | | |"
            print(row, flush=True)


# --- a longer recording -----------------------------------------------------------------------------------


def build(minutes: float, seed: int) -> tuple[np.ndarray, int, list[tuple[float, float, str]]]:
    """The clips shuffled and cycled with 1–3 s pauses: int16 samples, their rate, and (start, end, reference)
    of every clip in seconds."""
    loaded = [(c.read_pcm16(wav), text) for wav, text in c.clips(c.DEFAULT_DATA)]
    rate = loaded[0][0][1]
    rng = random.Random(seed)
    blocks, placed, at, order = [], [], 0, []
    while at < minutes * 60 * rate:
        if not order:
            order = list(range(len(loaded)))
            rng.shuffle(order)
        (samples, _), text = loaded[order.pop()]
        placed.append((at / rate, (at + len(samples)) / rate, text))
        pause = np.zeros(int(rng.uniform(1.0, 3.0) * rate), np.int16)
        blocks += [samples, pause]
        at += len(samples) + len(pause)
    return np.concatenate(blocks), rate, placed


def pieces(samples: np.ndarray, chunk_seconds: float):
    """The pipeline's pieces, cut at quiet moments (``slicing.read_chunks`` over a float32 file)."""
    import tempfile

    from pipeline.intake import slicing

    with tempfile.TemporaryDirectory(prefix="loike-unwritten-") as work:
        decoded = Path(work) / "decoded.f32"
        samples.astype("<f4").tofile(decoded)
        return [(offset, piece.copy()) for offset, piece in slicing.read_chunks(decoded, chunk_seconds)]


def share_under(start: float, end: float, spans: list[tuple[float, float]]) -> float:
    covered = sum(max(0.0, min(end, b) - max(start, a)) for a, b in spans)
    return covered / (end - start)


MINIMUMS = (0.3, 0.5, 1.0)
"""Shortest gaps tried (seconds of unwritten speech), besides the pipeline's ``flags.UNWRITTEN_MIN_SPEECH``."""


def drafts(condition: str, found: list, placed: list[tuple[float, float, str]]) -> list[str]:
    """How many gaps got a draft (``MachineSegment.heard_again``), and how near the drafts are to what the clips
    they cover said (character error rate)."""
    gaps = [s for s in found if "unwritten_speech" in s.flags]
    if not gaps:
        return []
    errors = []
    for gap in gaps:
        said = " ".join(text for a, b, text in placed if share_under(a, b, [(gap.start, gap.end)]) > 0.5)
        if gap.heard_again and said:
            errors.append(c.char_errors(said, gap.heard_again))
    found_drafts = sum(bool(gap.heard_again) for gap in gaps)
    rate = f", character error rate {sum(e for e, _ in errors) / sum(n for _, n in errors):.2f}" if errors else ""
    summary = f"{condition_name(condition)}: {found_drafts} of {len(gaps)} gaps get a draft{rate}"
    return [f"{summary}; writing them took {DRAFT_SECONDS[0]:.1f} s of the run"] + [
        f"  - {gap.start:.1f}–{gap.end:.1f} s: {gap.heard_again!r}" for gap in gaps
    ]


def by_recording(minutes: float, conditions: list[str], rule_off: bool) -> None:
    from pipeline.speech import flags
    from pipeline.speech.transcribe import GAP_CHECK, speech_spans

    t = transcriber()
    print(c.header(c.command_line()))
    pcm, rate, placed = build(minutes, seed=1)
    print(f"- recording: {len(pcm) / rate:.0f} s, {len(placed)} clips with 1–3 s pauses\n")
    print(
        "| condition | no-speech rule | VAD heard (s) | gaps of at least (s) | clips written | flagged as gaps | "
        "lost | gaps: count, median and longest (s) | gaps over a pause only | written text flagged | "
        "extra VAD pass (s) | wall (s) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    notes = []
    for condition in conditions:
        audio_pieces = pieces(degrade(pcm, rate, condition, seed=1), 120.0)
        started = time.perf_counter()
        heard = [[(offset + a, offset + b) for a, b in speech_spans(s, **GAP_CHECK)] for offset, s in audio_pieces]
        vad = time.perf_counter() - started
        dropped_texts: dict[int, str] = {}
        for off in [False, True] if rule_off else [False]:
            started, DRAFT_SECONDS[0] = time.perf_counter(), 0.0
            with no_speech_rule_off(t.model) if off else contextlib.nullcontext():
                found = t.transcribe(audio_pieces)
            wall = time.perf_counter() - started
            if not off:
                notes += drafts(condition, found, placed)
            written = [(s.start, s.end) for s in found if s.text]
            other = sum(1 for s in found if s.text and s.flags)
            for minimum in MINIMUMS if not off else (flags.UNWRITTEN_MIN_SPEECH,):
                gaps = [gap for spans in heard for gap in flags.unwritten_stretches(spans, written, minimum)]
                kinds = [
                    (
                        "written"
                        if share_under(a, b, written) > 0.5
                        else "flagged"
                        if share_under(a, b, gaps) > 0.5
                        else "lost"
                    )
                    for a, b, _ in placed
                ]
                if not off and minimum == flags.UNWRITTEN_MIN_SPEECH:
                    dropped = {n for n, kind in enumerate(kinds) if kind == "flagged"}
                    lost = [n for n, kind in enumerate(kinds) if kind == "lost"]
                    heard_in_lost = [
                        sum(max(0.0, min(b, y) - max(a, x)) for spans in heard for x, y in spans)
                        for a, b, _ in (placed[n] for n in lost)
                    ]
                    if lost:
                        notes.append(
                            f"{condition_name(condition)}: VAD heard "
                            f"{', '.join(f'{h:.1f}' for h in heard_in_lost)} s of the {len(lost)} lost clips"
                        )
                if off:
                    dropped_texts = {
                        n: " ".join(
                            s.text for s in found if s.text and share_under(s.start, s.end, [placed[n][:2]]) > 0.3
                        )
                        for n in dropped
                    }
                over_pause = sum(1 for a, b in gaps if max(share_under(a, b, [(x, y)]) for x, y, _ in placed) == 0)
                lengths = sorted(b - a for a, b in gaps)
                shape = f"{len(gaps)}, {statistics.median(lengths):.1f}, {lengths[-1]:.1f}" if gaps else "0"
                print(
                    f"| {condition_name(condition)} | {'off' if off else 'on (default)'} | "
                    f"{sum(b - a for spans in heard for a, b in spans):.0f} | {minimum} | "
                    f"{kinds.count('written')} | {kinds.count('flagged')} | {kinds.count('lost')} | {shape} | "
                    f"{over_pause} | {other} | {vad:.1f} | {wall:.0f} |",
                    flush=True,
                )
        if dropped_texts:
            errors = [c.char_errors(placed[n][2], text) for n, text in dropped_texts.items() if text]
            if errors:
                notes.append(
                    f"{condition_name(condition)}, no-speech rule off: of the {len(dropped_texts)} clips "
                    f"the rule drops, {len(errors)} get text, character error rate "
                    f"{sum(e for e, _ in errors) / sum(n for _, n in errors):.2f} "
                    f"(clean clips: see docs/benchmarks.md, Word and character error rate)"
                )
            for n, text in dropped_texts.items():
                notes.append(f"  - {placed[n][2]!r} → {text!r}")
        if condition == "clean":
            bits = uncovered_bits(audio_pieces, found)
            notes.append(
                f"clean speech: {len(bits)} bits of speech VAD heard that no written segment covers, before "
                f"joining; median {statistics.median(bits):.2f} s, longest {max(bits):.2f} s; "
                + ", ".join(f"{sum(1 for b in bits if b >= x)} of {x} s or more" for x in MINIMUMS)
            )
    print()
    for note in notes:
        print(f"- {note}" if not note.startswith("  ") else note)


def uncovered_bits(audio_pieces, found) -> list[float]:
    """Lengths of the bits of speech no written segment covers, piece by piece (what
    ``flags.unwritten_stretches`` joins)."""
    from pipeline.speech import flags
    from pipeline.speech.transcribe import GAP_CHECK, speech_spans

    lengths = []
    for offset, samples in audio_pieces:
        end = offset + len(samples) / RATE
        written = [(s.start - offset, s.end - offset) for s in found if s.text and offset <= s.start < end]
        lengths += [b - a for a, b in flags.uncovered(speech_spans(samples, **GAP_CHECK), sorted(written))]
    return lengths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", action="store_true", help="each clip alone instead of a longer recording")
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the recording (default 10)")
    parser.add_argument(
        "--snr",
        nargs="+",
        default=["clean", "none", "30", "20"],
        help="conditions: clean, none (telephone band, no noise) or an SNR in dB",
    )
    parser.add_argument(
        "--no-speech-rule-off",
        action="store_true",
        help="also transcribe with faster-whisper's no-speech rule switched off",
    )
    args = parser.parse_args()
    if args.clips:
        by_clip(args.snr)
    else:
        by_recording(args.minutes, args.snr, args.no_speech_rule_off)


if __name__ == "__main__":
    main()
