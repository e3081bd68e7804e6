"""Find and replace, in one interview or across the archive: fix a repeated error once.

A pattern matches whole words, with or without tones and marks: "bat dung" finds "bắt dùng" and "Bát Dũng"
(``exact`` makes tones and marks count, as typed; case never does). ``find`` previews every hit with its context;
``apply`` changes all of them, or those chosen, each line in one revision (``replace:BATCH``) under the editor's
name, in one transaction per interview; ``undo`` puts a whole batch back. A line someone else saved since the
preview is left as they saved it and named (the desk's conflict rule), and a line is never changed by halves.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from itertools import groupby
from typing import Any

from pipeline import database
from pipeline.database import Database
from pipeline.database.models import Segment
from pipeline.desk import editing
from pipeline.errors import InvalidEdit, NotFound
from pipeline.i18n import _
from pipeline.text import nfc

CONTEXT = 40
"""Characters of the line shown either side of a hit."""


@dataclass(frozen=True)
class Hit:
    """One place the pattern matches, and the line as it would read with that one replaced."""

    segment_id: int
    interview_id: int
    code: str
    line: int
    """The line's number on the sheet (from 1)."""
    version: int
    start: float
    end: float
    offset: int
    """Where the match begins in the line's text, in characters."""
    found: str
    before: str
    """Up to ``CONTEXT`` characters of the line before the match."""
    after: str
    """Up to ``CONTEXT`` characters after it."""
    replaced: str
    """The whole line with this hit replaced."""


@dataclass
class Preview:
    find: str
    replacement: str
    exact: bool
    interview: str | None
    hits: list[Hit] = field(default_factory=list)


@dataclass
class Applied:
    batch_id: int | None
    lines: int = 0
    hits: int = 0
    skipped: list[Hit] = field(default_factory=list)
    """Hits in lines someone else saved since the preview: left as they saved them."""


@dataclass
class Undone:
    batch_id: int
    lines: int = 0
    kept: list[int] = field(default_factory=list)
    """Segments changed again since the batch: their later text is kept."""


# --- matching -------------------------------------------------------------------------------------


def pattern_of(find: str, exact: bool) -> tuple[re.Pattern, list[str]]:
    """The pattern as a regular expression over text as ``_comparable`` gives it, and its words for the index."""
    typed = _comparable(nfc(find), exact)[0]
    tokens = re.findall(r"\w+", typed)
    if not tokens:
        raise InvalidEdit(
            f"The pattern {find!r} has no letter or digit, so it would match everywhere: type the words to find.",
            "Mẫu tìm không có chữ hay số nào nên sẽ khớp với mọi chỗ: hãy gõ những từ cần tìm.",
        )
    pieces = [r"\s+" if part.isspace() else re.escape(part) for part in re.split(r"(\s+)", typed) if part]
    return re.compile(r"(?<!\w)" + "".join(pieces) + r"(?!\w)"), tokens


def _comparable(text: str, exact: bool) -> tuple[str, list[int] | None]:
    """``text`` lower-cased, and without tones, marks or đ unless ``exact``, with the position in ``text`` of each
    character (None when every character stays one character, as in Vietnamese text: the positions are the
    same). Folding a letter can change how many characters it takes, elsewhere."""
    if exact:
        lowered = text.lower()
        if len(lowered) == len(text):
            return lowered, None
    else:
        new = set(text).difference(_FOLDED)
        for ch in new:
            _FOLDED[ch] = _fold_letter(ch)
            _FOLD_TABLE[ord(ch)] = _FOLDED[ch]
        if not _LONGER.intersection(text) and not any(len(_FOLDED[ch]) != 1 for ch in new):
            return text.translate(_FOLD_TABLE), None
        _LONGER.update(ch for ch in new if len(_FOLDED[ch]) != 1)
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        folded = ch.lower() if exact else _FOLDED[ch]
        out.append(folded)
        where += [i] * len(folded)
    return "".join(out), where


