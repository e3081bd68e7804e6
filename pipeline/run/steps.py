"""One recording's way through a run, the same whoever transcribes it (here, on a Ray cluster, or again with
``loike retranscribe``): normalise it and start its transcription, store the result with its speakers and flags,
and turn a failure into one sentence for that recording while the batch goes on.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline import crashtest, database
from pipeline.database import Database
from pipeline.database.heard import MachineSegment
from pipeline.database.models import Recording
from pipeline.errors import ArchiveError, DiarizeError, LoikeError, RecordingError
from pipeline.i18n import _
from pipeline.intake import audio, discovery, slicing
from pipeline.reports import Problem, RunReport
from pipeline.run import scheduling
from pipeline.settings import Archive
from pipeline.speech import flags, speakers

log = logging.getLogger(__name__)

Progress = Callable[..., None]
"""Called with (seconds of audio done, seconds of audio in this run); a run on a cluster adds
(recordings done, recordings in this run)."""


# A disk that is full or read-only fails every recording the same way: stop the run with one sentence.
WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOTDIR, errno.EEXIST}


def is_write_failure(archive: Archive, error: OSError) -> bool:
    """True for an OSError that says transcripts/ cannot be written (not a problem with one original)."""
    if error.errno not in WRITE_ERRNOS:
        return False
    return error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS) or not str(error.filename or "").startswith(
        str(archive.recordings)
    )


def cannot_write(archive: Archive, code: int | None, reason: str | None) -> ArchiveError:
    full = code in (errno.ENOSPC, errno.EDQUOT)
    if full:
        message = _("Cannot write to {folder} ({reason}): free some space or choose another --root; nothing was lost.")
    else:
        message = _("Cannot write to {folder} ({reason}): make it writable or choose another --root; nothing was lost.")
    return ArchiveError(message.format(folder=archive.transcripts, reason=reason or os.strerror(code or 0)))


def guarded(db: Database, archive: Archive, report: RunReport, recording: Recording, step):
    """Run one step for one recording; a failure is recorded as such and the batch goes on."""
    relpath = recording.relpath
    try:
        return step()
    except RecordingError as error:
        fail(db, report, recording.id, relpath, error, permanent=True)
    except OSError as error:
        if is_write_failure(archive, error):
            raise
        fail(db, report, recording.id, relpath, error, permanent=False)
    except LoikeError as error:
        fail(db, report, recording.id, relpath, error, permanent=False)
    return None


def begin(
    db: Database,
    archive: Archive,
    recording: Recording,
    transcriber,
    report: RunReport,
    prefetch: scheduling.Prefetch | None = None,
) -> scheduling.Job:
    """Normalise one recording (unless already done) and record it; the transcription is then started."""
    wav, decoded = scheduling.derived_paths(archive, recording)
    duration = recording.decoded_duration
    prepared = prefetch.take(recording) if prefetch else None  # waits for it, so the files below are complete
    if prepared or scheduling.needs_normalising(archive, recording):
        relpath = recording.relpath
        info, normalised = prepared or scheduling.normalise_original(archive, recording)
        crashtest.checkpoint("normalised")
        damage = audio.damage(relpath, info, normalised.duration)
        database.record_normalised(db, recording.id, normalised, damage, discovery.sha256(wav))
        if damage:
            report.warnings.append(Problem(relpath, "damaged", damage))
            database.record_problem(db, recording.id, relpath, "damaged", damage, failed=False)
        duration = normalised.duration
    hotwords = None
    if transcriber.options.domain_words:
        interview_id = database.interview_id_of(db, recording.id)
        hotwords = database.domain_words(db, interview_id, glossary(archive))
    return scheduling.Job(recording, decoded, duration or 0.0, hotwords, database.now())


def finish(db: Database, archive: Archive, transcriber, job: scheduling.Job, report: RunReport) -> None:
    """Store a finished transcription (its error raised here); the decoded copy is deleted either way."""
    try:  # the decoded copy is large (460 MB for 2 hours): never leave it behind
        if job.future is None:  # never: a job is finished only once it was handed to a transcriber
            raise RuntimeError(f"{job.recording.relpath} was never handed to a transcriber")
        told = tell_speakers(db, archive, job.recording, job.future.result(), job.decoded, report)
        for segment in told.segments:
            segment.flags = flags.codes(segment)
        crashtest.checkpoint("transcribed")
        with db.atomic():  # the transcript and who its speakers are: both stored, or neither
            database.save_transcript(
                db,
                job.recording.id,
                told.segments,
                {
                    "model": transcriber.options.model,
                    "settings": {**transcriber.options.settings(), "model_path": transcriber.model_path},
                    "versions": transcriber.versions(),
                    "started_at": job.started,
                    "finished_at": database.now(),
                    "audio_seconds": job.duration,
                },
            )
            speakers.remember(db, told)
        code = database.interview_for(db, job.recording.id).code
        report.interviews.append(code)
        if told.proposals:
            report.proposed[code] = len(told.proposals)
    finally:
        job.decoded.unlink(missing_ok=True)
    report.transcribed += 1
    report.audio_seconds += job.duration


def tell_speakers(
    db: Database,
    archive: Archive,
    recording: Recording,
    segments: list[MachineSegment],
    decoded: Path,
    report: RunReport,
) -> speakers.Outcome:
    """Speaker labels on the segments (``pipeline.speakers``), not yet stored; without a way to tell voices
    apart the run says so, once, and the transcript goes on unlabelled."""
    levels = None
    if (recording.channels or 1) >= 2:
        relpath = recording.relpath
        original = archive.original(relpath)
        if original:
            levels = audio.channel_levels(original, LEVEL_FRAME)
    interview_id = database.interview_id_of(db, recording.id)
    try:
        outcome = speakers.label_speakers(
            db, interview_id, segments, slicing.decoded_samples(decoded), levels, LEVEL_FRAME
        )
    except DiarizeError as error:
        report.warnings.append(Problem(recording.source_path, "speakers", str(error)))
        return speakers.Outcome(segments, "none", interview_id)
    if outcome.method == "none":
        report.unseparated += 1  # the run's summary says it once, with what to do
    return outcome


LEVEL_FRAME = 0.05  # seconds: per-channel levels of a stereo recording, for telling speakers apart


@contextmanager
def write_failures_in_one_sentence(archive: Archive) -> Iterator[None]:
    """A full or read-only disk as one sentence: it fails every recording the same way, so the run stops."""
    try:
        yield
    except OSError as error:
        if not is_write_failure(archive, error):
            raise
        raise cannot_write(archive, error.errno, error.strerror) from error
    except sqlite3.OperationalError as error:
        code = {"database or disk is full": errno.ENOSPC, "attempt to write a readonly database": errno.EROFS}
        if str(error) not in code:
            raise
        raise cannot_write(archive, code[str(error)], str(error)) from error


def glossary(archive: Archive) -> list[str]:
    """Terms from recordings/glossary.txt, one a line (names, places, units, old terms), for hotwords."""
    path = archive.recordings / "glossary.txt"
    if not path.exists():
        return []
    return [line.strip() for line in path.read_text(encoding="utf-8-sig").splitlines() if line.strip()]


def fail(
    db: Database, report: RunReport, recording_id: int | None, relpath: str, error: Exception, permanent: bool
) -> None:
    kind = getattr(error, "kind", type(error).__name__)
    message = str(error)
    log.info(message)  # the run's summary says it (logged too, with -v, in the order things happened)
    report.failures.append(Problem(relpath, kind, message))
    database.record_problem(db, recording_id, relpath, kind, message, failed=permanent)
