"""Search and the quotes selection as the data layer takes and hands them: what a search may return, the text it
matches, what the indexes found, and the quotes a manuscript export reads."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.database.public_records import IndexPoint


@dataclass(frozen=True)
class SearchScope:
    """What a search may return, resolved: the ids a filter named (each person, event or place a set, merged
    records and the places under a place included) and ISO dates. None or False: no such filter."""

    people: frozenset[int] | None = None  # tagged on the passage, named in the interview, or its speaker
    events: frozenset[int] | None = None  # tagged on the passage or named in the interview
    places: frozenset[int] | None = None  # tagged on the passage or where the interview was held
    communes: frozenset[int] | None = None  # where the interview was held
    date_from: str | None = None  # yyyy-mm-dd, yyyy-mm or yyyy: the interview's date on or after it
    date_to: str | None = None  # yyyy-mm-dd, yyyy-mm or yyyy: on or before it, every day of a month or year
    reviewed_only: bool = False  # passages an editor verified
    include_restricted: bool = True  # False: consent 'allowed', or an embargo that has ended


@dataclass(frozen=True)
class TextQuery:
    """A query as the search indexes read it: the FTS5 MATCH texts for the passages' index and the interviews'
    one, and the runs of unquoted words (folded) whose standing side by side raises a passage's rank."""

    passages: str
    interviews: str
    side_by_side: tuple[tuple[str, bool], ...] = ()  # (words separated by spaces, the last word is a prefix)


@dataclass(slots=True, frozen=True)
class IndexMatch:
    """A passage the search index found or, with ``segment_id`` None, an interview found through its metadata."""

    interview_id: int
    interview_code: str
    interview_title: str | None
    segment_id: int | None
    start: float | None
    end: float | None
    speaker: str | None  # the person the speaker label is mapped to, else the label
    text: str  # the passage's text as stored, or the interview's search_text
    score: float  # -bm25, plus a bonus when the unquoted words stand side by side: higher is better
    consent_status: str | None  # None: unknown
    date: str | None
    consent_until: str | None = None
    publishable: bool = False  # consent given, or an embargo that has ended


@dataclass(slots=True, frozen=True)
class IndexPointMatch:
    """A point of an interview's index that a search may find, with the interview it belongs to."""

    point: IndexPoint
    interview_code: str
    interview_title: str | None
    consent_status: str | None  # None: unknown
    date: str | None
    consent_until: str | None
    publishable: bool


@dataclass(slots=True, frozen=True)
class DatedEvent:
    """An event with its dates (ISO, or a year), as citations and headings name it."""

    id: int
    name: str
    date_start: str | None
    date_end: str | None


@dataclass(slots=True, frozen=True)
class QuoteTag:
    kind: str  # "person" | "place" | "event"
    name: str


@dataclass(slots=True, frozen=True)
class ManuscriptQuote:
    """A quote an editor chose, as the manuscript export reads it: with its interview, who speaks it, what it and
    the passages it spans are tagged with, and whether an editor verified every one of those passages."""

    id: int
    interview_id: int
    code: str  # the interview's
    text: str
    start: float
    end: float
    comment: str | None
    date: str | None  # the interview's, ISO
    place_id: int | None  # where the interview was held
    place_name: str | None  # the most precise place named for it
    commune: str | None  # the commune (xã, phường) that place is or lies in
    consent_status: str  # "unknown" when nobody recorded it
    consent_until: str | None
    witness_id: int | None  # the person set on its first passage, else its speaker's, else the sole witness's
    verified: bool
    people: frozenset[int]  # tagged on the quote or on a passage it spans; so are places and tagged_events
    places: frozenset[int]
    tagged_events: frozenset[int]
    interview_events: frozenset[int]  # the events the interview names
    tags: tuple[QuoteTag, ...]  # on the quote itself: people, then places, then events

    @property
    def events(self) -> frozenset[int]:
        """What the quote is about: the events tagged on it or its passages; only an untagged quote takes the
        events its interview names."""
        return self.tagged_events or self.interview_events
