"""Run the stages in order over one archive: ingest → normalise → transcribe → store → render.

This is the library entry point: ``process_archive(archive(root))`` does what ``loike run`` does.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Callable, Collection
from functools import partial
from pathlib import Path

from pipeline import database
from pipeline.catalogue import metadata
from pipeline.database import Database
from pipeline.database.metadata_records import MetadataFound
from pipeline.database.models import Recording
from pipeline.errors import ArchiveError, PassedOver, RecordingError
from pipeline.i18n import _
from pipeline.intake import audio, discovery, slicing
from pipeline.intake.discovery import SourceFile
from pipeline.options import TranscribeOptions
from pipeline.publishing import review_sheets
from pipeline.publishing.transcript import CONSENT_VN
from pipeline.reports import Problem, RunReport
from pipeline.run import scheduling
from pipeline.run.steps import Progress, begin, fail, finish, guarded, write_failures_in_one_sentence
from pipeline.settings import Archive, model_cache
from pipeline.text import date_vn

log = logging.getLogger(__name__)


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
            _(
                "There is no recordings/ folder in {root}: create it and put the recordings in it, or pass "
                "--root with the archive's folder."
            ).format(root=archive.root)
        )
    with write_failures_in_one_sentence(archive):
        return _process(archive, options, cache, progress, settle_seconds, transcriber, should_stop, hold, cluster)


def _process(
    archive: Archive,
    options: TranscribeOptions,
    cache: Path | None,
    progress: Progress | None,
    settle_seconds: float,
    transcriber,
    should_stop: Callable[[], bool] | None = None,
    hold: Collection[str] = (),
    cluster=None,
) -> RunReport:
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
            database.log_event(
                db,
                database.recording_of(db, interview_id),
                "metadata",
                "error" if item.problems else "ok",
                str(item.source or "no metadata"),
            )
            if item.source:  # a missing file is counted below, not repeated as a warning per recording
                report.warnings += [Problem(item.recording, "metadata", str(p)) for p in item.problems]
        if applied.narrowed:
            consent = CONSENT_VN[applied.narrowed.status] + (
                f" đến {date_vn(applied.narrowed.until)}" if applied.narrowed.until else ""
            )
            database.log_event(db, database.recording_of(db, interview_id), "consent", "narrowed", consent)
            report.warnings.append(
                Problem(
                    item.recording,
                    "consent",
                    (
                        _(
                            "consent narrowed to {status} from {source} ('{consent}') although the file has "
                            "mistakes: the interview is no longer published"
                        ).format(status=applied.narrowed.status, source=item.source, consent=consent)
                    ),
                )
            )
    report.waiting_for_metadata = database.count_waiting_for_metadata(db)


def transcribe_pending(
    db: Database,
    archive: Archive,
    options: TranscribeOptions,
    cache: Path,
    progress: Progress | None,
    report: RunReport,
    transcriber=None,
    should_stop: Callable[[], bool] | None = None,
) -> None:
    """Transcribe what is pending, ``workers`` recordings at a time, the next one normalised ahead.

    Only this thread touches the database: the worker threads transcribe (see scheduling.py for why).
    """
    pending = database.recordings_to_process(db)
    if not pending:
        return
    if transcriber is None:
        from pipeline.speech.transcribe import Transcriber  # loads faster-whisper only when there is work

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
            job = guarded(
                db, archive, report, recording, partial(begin, db, archive, recording, transcriber, report, prefetch)
            )
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
