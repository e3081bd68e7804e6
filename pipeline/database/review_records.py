"""The editors' work as the data layer hands it out: a segment's history, who edited last, machine text kept beside
an edited segment, speaker labels and names, and the quotes kept for the book."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.database.models import Tag


@dataclass(slots=True)
class EditorAction:
    """One thing an editor did to an interview, as its log tells it: ``action`` is saved, verified, unverified,
    split, merged, tagged, untagged, restored or quote_made (stable English words); ``line`` the segment's place
    today, from 1 (None for one merged away); ``detail`` a quote's number and start."""

    at: str
    editor: str | None
    action: str
    line: int | None = None
    detail: str | None = None


@dataclass(slots=True)
class Revision:
    """One saved change of a segment, kept for ever: who, when, what it was before and after.

    ``before`` and ``after`` are snapshots of the segment's fields (``revisions.SNAPSHOT``), or for a tag
    ``{"tag": [kind, id]}``; ``before`` is None for a segment made by a split, ``after`` for one merged away.
    """

    id: int
    segment_id: int
    interview_id: int
    version: int | None
    """The segment's version this change made."""
    action: str
    """edit, split, tag, untag, merge:ID, merged-into:ID, restore:ID or restore:machine."""
    editor: str | None
    at: str
    before: dict | None = None
    after: dict | None = None


@dataclass(slots=True)
class LastEdit:
    """Who last changed a segment of an interview, and when."""

    interview_id: int
    editor: str | None
    at: str


@dataclass(slots=True)
class Alternative:
    """Machine text from a later run, kept beside a segment an editor had already changed."""

    id: int
    segment_id: int
    run_id: int
    start: float | None
    end: float | None
    text: str
    model: str | None
    """The model of the run that wrote it."""


@dataclass(slots=True)
class SpeakerLabel:
    """A speaker label of an interview, how many segments carry it, and who an editor said it is."""

    label: str
    segments: int
    person_id: int | None = None


@dataclass(slots=True)
class InterviewPerson:
    """Someone an interview's metadata names, in one role (witness, interviewer or present)."""

    id: int
    full_name: str
    birth_year: int | None
    role: str


@dataclass
class SpeakerNames:
    """The names the desk shows for speakers: the people an editor chose for labels, and everyone by id."""

    labels: dict[str, str] = field(default_factory=dict)
    """Label → the name of the person it was mapped to."""
    people: dict[int, str] = field(default_factory=dict)
    """Person id → full name."""

    def name_for(self, person_id: int | None, label: str | None) -> str | None:
        """The person an editor chose for a segment, else the person its label is, else the label itself."""
        if person_id:
            return self.people.get(person_id)
        if label is None:
            return None
        return self.labels.get(label) or label


@dataclass(slots=True)
class Quote:
    """A passage an editor kept for the book, with the people, places and events tagged on it."""

    id: int
    interview_id: int
    first_segment_id: int
    last_segment_id: int
    start: float
    end: float
    text: str
    comment: str | None
    editor: str | None
    created_at: str
    updated_at: str | None
    tags: list[Tag] = field(default_factory=list)
