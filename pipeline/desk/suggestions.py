"""Suggestions offered in place: the names the metadata gives, and corrections editors already made.

Names: the interview's people, the archive's places (with their former names, and as said: "xã Bắc Cường", "chi
bộ xã Bắc Cường") and events (with their other names), and the terms of ``recordings/glossary.txt``, matched
against each line syllable by syllable by how alike they sound (``syllables.alike``): "chi bố xa bắt dùng" is
close to "chi bộ xã Bắc Cường". A stretch of a line is offered a name when every one of its syllables is alike
enough to the name's and all of them on average, and it is not already the name as written. The names the
interview's own metadata gives (its people, its commune and the places it lies in, its events) are the ones most
likely said, and pass lower bars (``OWN``) than the rest of the archive's (``OTHER``), which a misheard word
comes near by chance more often than it is meant.

Drafts: a gap (speech Whisper wrote nothing for) is offered what a second listen to it wrote, if anything.

A line as the machine wrote it with more words than its time holds (flagged ``too_fast``: a sentence Whisper wrote
again) is offered nothing.

Corrections: every edit that changed a line's text is read back as the phrases it replaced (``learning``); where
the old phrase still stands in a line, exactly as it was, the editor's is offered.

Heard again: a name offered for a stretch is weighed against the near names of its kind (``rivals``: the other
communes said as it is, the interview's other people), by how likely Whisper finds the line with each
(``desk.hearing``, after a run and by ``loike suggest``); where one of them is heard clearly better, the name is
not offered. A name not weighed yet (in a draft taken since, say) is offered.

A suggestion an editor turned down is not offered again in that interview, for those words on any line (the same
misheard words come back with a sentence said again, and one judgement answers them all), until it is offered again;
one accepted is a change like any other (a revision ``accept``, under the editor's name).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from pipeline import database
from pipeline.database import Database
from pipeline.database.models import Segment
from pipeline.desk import editing, replacing
from pipeline.desk.learning import bare, corrections
from pipeline.desk.syllables import alike as syllables_alike
from pipeline.errors import Conflict, InvalidEdit
from pipeline.run.steps import glossary
from pipeline.settings import Archive
from pipeline.speech import flags
from pipeline.text import fold, nfc


@dataclass(frozen=True)
class Bars:
    """How alike a stretch must be to a name to be offered it: each syllable, and all of them on average (a name
    of two syllables, which common words come close to by chance, on ``short`` instead)."""

    syllable: float
    phrase: float
    short: float


OWN = Bars(syllable=0.3, phrase=0.7, short=0.85)
OTHER = Bars(syllable=0.5, phrase=0.8, short=0.9)
"""Chosen on bench/suggest_bench.py's sets (docs/benchmarks.md, "Names from the metadata: suggestions"): with one
bar for every name, "xa đồng phân" (said "xã Tân Phong") was offered the archive's other commune "xã Hồng Phong".
A commune's bare name (two syllables) offered on 0.75 to 0.85 was wrong every time ("quà bình" → "Hòa Bình" in a
line saying "Thanh niên … hỏa tuyến"); said as "xã Hòa Bình" it is matched on the phrase bar."""
HEARD_AGAIN = "máy nghe lại"
"""The source of a gap's draft: speech Whisper first wrote nothing for, decoded again alone
(``transcribe.Transcriber._heard_again``). Taken, it fills the gap, and the names in it are offered as anywhere."""
RIVALS = 5
"""How many near names a name is weighed against: the ones written most alike to the stretch."""
HEARD_BETTER_BY = -3.0
"""A name is not offered where its best rival makes the line likelier by more than 3 (log-likelihood: e³, twenty
times). At 0, near names heard alike ("xã Đông Hưng", "xã Nghĩa Hưng") took right suggestions from each other
(docs/benchmarks.md, "Names heard again")."""
WORD = re.compile(r"\w+")
PLACE_PREFIXES = {
    "commune": ("", "xã", "chi bộ xã", "Đảng bộ xã"),
    "district": ("", "huyện"),
    "province": ("", "tỉnh"),
}
"""How a place is named in speech: "xã Bắc Cường", and the Party committee the histories are about."""
TITLES = ("", "ông", "bà", "đồng chí")
"""How a person is named in speech: "đồng chí Hoàng Thị Nga"."""
TITLE_AT_LEAST = 0.65
"""How alike a title must be heard ("ông chí" for "đồng chí", not "cho" for "ông")."""
TITLE_LIFTS = 0.05
"""How far a title heard well may lift a name over its bar: the name's own syllables must come within this of it.
"bà tôn đốt gạo" (said "bà con góp gạo") is 0.73 alike to "bà Hoàng Đức Thảo" with the title, 0.64 without."""
OTHER_PLACE_PREFIX_AT_LEAST = 0.7
"""How alike "xã", "chi bộ xã" must be heard before a commune of the archive the interview is not about: "và biến
mình" (said "Bà Nguyễn Minh Hương") is 0.81 alike to "xã Bình Minh" with "và" for "xã" (0.65). The interview's own
places keep the bar of any syllable: "xa", "sa", "sạng" for "xã" are all heard there."""
FEW_PEOPLE = 4
"""An interview that names more people than this (a workshop) has them matched on the archive's bars: the more
names a line is held against, the more often a misheard word comes near one by chance. On bench/suggest_bench.py's
sets with eight more people in each interview's metadata (--more-people 8): wrong suggestions 2.5 → 0.62 per
10 minutes, misheard names caught 52 → 42 %."""


@dataclass(frozen=True)
class Suggestion:
    """A stretch of a line and what to put in its place."""

    segment_id: int
    line: int
    start: float
    version: int
    offset: int
    """Where the stretch begins in the line's text, in characters."""
    found: str
    suggestion: str
    source: str
    """Where the suggestion comes from: "người", "địa danh", "sự kiện", "từ điển" (the glossary), "đã sửa"
    (an editor's correction elsewhere) or "máy nghe lại" (``HEARD_AGAIN``: a draft for a gap, ``found`` empty)."""
    score: float
    rivals: tuple[str, ...] = ()
    """The near names of its kind it is weighed against (``desk.hearing``), nearest first."""


