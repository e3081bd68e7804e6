"""An interview's transcript as the exports read it: the metadata, the people, and each line with the text an
editor left (or the machine's, where nobody has edited it) and who spoke it.

Every export format reads the same ``Transcript``, so a line says the same thing in TXT, SRT, DOCX and TEI.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from typing import overload

from pipeline import database
from pipeline.database import Database
from pipeline.database.models import Event, Interview, Person, Tag, Word
from pipeline.database.public_records import IndexPoint, Redaction
from pipeline.errors import NotFound
from pipeline.i18n import _
from pipeline.speech import flags
from pipeline.text import date_vn  # noqa: F401  (the exports format dates through here)

PUBLISHABLE = "allowed"
"""The consent status that lets an interview out without ``--include-restricted``; restricted, unknown (nobody
recorded it) and embargoed stay in, an embargo only until its date has passed (as ``loike search`` has it)."""


def publishable(status: str | None, until: str | None = None) -> bool:
    if status == PUBLISHABLE:
        return True
    return status == "embargoed" and bool(until) and str(until) < date.today().isoformat()


REVIEW_VN = {"machine": "máy phiên âm, chưa sửa", "edited": "đã sửa", "verified": "đã duyệt"}
CONSENT_VN = {
    "allowed": "được công bố",
    "restricted": "hạn chế công bố",
    "embargoed": "chưa được công bố",
    "unknown": "chưa rõ quyền công bố",
}


@dataclass
class Line:
    """One segment as exported. ``text`` is the editor's where the segment was edited or verified, and
    ``flags.UNWRITTEN_TEXT`` where the machine heard speech and wrote nothing and nobody has written it yet
    (``unwritten``)."""

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
    words: list[Word] = field(default_factory=list)
    unwritten: bool = False

    @property
    def machine(self) -> bool:
        return self.review_status == "machine"


@dataclass
class Transcript:
    interview: Interview
    lines: list[Line]
    witnesses: list[Person]
    interviewers: list[Person]
    events: list[Event]
    place_path: list[str]  # most precise first: commune, district, province
    commune: str | None = None  # the commune (xã, phường) the interview was held in, when the metadata says
    tags: dict[int, list[Tag]] = field(default_factory=dict)  # segment id → the tags an editor put on it
    index: list[IndexPoint] = field(default_factory=list)  # the index editors placed, in time order
    holding_archive: str | None = None  # the archive that holds the interview (``loike archive-name``)
    closed: list[Redaction] = field(default_factory=list)  # the passages replaced in this copy (public copies only)
    district: str | None = None
    province: str | None = None

    @property
    def code(self) -> str:
        return self.interview.code

    @property
    def consent(self) -> str:
        return self.interview.consent_status or "unknown"

    @property
    def restricted(self) -> bool:
        return not publishable(self.consent, self.interview.consent_until)

    @property
    def review_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(REVIEW_VN, 0)
        for line in self.lines:
            counts[line.review_status] = counts.get(line.review_status, 0) + 1
        return counts

    def review_note(self) -> str:
        """One sentence every export carries: which text it holds."""
        c = self.review_counts
        return (
            f"Văn bản: {c['verified']} đoạn đã duyệt, {c['edited']} đoạn đã sửa, {c['machine']} đoạn máy phiên âm "
            "chưa sửa (mỗi đoạn ghi rõ)."
        )

    @property
    def speakers(self) -> list[str]:
        return list(dict.fromkeys(line.speaker for line in self.lines if line.speaker))


def load(db: Database, key: str) -> Transcript:
    """The transcript of the interview with this code (or number); NotFound names the command that lists them."""
    found = database.interview(db, str(key))
    if not found:
        raise NotFound(_("There is no interview {key!r}: `loike status` lists the interview codes.").format(key=key))
    return _assemble(db, found)


def load_all(
    db: Database, include_restricted: bool = False, words: bool | Collection[int] = True
) -> tuple[list[Transcript], list[str]]:
    """Every transcribed interview, and the codes left out because they may not be published. ``words``: the
    machine's word times for every line (True), for none, or only for the interviews whose ids it holds (reading
    them is most of the time a thousand transcripts take)."""
    kept, withheld = [], []
    for interview in database.interviews(db):
        if interview.status != "transcribed":
            continue
        if not publishable(interview.consent_status, interview.consent_until) and not include_restricted:
            withheld.append(interview.code)
            continue
        kept.append(_assemble(db, interview, words if isinstance(words, bool) else interview.id in words))
    return kept, withheld


def _assemble(db: Database, interview: Interview, with_words: bool = True) -> Transcript:
    names = database.person_names(db)
    mapped = database.speaker_people(db, interview.id)
    lines = []
    for seg in database.segments(db, interview.id, with_words):
        person_id = seg.person_id or (mapped.get(seg.speaker) if seg.speaker else None)
        status = seg.review_status or "machine"
        codes = flags.standing(seg.text, seg.flag_codes)
        unwritten = flags.unwritten_gap(seg.text, codes)
        lines.append(
            Line(
                id=seg.id,
                idx=seg.idx,
                start=seg.start,
                end=seg.end,
                text=flags.UNWRITTEN_TEXT if unwritten else _nfc(seg.text),
                unwritten=unwritten,
                review_status=status,
                speaker=_nfc((names.get(person_id) if person_id else None) or seg.speaker),
                person_id=person_id,
                label=seg.speaker,
                flags=codes,
                # Word times belong to the machine's text; after an edit they no longer spell the line.
                words=[Word(w.start, w.end, _nfc(w.text), w.probability, w.lowest) for w in seg.words]
                if status == "machine"
                else [],
            )
        )
    places = database.interview_places(db, interview.id)
    named = {place.kind: place.name for place in reversed(places)}  # the most precise of each kind
    return Transcript(
        interview,
        lines,
        database.people_in_role(db, interview.id, "witness"),
        database.people_in_role(db, interview.id, "interviewer"),
        database.interview_events(db, interview.id),
        [place.name for place in places],
        named.get("commune"),
        database.interview_tags(db, interview.id),
        database.index_points(db, interview.id),
        database.holding_archive(db),
        district=named.get("district"),
        province=named.get("province"),
    )


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


@overload
def _nfc(text: str) -> str: ...
@overload
def _nfc(text: str | None) -> str | None: ...
def _nfc(text: str | None) -> str | None:
    """Exports hand out NFC whatever was stored: a text typed on a Mac or pasted from elsewhere may be NFD, and
    search, diff and print tools treat the two spellings as different words."""
    return unicodedata.normalize("NFC", text) if text is not None else None


def commune_phrase(name: str | None) -> str | None:
    """ "Bắc Cường" → "xã Bắc Cường"; a name that already says xã, phường or thị trấn is left as written."""
    if not name:
        return None
    lowered = name.lower()
    if lowered.startswith(("xã ", "phường ", "thị trấn ", "thị xã ")):
        return name
    return f"xã {name}"
