"""Speaker labels as a run makes them: DER and speaker-count accuracy on dialogues built from vi-speech-dev, and
time and peak memory per hour of audio.

    PYTHONPATH=$PWD /tmp/venv/bin/python bench/diarize.py [--data DIR] [--work /tmp/loike-diarize]
        [--dialogues 10] [--three 4] [--whisper] [--hours 1 2]

Dialogues: the six named voices of vi-speech-dev (Bình, Tuyên, Vĩnh, Ly, Ngọc, Đoan; one clip each), 2 or 3 of
them taking turns of 3 s or longer (a clip, made longer with a second pass from a random point when it is shorter
than the turn drawn, at a tempo drawn from 0.9–1.1 so repeats are not identical) with 0.3–1.0 s of silence
between turns. The reference turn is where the clip's voice is (its leading and trailing silence trimmed).

Each dialogue goes the way a run takes a recording: ``audio.normalise`` keeps the decoded float32 copy, Silero VAD
finds the speech (``speakers.speech_regions``), ``diarize.speaker_turns`` tells the voices apart, with the count
given (as when the metadata names everyone) and estimated; with --whisper, Whisper base transcribes it over
``slicing.read_chunks`` and ``diarize.label`` puts the turns on its words, as ``steps.finish`` does. Rows:

- ``oracle``: speaker_turns over the reference speech: telling voices apart, nothing else;
- ``vad``: speaker_turns over VAD's speech: the turns a run finds (the DER that answers the target);
- ``words``: the labelled segments' words joined into turns (``diarize.turns``): what the stored transcript
  shows; its missed speech is speech Whisper gave no words. "word error" is the share of Whisper's words
  (those inside a reference turn) given the wrong person after the best mapping of labels to people.

DER is ``pipeline.speech.evaluate.der``: missed + false alarm + confusion over reference speech, 10 ms frames, a 0.25 s
collar either side of every reference boundary. Cost (--hours): a two-speaker dialogue of that length written as
a float32 file, then labelled in a child process (its own peak RSS): VAD, encoder load, speaker_turns.
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
from bench._common import DEFAULT_DATA, REPO, command_line, header, median  # noqa: E402

VOICES = [
    "Binh_nam_mien_Bac",
    "Tuyen_nam_mien_Bac",
    "Vinh_nam_mien_Nam",
    "Ly_nu_mien_Bac",
    "Ngoc_nu_mien_Bac",
    "Doan_nu_mien_Nam",
]
RATE = 16_000


def clip(data: Path, work: Path, voice: str, tempo: float) -> np.ndarray:
    """The voice's clip at 16 kHz and ``tempo``, leading and trailing silence trimmed (sox), cached in work."""
    out = work / f"{voice}-{tempo:.2f}.wav"
    if not out.exists():
        subprocess.run(
            [
                "sox",
                str(data / f"{voice}.wav"),
                "-r",
                str(RATE),
                "-c",
                "1",
                "-b",
                "16",
                str(out),
                "tempo",
                f"{tempo:.2f}",
                "silence",
                "1",
                "0.01",
                "0.5%",
                "reverse",
                "silence",
                "1",
                "0.01",
                "0.5%",
                "reverse",
            ],
            check=True,
        )
    with wave.open(str(out)) as reader:
        return np.frombuffer(reader.readframes(reader.getnframes()), "<i2").astype(np.float32) / 32768


