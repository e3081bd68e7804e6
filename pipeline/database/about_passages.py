"""The workshop's reading of the archive: one event or place by its number, every passage about a subject (tagged
with it, or naming it or one of its other names), and the interviews whose metadata names it.

Unlike the subject pages, which list a few passages of each interview, a dossier lists them all.
"""

from __future__ import annotations

import json
import re

from pipeline.database.connection import rows
from pipeline.database.models import Event, Place
from pipeline.database.sqlite import Database
from pipeline.database.subjects import TAG_TABLES
from pipeline.database.workshop_records import AboutPassage
from pipeline.text import fold

ABOUT = """
WITH phrases(phrase) AS (SELECT value FROM json_each(?)),
hits(segment, how) AS (
    SELECT segments_fts.rowid, 'mentioned' FROM phrases CROSS JOIN segments_fts WHERE segments_fts MATCH phrases.phrase
    UNION ALL SELECT segment_id, 'tagged' FROM {table} WHERE {column} = ?)
SELECT s.id AS segment_id, s.interview_id, i.code, s.idx, s.start, s.end, s.text, s.review_status, s.flags,
       s.speaker, coalesce(s.person_id, sp.person_id) AS person_id, group_concat(DISTINCT hits.how) AS how,
       coalesce(i.consent_status, 'unknown') AS consent_status, i.consent_until, i.date AS interview_date
FROM hits JOIN segments s ON s.id = hits.segment JOIN interviews i ON i.id = s.interview_id
LEFT JOIN speakers sp ON sp.interview_id = s.interview_id AND sp.label = s.speaker
GROUP BY s.id ORDER BY i.code, s.idx
"""
NAMING = {
    "event": "SELECT i.code FROM interview_events x JOIN interviews i ON i.id = x.interview_id WHERE x.event_id = ?",
    "person": "SELECT DISTINCT i.code FROM interview_people x JOIN interviews i ON i.id = x.interview_id "
    "WHERE x.person_id = ?",
    "place": "WITH RECURSIVE below(id) AS (SELECT ? UNION ALL SELECT p.id FROM places p JOIN below ON p.parent_id = "
    "below.id) SELECT i.code FROM interviews i JOIN below ON i.place_id = below.id",
}


def event(db: Database, event_id: int) -> Event | None:
    """One event with its date as described, its place and other names."""
    found = db.execute(
        "SELECT e.id, e.name, e.date_start, e.date_end, p.name, e.aliases FROM events e "
        "LEFT JOIN places p ON p.id = e.place_id WHERE e.id = ?",
        [event_id],
    ).fetchone()
    if not found:
        return None
    id_, name, start, end, where, aliases = found
    return Event(id_, name, start, end, where, json.loads(aliases or "[]"))


def place(db: Database, place_id: int) -> Place | None:
    """One place with the place it lies in and its former names."""
    found = db.execute(
        "SELECT p.id, p.name, p.kind, p.parent_id, parent.name, p.former_names FROM places p "
        "LEFT JOIN places parent ON parent.id = p.parent_id WHERE p.id = ?",
        [place_id],
    ).fetchone()
    if not found:
        return None
    id_, name, kind, parent_id, parent, former = found
    return Place(id_, name, kind, parent_id, parent, json.loads(former or "[]"))


def passages_about(db: Database, kind: str, subject_id: int, names: list[str]) -> list[AboutPassage]:
    """Every passage tagged with the subject or naming one of ``names`` (any tones, any case), by interview code
    and place in the interview; each once, with every way it was found."""
    table, column, _ = TAG_TABLES[kind]
    phrases = ['text_folded : "' + " ".join(words) + '"' for name in names if (words := re.findall(r"\w+", fold(name)))]
    found = rows(db.execute(ABOUT.format(table=table, column=column), [json.dumps(phrases), subject_id]))
    return [AboutPassage(**{**row, "how": tuple(sorted(row["how"].split(",")))}) for row in found]


def interviews_naming(db: Database, kind: str, subject_id: int) -> list[str]:
    """The codes of the interviews whose metadata names the subject (for a place: held there or under it)."""
    return sorted({row[0] for row in db.execute(NAMING[kind], [subject_id])})
