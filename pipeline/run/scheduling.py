"""Keep the cores busy over a batch: the next recording normalised ahead, and with ``workers`` > 1 several
transcribed at once (one model, the cores shared out among them).

Decoding the next file while the current one is transcribed hides its cost; running two transcriptions
at once was measured and is off by default (docs/benchmarks.md, "Throughput over a folder"). Only files
are written in these threads; ``process`` records everything in the database from its own thread.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.database.heard import AudioInfo, NormalisedAudio
from pipeline.database.models import Recording
from pipeline.errors import ArchiveError
from pipeline.i18n import _
from pipeline.intake import audio
from pipeline.settings import Archive

PREFETCH = True
"""Decode and normalise the next recording in a background thread while the current one is transcribed
(CTranslate2 and PyAV release the GIL)."""


def derived_paths(archive: Archive, recording: Recording) -> tuple[Path, Path]:
    """The normalised WAV and the decoded float32 copy Whisper hears (see audio.normalise)."""
    wav = archive.audio_dir / f"{recording.code}.wav"
    return wav, wav.with_name(f".{wav.name}.decoded.f32")


def needs_normalising(archive: Archive, recording: Recording) -> bool:
    wav, decoded = derived_paths(archive, recording)
    return recording.status != "normalised" or not wav.exists() or not decoded.exists()


def normalise_original(archive: Archive, recording: Recording) -> tuple[AudioInfo, NormalisedAudio]:
    """Probe the original and write its normalised WAV and decoded copy: files only, no database."""
    relpath = recording.relpath
    wav, decoded = derived_paths(archive, recording)
    original = archive.original(relpath)
    if original is None:
        raise ArchiveError(
            _("{relpath} is no longer in recordings/: put the original back and run again.").format(relpath=relpath)
        )
    info = audio.probe(original)
    wav.parent.mkdir(parents=True, exist_ok=True)
    for stale in wav.parent.glob(f".{wav.name}.*"):  # temporaries of a run that was killed while normalising
        stale.unlink(missing_ok=True)
    return info, audio.normalise(original, wav, decoded)


class Prefetch:
    """At most one recording normalised ahead; the caller records the result when it takes it, so a run
    killed meanwhile leaves only temporaries (cleared by the next run)."""

    def __init__(self, archive: Archive):
        self.archive = archive
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="loike-prefetch") if PREFETCH else None
        self.ahead: dict[int, tuple[Recording, Future]] = {}

    def __enter__(self) -> Prefetch:
        return self

    def start(self, recording: Recording) -> None:
        if self.pool and recording.id not in self.ahead and needs_normalising(self.archive, recording):
            self.ahead[recording.id] = (recording, self.pool.submit(normalise_original, self.archive, recording))

    def done(self, recording: Recording) -> bool:
        """False while the recording is being normalised ahead: ``take`` would wait for it."""
        _, future = self.ahead.get(recording.id, (None, None))
        return future is None or future.done()

    def take(self, recording: Recording) -> tuple[AudioInfo, NormalisedAudio] | None:
        """The prefetched result (its error raised here, as if normalised now), or None if none was started."""
        _, future = self.ahead.pop(recording.id, (None, None))
        return future.result() if future else None

    def __exit__(self, *exc) -> None:
        if self.pool:
            self.pool.shutdown(wait=True)
        for recording, _made in self.ahead.values():  # made ahead but not used (the run stopped)
            wav, decoded = derived_paths(self.archive, recording)
            decoded.unlink(missing_ok=True)  # large; made again when the recording's turn comes
            if recording.status != "normalised":  # a WAV the database does not know of yet
                wav.unlink(missing_ok=True)


@dataclass
class Job:
    """One recording being transcribed in a worker thread."""

    recording: Recording
    decoded: Path
    duration: float
    hotwords: str | None
    started: str
    future: Future | None = field(default=None, repr=False)


class Workers:
    """Up to ``size`` transcriptions at once; results are taken in the order the recordings were started."""

    def __init__(self, size: int):
        self.size = size
        self.pool = ThreadPoolExecutor(size, thread_name_prefix="loike-recording")
        self.running: deque[Job] = deque()
        self.cancelled = threading.Event()

    def __enter__(self) -> Workers:
        return self

    def submit(self, job: Job, transcribe: Callable, pieces: Iterable, **kwargs) -> None:
        """``transcribe(pieces, **kwargs)`` in a worker; it is handed no more pieces once the run stops."""
        job.future = self.pool.submit(transcribe, self._until_cancelled(pieces), **kwargs)
        self.running.append(job)

    def _until_cancelled(self, pieces: Iterable) -> Iterator:
        for piece in pieces:
            if self.cancelled.is_set():
                return
            yield piece

    def full(self) -> bool:
        return len(self.running) >= self.size

    def busy(self) -> bool:
        return bool(self.running)

    def next_done(self) -> Job:
        """The oldest job; its ``future.result()`` waits for it."""
        return self.running.popleft()

    def __exit__(self, *exc) -> None:
        # After an error or Ctrl-C that stops the run, a transcription still running ends after its current
        # piece (at most chunk_seconds of audio), not after its whole recording; its result is not stored.
        self.cancelled.set()
        self.pool.shutdown(wait=True, cancel_futures=True)
        for job in self.running:
            job.decoded.unlink(missing_ok=True)


class Counter:
    """Seconds of audio done over every recording in flight, for one progress callback (several threads)."""

    def __init__(self, progress: Callable[[float, float], None] | None, pending: list[Recording]):
        self.progress = progress
        self.total = sum(r.length for r in pending)
        self.done: dict[int, float] = {}
        self.lock = threading.Lock()

    def of(self, recording: Recording) -> Callable[[float], None]:
        return lambda seconds: self._set(recording.id, seconds)

    def finished(self, recording: Recording) -> None:
        self._set(recording.id, recording.length)

    def _set(self, key: int, seconds: float) -> None:
        if self.progress is None:
            return
        with self.lock:
            self.done[key] = seconds
            self.progress(min(sum(self.done.values()), self.total), self.total)
