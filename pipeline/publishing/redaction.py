"""Passages closed to the public: the one way every public output is made from a transcript.

A public output (an export of any format, quotes and their clips, the published site, ``package
--only-publishable``) reads the transcript through :func:`public` or :func:`public_all`, which build the
``Transcript`` with every passage still closed replaced by "[đoạn bị hạn chế đến DD/MM/YYYY]": the writers never
see the closed words, so a format added later cannot leak them. Lines a passage touches lose their word times and
their tags (a tagged name may be what was closed); an index point inside a closed passage is closed with it. The
audio of a public output is silent over the same spans (:func:`silences`), and the subject pages leave out the
passages a closed one touches (:func:`closed_subjects`). The archive copy (the database, the
review app and sheets, ``package`` without ``--only-publishable``) keeps everything.

Where an editor selected the passage in the review app, it is closed from that character of its first line to that
character of its last, provided the lines still read as they did then; otherwise (the text was edited since, a
segment merged away, or a passage given by times on the command line) every word heard in the span is closed, and
every line without word times that the span touches is closed whole: in doubt, more is closed, never less.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from pipeline import database
from pipeline.database import Database, Subject
from pipeline.database.public_records import IndexPoint, Redaction
from pipeline.publishing import transcript
from pipeline.publishing.quote_records import Quote
from pipeline.publishing.transcript import Line, Transcript, date_vn

Ranges = dict[int, list[tuple[int, int, Redaction]]]
"""Line id → the character ranges closed in its text, each with the redaction that closes it."""


def marker(redaction: Redaction) -> str:
    return f"[đoạn bị hạn chế đến {date_vn(redaction.until)}]"


def in_force(redactions: list[Redaction], today: str | None = None) -> list[Redaction]:
    """The passages still closed today: not withdrawn, their end date not passed."""
    day = today or date.today().isoformat()
    return [r for r in redactions if r.closed_on(day)]


def public(db: Database, key: str, today: str | None = None) -> Transcript:
    """The transcript of one interview as the public may read it."""
    t = transcript.load(db, key)
    return closed_copy(t, database.redactions(db, t.interview.id), today)


def public_all(
    db: Database, include_restricted: bool = False, words: bool = True
) -> tuple[list[Transcript], list[str]]:
    """Every transcribed interview cleared for publication (or all, asked), as the public may read it. Without
    ``words`` the lines carry no word times, except in interviews with a passage closed (closing by time needs
    them)."""
    closed = database.redactions(db)
    found, withheld = transcript.load_all(db, include_restricted, words or {r.interview_id for r in closed})
    return [closed_copy(t, [r for r in closed if r.interview_id == t.interview.id]) for t in found], withheld


def silences(t: Transcript) -> list[tuple[float, float]]:
    """The spans of audio a public copy of ``t`` must not let be heard."""
    return sorted((r.start, r.end) for r in t.closed)


def closed_copy(t: Transcript, redactions: list[Redaction], today: str | None = None) -> Transcript:
    """``t`` with the passages in force replaced; ``t`` itself is left as it is."""
    closing = in_force(redactions, today)
    if not closing:
        return t
    ranges: Ranges = {}
    for r in closing:
        for line_id, (a, b) in closed_ranges(t.lines, r).items():
            ranges.setdefault(line_id, []).append((a, b, r))
    lines = [_closed_line(line, ranges[line.id]) if line.id in ranges else line for line in t.lines]
    tags = {line_id: found for line_id, found in t.tags.items() if line_id not in ranges}
    index = [_closed_point(p, closing) if _inside(p.time, closing) else p for p in t.index]
    return replace(t, lines=lines, tags=tags, index=index, closed=closing)


def closed_ranges(lines: list[Line], r: Redaction) -> dict[int, tuple[int, int]]:
    """The characters of each line ``r`` closes: as selected when the lines still read so, else by time."""
    by_id = {line.id: line for line in lines}
    first, last = by_id.get(r.first_segment_id or -1), by_id.get(r.last_segment_id or -1)
    if first and last and first.idx <= last.idx and r.start_offset is not None and r.end_offset is not None:
        chosen = [line for line in lines if first.idx <= line.idx <= last.idx]
        ranges = {
            line.id: (r.start_offset if line is first else 0, r.end_offset if line is last else len(line.text))
            for line in chosen
        }
        selected = " ".join(by_id[i].text[a:b].strip() for i, (a, b) in ranges.items())
        if _words(selected) == _words(r.words or ""):
            return ranges
    touched = [line for line in lines if line.start < r.end and line.end > r.start]
    return {line.id: _heard(line, r.start, r.end) or (0, len(line.text)) for line in touched}


def _heard(line: Line, start: float, end: float) -> tuple[int, int] | None:
    """The characters of the words heard between ``start`` and ``end``, when the line's words still spell it."""
    spans, position = [], 0
    for word in line.words:
        token = word.text.strip()
        found = line.text.find(token, position) if token else position
        if found < 0 or line.text[position:found].strip():
            return None
        spans.append((found, found + len(token), word))
        position = found + len(token)
    if not spans or line.text[position:].strip():
        return None
    inside = [(a, b) for a, b, word in spans if word.start < end and word.end > start]
    return (inside[0][0], inside[-1][1]) if inside else None


def _closed_line(line: Line, closing: list[tuple[int, int, Redaction]]) -> Line:
    pieces, position = [], 0
    for a, b, r in sorted(closing, key=lambda c: c[0]):
        if b <= position:
            continue
        pieces += [line.text[position : max(a, position)], f" {marker(r)} "]
        position = b
    pieces.append(line.text[position:])
    text = re.sub(r"\] ([;:,.!?…])", r"]\1", " ".join("".join(pieces).split()))
    text = re.sub(r"(\[đoạn bị hạn chế đến [^\]]+\])(?: \1)+", r"\1", text)
    return replace(line, text=text, words=[])


def _inside(moment: float, closing: list[Redaction]) -> bool:
    return any(r.start <= moment < r.end for r in closing)


def _closed_point(point: IndexPoint, closing: list[Redaction]) -> IndexPoint:
    r = next(r for r in closing if r.start <= point.time < r.end)
    return IndexPoint(point.id, point.interview_id, point.time, marker(r))


def _words(text: str) -> list[str]:
    return text.split()


def closed_subjects(db: Database, subjects: list[Subject]) -> list[Subject]:
    """The subject pages' subjects without the passages a closed passage touches: a page listing a person's
    passages would otherwise tie them to what was closed."""
    closing = in_force(database.redactions(db))
    if not closing:
        return subjects
    spans: dict[str, list[Redaction]] = {}
    for r in closing:
        found = database.interview(db, str(r.interview_id))
        spans.setdefault(found.code if found else "", []).append(r)
    return [
        replace(
            subject,
            passages=[
                passage
                for passage in subject.passages
                if not any(
                    r.start < (passage.end or 0) and r.end > (passage.start or 0)
                    for r in spans.get(passage.interview_code or "", [])
                )
            ],
        )
        for subject in subjects
    ]


def closed_quote(quote: Quote, redactions: list[Redaction]) -> Quote:
    """A quote as the public may read it: each closed passage it holds replaced; a quote that holds only part of
    one, or whose text no longer holds it as it was, is replaced whole."""
    closing = [r for r in in_force(redactions) if r.start < quote.end and r.end > quote.start]
    text = quote.text
    for r in closing:
        words = " ".join(_words(r.words or ""))
        if words and words in text:
            text = text.replace(words, marker(r))
        else:
            return replace(quote, text=marker(r))
    return replace(quote, text=text) if closing else quote