@dataclass(frozen=True)
class Name:
    text: str
    source: str
    syllables: tuple[str, ...]
    bars: Bars
    titled: int = 0
    """How many of its syllables are a title said before a person's name ("ông", "đồng chí")."""
    prefixed: int = 0
    """How many of its syllables are what is said before a place's name ("xã", "chi bộ xã")."""


def names(db: Database, archive: Archive, interview_id: int) -> list[Name]:
    """Every name a line of this interview may be offered, longest first (a longer match says more), then its
    own before the archive's."""
    own_places = {place.id for place in database.interview_places(db, interview_id)}
    own_events = {event.id for event in database.interview_events(db, interview_id)}
    people = database.interview_people(db, interview_id)
    bars = OWN if len(people) <= FEW_PEOPLE else OTHER
    found = [
        (f"{title} {p.full_name}".strip(), "người", bars, len(title.split()), 0) for p in people for title in TITLES
    ]
    for place in database.places(db):
        bars = OWN if place.id in own_places else OTHER
        for name in [place.name, *place.former_names]:
            prefixes = PLACE_PREFIXES.get(place.kind, ("",))
            found += [(f"{prefix} {name}".strip(), "địa danh", bars, 0, len(prefix.split())) for prefix in prefixes]
    for event in database.events(db):
        bars = OWN if event.id in own_events else OTHER
        found += [(name, "sự kiện", bars, 0, 0) for name in [event.name, *event.aliases]]
    found += [(term, "từ điển", OTHER, 0, 0) for term in glossary(archive)]
    unique: dict[tuple[str, ...], Name] = {}
    for text, source, bars, titled, prefixed in sorted(found, key=lambda f: f[2] is not OWN):
        syllables = tuple(WORD.findall(fold(text)))
        if len(syllables) >= 2 and syllables not in unique:  # one syllable alone is like too many words
            unique[syllables] = Name(nfc(text), source, syllables, bars, titled, prefixed)
    return sorted(unique.values(), key=lambda n: (-len(n.syllables), n.bars is not OWN))


def suggestions(db: Database, archive: Archive, interview: str) -> list[Suggestion]:
    """What to offer in the lines of an interview (its code or number), in line order."""
    found = database.interview(db, str(interview))
    if found is None:
        raise InvalidEdit(f"There is no interview {interview}: `loike status` lists them.", "Không có phỏng vấn này.")
    known = names(db, archive, found.id)
    learned = corrections(db)
    declined = {_turned_down(*pair) for pair in database.declined_suggestions(db, found.id)}
    heard = database.names_heard(db, found.id)
    offered = []
    starts: dict = {}
    for segment in database.segments(db, found.id, with_words=False):
        if _written_again(segment):
            continue
        for suggestion in _draft(segment) + _in_line(segment, known, learned, starts):
            if _turned_down(suggestion.found, suggestion.suggestion) in declined:
                continue
            if heard.get(heard_key(suggestion), HEARD_BETTER_BY) >= HEARD_BETTER_BY:
                offered.append(suggestion)
    return offered


def heard_key(suggestion: Suggestion) -> tuple[int, str, str, str]:
    """What a name's weighing is stored under: the line, the words found, the name and its rivals."""
    return suggestion.segment_id, suggestion.found, suggestion.suggestion, "|".join(suggestion.rivals)