def _fold_letter(ch: str) -> str:
    if ch in "đĐ":
        return "d"
    return "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c)).lower()


_FOLDED: dict[str, str] = {}
_FOLD_TABLE: dict[int, str] = {}
"""``str.translate``'s table: each character met so far to its folded letter(s)."""
_LONGER: set[str] = set()
"""Characters whose folding is not one character (the slow path keeps track of positions)."""


def matches(text: str, pattern: re.Pattern, exact: bool) -> list[tuple[int, int]]:
    """Where ``pattern`` matches in ``text``, as (start, end) character positions of ``text``."""
    comparable, where = _comparable(text, exact)
    found = [(m.start(), m.end()) for m in pattern.finditer(comparable) if m.end() > m.start()]
    return found if where is None else [(where[start], where[end - 1] + 1) for start, end in found]


def replaced_text(text: str, spans: Iterable[tuple[int, int]], replacement: str) -> str:
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + replacement + text[end:]
    return " ".join(text.split())


# --- find, apply, undo ----------------------------------------------------------------------------


def find(db: Database, find: str, replacement: str, interview: str | None = None, exact: bool = False) -> Preview:
    """Every hit of ``find`` (in the interview with this code or number, else across the archive), in order."""
    pattern, tokens = pattern_of(find, exact)
    replacement = _clean_replacement(replacement)
    interview_id, codes = _scope(db, interview)
    preview = Preview(nfc(find), replacement, exact, interview)
    for segment in database.segments_with_phrase(db, tokens, exact, interview_id):
        hits = _hits(segment, pattern, exact, replacement, codes)
        if hits:
            _checked(
                replaced_text(segment.text, [(h.offset, h.offset + len(h.found)) for h in hits], replacement), segment
            )
        preview.hits += hits
    return preview


def apply(db: Database, preview: Preview, editor: str, chosen: Iterable[tuple[int, int, int]] | None = None) -> Applied:
    """Replace the preview's hits, or the ``chosen`` ones, as (segment id, offset, the line's version when the
    editor saw it): one revision per line, one transaction per interview. A line saved by someone else since is
    skipped whole."""
    seen = {(segment_id, offset): version for segment_id, offset, version in chosen} if chosen is not None else None
    hits = [
        h if seen is None else replace(h, version=seen[(h.segment_id, h.offset)])
        for h in preview.hits
        if seen is None or (h.segment_id, h.offset) in seen
    ]
    pattern, _ = pattern_of(preview.find, preview.exact)
    done = Applied(None)
    if not hits:
        return done
    for _, in_interview in groupby(hits, key=lambda h: h.interview_id):
        by_line = {segment_id: list(group) for segment_id, group in groupby(in_interview, key=lambda h: h.segment_id)}
        with database.writing(db):
            if done.batch_id is None:
                done.batch_id = database.add_replacement(
                    db, _interview_id(db, preview.interview), preview.find, preview.replacement, preview.exact, editor
                )
            lines = 0
            for current in database.segments_by_id(db, list(by_line)):
                line_hits = by_line.pop(current.id)
                if current.version != line_hits[0].version:
                    done.skipped += line_hits
                    continue
                spans = [
                    s for s in matches(current.text, pattern, preview.exact) if s[0] in {h.offset for h in line_hits}
                ]
                text = _checked(replaced_text(current.text, spans, preview.replacement), current)
                _save(db, current, text, editor, f"replace:{done.batch_id}")
                lines += 1
                done.hits += len(spans)
            for gone in by_line.values():  # merged away since the preview
                done.skipped += gone
            database.count_replaced(db, done.batch_id, lines)
            done.lines += lines
    return done


