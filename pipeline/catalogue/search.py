"""Find passages in the transcripts, Vietnamese-aware: tones and marks are optional unless quoted.

How a query is read (``parse``):

- Unquoted words are folded (``text.fold``: lower case, no tones or marks, đ → d) and matched against
  ``segments.text_folded``, so ``dang bo bac cuong``, ``Đảng bộ Bắc Cường`` and its NFD spelling find the
  same passages.
- Words in double quotes are a phrase matched with their tones and marks against ``segments.text``:
  ``"Đảng bộ"`` does not find "đang bỏ" (case still does not matter). ``exact=True`` reads every word so.
- Every word must match. Unquoted words next to each other also form a phrase that only raises the rank,
  so passages with the words side by side come first.
- A ``*`` right after a word of three letters or more makes it a prefix (``cườ*``). Everything else FTS5
  would read as syntax (quotes, ``-``, ``:``, ``(``, AND/OR/NOT) is taken as text: no query raises.

What comes back: first the interviews found through their metadata alone (``interviews.search_text``:
title, people, places, events, topics, notes matches, but none of their passages does), as hits without a
segment (``segment_id`` and ``start`` are None), then the passages. Each list is ranked by bm25 on its own
index (scores from two indexes do not compare); ``limit`` and ``offset`` page through the two as one list.
``SearchFilters.interviews=False`` leaves the interviews out. ``Hit.score`` is minus SQLite's bm25, so
higher is better, plus ``ADJACENT_BONUS`` for a passage where the unquoted words stand side by side. A
query matching more than ``RANK_AT_MOST`` passages is too broad to rank: its newest matches come newest
first (see ``_passages``). Filters: see ``SearchFilters``; a name no person, event or place has raises
``NotFound``, a date that is not one raises ``LoikeError``, each with what to do.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from datetime import date

from sqlite_utils import Database

from pipeline.errors import LoikeError, NotFound
from pipeline.text import fold, nfc

_WORD = re.compile(r"([^\W_]+)(\*?)")  # like FTS5's unicode61: letters and digits; "_" separates
_QUOTED = re.compile(r'"([^"]*)"')
_ADMIN = re.compile(r"^(xa|phuong|thi tran|thi xa|huyen|quan|tinh|thanh pho|tp\.?) ")
SNIPPET_WORDS = 40
RANK_AT_MOST = 5_000  # a query with more matches is not ranked, see _passages
NARROW_AT_MOST = 0.1  # share of the passages a filter may keep and still be checked before the join
ADJACENT_BONUS = 1000.0  # added to the score of a passage holding a run of unquoted words side by side
INTERVIEWS_AT_MOST = 25  # best metadata matches looked at for interviews found through their metadata alone
MIN_PREFIX = 3  # "ch*" expands to a tenth of all words: slow (docs/benchmarks.md), and of no use


@dataclass
class SearchFilters:
    """Narrow a search. A person, event or place is a name (any tones, any case) or a number."""

    person: str | int | None = None  # tagged on the passage, named in the interview, or the speaker
    event: str | int | None = None  # tagged on the passage or named in the interview
    place: str | int | None = None  # tagged on the passage or where the interview was held, or any place under it
    commune: str | int | None = None  # the interview was held in this commune (xã/phường) or a place under it
    date_from: str | None = None  # interview date, dd/mm/yyyy or ISO; "1975" or "04/1975" also work
    date_to: str | None = None  # inclusive; interviews without a date drop out once either bound is set
    reviewed_only: bool = False  # only passages an editor marked 'verified' ('edited' is not yet reviewed)
    include_restricted: bool = True  # False keeps consent 'allowed' (and embargoes that have ended) only
    interviews: bool = True  # also return, first, interviews found through their metadata alone
    limit: int = 20
    offset: int = 0


@dataclass
class Hit:
    interview_id: int
    interview_code: str
    interview_title: str | None
    segment_id: int | None  # None: the interview's metadata matched, and none of its passages
    start: float | None
    end: float | None
    speaker: str | None  # the person the speaker label is mapped to, else the label
    text: str  # NFC, as stored (for an interview: its search_text)
    snippet: str  # plain text, matched words between ⟦ and ⟧
    snippet_html: str  # escaped, matched words in <mark>
    score: float  # -bm25 (+ ADJACENT_BONUS when unquoted words stand side by side): higher is better
    consent_status: str | None  # None means unknown, which exports treat as restricted
    date: str | None


@dataclass(frozen=True)
class Part:
    """Words matched together: a quoted phrase, or a run of unquoted words."""

    words: tuple[str, ...]  # folded, or NFC lower case when exact
    exact: bool
    phrase: bool  # must be adjacent (quoted) rather than only ranked higher when adjacent
    prefix: bool = False  # the last word is a prefix


def parse(query: str, exact: bool = False) -> list[Part]:
    """The query's quoted phrases and runs of unquoted words, in order (NFC first, so NFD input is alike)."""
    query, parts, at = nfc(query), [], 0
    for quoted in _QUOTED.finditer(query):
        parts += _runs(query[at:quoted.start()], exact)
        found = _WORD.findall(quoted.group(1))
        if found:
            words = tuple(w.lower() for w, _ in found)
            parts.append(Part(words, True, True, bool(found[-1][1]) and len(words[-1]) >= MIN_PREFIX))
        at = quoted.end()
    return parts + _runs(query[at:], exact)


