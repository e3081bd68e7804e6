"""The points of an interview's index, as editors place them at the desk, and the append-only history of every
change to them and to redactions (``public_revisions``, which refuses UPDATE and DELETE)."""

from __future__ import annotations

import json

from pipeline.database.connection import inserted_id, now
from pipeline.database.public_records import IndexPoint
from pipeline.database.sqlite import Database
from pipeline.text import fold

TEXTS = ("title", "synopsis", "partial_transcript", "title_alt", "synopsis_alt", "partial_transcript_alt")
LISTS = ("keywords", "subjects", "keywords_alt", "subjects_alt")
COLUMNS = ("id", "interview_id", "time", *TEXTS, *LISTS, "editor", "updated_at")


def index_points(db: Database, interview_id: int) -> list[IndexPoint]:
    """An interview's index, in the order of its times."""
    cursor = db.execute(
        f"SELECT {', '.join(COLUMNS)} FROM index_points WHERE interview_id = ? ORDER BY time, id", [interview_id]
    )
    return [point_from_row(row) for row in cursor.fetchall()]


def all_index_points(db: Database) -> dict[int, list[IndexPoint]]:
    """Every interview's index, by interview id (those without one are absent)."""
    found: dict[int, list[IndexPoint]] = {}
    for row in db.execute(f"SELECT {', '.join(COLUMNS)} FROM index_points ORDER BY interview_id, time, id"):
        point = point_from_row(row)
        found.setdefault(point.interview_id, []).append(point)
    return found


def index_point(db: Database, point_id: int) -> IndexPoint | None:
    row = db.execute(f"SELECT {', '.join(COLUMNS)} FROM index_points WHERE id = ?", [point_id]).fetchone()
    return point_from_row(row) if row else None


def save_index_point(db: Database, point: IndexPoint, editor: str) -> int:
    """Insert ``point`` (id 0) or replace the stored one of its id; either way a revision is appended. Part of the
    caller's transaction."""
    before = index_point(db, point.id) if point.id else None
    values = {name: getattr(point, name) for name in ("interview_id", "time", *TEXTS)}
    values |= {name: json.dumps(getattr(point, name), ensure_ascii=False) for name in LISTS}
    values |= {"editor": editor, "updated_at": now(), "search_folded": fold(searchable(point))}
    if before is None:
        table = db.table("index_points")
        table.insert(values)
        point_id = inserted_id(table)
    else:
        point_id = point.id
        db.table("index_points").update(point_id, values)
    after = index_point(db, point_id)
    add_public_revision(db, point.interview_id, "index_point", point_id, "save", editor, _plain(before), _plain(after))
    return point_id


def searchable(point: IndexPoint) -> str:
    """Every text of ``point`` (its lists' items included) in one, as search reads it (folded into
    ``search_folded``)."""
    return " ".join(
        [*(t for t in (getattr(point, name) for name in TEXTS) if t), *(i for n in LISTS for i in getattr(point, n))]
    )


def delete_index_point(db: Database, point: IndexPoint, editor: str) -> None:
    db.execute("DELETE FROM index_points WHERE id = ?", [point.id])
    add_public_revision(db, point.interview_id, "index_point", point.id, "delete", editor, _plain(point), None)


def add_public_revision(
    db: Database, interview_id: int, kind: str, record_id: int, action: str, editor: str, before, after
) -> None:
    """Append one change of an index point or a redaction to ``public_revisions``."""
    db.execute(
        "INSERT INTO public_revisions (interview_id, kind, record_id, action, editor, at, before, after) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [interview_id, kind, record_id, action, editor, now(), _json(before), _json(after)],
    )


def public_history(db: Database, interview_id: int, kind: str) -> list[dict]:
    """Every change of one kind ("index_point" or "redaction") in an interview, oldest first."""
    cursor = db.execute(
        "SELECT id, record_id, action, editor, at, before, after FROM public_revisions "
        "WHERE interview_id = ? AND kind = ? ORDER BY id",
        [interview_id, kind],
    )
    names = ("id", "record_id", "action", "editor", "at", "before", "after")
    history = [dict(zip(names, row)) for row in cursor.fetchall()]
    for change in history:
        for key in ("before", "after"):
            change[key] = json.loads(change[key]) if change[key] else None
    return history


def point_from_row(row: tuple) -> IndexPoint:
    """A point from a row of ``COLUMNS``, its lists read back from JSON."""
    values = dict(zip(COLUMNS, row))
    for name in TEXTS:
        values[name] = values[name] or ""
    for name in LISTS:
        values[name] = json.loads(values[name] or "[]")
    return IndexPoint(**values)


def _plain(point: IndexPoint | None) -> dict | None:
    return None if point is None else {name: getattr(point, name) for name in COLUMNS}


def _json(value) -> str | None:
    return json.dumps(value, ensure_ascii=False) if value is not None else None
