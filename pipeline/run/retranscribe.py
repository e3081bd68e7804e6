"""Transcribe one interview again (``loike retranscribe``), with another model say, keeping every segment an editor
touched."""

from __future__ import annotations

import logging
from pathlib import Path

from pipeline import database
from pipeline.database import Database
from pipeline.database.models import Recording
from pipeline.errors import LoikeError, NotFound
from pipeline.i18n import _
from pipeline.intake import slicing
from pipeline.options import TranscribeOptions
from pipeline.publishing import review_sheets
from pipeline.reports import Retranscribed, RunReport
from pipeline.run import scheduling
from pipeline.run.process import fitted
from pipeline.run.steps import Progress, begin, fail, finish, is_write_failure, write_failures_in_one_sentence
from pipeline.settings import Archive, model_cache

log = logging.getLogger(__name__)


def retranscribe(
    archive: Archive,
    key: str,
    options: TranscribeOptions = TranscribeOptions(),
    cache: Path | None = None,
    progress: Progress | None = None,
    transcriber=None,
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
                raise NotFound(
                    _("There is no interview {key!r}: `loike status` lists the interview codes.").format(key=key)
                )
            recording = database.recording_with_path(db, found.recording_id)
            if transcriber is None:  # a model that does not load fails here, before anything changes
                from pipeline.speech.transcribe import Transcriber

                transcriber = Transcriber(fitted(options, [recording]), cache or model_cache())
            result = Retranscribed(found.code, transcriber.options.model, RunReport(sheets_dir=archive.sheets_dir))
            with db.atomic():
                database.log_event(
                    db,
                    recording.id,
                    "retranscribe",
                    "ok",
                    f"asked for, model {transcriber.options.model}; segments editors touched are kept",
                )
            _redo(db, archive, recording, transcriber, progress, result.run)
            if result.run.transcribed:
                result.segments, result.kept, result.beside = database.transcript_counts(
                    db, found.id, database.last_run(db, found.id)
                )
            review_sheets.write_sheets(db, archive, only={found.id})
    finally:
        db.close()
    return result


def _redo(
    db: Database, archive: Archive, recording: Recording, transcriber, progress: Progress | None, report: RunReport
) -> None:
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
        fail(db, report, recording.id, recording.relpath, error, permanent=False)
        if recording.status == "transcribed":  # normalising again left it 'normalised'; the old transcript stands
            with db.atomic():
                database.update_recording(db, recording.id, status="transcribed")
