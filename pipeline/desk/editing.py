"""The editors' work on a transcript: edits, splits, merges, speakers, tags, verification, history and quotes.

Every change is one transaction that also appends a revision (who, when, before, after), so nothing an editor
or the machine wrote is ever lost. Changes carry the segment version they were based on; a change based on an
older version is refused with :class:`~pipeline.errors.Conflict` instead of overwriting someone else's work.
"""

from __future__ import annotations

import json
import unicodedata

from sqlite_utils import Database

from pipeline.database import kept_edits
from pipeline.errors import Conflict, InvalidEdit, NotFound
from pipeline.database import now, rows, writing
from pipeline.text import fold, nfc

STATUSES = ("machine", "edited", "verified")
SNAPSHOT = ("text", "speaker", "person_id", "start", "end", "review_status", "note")
TAGS = {"person": ("segment_people", "person_id", "people", "full_name"),
        "place": ("segment_places", "place_id", "places", "name"),
        "event": ("segment_events", "event_id", "events", "name")}
QUOTE_TAGS = {"person": ("quote_people", "person_id"), "place": ("quote_places", "place_id"),
              "event": ("quote_events", "event_id")}
MAX_TEXT = 10_000
MAX_NOTE = 4_000
UNCHANGED = object()


# --- reading --------------------------------------------------------------------------------------

def segment(db: Database, segment_id: int) -> dict:
    found = rows(db.execute("SELECT * FROM segments WHERE id = ?", [segment_id]))
    if not found:
        raise NotFound(f"There is no segment {segment_id}: it may have been merged into another; reload the page.")
    return found[0]


def snapshot(row: dict) -> dict:
    return {key: row.get(key) for key in SNAPSHOT}


def history(db: Database, segment_id: int) -> list[dict]:
    """Every revision of a segment, oldest first, with before and after decoded."""
    found = rows(db.execute("SELECT * FROM segment_revisions WHERE segment_id = ? ORDER BY id", [segment_id]))
    for revision in found:
        revision["before"] = json.loads(revision["before"]) if revision["before"] else None
        revision["after"] = json.loads(revision["after"]) if revision["after"] else None
    return found


def machine_text(db: Database, segment_id: int) -> str:
    """The text the machine wrote for this segment: the ``before`` of its first text change, else its text now."""
    for revision in history(db, segment_id):
        if revision["before"] is not None:
            return revision["before"]["text"]
    return segment(db, segment_id)["text"]


def tags(db: Database, interview_id: int, segment_id: int | None = None) -> dict[int, list[dict]]:
    """The people, places and events tagged on an interview's segments (or one segment):
    ``{segment_id: [{kind, id, name}]}``."""
    found: dict[int, list[dict]] = {}
    for kind, (table, column, targets, name) in TAGS.items():
        only = " AND s.id = ?" if segment_id is not None else ""
        for sid, target, label in db.execute(
            f"SELECT t.segment_id, x.id, x.{name} FROM {table} t JOIN {targets} x ON x.id = t.{column} "
            f"JOIN segments s ON s.id = t.segment_id WHERE s.interview_id = ?{only} ORDER BY x.{name}",
            [interview_id] + ([segment_id] if segment_id is not None else []),
        ).fetchall():
            found.setdefault(sid, []).append({"kind": kind, "id": target, "name": label})
    return found


def progress(db: Database) -> dict[int, dict]:
    """Per interview: who last changed a segment and when."""
    return {
        interview_id: {"last_editor": editor, "last_edited_at": at}
        for interview_id, editor, at in db.execute(
            "SELECT interview_id, editor, at FROM segment_revisions WHERE id IN "
            "(SELECT max(id) FROM segment_revisions GROUP BY interview_id)"
        ).fetchall()
    }


def alternatives(db: Database, interview_id: int) -> dict[int, list[dict]]:
    """Machine text from later runs kept beside segments an editor had already changed."""
    found: dict[int, list[dict]] = {}
    for alt in rows(db.execute(
        "SELECT a.*, r.model FROM segment_alternatives a JOIN segments s ON s.id = a.segment_id "
        "JOIN transcription_runs r ON r.id = a.run_id WHERE s.interview_id = ? ORDER BY a.id", [interview_id]
    )):
        found.setdefault(alt["segment_id"], []).append(alt)
    return found


# --- changing one segment ---------------------------------------------------------------------------

