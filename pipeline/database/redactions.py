"""Passages closed to the public until a date: recorded, listed and withdrawn, never deleted; every change is also
kept in ``public_revisions``."""

from __future__ import annotations

from dataclasses import asdict, fields

from pipeline.database.connection import inserted_id, now
from pipeline.database.index_points import add_public_revision
from pipeline.database.public_records import Redaction
from pipeline.database.sqlite import Database

COLUMNS = tuple(f.name for f in fields(Redaction))


def add_redaction(db: Database, redaction: Redaction) -> int:
    """Record a closed passage (its id and created_at are set here); part of the caller's transaction."""
    values = {key: value for key, value in asdict(redaction).items() if key != "id"} | {"created_at": now()}
    table = db.table("redactions")
    table.insert(values)
    redaction_id = inserted_id(table)
    after = redaction_record(db, redaction_id)
    add_public_revision(db, redaction.interview_id, "redaction", redaction_id, "close", redaction.editor, None, after)
    return redaction_id


def redactions(db: Database, interview_id: int | None = None) -> list[Redaction]:
    """The passages closed in one interview (or in all), withdrawn ones too, in the order they are heard."""
    where, args = ("WHERE interview_id = ?", [interview_id]) if interview_id is not None else ("", [])
    cursor = db.execute(f"SELECT {', '.join(COLUMNS)} FROM redactions {where} ORDER BY interview_id, start, id", args)
    return [Redaction(**dict(zip(COLUMNS, row))) for row in cursor.fetchall()]


def redaction(db: Database, redaction_id: int) -> Redaction | None:
    row = db.execute(f"SELECT {', '.join(COLUMNS)} FROM redactions WHERE id = ?", [redaction_id]).fetchone()
    return Redaction(**dict(zip(COLUMNS, row))) if row else None


def redaction_record(db: Database, redaction_id: int) -> dict | None:
    found = redaction(db, redaction_id)
    return asdict(found) if found else None


def withdraw_redaction(db: Database, redaction_id: int, editor: str) -> None:
    """Open a passage before its date (a redaction made by mistake); the row and its history stay."""
    before = redaction_record(db, redaction_id)
    if before is None:
        return
    db.execute(
        "UPDATE redactions SET withdrawn_at = ?, withdrawn_by = ? WHERE id = ? AND withdrawn_at IS NULL",
        [now(), editor, redaction_id],
    )
    after = redaction_record(db, redaction_id)
    add_public_revision(db, before["interview_id"], "redaction", redaction_id, "withdraw", editor, before, after)
