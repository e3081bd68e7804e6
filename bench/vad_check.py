"""What the VAD check on Whisper's segments costs, and how much of real speech it would flag.

Builds a recording of --minutes minutes from the evaluation clips (as bench/memory.py does: shuffled,
cycled, 1–3 s pauses, seed 1), normalises it and reads it in the pipeline's 120 s pieces. Times Silero VAD
over every piece (``transcribe.speech_spans``, median of --repeats), then, unless --vad-only, transcribes the
pieces with the embedded model (``Transcriber.transcribe``, which runs the check) and reports the share of
each segment's time in speech: every segment here is real speech, so every flag would be a false alarm.
With --bursts, instead: the espeak dialogue (tests/fixtures/vi_dialogue.ogg) followed by silence broken by
short bursts cut from it (four layouts: gap between bursts, burst length), and the same bursts alone; every
segment Whisper writes is printed with its share in speech and its flags. That is what the threshold
(``flags.VAD_SPEECH_MIN``) was chosen on.

    /tmp/venv/bin/python bench/vad_check.py --minutes 10
    /tmp/venv/bin/python bench/vad_check.py --bursts
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402
from memory import build  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the recording (default 10)")
    parser.add_argument("--data", type=Path, default=c.DEFAULT_DATA, help=f"clips folder (default {c.DEFAULT_DATA})")
    parser.add_argument("--repeats", type=int, default=3, help="VAD timings to take the median of (default 3)")
    parser.add_argument("--vad-only", action="store_true", help="time the VAD only, do not transcribe")
    parser.add_argument("--bursts", action="store_true", help="silence broken by bursts of sound, see above")
    args = parser.parse_args()
    if args.bursts:
        bursts()
        return

    from pipeline.intake import audio, slicing
    from pipeline.options import TranscribeOptions
    from pipeline.settings import model_cache
    from pipeline.speech import flags
    from pipeline.speech.transcribe import Transcriber, speech_spans

    with tempfile.TemporaryDirectory(prefix="loike-vad-") as work:
        wav, _, _, seconds = build(args.data, args.minutes, Path(work), 1, want_mp3=False)
        decoded = Path(work) / "decoded.f32"
        audio.normalise(wav, Path(work) / "normalised.wav", decoded)
        options = TranscribeOptions()
        pieces = list(slicing.read_chunks(decoded, options.chunk_seconds))
        speech_spans(pieces[0][1][:16000])  # load the VAD model outside the timing
        timings = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            spans = [speech_spans(samples) for _, samples in pieces]
            timings.append(time.perf_counter() - started)
        vad = statistics.median(timings)
        speech = sum(b - a for piece in spans for a, b in piece)
        print(c.header(c.command_line()))
        print(f"- recording: {seconds:.0f} s in {len(pieces)} pieces; VAD found {speech:.0f} s of speech")
        print(
            f"- VAD over all pieces: **{vad:.2f} s** (median of {args.repeats}: "
            f"{', '.join(f'{t:.2f}' for t in timings)}), {seconds / vad:.0f}× real time"
        )
        if args.vad_only:
            return
        transcriber = Transcriber(options, model_cache())
        started = time.perf_counter()
        segments = transcriber.transcribe(pieces)
        wall = time.perf_counter() - started
        shares = sorted(s.speech_fraction for s in segments)
        flagged = [s for s in segments if "vad_no_speech" in s.flags]
        print(
            f"- transcription with the check: {wall:.1f} s (RTF {wall / seconds:.3f}); the VAD check is "
            f"{vad / wall:.1%} of it"
        )
        print(
            f"- {len(segments)} segments; share in speech: min {shares[0]:.2f}, "
            f"5th percentile {shares[len(shares) // 20]:.2f}, median {statistics.median(shares):.2f}; "
            f"flagged under {flags.VAD_SPEECH_MIN:.0%}: {len(flagged)}"
        )
        for segment in flagged:
            print(f"  - {segment.start:.1f}–{segment.end:.1f} s, {segment.speech_fraction:.2f}: {segment.text!r}")


BURST_LAYOUTS = {  # name: (where the bursts are cut from the dialogue, s; silence between them, s; burst, s)
    "A": ((1.0, 3.0, 5.2, 7.5, 9.1, 11.0), 3.0, 0.2),
    "B": ((1.0, 3.0, 5.2, 7.5, 9.1, 11.0), 3.0, 0.15),
    "C": ((2.0, 4.0, 6.2, 8.5, 10.1, 12.0), 3.0, 0.2),
    "D": ((1.0, 3.0, 5.2, 7.5, 9.1, 11.0), 4.0, 0.25),
}


def bursts() -> None:
    import numpy as np

    from pipeline.intake import audio, slicing
    from pipeline.options import TranscribeOptions
    from pipeline.settings import model_cache
    from pipeline.speech import flags
    from pipeline.speech.transcribe import SAMPLE_RATE, Transcriber

    print(c.header(c.command_line()))
    transcriber = Transcriber(TranscribeOptions(), model_cache())
    with tempfile.TemporaryDirectory(prefix="loike-vad-") as work:
        decoded = Path(work) / "decoded.f32"
        audio.normalise(c.REPO / "tests" / "fixtures" / "vi_dialogue.ogg", Path(work) / "d.wav", decoded)
        speech = np.concatenate([samples for _, samples in slicing.read_chunks(decoded, 600)])
    print("| audio | segment | share in speech | flags | text |\n|---|---|---|---|---|")
    for name, (cuts, gap, length) in BURST_LAYOUTS.items():
        silence = np.zeros(int(gap * SAMPLE_RATE), np.float32)
        stretch = [
            part for at in cuts for part in (silence, speech[int(at * SAMPLE_RATE) : int((at + length) * SAMPLE_RATE)])
        ] + [silence]
        for label, samples in ((f"dialogue + {name}", [speech, *stretch]), (f"{name} alone", stretch)):
            for s in transcriber.transcribe([(0.0, np.concatenate(samples))]):
                mark = "**" if s.speech_fraction < flags.VAD_SPEECH_MIN else ""
                print(
                    f"| {label} ({len(cuts)} × {length} s every {gap + length:g} s) | {s.start:.1f}–{s.end:.1f} s "
                    f"| {mark}{s.speech_fraction:.2f}{mark} | {', '.join(s.flags)} | {s.text} |"
                )


if __name__ == "__main__":
    main()