def _written_again(segment: Segment) -> bool:
    """A line as the machine wrote it with more words than its time holds (``flags.TOO_FAST``): text Whisper wrote
    again, not speech. A name offered there would be fixing a line that is to go."""
    return segment.review_status == "machine" and "too_fast" in segment.flag_codes


def _turned_down(found: str, suggestion: str) -> tuple[str, str]:
    """What a suggestion turned down is remembered by: the words it was for and what it offered, in any case (a
    sentence begins with a capital) and without the punctuation around them."""
    return bare(nfc(found)).lower(), nfc(suggestion).lower()


def _draft(segment: Segment) -> list[Suggestion]:
    """The draft a second listen wrote for a gap nobody has written yet, to fill the whole line."""
    if segment.heard_again and flags.unwritten_gap(segment.text, segment.flag_codes):
        return [_suggestion(segment, 0, 0, segment.heard_again, HEARD_AGAIN, 0.0)]
    return []


def _in_line(segment: Segment, known: list[Name], learned: dict[str, str], starts: dict) -> list[Suggestion]:
    """What to offer in one line: the corrections first, then the names (``_first_offered``), never two on one stretch.
    ``starts`` caches, by folded syllable, the names whose first syllable is alike enough to it to begin one (a
    line's syllables mostly begin none, and an interview repeats its syllables)."""
    words = [(m.start(), m.end(), _folded(m.group())) for m in WORD.finditer(segment.text)]
    syllables = [w[2] for w in words]
    taken: list[tuple[int, int]] = []
    found = []
    for wrong, right in learned.items():
        for start, end in replacing.matches(segment.text, _exactly(wrong), True):
            if segment.text[start:end] != right and not _overlaps(taken, start, end):
                taken.append((start, end))
                found.append(_suggestion(segment, start, end, right, "đã sửa", 1.0))
    candidates = []
    for i, syllable in enumerate(syllables):
        if syllable not in starts:
            starts[syllable] = [
                name for name in known if syllables_alike(syllable, name.syllables[0]) >= name.bars.syllable
            ]
        for name in starts[syllable]:
            k = len(name.syllables)
            score = _alike(tuple(syllables[i : i + k]), name) if i + k <= len(syllables) else None
            if score is not None:
                candidates.append((i, name, score))
    candidates = [c for c in candidates if not _outdone(c, candidates, syllables)]
    for i, name, score in sorted(candidates, key=_first_offered):
        k = len(name.syllables)
        start, end = words[i][0], words[i + k - 1][1]
        if _overlaps(taken, start, end):
            continue
        taken.append((start, end))  # the name as written too: nothing to offer there, nor inside it
        if not _as_written(segment.text[words[i + name.titled][0] : end], name):
            rivals = tuple(_capital_kept(segment.text[start], r) for r in _rivals(syllables[i : i + k], name, known))
            offered = _capital_kept(segment.text[start], name.text)
            found.append(_suggestion(segment, start, end, offered, name.source, score, rivals))
    return sorted(found, key=lambda s: s.offset)


def _first_offered(candidate: tuple) -> tuple:
    """Longer names first, then the interview's own, then the one heard better ("chân quan tương" is offered
    "Trần Quang Hương" before "Phạm Văn Hương"), then the earlier in the line."""
    i, name, score = candidate
    return -len(name.syllables), name.bars is not OWN, -score, i


def _outdone(candidate: tuple, candidates: list[tuple], syllables: list[str]) -> bool:
    """A longer name around a shorter one heard better ("Thành lập Chi bộ xã Bắc Cường" around "chi bộ xã Bắc
    Cường") is offered only where its other syllables are alike enough on their own: else "trang tâm, chi bố xa
    bắt tương" (said "Tháng Tám, chi bộ xã Bắc Cường") would be offered the event."""
    i, name, score = candidate
    k = len(name.syllables)
    for j, inner, inner_score in candidates:
        m = len(inner.syllables)
        if m < k and i <= j and j + m <= i + k and inner_score > score:
            rest = [syllables_alike(syllables[i + p], name.syllables[p]) for p in range(k) if not j <= i + p < j + m]
            if sum(rest) / len(rest) < name.bars.phrase:
                return True
    return False


def _rivals(window: list[str], name: Name, known: list[Name]) -> list[str]:
    """The names of the same kind, said the same way ("xã …", "đồng chí …"), written most alike to the stretch."""
    form = name.syllables[: name.titled + name.prefixed]
    said_so = (name.source, name.titled, name.prefixed, form)
    same_kind = [o for o in known if (o.source, o.titled, o.prefixed, o.syllables[: len(form)]) == said_so]

    def likeness(other: Name) -> float:
        alike = sum(syllables_alike(ours, theirs) for ours, theirs in zip(window, other.syllables))
        return alike / max(len(window), len(other.syllables))

    return [other.text for other in sorted(same_kind, key=likeness, reverse=True) if other != name][:RIVALS]