def edit(db: Database, segment_id: int, version: int, editor: str, *, text=UNCHANGED, speaker=UNCHANGED,
         person_id=UNCHANGED, note=UNCHANGED, status=UNCHANGED) -> dict:
    """Change a segment's text, speaker, note or review status; returns the segment as saved.

    A text change makes the segment 'edited' unless ``status`` says otherwise in the same call.
    """
    changes: dict = {}
    if text is not UNCHANGED:
        changes["text"] = clean_text(text)
    if speaker is not UNCHANGED:
        changes["speaker"] = nfc(speaker).strip() or None if speaker else None
    if person_id is not UNCHANGED:
        changes["person_id"] = _person(db, person_id)
    if note is not UNCHANGED:
        changes["note"] = clean_note(note)
    if status is not UNCHANGED:
        if status not in STATUSES:
            raise InvalidEdit(f"Unknown review status {status!r}: use one of {', '.join(STATUSES)}.",
                              "Trạng thái duyệt không hợp lệ.")
        changes["review_status"] = status
    with writing(db):
        current = _locked(db, segment_id, version)
        if "text" in changes and changes["text"] != current["text"] and "review_status" not in changes:
            changes["review_status"] = "edited"
        return _save(db, current, changes, editor, "edit")


def restore(db: Database, segment_id: int, revision_id: int, version: int, editor: str) -> dict:
    """Bring back the text, speaker and note a segment had in one of its revisions (``after``, or ``before``
    for the first), as a new revision: restoring never erases the history it restores from."""
    revision = next((r for r in history(db, segment_id) if r["id"] == revision_id), None)
    if revision is None:
        raise NotFound(f"Segment {segment_id} has no revision {revision_id}: reload its history.")
    wanted = revision["after"] or revision["before"]
    with writing(db):
        current = _locked(db, segment_id, version)
        changes = {key: wanted.get(key) for key in ("text", "speaker", "person_id", "note")}
        changes["review_status"] = "edited"
        return _save(db, current, changes, editor, f"restore:{revision_id}")


def restore_machine(db: Database, segment_id: int, version: int, editor: str) -> dict:
    """Bring back the machine's text for a segment."""
    with writing(db):
        current = _locked(db, segment_id, version)
        return _save(db, current, {"text": machine_text(db, segment_id), "review_status": "edited"}, editor,
                     "restore:machine")


def tag(db: Database, segment_id: int, kind: str, target: int, editor: str, remove: bool = False) -> list[dict]:
    """Tag (or untag) a segment with a person, place or event; returns the segment's tags."""
    if kind not in TAGS:
        raise InvalidEdit(f"Unknown tag kind {kind!r}: use person, place or event.", "Loại thẻ không hợp lệ.")
    table, column, targets, _ = TAGS[kind]
    with writing(db):
        row = segment(db, segment_id)
        if not db[targets].count_where("id = ?", [target]):
            raise NotFound(f"There is no {kind} {target}: choose one from the list.")
        if remove:
            db.execute(f"DELETE FROM {table} WHERE segment_id = ? AND {column} = ?", [segment_id, target])
        else:
            db.execute(f"INSERT OR IGNORE INTO {table} (segment_id, {column}) VALUES (?, ?)", [segment_id, target])
        _revision(db, row, "untag" if remove else "tag", editor, {"tag": [kind, target]}, {"tag": [kind, target]})
    return tags(db, row["interview_id"], segment_id).get(segment_id, [])


def name_speaker(db: Database, interview_id: int, label: str, person_id: int | None) -> None:
    """Say who a speaker label of an interview is (None: nobody yet). Two labels named as one person are
    one speaker from then on; the choice is kept when the interview is transcribed again."""
    with writing(db):
        if person_id is None:
            db.execute("DELETE FROM speakers WHERE interview_id = ? AND label = ?", [interview_id, label])
        else:
            db["speakers"].upsert({"interview_id": interview_id, "label": label, "person_id": _person(db, person_id)},
                                  pk=("interview_id", "label"))


def speaker_labels(db: Database, interview_id: int) -> list[dict]:
    """The interview's speaker labels with how many segments carry each and who they are."""
    return rows(db.execute(
        "SELECT s.speaker AS label, count(*) AS segments, sp.person_id FROM segments s "
        "LEFT JOIN speakers sp ON sp.interview_id = s.interview_id AND sp.label = s.speaker "
        "WHERE s.interview_id = ? AND s.speaker IS NOT NULL GROUP BY s.speaker ORDER BY s.speaker", [interview_id]))