def dialogue(data: Path, work: Path, voices: list[str], turns: int, rng: random.Random, start: float = 0.0):
    """Samples and reference turns [(start, end, voice)] of one made-up conversation starting at ``start`` s."""
    pieces, reference, t, last = [], [], start, None
    for _ in range(turns):
        voice = rng.choice([v for v in voices if v != last])
        last = voice
        speech = clip(data, work, voice, rng.choice([0.9, 0.95, 1.0, 1.05, 1.1]))
        want = rng.uniform(3.0, 8.0)
        while len(speech) < want * RATE:  # too short for the turn: go on from a random point of another take
            more = clip(data, work, voice, rng.choice([0.9, 1.0, 1.1]))
            speech = np.concatenate(
                [speech, np.zeros(int(0.15 * RATE), np.float32), more[rng.randrange(0, len(more) // 2) :]]
            )
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


def word_error(reference, segments) -> float:
    """Share of the words (those whose middle lies in a reference turn) given the wrong person, after the mapping
    of labels to people that gets the most words right. Words, not seconds: Whisper sometimes stretches one
    made-up word over 20 s."""
    counts: dict[tuple, int] = {}
    for segment in segments:
        for word in segment.words:
            middle = (word.start + word.end) / 2
            who = next((v for a, b, v in reference if a <= middle <= b), None)
            if who and segment.speaker:
                counts[(segment.speaker, who)] = counts.get((segment.speaker, who), 0) + 1
    total = sum(counts.values())
    if not total:
        return float("nan")
    labels = sorted({h for h, _ in counts})
    people = sorted({r for _, r in counts})
    best = max(
        sum(counts.get((h, r), 0) for h, r in zip(labels, perm))
        for perm in itertools.permutations(people + [None] * len(labels), len(labels))
    )
    return 1 - best / total


def accuracy(args) -> list[dict]:
    from pipeline.intake import audio, slicing
    from pipeline.speech import diarize, evaluate, speakers, voice_encoder
    from pipeline.speech.diarize import Turn

    transcriber = None
    if args.whisper:
        from pipeline.options import TranscribeOptions
        from pipeline.speech.transcribe import Transcriber

        transcriber = Transcriber(TranscribeOptions(), Path(tempfile.gettempdir()) / "loike-cache")
    rng = random.Random(2026)
    rows = []
    for k, count in [(k, 2) for k in range(args.dialogues)] + [(k, 3) for k in range(args.three)]:
        voices = rng.sample(VOICES, count)
        samples, reference = dialogue(args.data, args.work, voices, rng.randint(10, 14), rng)
        wav = args.work / f"dialogue-{count}-{k}.wav"
        write_wav(wav, samples)
        decoded = wav.with_suffix(".f32")
        audio.normalise(wav, args.work / f"dialogue-{count}-{k}.normalised.wav", decoded)
        samples = slicing.decoded_samples(decoded)
        ref = [Turn(a, b, v) for a, b, v in reference]
        started = time.perf_counter()
        speech = {"oracle": [(a, b) for a, b, _ in reference], "vad": speakers.speech_regions(samples)}
        vad_seconds = time.perf_counter() - started
        segments = None
        if transcriber:
            segments = transcriber.transcribe(slicing.read_chunks(decoded, transcriber.options.chunk_seconds))
        for (where, regions), known in itertools.product(speech.items(), (None, count)):
            started = time.perf_counter()
            found = diarize.speaker_turns(samples, regions, known, voice_encoder.encoder())
            seconds = time.perf_counter() - started + (vad_seconds if where == "vad" else 0.0)
            outcomes = [(where, found, None)]
            if segments is not None and where == "vad":
                labelled = diarize.label(segments, found)
                outcomes.append(("words", diarize.turns(labelled), word_error(reference, labelled)))
            for name, hypothesis, wrong in outcomes:
                scores = evaluate.der(ref, hypothesis, collar=0.25)
                rows.append(
                    {
                        "speech": name,
                        "speakers": count,
                        "known": known is not None,
                        "dialogue": k,
                        "audio": round(len(samples) / RATE, 1),
                        "found": len({t.speaker for t in found}),
                        **{key: round(v, 4) for key, v in scores.items()},
                        "word_error": None if wrong is None else round(wrong, 4),
                        "diarize_seconds": round(seconds, 2),
                    }
                )
                print(json.dumps(rows[-1]), flush=True)
    return rows


def long_dialogue(args, hours: float) -> tuple[Path, Path]:
    """A two-speaker dialogue of ``hours`` as a float32 file (as normalise keeps it) and its reference turns."""
    samples_path = args.work / f"long-{hours:g}h.f32"
    reference_path = samples_path.with_suffix(".json")
    if not samples_path.exists():
        rng, reference, t = random.Random(7), [], 0.0
        with open(samples_path.with_suffix(".partial"), "wb") as out:
            while t < hours * 3600:
                samples, turns = dialogue(args.data, args.work, VOICES[:2], 100, rng, start=t)
                out.write(samples.astype("<f4").tobytes())
                reference += turns
                t += len(samples) / RATE
        samples_path.with_suffix(".partial").rename(samples_path)
        reference_path.write_text(json.dumps(reference))
    return samples_path, reference_path


def cost(samples_path: Path, reference_path: Path) -> dict:
    """Child process: VAD and speaker_turns over a long dialogue, as a run does; time, peak RSS and DER."""
    from pipeline.intake import slicing
    from pipeline.speech import diarize, evaluate, speakers, voice_encoder
    from pipeline.speech.diarize import Turn

    def peak() -> int:
        return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)

    samples = slicing.decoded_samples(samples_path)
    base = peak()
    started = time.perf_counter()
    speech = speakers.speech_regions(samples)
    after_vad = time.perf_counter()
    vad_peak = peak()
    encoder = voice_encoder.encoder()
    loaded = time.perf_counter()
    found = diarize.speaker_turns(samples, speech, None, encoder)
    done = time.perf_counter()
    hours = len(samples) / RATE / 3600
    scores = evaluate.der([Turn(*t) for t in json.loads(reference_path.read_text())], found)
    return {
        "audio_hours": round(hours, 2),
        "vad_seconds": round(after_vad - started, 1),
        "load_seconds": round(loaded - after_vad, 1),
        "turns_seconds": round(done - loaded, 1),
        "seconds_per_hour": round((done - loaded + after_vad - started) / hours),
        "rss_before_mb": base,
        "peak_after_vad_mb": vad_peak,
        "peak_rss_mb": peak(),
        "der": round(scores["der"], 4),
        "found": len({t.speaker for t in found}),
    }


def print_table(rows: list[dict]) -> None:
    print(
        "\n| speech from | speakers | count given | dialogues | audio (median s) | DER median | DER max | "
        "missed | false alarm | confusion | count right | word error (median) | seconds (median) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for where, count, known in itertools.product(("oracle", "vad", "words"), (2, 3), (False, True)):
        sel = [r for r in rows if r["speech"] == where and r["speakers"] == count and r["known"] == known]
        if not sel:
            continue
        wrong = [r["word_error"] for r in sel if r["word_error"] is not None]
        print(
            f"| {where} | {count} | {'yes' if known else 'no (estimated)'} | {len(sel)} | "
            f"{median([r['audio'] for r in sel]):.0f} | {median([r['der'] for r in sel]):.1%} | "
            f"{max(r['der'] for r in sel):.1%} | {median([r['missed'] for r in sel]):.1%} | "
            f"{median([r['false_alarm'] for r in sel]):.1%} | {median([r['confusion'] for r in sel]):.1%} | "
            f"{sum(r['found'] == count for r in sel)}/{len(sel)} | "
            f"{f'{median(wrong):.1%}' if wrong else '–'} | {median([r['diarize_seconds'] for r in sel]):.1f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--work", type=Path, default=Path("/tmp/loike-diarize"))
    parser.add_argument("--dialogues", type=int, default=10, help="two-speaker dialogues")
    parser.add_argument("--three", type=int, default=4, help="three-speaker dialogues")
    parser.add_argument(
        "--whisper", action="store_true", help="also transcribe each dialogue and label Whisper's words, as a run does"
    )
    parser.add_argument("--hours", type=float, nargs="*", default=[], help="cost on dialogues this long")
    parser.add_argument("--cost-child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cost_child:
        print(json.dumps(cost(*args.cost_child)))
        return
    if REPO in args.work.resolve().parents or args.work.resolve() == REPO:
        raise SystemExit("the work folder must be outside the repository (the clips' licence)")
    args.work.mkdir(parents=True, exist_ok=True)
    print(header(command_line()))
    if args.dialogues or args.three:
        print_table(accuracy(args))
    for hours in args.hours:
        samples_path, reference_path = long_dialogue(args, hours)
        child = subprocess.run(
            [sys.executable, __file__, "--cost-child", str(samples_path), str(reference_path)],
            capture_output=True,
            text=True,
            check=True,
        )
        print(f"\nCost on {hours:g} h: {child.stdout.strip().splitlines()[-1]}", flush=True)


if __name__ == "__main__":
    main()