def _as_written(stretch: str, name: Name) -> bool:
    """The name stands in the line as written, a title before it or not."""
    return nfc(stretch).lower() == name.text.split(maxsplit=name.titled)[-1].lower()


def _capital_kept(first: str, text: str) -> str:
    """A name offered for a stretch that begins a sentence begins with a capital too: "Ông Nguyễn Văn Hùng"."""
    return text[:1].upper() + text[1:] if first.isupper() else text


@lru_cache(maxsize=100_000)
def _folded(word: str) -> str:
    return fold(word)


def _suggestion(
    segment: Segment, start: int, end: int, text: str, source: str, score: float, rivals: tuple[str, ...] = ()
) -> Suggestion:
    found = segment.text[start:end]
    return Suggestion(
        segment.id, segment.idx + 1, segment.start, segment.version, start, found, text, source, score, rivals
    )


def _alike(window: tuple[str, ...], name: Name) -> float | None:
    """How alike a line's folded syllables are to a name's, on average; None when below the name's bars."""
    scores = [syllables_alike(ours, theirs) for ours, theirs in zip(window, name.syllables)]
    if any(score < (TITLE_AT_LEAST if n < name.titled else name.bars.syllable) for n, score in enumerate(scores)):
        return None
    mean = sum(scores) / len(scores)
    if mean < (name.bars.short if len(scores) == 2 else name.bars.phrase):
        return None
    if name.prefixed and name.bars is OTHER and min(scores[: name.prefixed]) < OTHER_PLACE_PREFIX_AT_LEAST:
        return None
    if name.titled and sum(scores[name.titled :]) / (len(scores) - name.titled) < name.bars.phrase - TITLE_LIFTS:
        return None
    return round(mean, 3)


def _overlaps(taken: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(start < b and a < end for a, b in taken)


@lru_cache(maxsize=4096)
def _exactly(phrase: str) -> re.Pattern:
    return replacing.pattern_of(phrase, True)[0]


# --- taking or turning down a suggestion ------------------------------------------------------------


def accept(db: Database, segment_id: int, version: int, offset: int, found: str, suggestion: str, editor: str):
    """Put ``suggestion`` in place of ``found`` at ``offset`` in a line (at ``version``); a revision ``accept``."""
    with database.writing(db):
        current = editing.segment(db, segment_id)
        if current.version != int(version):
            raise Conflict(current)
        if not found and current.text.strip():
            raise InvalidEdit(
                "The line already holds words, and a draft goes only where nothing is written: reload the suggestions.",
                "Dòng này đã có chữ, bản máy nghe lại chỉ điền vào chỗ trống: hãy tải lại gợi ý.",
            )
        if current.text[offset : offset + len(found)] != found:
            raise InvalidEdit(
                "The line no longer holds the words this suggestion was for: reload the suggestions.",
                "Dòng này không còn những chữ mà gợi ý nhắm tới: hãy tải lại gợi ý.",
            )
        text = editing.clean_text(current.text[:offset] + nfc(suggestion) + current.text[offset + len(found) :])
        changes: dict[str, Any] = {"text": text}
        if current.review_status == "machine":
            changes["review_status"] = "edited"
        if not database.update_segment(db, current, changes, editor):
            raise InvalidEdit("The line changed meanwhile: reload it.", "Dòng này vừa thay đổi: hãy tải lại.")
        after = replace(current, **changes, version=current.version + 1)
        database.add_revision(db, after, "accept", editor, database.snapshot(current), database.snapshot(after))
    return editing.segment(db, segment_id)


def decline(db: Database, segment_id: int, found: str, suggestion: str, editor: str) -> None:
    """Turn a suggestion down: it is not offered again in this line's interview, for these words on any line."""
    with database.writing(db):
        editing.segment(db, segment_id)
        database.decline_suggestion(db, segment_id, found, suggestion, editor)


def offer_again(db: Database, segment_id: int, found: str, suggestion: str) -> int:
    """Offer again a suggestion turned down (by mistake) for these words, on every line of the interview it was turned
    down on; on how many lines it was."""
    with database.writing(db):
        line = editing.segment(db, segment_id)
        key = _turned_down(found, suggestion)
        pairs = [pair for pair in database.declined_suggestions(db, line.interview_id) if _turned_down(*pair) == key]
        return sum(database.offer_suggestion_again(db, line.interview_id, *pair) for pair in pairs)
