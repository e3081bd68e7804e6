"""Run the stages in order over one archive: ingest → normalise → transcribe → store → render.

This is the library entry point: ``process_archive(archive(root))`` does what ``loike run`` does.
"""

from __future__ import annotations

import dataclasses
import errno
import logging
import math
import os
import sqlite3
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from pipeline.run import scheduling
from pipeline.intake import audio, discovery
from pipeline.intake import slicing
from pipeline import database
from pipeline import crashtest
from pipeline.speech import flags, speakers
from pipeline.catalogue import metadata
from pipeline.publishing import review_sheets
from pipeline.errors import ArchiveError, DiarizeError, LoikeError, NotFound, PassedOver, RecordingError
from pipeline.database.heard import MachineSegment
from pipeline.database.metadata_records import MetadataFound
from pipeline.database.models import Recording
from pipeline.reports import Problem, Retranscribed, RunReport
from pipeline.intake.discovery import SourceFile
from pipeline.options import TranscribeOptions
from pipeline.settings import Archive, model_cache
from pipeline.text import date_vn
from pipeline.publishing.transcript import CONSENT_VN

log = logging.getLogger(__name__)

Progress = Callable[..., None]
"""Called with (seconds of audio done, seconds of audio in this run); a run on a cluster adds
(recordings done, recordings in this run)."""


def process_archive(
    archive: Archive,
    options: TranscribeOptions = TranscribeOptions(),
    cache: Path | None = None,
    progress: Progress | None = None,
    settle_seconds: float = discovery.SETTLE_SECONDS,
    transcriber=None,
    should_stop: Callable[[], bool] | None = None,
    hold: Collection[str] = (),
    cluster=None,
) -> RunReport:
    """Take in every new recording, transcribe what is pending and refresh the review sheets.

    ``transcriber`` lets a caller that runs many archives (or tests) load the model once.
    ``should_stop`` is asked before each recording is transcribed: when it answers True the rest waits
    for the next run (``loike watch`` stops this way on Ctrl-C). ``hold`` names files (relpaths) the
    caller knows are still changing: they are reported as still being copied and not taken.
    ``cluster`` (a connected ``pipeline.cluster.Cluster``) transcribes on a Ray cluster instead of here.
    """
    if not archive.recordings.is_dir():
        raise ArchiveError(
            f"There is no recordings/ folder in {archive.root}: create it and put the recordings in it, "
            "or pass --root with the archive's folder."
        )
    with write_failures_in_one_sentence(archive):
        return _process(archive, options, cache, progress, settle_seconds, transcriber, should_stop, hold, cluster)


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
    return ArchiveError(
        f"Cannot write to {archive.transcripts} ({reason or os.strerror(code or 0)}): "
        + ("free some space" if full else "make it writable")
        + " or choose another --root; nothing was lost."
    )


def _process(archive: Archive, options: TranscribeOptions, cache: Path | None, progress: Progress | None,
             settle_seconds: float, transcriber, should_stop: Callable[[], bool] | None = None,
             hold: Collection[str] = (), cluster=None) -> RunReport:
    db = database.open_database(archive.database)
    report = RunReport(sheets_dir=archive.sheets_dir)
    try:
        found = discovery.survey(archive)
        files = found.files
        report.found = len(files)
        for odd in found.passed_over:
            passed_over(report, odd)
        ready, moving = discovery.settled([f for f in files if f.relpath not in hold], settle_seconds)
        report.still_copying = [f.relpath for f in files if f.relpath in hold] + [f.relpath for f in moving]
        for source in ready:
            register(db, archive, source, report)
        refresh_metadata(db, archive, report)
        transcribe = cluster.transcribe_pending if cluster else transcribe_pending
        transcribe(db, archive, options, cache or model_cache(), progress, report, transcriber, should_stop)
        if not report.did_nothing or not (archive.sheets_dir / "index.html").exists():
            review_sheets.write_sheets(db, archive)
    finally:
        db.close()
    return report


def register(db: Database, archive: Archive, source: SourceFile, report: RunReport) -> None:
    """Identify one file by its bytes; a new recording gets a row, a probe and an interview."""
    if database.known_file(db, source.relpath, source.size, source.mtime):
        report.skipped_unchanged += 1
        return
    try:
        digest = discovery.identify(archive, source)
    except PassedOver as odd:
        passed_over(report, odd)
        return
    if not discovery.unchanged(source):
        report.still_copying.append(source.relpath)
        return
    existing = database.recording_by_hash(db, digest)
    if existing:
        if existing.source_path != source.relpath:
            report.duplicates.append(f"{source.relpath} = {existing.source_path}")
        database.remember_file(db, source.relpath, existing.id, source.size, source.mtime)
        return
    if database.file_seen(db, source.relpath):
        log.info("%s has new content; the earlier recording under that name is kept", source.relpath)
    recording_id = database.add_recording(db, digest, source.relpath, source.size, Path(source.relpath).stem)
    database.remember_file(db, source.relpath, recording_id, source.size, source.mtime)
    report.new += 1
    try:
        database.record_probe(db, recording_id, audio.probe(source.path))
    except RecordingError as error:
        fail(db, report, recording_id, source.relpath, error, permanent=True)
    except OSError as error:  # moved or made unreadable since it was hashed: normalising it will say so
        log.info("%s could not be probed now (%s): it is probed when it is normalised", source.relpath, error)


