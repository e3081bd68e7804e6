"""Interviews as listed and shown: each with its recording's facts, its metadata and its review progress."""

from __future__ import annotations

from pipeline.database.connection import rows
from pipeline.database.models import Interview
from pipeline.database.sqlite import Database

INTERVIEW_SUMMARY = """
SELECT i.id, i.code, i.title, r.id AS recording_id, r.sha256, r.size, r.container, r.codec, r.channels,
       r.sample_rate, r.declared_duration, r.decoded_duration AS duration, r.gain_db,
       CASE WHEN r.status = 'transcribed' THEN 'transcribed' WHEN r.status = 'failed' THEN 'failed'
            ELSE 'pending' END AS status,
       r.problem_kind, r.problem, r.first_seen, r.source_path,
       run.finished_at AS transcribed_at, run.model,
       (SELECT count(*) FROM segments s WHERE s.interview_id = i.id) AS segment_count,
       (SELECT count(*) FROM segments s WHERE s.interview_id = i.id AND s.review_status = 'verified')
           AS verified_count,
       (SELECT count(*) FROM segments s WHERE s.interview_id = i.id AND s.flags IS NOT NULL) AS flagged_count,
       (SELECT count(*) FROM segments s WHERE s.interview_id = i.id AND s.flags LIKE '%unwritten_speech%'
            AND s.text = '') AS unwritten_count,
       (SELECT count(*) FROM segments s WHERE s.interview_id = i.id AND s.speaker IS NOT NULL) AS labelled_count,
       i.date, i.place, i.notes, i.equipment, i.topics,
       coalesce(i.consent_status, 'unknown') AS consent_status, i.consent_until, i.consent_by,
       i.metadata_status, i.metadata_problems, i.metadata_source,
       (SELECT group_concat(name, ', ') FROM (
            WITH RECURSIVE up(id, name, parent_id, depth) AS (
                SELECT id, name, parent_id, 0 FROM places WHERE id = i.place_id
                UNION ALL SELECT p.id, p.name, p.parent_id, depth + 1 FROM places p JOIN up ON p.id = up.parent_id)
            SELECT name FROM up ORDER BY depth)) AS place_path,
       (SELECT group_concat(p.full_name || coalesce(' (' || p.birth_year || ')', ''), '; ')
        FROM interview_people ip JOIN people p ON p.id = ip.person_id
        WHERE ip.interview_id = i.id AND ip.role = 'witness') AS witnesses,
       (SELECT group_concat(p.full_name, '; ') FROM interview_people ip JOIN people p ON p.id = ip.person_id
        WHERE ip.interview_id = i.id AND ip.role = 'interviewer') AS interviewers,
       (SELECT group_concat(e.name, '; ') FROM interview_events ie JOIN events e ON e.id = ie.event_id
        WHERE ie.interview_id = i.id) AS events
FROM interviews i
JOIN recordings r ON r.id = i.recording_id
LEFT JOIN transcription_runs run ON run.id = (
    SELECT max(id) FROM transcription_runs WHERE interview_id = i.id)
"""


def interviews(db: Database) -> list[Interview]:
    return [Interview(**row) for row in rows(db.execute(INTERVIEW_SUMMARY + " ORDER BY i.code"))]


def interview(db: Database, key: str) -> Interview | None:
    """An interview by its code (LK-2026-001) or its numeric id."""
    where = "i.id = ?" if key.isdigit() else "i.code = ?"
    found = rows(db.execute(INTERVIEW_SUMMARY + f" WHERE {where}", [int(key) if key.isdigit() else key]))
    return Interview(**found[0]) if found else None


def interview_for(db: Database, recording_id: int) -> Interview:
    """The interview made from a recording."""
    return Interview(**rows(db.execute(INTERVIEW_SUMMARY + " WHERE i.recording_id = ?", [recording_id]))[0])
