"""An interview's transcript as the exports read it: the metadata, the people, and each line with the text an
editor left (or the machine's, where nobody has edited it) and who spoke it.

Like ``store`` and ``catalogue`` this is the data layer: every export format reads the same ``Transcript``, so a
line says the same thing in TXT, SRT, DOCX and TEI.
"""

from __future__ import annotations

import json
import unicodedata
from datetime import date
from dataclasses import dataclass, field

from sqlite_utils import Database

from pipeline import database
from pipeline.errors import NotFound
from pipeline.database import rows
from pipeline.text import date_vn# noqa: F401  (the exports format dates through here)

PUBLISHABLE = "allowed"
"""The consent status that lets an interview out without ``--include-restricted``; restricted, unknown (nobody
recorded it) and embargoed stay in, an embargo only until its date has passed (as ``loike search`` has it)."""


def publishable(status: str | None, until: str | None = None) -> bool:
    if status == PUBLISHABLE:
        return True
    return status == "embargoed" and bool(until) and str(until) < date.today().isoformat()

REVIEW_VN = {"machine": "máy phiên âm, chưa sửa", "edited": "đã sửa", "verified": "đã duyệt"}
CONSENT_VN = {"allowed": "được công bố", "restricted": "hạn chế công bố", "embargoed": "chưa được công bố",
              "unknown": "chưa rõ quyền công bố"}


@dataclass
class Person:
    id: int
    name: str
    birth_year: int | None = None
    sex: str | None = None  # "nam" | "nữ" | None
    roles: list[dict] = field(default_factory=list)  # {title, start_year, end_year}, earliest first

    @property
    def honorific(self) -> str:
        """"ông" or "bà", as a citation names an elder; empty when the metadata does not say."""
        return {"nam": "ông", "nữ": "bà"}.get(self.sex or "", "")


@dataclass
class Line:
    """One segment as exported. ``text`` is the editor's where the segment was edited or verified."""

    id: int
    idx: int
    start: float
    end: float
    text: str
    review_status: str  # machine | edited | verified
    speaker: str | None = None  # the person's name when known, else the label the transcript gave
    person_id: int | None = None
    label: str | None = None
    flags: list[str] = field(default_factory=list)
    words: list[dict] = field(default_factory=list)

    @property
    def machine(self) -> bool:
        return self.review_status == "machine"


@dataclass
class Transcript:
    interview: dict  # a row of database.INTERVIEW_SUMMARY
    lines: list[Line]
    witnesses: list[Person]
    interviewers: list[Person]
    events: list[dict]  # {id, name, date_start, date_end}
    place_path: list[str]  # most precise first: commune, district, province
    commune: str | None = None  # the commune (xã, phường) the interview was held in, when the metadata says
    tags: dict[int, list[dict]] = field(default_factory=dict)  # segment id → [{kind, id, name}] an editor tagged

    @property
    def code(self) -> str:
        return self.interview["code"]

    @property
    def consent(self) -> str:
        return self.interview.get("consent_status") or "unknown"

    @property
    def restricted(self) -> bool:
        return not publishable(self.consent, self.interview.get("consent_until"))

    @property
    def review_counts(self) -> dict[str, int]:
        counts = {status: 0 for status in REVIEW_VN}
        for line in self.lines:
            counts[line.review_status] = counts.get(line.review_status, 0) + 1
        return counts

    def review_note(self) -> str:
        """One sentence every export carries: which text it holds."""
        c = self.review_counts
        return (f"Văn bản: {c['verified']} đoạn đã duyệt, {c['edited']} đoạn đã sửa, {c['machine']} đoạn máy phiên âm "
                f"chưa sửa (mỗi đoạn ghi rõ). Text: {c['verified']} verified, {c['edited']} edited, "
                f"{c['machine']} machine-transcribed segments (each is marked).")

    @property
    def speakers(self) -> list[str]:
        return list(dict.fromkeys(line.speaker for line in self.lines if line.speaker))


def people(db: Database, interview_id: int, role: str) -> list[Person]:
    found = rows(db.execute(
        "SELECT p.id, p.full_name, p.birth_year, p.sex FROM interview_people ip JOIN people p ON p.id = ip.person_id "
        "WHERE ip.interview_id = ? AND ip.role = ? ORDER BY p.full_name", [interview_id, role]))
    return [person(db, row["id"], row) for row in found]


def person(db: Database, person_id: int, row: dict | None = None) -> Person:
    row = row or rows(db.execute("SELECT id, full_name, birth_year, sex FROM people WHERE id = ?", [person_id]))[0]
    roles = rows(db.execute(
        "SELECT title, start_year, end_year FROM person_roles WHERE person_id = ? "
        "ORDER BY coalesce(start_year, 9999), id", [person_id]))
    return Person(row["id"], row["full_name"], row["birth_year"], row["sex"], roles)