def _runs(chunk: str, exact: bool) -> list[Part]:
    """Unquoted words, cut into runs after each prefix word (only a phrase's last word can be a prefix)."""
    runs, words = [], []
    for word, star in _WORD.findall(chunk):
        words.append(word.lower() if exact else fold(word))
        if star and len(words[-1]) >= MIN_PREFIX:
            runs.append(Part(tuple(words), exact, False, True))
            words = []
    return runs + ([Part(tuple(words), exact, False)] if words else [])


def match_expression(parts: list[Part], folded_column: str, exact_column: str) -> str:
    """The FTS5 MATCH text: every word quoted as an FTS5 string, so nothing in it is syntax."""
    clauses = []
    for part in parts:
        column = exact_column if part.exact else folded_column
        if part.phrase or len(part.words) == 1:
            clauses.append(f"{column} : {_string(part.words, part.prefix)}")
        else:
            clauses.append(f"{column} : (" + " AND ".join(
                _string((w,), part.prefix and i == len(part.words) - 1) for i, w in enumerate(part.words)) + ")")
    return " AND ".join(clauses)


def _string(words: tuple[str, ...], prefix: bool) -> str:
    return '"' + " ".join(words).replace('"', '""') + '"' + (" *" if prefix else "")


def search(db: Database, query: str, filters: SearchFilters | None = None, exact: bool = False) -> list[Hit]:
    """Interviews found through their metadata alone, then passages, best first; an empty query finds nothing."""
    filters = filters or SearchFilters()
    parts = parse(query, exact)
    if not parts or filters.limit <= 0:
        return []
    kept = _filters(db, filters)
    found = _interviews(db, parts, kept) if filters.interviews and not filters.reviewed_only else []
    offset, limit = max(filters.offset, 0), filters.limit
    page = found[offset:offset + limit]
    offset, limit = max(offset - len(found), 0), limit - len(page)
    return page + (_passages(db, parts, kept, limit, offset) if limit > 0 else [])


