"""Speed and memory of each Whisper size on this machine, with models of the same shape and random weights.

No model bigger than the embedded base can be downloaded here, but a model's speed and memory depend on its shape,
not on what its weights learnt. So this builds each size from transformers' ``WhisperConfig`` (random weights),
converts it with CTranslate2's converter to float16 (as the hub's CTranslate2 copies are saved), and measures it
as faster-whisper runs it (compute type int8, one thread per worker), in a fresh process per measure:

- the encoder on one 30 s window (median of 3, in CPU seconds of the process: the machine is shared, and with one
  thread per worker CPU time is what the work costs);
- the decoder per token, greedy and with beam 5: ``generate`` with the end-of-text token suppressed, so it writes
  exactly N tokens, at N = 16 and N = 116 (the difference over 100 tokens);
- the aligner (word timestamps) over 100 tokens;
- the peak RSS of the process (VmHWM) after loading, encoding and a beam-5 decode of 224 tokens;
- with ``--workers 2`` also the two workers' throughput (two windows at once, as ``loike run`` does).

Random weights cannot say how many tokens a model writes (they would ramble on or stop at once), so the real-time
factor is put together from those parts and the speech's own token rate (``--tokens-per-second``, measured on the
references of the evaluation clips with Whisper's tokenizer), and checked against the real base model's measured
RTF (``measure-real``). Accuracy comes from published figures (docs/models.md).

    python bench/model_shapes.py build small /tmp/shapes/small
    python bench/model_shapes.py measure /tmp/shapes/small --json
    python bench/model_shapes.py tokens          # tokens per second of speech in the evaluation clips
    python bench/model_shapes.py table results.jsonl --tokens-per-second 6.9 --base-cpu 0.30
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402

SHAPES = {
    # d_model, encoder layers, decoder layers, heads, mel bins, vocabulary (OpenAI's model cards / config.json)
    "tiny": (384, 4, 4, 6, 80, 51865),
    "base": (512, 6, 6, 8, 80, 51865),
    "small": (768, 12, 12, 12, 80, 51865),
    "medium": (1024, 24, 24, 16, 80, 51865),
    "large-v3": (1280, 32, 32, 20, 128, 51866),
    "large-v3-turbo": (1280, 32, 4, 20, 128, 51866),
}
"""PhoWhisper-small and -large have the shapes of Whisper small and large-v2 (80 mel bins: the same cost as
large-v3 but for the first convolution)."""


def build(size: str, out: Path) -> None:
    """A CTranslate2 Whisper model of ``size``'s shape with random weights, saved in float16, in ``out``."""
    import torch
    from ctranslate2.converters import TransformersConverter
    from transformers import WhisperConfig, WhisperForConditionalGeneration

    d_model, enc, dec, heads, mels, vocab = SHAPES[size]
    config = WhisperConfig(
        vocab_size=vocab,
        num_mel_bins=mels,
        d_model=d_model,
        encoder_layers=enc,
        decoder_layers=dec,
        encoder_attention_heads=heads,
        decoder_attention_heads=heads,
        encoder_ffn_dim=4 * d_model,
        decoder_ffn_dim=4 * d_model,
    )
    from transformers import WhisperTokenizerFast

    from pipeline.settings import model_cache
    from pipeline.speech.model_store import embedded_model

    base = embedded_model(model_cache())
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory(prefix="shape-", dir=out.parent) as work:
        model = WhisperForConditionalGeneration(config).half()
        model.save_pretrained(work)
        del model
        # Whisper's tokenizer beside the weights, so that the converter writes the real vocabulary (token ids).
        WhisperTokenizerFast(tokenizer_file=str(base / "tokenizer.json")).save_pretrained(work)
        converter = TransformersConverter(work, load_as_float16=True, copy_files=["tokenizer.json"])
        converter.convert(str(out), quantization="float16", force=True)
    if mels != 80:
        (out / "preprocessor_config.json").write_text(json.dumps({"feature_size": mels}), encoding="utf-8")


