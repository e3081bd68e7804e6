"""The normalised audio read back: in pieces cut at quiet moments (for Whisper), or a slice at a time (for
speaker labels). Memory stays flat however long the interview."""

from __future__ import annotations

import wave
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from pipeline.errors import DecodeFailed
from pipeline.i18n import _
from pipeline.intake.audio import FLUSH_SAMPLES, SAMPLE_RATE


def read_chunks(
    path: Path, max_seconds: float = 600.0, search_seconds: float = 30.0
) -> Iterator[tuple[float, np.ndarray]]:
    """Yield (offset seconds, float32 samples) pieces of at most ``max_seconds``, each cut at a quiet moment.

    ``path`` is the normalised WAV or the decoded float32 file that ``normalise`` can keep.
    """
    limit = max(int(max_seconds * SAMPLE_RATE), 1)
    search = min(int(search_seconds * SAMPLE_RATE), limit)
    try:
        with _sample_reader(path) as fill:
            offset, piece, filled = 0, np.empty(limit, np.float32), 0
            while True:
                got = fill(piece[filled:])
                filled += got
                at_end = filled < limit or got == 0
                cut = filled if at_end else _quietest_cut(piece[:filled], search)
                if cut:
                    yield offset / SAMPLE_RATE, piece[:cut]
                if at_end:
                    return
                # A fresh buffer, because the caller may still hold the piece just yielded (a view).
                rest, piece = piece[cut:filled], np.empty(limit, np.float32)
                offset, filled = offset + cut, len(rest)
                piece[:filled] = rest
    except (wave.Error, EOFError) as error:
        raise DecodeFailed(
            path, _("the normalised copy is unusable: {error}; delete it so it is made again").format(error=error)
        ) from error


class DecodedSamples:
    """The float32 file ``normalise`` keeps, read a slice at a time: ``samples[a:b]`` reads just those samples.

    Not a memory map: every page of a map that is read stays in the process's resident memory while it is
    mapped, 460 MB by the end of a 2-hour recording (docs/benchmarks.md, "Speaker labels").
    """

    def __init__(self, path: Path):
        self.path = path
        self.count = path.stat().st_size // 4

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, where: slice) -> np.ndarray:
        start, stop, step = where.indices(self.count)
        return np.fromfile(self.path, dtype="<f4", count=max(0, stop - start), offset=4 * start)[::step]


def decoded_samples(path: Path) -> DecodedSamples:
    """The float32 file ``normalise`` keeps, for reading slices of it: two hours cost no memory up front."""
    return DecodedSamples(path)


def stretch(path: Path, start: float, end: float) -> np.ndarray:
    """The samples from ``start`` to ``end`` seconds of the normalised WAV or the decoded float32 file."""
    first, last = max(0, round(start * SAMPLE_RATE)), max(0, round(end * SAMPLE_RATE))
    if path.suffix == ".f32":
        return decoded_samples(path)[first:last]
    try:
        with wave.open(str(path), "rb") as reader:
            _check_format(reader)
            reader.setpos(min(first, reader.getnframes()))
            out = np.empty(max(0, last - first), np.float32)
            return out[: _fill(reader, out)]
    except (wave.Error, EOFError) as error:
        raise DecodeFailed(
            path, _("the normalised copy is unusable: {error}; delete it so it is made again").format(error=error)
        ) from error


@contextmanager
def _sample_reader(path: Path) -> Iterator[Callable[[np.ndarray], int]]:
    """A function filling an array with the file's next samples (float32 in [-1, 1]); returns how many."""
    if path.suffix == ".f32":
        with open(path, "rb") as raw:

            def fill_raw(out: np.ndarray) -> int:
                got = np.frombuffer(raw.read(len(out) * 4), "<f4")
                out[: len(got)] = got
                return len(got)

            yield fill_raw
        return
    with wave.open(str(path), "rb") as reader:
        _check_format(reader)
        yield lambda out: _fill(reader, out)


def _check_format(reader: wave.Wave_read) -> None:
    if (reader.getframerate(), reader.getnchannels(), reader.getsampwidth()) != (SAMPLE_RATE, 1, 2):
        raise wave.Error("not 16 kHz mono 16-bit")


def _fill(reader: wave.Wave_read, out: np.ndarray) -> int:
    """Read 16-bit samples into ``out`` as float32 in [-1, 1), ~10 s at a time; returns how many."""
    done = 0
    while done < len(out):
        data = reader.readframes(min(len(out) - done, FLUSH_SAMPLES))
        x = np.frombuffer(data[: len(data) // 2 * 2], "<i2")  # a truncated file may end mid-sample
        if not len(x):
            break
        out[done : done + len(x)] = x / np.float32(32768)
        done += len(x)
    return done


def _quietest_cut(piece: np.ndarray, search: int) -> int:
    """Sample index in the middle of the quietest 0.5 s (in 20 ms frames) of the piece's last ``search``."""
    frame, window = SAMPLE_RATE // 50, 25
    start = len(piece) - search // frame * frame
    energy = np.mean(piece[start:].reshape(-1, frame).astype(np.float64) ** 2, axis=1)
    if len(energy) < window:
        return len(piece)
    sums = np.convolve(energy, np.ones(window), mode="valid")
    best = len(sums) - 1 - int(np.argmin(sums[::-1]))  # the latest of equally quiet windows: longer pieces
    return start + best * frame + window * frame // 2