def _interviews(db: Database, parts: list[Part], kept: list[Kept]) -> list[Hit]:
    """Of the INTERVIEWS_AT_MOST interviews whose metadata matches best, those with no passage that does.

    An interview whose passages match shows up through them; listing it again would push the passages
    down a page for every interview held in "xã Bắc Cường" when that is searched.
    """
    where = " AND ".join(["interviews_fts MATCH ?", *(k.interview for k in kept)])
    rows = db.execute(
        "SELECT i.id, i.code, i.title, i.search_text, interviews_fts.rank, i.consent_status, i.date "
        f"FROM interviews_fts JOIN interviews i ON i.id = interviews_fts.rowid WHERE {where} "
        f"ORDER BY interviews_fts.rank LIMIT {INTERVIEWS_AT_MOST}",
        [match_expression(parts, "search_folded", "search_text")]).fetchall()
    # An interview's passages are mostly stored in one go (transcripts.save_transcript), so they lie between its
    # lowest and highest ids: FTS5 then reads just that stretch. Not between the ids of its first and last by
    # idx: passages kept through a re-transcription, and halves of a split, are numbered out of id order.
    check = " AND ".join(["segments_fts MATCH ?", "segments_fts.rowid BETWEEN ? AND ?", "s.interview_id = i.id",
                          *(k.passage for k in kept)])
    found = []
    for row in rows:
        low, high = db.execute("SELECT min(id), max(id) FROM segments WHERE interview_id = ?", [row[0]]).fetchone()
        if low is None or not db.execute(
                "SELECT 1 FROM segments_fts JOIN segments s ON s.id = segments_fts.rowid JOIN interviews i "
                f"ON i.id = s.interview_id WHERE {check} LIMIT 1",
                [match_expression(parts, "text_folded", "text"), low, high]).fetchone():
            found.append(_hit(parts, row[:3], (None, None, None, None, row[3]), (-row[4], *row[5:])))
    return found


def _passages(db: Database, parts: list[Part], kept: list[Kept], limit: int, offset: int) -> list[Hit]:
    """One page of passages: side-by-side matches first, then by bm25.

    bm25 first scans each word's whole list of passages (for its rarity), then costs about a microsecond
    a match (it reads each passage's length): a second for a word in half the archive ("không"). So a
    query with more than RANK_AT_MOST matches is not ranked: its newest RANK_AT_MOST matches come newest
    first (side-by-side ones first) with ``score`` 0 (or ADJACENT_BONUS); a word or a filter more ranks
    it. See docs/benchmarks.md, "Search".
    """
    fts, match, together = "segments_fts", match_expression(parts, "text_folded", "text"), _together(parts)
    narrowed = _narrowed(db, kept)
    where = " AND ".join([f"{fts} MATCH ?", *narrowed, *(k.passage for k in kept)])
    joined = f"{fts} JOIN segments s ON s.id = {fts}.rowid"
    tables = f"{joined} JOIN interviews i ON i.id = s.interview_id" if kept else fts
    newest = f"ORDER BY {fts}.rowid DESC LIMIT {RANK_AT_MOST + 1}"
    if narrowed:  # few passages can pass: score them in the same pass
        rows = db.execute(f"SELECT {fts}.rowid, {together}, bm25({fts}) FROM {tables} WHERE {where} {newest}",
                          [match]).fetchall()
        broad, rows = len(rows) > RANK_AT_MOST, rows[:RANK_AT_MOST]
    else:  # the newest matches that pass, without scores (cheap); then scores, if there are few enough
        ids = [r[0] for r in db.execute(f"SELECT {fts}.rowid FROM {tables} WHERE {where} {newest}", [match])]
        broad, rows = len(ids) > RANK_AT_MOST, []
        if broad:
            rows = db.execute(f"SELECT s.id, {together}, 0 FROM segments s WHERE s.id IN {_in(ids[:-1])}").fetchall()
        elif ids:  # the filters were checked: the rowids they let through are enough now
            known = f" AND +{fts}.rowid IN {_in(ids)}" if kept else ""
            rows = db.execute(f"SELECT {fts}.rowid, {together}, bm25({fts}) FROM {joined if together != '0' else fts}"
                              f" WHERE {fts} MATCH ? AND {fts}.rowid >= ?{known}", [match, ids[-1]]).fetchall()
    scored = [(r[0], r[1] * ADJACENT_BONUS - (0 if broad else r[2])) for r in rows]
    ranked = sorted(scored, key=lambda r: (r[1], r[0]), reverse=True)[offset:offset + limit]
    details = {row[3]: row for row in db.execute(
        "SELECT i.id, i.code, i.title, s.id, s.start, s.\"end\", coalesce(p.full_name, s.speaker), s.text, "
        "i.consent_status, i.date FROM segments s JOIN interviews i ON i.id = s.interview_id "
        "LEFT JOIN speakers sp ON sp.interview_id = s.interview_id AND sp.label = s.speaker "
        f"LEFT JOIN people p ON p.id = sp.person_id WHERE s.id IN {_in(r[0] for r in ranked)}")}
    return [_hit(parts, details[r[0]][:3], details[r[0]][3:8], (float(r[1]), *details[r[0]][8:]))
            for r in ranked if r[0] in details]


