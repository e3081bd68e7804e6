"""What a new transcription of an interview keeps: every segment an editor has touched, with the new machine text
for the same moment set beside it (``segment_alternatives``) instead of over it.

Used by ``transcripts.save_transcript`` inside its transaction; nothing here commits.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from pipeline.database.heard import MachineSegment
from pipeline.database.sqlite import Database

OVERLAP_SHARE = 0.5
"""A new segment stands for a kept one when they share more than this part of the shorter of the two: the new
model may cut the same sentence a little earlier or later, or in two; a neighbour that only grazes the kept
segment is a different sentence and goes into the transcript."""

TOUCHED = """
SELECT s.id, s.start, s."end" FROM segments s
WHERE s.interview_id = :interview AND (
    s.review_status != 'machine' OR coalesce(s.note, '') != '' OR s.person_id IS NOT NULL
    OR EXISTS (SELECT 1 FROM segment_people t WHERE t.segment_id = s.id)
    OR EXISTS (SELECT 1 FROM segment_places t WHERE t.segment_id = s.id)
    OR EXISTS (SELECT 1 FROM segment_events t WHERE t.segment_id = s.id)
    OR EXISTS (SELECT 1 FROM segment_revisions r WHERE r.segment_id = s.id)
    OR EXISTS (SELECT 1 FROM quotes q
               JOIN segments a ON a.id = q.first_segment_id JOIN segments b ON b.id = q.last_segment_id
               WHERE q.interview_id = :interview AND s.idx BETWEEN a.idx AND b.idx))
ORDER BY s.idx
"""
"""Segments an editor touched: reviewed, noted, given a speaker or a tag, changed at all (any revision), or
inside a quote (from its first segment to its last: the passage was chosen as it reads now)."""


@dataclass
class Placement:
    """Where each segment of a new transcription goes."""

    insert: list[MachineSegment] = field(default_factory=list)
    """Into the transcript: they cover a moment no kept segment does."""
    beside: dict[int, list[MachineSegment]] = field(default_factory=dict)
    """Kept segment id → the new segments that stand for it, kept as alternatives."""


def touched(db: Database, interview_id: int) -> list[dict]:
    """The interview's segments an editor touched, in order, as {id, start, end}."""
    cursor = db.execute(TOUCHED, {"interview": interview_id})
    return [{"id": id_, "start": start, "end": end} for id_, start, end in cursor.fetchall()]


def next_segment_id(db: Database) -> int:
    """An id no segment has had, as far as anything remembers: SQLite hands out max(id) + 1, so a segment
    deleted from the end (replaced here, or merged away in review) would give its id, and with it its history
    in ``segment_revisions``, to the next new segment. Call it before deleting."""
    return db.execute(
        "SELECT max(coalesce((SELECT max(id) FROM segments), 0), "
        "coalesce((SELECT max(segment_id) FROM segment_revisions), 0)) + 1"
    ).fetchone()[0]


def shared(a_start: float, a_end: float, b_start: float, b_end: float) -> float:
    """Seconds two time ranges have in common."""
    return max(0.0, min(a_end, b_end) - max(a_start, b_start))


def overlaps(a_start: float, a_end: float, b_start: float, b_end: float) -> bool:
    """True when the ranges share more than ``OVERLAP_SHARE`` of the shorter one. A range with no length
    overlaps a range it falls inside."""
    shorter = min(a_end - a_start, b_end - b_start)
    if shorter <= 0:
        return (b_start <= a_start <= b_end) if a_end <= a_start else (a_start <= b_start <= a_end)
    return shared(a_start, a_end, b_start, b_end) > OVERLAP_SHARE * shorter


def place(new: list[MachineSegment], kept: list[dict]) -> Placement:
    """Split a new transcription into segments to insert and segments to keep beside a kept one; a new segment
    that stands for two kept ones goes beside the one it shares most time with."""
    if not kept:  # a first transcription, or nothing touched yet
        return Placement(insert=list(new))
    placement = Placement()
    kept = sorted(kept, key=lambda k: k["start"])
    starts = [k["start"] for k in kept]
    longest = max((k["end"] - k["start"] for k in kept), default=0.0)
    for segment in new:
        # Only kept segments starting less than the longest one's length before this one can reach it.
        nearby = kept[bisect.bisect_left(starts, segment.start - longest) : bisect.bisect_right(starts, segment.end)]
        matches = [k for k in nearby if overlaps(segment.start, segment.end, k["start"], k["end"])]
        if not matches:
            placement.insert.append(segment)
            continue
        if not segment.text.strip():
            continue  # speech the new run did not write either: no text to set beside the editor's
        best = max(matches, key=lambda k: shared(segment.start, segment.end, k["start"], k["end"]))
        placement.beside.setdefault(best["id"], []).append(segment)
    return placement


def renumber(db: Database, interview_id: int) -> None:
    """Number the interview's segments 0, 1, 2 … by start time. Two steps, because (interview_id, idx) is
    unique and SQLite checks it row by row: first every idx to a distinct negative number (from the id), then
    each to its place; callers must leave every idx at 0 or above before. (No UPDATE … FROM or window
    function: the SQLite of an older Linux may lack them.)"""
    order = [
        row[0]
        for row in db.execute(
            'SELECT id FROM segments WHERE interview_id = ? ORDER BY start, "end", id', [interview_id]
        )
    ]
    db.execute("UPDATE segments SET idx = -1 - id WHERE interview_id = ?", [interview_id])
    db.conn.executemany("UPDATE segments SET idx = ? WHERE id = ?", list(enumerate(order)))
