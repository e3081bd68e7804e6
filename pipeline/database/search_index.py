"""The search indexes: passages (``segments_fts``) and interviews' metadata (``interviews_fts``), both FTS5 over a
folded column and the NFC one, queried within a ``SearchScope``, and rebuilt by ``reindex``; and the points of the
editors' index a search looks through (``index_points_in_scope``: few enough to be matched as they are read).

How a query is read into a ``TextQuery`` is ``catalogue.search``'s business; this module ranks and filters. Each
index ranks by its own bm25 (scores from two indexes do not compare). See docs/benchmarks.md, "Search", for why
the queries take the shapes they do.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from pipeline.database.connection import id_list
from pipeline.database.index_points import COLUMNS, point_from_row
from pipeline.database.search_records import IndexMatch, IndexPointMatch, SearchScope, TextQuery
from pipeline.database.sqlite import Database
from pipeline.text import fold

RANK_AT_MOST = 5_000  # a query with more matches is not ranked, see passages_found
NARROW_AT_MOST = 0.1  # share of the passages a filter may keep and still be checked before the join
ADJACENT_BONUS = 1000.0  # added to the score of a passage holding a run of unquoted words side by side
POINTS_AT_MOST = 2_000  # index points a query reads at most, see index_points_in_scope
INTERVIEWS_AT_MOST = 25  # best metadata matches looked at for interviews found through their metadata alone
ISO_DATE = re.compile(r"\d{4}(-\d{2}){0,2}")
READ_AS_SYNTAX = re.compile(r"['*?\[\]]")  # what would end an SQL string or mean something to GLOB
PUBLISHABLE = "(i.consent_status = 'allowed' OR (i.consent_status = 'embargoed' AND i.consent_until < date('now')))"
"""Interview ``i`` may be published: consent given, or an embargo that has ended (unknown consent may not)."""


@dataclass(frozen=True)
class Clause:
    """One filter as SQL: on a passage ``s`` of interview ``i``; on an interview ``i`` for a metadata hit
    ("0": never); and the tagged passages' ids, when tags count."""

    passage: str
    interview: str
    tagged: str | None = None


def interviews_found_by_metadata(db: Database, query: TextQuery, scope: SearchScope) -> list[IndexMatch]:
    """Of the INTERVIEWS_AT_MOST interviews whose metadata matches best, those with no passage that does, best
    first.

    An interview whose passages match shows up through them; listing it again would push the passages
    down a page for every interview held in "xã Bắc Cường" when that is searched.
    """
    clauses = _clauses(scope)
    where = " AND ".join(["interviews_fts MATCH ?", *(c.interview for c in clauses)])
    rows = db.execute(
        "SELECT i.id, i.code, i.title, i.search_text, interviews_fts.rank, i.consent_status, i.date, "
        f"i.consent_until, {PUBLISHABLE} "
        f"FROM interviews_fts JOIN interviews i ON i.id = interviews_fts.rowid WHERE {where} "
        f"ORDER BY interviews_fts.rank LIMIT {INTERVIEWS_AT_MOST}",
        [query.interviews],
    ).fetchall()
    # An interview's passages are mostly stored in one go (transcripts.save_transcript), so they lie between its
    # lowest and highest ids: FTS5 then reads just that stretch. Not between the ids of its first and last by
    # idx: passages kept through a re-transcription, and halves of a split, are numbered out of id order.
    # Hence two queries for each of these few interviews, rather than one for all.
    check = " AND ".join(
        [
            "segments_fts MATCH ?",
            "segments_fts.rowid BETWEEN ? AND ?",
            "s.interview_id = i.id",
            *(c.passage for c in clauses),
        ]
    )
    found = []
    for interview_id, code, title, text, rank, consent, day, until, publishable in rows:
        low, high = db.execute(
            "SELECT min(id), max(id) FROM segments WHERE interview_id = ?", [interview_id]
        ).fetchone()
        if (
            low is None
            or not db.execute(
                "SELECT 1 FROM segments_fts JOIN segments s ON s.id = segments_fts.rowid JOIN interviews i "
                f"ON i.id = s.interview_id WHERE {check} LIMIT 1",
                [query.passages, low, high],
            ).fetchone()
        ):
            found.append(
                IndexMatch(
                    interview_id,
                    code,
                    title,
                    None,
                    None,
                    None,
                    None,
                    text,
                    -rank,
                    consent,
                    day,
                    until,
                    bool(publishable),
                )
            )
    return found


