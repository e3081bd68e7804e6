"""Quotes as editors keep them at the desk: a passage of one interview for the book, from its first segment to
its last, with a comment and the people, places and events it is about.

Steps of the desk's transactions (``desk.editing`` opens them); nothing here commits.
"""

from __future__ import annotations

import json

from pipeline.database.connection import inserted_id, now
from pipeline.database.models import Tag
from pipeline.database.review import NAME_COLUMNS
from pipeline.database.review_records import Quote
from pipeline.database.sqlite import Database
from pipeline.database.subjects import TAG_TABLES

QUOTE_TAG_TABLES = {
    "person": ("quote_people", "person_id"),
    "place": ("quote_places", "place_id"),
    "event": ("quote_events", "event_id"),
}
QUOTE_COLUMNS = (
    "id",
    "interview_id",
    "first_segment_id",
    "last_segment_id",
    "start",
    "end",
    "text",
    "comment",
    "editor",
    "created_at",
    "updated_at",
)
SELECT_QUOTE = "SELECT " + ", ".join(f'"{column}"' for column in QUOTE_COLUMNS) + " FROM quotes"


def add_quote(
    db: Database,
    interview_id: int,
    first_segment_id: int,
    last_segment_id: int,
    *,
    start: float,
    end: float,
    text: str,
    comment: str | None,
    editor: str,
    tags: dict[str, list[int]],
) -> int:
    """Store a quote and its tags (kind → ids); returns its id."""
    stamp = now()
    quote_id = inserted_id(
        db.table("quotes").insert(
            {
                "interview_id": interview_id,
                "first_segment_id": first_segment_id,
                "last_segment_id": last_segment_id,
                "start": start,
                "end": end,
                "text": text,
                "comment": comment,
                "editor": editor,
                "created_at": stamp,
                "updated_at": stamp,
            }
        )
    )
    for kind, targets in tags.items():
        table, column = QUOTE_TAG_TABLES[kind]
        for target in targets:
            db.execute(f"INSERT OR IGNORE INTO {table} (quote_id, {column}) VALUES (?, ?)", [quote_id, target])
    return quote_id


def quote(db: Database, quote_id: int) -> Quote | None:
    found = _with_tags(db, _quotes(db, " WHERE id = ?", [quote_id]))
    return found[0] if found else None


def interview_quotes(db: Database, interview_id: int) -> list[Quote]:
    """An interview's quotes, in the order they are heard."""
    return _with_tags(db, _quotes(db, " WHERE interview_id = ? ORDER BY start, id", [interview_id]))


def delete_quote(db: Database, quote_id: int) -> None:
    for table, _ in QUOTE_TAG_TABLES.values():
        db.execute(f"DELETE FROM {table} WHERE quote_id = ?", [quote_id])
    db.execute("DELETE FROM quotes WHERE id = ?", [quote_id])


def _quotes(db: Database, where: str, parameters: list) -> list[Quote]:
    return [Quote(**dict(zip(QUOTE_COLUMNS, row))) for row in db.execute(SELECT_QUOTE + where, parameters)]


def _with_tags(db: Database, found: list[Quote]) -> list[Quote]:
    """Each quote's tags: its people, then places, then events, each kind in the order of their ids."""
    by_id = {quote.id: quote for quote in found}
    if not by_id:
        return found
    ids = json.dumps(list(by_id))
    for kind, (table, column) in QUOTE_TAG_TABLES.items():
        targets = TAG_TABLES[kind][2]
        name = NAME_COLUMNS[targets]
        for quote_id, target, label in db.execute(
            f"SELECT q.quote_id, x.id, x.{name} FROM {table} q JOIN {targets} x ON x.id = q.{column} "
            f"WHERE q.quote_id IN (SELECT value FROM json_each(?)) ORDER BY q.quote_id, q.{column}",
            [ids],
        ).fetchall():
            by_id[quote_id].tags.append(Tag(kind, target, label))
    return found
