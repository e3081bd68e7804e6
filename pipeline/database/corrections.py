"""Corrections where the errors are: the words the desk marks, the lines a find-and-replace looks at, its batches
(undone as a whole), the suggestions an editor turned down, and the names heard again before they are offered.

The functions that change something are steps of the desk's own transactions (``desk.replacing`` and
``desk.suggestions`` hold the rules and open ``connection.writing`` around them); nothing here commits.
"""

from __future__ import annotations

from itertools import groupby
from operator import itemgetter

from pipeline.database.connection import now
from pipeline.database.correction_records import ReplacementBatch
from pipeline.database.models import Segment
from pipeline.database.review import SEGMENT_COLUMNS, SELECT_SEGMENT
from pipeline.database.review_records import Revision
from pipeline.database.revisions import REVISION_COLUMNS, decoded_revision
from pipeline.database.sqlite import Database

BATCH_COLUMNS = (
    "id",
    "interview_id",
    "find",
    "replacement",
    "exact",
    "editor",
    "at",
    "changed",
    "undone_by",
    "undone_at",
)


def desk_words(db: Database, interview_id: int) -> dict[int, list[tuple]]:
    """An interview's words by segment id, in order, as the rows (segment id, text, probability, lowest token
    probability, start, end) SQLite gives: what the desk's marks rest on. Rows, not records, as for a sheet
    (``transcripts.sheet_segments``): a 2,000-line interview has 40,000 words, and an object for each took 0.4 s."""
    found = db.execute(
        'SELECT w.segment_id, w.text, w.probability, w.lowest, w.start, w."end" FROM words w '
        "WHERE w.segment_id IN (SELECT id FROM segments WHERE interview_id = ?) ORDER BY w.segment_id, w.idx",
        [interview_id],
    ).fetchall()
    return {segment_id: list(words) for segment_id, words in groupby(found, key=itemgetter(0))}


def segments_with_phrase(db: Database, tokens: list[str], exact: bool, interview_id: int | None) -> list[Segment]:
    """The segments whose text holds ``tokens`` side by side (folded tokens against the folded text, or as written
    when ``exact``), through the search index, in interview and line order: the candidates a find-and-replace
    then checks one by one. ``tokens`` hold only letters and digits."""
    column = "text" if exact else "text_folded"
    phrase = f'{{{column}}} : "{" ".join(tokens)}"'
    where = " AND s.interview_id = ?" if interview_id is not None else ""
    parameters: list = [phrase] + ([interview_id] if interview_id is not None else [])
    columns = ", ".join(f's."{c}"' for c in SEGMENT_COLUMNS)
    rows = db.execute(
        f"SELECT {columns} FROM segments_fts JOIN segments s ON s.id = segments_fts.rowid "
        f"WHERE segments_fts MATCH ?{where} ORDER BY s.interview_id, s.idx",
        parameters,
    )
    return [Segment(*row) for row in rows]  # SEGMENT_COLUMNS are Segment's fields, in order


def interview_codes(db: Database) -> dict[int, str]:
    """Every interview's code, by id."""
    return dict(db.execute("SELECT id, code FROM interviews").fetchall())


def segments_by_id(db: Database, segment_ids: list[int]) -> list[Segment]:
    """The segments with these ids (those that still exist), in interview and line order."""
    marks = ", ".join("?" * len(segment_ids))
    return [
        Segment(**dict(zip(SEGMENT_COLUMNS, row)))
        for row in db.execute(f"{SELECT_SEGMENT} WHERE id IN ({marks}) ORDER BY interview_id, idx", segment_ids)
    ]


# --- batches ----------------------------------------------------------------------------------------


def add_replacement(
    db: Database, interview_id: int | None, find: str, replacement: str, exact: bool, editor: str
) -> int:
    """A new batch, with no line changed yet; returns its id."""
    cursor = db.execute(
        "INSERT INTO replacements (interview_id, find, replacement, exact, editor, at, changed) "
        "VALUES (?, ?, ?, ?, ?, ?, 0)",
        [interview_id, find, replacement, int(exact), editor, now()],
    )
    return int(cursor.lastrowid or 0)


def count_replaced(db: Database, batch_id: int, lines: int) -> None:
    db.execute("UPDATE replacements SET changed = changed + ? WHERE id = ?", [lines, batch_id])