def index_points_in_scope(db: Database, scope: SearchScope, words: Collection[str]) -> list[IndexPointMatch]:
    """The index points of the interviews ``scope`` lets through (its filters read on the interview, as for a hit
    on its metadata; none when only verified passages are asked for) whose folded text holds each of ``words``
    (folded) somewhere, by interview code, then time: the few a search then reads word by word. A query whose
    words are in more than POINTS_AT_MOST points (a word in every index) gets the first POINTS_AT_MOST: reading one
    costs about 0.15 ms, so 15,000 (an index point every 4 minutes of 1,000 one-hour interviews) would take 2 s."""
    held = ["instr(p.search_folded, ?) > 0" for _ in words]
    where = " AND ".join([*(c.interview for c in _clauses(scope)), *held]) or "1"
    columns = ", ".join(f"p.{name}" for name in COLUMNS)
    rows = db.execute(
        f"SELECT {columns}, i.code, i.title, i.consent_status, i.date, i.consent_until, {PUBLISHABLE} "
        f"FROM index_points p JOIN interviews i ON i.id = p.interview_id WHERE {where} ORDER BY i.code, p.time, p.id "
        f"LIMIT {POINTS_AT_MOST}",
        list(words),
    ).fetchall()
    cut = len(COLUMNS)
    return [
        IndexPointMatch(point_from_row(row[:cut]), code, title, consent, day, until, bool(publishable))
        for row in rows
        for code, title, consent, day, until, publishable in [row[cut:]]
    ]


def passages_found(db: Database, query: TextQuery, scope: SearchScope, limit: int, offset: int) -> list[IndexMatch]:
    """One page of passages: side-by-side matches first, then by bm25.

    bm25 first scans each word's whole list of passages (for its rarity), then costs about a microsecond
    a match (it reads each passage's length): a second for a word in half the archive ("không"). So a
    query with more than RANK_AT_MOST matches is not ranked: its newest RANK_AT_MOST matches come newest
    first (side-by-side ones first) with ``score`` 0 (or ADJACENT_BONUS); a word or a filter more ranks
    it. See docs/benchmarks.md, "Search".
    """
    clauses = _clauses(scope)
    fts, match, together = "segments_fts", query.passages, _together(query.side_by_side)
    narrowed = _narrowed(db, clauses)
    where = " AND ".join([f"{fts} MATCH ?", *narrowed, *(c.passage for c in clauses)])
    joined = f"{fts} JOIN segments s ON s.id = {fts}.rowid"
    tables = f"{joined} JOIN interviews i ON i.id = s.interview_id" if clauses else fts
    newest = f"ORDER BY {fts}.rowid DESC LIMIT {RANK_AT_MOST + 1}"
    if narrowed:  # few passages can pass: score them in the same pass
        rows = db.execute(
            f"SELECT {fts}.rowid, {together}, bm25({fts}) FROM {tables} WHERE {where} {newest}", [match]
        ).fetchall()
        broad, rows = len(rows) > RANK_AT_MOST, rows[:RANK_AT_MOST]
    else:  # the newest matches that pass, without scores (cheap); then scores, if there are few enough
        ids = [r[0] for r in db.execute(f"SELECT {fts}.rowid FROM {tables} WHERE {where} {newest}", [match])]
        broad, rows = len(ids) > RANK_AT_MOST, []
        if broad:
            rows = db.execute(
                f"SELECT s.id, {together}, 0 FROM segments s WHERE s.id IN {id_list(ids[:-1])}"
            ).fetchall()
        elif ids:  # the filters were checked: the rowids they let through are enough now
            known = f" AND +{fts}.rowid IN {id_list(ids)}" if clauses else ""
            rows = db.execute(
                f"SELECT {fts}.rowid, {together}, bm25({fts}) FROM {joined if together != '0' else fts}"
                f" WHERE {fts} MATCH ? AND {fts}.rowid >= ?{known}",
                [match, ids[-1]],
            ).fetchall()
    scored = [(r[0], r[1] * ADJACENT_BONUS - (0 if broad else r[2])) for r in rows]
    ranked = sorted(scored, key=lambda r: (r[1], r[0]), reverse=True)[offset : offset + limit]
    return _matches(db, ranked)


def _matches(db: Database, ranked: list[tuple[int, float]]) -> list[IndexMatch]:
    """The passages of ``ranked`` (id, score), in its order, with their interview and speaker."""
    details = {
        row[3]: row
        for row in db.execute(
            'SELECT i.id, i.code, i.title, s.id, s.start, s."end", coalesce(p.full_name, s.speaker), s.text, '
            f"i.consent_status, i.date, i.consent_until, {PUBLISHABLE} FROM segments s "
            "JOIN interviews i ON i.id = s.interview_id "
            "LEFT JOIN speakers sp ON sp.interview_id = s.interview_id AND sp.label = s.speaker "
            f"LEFT JOIN people p ON p.id = sp.person_id WHERE s.id IN {id_list(r[0] for r in ranked)}"
        )
    }
    return [
        IndexMatch(*(details[r[0]][:8] + (float(r[1]),) + details[r[0]][8:11] + (bool(details[r[0]][11]),)))
        for r in ranked
        if r[0] in details
    ]


def _together(runs: tuple[tuple[str, bool], ...]) -> str:
    """SQL that is 1 when every run of unquoted words stands side by side in the passage's folded text:
    cheaper than a phrase query, which FTS5 would check in every passage holding the words."""
    checks = []
    for run, prefix in runs:
        if READ_AS_SYNTAX.search(run):  # it is written into the SQL
            raise ValueError(f"not a run of words: {run!r}")
        end = "" if prefix else "[^a-z0-9]"  # the last word ends there (unless it is a prefix)
        checks.append(f"instr(' ' || s.text_folded, ' {run}') AND ' ' || s.text_folded || ' ' GLOB '* {run}{end}*'")
    return "(" + " AND ".join(checks) + ")" if checks else "0"


