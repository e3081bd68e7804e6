"""Shared helpers for the benchmark scripts: the data folder, the machine, WER/CER (from pipeline.evaluate).

The edit distance is checked against the textbook loop in tests/test_evaluate.py.
"""

from __future__ import annotations

import datetime
import os
import platform
import statistics
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "vi-speech-dev"
"""The evaluation clips: read from here, never copied into the repository (evaluation-only licence)."""
BIN = Path(sys.executable).parent
LOIKE = BIN / "loike"


# --- text: the scoring lives in the library (pipeline/evaluate.py, what `loike eval` uses) -------------

from pipeline.speech.evaluate import char_errors, edit_distance, ratio, word_errors  # noqa: E402,F401
from pipeline.speech.evaluate import normalise as normalise_text  # noqa: E402,F401

# --- data ------------------------------------------------------------------------------------------


def clips(data_dir: Path) -> list[tuple[Path, str]]:
    """(wav, reference text) for every WAV with a .txt beside it, sorted by name."""
    found = []
    for wav in sorted(Path(data_dir).glob("*.wav")):
        txt = wav.with_suffix(".txt")
        if txt.is_file():
            found.append((wav, txt.read_text(encoding="utf-8").strip()))
    if not found:
        sys.exit(f"No WAV clips with a reference .txt in {data_dir}: pass the data folder.")
    return found


def read_pcm16(path: Path) -> tuple[np.ndarray, int]:
    """Mono 16-bit WAV samples (int16) and the sample rate."""
    with wave.open(str(path), "rb") as reader:
        if reader.getnchannels() != 1 or reader.getsampwidth() != 2:
            raise SystemExit(f"{path}: expected mono 16-bit PCM")
        return np.frombuffer(reader.readframes(reader.getnframes()), "<i2").copy(), reader.getframerate()


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as reader:
        return reader.getnframes() / reader.getframerate()


def transcripts_by_source(root: Path) -> dict[str, dict]:
    """source_path → {code, text, segments, duration} read from the archive's database."""
    from pipeline import database
    from pipeline.settings import archive

    db = database.open_database(archive(root).database)
    found = {}
    for row in database.interviews(db):
        segments = database.segments(db, row.id)
        found[row.source_path] = {
            "code": row.code,
            "duration": row.duration,
            "status": row.status,
            "segments": segments,
            "text": " ".join(s["text"] for s in segments),
        }
    db.close()
    return found


# --- machine and reporting --------------------------------------------------------------------------


def machine() -> str:
    """nproc, CPU model and RAM, as one line for the benchmark notes."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "? GB"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB RAM"
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {cpu}, {ram}, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def versions() -> str:
    out = []
    for name in ("faster_whisper", "ctranslate2", "av", "numpy"):
        try:
            module = __import__(name)
            out.append(f"{name} {module.__version__}")
        except Exception:  # noqa: BLE001 - a missing module is just not reported
            pass
    try:
        import pipeline

        where = Path(pipeline.__file__).resolve().parent
        if where.parent == REPO:
            git = ["git", "-C", str(REPO)]
            commit = subprocess.run(
                [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
            ).stdout.strip()
            dirty = subprocess.run(
                [*git, "status", "--porcelain", "--untracked-files=no", "pipeline", "templates"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
            out.append(f"loike {commit}{' + uncommitted changes' if dirty else ''}")
        else:
            out.append(f"loike from {where}")
    except (ImportError, OSError, subprocess.CalledProcessError):
        pass
    return ", ".join(out)


def header(command: str) -> str:
    """Date, command, machine and versions; the commit is the one checked out when the script started
    (a long benchmark can outlive a commit made meanwhile)."""
    return (
        f"<!-- {datetime.date.today().isoformat()} -->\n"
        f"Command: `{command}`  \nMachine: {machine()}  \nVersions: {AT_START}\n"
    )


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def command_line() -> str:
    return " ".join([sys.executable, *sys.argv])


# --- longer interviews built from the clips ------------------------------------------------------------


def build_folder(
    data_dir: Path, work: Path, count: int, minutes: tuple[float, float], seed: int
) -> list[tuple[Path, str]]:
    """``count`` MP3 interviews of ``minutes`` (min, max) each, clips shuffled with 1–3 s pauses, in ``work``.

    Each gets its reference NAME.txt beside it. Returns (mp3, reference text) pairs. The work folder must be
    outside the repository: the clips are for evaluation only.
    """
    import random

    if REPO in work.resolve().parents or work.resolve() == REPO:
        raise SystemExit("the work folder must be outside the repository (the clips' licence)")
    loaded = [(read_pcm16(wav), text) for wav, text in clips(data_dir)]
    rate = loaded[0][0][1]
    rng = random.Random(seed)
    work.mkdir(parents=True, exist_ok=True)
    made = []
    for i in range(count):
        target = int(rng.uniform(*minutes) * 60 * rate)
        path = work / f"interview-{i + 1:02d}.mp3"
        encoder, written, reference, order = Mp3(path, rate), 0, [], []
        while written < target:
            if not order:
                order = list(range(len(loaded)))
                rng.shuffle(order)
            (samples, _), text = loaded[order.pop()]
            block = np.concatenate([samples, np.zeros(int(rng.uniform(1.0, 3.0) * rate), np.int16)])
            encoder.write(block)
            written += len(block)
            reference.append(text)
        encoder.close()
        path.with_suffix(".txt").write_text(" ".join(reference) + "\n", encoding="utf-8")
        made.append((path, " ".join(reference)))
    return made


def audio_seconds(path: Path) -> float:
    """Length of any file PyAV reads (the container's own duration)."""
    import av

    with av.open(str(path)) as container:
        return container.duration / av.time_base


class Mp3:
    """Streaming MP3 encoder over PyAV (libmp3lame), mono, 64 kbit/s."""

    def __init__(self, path: Path, rate: int):
        import av

        self.av = av
        self.container = av.open(str(path), "w")
        self.stream = self.container.add_stream("libmp3lame", rate=rate)
        self.stream.layout = "mono"
        self.stream.bit_rate = 64_000
        self.rate = rate
        self.pts = 0

    def write(self, samples: np.ndarray) -> None:
        frame = self.av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = self.rate
        frame.pts = self.pts
        self.pts += len(samples)
        for packet in self.stream.encode(frame):
            self.container.mux(packet)

    def close(self) -> None:
        for packet in self.stream.encode(None):
            self.container.mux(packet)
        self.container.close()


AT_START = versions()


def corpus_errors(references: dict[str, str], texts: dict[str, str]) -> tuple[int, int, int, int, int]:
    """Word edits, reference words, character edits, reference characters and words out, over a corpus."""
    we = wn = ce = cn = out = 0
    for name, ref in references.items():
        hyp = texts.get(name, "")
        e, n = word_errors(ref, hyp)
        we, wn = we + e, wn + n
        e, n = char_errors(ref, hyp)
        ce, cn = ce + e, cn + n
        out += len(normalise_text(hyp).split())
    return we, wn, ce, cn, out
