"""The editors' work on a transcript: edits, splits, merges, speakers, tags, verification, history and quotes.

Every change is one transaction that also appends a revision (who, when, before, after), so nothing an editor
or the machine wrote is ever lost. Changes carry the segment version they were based on; a change based on an
older version is refused with :class:`~pipeline.errors.Conflict` instead of overwriting someone else's work.
"""

from __future__ import annotations

import unicodedata
from dataclasses import replace

from pipeline import database
from pipeline.database import Database
from pipeline.database.models import Segment, Tag, Word
from pipeline.database.review_records import Quote
from pipeline.errors import Conflict, InvalidEdit, NotFound
from pipeline.i18n import _
from pipeline.text import nfc

STATUSES = ("machine", "edited", "verified")
TAG_KINDS = ("person", "place", "event")
MAX_TEXT = 10_000
MAX_NOTE = 4_000
UNCHANGED = object()


# --- reading --------------------------------------------------------------------------------------


def segment(db: Database, segment_id: int) -> Segment:
    found = database.segment(db, segment_id)
    if found is None:
        raise NotFound(
            _("There is no segment {segment_id}: it may have been merged into another; reload the page.").format(
                segment_id=segment_id
            )
        )
    return found


def machine_text(db: Database, segment_id: int) -> str:
    """The text the machine wrote for this segment: the ``before`` of its first text change, else its text now."""
    for revision in database.segment_history(db, segment_id):
        if revision.before is not None:
            return revision.before["text"]
    return segment(db, segment_id).text


# --- changing one segment ---------------------------------------------------------------------------


def edit(
    db: Database,
    segment_id: int,
    version: int,
    editor: str,
    *,
    text=UNCHANGED,
    speaker=UNCHANGED,
    person_id=UNCHANGED,
    note=UNCHANGED,
    status=UNCHANGED,
) -> Segment:
    """Change a segment's text, speaker, note or review status; returns the segment as saved.

    A text change makes the segment 'edited' unless ``status`` says otherwise in the same call.
    """
    changes: dict = {}
    if text is not UNCHANGED:
        changes["text"] = clean_text(text)
    if speaker is not UNCHANGED:
        changes["speaker"] = nfc(speaker).strip() or None if speaker else None
    if person_id is not UNCHANGED:
        changes["person_id"] = _chosen_person(db, person_id)
    if note is not UNCHANGED:
        changes["note"] = clean_note(note)
    if status is not UNCHANGED:
        if status not in STATUSES:
            raise InvalidEdit(
                f"Unknown review status {status!r}: use one of {', '.join(STATUSES)}.", "Trạng thái duyệt không hợp lệ."
            )
        changes["review_status"] = status
    with database.writing(db):
        current = _locked(db, segment_id, version)
        if "text" in changes and changes["text"] != current.text and "review_status" not in changes:
            changes["review_status"] = "edited"
        return _save(db, current, changes, editor, "edit")


def restore(db: Database, segment_id: int, revision_id: int, version: int, editor: str) -> Segment:
    """Bring back the text, speaker and note a segment had in one of its revisions (``after``, or ``before``
    for the first), as a new revision: restoring never erases the history it restores from."""
    revision = next((r for r in database.segment_history(db, segment_id) if r.id == revision_id), None)
    if revision is None:
        raise NotFound(
            _("Segment {segment_id} has no revision {revision_id}: reload its history.").format(
                segment_id=segment_id, revision_id=revision_id
            )
        )
    wanted = revision.after or revision.before
    if wanted is None:  # never stored so: a revision has a before, an after or both
        raise InvalidEdit(f"Revision {revision_id} holds nothing to restore.", "Bản này không có gì để khôi phục.")
    with database.writing(db):
        current = _locked(db, segment_id, version)
        changes = {key: wanted.get(key) for key in ("text", "speaker", "person_id", "note")}
        changes["review_status"] = "edited"
        return _save(db, current, changes, editor, f"restore:{revision_id}")


def restore_machine(db: Database, segment_id: int, version: int, editor: str) -> Segment:
    """Bring back the machine's text for a segment."""
    with database.writing(db):
        current = _locked(db, segment_id, version)
        return _save(
            db, current, {"text": machine_text(db, segment_id), "review_status": "edited"}, editor, "restore:machine"
        )


def tag(db: Database, segment_id: int, kind: str, target: int, editor: str, remove: bool = False) -> list[Tag]:
    """Tag (or untag) a segment with a person, place or event; returns the segment's tags."""
    if kind not in TAG_KINDS:
        raise InvalidEdit(f"Unknown tag kind {kind!r}: use person, place or event.", "Loại thẻ không hợp lệ.")
    with database.writing(db):
        current = segment(db, segment_id)
        if not database.subject_exists(db, kind, target):
            raise NotFound(_("There is no {kind} {target}: choose one from the list.").format(kind=kind, target=target))
        if remove:
            database.untag_segment(db, segment_id, kind, target)
        else:
            database.tag_segment(db, segment_id, kind, target)
        change = {"tag": [kind, target]}
        database.add_revision(db, current, "untag" if remove else "tag", editor, change, change)
    return database.segment_tags(db, current.interview_id, segment_id)


