"""What the data layer hands the workshop: the passages about a subject, the workshop's conclusions (kept with
their history, never overwritten) and an event's date as the workshop settled it."""

from __future__ import annotations

from dataclasses import dataclass, field

ASPECTS = ("date", "place", "people")
"""What a workshop settles about an event: when it happened, where, and who took part."""


@dataclass(slots=True)
class AboutPassage:
    """A passage tagged with a subject, or naming it (or one of its other names), with its interview's facts."""

    segment_id: int
    interview_id: int
    code: str
    idx: int
    start: float
    end: float
    text: str
    """The editor's text where edited or verified, the machine's otherwise."""
    review_status: str
    flags: str | None
    speaker: str | None
    """The speaker label the transcription gave (S1 …)."""
    person_id: int | None
    """Who speaks it, where an editor or the speaker labels say."""
    how: tuple[str, ...]
    """tagged, mentioned (or both)."""
    consent_status: str
    consent_until: str | None
    interview_date: str | None


@dataclass(frozen=True, slots=True)
class CitedPassage:
    """A passage a conclusion rests on, as it was when the conclusion was recorded: a segment may later be split
    or merged, the code and time still find the moment."""

    segment_id: int
    code: str
    start: float


@dataclass(slots=True)
class Conclusion:
    """What a workshop settled about one aspect of an event, with who decided, when and why."""

    id: int
    event_id: int
    aspect: str
    """date, place or people."""
    answer: str
    """The version the workshop accepted, as it was written ("1946", "19/08/1945", "xã Bắc Cường")."""
    decided_by: str
    """Who decided: the workshop (hội thảo), its chair."""
    decided_on: str
    """ISO date of the decision."""
    editor: str
    """Who recorded it in Lời Kể."""
    recorded_at: str
    reasons: str | None = None
    date_start: str | None = None
    date_end: str | None = None
    """The settled date (ISO, of its own precision), for a date."""
    passages: list[CitedPassage] = field(default_factory=list)
    replaces: int | None = None
    """The conclusion on the same aspect it supersedes, kept in the history."""


@dataclass(frozen=True, slots=True)
class EventDate:
    """An event's date: the workshop's settled one when there is one, else the one the event was described with."""

    start: str | None
    end: str | None
    settled: bool = False
    conclusion_id: int | None = None