def load(db: Database, key: str) -> Transcript:
    """The transcript of the interview with this code (or number); NotFound names the command that lists them."""
    found = database.interview(db, str(key))
    if not found:
        raise NotFound(f"There is no interview {key!r}: `loike status` lists the interview codes.")
    return _assemble(db, found)


def load_all(db: Database, include_restricted: bool = False) -> tuple[list[Transcript], list[str]]:
    """Every transcribed interview, and the codes left out because they may not be published."""
    kept, withheld = [], []
    for row in database.interviews(db):
        if row["status"] != "transcribed":
            continue
        if not publishable(row["consent_status"], row["consent_until"]) and not include_restricted:
            withheld.append(row["code"])
            continue
        kept.append(_assemble(db, row))
    return kept, withheld


def _assemble(db: Database, found: dict) -> Transcript:
    interview_id = found["id"]
    names = dict(db.execute("SELECT id, full_name FROM people").fetchall())
    mapped = dict(db.execute("SELECT label, person_id FROM speakers WHERE interview_id = ?", [interview_id]).fetchall())
    lines = []
    for seg in database.segments(db, interview_id):
        person_id = seg.get("person_id") or mapped.get(seg["speaker"])
        lines.append(Line(
            id=seg["id"], idx=seg["idx"], start=seg["start"], end=seg["end"], text=_nfc(seg["text"]),
            review_status=seg["review_status"] or "machine",
            speaker=_nfc(names.get(person_id) or seg["speaker"]), person_id=person_id, label=seg["speaker"],
            flags=[f for f in (seg.get("flags") or "").split(",") if f],
            # Word times belong to the machine's text; after an edit they no longer spell the line.
            words=[{**w, "text": _nfc(w["text"])} for w in seg["words"]]
            if (seg["review_status"] or "machine") == "machine" else [],
        ))
    events = rows(db.execute(
        "SELECT e.id, e.name, e.date_start, e.date_end FROM interview_events ie JOIN events e ON e.id = ie.event_id "
        "WHERE ie.interview_id = ? ORDER BY coalesce(e.date_start, '9999'), e.name", [interview_id]))
    path, commune = [], None
    place = db.execute("SELECT place_id FROM interviews WHERE id = ?", [interview_id]).fetchone()[0]
    while place:  # up from the most precise place, as catalogue.place_path does
        name, kind, place = db.execute("SELECT name, kind, parent_id FROM places WHERE id = ?", [place]).fetchone()
        path.append(name)
        commune = name if kind == "commune" else commune
    return Transcript(found, lines, people(db, interview_id, "witness"), people(db, interview_id, "interviewer"),
                      events, path, commune, segment_tags(db, interview_id))


TAG_TABLES = {"person": ("segment_people", "person_id", "people", "full_name"),
              "place": ("segment_places", "place_id", "places", "name"),
              "event": ("segment_events", "event_id", "events", "name")}


def segment_tags(db: Database, interview_id: int) -> dict[int, list[dict]]:
    found: dict[int, list[dict]] = {}
    for kind, (table, column, targets, name) in TAG_TABLES.items():
        for segment_id, target, label in db.execute(
            f"SELECT t.segment_id, x.id, x.{name} FROM {table} t JOIN {targets} x ON x.id = t.{column} "
            f"JOIN segments s ON s.id = t.segment_id WHERE s.interview_id = ? ORDER BY x.{name}", [interview_id]
        ).fetchall():
            found.setdefault(segment_id, []).append({"kind": kind, "id": target, "name": label})
    return found


def clock(seconds: float | None) -> str:
    """3725.4 → "01:02:05" (truncated: a time code never points past the moment it names)."""
    whole = max(0, int(seconds or 0))
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def minutes(seconds: float | None, up: bool = False) -> str:
    """A position as editors cite it: 754.2 → "12:34", 3725 → "1:02:05"; ``up`` rounds up, for the end of a range."""
    value = float(seconds or 0)
    whole = max(0, int(-(-value // 1)) if up else int(value))
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60:02d}:{rest % 60:02d}"


def _nfc(text: str | None) -> str | None:
    """Exports hand out NFC whatever was stored: a text typed on a Mac or pasted from elsewhere may be NFD, and
    search, diff and print tools treat the two spellings as different words."""
    return unicodedata.normalize("NFC", text) if text is not None else None


def topics(interview: dict) -> list[str]:
    try:
        value = json.loads(interview.get("topics") or "[]")
    except ValueError:
        return [interview["topics"]]
    return [str(t) for t in value] if isinstance(value, list) else [str(value)]


def commune_phrase(name: str | None) -> str | None:
    """"Bắc Cường" → "xã Bắc Cường"; a name that already says xã, phường or thị trấn is left as written."""
    if not name:
        return None
    lowered = name.lower()
    if lowered.startswith(("xã ", "phường ", "thị trấn ", "thị xã ")):
        return name
    return f"xã {name}"