def name_speaker(db: Database, interview_id: int, label: str, person_id: int | None, editor: str | None = None) -> bool:
    """Say who a speaker label of an interview is (None: nobody yet). Two labels named as one person are
    one speaker from then on; the choice is kept when the interview is transcribed again. The label's voice print
    is kept as one of that person's, so that later interviews can propose them (taken back with the name).
    True when a print was kept."""
    with database.writing(db):
        if person_id is None:
            database.unmap_speaker(db, interview_id, label)
            database.drop_voice(db, interview_id, label)
            return False
        _chosen_person(db, person_id)  # NotFound, as the desk says it, for a person who is not there
        database.map_speaker(db, interview_id, label, person_id)
        return database.keep_voice(db, interview_id, label, person_id, editor)


def accept_proposal(db: Database, interview_id: int, label: str, editor: str | None = None) -> database.Proposal:
    """Name a label as the person its voice was proposed as; returns the proposal accepted."""
    with database.writing(db):
        found = [p for p in database.proposals(db, interview_id) if p.label == label]
        if not found:
            raise NotFound(
                _(
                    "Speaker {label} has no proposal to accept: `loike speaker INTERVIEW` lists the labels and "
                    "proposals; name it with `loike speaker INTERVIEW LABEL PERSON`."
                ).format(label=label)
            )
        name_speaker(db, interview_id, label, found[0].person_id, editor)
    return found[0]


# --- splitting and merging -------------------------------------------------------------------------


def split(db: Database, segment_id: int, version: int, offset: int, editor: str) -> tuple[Segment, Segment]:
    """Split a segment at character ``offset`` of its text; the second half starts where its first word does."""
    with database.writing(db):
        current = _locked(db, segment_id, version)
        text = current.text
        head, tail = text[:offset].strip(), text[offset:].strip()
        if not 0 < offset < len(text) or not head or not tail:
            raise InvalidEdit(
                "Put the cursor inside the text, between two words, to split a segment there.",
                "Hãy đặt con trỏ vào giữa hai từ trong đoạn rồi mới tách.",
            )
        words = database.segment_words(db, segment_id)
        cut, first_moved = _split_time(current, words, len(head), len(text))
        new_id = database.split_segment(db, current, cut, tail, first_moved, editor)
        first = _save(db, current, {"text": head, "end": cut, "review_status": "edited"}, editor, "split")
        second = segment(db, new_id)
        database.add_revision(db, second, "split", editor, None, database.snapshot(second))
    return first, second


def merge(db: Database, segment_id: int, version: int, next_version: int, editor: str) -> Segment:
    """Join a segment with the one after it; the second's words, tags, quotes and later machine text move
    to the first, and its history stays readable under its old id."""
    with database.writing(db):
        first = _locked(db, segment_id, version)
        following = database.segment_at(db, first.interview_id, first.idx + 1)
        if following is None:
            raise InvalidEdit(
                "This is the last segment: there is nothing after it to merge with.",
                "Đây là đoạn cuối: không có đoạn sau để gộp.",
            )
        second = _at_version(following, next_version)
        database.move_attachments(db, second.id, first.id)
        database.add_revision(db, second, f"merged-into:{first.id}", editor, database.snapshot(second), None)
        database.remove_segment(db, second)
        text = f"{first.text.rstrip()} {second.text.lstrip()}".strip()
        changes = {"text": text, "end": max(first.end, second.end), "review_status": "edited"}
        if not first.note and second.note:
            changes["note"] = second.note
        elif first.note and second.note:
            changes["note"] = f"{first.note}\n{second.note}"
        return _save(db, first, changes, editor, f"merge:{second.id}")


# --- quotes --------------------------------------------------------------------------------------------


def add_quote(
    db: Database,
    first_segment_id: int,
    last_segment_id: int,
    editor: str,
    *,
    start_offset: int = 0,
    end_offset: int | None = None,
    comment: str = "",
    tags: dict[str, list[int]] | None = None,
) -> Quote:
    """Keep a passage for the book: from ``start_offset`` in the first segment's text to ``end_offset`` in the
    last's (whole segments by default). Its time range comes from the words the selection covers."""
    with database.writing(db):
        first, last = segment(db, first_segment_id), segment(db, last_segment_id)
        if first.interview_id != last.interview_id or first.idx > last.idx:
            raise InvalidEdit(
                "A quote runs forward through one interview: select it again from start to end.",
                "Trích dẫn phải nằm trong một phỏng vấn: hãy chọn lại từ đầu đến cuối.",
            )
        chosen = database.segments_between(db, first.interview_id, first.idx, last.idx)
        end_offset = len(last.text) if end_offset is None else end_offset
        pieces = [s.text for s in chosen]
        if len(chosen) == 1:
            pieces[0] = pieces[0][start_offset:end_offset]
        else:
            pieces[0], pieces[-1] = pieces[0][start_offset:], pieces[-1][:end_offset]
        text = clean_text(" ".join(p.strip() for p in pieces if p.strip()))
        start = _time_at(first, database.segment_words(db, first.id), start_offset, first.start)
        end = _time_at(last, database.segment_words(db, last.id), end_offset, last.end, ending=True)
        quote_id = database.add_quote(
            db,
            first.interview_id,
            first.id,
            last.id,
            start=start,
            end=max(end, start),
            text=text,
            comment=clean_note(comment) or None,
            editor=editor,
            tags=_quote_tags(tags or {}),
        )
    return quote(db, quote_id)


