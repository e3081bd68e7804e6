"""The append-only history of segments: every save at the desk kept as a revision (who, when, before, after).

``segment_revisions`` refuses UPDATE and DELETE (triggers of migration m007); a segment merged away keeps its
revisions under its old id, which is why no new segment is ever given that id again.
"""

from __future__ import annotations

import json

from pipeline.database.connection import now
from pipeline.database.models import Segment
from pipeline.database.review_records import LastEdit, Revision
from pipeline.database.sqlite import Database

SNAPSHOT = ("text", "speaker", "person_id", "start", "end", "review_status", "note")
"""What a revision keeps of a segment, before and after the change."""

REVISION_COLUMNS = ("id", "segment_id", "interview_id", "version", "action", "editor", "at", "before", "after")


def snapshot(segment: Segment) -> dict:
    """The fields of ``segment`` a revision keeps."""
    return {key: getattr(segment, key) for key in SNAPSHOT}


def add_revision(
    db: Database, segment: Segment, action: str, editor: str, before: dict | None, after: dict | None
) -> None:
    """Append a revision of ``segment`` at its ``version``; part of the caller's transaction."""
    db.execute(
        "INSERT INTO segment_revisions (segment_id, interview_id, version, action, editor, at, before, after) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [segment.id, segment.interview_id, segment.version, action, editor, now(), _encoded(before), _encoded(after)],
    )


def segment_history(db: Database, segment_id: int) -> list[Revision]:
    """Every revision of a segment, oldest first, with before and after decoded."""
    cursor = db.execute(
        f"SELECT {', '.join(REVISION_COLUMNS)} FROM segment_revisions WHERE segment_id = ? ORDER BY id", [segment_id]
    )
    return [decoded_revision(row) for row in cursor.fetchall()]


def last_edits(db: Database) -> dict[int, LastEdit]:
    """Per interview id: who last changed one of its segments, and when."""
    return {
        interview_id: LastEdit(interview_id, editor, at)
        for interview_id, editor, at in db.execute(
            "SELECT interview_id, editor, at FROM segment_revisions WHERE id IN "
            "(SELECT max(id) FROM segment_revisions GROUP BY interview_id)"
        ).fetchall()
    }


def decoded_revision(row: tuple) -> Revision:
    """A row of ``segment_revisions`` (``REVISION_COLUMNS``) with before and after decoded."""
    values = dict(zip(REVISION_COLUMNS, row))
    for key in ("before", "after"):
        values[key] = json.loads(values[key]) if values[key] else None
    return Revision(**values)


def _encoded(snapshot: dict | None) -> str | None:
    return json.dumps(snapshot, ensure_ascii=False) if snapshot is not None else None
