"""Why some clips come back empty and slowly: faster-whisper's temperature fallback, made visible.

Transcribes each FILE with the pipeline's settings (language vi, beam 5, VAD, no conditioning on previous
text, word timestamps) twice: with faster-whisper's default temperatures (0.0, 0.2, …, 1.0: a window
whose decode is too repetitive, compression ratio > 2.4, or too unsure, average log-probability < -1.0,
is decoded again at the next temperature, unless no_speech_prob > 0.6 marks it as silence) and with
temperature 0 only. Counts the fallbacks from faster-whisper's debug log and times each (median of --runs).

    /tmp/venv/bin/python bench/fallback.py tests/fixtures/vi_speech.wav tests/fixtures/vi_dialogue.ogg
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402


class Counter(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.failed, self.silences = [], 0

    def emit(self, record):
        message = record.getMessage()
        if "threshold is not met with temperature" in message:
            self.failed.append(f"{record.args[0]:.1f}")  # both thresholds may miss at one temperature
        elif message.startswith("No speech threshold is met"):
            self.silences += 1


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "files",
        nargs="*",
        type=Path,
        default=[c.REPO / "tests/fixtures/vi_speech.wav", c.REPO / "tests/fixtures/vi_dialogue.ogg"],
    )
    parser.add_argument("--compute-type", default="int8")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    import av
    from faster_whisper import WhisperModel

    from pipeline.settings import model_cache
    from pipeline.speech.transcribe import embedded_model

    model = WhisperModel(str(embedded_model(model_cache())), compute_type=args.compute_type)
    logger = logging.getLogger("faster_whisper")
    logger.setLevel(logging.DEBUG)
    counter = Counter()
    logger.addHandler(counter)
    logger.propagate = False

    print(c.header(c.command_line()))
    print(
        "| file | s | temperatures | decodes that missed a threshold (temperature) | windows skipped as silence | median s | text |"
    )
    print("|---|---|---|---|---|---|---|")
    for path in args.files:
        with av.open(str(path)) as container:
            seconds = container.duration / av.time_base
        for label, temperature in (("0.0…1.0 (default)", [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]), ("0.0 only", [0.0])):
            times = []
            for _ in range(args.runs):
                counter.failed, counter.silences = [], 0
                started = time.perf_counter()
                segments, _info = model.transcribe(
                    str(path),
                    language="vi",
                    beam_size=5,
                    vad_filter=True,
                    condition_on_previous_text=False,
                    word_timestamps=True,
                    temperature=temperature,
                )
                text = " ".join(s.text.strip() for s in segments)
                times.append(time.perf_counter() - started)
            print(
                f"| {path.name} | {seconds:.1f} | {label} | {', '.join(dict.fromkeys(counter.failed)) or 'none'} | {counter.silences} | "
                f"{c.median(times):.2f} | {_short(text) or '(empty)'} |"
            )


if __name__ == "__main__":
    main()
