"""Segments as the editors' desk reads and changes them, and what it shows beside them: tags, speaker labels,
the people an interview names, and machine text from later runs.

The functions that change something are steps of the desk's own transactions (``desk.editing`` holds the rules
and opens ``connection.writing`` around them); nothing here commits. Every segment id comes from
``kept_edits.next_segment_id``, so a new segment never takes the id, and with it the history, of one merged away.
"""

from __future__ import annotations

from pipeline.database.connection import inserted_id, now
from pipeline.database.kept_edits import next_segment_id
from pipeline.database.models import Segment, Tag, Word
from pipeline.database.review_records import Alternative, InterviewPerson, SpeakerLabel, SpeakerNames
from pipeline.database.sqlite import Database
from pipeline.database.subjects import TAG_TABLES
from pipeline.text import fold

SEGMENT_COLUMNS = (
    "id",
    "interview_id",
    "idx",
    "start",
    "end",
    "text",
    "review_status",
    "run_id",
    "speaker",
    "avg_logprob",
    "no_speech_prob",
    "compression_ratio",
    "text_folded",
    "flags",
    "version",
    "note",
    "edited_by",
    "edited_at",
    "person_id",
)
SELECT_SEGMENT = "SELECT " + ", ".join(f'"{column}"' for column in SEGMENT_COLUMNS) + " FROM segments"
INHERITED = ("run_id", "speaker", "person_id", "avg_logprob", "no_speech_prob", "compression_ratio", "flags")
"""What the second half of a split segment takes from the first, beside its interview."""
NAME_COLUMNS = {"people": "full_name", "places": "name", "events": "name"}


# --- reading segments -------------------------------------------------------------------------------


def segment(db: Database, segment_id: int) -> Segment | None:
    found = _segments(db, " WHERE id = ?", [segment_id])
    return found[0] if found else None


def segment_at(db: Database, interview_id: int, idx: int) -> Segment | None:
    """The segment at place ``idx`` (from 0) of an interview."""
    found = _segments(db, " WHERE interview_id = ? AND idx = ?", [interview_id, idx])
    return found[0] if found else None


def segments_between(db: Database, interview_id: int, first_idx: int, last_idx: int) -> list[Segment]:
    """An interview's segments from place ``first_idx`` to ``last_idx``, both included, in order."""
    return _segments(
        db, " WHERE interview_id = ? AND idx BETWEEN ? AND ? ORDER BY idx", [interview_id, first_idx, last_idx]
    )


def segment_words(db: Database, segment_id: int) -> list[Word]:
    """A segment's words in order, with their times."""
    return [
        Word(start, end, text, probability, lowest)
        for start, end, text, probability, lowest in db.execute(
            'SELECT start, "end", text, probability, lowest FROM words WHERE segment_id = ? ORDER BY idx', [segment_id]
        )
    ]


def _segments(db: Database, where: str, parameters: list) -> list[Segment]:
    return [Segment(**dict(zip(SEGMENT_COLUMNS, row))) for row in db.execute(SELECT_SEGMENT + where, parameters)]


# --- changing segments ------------------------------------------------------------------------------


def update_segment(db: Database, current: Segment, changes: dict, editor: str) -> bool:
    """Write ``changes`` (column → value) over ``current`` and raise its version; False, and nothing written,
    when the stored segment is no longer at ``current.version``."""
    changes = {**changes, "text_folded": fold(changes["text"])} if "text" in changes else dict(changes)
    updated = db.execute(
        "UPDATE segments SET "
        + ", ".join(f'"{key}" = ?' for key in changes)
        + ", version = version + 1, edited_by = ?, edited_at = ? WHERE id = ? AND version = ?",
        [*changes.values(), editor, now(), current.id, current.version],
    ).rowcount
    return bool(updated)


def split_segment(db: Database, current: Segment, start: float, text: str, first_moved_word: int, editor: str) -> int:
    """Make the second half of a split: a new segment right after ``current``, from ``start`` to its end, with
    ``text``, its words from position ``first_moved_word`` on, and its tags. Returns the new segment's id;
    ``current`` itself is left for the caller to shorten."""
    _shift(db, current.interview_id, after=current.idx, by=1)
    new_id = inserted_id(
        db.table("segments").insert(
            {
                "id": next_segment_id(db),
                "interview_id": current.interview_id,
                **{key: getattr(current, key) for key in INHERITED},
                "idx": current.idx + 1,
                "start": start,
                "end": current.end,
                "text": text,
                "text_folded": fold(text),
                "review_status": "edited",
                "version": 1,
                "edited_by": editor,
                "edited_at": now(),
            }
        )
    )
    moving = [
        row[0]
        for row in db.execute(
            "SELECT id FROM words WHERE segment_id = ? ORDER BY idx LIMIT -1 OFFSET ?", [current.id, first_moved_word]
        )
    ]
    db.conn.executemany(
        "UPDATE words SET segment_id = ?, idx = ? WHERE id = ?",
        [(new_id, i, word_id) for i, word_id in enumerate(moving)],
    )
    _copy_tags(db, current.id, new_id)
    return new_id


def move_attachments(db: Database, source_id: int, target_id: int) -> None:
    """Before a merge: the source segment's words (after the target's), tags, quote ends and later machine text
    go to the target segment."""
    offset = db.execute("SELECT count(*) FROM words WHERE segment_id = ?", [target_id]).fetchone()[0]
    db.execute("UPDATE words SET segment_id = ?, idx = idx + ? WHERE segment_id = ?", [target_id, offset, source_id])
    _copy_tags(db, source_id, target_id)
    for table, _, _ in TAG_TABLES.values():
        db.execute(f"DELETE FROM {table} WHERE segment_id = ?", [source_id])
    for column in ("first_segment_id", "last_segment_id"):
        db.execute(f"UPDATE quotes SET {column} = ? WHERE {column} = ?", [target_id, source_id])
    db.execute("UPDATE segment_alternatives SET segment_id = ? WHERE segment_id = ?", [target_id, source_id])