def passed_over(report: RunReport, odd: PassedOver) -> None:
    """An entry in recordings/ not taken in this run: a failure if it is a recording, else a warning."""
    (report.failures if odd.failed else report.warnings).append(Problem(odd.relpath, odd.kind, str(odd)))


def refresh_metadata(db: Database, archive: Archive, report: RunReport) -> None:
    """Read every interview's sidecar or spreadsheet row and apply what changed since last time."""
    paths = database.interview_paths(db)
    read = metadata.read_metadata(archive.recordings, sorted(paths))
    for source, problems in read.spreadsheets.items():
        report.warnings += [Problem(source, "metadata", str(p)) for p in problems]
    chosen: dict[int, MetadataFound] = {}
    for relpath, item in sorted(read.recordings.items()):
        interview_id = paths[relpath]
        if interview_id not in chosen or (chosen[interview_id].source is None and item.source):
            chosen[interview_id] = item
    for interview_id, item in chosen.items():
        applied = database.apply_metadata(db, interview_id, item)
        if applied:
            report.metadata_updated += 1
            database.log_event(db, database.recording_of(db, interview_id), "metadata", "error" if item.problems else "ok",
                            str(item.source or "no metadata"))
            if item.source:  # a missing file is counted below, not repeated as a warning per recording
                report.warnings += [Problem(item.recording, "metadata", str(p)) for p in item.problems]
        if applied.narrowed:
            consent = CONSENT_VN[applied.narrowed.status] + (
                f" đến {date_vn(applied.narrowed.until)}" if applied.narrowed.until else "")
            database.log_event(db, database.recording_of(db, interview_id), "consent", "narrowed", consent)
            report.warnings.append(Problem(item.recording, "consent", (
                f"quyền công bố đã đổi thành '{consent}' theo {item.source}, dù tệp còn lỗi: không xuất bản nữa / "
                f"consent narrowed to {applied.narrowed.status} from {item.source} although it has mistakes; "
                "the interview is no longer published")))
    report.waiting_for_metadata = database.count_waiting_for_metadata(db)


def transcribe_pending(
    db: Database, archive: Archive, options: TranscribeOptions, cache: Path,
    progress: Progress | None, report: RunReport, transcriber=None, should_stop: Callable[[], bool] | None = None,
) -> None:
    """Transcribe what is pending, ``workers`` recordings at a time, the next one normalised ahead.

    Only this thread touches the database: the worker threads transcribe (see scheduling.py for why).
    """
    pending = database.recordings_to_process(db)
    if not pending:
        return
    if transcriber is None:
        from pipeline.speech.transcribe import Transcriber# loads faster-whisper only when there is work

        transcriber = Transcriber(fitted(options, pending), cache)
    counter = scheduling.Counter(progress, pending)
    at_once = max(1, transcriber.options.workers)
    with scheduling.Prefetch(archive) as prefetch, scheduling.Workers(at_once) as workers:

        def store_next() -> None:
            job = workers.next_done()
            guarded(db, archive, report, job.recording, lambda: finish(db, archive, transcriber, job, report))
            counter.finished(job.recording)

        for index, recording in enumerate(pending):
            if should_stop and should_stop():
                log.info("Stopping before %s: it waits for the next run", recording.source_path)
                break
            prefetch.start(recording)  # no-op when it was started while the one before was transcribed
            if index + 1 < len(pending):
                prefetch.start(pending[index + 1])
            job = guarded(db, archive, report, recording,
                           lambda: begin(db, archive, recording, transcriber, report, prefetch))
            if job is None:
                counter.finished(recording)
                continue
            pieces = slicing.read_chunks(job.decoded, transcriber.options.chunk_seconds)
            workers.submit(job, transcriber.transcribe, pieces, progress=counter.of(recording), hotwords=job.hotwords)
            while workers.full():
                store_next()
        while workers.busy():
            store_next()


def fitted(options: TranscribeOptions, pending: list[Recording]) -> TranscribeOptions:
    """No more workers than pieces to transcribe: a lone short recording then has every core to itself."""
    pieces = sum(max(1, math.ceil(r.length / options.chunk_seconds)) for r in pending)
    return dataclasses.replace(options, workers=max(1, min(options.workers, pieces)))


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


