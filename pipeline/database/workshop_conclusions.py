"""The workshop's conclusions: appended, never changed (triggers refuse it), the latest on each aspect of an event
being the one in force; and an event's date, the workshop's settled one when there is one."""

from __future__ import annotations

import json
from collections.abc import Sequence

from pipeline.database.connection import id_list, now, rows, writing
from pipeline.database.sqlite import Database
from pipeline.database.workshop_records import ASPECTS, CitedPassage, Conclusion, EventDate
from pipeline.errors import NotFound
from pipeline.i18n import _


def add_conclusion(
    db: Database,
    event_id: int,
    aspect: str,
    answer: str,
    decided_by: str,
    decided_on: str,
    editor: str,
    reasons: str | None = None,
    date_start: str | None = None,
    date_end: str | None = None,
    segment_ids: Sequence[int] = (),
) -> Conclusion:
    """Record what the workshop settled; it replaces (and keeps) the conclusion on the same aspect before it."""
    if aspect not in ASPECTS:
        raise ValueError(f"Unknown aspect {aspect!r}: use one of {', '.join(ASPECTS)}.")
    with writing(db):
        if not db.execute("SELECT 1 FROM events WHERE id = ?", [event_id]).fetchone():
            raise NotFound(
                _("There is no event {event_id}: `loike events` lists them with their numbers.").format(
                    event_id=event_id
                )
            )
        cited = _cited(db, segment_ids)
        before = db.execute(
            "SELECT max(id) FROM workshop_conclusions WHERE event_id = ? AND aspect = ?", [event_id, aspect]
        ).fetchone()[0]
        row = {
            "event_id": event_id,
            "aspect": aspect,
            "answer": answer,
            "date_start": date_start,
            "date_end": date_end,
            "reasons": reasons,
            "decided_by": decided_by,
            "decided_on": decided_on,
            "editor": editor,
            "recorded_at": now(),
            "passages": json.dumps([[c.segment_id, c.code, c.start] for c in cited]),
            "replaces": before,
        }
        made = db.table("workshop_conclusions").insert(row).last_pk
    return conclusions(db, event_id, only=made)[0]


def _cited(db: Database, segment_ids: Sequence[int]) -> list[CitedPassage]:
    found = {
        row[0]: CitedPassage(*row)
        for row in db.execute(
            "SELECT s.id, i.code, s.start FROM segments s JOIN interviews i ON i.id = s.interview_id "
            f"WHERE s.id IN {id_list(segment_ids)}"
        )
    }
    missing = [str(sid) for sid in segment_ids if sid not in found]
    if missing:
        raise NotFound(
            _("There is no passage {numbers}: the dossier gives each passage's number.").format(
                numbers=", ".join(missing)
            )
        )
    return [found[sid] for sid in dict.fromkeys(segment_ids)]


def conclusions(db: Database, event_id: int | None = None, only: int | None = None) -> list[Conclusion]:
    """Every conclusion recorded (of one event), the history included: by event, aspect, then as recorded."""
    where, parameters = [], []
    for column, value in (("event_id", event_id), ("id", only)):
        if value is not None:
            where.append(f"{column} = ?")
            parameters.append(value)
    found = rows(
        db.execute(
            "SELECT * FROM workshop_conclusions"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY event_id, aspect, id",
            parameters,
        )
    )
    return [Conclusion(**{**row, "passages": [CitedPassage(*p) for p in json.loads(row["passages"])]}) for row in found]


def conclusions_in_force(db: Database, event_id: int) -> dict[str, Conclusion]:
    """The latest conclusion on each aspect of an event."""
    return {c.aspect: c for c in conclusions(db, event_id)}


def event_dates(db: Database) -> dict[int, EventDate]:
    """Every event's date: the workshop's latest settled date where there is one, else the event's own."""
    settled = {
        row[0]: EventDate(row[1], row[2], True, row[3])
        for row in db.execute(
            "SELECT event_id, date_start, date_end, max(id) FROM workshop_conclusions "
            "WHERE aspect = 'date' GROUP BY event_id"
        )
    }
    own = {row[0]: EventDate(row[1], row[2]) for row in db.execute("SELECT id, date_start, date_end FROM events")}
    return own | settled


def event_date(db: Database, event_id: int) -> EventDate:
    """An event's date: the workshop's settled one when there is one, else the one it was described with (both
    None when it has neither). What a citation names as "the time of the event"."""
    settled = db.execute(
        "SELECT date_start, date_end, id FROM workshop_conclusions WHERE event_id = ? AND aspect = 'date' "
        "ORDER BY id DESC LIMIT 1",
        [event_id],
    ).fetchone()
    if settled:
        return EventDate(settled[0], settled[1], True, settled[2])
    own = db.execute("SELECT date_start, date_end FROM events WHERE id = ?", [event_id]).fetchone()
    return EventDate(*own) if own else EventDate(None, None)