# --- splitting and merging -------------------------------------------------------------------------

def split(db: Database, segment_id: int, version: int, offset: int, editor: str) -> tuple[dict, dict]:
    """Split a segment at character ``offset`` of its text; the second half starts where its first word does."""
    with writing(db):
        current = _locked(db, segment_id, version)
        text = current["text"]
        head, tail = text[:offset].strip(), text[offset:].strip()
        if not 0 < offset < len(text) or not head or not tail:
            raise InvalidEdit("Put the cursor inside the text, between two words, to split a segment there.",
                              "Hãy đặt con trỏ vào giữa hai từ trong đoạn rồi mới tách.")
        words = rows(db.execute("SELECT * FROM words WHERE segment_id = ? ORDER BY idx", [segment_id]))
        cut, moved = _split_time(current, words, len(head), len(text))
        _shift(db, current["interview_id"], after=current["idx"], by=1)
        new_id = db["segments"].insert({
            "id": kept_edits.next_segment_id(db),  # never the id of a segment merged away, which has a history
            **{key: current[key] for key in ("interview_id", "run_id", "speaker", "person_id", "avg_logprob",
                                             "no_speech_prob", "compression_ratio", "flags")},
            "idx": current["idx"] + 1, "start": cut, "end": current["end"], "text": tail,
            "text_folded": fold(tail), "review_status": "edited", "version": 1,
            "edited_by": editor, "edited_at": now(),
        }).last_pk
        for i, word in enumerate(moved):
            db.execute("UPDATE words SET segment_id = ?, idx = ? WHERE id = ?", [new_id, i, word["id"]])
        for table, column, _, _ in TAGS.values():
            db.execute(f"INSERT OR IGNORE INTO {table} (segment_id, {column}) "
                       f"SELECT ?, {column} FROM {table} WHERE segment_id = ?", [new_id, segment_id])
        first = _save(db, current, {"text": head, "end": cut, "review_status": "edited"}, editor, "split")
        second = segment(db, new_id)
        _revision(db, second, "split", editor, None, snapshot(second))
    return first, second


def merge(db: Database, segment_id: int, version: int, next_version: int, editor: str) -> dict:
    """Join a segment with the one after it; the second's words, tags, quotes and later machine text move
    to the first, and its history stays readable under its old id."""
    with writing(db):
        first = _locked(db, segment_id, version)
        following = rows(db.execute("SELECT * FROM segments WHERE interview_id = ? AND idx = ?",
                                    [first["interview_id"], first["idx"] + 1]))
        if not following:
            raise InvalidEdit("This is the last segment: there is nothing after it to merge with.",
                              "Đây là đoạn cuối: không có đoạn sau để gộp.")
        second = _locked(db, following[0]["id"], next_version)
        offset = db.execute("SELECT count(*) FROM words WHERE segment_id = ?", [first["id"]]).fetchone()[0]
        db.execute("UPDATE words SET segment_id = ?, idx = idx + ? WHERE segment_id = ?",
                   [first["id"], offset, second["id"]])
        for table, column, _, _ in TAGS.values():
            db.execute(f"INSERT OR IGNORE INTO {table} (segment_id, {column}) "
                       f"SELECT ?, {column} FROM {table} WHERE segment_id = ?", [first["id"], second["id"]])
            db.execute(f"DELETE FROM {table} WHERE segment_id = ?", [second["id"]])
        for column in ("first_segment_id", "last_segment_id"):
            db.execute(f"UPDATE quotes SET {column} = ? WHERE {column} = ?", [first["id"], second["id"]])
        db.execute("UPDATE segment_alternatives SET segment_id = ? WHERE segment_id = ?", [first["id"], second["id"]])
        _revision(db, second, f"merged-into:{first['id']}", editor, snapshot(second), None)
        db.execute("DELETE FROM segments WHERE id = ?", [second["id"]])
        _shift(db, first["interview_id"], after=second["idx"], by=-1)
        text = f"{first['text'].rstrip()} {second['text'].lstrip()}".strip()
        changes = {"text": text, "end": max(first["end"], second["end"]), "review_status": "edited"}
        if not first.get("note") and second.get("note"):
            changes["note"] = second["note"]
        elif first.get("note") and second.get("note"):
            changes["note"] = f"{first['note']}\n{second['note']}"
        return _save(db, first, changes, editor, f"merge:{second['id']}")


