"""faster-whisper's batched pipeline against today's decoding, on the pipeline's own pieces of a long recording.

Builds a recording of --minutes minutes from the evaluation clips (as bench/memory.py does: shuffled, 1-3 s pauses),
decodes it as `loike run` does (``audio.normalise``, then pieces of up to 2 minutes cut at quiet moments), and
transcribes the pieces:

- today: ``Transcriber`` (two workers of one thread, beam --beams, VAD, word timestamps, no previous text);
- batched: ``BatchedInferencePipeline`` over the same pieces (its VAD cuts each into windows of up to 30 s, decoded
  --batch-size at a time) on one stream of two threads, beam 1 to 5, word timestamps; with --timestamps each beam
  also with Whisper's timestamp tokens inside the windows (segments cut where Whisper cuts them, as today, instead
  of one segment per window).

Prints WER and CER of the whole transcript against the clips' references (so a dropped clip shows), wall time,
CPU seconds of the process (what the work costs whatever else the shared machine runs; on a quiet 2-core machine
wall is about CPU / 2 when both cores are busy), RTF, and how many segments and how long (what an editor reviews),
one line per variant, the variants taking turns over --rounds rounds (medians), with the load average.

    python bench/batched.py --minutes 5 --rounds 1
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402
import memory  # noqa: E402

from pipeline.intake import audio, slicing  # noqa: E402
from pipeline.options import TranscribeOptions  # noqa: E402
from pipeline.settings import model_cache  # noqa: E402
from pipeline.speech.evaluate import char_errors, word_errors  # noqa: E402
from pipeline.speech.transcribe import Transcriber, resolve_model  # noqa: E402


def today(decoded: Path, beam: int, model: str) -> tuple[str, list[float]]:
    transcriber = Transcriber(TranscribeOptions(model=model, beam_size=beam, workers=2), model_cache())
    found = [s for s in transcriber.transcribe(slicing.read_chunks(decoded, 120.0)) if s.text]
    return " ".join(s.text for s in found), [s.end - s.start for s in found]


def batched(decoded: Path, beam: int, model: str, batch_size: int, timestamps: bool) -> tuple[str, list[float]]:
    """``timestamps``: Whisper's timestamp tokens inside each window, so segments are cut where it cuts them (as
    today) rather than one per window of up to 30 s."""
    from faster_whisper import BatchedInferencePipeline, WhisperModel

    whisper = WhisperModel(resolve_model(model, model_cache()), compute_type="int8", cpu_threads=2)
    pipeline = BatchedInferencePipeline(whisper)
    texts, lengths = [], []
    for _offset, samples in slicing.read_chunks(decoded, 120.0):
        found, _ = pipeline.transcribe(
            samples,
            language="vi",
            beam_size=beam,
            batch_size=batch_size,
            vad_filter=True,
            word_timestamps=True,
            without_timestamps=not timestamps,
        )
        for segment in found:
            texts.append(segment.text.strip())
            lengths.append(segment.end - segment.start)
    return " ".join(texts), lengths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=c.DEFAULT_DATA)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--model", default="base")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--beams", default="1,2,3,5")
    parser.add_argument("--timestamps", action="store_true", help="also each batched beam with timestamp tokens")
    args = parser.parse_args()
    beams = [int(b) for b in args.beams.split(",")]
    with tempfile.TemporaryDirectory(prefix="batched-") as work:
        wav, _, reference, seconds = memory.build(args.data, args.minutes, Path(work), seed=7, want_mp3=False)
        decoded = Path(work) / "decoded.f32"
        audio.normalise(wav, Path(work) / "normalised.wav", decoded)
        variants = [(f"today, beam {b}", lambda b=b: today(decoded, b, args.model)) for b in (1, 5)]
        variants += [
            (
                f"batched {args.batch_size}, beam {b}{', timestamps' if stamps else ''}",
                lambda b=b, stamps=stamps: batched(decoded, b, args.model, args.batch_size, stamps),
            )
            for b in beams
            for stamps in ((False, True) if args.timestamps else (False,))
        ]
        walls: dict[str, list[float]] = {name: [] for name, _ in variants}
        cpus: dict[str, list[float]] = {name: [] for name, _ in variants}
        texts: dict[str, str] = {}
        lengths: dict[str, list[float]] = {}
        loads = []
        for _ in range(args.rounds):
            for name, run in variants:
                loads.append(os.getloadavg()[0])
                started, cpu = time.perf_counter(), time.process_time()
                texts[name], lengths[name] = run()
                walls[name].append(time.perf_counter() - started)
                cpus[name].append(time.process_time() - cpu)
    print(c.header(c.command_line()))
    print(f"{seconds / 60:.1f} min of audio, model {args.model}; load average {min(loads):.1f}-{max(loads):.1f}\n")
    print(
        "| variant | wall (s), median | CPU (s), median | CPU s per audio s | WER | CER | words out / reference "
        "| segments, median length (s) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, _ in variants:
        wall, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
        we, w = word_errors(reference, texts[name])
        ce, ch = char_errors(reference, texts[name])
        print(
            f"| {name} | {wall:.1f} | {cpu:.1f} | {cpu / seconds:.3f} | {we / w:.3f} | {ce / ch:.3f} | "
            f"{len(texts[name].split())} / {w} | {len(lengths[name])}, {statistics.median(lengths[name]):.1f} |"
        )


if __name__ == "__main__":
    main()
