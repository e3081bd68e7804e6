"""The quotes editors chose, as the manuscript export reads them: each with its interview, who speaks it, what it
and the passages it spans are tagged with, whether every one of those passages is verified, and where the interview
was held; and the events they are about, with their dates. A few queries for all the quotes, none for each.

The desk creates and deletes quotes (``desk.editing``); this module only reads them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from pipeline.database.connection import id_list
from pipeline.database.search_records import DatedEvent, ManuscriptQuote, QuoteTag
from pipeline.database.sqlite import Database

# The person an editor set on the quote's first passage, else the person its speaker label is mapped to, else the
# interview's witness when it has exactly one.
QUOTES = """
SELECT q.id, q.interview_id, i.code, q.text, q.start, q."end", q.comment, i.date, i.place_id,
       coalesce(i.consent_status, 'unknown'), i.consent_until,
       coalesce(f.person_id,
                (SELECT sp.person_id FROM speakers sp WHERE sp.interview_id = q.interview_id AND sp.label IS f.speaker),
                (SELECT min(w.person_id) FROM interview_people w WHERE w.interview_id = q.interview_id
                 AND w.role = 'witness' HAVING count(*) = 1)),
       NOT EXISTS (SELECT 1 FROM segments s WHERE s.interview_id = q.interview_id AND s.idx BETWEEN f.idx AND l.idx
                   AND s.review_status != 'verified')
FROM quotes q JOIN interviews i ON i.id = q.interview_id
JOIN segments f ON f.id = q.first_segment_id JOIN segments l ON l.id = q.last_segment_id
{where}
ORDER BY i.date, i.code, q.start, q.id
"""
# Targets tagged on the quote itself or on any passage it spans.
LINKED = """
SELECT q.id, x.{column} FROM quotes q JOIN quote_{table} x ON x.quote_id = q.id {where}
UNION
SELECT q.id, t.{column} FROM quotes q JOIN segments f ON f.id = q.first_segment_id
JOIN segments l ON l.id = q.last_segment_id
JOIN segments s ON s.interview_id = q.interview_id AND s.idx BETWEEN f.idx AND l.idx
JOIN segment_{table} t ON t.segment_id = s.id {where}
"""
TAGS = """
SELECT x.quote_id, 1, x.person_id, 'person', p.full_name FROM quote_people x JOIN people p ON p.id = x.person_id
UNION ALL SELECT x.quote_id, 2, x.place_id, 'place', p.name FROM quote_places x JOIN places p ON p.id = x.place_id
UNION ALL SELECT x.quote_id, 3, x.event_id, 'event', e.name FROM quote_events x JOIN events e ON e.id = x.event_id
ORDER BY 1, 2, 3
"""


def manuscript_quotes(db: Database, interview_ids: Collection[int] | None = None) -> list[ManuscriptQuote]:
    """Every quote (of these interviews, if given), in the order of their interviews' dates and codes, then of
    their start."""
    where = f"WHERE q.interview_id IN {id_list(interview_ids)}" if interview_ids is not None else ""
    people, places, events = (
        _linked(db, table, column, where)
        for table, column in (("people", "person_id"), ("places", "place_id"), ("events", "event_id"))
    )
    named_events = _grouped(db.execute("SELECT interview_id, event_id FROM interview_events"))
    tags = _grouped((quote_id, QuoteTag(kind, name)) for quote_id, _, _, kind, name in db.execute(TAGS))
    held = {
        pid: (name, kind, parent)
        for pid, name, kind, parent in db.execute("SELECT id, name, kind, parent_id FROM places")
    }
    found = []
    for (
        quote_id,
        interview_id,
        code,
        text,
        start,
        end,
        comment,
        day,
        place_id,
        consent,
        until,
        witness,
        verified,
    ) in db.execute(QUOTES.format(where=where)):
        commune, place_name = _where_held(held, place_id)
        found.append(
            ManuscriptQuote(
                quote_id,
                interview_id,
                code,
                text,
                start,
                end,
                comment,
                day,
                place_id,
                place_name,
                commune,
                consent,
                until,
                witness,
                bool(verified),
                frozenset(people[quote_id]),
                frozenset(places[quote_id]),
                frozenset(events[quote_id]),
                frozenset(named_events[interview_id]),
                tuple(tags[quote_id]),
            )
        )
    return found


def _linked(db: Database, table: str, column: str, where: str) -> dict[int, list[int]]:
    return _grouped(db.execute(LINKED.format(table=table, column=column, where=where)))


def _grouped(pairs) -> defaultdict[int, list]:
    grouped = defaultdict(list)
    for key, value in pairs:
        grouped[key].append(value)
    return grouped


def _where_held(places: dict[int, tuple[str, str, int | None]], place_id: int | None) -> tuple[str | None, str | None]:
    """(The commune the place is or lies in, the most precise place named), up from ``place_id``."""
    first = None
    while place_id:
        name, kind, place_id = places[place_id]
        if kind == "commune":
            return name, first or name
        first = first or name
    return None, first


def dated_events(db: Database, ids: Collection[int]) -> list[DatedEvent]:
    """These events, earliest first (undated ones last), then by name."""
    return [
        DatedEvent(*row)
        for row in db.execute(
            f"SELECT id, name, date_start, date_end FROM events WHERE id IN {id_list(ids)} "
            "ORDER BY coalesce(date_start, '9999'), name, id"
        )
    ]


def interview_numbered(db: Database, key: str) -> int | None:
    """The id of the interview with this code (LK-2026-001) or number, if there is one."""
    found = db.execute("SELECT id FROM interviews WHERE code = ? OR CAST(id AS TEXT) = ?", [key, key]).fetchone()
    return found[0] if found else None


def interviews_held_in(db: Database, place_ids: Collection[int]) -> frozenset[int]:
    return frozenset(r[0] for r in db.execute(f"SELECT id FROM interviews WHERE place_id IN {id_list(place_ids)}"))
