"""Upgrading an archive to a better model (``loike retranscribe --all --model NAME``): every interview transcribed
again, one after the other, each as ``loike retranscribe`` does it (editors' work kept), with the model loaded once.

It can be stopped and started again: an interview whose last transcript the model already wrote (the same
fingerprint) is passed over, so a night's run that was cut short goes on the next night where it stopped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import database
from pipeline.database.models import Interview
from pipeline.options import TranscribeOptions
from pipeline.reports import Problem, Retranscribed
from pipeline.run.retranscribe import retranscribe
from pipeline.run.steps import Progress
from pipeline.settings import Archive

log = logging.getLogger(__name__)


@dataclass
class Upgrade:
    """What ``retranscribe --all`` has to do, then did."""

    model: str
    fingerprint: str
    todo: list[Interview]
    already: int
    """Interviews whose last transcript this model already wrote: passed over."""
    rtf: float | None = None
    """This model's real-time factor measured on this machine (``loike models bench``), if it was."""
    done: list[Retranscribed] = field(default_factory=list)
    failures: list[Problem] = field(default_factory=list)

    @property
    def audio_seconds(self) -> float:
        return sum(i.duration or 0.0 for i in self.todo)

    @property
    def estimate(self) -> float | None:
        """Seconds it should take here, from the measured real-time factor."""
        return self.audio_seconds * self.rtf if self.rtf is not None else None

    @property
    def ok(self) -> bool:
        return not self.failures


def plan(archive: Archive, transcriber, cache: Path) -> Upgrade:
    """The interviews the loaded model has not transcribed last, in code order, and what it should cost."""
    from pipeline.speech import model_bench

    db = database.open_database(archive.database)
    try:
        written = database.last_fingerprints(db)
        transcribed = [i for i in database.interviews(db) if i.id in written]
    finally:
        db.close()
    fingerprint = transcriber.model_info.fingerprint
    todo = [i for i in transcribed if written[i.id] != fingerprint]
    speed = model_bench.measured(cache).get(fingerprint)
    return Upgrade(
        transcriber.model_info.name,
        fingerprint,
        todo,
        len(transcribed) - len(todo),
        speed["rtf"] if speed else None,
    )


def load(options: TranscribeOptions, cache: Path):
    """The model, loaded once for the whole archive (two workers share the pieces of each long recording)."""
    from pipeline.speech.transcribe import Transcriber  # faster-whisper only when there is work

    return Transcriber(options, cache)


def run(
    archive: Archive,
    upgrade: Upgrade,
    transcriber,
    cache: Path,
    progress: Progress | None = None,
    on_done: Callable[[Retranscribed], None] | None = None,
) -> Upgrade:
    """Transcribe every interview of ``upgrade.todo`` again with ``transcriber``; one that fails is reported and
    keeps its transcript as it was, and the rest go on."""
    total = upgrade.audio_seconds
    before = 0.0
    for interview in upgrade.todo:

        def advance(seconds: float, _length: float, start: float = before) -> None:
            if progress:
                progress(min(start + seconds, total), total)

        done = retranscribe(archive, interview.code, transcriber.options, cache, advance, transcriber=transcriber)
        upgrade.done.append(done)
        upgrade.failures.extend(done.run.failures)
        before += interview.duration or 0.0
        if on_done:
            on_done(done)
    return upgrade