def undo(db: Database, batch_id: int, editor: str) -> Undone:
    """Put back every line a batch changed, one transaction per interview; a line changed again since keeps its
    later text."""
    batch = database.replacement(db, batch_id)
    if batch is None:
        raise NotFound(_("There is no find-and-replace {batch}.").format(batch=batch_id))
    if batch.undone_at:
        raise InvalidEdit(
            f"Find-and-replace {batch_id} was already undone by {batch.undone_by} on {batch.undone_at[:10]}.",
            f"Lần thay thế {batch_id} đã được {batch.undone_by} hoàn tác rồi.",
        )
    done = Undone(batch_id)
    revisions = database.revisions_by_action(db, f"replace:{batch_id}")
    for _interview, group in groupby(revisions, key=lambda r: r.interview_id):
        with database.writing(db):
            for revision in group:
                current = database.segment(db, revision.segment_id)
                if current is None or current.version != revision.version:
                    done.kept.append(revision.segment_id)
                    continue
                before = revision.before or {}
                _save(db, current, before["text"], editor, f"undo-replace:{batch_id}", before.get("review_status"))
                done.lines += 1
    with database.writing(db):
        database.mark_undone(db, batch_id, editor)
    return done


# --- rules ----------------------------------------------------------------------------------------


def _hits(segment: Segment, pattern: re.Pattern, exact: bool, replacement: str, codes: dict[int, str]) -> list[Hit]:
    text = segment.text
    return [
        Hit(
            segment.id,
            segment.interview_id,
            codes.get(segment.interview_id, ""),
            segment.idx + 1,
            segment.version,
            segment.start,
            segment.end,
            start,
            text[start:end],
            text[max(0, start - CONTEXT) : start],
            text[end : end + CONTEXT],
            replaced_text(text, [(start, end)], replacement),
        )
        for start, end in matches(text, pattern, exact)
    ]


def _clean_replacement(replacement: str) -> str:
    cleaned = nfc(replacement)
    if len(cleaned) > editing.MAX_TEXT:
        raise InvalidEdit(
            f"A replacement holds at most {editing.MAX_TEXT} characters.",
            f"Đoạn thay thế dài tối đa {editing.MAX_TEXT} ký tự.",
        )
    return cleaned


def _checked(text: str, current: Segment) -> str:
    if not text.strip():
        raise InvalidEdit(
            f"The replacement would leave line {current.idx + 1} empty: nothing was replaced; change the pattern "
            "or merge that line with its neighbour.",
            f"Thay thế này sẽ làm dòng {current.idx + 1} trống không nên chưa thay gì cả: hãy sửa mẫu tìm, hoặc gộp "
            "dòng đó với dòng bên cạnh.",
        )
    return editing.clean_text(text)


def _scope(db: Database, interview: str | None) -> tuple[int | None, dict[int, str]]:
    """The interview's id (None for the whole archive) and the code of every interview by id."""
    return _interview_id(db, interview), database.interview_codes(db)


def _interview_id(db: Database, interview: str | None) -> int | None:
    if interview is None:
        return None
    found = database.interview(db, str(interview))
    if found is None:
        raise NotFound(
            _("There is no interview {key!r}: `loike status` lists the interview codes.").format(key=interview)
        )
    return found.id


def _save(db: Database, current: Segment, text: str, editor: str, action: str, status: str | None = None) -> None:
    """One line changed and its revision appended, as every save at the desk (``editing``)."""
    changes: dict[str, Any] = {"text": text}
    if status or current.review_status == "machine":
        changes["review_status"] = status or "edited"
    if not database.update_segment(db, current, changes, editor):
        raise InvalidEdit(
            f"Line {current.idx + 1} was saved by someone else meanwhile: nothing of this interview was replaced; "
            "preview again.",
            f"Dòng {current.idx + 1} vừa được người khác lưu nên phỏng vấn này chưa được thay: hãy xem trước lại.",
        )
    after = replace(current, **changes, version=current.version + 1)
    database.add_revision(db, after, action, editor, database.snapshot(current), database.snapshot(after))