def measure(folder: Path, workers: int, repeats: int = 3) -> dict:
    """The parts of a transcription's cost, in this process (run it in a fresh one for an honest peak)."""
    import ctranslate2
    import numpy as np

    mels = (
        json.loads((folder / "preprocessor_config.json").read_text())["feature_size"]
        if (folder / "preprocessor_config.json").exists()
        else 80
    )
    started = time.perf_counter()
    model = ctranslate2.models.Whisper(str(folder), compute_type="int8", intra_threads=1, inter_threads=workers)
    loaded = time.perf_counter() - started
    rng = np.random.default_rng(0)
    window = ctranslate2.StorageView.from_array(rng.standard_normal((1, mels, 3000), dtype=np.float32) * 0.5)
    prompt = [[50258, 50278, 50359, 50363]]  # <|startoftranscript|><|vi|><|transcribe|><|notimestamps|>
    eot = 50257

    def timed(call) -> float:
        """Median CPU seconds of this process (one thread at work): what it costs, whatever else the machine
        runs; wall time on a quiet machine with one worker."""
        times = []
        for _ in range(repeats):
            began = time.process_time()
            call()
            times.append(time.process_time() - began)
        return statistics.median(times)

    encoded = model.encode(window)
    encoder = timed(lambda: model.encode(window))
    encoder_wall = _wall(lambda: model.encode(window)) if workers > 1 else 0.0

    def decode(tokens: int, beam: int):
        return model.generate(
            encoded, prompt, beam_size=beam, max_length=tokens, suppress_tokens=[-1, eot], suppress_blank=False
        )

    per_token = {}
    for beam in (1, 5):
        short = timed(lambda beam=beam: decode(16, beam))
        long = timed(lambda beam=beam: decode(116, beam))
        per_token[beam] = (long - short) / 100
    written = decode(224, 5)[0].sequences_ids[0]
    text_tokens = written[:100]
    aligner = timed(lambda: model.align(encoded, prompt[0], [text_tokens], 3000 // 2))
    result = {
        "model": folder.name,
        "load_seconds": round(loaded, 2),
        "load_average": round(os.getloadavg()[0], 1),
        "encoder_seconds_per_window": round(encoder, 3),
        "decoder_seconds_per_token": {str(b): round(s, 4) for b, s in per_token.items()},
        "aligner_seconds_per_100_tokens": round(aligner, 4),
        "peak_rss_mb": peak_rss_mb(),
        "model_bin_mb": round((folder / "model.bin").stat().st_size / 2**20),
    }
    if workers > 1:
        # Wall against wall (the one-window wall time measured just before): meaningful on a quiet machine only,
        # hence the load average beside it.
        result["encoder_wall_seconds_per_window"] = round(encoder_wall, 3)
        result["two_workers_encoder_speedup"] = round(encoder_wall * 2 / _two_at_once(model, window), 2)
        result["peak_rss_mb_two_workers"] = peak_rss_mb()
    return result


def _wall(call, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        call()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def _two_at_once(model, window) -> float:
    """Wall time for two windows encoded at once, one per worker thread (as two pieces of a recording)."""
    times = []
    for _ in range(3):
        threads = [threading.Thread(target=model.encode, args=(window,)) for _ in range(2)]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def peak_rss_mb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    return -1


def tokens_per_second(data_dir: Path) -> dict:
    """Whisper tokens per second of audio in the evaluation clips' references (what a perfect model writes)."""
    from tokenizers import Tokenizer

    from pipeline.settings import model_cache
    from pipeline.speech.model_store import embedded_model

    tokenizer = Tokenizer.from_file(str(embedded_model(model_cache()) / "tokenizer.json"))
    tokens = seconds = 0.0
    for wav, text in c.clips(data_dir):
        tokens += len(tokenizer.encode(" " + text, add_special_tokens=False).ids)
        seconds += c.wav_seconds(wav)
    return {"clips": len(c.clips(data_dir)), "audio_seconds": round(seconds, 1), "tokens_per_second": tokens / seconds}


SPEECH_FRACTION = 0.64
"""Share of a test interview that is speech: clips of 3.6 s on average, pauses of 1-3 s (bench/memory.py)."""
WINDOW_ADVANCE = 26.0
"""Seconds of speech one 30 s window covers on average (Whisper moves on to the last whole segment)."""
TWO_HOURS = 7200.0
PUBLISHED = {
    "base": "not published (22.8 on our clips)",
    "small": "not published",
    "medium": "not published",
    "large-v3": "about 8-9 (FLEURS vi)",
    "large-v3-turbo": "not published",
}
"""WER % published for Vietnamese (docs/models.md gives the sources); PhoWhisper rows are added in the table."""


def modelled_cpu_per_audio_second(result: dict, tokens_per_second: float, beam: str = "5") -> float:
    """CPU seconds per second of interview audio from the parts: windows, tokens written, their alignment."""
    speech = SPEECH_FRACTION
    windows = speech / WINDOW_ADVANCE
    tokens = speech * tokens_per_second
    return (
        windows * result["encoder_seconds_per_window"]
        + tokens * result["decoder_seconds_per_token"][beam]
        + tokens / 100 * result["aligner_seconds_per_100_tokens"]
    )


def table(results: list[dict], tokens_per_second: float, base_cpu: float) -> str:
    """Markdown: per size, its parts and what an audio hour and a two-hour interview cost here.

    ``base_cpu``: CPU seconds per audio second of the real base model through the pipeline (bench/batched.py,
    "today, beam 5"). What the parts of the base do not account for (VAD, features, each window's first tokens,
    temperature fallbacks) is carried over to the other sizes two ways, which bound the estimate: added as it is
    (low: as if none of it grew with the model) and in proportion (high: as if all of it did)."""
    by_name = {r["model"]: r for r in results}
    modelled_base = modelled_cpu_per_audio_second(by_name["base"], tokens_per_second)
    overhead, ratio = base_cpu - modelled_base, base_cpu / modelled_base
    lines = [
        "| size | model.bin (float16, MiB) | load (s) | encoder, CPU s per 30 s window | decoder, CPU ms per token "
        "(beam 1 / 5) | aligner, CPU s per 100 tokens | peak RSS, one worker | CPU s per audio s | RTF, 2 workers "
        "on 2 quiet cores | a two-hour interview | an audio hour of `retranscribe --all` | published WER % (vi) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name in SHAPES:
        if name not in by_name:
            continue
        r = by_name[name]
        modelled = modelled_cpu_per_audio_second(r, tokens_per_second)
        low, high = sorted((modelled + overhead, modelled * ratio))
        per_token = r["decoder_seconds_per_token"]
        lines.append(
            f"| {name} | {r['model_bin_mb']:,} | {r['load_seconds']:.1f} | {r['encoder_seconds_per_window']:.2f} | "
            f"{per_token['1'] * 1000:.1f} / {per_token['5'] * 1000:.1f} | {r['aligner_seconds_per_100_tokens']:.2f} | "
            f"{r['peak_rss_mb']:,} MB | {_span(low, high, '{:.2f}')} | {_span(low / 2, high / 2, '{:.2f}')} | "
            f"{_between(TWO_HOURS * low / 2, TWO_HOURS * high / 2)} | {_between(3600 * low / 2, 3600 * high / 2)} | "
            f"{PUBLISHED.get(name, '')} |"
        )
    return "\n".join(lines) + (
        f"\n\nModelled base: {modelled_base:.3f} CPU s per audio s against {base_cpu:.3f} measured; "
        f"the rest ({overhead:.3f}, or x {ratio:.2f}) carried over as said."
    )


def _span(low: float, high: float, shape: str) -> str:
    return shape.format(low) if abs(high - low) < 0.005 else f"{shape.format(low)}–{shape.format(high)}"


def _between(low: float, high: float) -> str:
    return _hours(low) if _hours(low) == _hours(high) else f"{_hours(low)} – {_hours(high)}"


def _hours(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    made = sub.add_parser("build")
    made.add_argument("size", choices=sorted(SHAPES))
    made.add_argument("out", type=Path)
    measured = sub.add_parser("measure")
    measured.add_argument("folder", type=Path)
    measured.add_argument("--workers", type=int, default=1)
    measured.add_argument("--repeats", type=int, default=3, help="timings per part (their median)")
    counted = sub.add_parser("tokens")
    counted.add_argument("--data", type=Path, default=c.DEFAULT_DATA)
    tabled = sub.add_parser("table")
    tabled.add_argument("results", type=Path, help="the JSON lines of `measure`, one per size")
    tabled.add_argument("--tokens-per-second", type=float, required=True)
    tabled.add_argument("--base-cpu", type=float, required=True, help="real base, CPU s per audio s")
    args = parser.parse_args()
    if args.command == "table":
        results = [json.loads(line) for line in args.results.read_text().splitlines() if line.startswith("{")]
        print(table(results, args.tokens_per_second, args.base_cpu))
        return
    if args.command == "build":
        build(args.size, args.out)
    elif args.command == "measure":
        print(json.dumps(measure(args.folder, args.workers, args.repeats)))
    else:
        print(json.dumps(tokens_per_second(args.data)))


def fresh(*argv: str) -> dict:
    """Run this script's ``argv`` in a fresh process and return its JSON (so each peak RSS is its own)."""
    done = subprocess.run([sys.executable, __file__, *argv], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
