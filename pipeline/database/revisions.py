"""The append-only history of segments: every save at the desk kept as a revision (who, when, before, after).

``segment_revisions`` refuses UPDATE and DELETE (triggers of migration m007); a segment merged away keeps its
revisions under its old id, which is why no new segment is ever given that id again.
"""

from __future__ import annotations

import json

from pipeline.database.connection import now
from pipeline.database.models import Segment
from pipeline.database.review_records import EditorAction, LastEdit, Revision
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


def editor_actions(db: Database, interview_id: int) -> list[EditorAction]:
    """What editors did to an interview, oldest first: every save of a segment and every quote made.

    Quotes deleted leave no trace here yet: when the history of deleted quotes (migration m013) lands, add its
    rows to this list as ``quote_deleted``."""
    found = [
        EditorAction(revision.at, revision.editor, kind, None if idx is None else idx + 1)
        for revision, idx in _revisions_with_place(db, interview_id)
        if (kind := _kind(revision))
    ]
    found += [
        EditorAction(at, editor, "quote_made", None, f"#{quote_id}")
        for quote_id, editor, at in db.execute(
            "SELECT id, editor, created_at FROM quotes WHERE interview_id = ?", [interview_id]
        ).fetchall()
    ]
    return sorted(found, key=lambda action: action.at)


def _revisions_with_place(db: Database, interview_id: int) -> list[tuple[Revision, int | None]]:
    columns = ", ".join(f"r.{column}" for column in REVISION_COLUMNS)
    cursor = db.execute(
        f"SELECT {columns}, s.idx FROM segment_revisions r LEFT JOIN segments s ON s.id = r.segment_id "
        "WHERE r.interview_id = ? ORDER BY r.id",
        [interview_id],
    )
    return [(decoded_revision(row[:-1]), row[-1]) for row in cursor.fetchall()]


def _kind(revision: Revision) -> str | None:
    """How the log names a revision; None for the half of a merge that went into the other segment."""
    action = revision.action.split(":")[0]
    if action == "edit":
        was = (revision.before or {}).get("review_status")
        now_ = (revision.after or {}).get("review_status")
        if now_ == "verified" and was != "verified":
            return "verified"
        return "unverified" if was == "verified" and now_ != "verified" else "saved"
    names = {"split": "split", "merge": "merged", "tag": "tagged", "untag": "untagged", "restore": "restored"}
    return names.get(action)


def decoded_revision(row: tuple) -> Revision:
    """A row of ``segment_revisions`` (``REVISION_COLUMNS``) with before and after decoded."""
    values = dict(zip(REVISION_COLUMNS, row))
    for key in ("before", "after"):
        values[key] = json.loads(values[key]) if values[key] else None
    return Revision(**values)


def _encoded(snapshot: dict | None) -> str | None:
    return json.dumps(snapshot, ensure_ascii=False) if snapshot is not None else None


def interview_revisions(db: Database, interview_id: int) -> list[Revision]:
    """Every revision of every segment of an interview (merged-away ones too), oldest first."""
    cursor = db.execute(
        f"SELECT {', '.join(REVISION_COLUMNS)} FROM segment_revisions WHERE interview_id = ? ORDER BY id",
        [interview_id],
    )
    return [decoded_revision(row) for row in cursor.fetchall()]
