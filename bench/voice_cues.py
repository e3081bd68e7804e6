"""Two questions about the voice prints behind the proposals (docs/benchmarks.md, "Voices the archive knows"):

1. Does a label's pitch keep apart the voices the encoder hears as alike? Each label of bench/voices.py's
   interviews (its cached runs, in the same --work) gets its median F0 (YIN over 40 ms frames of its turns); the
   archive is replayed as there, each label matched on its own, once with every known print and once with only
   the prints whose label's pitch is within N semitones of its own.
2. How far does one voice's print move when it is recorded otherwise? Each clip of vi-speech-dev through sox
   effects (telephone band, room reverb, low-pass, high-pass, noise at 20 dB), its print against the clean
   clip's and against the other clips' clean prints.

    PYTHONPATH=$PWD /work/main/.venv/bin/python bench/voice_cues.py [--work /tmp/loike-voices] [--interviews 30]

Nothing is copied into the repository.
"""

from __future__ import annotations

import subprocess
import sys
import time
import wave
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._common import command_line, header  # noqa: E402
from bench.voices import CLIPS, RATE, cached_run, pool_options  # noqa: E402

FRAME, HOP = 640, 160  # 40 ms frames every 10 ms
LOWEST, HIGHEST = 60.0, 400.0  # Hz
EFFECTS = {
    "telephone (300-3400 Hz)": ["sinc", "300-3400"],
    "room (reverb 50)": ["reverb", "50"],
    "low-pass 2500 Hz": ["lowpass", "2500"],
    "high-pass 400 Hz": ["highpass", "400"],
}


def frame_pitches(x: np.ndarray, dip: float = 0.3) -> np.ndarray:
    """F0 of each voiced 40 ms frame: YIN's cumulative-mean-normalised difference, its first dip under ``dip``
    between 60 and 400 Hz (then the local minimum after it); frames without such a dip are unvoiced."""
    n = (len(x) - FRAME) // HOP + 1
    if n <= 0:
        return np.empty(0)
    frames = x[np.arange(FRAME)[None, :] + HOP * np.arange(n)[:, None]]
    frames = frames - frames.mean(axis=1, keepdims=True)
    frames = frames[(frames**2).mean(axis=1) > 1e-5]
    width = FRAME // 2
    spectrum = np.fft.rfft(frames, 2 * FRAME)
    products = np.fft.irfft(spectrum * np.conj(np.fft.rfft(frames[:, :width], 2 * FRAME)), 2 * FRAME)[:, :width]
    energy = np.concatenate([np.zeros((len(frames), 1)), np.cumsum(frames**2, axis=1)], axis=1)
    lags = np.arange(width)
    difference = energy[:, [width]] + energy[:, lags + width] - energy[:, lags] - 2 * products
    normalised = difference[:, 1:] * lags[1:] / np.maximum(np.cumsum(difference[:, 1:], axis=1), 1e-12)
    first = int(RATE / HIGHEST)
    band = normalised[:, first - 1 : int(RATE / LOWEST)]
    found = []
    for row in band:
        below = np.flatnonzero(row < dip)
        if len(below):
            lag = below[0]
            while lag + 1 < len(row) and row[lag + 1] < row[lag]:
                lag += 1
            found.append(RATE / (lag + first))
    return np.array(found)


def label_pitch(samples: np.ndarray, turns, label: str) -> float | None:
    """Median F0 over the label's turns, None with fewer than 20 voiced frames."""
    pitches = [frame_pitches(samples[int(a * RATE) : int(b * RATE)]) for a, b, who in turns if who == label]
    found = np.concatenate(pitches) if pitches else np.empty(0)
    return float(np.median(found)) if len(found) >= 20 else None


def with_pitch(items: list[dict], work: Path) -> float:
    """Each label's median F0 added to its interview; returns the seconds it took."""
    started = time.perf_counter()
    for item in items:
        samples = np.fromfile(work / f"{item['pool']}-{item['k']}.f32", dtype="<f4")  # as audio.normalise keeps it
        item["pitch"] = {label: label_pitch(samples, item["turns"], label) for label in item["prints"]}
    return time.perf_counter() - started


def semitones(a: float | None, b: float | None) -> float:
    return 0.0 if a is None or b is None else abs(12 * np.log2(a / b))


