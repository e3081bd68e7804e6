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

What comes back: first the interviews found through their metadata alone (``interviews.search_text``: title, people,
places, events, topics, notes matches, but none of their passages does), as hits without a segment (``segment_id``
and ``start`` are None), then the points of the editors' index that match (title, synopsis, keywords, subjects,
first words heard, and their English ``_alt``; every word must be in the point, read as passages are: tones optional
unless quoted), as hits with ``index_point_id`` and ``start`` the point's time, then the passages. Interviews and
passages are each ranked by bm25 on their own index (scores from two indexes do not compare), index points by where
their words were found (a title counts most); ``limit`` and ``offset`` page through the three as one list;
``Hit.kind`` says which each hit is. ``SearchFilters.interviews=False`` leaves the interviews out, ``index=False``
the index points; both are left out with ``reviewed_only``. ``Hit.score`` is minus SQLite's bm25, so higher is
better, plus ``ADJACENT_BONUS`` for a passage where the unquoted words stand side by side. A query matching more
than ``RANK_AT_MOST`` passages is too broad to rank: its newest matches come newest first (these three constants,
and the queries, are the data layer's: ``database.search_index``). Filters: see ``SearchFilters``; a name no person,
event or place has raises ``NotFound``, a date that is not one raises ``LoikeError``, each with what to do.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date

from pipeline import database
from pipeline.database import Database
from pipeline.database.search_records import IndexMatch, IndexPointMatch, SearchScope, TextQuery
from pipeline.errors import LoikeError
from pipeline.i18n import _
from pipeline.text import fold, nfc

_WORD = re.compile(r"([^\W_]+)(\*?)")  # like FTS5's unicode61: letters and digits; "_" separates
_QUOTED = re.compile(r'"([^"]*)"')
SNIPPET_WORDS = 40
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
    index: bool = True  # also return, next, the points of the editors' index that match
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
    consent_until: str | None = None  # the day an embargo ends
    publishable: bool = False  # consent given, or an embargo that has ended: unknown consent is not
    index_point_id: int | None = None  # a point of the editors' index (``start`` its time, ``text`` its title)
    kind: str = "passage"  # "interview" (found through its metadata), "index_point" or "passage"


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
        parts += _runs(query[at : quoted.start()], exact)
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
            clauses.append(
                f"{column} : ("
                + " AND ".join(
                    _string((w,), part.prefix and i == len(part.words) - 1) for i, w in enumerate(part.words)
                )
                + ")"
            )
    return " AND ".join(clauses)


def _string(words: tuple[str, ...], prefix: bool) -> str:
    return '"' + " ".join(words).replace('"', '""') + '"' + (" *" if prefix else "")


def search(db: Database, query: str, filters: SearchFilters | None = None, exact: bool = False) -> list[Hit]:
    """Interviews found through their metadata alone, then points of the editors' index, then passages, each best
    first; an empty query finds nothing."""
    filters = filters or SearchFilters()
    parts = parse(query, exact)
    if not parts or filters.limit <= 0:
        return []
    scope, text = _scope(db, filters), _text_query(parts)
    listed = filters.interviews and not filters.reviewed_only
    found = [_hit(parts, m) for m in database.interviews_found_by_metadata(db, text, scope)] if listed else []
    points = index_points_matched(db, parts, scope) if filters.index and not filters.reviewed_only else []
    offset, limit = max(filters.offset, 0), filters.limit
    page = found[offset : offset + limit]
    offset, limit = max(offset - len(found), 0), limit - len(page)
    page += [_point_hit(parts, match, score) for score, match in points[offset : offset + limit]]  # the page's only
    offset, limit = max(offset - len(points), 0), filters.limit - len(page)
    page += [_hit(parts, match) for match in database.passages_found(db, text, scope, limit, offset)] if limit else []
    return page


def index_points_matched(db: Database, parts: list[Part], scope: SearchScope) -> list[tuple[float, IndexPointMatch]]:
    """The points of the editors' index (of the interviews ``scope`` lets through) holding every part of the query,
    with their scores, best first: a word in the title counts most, then keywords and subjects, the synopsis, the
    first words heard. The data layer hands over only the points whose folded text holds every word somewhere."""
    matched = []
    words = {fold(word) for part in parts for word in part.words}
    for found in database.index_points_in_scope(db, scope, words):
        fields = [(weight, _words(text)) for weight, text in _point_texts(found)]
        whole = ([w for _, words in fields for w in words[0]], [w for _, words in fields for w in words[1]])
        # A phrase stands within one field; the words of a run may lie in different ones (title and keywords).
        if all(any(_holds(words, p) for _, words in fields) if p.phrase else _holds(whole, p) for p in parts):
            score = sum(weight for weight, words in fields for part in parts if _holds(words, part, every=False))
            matched.append((float(score), found))
    return sorted(matched, key=lambda pair: -pair[0])


def _point_texts(found: IndexPointMatch) -> list[tuple[int, str]]:
    """(weight, text) of each field of the point that has one, in the order a hit shows them."""
    p = found.point
    lists = "; ".join(p.keywords + p.subjects)
    alts = (p.title_alt, p.synopsis_alt, "; ".join(p.keywords_alt + p.subjects_alt), p.partial_transcript_alt)
    texts = [(4, p.title), (2, p.synopsis), (3, lists), (1, p.partial_transcript), *((1, alt) for alt in alts)]
    return [(weight, text) for weight, text in texts if text]


def _words(text: str) -> tuple[list[str], list[str]]:
    """The words of ``text``: folded, and in NFC lower case (what quoted words are matched against)."""
    lowered = nfc(text).lower()
    return [word for word, _ in _WORD.findall(fold(lowered))], [word for word, _ in _WORD.findall(lowered)]


def _holds(words: tuple[list[str], list[str]], part: Part, every: bool = True) -> bool:
    """Whether these words hold ``part`` as the search index would match it: each of its words (side by side when
    it is a phrase; the last a prefix when it is one), or, with ``every`` False, any of them."""
    own = words[1] if part.exact else words[0]
    last = len(part.words) - 1

    def same(word: str, i: int) -> bool:
        return word.startswith(part.words[i]) if part.prefix and i == last else word == part.words[i]

    if not every:
        return any(same(word, i) for word in own for i in range(last + 1))
    if part.phrase:
        return any(all(same(own[at + i], i) for i in range(last + 1)) for at in range(len(own) - last))
    return all(any(same(word, i) for word in own) for i in range(last + 1))


def _point_hit(parts: list[Part], found: IndexPointMatch, score: float) -> Hit:
    p = found.point
    plain, marked = snippets(" — ".join(text for _, text in _point_texts(found)), parts)
    return Hit(
        p.interview_id,
        found.interview_code,
        found.interview_title,
        None,
        p.time,
        None,
        None,
        p.title,
        plain,
        marked,
        score,
        found.consent_status,
        found.date,
        found.consent_until,
        found.publishable,
        index_point_id=p.id,
        kind="index_point",
    )


def _text_query(parts: list[Part]) -> TextQuery:
    """The match texts for both indexes, and the runs of unquoted words that rank higher side by side."""
    runs = tuple(
        (" ".join(fold(w) for w in part.words), part.prefix)
        for part in parts
        if not part.phrase and len(part.words) > 1
    )
    return TextQuery(
        match_expression(parts, "text_folded", "text"), match_expression(parts, "search_folded", "search_text"), runs
    )


def _scope(db: Database, f: SearchFilters) -> SearchScope:
    """The filters read: names into ids (``NotFound`` for a name nothing has), dates into ISO."""
    return SearchScope(
        people=database.people_named(db, f.person) if f.person is not None else None,
        events=database.events_named(db, f.event) if f.event is not None else None,
        places=database.places_named(db, f.place) if f.place is not None else None,
        communes=database.places_named(db, f.commune, "commune") if f.commune is not None else None,
        date_from=_iso(f.date_from) if f.date_from else None,
        date_to=_iso(f.date_to) if f.date_to else None,
        reviewed_only=f.reviewed_only,
        include_restricted=f.include_restricted,
    )


def _hit(parts: list[Part], match: IndexMatch) -> Hit:
    plain, marked = snippets(match.text or "", parts)
    return Hit(
        match.interview_id,
        match.interview_code,
        match.interview_title,
        match.segment_id,
        match.start,
        match.end,
        match.speaker,
        match.text,
        plain,
        marked,
        match.score,
        match.consent_status,
        match.date,
        match.consent_until,
        match.publishable,
        kind="passage" if match.segment_id is not None else "interview",
    )


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
    shown = words[first : first + SNIPPET_WORDS]
    start = shown[0].start() if first else 0
    end = shown[-1].end() if first + SNIPPET_WORDS < len(words) else len(text)
    plain, marked, at = [], [], start
    for i, word in enumerate(shown, first):
        if i in hit:
            between, inside = text[at : word.start(1)], word.group(1)
            plain += [between, "⟦", inside, "⟧"]
            marked += [html.escape(between), "<mark>", html.escape(inside), "</mark>"]
            at = word.end(1)
    plain.append(text[at:end])
    marked.append(html.escape(text[at:end]))
    before, after = ("…" if start else ""), ("…" if end < len(text) else "")
    return before + "".join(plain) + after, before + "".join(marked) + after


def _matches(word: str, parts: list[Part]) -> bool:
    return any(
        (own := word.lower() if part.exact else fold(word)) in part.words
        or (part.prefix and own.startswith(part.words[-1]))
        for part in parts
    )


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
        raise LoikeError(_("“{day}” is not a date: write it as dd/mm/yyyy, e.g. 30/04/1975.").format(day=day)) from None
    return "-".join([f"{numbers[0]:04d}"] + [f"{n:02d}" for n in numbers[1:]])