def _together(parts: list[Part]) -> str:
    """SQL that is 1 when every run of unquoted words stands side by side in the passage's folded text:
    cheaper than a phrase query, which FTS5 would check in every passage holding the words."""
    checks = []
    for part in parts:
        if not part.phrase and len(part.words) > 1:
            run = " ".join(fold(w) for w in part.words)  # letters and digits only: nothing GLOB would read
            end = "" if part.prefix else "[^a-z0-9]"  # the last word ends there (unless it is a prefix)
            checks.append(f"instr(' ' || s.text_folded, ' {run}') AND ' ' || s.text_folded || ' ' "
                          f"GLOB '* {run}{end}*'")
    return "(" + " AND ".join(checks) + ")" if checks else "0"


def _hit(parts: list[Part], interview: tuple, passage: tuple, rest: tuple) -> Hit:
    """From (id, code, title), (segment id, start, end, speaker, text) and (score, consent, date)."""
    plain, marked = snippets(passage[4] or "", parts)
    return Hit(*interview, *passage, plain, marked, *rest)


def snippets(text: str, parts: list[Part]) -> tuple[str, str]:
    """(plain with ⟦⟧, HTML with <mark>) of ``text`` around the first matched word, in its own spelling.

    The HTML is built from escaped pieces, and the marks are added around them afterwards, so nothing in
    the text can close or open a tag.
    """
    words = list(_WORD.finditer(text))
    hit = {i for i, w in enumerate(words) if _matches(w.group(1), parts)}
    first = 0
    if len(words) > SNIPPET_WORDS:
        first = min(max(0, min(hit, default=0) - SNIPPET_WORDS // 4), len(words) - SNIPPET_WORDS)
    shown = words[first:first + SNIPPET_WORDS]
    start = shown[0].start() if first else 0
    end = shown[-1].end() if first + SNIPPET_WORDS < len(words) else len(text)
    plain, marked, at = [], [], start
    for i, word in enumerate(shown, first):
        if i in hit:
            between, inside = text[at:word.start(1)], word.group(1)
            plain += [between, "⟦", inside, "⟧"]
            marked += [html.escape(between), "<mark>", html.escape(inside), "</mark>"]
            at = word.end(1)
    plain.append(text[at:end])
    marked.append(html.escape(text[at:end]))
    before, after = ("…" if start else ""), ("…" if end < len(text) else "")
    return before + "".join(plain) + after, before + "".join(marked) + after


def _matches(word: str, parts: list[Part]) -> bool:
    return any((own := word.lower() if part.exact else fold(word)) in part.words
               or (part.prefix and own.startswith(part.words[-1])) for part in parts)


@dataclass(frozen=True)
class Kept:
    """One filter as SQL: on a passage ``s`` of interview ``i``; on an interview ``i`` for a metadata hit
    ("0": never); and the tagged passages' ids, when tags count."""

    passage: str
    interview: str
    tagged: str | None = None


def _filters(db: Database, f: SearchFilters) -> list[Kept]:
    kept, held = [], []
    if f.person is not None:
        ids = _in(_people(db, f.person))
        named = f"EXISTS (SELECT 1 FROM interview_people x WHERE x.interview_id = i.id AND x.person_id IN {ids})"
        speaks = f"EXISTS (SELECT 1 FROM speakers x WHERE x.interview_id = i.id AND x.person_id IN {ids}"
        kept.append(_tagged("segment_people", "person_id", ids, f"({named} OR {speaks}))",
                            f"{named} OR {speaks} AND x.label = s.speaker)"))
    if f.event is not None:
        ids = _in(_events(db, f.event))
        named = f"EXISTS (SELECT 1 FROM interview_events x WHERE x.interview_id = i.id AND x.event_id IN {ids})"
        kept.append(_tagged("segment_events", "event_id", ids, named, named))
    if f.place is not None:
        ids = _in(_places(db, f.place))
        kept.append(_tagged("segment_places", "place_id", ids, f"i.place_id IN {ids}", f"i.place_id IN {ids}"))
    if f.commune is not None:
        held.append(f"i.place_id IN {_in(_places(db, f.commune, 'commune'))}")
    if f.date_from:
        held.append(f"i.date >= '{_iso(f.date_from)}'")  # _iso returns digits and dashes only
    if f.date_to:
        bound = _iso(f.date_to)  # "1975-04" takes in every day of April 1975
        held.append(f"substr(i.date, 1, {len(bound)}) <= '{bound}'")
    if not f.include_restricted:
        held.append("(i.consent_status = 'allowed' OR (i.consent_status = 'embargoed' "
                    "AND i.consent_until < date('now')))")
    if held:
        kept.append(Kept(" AND ".join(held), " AND ".join(held)))
    if f.reviewed_only:
        kept.append(Kept("s.review_status = 'verified'", "0"))
    return kept


def _tagged(table: str, column: str, ids: str, named: str, own: str) -> Kept:
    """A passage tagged with one of ``ids``, or one that ``own`` lets through (its interview names them)."""
    tag = f"EXISTS (SELECT 1 FROM {table} x WHERE x.segment_id = s.id AND x.{column} IN {ids})"
    return Kept(f"({tag} OR {own})", named, f"SELECT segment_id FROM {table} WHERE {column} IN {ids}")


def _narrowed(db: Database, kept: list[Kept]) -> list[str]:
    """A check of the matches' rowids against the passages the filters could keep, if that is at most
    NARROW_AT_MOST of the archive. FTS5 cannot filter on other tables, so a filtered search joins every
    match to its passage and interview (half a microsecond each, 100 ms for a common word); looking the
    rowid up in a list of the few passages that can pass costs a fifth of that."""
    interviews = db.execute("SELECT count(*) FROM interviews").fetchone()[0]
    passages = db.execute("SELECT coalesce(max(id), 0) FROM segments").fetchone()[0]  # near enough, and instant
    sets = []
    for k in kept:
        if k.interview == "0":
            continue
        held = f"SELECT id FROM segments WHERE interview_id IN (SELECT i.id FROM interviews i WHERE {k.interview})"
        size = db.execute(f"SELECT count(*) FROM interviews i WHERE {k.interview}").fetchone()[0] * passages
        size = size / max(interviews, 1) + (db.execute(f"SELECT count(*) FROM ({k.tagged})").fetchone()[0]
                                            if k.tagged else 0)
        if size <= passages * NARROW_AT_MOST:
            sets.append(f"{held} UNION {k.tagged}" if k.tagged else held)
    # The unary + keeps SQLite from handing the list to FTS5 as rowid lookups, a whole query each.
    return [f"+segments_fts.rowid IN ({' INTERSECT '.join(sets)})"] if sets else []


def _in(ids) -> str:
    return "(" + ",".join(str(int(i)) for i in sorted(ids)) + ")"  # integers only: safe to inline


def _people(db: Database, who: str | int) -> set[int]:
    if str(who).strip().isdigit():
        ids = {r[0] for r in db.execute("SELECT id FROM people WHERE id = ?", [int(who)])}
    else:
        key = fold(str(who))
        ids = {r[0] for r in db.execute("SELECT id FROM people WHERE name_folded = ?", [key])} or {
            r[0] for r in db.execute("SELECT id FROM people WHERE ' ' || name_folded || ' ' LIKE ?", [f"% {key} %"])}
    if not ids:
        raise NotFound(f"No person called “{who}” in the archive: `loike people` lists the names and numbers.")
    # A merged record points at the one kept; either number finds both.
    return ids | {r[0] for r in db.execute(
        f"SELECT id FROM people WHERE merged_into IN {_in(ids)} UNION "
        f"SELECT merged_into FROM people WHERE id IN {_in(ids)} AND merged_into IS NOT NULL")}


def _events(db: Database, what: str | int) -> set[int]:
    key = fold(str(what))
    ids = {r[0] for r in db.execute("SELECT id, name_folded, aliases FROM events")
           if str(r[0]) == key or key in [r[1]] + [fold(a) for a in json.loads(r[2] or "[]")]}
    if not ids:
        raise NotFound(f"No event called “{what}” in the archive: check the spelling in the metadata.")
    return ids


def _places(db: Database, where: str | int, kind: str | None = None) -> set[int]:
    """The places so named (or numbered), of ``kind`` if given, and every place under them."""
    key, found = fold(str(where)), set()
    for pid, name, place_kind, former in db.execute("SELECT id, name_folded, kind, former_names FROM places"):
        names = {name, _ADMIN.sub("", name)} | {fold(n) for n in json.loads(former or "[]")}
        if (str(pid) == key or key in names or _ADMIN.sub("", key) in names) and kind in (None, place_kind):
            found.add(pid)
    if not found:
        raise NotFound(f"No {kind or 'place'} called “{where}” in the archive: check the spelling in the metadata.")
    return {r[0] for r in db.execute(
        f"WITH RECURSIVE under(id) AS (SELECT id FROM places WHERE id IN {_in(found)} "
        "UNION SELECT p.id FROM places p JOIN under u ON p.parent_id = u.id) SELECT id FROM under")}


def _iso(day: str) -> str:
    """yyyy-mm-dd (or yyyy-mm, yyyy) from what people write: 30/4/1975, 04/1975, 1975, 1975-04-30."""
    text = day.strip()
    pieces = text.split("/")[::-1] if "/" in text else text.split("-")
    try:
        numbers = [int(p) for p in pieces]
        if not 1 <= len(numbers) <= 3 or not 1000 <= numbers[0] <= 9999:
            raise ValueError(text)
        date(numbers[0], *(numbers[1:] + [1, 1])[:2])  # checks the month and day
    except ValueError:
        raise LoikeError(f"“{day}” is not a date: write it as dd/mm/yyyy, e.g. 30/04/1975.") from None
    return "-".join([f"{numbers[0]:04d}"] + [f"{n:02d}" for n in numbers[1:]])


def reindex(db: Database) -> int:
    """Refold every passage and interview and rebuild both indexes, in one transaction; returns the passages
    indexed. For after a raw edit of ``text`` that left ``text_folded`` stale, or a change to ``fold``."""
    db.conn.create_function("loike_fold", 1, lambda t: None if t is None else fold(t), deterministic=True)
    with db.atomic():
        # Only rows whose folding changed are written, so the index triggers fire for those alone.
        db.execute("UPDATE segments SET text_folded = loike_fold(text) WHERE text_folded IS NOT loike_fold(text)")
        db.execute("UPDATE interviews SET search_folded = loike_fold(search_text) "
                   "WHERE search_folded IS NOT loike_fold(search_text)")
        db.execute("INSERT INTO segments_fts(segments_fts) VALUES('rebuild')")
        db.execute("INSERT INTO interviews_fts(interviews_fts) VALUES('rebuild')")
        return db.execute("SELECT count(*) FROM segments").fetchone()[0]