def replay(items: list[dict], threshold: float, preferred: float, gate: float | None) -> dict:
    """bench/voices.py's trials, each label matched on its own; with ``gate``, against only the prints whose
    label's pitch lies within ``gate`` semitones of its own."""
    from pipeline.database import KnownPrint
    from pipeline.speech import voices

    options = voices.VoiceOptions(threshold=threshold, preferred_threshold=preferred)
    counts = dict.fromkeys(("right", "wrong", "none", "known", "unknown", "false"), 0)
    known: list[KnownPrint] = []
    pitch_of: dict[int, float | None] = {}

    def proposal(item, label, candidates):
        near = [k for k in candidates if gate is None or semitones(item["pitch"][label], pitch_of[k.id]) <= gate]
        return voices.match({label: item["prints"][label]}, near, item["people"], (), options).get(label)

    for item in items:
        for label, person in item["truth"].items():
            if any(k.person_id == person for k in known):
                counts["known"] += 1
                got = proposal(item, label, known)
                counts["none" if got is None else "right" if got.person_id == person else "wrong"] += 1
            counts["unknown"] += 1
            counts["false"] += proposal(item, label, [k for k in known if k.person_id != person]) is not None
        for label, vector in item["prints"].items():
            pitch_of[len(known) + 1] = item["pitch"][label]
            known.append(
                KnownPrint(len(known) + 1, item["truth"][label], item["k"], label, voices.to_bytes(vector), 10)
            )
    return counts


def pitch_table(args) -> None:
    print(
        "\n| pool | threshold / preferred | pitch within | known trials | right | wrong | none | new voices proposed |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for pool in args.pools.split(","):
        items = cached_run(pool, args)
        seconds = with_pitch(items, args.work)
        audio = sum(item["audio"] for item in items)
        print(f"<!-- {pool}: pitch of every label in {seconds:.1f} s for {audio:.0f} s of audio -->")
        for threshold, preferred in ((0.85, 0.80), (0.875, 0.825), (0.90, 0.85)):
            for gate in (None, 4.0, 3.0, 2.0, 1.5):
                c = replay(items, threshold, preferred, gate)
                n = max(c["known"], 1)
                print(
                    f"| {pool} | {threshold:.3f} / {preferred:.3f} | {'–' if gate is None else f'{gate} st'} | "
                    f"{c['known']} | {c['right'] / n:.1%} | {c['wrong'] / n:.1%} | {c['none'] / n:.1%} | "
                    f"{c['false']} of {c['unknown']} ({c['false'] / max(c['unknown'], 1):.1%}) |",
                    flush=True,
                )


def recorded_otherwise(args) -> None:
    from pipeline.speech import voice_encoder

    encoder = voice_encoder.encoder()

    def voice_print(samples: np.ndarray) -> np.ndarray:
        _, embeddings = encoder.windows(samples, [(0.0, len(samples) / RATE)], 0.4)
        mean = embeddings.mean(axis=0)
        return mean / np.linalg.norm(mean)

    def heard(name: str, effect: list[str], tag: str) -> np.ndarray:
        out = args.work / f"cue-{name}-{tag}.wav"
        if not out.exists():
            source = str(args.data / f"{name}.wav")
            command = ["sox", "-V1", source, "-r", str(RATE), "-c", "1", "-b", "16", str(out)]
            subprocess.run([*command, *effect, "norm", "-3"], check=True)
        with wave.open(str(out)) as reader:
            return np.frombuffer(reader.readframes(reader.getnframes()), "<i2").astype(np.float32) / 32768

    clean = {name: voice_print(heard(name, [], "clean")) for name in CLIPS}
    rng = np.random.default_rng(0)
    print("\n| recorded | same voice: lowest / median cosine to its clean print | other voices: highest |")
    print("|---|---|---|")
    for tag, effect in [*EFFECTS.items(), ("noise at 20 dB SNR", None)]:
        changed = {}
        for name in CLIPS:
            if effect is None:
                samples = heard(name, [], "clean")
                noise = rng.normal(size=len(samples)).astype(np.float32) * 0.1 * np.sqrt(np.mean(samples**2))
                changed[name] = voice_print(samples + noise)
            else:
                changed[name] = voice_print(heard(name, effect, tag.split()[0]))
        same = [float(changed[name] @ clean[name]) for name in CLIPS]
        other = [float(changed[a] @ clean[b]) for a in CLIPS for b in CLIPS if a != b]
        print(f"| {tag} | {min(same):.3f} / {np.median(same):.3f} | {max(other):.3f} |")


def main() -> None:
    args = pool_options(__doc__).parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    print(header(command_line()))
    pitch_table(args)
    recorded_otherwise(args)


if __name__ == "__main__":
    main()
