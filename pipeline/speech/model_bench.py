"""What a model costs on this laptop: its real-time factor and peak memory on a minute of the team's own audio
(``loike models bench``), measured in a fresh process so that the peak is the model's own, and remembered in the
cache (``.benchmarks.json``, by the model's fingerprint) for ``loike models`` to show.

The measure transcribes exactly as ``loike run`` does (the same ``Transcriber`` and options), so a two-hour
interview costs about 7,200 × RTF seconds here; a first minute says little about a recording's silences, which
Whisper skips, so the estimate errs long where an interview has long pauses.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from pipeline.errors import ModelError
from pipeline.files import write_atomic
from pipeline.i18n import _
from pipeline.options import TranscribeOptions

RECORD = ".benchmarks.json"
TWO_HOURS = 7200.0


def measured(cache: Path) -> dict[str, dict]:
    """The measures taken on this machine, by model fingerprint."""
    try:
        return json.loads((cache / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def summary(speed: dict | None) -> str:
    if not speed:
        return _("not measured")
    return _("RTF {rtf:.2f}, {peak:,} MB").format(rtf=speed["rtf"], peak=speed["peak_mb"])


def bench(audio: Path, options: TranscribeOptions, cache: Path, seconds: float = 60.0) -> dict:
    """Transcribe the first ``seconds`` of ``audio`` with ``options`` in a fresh process; the figures are kept in
    the cache under the model's fingerprint and returned."""
    if not audio.is_file():
        raise ModelError(
            _("There is no recording {audio}: pass one of your own recordings (a minute or more).").format(audio=audio)
        )
    command = [sys.executable, "-m", "pipeline.speech.model_bench", str(audio), str(seconds), str(cache)]
    done = subprocess.run(
        command, input=json.dumps(asdict(options)), capture_output=True, text=True, env={**os.environ}
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode or not lines:
        why = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise ModelError(
            _("The measure of {model} on {audio} failed: {why}").format(model=options.model, audio=audio, why=why)
        )
    figures = json.loads(lines[-1])
    if "error" in figures:
        raise ModelError(figures["error"])
    record = measured(cache)
    record[figures["fingerprint"]] = figures
    write_atomic(cache / RECORD, (json.dumps(record, indent=2) + "\n").encode("utf-8"))
    return figures


def _measure(audio: Path, seconds: float, options: TranscribeOptions, cache: Path) -> dict:
    """In the fresh process: decode, load, transcribe, and read the process's peak resident memory."""
    from pipeline.intake import audio as decoding
    from pipeline.intake import slicing
    from pipeline.speech.transcribe import SAMPLE_RATE, Transcriber

    with tempfile.TemporaryDirectory(prefix="loike-bench-") as work:
        wav, decoded, first = (Path(work) / name for name in ("audio.wav", "decoded.f32", "first.f32"))
        decoding.normalise(audio, wav, decoded)
        samples = slicing.decoded_samples(decoded)[: int(seconds * SAMPLE_RATE)]
        samples.tofile(first)
        length = len(samples) / SAMPLE_RATE
        started = time.perf_counter()
        transcriber = Transcriber(options, cache)
        loaded = time.perf_counter() - started
        # As a run hands a long recording to its workers: in pieces cut at quiet moments, one per worker here.
        pieces = slicing.read_chunks(first, max(length / max(1, options.workers), 1.0) + 0.5)
        began = time.perf_counter()
        segments = transcriber.transcribe(pieces)
        took = time.perf_counter() - began
    return {
        "model": transcriber.model_info.name,
        "fingerprint": transcriber.model_info.fingerprint,
        "audio": str(audio),
        "audio_seconds": round(length, 1),
        "transcribe_seconds": round(took, 1),
        "rtf": round(took / length, 3) if length else None,
        "load_seconds": round(loaded, 1),
        "peak_mb": peak_rss_mb(),
        "words": sum(len(s.text.split()) for s in segments),
        "compute_type": options.compute_type,
        "beam_size": options.beam_size,
        "workers": options.workers,
        "cpu_threads": options.cpu_threads,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}",
        "measured_at": time.strftime("%Y-%m-%d %H:%M"),
    }


def peak_rss_mb() -> int:
    """This process's peak resident memory, in MB (ru_maxrss: kB on Linux, bytes on macOS); -1 where unknown."""
    try:
        import resource
    except ImportError:  # Windows
        return -1
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak / 2**20 if sys.platform == "darwin" else peak / 1024)


if __name__ == "__main__":
    audio_arg, seconds_arg, cache_arg = sys.argv[1:4]
    chosen = TranscribeOptions(**json.loads(sys.stdin.read()))
    try:
        print(json.dumps(_measure(Path(audio_arg), float(seconds_arg), chosen, Path(cache_arg))))
    except Exception as error:  # one sentence back to the parent, whatever went wrong
        print(json.dumps({"error": str(error)}))
