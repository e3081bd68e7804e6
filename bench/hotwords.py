"""Do hotwords (names from the metadata) lower the error rate on those words? Measured on real speech.

The clips in vi-speech-dev name no witnesses, so each clip's own reference words stand in for the names
its metadata would list: the most favourable case. A control hands every clip another clip's words, to
see whether wrong hints do harm. Run: python bench/hotwords.py [DATA_DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from _common import DEFAULT_DATA, edit_distance, normalise_text

from pipeline.intake import audio, slicing
from pipeline.options import TranscribeOptions
from pipeline.settings import model_cache
from pipeline.speech.transcribe import Transcriber


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--compute-type", default="int8")
    args = parser.parse_args()
    clips = sorted(p for p in args.data.glob("*.wav") if p.with_suffix(".txt").exists())
    references = [normalise_text(c.with_suffix(".txt").read_text(encoding="utf-8")) for c in clips]
    transcriber = Transcriber(TranscribeOptions(compute_type=args.compute_type), model_cache())
    hints = {
        "none": [None] * len(clips),
        "own words": references,
        "another clip's words": references[1:] + references[:1],
    }
    print("| hotwords | WER | words of the hint recovered |\n|---|---|---|")
    for name, per_clip in hints.items():
        errors = words = hit = wanted = 0
        for clip, reference, hint in zip(clips, references, per_clip):
            pieces = list(slicing.read_chunks(_normalised(clip)))
            hypothesis = normalise_text(" ".join(s.text for s in transcriber.transcribe(pieces, hotwords=hint)))
            errors += edit_distance(reference.split(), hypothesis.split())
            words += len(reference.split())
            own = set(reference.split())
            wanted += len(own)
            hit += len(own & set(hypothesis.split()))
        print(f"| {name} | {errors / words:.3f} ({errors}/{words}) | {hit}/{wanted} of the clip's own words |")


def _normalised(clip: Path) -> Path:
    """The decoded 16 kHz audio the pipeline hands Whisper (see audio.normalise)."""
    out = Path("/tmp/loike-hotwords") / clip.with_suffix(".16k.wav").name
    decoded = out.with_suffix(".f32")
    out.parent.mkdir(exist_ok=True)
    if not decoded.exists():
        audio.normalise(clip, out, decoded)
    return decoded


if __name__ == "__main__":
    main()