def remove_segment(db: Database, gone: Segment) -> None:
    """Delete a segment merged away (its words, tags and quotes already moved) and close the gap it leaves."""
    db.execute("DELETE FROM segments WHERE id = ?", [gone.id])
    _shift(db, gone.interview_id, after=gone.idx, by=-1)


def _shift(db: Database, interview_id: int, after: int, by: int) -> None:
    """Move every segment after place ``after`` by ``by`` places; two steps, because idx is unique."""
    db.execute("UPDATE segments SET idx = -(idx + ?) - 1 WHERE interview_id = ? AND idx > ?", [by, interview_id, after])
    db.execute("UPDATE segments SET idx = -idx - 1 WHERE interview_id = ? AND idx < 0", [interview_id])


def _copy_tags(db: Database, source_id: int, target_id: int) -> None:
    for table, column, _ in TAG_TABLES.values():
        db.execute(
            f"INSERT OR IGNORE INTO {table} (segment_id, {column}) "
            f"SELECT ?, {column} FROM {table} WHERE segment_id = ?",
            [target_id, source_id],
        )


# --- tags ----------------------------------------------------------------------------------------------


def subject_exists(db: Database, kind: str, subject_id: int) -> bool:
    """Whether there is a person, place or event (``kind``) with this id."""
    _, _, targets = TAG_TABLES[kind]
    return bool(db.table(targets).count_where("id = ?", [subject_id]))


def untag_segment(db: Database, segment_id: int, kind: str, target: int) -> None:
    table, column, _ = TAG_TABLES[kind]
    db.execute(f"DELETE FROM {table} WHERE segment_id = ? AND {column} = ?", [segment_id, target])


def interview_tags(db: Database, interview_id: int) -> dict[int, list[Tag]]:
    """The people, places and events tagged on an interview's segments, by segment id; each kind in turn,
    by name."""
    return _tags(db, "", [interview_id])


def segment_tags(db: Database, interview_id: int, segment_id: int) -> list[Tag]:
    return _tags(db, " AND s.id = ?", [interview_id, segment_id]).get(segment_id, [])


def _tags(db: Database, only: str, parameters: list) -> dict[int, list[Tag]]:
    found: dict[int, list[Tag]] = {}
    for kind, (table, column, targets) in TAG_TABLES.items():
        name = NAME_COLUMNS[targets]
        for segment_id, target, label in db.execute(
            f"SELECT t.segment_id, x.id, x.{name} FROM {table} t JOIN {targets} x ON x.id = t.{column} "
            f"JOIN segments s ON s.id = t.segment_id WHERE s.interview_id = ?{only} ORDER BY x.{name}",
            parameters,
        ).fetchall():
            found.setdefault(segment_id, []).append(Tag(kind, target, label))
    return found


# --- speakers and people ---------------------------------------------------------------------------


def speaker_labels(db: Database, interview_id: int) -> list[SpeakerLabel]:
    """The interview's speaker labels with how many segments carry each and who they are."""
    return [
        SpeakerLabel(label, count, person_id)
        for label, count, person_id in db.execute(
            "SELECT s.speaker, count(*), sp.person_id FROM segments s "
            "LEFT JOIN speakers sp ON sp.interview_id = s.interview_id AND sp.label = s.speaker "
            "WHERE s.interview_id = ? AND s.speaker IS NOT NULL GROUP BY s.speaker ORDER BY s.speaker",
            [interview_id],
        )
    ]


def unmap_speaker(db: Database, interview_id: int, label: str) -> None:
    """Forget who a speaker label of an interview is (``subjects.map_speaker`` says it)."""
    db.execute("DELETE FROM speakers WHERE interview_id = ? AND label = ?", [interview_id, label])


def speaker_names(db: Database, interview_id: int) -> SpeakerNames:
    """Names for the interview's speaker labels, and for everyone an editor may choose."""
    labels = dict(
        db.execute(
            "SELECT s.label, p.full_name FROM speakers s JOIN people p ON p.id = s.person_id WHERE s.interview_id = ?",
            [interview_id],
        ).fetchall()
    )
    people = dict(db.execute("SELECT id, full_name FROM people").fetchall())
    return SpeakerNames(labels, people)


def interview_people(db: Database, interview_id: int) -> list[InterviewPerson]:
    """The people the interview's metadata names, witnesses first, with their role."""
    return [
        InterviewPerson(*row)
        for row in db.execute(
            "SELECT DISTINCT p.id, p.full_name, p.birth_year, ip.role FROM interview_people ip "
            "JOIN people p ON p.id = ip.person_id WHERE ip.interview_id = ? ORDER BY ip.role DESC, p.full_name",
            [interview_id],
        )
    ]


# --- machine text from later runs ------------------------------------------------------------------


def alternatives(db: Database, interview_id: int) -> dict[int, list[Alternative]]:
    """By segment id: machine text from later runs kept beside segments an editor had already changed."""
    found: dict[int, list[Alternative]] = {}
    for row in db.execute(
        'SELECT a.id, a.segment_id, a.run_id, a.start, a."end", a.text, r.model FROM segment_alternatives a '
        "JOIN segments s ON s.id = a.segment_id JOIN transcription_runs r ON r.id = a.run_id "
        "WHERE s.interview_id = ? ORDER BY a.id",
        [interview_id],
    ):
        alternative = Alternative(*row)
        found.setdefault(alternative.segment_id, []).append(alternative)
    return found