def begin(db: Database, archive: Archive, recording: Recording, transcriber, report: RunReport,
          prefetch: scheduling.Prefetch | None = None) -> scheduling.Job:
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
        told = tell_speakers(db, archive, job.recording, job.future.result(), job.decoded, report)
        for segment in told.segments:
            segment.flags = flags.codes(segment)
        crashtest.checkpoint("transcribed")
        with db.atomic():  # the transcript and who its speakers are: both stored, or neither
            database.save_transcript(db, job.recording.id, told.segments, {
                "model": transcriber.options.model,
                "settings": {**transcriber.options.settings(), "model_path": transcriber.model_path},
                "versions": transcriber.versions(),
                "started_at": job.started,
                "finished_at": database.now(),
                "audio_seconds": job.duration,
            })
            speakers.remember(db, told)
    finally:
        job.decoded.unlink(missing_ok=True)
    report.transcribed += 1
    report.audio_seconds += job.duration


def tell_speakers(db: Database, archive: Archive, recording: Recording, segments: list[MachineSegment], decoded: Path,
                  report: RunReport) -> speakers.Outcome:
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
        outcome = speakers.label_speakers(db, interview_id, segments, slicing.decoded_samples(decoded), levels,
                                         LEVEL_FRAME)
    except DiarizeError as error:
        report.warnings.append(Problem(recording.source_path, "speakers", str(error)))
        return speakers.Outcome(segments, "none", interview_id)
    if outcome.method == "none":
        if not report.unseparated:
            log.warning("Speakers are not told apart: install the optional speaker model with "
                        "pip install .[diarize] (or record in stereo, one microphone per person).")
        report.unseparated += 1
    return outcome


LEVEL_FRAME = 0.05  # seconds: per-channel levels of a stereo recording, for telling speakers apart


def retranscribe(
    archive: Archive, key: str, options: TranscribeOptions = TranscribeOptions(), cache: Path | None = None,
    progress: Progress | None = None, transcriber=None,
) -> Retranscribed:
    """Transcribe one interview (its code or number) again, with ``options`` (another model, say).

    The recording is decoded again from the original, as on the first run, and goes through the normal path;
    ``database.save_transcript`` keeps every segment an editor touched and sets the new machine text beside it.
    When anything fails, the interview keeps its transcript as it was and stays transcribed.
    """
    db = database.open_database(archive.database)
    try:
        with write_failures_in_one_sentence(archive):
            found = database.interview(db, key)
            if not found:
                raise NotFound(f"There is no interview {key!r}: `loike status` lists the interview codes.")
            recording = database.recording_with_path(db, found.recording_id)
            if transcriber is None:  # a model that does not load fails here, before anything changes
                from pipeline.speech.transcribe import Transcriber

                transcriber = Transcriber(fitted(options, [recording]), cache or model_cache())
            result = Retranscribed(found.code, transcriber.options.model, RunReport(sheets_dir=archive.sheets_dir))
            with db.atomic():
                database.log_event(db, recording.id, "retranscribe", "ok",
                                f"asked for, model {transcriber.options.model}; segments editors touched are kept")
            _redo(db, archive, recording, transcriber, progress, result.run)
            if result.run.transcribed:
                result.segments, result.kept, result.beside = database.transcript_counts(
                    db, found.id, database.last_run(db, found.id))
            review_sheets.write_sheets(db, archive, only={found.id})
    finally:
        db.close()
    return result


def _redo(db: Database, archive: Archive, recording: Recording, transcriber, progress: Progress | None,
          report: RunReport) -> None:
    total = recording.length

    def advance(seconds: float) -> None:
        if progress:
            progress(min(seconds, total), total)

    try:
        with scheduling.Workers(1) as worker:
            job = begin(db, archive, recording, transcriber, report)
            pieces = slicing.read_chunks(job.decoded, transcriber.options.chunk_seconds)
            worker.submit(job, transcriber.transcribe, pieces, progress=advance, hotwords=job.hotwords)
            finish(db, archive, transcriber, worker.next_done(), report)
    except (LoikeError, OSError) as error:
        if isinstance(error, OSError) and is_write_failure(archive, error):
            raise
        fail(db, report, recording.id, recording.relpath, error,
             permanent=False)
        if recording.status == "transcribed":  # normalising again left it 'normalised'; the old transcript stands
            with db.atomic():
                database.update_recording(db, recording.id, status="transcribed")


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


def fail(db: Database, report: RunReport, recording_id: int | None, relpath: str, error: Exception,
         permanent: bool) -> None:
    kind = getattr(error, "kind", type(error).__name__)
    message = str(error)
    log.warning(message)
    report.failures.append(Problem(relpath, kind, message))
    database.record_problem(db, recording_id, relpath, kind, message, failed=permanent)
