"""The archive's vocabulary: what the data layer stores and hands out, one dataclass per kind of thing.

What the stages hand in (a recording's audio facts, the machine's segments and words, an interview's metadata as
read) and what the data layer hands out (``Recording``, ``Interview``, ``Segment`` …, with the values derived
from a row as properties). Times are seconds on the original recording's timeline; dates are ISO.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class AudioInfo:
    """What a recording's container declares about itself."""

    container: str  # e.g. "mp3", "mov,mp4,m4a,3gp,3g2,mj2", "wav"
    codec: str  # e.g. "mp3", "aac", "pcm_s16le", "amr_nb"
    channels: int
    sample_rate: int
    declared_duration: float | None  # seconds; None when the container does not say
    has_video: bool = False


@dataclass(frozen=True)
class NormalisedAudio:
    """The 16 kHz mono 16-bit WAV derivative made from an original."""

    path: Path
    duration: float  # seconds actually decoded
    gain_db: float  # gain applied to reach the loudness target
    loudness_dbfs: float  # gated loudness of the original speech before the gain


@dataclass
class Word:
    start: float
    end: float
    text: str
    probability: float


@dataclass
class MachineSegment:
    """A segment as the transcriber wrote it, before it is stored."""

    start: float
    end: float
    text: str
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float
    words: list[Word] = field(default_factory=list)
    speaker: str | None = None
    flags: list[str] = field(default_factory=list)
    """Codes from ``pipeline.flags`` when the segment looks made up by the model; empty when clean."""
    speech_fraction: float | None = None
    """Share (0–1) of the segment's time in which Silero VAD found speech; None when not measured."""


@dataclass
class RoleHeld:
    """A historical role with its period, e.g. "nguyên Bí thư Chi bộ xã Bắc Cường", 1965–1970."""

    title: str
    start_year: int | None = None
    end_year: int | None = None


@dataclass
class PersonMeta:
    """A person as the metadata names them (witness, interviewer or other present)."""

    full_name: str
    birth_year: int | None = None
    sex: str | None = None  # "nam" | "nữ"
    home_village: str | None = None
    roles: list[RoleHeld] = field(default_factory=list)
    party_joined: str | None = None  # ISO date (yyyy-mm-dd) or year "yyyy"


@dataclass
class Consent:
    status: str = "allowed"  # "allowed" | "restricted" | "embargoed"
    until: str | None = None  # ISO date, for "embargoed"
    given_by: str | None = None

    def narrows(self, status: str | None, until: str | None) -> bool:
        """Whether this consent publishes less than ``status`` (until ``until``), as stored: restricted over
        an embargo over allowed, a later embargo over an earlier one. Unknown (None) publishes nothing."""
        rank = {"allowed": 0, "embargoed": 1, "restricted": 2}
        mine, theirs = rank.get(self.status, 2), rank.get(status or "", 2)
        if mine != theirs:
            return mine > theirs
        return self.status == "embargoed" and (self.until or "9999") > (until or "9999")


@dataclass
class InterviewMeta:
    """Everything a field team writes about one recording."""

    witnesses: list[PersonMeta] = field(default_factory=list)
    interviewers: list[PersonMeta] = field(default_factory=list)
    others_present: list[PersonMeta] = field(default_factory=list)
    date: str | None = None  # ISO yyyy-mm-dd; written dd/mm/yyyy by people
    place: str | None = None
    commune: str | None = None  # xã / phường / thị trấn
    district: str | None = None
    province: str | None = None
    events: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    consent: Consent = field(default_factory=Consent)
    notes: str | None = None
    equipment: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class MetadataProblem:
    """One problem in one place of one metadata file, said in Vietnamese and in English."""

    source: str  # the metadata file, relative to recordings/
    location: str  # "line 4" / "dòng 4", "row 3" …
    field: str
    message_vi: str
    message_en: str

    def __str__(self) -> str:
        return f"{self.source}, {self.location}, {self.field}: {self.message_vi} / {self.message_en}"


@dataclass
class MetadataFound:
    """The metadata for one recording, as read: ``meta`` is None when it is missing or unusable."""

    recording: str  # relpath of the recording it describes
    source: str | None  # relpath of the sidecar or spreadsheet it came from
    meta: InterviewMeta | None
    problems: list[MetadataProblem] = field(default_factory=list)
    fingerprint: str = ""  # sha256 of the canonical JSON of meta, to notice edits


# --- search and the quotes selection ---------------------------------------------------------------------------


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
    text: str | None  # the passage's text as stored, or the interview's search_text
    score: float  # -bm25, plus a bonus when the unquoted words stand side by side: higher is better
    consent_status: str | None  # None: unknown
    date: str | None


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