def _clauses(scope: SearchScope) -> list[Clause]:
    clauses, held = [], []
    if scope.people is not None:
        ids = id_list(scope.people)
        named = f"EXISTS (SELECT 1 FROM interview_people x WHERE x.interview_id = i.id AND x.person_id IN {ids})"
        speaks = f"EXISTS (SELECT 1 FROM speakers x WHERE x.interview_id = i.id AND x.person_id IN {ids}"
        clauses.append(
            _tagged(
                "segment_people",
                "person_id",
                ids,
                f"({named} OR {speaks}))",
                f"{named} OR {speaks} AND x.label = s.speaker)",
            )
        )
    if scope.events is not None:
        ids = id_list(scope.events)
        named = f"EXISTS (SELECT 1 FROM interview_events x WHERE x.interview_id = i.id AND x.event_id IN {ids})"
        clauses.append(_tagged("segment_events", "event_id", ids, named, named))
    if scope.places is not None:
        ids = id_list(scope.places)
        clauses.append(_tagged("segment_places", "place_id", ids, f"i.place_id IN {ids}", f"i.place_id IN {ids}"))
    if scope.communes is not None:
        held.append(f"i.place_id IN {id_list(scope.communes)}")
    if scope.date_from:
        held.append(f"i.date >= '{_iso(scope.date_from)}'")
    if scope.date_to:
        bound = _iso(scope.date_to)  # "1975-04" takes in every day of April 1975
        held.append(f"substr(i.date, 1, {len(bound)}) <= '{bound}'")
    if not scope.include_restricted:
        held.append(PUBLISHABLE)
    if held:
        clauses.append(Clause(" AND ".join(held), " AND ".join(held)))
    if scope.reviewed_only:
        clauses.append(Clause("s.review_status = 'verified'", "0"))
    return clauses


def _iso(day: str) -> str:
    if not ISO_DATE.fullmatch(day):  # it is written into the SQL
        raise ValueError(f"not an ISO date: {day!r}")
    return day


def _tagged(table: str, column: str, ids: str, named: str, own: str) -> Clause:
    """A passage tagged with one of ``ids``, or one that ``own`` lets through (its interview names them)."""
    tag = f"EXISTS (SELECT 1 FROM {table} x WHERE x.segment_id = s.id AND x.{column} IN {ids})"
    return Clause(f"({tag} OR {own})", named, f"SELECT segment_id FROM {table} WHERE {column} IN {ids}")


def _narrowed(db: Database, clauses: list[Clause]) -> list[str]:
    """A check of the matches' rowids against the passages the filters could keep, if that is at most
    NARROW_AT_MOST of the archive. FTS5 cannot filter on other tables, so a filtered search joins every
    match to its passage and interview (half a microsecond each, 100 ms for a common word); looking the
    rowid up in a list of the few passages that can pass costs a fifth of that."""
    interviews = db.execute("SELECT count(*) FROM interviews").fetchone()[0]
    passages = db.execute("SELECT coalesce(max(id), 0) FROM segments").fetchone()[0]  # near enough, and instant
    sets = []
    for c in clauses:  # a query or two for each filter: there are at most four
        if c.interview == "0":
            continue
        held = f"SELECT id FROM segments WHERE interview_id IN (SELECT i.id FROM interviews i WHERE {c.interview})"
        size = db.execute(f"SELECT count(*) FROM interviews i WHERE {c.interview}").fetchone()[0] * passages
        size = size / max(interviews, 1) + (
            db.execute(f"SELECT count(*) FROM ({c.tagged})").fetchone()[0] if c.tagged else 0
        )
        if size <= passages * NARROW_AT_MOST:
            sets.append(f"{held} UNION {c.tagged}" if c.tagged else held)
    # The unary + keeps SQLite from handing the list to FTS5 as rowid lookups, a whole query each.
    return [f"+segments_fts.rowid IN ({' INTERSECT '.join(sets)})"] if sets else []


def reindex(db: Database) -> int:
    """Refold every passage and interview and rebuild both indexes, in one transaction; returns the passages
    indexed. For after a raw edit of ``text`` that left ``text_folded`` stale, or a change to ``fold``."""
    db.conn.create_function("loike_fold", 1, lambda t: None if t is None else fold(t), deterministic=True)
    with db.atomic():
        # Only rows whose folding changed are written, so the index triggers fire for those alone.
        db.execute("UPDATE segments SET text_folded = loike_fold(text) WHERE text_folded IS NOT loike_fold(text)")
        db.execute(
            "UPDATE interviews SET search_folded = loike_fold(search_text) "
            "WHERE search_folded IS NOT loike_fold(search_text)"
        )
        db.execute("INSERT INTO segments_fts(segments_fts) VALUES('rebuild')")
        db.execute("INSERT INTO interviews_fts(interviews_fts) VALUES('rebuild')")
        return db.execute("SELECT count(*) FROM segments").fetchone()[0]
