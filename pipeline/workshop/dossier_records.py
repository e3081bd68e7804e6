"""What a dossier (hồ sơ) holds: each witness's passages about the subject, with what was read from each, the
questions where their accounts differ, and what the workshop settled."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from pipeline.database.models import Person
from pipeline.database.workshop_records import Conclusion, EventDate
from pipeline.workshop.readings import DateReading

KIND_VN = {"event": "sự kiện", "person": "nhân vật", "place": "địa danh"}
ASPECT_VN = {"date": "Thời gian", "place": "Địa điểm", "people": "Người tham gia"}
REVIEW_VN = {"machine": "máy, chưa sửa", "edited": "đã sửa", "verified": "đã duyệt"}


@dataclass(frozen=True)
class Named:
    """A place or person a passage names or an editor tagged it with."""

    kind: str
    """place or person."""
    id: int
    name: str
    tagged: bool = False


@dataclass
class DossierPassage:
    segment_id: int
    code: str
    """The interview's code."""
    idx: int
    start: float
    end: float
    text: str
    review_status: str
    how: tuple[str, ...]
    """tagged, mentioned."""
    speaker: str | None
    """Who speaks it, by name where known, else the transcript's label."""
    witness_speaks: bool
    """Whether a witness speaks it (an interviewer's question is listed but weighs in no comparison)."""
    consent: str
    restricted: bool
    interview_date: str | None
    flagged: bool = False
    interview_id: int = 0
    closed_until: str | None = None
    """Where an editor closed the passage to the public (``loike redact``): the ISO day it opens."""
    dates: list[DateReading] = field(default_factory=list)
    date_problems: list[str] = field(default_factory=list)
    places: list[Named] = field(default_factory=list)
    people: list[Named] = field(default_factory=list)

    @property
    def clock(self) -> str:
        """ "00:12:30", as citations give a moment (truncated: never past it)."""
        whole = max(0, int(self.start))
        return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"

    @property
    def line(self) -> int:
        """Its line in the review sheet (from 1)."""
        return self.idx + 1


@dataclass
class Account:
    """One witness's passages about the subject, across the interviews they gave."""

    key: str
    """The witness's person number, or "?CODE" for the unknown speakers of one interview."""
    name: str
    """ "ông Nguyễn Văn A", or "Người kể chưa rõ (LK-2026-003)"."""
    witness: Person | None
    role_then: str | None = None
    """The role the witness held at the time of the event (or the roles they held, when it has no date)."""
    interviews: list[str] = field(default_factory=list)
    passages: list[DossierPassage] = field(default_factory=list)

    @property
    def birth_note(self) -> str:
        """How their years were placed: by their birth year, or by an assumed one."""
        from pipeline.workshop.lifetime import ASSUMED_BIRTH

        if self.witness and self.witness.birth_year:
            return f"sinh năm {self.witness.birth_year}"
        return f"chưa rõ năm sinh: năm nói tắt và năm can chi tính như người sinh năm {ASSUMED_BIRTH}"


@dataclass
class Side:
    """One answer witnesses gave to a question, with who gave it and the passages where they did."""

    value: str
    """ "1945", "xã Bắc Cường", "Nguyễn Văn Hùng"."""
    sort_key: str
    witnesses: list[tuple[Account, list[DossierPassage]]] = field(default_factory=list)


@dataclass
class Question:
    """Where witnesses' accounts of an event differ, for the workshop to settle."""

    event_id: int
    aspect: str
    """date, place or people."""
    title: str
    """ "Năm thành lập Chi bộ xã Bắc Cường"."""
    sides: list[Side]
    verb: str = "nói"

    @property
    def text(self) -> str:
        """ "Năm …: ông A nói 1945 — LK-2026-001, 00:12:30; bà B nói 1946 — LK-2026-007, 00:41:02"."""
        said = []
        for side in self.sides:
            for account, passages in side.witnesses:
                said.append(f"{account.name} {self.verb} {side.value} — {cited(passages)}")
        return f"{self.title}: " + "; ".join(said)


def cited(passages: list[DossierPassage]) -> str:
    """ "LK-2026-001, 00:12:30, 00:14:02; LK-2026-004, 00:03:10", by interview."""
    by_code: dict[str, list[str]] = {}
    for passage in passages:
        by_code.setdefault(passage.code, []).append(passage.clock)
    return "; ".join(f"{code}, {', '.join(dict.fromkeys(times))}" for code, times in by_code.items())


@dataclass
class Dossier:
    kind: str
    """event, person or place."""
    subject_id: int
    name: str
    other_names: list[str]
    facts: list[tuple[str, str]]
    """What the archive says of the subject (date, place, birth year …), as label and value."""
    accounts: list[Account]
    include_restricted: bool
    withheld: dict[str, int] = field(default_factory=dict)
    """Passages left out because their interview may not be published, counted by interview code."""
    silent: list[str] = field(default_factory=list)
    """Interviews whose metadata names the subject but none of whose passages is about it yet."""
    when: EventDate | None = None
    """An event's date: the workshop's settled one, else its own."""
    questions: list[Question] = field(default_factory=list)
    conclusions: list[Conclusion] = field(default_factory=list)
    """Every conclusion recorded on the event, the history included, by aspect then as recorded."""
    made_on: date = field(default_factory=date.today)

    @property
    def passage_count(self) -> int:
        return sum(len(a.passages) for a in self.accounts)

    @property
    def interview_count(self) -> int:
        return len({p.code for a in self.accounts for p in a.passages})

    @property
    def in_force(self) -> dict[str, Conclusion]:
        """The latest conclusion on each aspect."""
        return {c.aspect: c for c in self.conclusions}