def quote(db: Database, quote_id: int) -> Quote:
    found = database.quote(db, quote_id)
    if found is None:
        raise NotFound(_("There is no quote {quote_id}.").format(quote_id=quote_id))
    return found


def delete_quote(db: Database, quote_id: int) -> None:
    with database.writing(db):
        quote(db, quote_id)
        database.delete_quote(db, quote_id)


# --- rules ---------------------------------------------------------------------------------------------


def clean_text(text: str) -> str:
    text = " ".join(unicodedata.normalize("NFC", str(text)).split())
    if not text:
        raise InvalidEdit(
            "A segment cannot be empty: merge it with its neighbour instead.",
            "Đoạn không được để trống: hãy gộp nó với đoạn bên cạnh.",
        )
    if len(text) > MAX_TEXT:
        raise InvalidEdit(
            f"A segment holds at most {MAX_TEXT} characters: split it first.",
            f"Một đoạn dài tối đa {MAX_TEXT} ký tự: hãy tách nó trước.",
        )
    return text


def clean_note(note: str | None) -> str | None:
    note = unicodedata.normalize("NFC", str(note or "")).strip()
    if len(note) > MAX_NOTE:
        raise InvalidEdit(f"A note holds at most {MAX_NOTE} characters.", f"Ghi chú dài tối đa {MAX_NOTE} ký tự.")
    return note or None


def _chosen_person(db: Database, person_id) -> int | None:
    """The person an editor chose (a number, as the form sends it), or None for nobody."""
    if person_id in (None, ""):
        return None
    if not database.subject_exists(db, "person", int(person_id)):
        raise NotFound(
            _("There is no person {person_id}: choose one from the interview's people.").format(person_id=person_id)
        )
    return int(person_id)


def _quote_tags(tags: dict[str, list]) -> dict[str, list[int]]:
    chosen = {}
    for kind, targets in tags.items():
        if kind not in TAG_KINDS:
            raise InvalidEdit(f"Unknown tag kind {kind!r}: use person, place or event.", "Loại thẻ không hợp lệ.")
        chosen[kind] = [int(target) for target in targets]
    return chosen


def _locked(db: Database, segment_id: int, version: int) -> Segment:
    """The segment, if it is still at ``version``; otherwise the change is refused with both versions."""
    return _at_version(segment(db, segment_id), version)


def _at_version(current: Segment, version: int) -> Segment:
    if int(version) != current.version:
        raise Conflict(current)
    return current


def _save(db: Database, current: Segment, changes: dict, editor: str, action: str) -> Segment:
    if not database.update_segment(db, current, changes, editor):  # another writer got in between read and write
        raise Conflict(segment(db, current.id))
    after = replace(current, **changes, version=current.version + 1)
    database.add_revision(db, after, action, editor, database.snapshot(current), database.snapshot(after))
    return segment(db, current.id)


def _split_time(current: Segment, words: list[Word], head_length: int, length: int) -> tuple[float, int]:
    """Where the second half starts, and the position of the first word that goes with it (``len(words)``
    when none does).

    With word timings, the cut falls at the first word that starts after the head's share of the text;
    without them, in proportion to the characters.
    """
    if words:
        position, boundary = 0, len(words)
        for i, word in enumerate(words):
            position += len(word.text.strip()) + (1 if i else 0)
            if position > head_length:
                boundary = i
                break
        boundary = max(1, min(boundary, len(words) - 1)) if len(words) > 1 else len(words)
        if boundary < len(words):
            return words[boundary].start, boundary
    span = current.end - current.start
    return round(current.start + span * head_length / max(length, 1), 3), len(words)


def _time_at(row: Segment, words: list[Word], offset: int, default: float, ending: bool = False) -> float:
    """The time of the word at character ``offset`` of a segment's text (its start, or its end if ``ending``)."""
    text = row.text
    if not words or offset <= 0 or offset >= len(text):
        return default
    position = 0
    for i, word in enumerate(words):
        position += len(word.text.strip()) + (1 if i else 0)
        if position > offset or (ending and position == offset):
            return word.end if ending else word.start
    span = row.end - row.start
    return round(row.start + span * offset / len(text), 3)


def time_at(row: Segment, words: list[Word], offset: int, default: float, ending: bool = False) -> float:
    """When the word at character ``offset`` of a segment is heard, as quotes take it: for the desk's other
    selections (closed passages)."""
    return _time_at(row, words, offset, default, ending)