def replacement(db: Database, batch_id: int) -> ReplacementBatch | None:
    row = db.execute(f"SELECT {', '.join(BATCH_COLUMNS)} FROM replacements WHERE id = ?", [batch_id]).fetchone()
    return _batch(row) if row else None


def replacements(db: Database, interview_id: int | None = None) -> list[ReplacementBatch]:
    """Every batch, newest first (of one interview, with those across the archive, when ``interview_id``)."""
    where = " WHERE interview_id = ? OR interview_id IS NULL" if interview_id is not None else ""
    rows = db.execute(
        f"SELECT {', '.join(BATCH_COLUMNS)} FROM replacements{where} ORDER BY id DESC",
        [interview_id] if interview_id is not None else [],
    )
    return [_batch(row) for row in rows]


def _batch(row: tuple) -> ReplacementBatch:
    values = dict(zip(BATCH_COLUMNS, row))
    return ReplacementBatch(**{**values, "exact": bool(values["exact"])})


def mark_undone(db: Database, batch_id: int, editor: str) -> None:
    db.execute("UPDATE replacements SET undone_by = ?, undone_at = ? WHERE id = ?", [editor, now(), batch_id])


def revisions_by_action(db: Database, action: str) -> list[Revision]:
    """Every revision with this action (``replace:7``), oldest first."""
    cursor = db.execute(
        f"SELECT {', '.join(REVISION_COLUMNS)} FROM segment_revisions WHERE action = ? ORDER BY id", [action]
    )
    return [decoded_revision(row) for row in cursor.fetchall()]


def text_edits(db: Database, limit: int = 5_000) -> list[Revision]:
    """The latest edits that changed a line's text (newest first), the corrections a suggestion learns from."""
    cursor = db.execute(
        f"SELECT {', '.join(REVISION_COLUMNS)} FROM segment_revisions WHERE action IN ('edit', 'accept') "
        "AND json_extract(before, '$.text') IS NOT json_extract(after, '$.text') ORDER BY id DESC LIMIT ?",
        [limit],
    )
    return [decoded_revision(row) for row in cursor.fetchall()]


# --- suggestions turned down ------------------------------------------------------------------------


def decline_suggestion(db: Database, segment_id: int, found: str, suggestion: str, editor: str) -> None:
    db.execute(
        "INSERT OR IGNORE INTO suggestions_declined (segment_id, found, suggestion, editor, at) VALUES (?, ?, ?, ?, ?)",
        [segment_id, found, suggestion, editor, now()],
    )


def offer_suggestion_again(db: Database, interview_id: int, found: str, suggestion: str) -> int:
    """Forget that ``suggestion`` was turned down for ``found`` on any line of an interview; on how many lines it
    had been."""
    cursor = db.execute(
        "DELETE FROM suggestions_declined WHERE found = ? AND suggestion = ? "
        "AND segment_id IN (SELECT id FROM segments WHERE interview_id = ?)",
        [found, suggestion, interview_id],
    )
    return cursor.rowcount


def declined_suggestions(db: Database, interview_id: int) -> set[tuple[str, str]]:
    """(phrase found, suggestion) of every suggestion turned down in an interview."""
    return {
        tuple(row)
        for row in db.execute(
            "SELECT DISTINCT d.found, d.suggestion FROM suggestions_declined d "
            "JOIN segments s ON s.id = d.segment_id WHERE s.interview_id = ?",
            [interview_id],
        )
    }


# --- names heard again ------------------------------------------------------------------------------


def save_name_heard(db: Database, segment_id: int, found: str, suggestion: str, rivals: str, margin: float) -> None:
    db.execute(
        "INSERT OR REPLACE INTO names_heard (segment_id, found, suggestion, rivals, margin, at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [segment_id, found, suggestion, rivals, margin, now()],
    )


def names_heard(db: Database, interview_id: int) -> dict[tuple[int, str, str, str], float]:
    """How much better each name weighed in an interview's lines was heard than its rivals, by (segment id, words
    found, suggestion, rivals)."""
    cursor = db.execute(
        "SELECT h.segment_id, h.found, h.suggestion, h.rivals, h.margin FROM names_heard h "
        "JOIN segments s ON s.id = h.segment_id WHERE s.interview_id = ?",
        [interview_id],
    )
    return {tuple(row[:4]): row[4] for row in cursor.fetchall()}
