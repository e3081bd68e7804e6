"""What editors add for readers, and its rules: the points of an interview's index, and the passages they close to
the public until a date (redactions). Each change is one transaction and is kept in the append-only history; a
redaction is never deleted, only withdrawn."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from typing import TypeVar

from pipeline import database
from pipeline.database import Database
from pipeline.database.public_records import IndexPoint, Redaction
from pipeline.desk import editing
from pipeline.errors import InvalidEdit, NotFound
from pipeline.i18n import _
from pipeline.publishing import redaction, transcript
from pipeline.text import nfc

MAX_FIELD = 4_000
MAX_ITEMS = 100
Found = TypeVar("Found")


# --- the index ---------------------------------------------------------------------------------------


def save_point(db: Database, interview_id: int, fields: dict, editor: str, point_id: int = 0) -> IndexPoint:
    """Place a new index point (``point_id`` 0) or change one; ``fields`` as the form sends them: keywords and
    subjects as lists or as text separated by ";"."""
    interview = _interview(db, interview_id)
    time = _seconds(fields.get("time"), interview.length)
    title = _text(fields.get("title"))
    if not title:
        raise InvalidEdit("An index point needs a title.", "Điểm mục lục cần có tiêu đề.")
    point = IndexPoint(
        point_id,
        interview_id,
        time,
        title,
        synopsis=_text(fields.get("synopsis")),
        partial_transcript=_text(fields.get("partial_transcript")),
        keywords=_items(fields.get("keywords")),
        subjects=_items(fields.get("subjects")),
        title_alt=_text(fields.get("title_alt")),
        synopsis_alt=_text(fields.get("synopsis_alt")),
        partial_transcript_alt=_text(fields.get("partial_transcript_alt")),
        keywords_alt=_items(fields.get("keywords_alt")),
        subjects_alt=_items(fields.get("subjects_alt")),
    )
    with database.writing(db):
        if point_id and not _point_of(db, point_id, interview_id):
            raise NotFound(
                _("There is no index point {number} in this interview: reload the page.").format(number=point_id)
            )
        saved = database.save_index_point(db, point, editor)
    return _written(database.index_point(db, saved))


def delete_point(db: Database, point_id: int, editor: str) -> int:
    """Remove an index point (its history stays); returns its interview's id."""
    with database.writing(db):
        point = database.index_point(db, point_id)
        if point is None:
            raise NotFound(_("There is no index point {number}: reload the page.").format(number=point_id))
        database.delete_index_point(db, point, editor)
    return point.interview_id


# --- closed passages -----------------------------------------------------------------------------------


def close_selection(
    db: Database, first_id: int, last_id: int, start_offset: int, end_offset: int, reason: str, until: str, editor: str
) -> Redaction:
    """Close the passage an editor selected, from ``start_offset`` in the first segment's text to ``end_offset`` in
    the last's; its span of audio comes from the words the selection covers."""
    first, last = editing.segment(db, first_id), editing.segment(db, last_id)
    if first.interview_id != last.interview_id or first.idx > last.idx:
        raise InvalidEdit(
            "A closed passage runs forward through one interview: select it again from start to end.",
            "Đoạn hạn chế phải nằm trong một phỏng vấn: hãy chọn lại từ đầu đến cuối.",
        )
    chosen = database.segments_between(db, first.interview_id, first.idx, last.idx)
    end_offset = min(max(end_offset, 0), len(last.text))
    start_offset = min(max(start_offset, 0), len(first.text))
    pieces = [s.text for s in chosen]
    if len(chosen) == 1:
        pieces[0] = pieces[0][start_offset:end_offset]
    else:
        pieces[0], pieces[-1] = pieces[0][start_offset:], pieces[-1][:end_offset]
    words = " ".join(p.strip() for p in pieces if p.strip())
    if not words:
        raise InvalidEdit("Select the words to close first.", "Hãy bôi đen những lời cần hạn chế trước.")
    start = editing.time_at(first, database.segment_words(db, first.id), start_offset, first.start)
    end = editing.time_at(last, database.segment_words(db, last.id), end_offset, last.end, ending=True)
    found = Redaction(
        0,
        first.interview_id,
        start,
        max(end, start + 0.001),
        _reason(reason),
        parse_day(until),
        editor,
        "",
        first.id,
        start_offset,
        last.id,
        end_offset,
        words,
    )
    return _record(db, found)


