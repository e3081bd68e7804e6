"""Where a WER difference between the pipeline and bare faster-whisper comes from: the audio handed over.

For each clip, the same model and settings (beam 5, VAD, no conditioning, word timestamps) transcribe five
versions of the same speech: faster-whisper's own decode of the original (what bare uses); the pipeline's
normalised WAV (what the pipeline uses); that WAV with the loudness gain taken out again (the resampling and
16-bit path alone); and faster-whisper's decode times the pipeline's gain, with and without clipping (the gain
alone). Prints word errors per clip and the corpus WER of each. The normalised WAVs go to a temporary folder.

    /tmp/venv/bin/python bench/wer_inputs.py ../shared/data/vi-speech-dev
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402

VARIANTS = (
    "bare decode",
    "pipeline WAV",
    "pipeline WAV, gain undone",
    "bare decode × gain",
    "bare decode × gain, clipped",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", nargs="?", type=Path, default=c.DEFAULT_DATA)
    parser.add_argument("--compute-type", default="int8")
    args = parser.parse_args()

    from faster_whisper import WhisperModel
    from faster_whisper.audio import decode_audio

    from pipeline.intake import audio, slicing
    from pipeline.settings import model_cache
    from pipeline.speech.transcribe import embedded_model

    model = WhisperModel(str(embedded_model(model_cache())), compute_type=args.compute_type)

    def transcribe(samples: np.ndarray) -> str:
        segments, _ = model.transcribe(
            samples.astype(np.float32),
            language="vi",
            beam_size=5,
            vad_filter=True,
            condition_on_previous_text=False,
            word_timestamps=True,
        )
        return " ".join(s.text.strip() for s in segments)

    totals = dict.fromkeys(VARIANTS, 0)
    words = 0
    rows = []
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        for wav, ref in c.clips(args.data):
            bare = decode_audio(str(wav))
            normalised = audio.normalise(wav, Path(tmp) / f"{wav.stem}.wav")
            piped = np.concatenate([piece for _, piece in slicing.read_chunks(normalised.path)])
            gain = 10 ** (normalised.gain_db / 20)
            inputs = dict(zip(VARIANTS, (bare, piped, piped / gain, bare * gain, np.clip(bare * gain, -1, 1))))
            errors = {}
            for name, samples in inputs.items():
                errors[name], n = c.word_errors(ref, transcribe(samples))
                totals[name] += errors[name]
            words += n
            rows.append((wav.stem, normalised.gain_db, errors))

    print(c.header(c.command_line()))
    print("| clip | gain (dB) | " + " | ".join(VARIANTS) + " |")
    print("|---|---|" + "---|" * len(VARIANTS))
    for stem, gain_db, errors in rows:
        print(f"| {stem} | {gain_db:+.1f} | " + " | ".join(str(errors[v]) for v in VARIANTS) + " |")
    print(f"| **corpus WER** ({words} words) | | " + " | ".join(f"{totals[v] / words:.3f}" for v in VARIANTS) + " |")


if __name__ == "__main__":
    main()
