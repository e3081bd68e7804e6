"""Transcripts: one recording's segments and words stored in one transaction, and read back.

Transcribed again, an interview keeps every segment an editor touched (``kept_edits``).
"""

from __future__ import annotations

import json
from itertools import groupby
from operator import itemgetter
from pathlib import Path

from pipeline import crashtest
from pipeline.database import kept_edits
from pipeline.database.connection import connect, inserted_id
from pipeline.database.heard import MachineSegment
from pipeline.database.models import Segment, Word
from pipeline.database.recordings import interview_id_of, log_event, update_recording
from pipeline.database.sqlite import Database
from pipeline.errors import NotFound
from pipeline.i18n import _
from pipeline.text import fold

# --- transcripts -----------------------------------------------------------------------------


def save_transcript(db: Database, recording_id: int, segments: list[MachineSegment], run: dict) -> int:
    """Store one recording's transcript and its run record atomically; returns the run id.

    Transcribed again, an interview keeps every segment an editor touched (``kept_edits.touched``), words and all;
    a new segment standing for one of them goes beside it in ``segment_alternatives``; every other old segment
    is replaced by the new ones. Inside one transaction, so a crash leaves the old transcript whole.
    """
    interview_id = interview_id_of(db, recording_id)
    with db.atomic():
        # The run row first: this write takes the database's write lock, so no editor's save can slip in
        # between finding the touched segments and replacing the rest.
        run_id = inserted_id(
            db.table("transcription_runs").insert(
                {
                    **run,
                    "interview_id": interview_id,
                    "settings": json.dumps(run["settings"], ensure_ascii=False),
                    "versions": json.dumps(run["versions"]),
                }
            )
        )
        kept = kept_edits.touched(db, interview_id)
        first_id = kept_edits.next_segment_id(db)
        _delete_machine_segments(db, interview_id, [k["id"] for k in kept])
        placement = kept_edits.place(segments, kept)
        first_idx = db.execute(
            "SELECT coalesce(max(idx) + 1, 0) FROM segments WHERE interview_id = ?", [interview_id]
        ).fetchone()[0]
        for i, segment in enumerate(placement.insert):
            _insert_segment(db, interview_id, run_id, first_idx + i, segment, first_id + i)
            if i == 0:
                crashtest.checkpoint("storing")  # the crash tests kill here: the transaction must roll back
        for kept_id, beside in placement.beside.items():
            db.table("segment_alternatives").insert_all(
                {"segment_id": kept_id, "run_id": run_id, "start": s.start, "end": s.end, "text": s.text}
                for s in beside
            )
        if kept:
            kept_edits.renumber(db, interview_id)
        update_recording(db, recording_id, status="transcribed")
        versions = run.get("versions") or {}
        tool = ", ".join(f"{name.replace('_', '-')} {v}" for name, v in versions.items()) or None
        detail = f"{len(placement.insert)} segments, model {run.get('model')}"
        if kept:
            detail += (
                f"; {len(kept)} segments editors had touched kept, "
                f"{sum(map(len, placement.beside.values()))} new texts set beside them"
            )
        log_event(db, recording_id, "transcribed", "ok", detail, tool=tool)
    return run_id


def _delete_machine_segments(db: Database, interview_id: int, keep_ids: list[int]) -> None:
    """Delete the interview's segments (with their words and any text kept beside them), except ``keep_ids``."""
    going = (
        "SELECT id FROM segments WHERE interview_id = ? AND id NOT IN (SELECT value FROM json_each(?))",
        [interview_id, json.dumps(keep_ids)],
    )
    for table in ("words", "segment_alternatives"):
        db.execute(f"DELETE FROM {table} WHERE segment_id IN ({going[0]})", going[1])
    db.execute(f"DELETE FROM segments WHERE id IN ({going[0]})", going[1])


def _insert_segment(
    db: Database, interview_id: int, run_id: int, idx: int, segment: MachineSegment, segment_id: int
) -> int:
    db.table("segments").insert(
        {
            "id": segment_id,
            "interview_id": interview_id,
            "run_id": run_id,
            "idx": idx,
            "start": segment.start,
            "end": segment.end,
            "text": segment.text,
            "text_folded": fold(segment.text),
            "speaker": segment.speaker,
            "avg_logprob": segment.avg_logprob,
            "no_speech_prob": segment.no_speech_prob,
            "compression_ratio": segment.compression_ratio,
            "review_status": "machine",
            "flags": ",".join(segment.flags) or None,
            "heard_again": segment.heard_again,
        }
    )
    db.table("words").insert_all(
        {
            "segment_id": segment_id,
            "idx": i,
            "start": w.start,
            "end": w.end,
            "text": w.text,
            "probability": w.probability,
            "lowest": w.lowest,
        }
        for i, w in enumerate(segment.words)
    )
    return segment_id