# --- quotes --------------------------------------------------------------------------------------------

def add_quote(db: Database, first_segment_id: int, last_segment_id: int, editor: str, *, start_offset: int = 0,
              end_offset: int | None = None, comment: str = "", tags: dict[str, list[int]] | None = None) -> dict:
    """Keep a passage for the book: from ``start_offset`` in the first segment's text to ``end_offset`` in the
    last's (whole segments by default). Its time range comes from the words the selection covers."""
    with writing(db):
        first, last = segment(db, first_segment_id), segment(db, last_segment_id)
        if first["interview_id"] != last["interview_id"] or first["idx"] > last["idx"]:
            raise InvalidEdit("A quote runs forward through one interview: select it again from start to end.",
                              "Trích dẫn phải nằm trong một phỏng vấn: hãy chọn lại từ đầu đến cuối.")
        chosen = rows(db.execute("SELECT * FROM segments WHERE interview_id = ? AND idx BETWEEN ? AND ? ORDER BY idx",
                                 [first["interview_id"], first["idx"], last["idx"]]))
        end_offset = len(last["text"]) if end_offset is None else end_offset
        pieces = [s["text"] for s in chosen]
        if len(chosen) == 1:
            pieces[0] = pieces[0][start_offset:end_offset]
        else:
            pieces[0], pieces[-1] = pieces[0][start_offset:], pieces[-1][:end_offset]
        text = clean_text(" ".join(p.strip() for p in pieces if p.strip()))
        start = _time_at(db, first, start_offset, first["start"])
        end = _time_at(db, last, end_offset, last["end"], ending=True)
        stamp = now()
        quote_id = db["quotes"].insert({
            "interview_id": first["interview_id"], "first_segment_id": first["id"], "last_segment_id": last["id"],
            "start": start, "end": max(end, start), "text": text, "comment": clean_note(comment) or None,
            "editor": editor, "created_at": stamp, "updated_at": stamp,
        }).last_pk
        for kind, targets in (tags or {}).items():
            if kind not in QUOTE_TAGS:
                raise InvalidEdit(f"Unknown tag kind {kind!r}: use person, place or event.", "Loại thẻ không hợp lệ.")
            table, column = QUOTE_TAGS[kind]
            for target in targets:
                db.execute(f"INSERT OR IGNORE INTO {table} (quote_id, {column}) VALUES (?, ?)", [quote_id, int(target)])
    return quote(db, quote_id)


def quote(db: Database, quote_id: int) -> dict:
    found = rows(db.execute("SELECT * FROM quotes WHERE id = ?", [quote_id]))
    if not found:
        raise NotFound(f"There is no quote {quote_id}.")
    return _with_quote_tags(db, found)[0]


def quotes(db: Database, interview_id: int) -> list[dict]:
    return _with_quote_tags(db, rows(db.execute(
        "SELECT * FROM quotes WHERE interview_id = ? ORDER BY start, id", [interview_id])))


def delete_quote(db: Database, quote_id: int) -> None:
    with writing(db):
        quote(db, quote_id)
        for table, _ in QUOTE_TAGS.values():
            db.execute(f"DELETE FROM {table} WHERE quote_id = ?", [quote_id])
        db.execute("DELETE FROM quotes WHERE id = ?", [quote_id])


def _with_quote_tags(db: Database, found: list[dict]) -> list[dict]:
    for row in found:
        row["tags"] = []
        for kind, (table, column) in QUOTE_TAGS.items():
            _, _, targets, name = TAGS[kind]
            row["tags"] += [{"kind": kind, "id": i, "name": n} for i, n in db.execute(
                f"SELECT x.id, x.{name} FROM {table} q JOIN {targets} x ON x.id = q.{column} WHERE q.quote_id = ?",
                [row["id"]]).fetchall()]
    return found


# --- helpers --------------------------------------------------------------------------------------------

