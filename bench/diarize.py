"""Speaker labels: DER and speaker-count accuracy on dialogues built from vi-speech-dev, time and memory per hour.

    /tmp/venv/bin/python bench/diarize.py [--data DIR] [--work /tmp/loike-diarize] [--dialogues 8] [--long-minutes 10]

Dialogues: the six named voices of vi-speech-dev (Bình, Tuyên, Vĩnh, Ly, Ngọc, Đoan; one clip each), 2 or 3 of
them taking turns of 3 s or longer (a clip, made longer with a second pass from a random point when it is shorter
than the turn drawn, at a tempo drawn from 0.9–1.1 so repeats are not identical) with 0.3–1.0 s of silence
between turns. The reference turn is where the clip's voice is (its leading and trailing silence trimmed).
Each dialogue is labelled by pipeline.diarize with speech where the reference turns are (0.4 s "words"), which
measures telling voices apart; with --whisper also as a run does, speech where Whisper base's words are. DER uses a 0.25 s collar. Timing and memory: a
``--long-minutes`` dialogue with oracle word times (no Whisper), in a child process so its peak RSS is its own.
The clips stay in --data and the dialogues in --work; nothing is copied into the repository.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._common import DEFAULT_DATA, command_line, header, median  # noqa: E402

VOICES = ["Binh_nam_mien_Bac", "Tuyen_nam_mien_Bac", "Vinh_nam_mien_Nam", "Ly_nu_mien_Bac", "Ngoc_nu_mien_Bac",
          "Doan_nu_mien_Nam"]
RATE = 16_000


def clip(data: Path, work: Path, voice: str, tempo: float) -> np.ndarray:
    """The voice's clip at 16 kHz and ``tempo``, leading and trailing silence trimmed (sox), cached in work."""
    out = work / f"{voice}-{tempo:.2f}.wav"
    if not out.exists():
        subprocess.run(["sox", str(data / f"{voice}.wav"), "-r", str(RATE), "-c", "1", "-b", "16", str(out),
                        "tempo", f"{tempo:.2f}", "silence", "1", "0.01", "0.5%", "reverse", "silence", "1", "0.01",
                        "0.5%", "reverse"], check=True)
    with wave.open(str(out)) as reader:
        return np.frombuffer(reader.readframes(reader.getnframes()), "<i2").astype(np.float32) / 32768