def close_span(db: Database, key: str, start: float, end: float, reason: str, until: str, editor: str) -> Redaction:
    """Close everything heard from ``start`` to ``end`` seconds (as ``loike redact`` gives it)."""
    t = transcript.load(db, key)
    if not 0 <= start < end:
        raise InvalidEdit(
            f"The passage must end after it starts (from {start:g} s to {end:g} s): check --from and --to."
        )
    if t.interview.length and start >= t.interview.length:
        raise InvalidEdit(
            f"{t.code} lasts {transcript.clock(t.interview.length)}: the passage starts after its end; check --from."
        )
    found = Redaction(0, t.interview.id, start, end, _reason(reason), parse_day(until), editor, "")
    ranges = redaction.closed_ranges(t.lines, found)
    words = " ".join(line.text[a:b].strip() for line in t.lines for a, b in [ranges.get(line.id, (0, 0))] if b > a)
    return _record(db, replace(found, words=words or None))


def withdraw(db: Database, redaction_id: int, editor: str) -> Redaction:
    """Open a closed passage before its date (it was closed by mistake); the record and its history stay."""
    with database.writing(db):
        if database.redaction(db, redaction_id) is None:
            raise NotFound(
                _("There is no closed passage {number}: `loike redact CODE --list` lists them.").format(
                    number=redaction_id
                )
            )
        database.withdraw_redaction(db, redaction_id, editor)
    return _written(database.redaction(db, redaction_id))


def _record(db: Database, found: Redaction) -> Redaction:
    with database.writing(db):
        made = database.add_redaction(db, found)
    return _written(database.redaction(db, made))


def _written(found: Found | None) -> Found:
    """A record this module has just written, read back: it is there unless another writer removed it between."""
    if found is None:
        raise NotFound(_("What was just saved is gone (someone else removed it): reload the page."))
    return found


# --- rules ------------------------------------------------------------------------------------------------


def parse_day(text: str) -> str:
    """ "31/12/2030" (or "2030-12-31") → "2030-12-31"; a day already past, or no day, is refused."""
    value = str(text or "").strip()
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", value) or re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value)
    try:
        if match is None:
            raise ValueError
        parts = [int(p) for p in match.groups()]
        day = date(*parts) if value[4:5] == "-" else date(parts[2], parts[1], parts[0])
    except ValueError:
        raise InvalidEdit(
            f"{value!r} is not a date: give the day the passage opens again as DD/MM/YYYY, e.g. 31/12/2030.",
            "Ngày không hợp lệ: hãy ghi ngày hết hạn chế theo dạng ngày/tháng/năm, ví dụ 31/12/2030.",
        ) from None
    if day < date.today():
        raise InvalidEdit(
            f"{day.strftime('%d/%m/%Y')} has passed: a passage is closed until a day still to come.",
            "Ngày hết hạn chế đã qua: hãy chọn một ngày sau hôm nay.",
        )
    return day.isoformat()


def _reason(text: str) -> str:
    reason = _text(text)
    if not reason:
        raise InvalidEdit(
            "Say why the passage is closed (--reason): the redaction log keeps it.",
            "Hãy ghi lý do hạn chế: nhật ký hạn chế lưu lại lý do.",
        )
    return reason


def _interview(db: Database, interview_id: int):
    found = database.interview(db, str(int(interview_id)))
    if found is None:
        raise NotFound(_("There is no interview {number}.").format(number=interview_id))
    return found


def _point_of(db: Database, point_id: int, interview_id: int) -> bool:
    found = database.index_point(db, point_id)
    return found is not None and found.interview_id == interview_id


def _seconds(value, length: float) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise InvalidEdit("An index point needs a time.", "Điểm mục lục cần có thời điểm.") from None
    if seconds < 0 or (length and seconds > length):
        raise InvalidEdit("The time lies outside the recording.", "Thời điểm nằm ngoài bản ghi.")
    return round(seconds, 3)


def _text(value) -> str:
    text = nfc(str(value or ""))
    if len(text) > MAX_FIELD:
        raise InvalidEdit(f"A field holds at most {MAX_FIELD} characters.", f"Mỗi ô dài tối đa {MAX_FIELD} ký tự.")
    return text


def _items(value) -> list[str]:
    items = value if isinstance(value, list) else str(value or "").split(";")
    found = [_text(item) for item in items if _text(item)]
    if len(found) > MAX_ITEMS:
        raise InvalidEdit(f"At most {MAX_ITEMS} keywords or subjects.", f"Tối đa {MAX_ITEMS} từ khoá hoặc chủ đề.")
    return list(dict.fromkeys(found))