def clean_text(text: str) -> str:
    text = " ".join(unicodedata.normalize("NFC", str(text)).split())
    if not text:
        raise InvalidEdit("A segment cannot be empty: merge it with its neighbour instead.",
                          "Đoạn không được để trống: hãy gộp nó với đoạn bên cạnh.")
    if len(text) > MAX_TEXT:
        raise InvalidEdit(f"A segment holds at most {MAX_TEXT} characters: split it first.",
                          f"Một đoạn dài tối đa {MAX_TEXT} ký tự: hãy tách nó trước.")
    return text


def clean_note(note: str | None) -> str | None:
    note = unicodedata.normalize("NFC", str(note or "")).strip()
    if len(note) > MAX_NOTE:
        raise InvalidEdit(f"A note holds at most {MAX_NOTE} characters.", f"Ghi chú dài tối đa {MAX_NOTE} ký tự.")
    return note or None


def _person(db: Database, person_id) -> int | None:
    if person_id in (None, ""):
        return None
    if not db["people"].count_where("id = ?", [int(person_id)]):
        raise NotFound(f"There is no person {person_id}: choose one from the interview's people.")
    return int(person_id)


def _locked(db: Database, segment_id: int, version: int) -> dict:
    """The segment, if it is still at ``version``; otherwise the change is refused with both versions."""
    current = segment(db, segment_id)
    if int(version) != current["version"]:
        raise Conflict(current)
    return current


def _save(db: Database, current: dict, changes: dict, editor: str, action: str) -> dict:
    after = {**current, **changes}
    if "text" in changes:
        changes["text_folded"] = fold(changes["text"])
    stamp = now()
    updated = db.execute(
        "UPDATE segments SET " + ", ".join(f'"{key}" = ?' for key in changes)
        + ", version = version + 1, edited_by = ?, edited_at = ? WHERE id = ? AND version = ?",
        [*changes.values(), editor, stamp, current["id"], current["version"]],
    ).rowcount
    if not updated:  # another writer got in between the read and this write
        raise Conflict(segment(db, current["id"]))
    _revision(db, {**after, "version": current["version"] + 1}, action, editor, snapshot(current), snapshot(after))
    return segment(db, current["id"])


def _revision(db: Database, row: dict, action: str, editor: str, before: dict | None, after: dict | None) -> None:
    db.execute(
        "INSERT INTO segment_revisions (segment_id, interview_id, version, action, editor, at, before, after) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [row["id"], row["interview_id"], row["version"], action, editor, now(),
         json.dumps(before, ensure_ascii=False) if before is not None else None,
         json.dumps(after, ensure_ascii=False) if after is not None else None],
    )


def _shift(db: Database, interview_id: int, after: int, by: int) -> None:
    """Move every segment after position ``after`` by ``by`` places; two steps, because idx is unique."""
    db.execute("UPDATE segments SET idx = -(idx + ?) - 1 WHERE interview_id = ? AND idx > ?", [by, interview_id, after])
    db.execute("UPDATE segments SET idx = -idx - 1 WHERE interview_id = ? AND idx < 0", [interview_id])


def _split_time(current: dict, words: list[dict], head_length: int, length: int) -> tuple[float, list[dict]]:
    """Where the second half starts, and the words that go with it.

    With word timings, the cut falls at the first word that starts after the head's share of the text;
    without them, in proportion to the characters.
    """
    if words:
        position, boundary = 0, len(words)
        for i, word in enumerate(words):
            position += len(word["text"].strip()) + (1 if i else 0)
            if position > head_length:
                boundary = i
                break
        boundary = max(1, min(boundary, len(words) - 1)) if len(words) > 1 else len(words)
        if boundary < len(words):
            return words[boundary]["start"], words[boundary:]
    span = current["end"] - current["start"]
    return round(current["start"] + span * head_length / max(length, 1), 3), []


def _time_at(db: Database, row: dict, offset: int, default: float, ending: bool = False) -> float:
    """The time of the word at character ``offset`` of a segment's text (its start, or its end if ``ending``)."""
    words = rows(db.execute("SELECT start, end, text FROM words WHERE segment_id = ? ORDER BY idx", [row["id"]]))
    text = row["text"]
    if not words or offset <= 0 or offset >= len(text):
        return default
    position = 0
    for i, word in enumerate(words):
        position += len(word["text"].strip()) + (1 if i else 0)
        if position > offset or (ending and position == offset):
            return word["end"] if ending else word["start"]
    span = row["end"] - row["start"]
    return round(row["start"] + span * offset / len(text), 3)