def dialogue(data: Path, work: Path, voices: list[str], turns: int, rng: random.Random):
    """Samples and reference turns [(start, end, voice)] of one made-up conversation."""
    pieces, reference, t, last = [], [], 0.0, None
    for _ in range(turns):
        voice = rng.choice([v for v in voices if v != last])
        last = voice
        speech = clip(data, work, voice, rng.choice([0.9, 0.95, 1.0, 1.05, 1.1]))
        want = rng.uniform(3.0, 8.0)
        while len(speech) < want * RATE:  # too short for the turn: go on from a random point of another take
            more = clip(data, work, voice, rng.choice([0.9, 1.0, 1.1]))
            speech = np.concatenate([speech, np.zeros(int(0.15 * RATE), np.float32),
                                     more[rng.randrange(0, len(more) // 2):]])
        gap = np.zeros(int(rng.uniform(0.3, 1.0) * RATE), np.float32)
        pieces += [gap, speech]
        t += len(gap) / RATE
        reference.append((t, t + len(speech) / RATE, voice))
        t += len(speech) / RATE
    pieces.append(np.zeros(int(0.5 * RATE), np.float32))
    return np.concatenate(pieces), reference


def write_wav(path: Path, samples: np.ndarray) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(np.rint(np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())


def oracle_segments(reference):
    """One segment per reference turn, with 0.4 s "words" over it: speech where the reference says."""
    from pipeline.records import Segment, Word

    segments = []
    for a, b, _ in reference:
        words = [Word(float(x), float(min(x + 0.35, b)), "t", 0.9) for x in np.arange(a, b - 0.2, 0.4)]
        segments.append(Segment(a, b, "", -0.3, 0.1, 1.2, words))
    return segments


def accuracy(args) -> list[dict]:
    from pipeline import diarize
    from pipeline.diarize import Turn

    transcriber = None
    if args.whisper:
        from pipeline.records import TranscribeOptions
        from pipeline.transcribe import Transcriber

        transcriber = Transcriber(TranscribeOptions(), Path(tempfile.gettempdir()) / "loike-cache")
    rng = random.Random(2026)
    rows = []
    for k, count in [(k, 2) for k in range(args.dialogues)] + [(k, 3) for k in range(args.dialogues // 2)]:
        voices = rng.sample(VOICES, count)
        samples, reference = dialogue(args.data, args.work, voices, rng.randint(10, 14), rng)
        write_wav(args.work / f"dialogue-{count}-{k}.wav", samples)
        ref = [Turn(a, b, v) for a, b, v in reference]
        speech = {"oracle": oracle_segments(reference)}
        if transcriber:
            speech["whisper"] = transcriber.transcribe([(0.0, samples)])
        for where, segments in speech.items():
            for known in (None, count):
                started = time.perf_counter()
                labelled = diarize.by_voice(segments, samples, known, diarize.encoder())
                seconds = time.perf_counter() - started
                scores = diarize.der(ref, diarize.turns(labelled), collar=0.25)
                found = len({s.speaker for s in labelled})
                rows.append({"speech": where, "speakers": count, "known": known is not None, "dialogue": k,
                             "audio": len(samples) / RATE, "found": found,
                             **{key: round(v, 4) for key, v in scores.items()}, "diarize_seconds": round(seconds, 2)})
                print(json.dumps(rows[-1]), flush=True)
    return rows


def cost(args) -> dict:
    """Child process: a long dialogue with oracle word times through by_voice; time and peak RSS."""
    from pipeline import diarize

    rng = random.Random(7)
    samples, reference = dialogue(args.data, args.work, VOICES[:2], int(args.long_minutes * 60 / 6), rng)
    segments = oracle_segments(reference)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    encoder = diarize.encoder()
    loaded = time.perf_counter()
    diarize.by_voice(segments, samples, None, encoder)
    done = time.perf_counter()
    return {"audio_seconds": len(samples) / RATE, "load_seconds": round(loaded - started, 2),
            "diarize_seconds": round(done - loaded, 2),
            "seconds_per_hour": round((done - loaded) / (len(samples) / RATE) * 3600, 1),
            "rss_before_mb": round(base), "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--work", type=Path, default=Path("/tmp/loike-diarize"))
    parser.add_argument("--dialogues", type=int, default=8, help="two-speaker dialogues (half as many with three)")
    parser.add_argument("--long-minutes", type=float, default=10.0)
    parser.add_argument("--whisper", action="store_true",
                        help="also transcribe each dialogue and take speech from Whisper's words, as a run does")
    parser.add_argument("--cost-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.cost_only:
        print(json.dumps(cost(args)))
        return
    print(header(command_line()))
    rows = accuracy(args)
    child = subprocess.run([sys.executable, __file__, "--cost-only", "--data", str(args.data), "--work",
                            str(args.work), "--long-minutes", str(args.long_minutes)],
                           capture_output=True, text=True, check=True)
    measured = json.loads(child.stdout.strip().splitlines()[-1])
    print("\n| speech from | speakers | count given | dialogues | audio (median s) | DER median | DER max | missed | false alarm | "
          "confusion | count right |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for where, count, known in itertools.product(("oracle", "whisper"), (2, 3), (False, True)):
        sel = [r for r in rows if r["speech"] == where and r["speakers"] == count and r["known"] == known]
        if sel:
            print(f"| {where} | {count} | {'yes' if known else 'no (estimated)'} | {len(sel)} | "
                  f"{median([r['audio'] for r in sel]):.0f} | {median([r['der'] for r in sel]):.1%} | "
                  f"{max(r['der'] for r in sel):.1%} | {median([r['missed'] for r in sel]):.1%} | "
                  f"{median([r['false_alarm'] for r in sel]):.1%} | {median([r['confusion'] for r in sel]):.1%} | "
                  f"{sum(r['found'] == count for r in sel)}/{len(sel)} |")
    print(f"\nCost on a {measured['audio_seconds'] / 60:.0f}-minute dialogue (oracle word times): {measured}")


if __name__ == "__main__":
    main()
