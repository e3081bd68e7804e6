"""Shared helpers for the benchmark scripts: text normalisation, WER/CER, the machine, the data folder.

Only the standard library and numpy; the pipeline is imported lazily by the scripts that need it.
"""

from __future__ import annotations

import datetime
import os
import platform
import re
import statistics
import subprocess
import sys
import unicodedata
import wave
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "vi-speech-dev"
"""The evaluation clips: read from here, never copied into the repository (evaluation-only licence)."""
BIN = Path(sys.executable).parent
LOIKE = BIN / "loike"


# --- text ------------------------------------------------------------------------------------------


def normalise_text(text: str) -> str:
    """NFC, lower case, punctuation and symbols replaced by spaces, whitespace collapsed."""
    text = unicodedata.normalize("NFC", text).lower()
    kept = [" " if unicodedata.category(c)[0] in "PSZC" else c for c in text]
    return re.sub(r"\s+", " ", "".join(kept)).strip()


def edit_distance(ref: list, hyp: list) -> int:
    """Levenshtein distance (substitutions, insertions, deletions all cost 1).

    Row by row with numpy, so a two-hour transcript (tens of thousands of words, or characters) takes
    seconds: deletions and substitutions are vectorised, insertions are a running minimum along the row.
    """
    vocabulary: dict = {}
    r = np.array([vocabulary.setdefault(x, len(vocabulary)) for x in ref], np.int64)
    h = np.array([vocabulary.setdefault(x, len(vocabulary)) for x in hyp], np.int64)
    if not len(r) or not len(h):
        return max(len(r), len(h))
    columns = np.arange(len(h) + 1, dtype=np.int64)
    previous = columns.copy()
    for i, token in enumerate(r, 1):
        current = np.empty_like(previous)
        current[0] = i
        current[1:] = np.minimum(previous[1:] + 1, previous[:-1] + (h != token))
        # insertions: current[j] = min over k <= j of current[k] + (j - k)
        current = np.minimum.accumulate(current - columns) + columns
        previous = current
    return int(previous[-1])


def _edit_distance_reference(ref: list, hyp: list) -> int:
    """The textbook O(n·m) loop, kept to check the numpy version (see ``python bench/_common.py``)."""
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h))
        previous = current
    return previous[-1]


def word_errors(ref: str, hyp: str) -> tuple[int, int]:
    """(word edits, reference words) after normalising both texts."""
    r, h = normalise_text(ref).split(), normalise_text(hyp).split()
    return edit_distance(r, h), len(r)


def char_errors(ref: str, hyp: str) -> tuple[int, int]:
    """(character edits, reference characters) after normalising; spaces count as characters."""
    r, h = normalise_text(ref), normalise_text(hyp)
    return edit_distance(list(r), list(h)), len(r)


def ratio(errors: int, total: int) -> float:
    return errors / total if total else float("nan")


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
    from pipeline import store
    from pipeline.settings import archive

    db = store.open_database(archive(root).database)
    found = {}
    for row in store.interviews(db):
        segments = store.segments(db, row["id"])
        found[row["source_path"]] = {
            "code": row["code"], "duration": row["duration"], "status": row["status"],
            "segments": segments, "text": " ".join(s["text"] for s in segments),
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
            commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                    check=True).stdout.strip()
            dirty = subprocess.run([*git, "status", "--porcelain", "pipeline", "templates"], capture_output=True,
                                   text=True, check=True).stdout.strip()
            out.append(f"loike {commit}{' + uncommitted changes' if dirty else ''}")
        else:
            out.append(f"loike from {where}")
    except (ImportError, OSError, subprocess.CalledProcessError):
        pass
    return ", ".join(out)


def header(command: str) -> str:
    return (f"<!-- {datetime.date.today().isoformat()} -->\n"
            f"Command: `{command}`  \nMachine: {machine()}  \nVersions: {versions()}\n")


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def command_line() -> str:
    return " ".join(["/tmp/venv/bin/python" if a == sys.executable else a for a in [sys.executable, *sys.argv]])


if __name__ == "__main__":  # self-check of the edit distance against the textbook loop
    import random

    rng = random.Random(0)
    for _ in range(2000):
        a = [rng.choice("abcd") for _ in range(rng.randint(0, 12))]
        b = [rng.choice("abcd") for _ in range(rng.randint(0, 12))]
        assert edit_distance(a, b) == _edit_distance_reference(a, b), (a, b)
    assert word_errors("Ví dụ 2. Tính trung bình!", "vì dụ 2 tính  trung bình") == (1, 6)
    print("edit distance ok")