SEGMENT_COLUMNS = (
    "id",
    "interview_id",
    "idx",
    "start",
    "end",
    "text",
    "review_status",
    "run_id",
    "speaker",
    "avg_logprob",
    "no_speech_prob",
    "compression_ratio",
    "text_folded",
    "flags",
    "version",
    "note",
    "edited_by",
    "edited_at",
    "person_id",
    "heard_again",
)
SELECT_SEGMENTS = "SELECT " + ", ".join(f'"{c}"' for c in SEGMENT_COLUMNS) + " FROM segments "


def segments(db: Database, interview_id: int, with_words: bool = True) -> list[Segment]:
    """An interview's segments in order, each with its words."""
    segs = [
        Segment(*row) for row in db.execute(SELECT_SEGMENTS + "WHERE interview_id = ? ORDER BY idx", [interview_id])
    ]
    if with_words:
        found = db.execute(
            "SELECT w.segment_id, w.start, w.end, w.text, w.probability, w.lowest FROM words w "
            "JOIN segments s ON s.id = w.segment_id WHERE s.interview_id = ? ORDER BY w.segment_id, w.idx",
            [interview_id],
        ).fetchall()
        words = {segment_id: [Word(*w[1:]) for w in group] for segment_id, group in groupby(found, key=itemgetter(0))}
        for seg in segs:
            seg.words = words.get(seg.id, [])
    return segs


def sheet_segments(db: Database, interview_id: int) -> list[Segment]:
    """``segments`` for a review sheet, lighter: each segment's words as the rows (segment id, text,
    probability, lowest token probability) SQLite gives, the only parts of a word a sheet shows. An hour of speech
    has some 10,000 words, and making an object of each was a third of the time a sheet took. Each segment's
    ``speaker`` is the name the sheet shows: the person an editor chose for it, else the person its label was
    said to be, else the label."""
    segs = segments(db, interview_id, with_words=False)
    found = db.execute(
        "SELECT segment_id, text, probability, lowest FROM words WHERE segment_id IN "
        "(SELECT id FROM segments WHERE interview_id = ?) ORDER BY segment_id, idx",
        [interview_id],
    ).fetchall()
    words = {segment_id: list(group) for segment_id, group in groupby(found, key=itemgetter(0))}
    labels = dict(
        db.execute(
            "SELECT s.label, p.full_name FROM speakers s JOIN people p ON p.id = s.person_id WHERE s.interview_id = ?",
            [interview_id],
        ).fetchall()
    )
    chosen = dict(
        db.execute(
            "SELECT id, full_name FROM people WHERE id IN (SELECT person_id FROM segments WHERE interview_id = ?)",
            [interview_id],
        ).fetchall()
    )
    for seg in segs:
        seg.words = words.get(seg.id, [])
        seg.speaker = chosen.get(seg.person_id) or labels.get(seg.speaker) or seg.speaker
    return segs


class SheetSegments:
    """``sheet_segments`` by interview id, through a connection of its own opened on first use: it pickles as the
    database's path, so each process that renders sheets reads through its own connection."""

    def __init__(self, path: Path):
        self.path = path
        self.db: Database | None = None

    def __getstate__(self) -> dict:
        return {"path": self.path, "db": None}

    def __call__(self, interview_id: int) -> list[Segment]:
        if self.db is None:
            self.db = connect(self.path)
        return sheet_segments(self.db, interview_id)

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None


def transcript_counts(db: Database, interview_id: int, run_id: int) -> tuple[int, int, int]:
    """After a run: the interview's segments, those kept from earlier runs, and texts the run set beside them."""
    count, kept = db.execute(
        "SELECT count(*), coalesce(sum(run_id IS NOT ?), 0) FROM segments WHERE interview_id = ?",
        [run_id, interview_id],
    ).fetchone()
    beside = db.execute("SELECT count(*) FROM segment_alternatives WHERE run_id = ?", [run_id]).fetchone()[0]
    return count, kept, beside


def last_run(db: Database, interview_id: int) -> int:
    """The interview's latest transcription run; NotFound before its first."""
    run_id = db.execute("SELECT max(id) FROM transcription_runs WHERE interview_id = ?", [interview_id]).fetchone()[0]
    if run_id is None:
        raise NotFound(_("Interview {id} has not been transcribed yet.").format(id=interview_id))
    return run_id
