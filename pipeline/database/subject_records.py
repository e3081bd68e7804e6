"""The people, places and events as their pages list them (``subject_passages.subjects`` hands these out)."""

from __future__ import annotations

from dataclasses import dataclass, field

PASSAGES_PER_INTERVIEW = 5
"""How many passages of one interview a subject's page lists besides those an editor tagged, which are always all
listed: verified ones first, then edited ones, then the machine's, earliest first, flagged ones last. The page
gives the count of the rest and where to find them (the sheet, ``loike search``). Listing every mention made an
event's page thousands of passages long in a large archive, and gathering them took minutes (docs/benchmarks.md)."""


@dataclass(frozen=True, slots=True)
class SubjectInterview:
    """An interview whose metadata names the subject, with the part the subject had in it (in Vietnamese)."""

    code: str
    title: str | None
    date: str | None  # ISO
    role: str | None  # "Người kể", "Nơi phỏng vấn", "Có kể về sự kiện" …
    consent_status: str | None = None
    consent_until: str | None = None


@dataclass(frozen=True, slots=True)
class SubjectPassage:
    """A passage listed on a subject's page, and how it was found: "tagged", "mentioned" or "spoken"."""

    interview_code: str
    interview_title: str | None
    idx: int
    start: float | None
    end: float | None
    speaker: str | None  # the person an editor named for the label, else the label
    text: str
    how: str | None = None
    consent_status: str | None = None
    segment_id: int | None = None


@dataclass(frozen=True, slots=True)
class Subject:
    """A person, place or event with its facts (label, value; in Vietnamese), the interviews that name it, its
    passages, and ``more``: by interview code, how many passages that name it are not listed."""

    kind: str  # "person", "place" or "event"
    id: int
    name: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    interviews: list[SubjectInterview] = field(default_factory=list)
    passages: list[SubjectPassage] = field(default_factory=list)
    more: dict[str, int] = field(default_factory=dict)
    per_interview: int = PASSAGES_PER_INTERVIEW
