"""The archive's vocabulary: what the data layer stores and hands out, one dataclass per kind of thing.

What the stages hand in (a recording's audio facts, the machine's segments and words, an interview's metadata as
read) and what the data layer hands out (``Recording``, ``Interview``, ``Segment`` …, with the values derived
from a row as properties). Times are seconds on the original recording's timeline; dates are ISO.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

METADATA_WAITING = frozenset({"waiting", "missing"})
"""The metadata states that hold an interview back (wrong, or no metadata at all)."""


@dataclass
class Word:
    start: float
    end: float
    text: str
    probability: float
    """faster-whisper's word probability: the mean over the word's tokens."""
    lowest: float | None = None
    """The lowest probability among the word's tokens; None for words stored before migration m009."""


@dataclass
class RoleHeld:
    """A historical role with its period, e.g. "nguyên Bí thư Chi bộ xã Bắc Cường", 1965–1970."""

    title: str
    start_year: int | None = None
    end_year: int | None = None

    @property
    def text(self) -> str:
        """ "Bí thư chi bộ (1965–1970)", "Chủ tịch xã (1971–)", or the title alone."""
        if self.start_year is None:
            return self.title
        return f"{self.title} ({self.start_year}–{self.end_year or ''})"


# --- what the data layer hands out ------------------------------------------------------------------


@dataclass(slots=True)
class Recording:
    """A recording as taken in, with its interview's code and the name it is found under in recordings/ now."""

    id: int
    sha256: str
    source_path: str
    """Its name in recordings/ when it was taken in (relative, forward slashes, NFC)."""
    size: int
    status: str
    """pending, normalised, transcribed or failed."""
    first_seen: str
    container: str | None = None
    codec: str | None = None
    channels: int | None = None
    sample_rate: int | None = None
    declared_duration: float | None = None
    decoded_duration: float | None = None
    gain_db: float | None = None
    loudness_dbfs: float | None = None
    problem_kind: str | None = None
    problem: str | None = None
    updated_at: str | None = None
    normalised_sha256: str | None = None
    code: str = ""
    current_path: str | None = None
    """The first name it is found under in recordings/ today (renamed or copied files share one recording)."""

    @property
    def relpath(self) -> str:
        """Where to find it in recordings/: where it is now, else where it was taken in."""
        return self.current_path or self.source_path

    @property
    def length(self) -> float:
        """Seconds of audio: as decoded, else as the file declares, else 0."""
        return self.decoded_duration or self.declared_duration or 0.0


@dataclass(slots=True)
class Interview:
    """An interview as listed and shown: its recording's facts, its metadata, and its review progress."""

    id: int
    code: str
    title: str | None
    recording_id: int
    sha256: str
    size: int
    status: str
    """transcribed, failed or pending."""
    first_seen: str
    source_path: str
    container: str | None = None
    codec: str | None = None
    channels: int | None = None
    sample_rate: int | None = None
    declared_duration: float | None = None
    duration: float | None = None
    """Seconds decoded."""
    gain_db: float | None = None
    problem_kind: str | None = None
    problem: str | None = None
    transcribed_at: str | None = None
    model: str | None = None
    segment_count: int = 0
    verified_count: int = 0
    flagged_count: int = 0
    unwritten_count: int = 0
    """Segments standing for speech VAD heard and Whisper did not write, that nobody has written yet (the
    ``unwritten_speech`` flag and no text); counted in ``flagged_count`` too."""
    labelled_count: int = 0
    date: str | None = None
    place: str | None = None
    notes: str | None = None
    equipment: str | None = None
    topics: str | None = None
    """JSON list, as stored; ``topic_list`` reads it."""
    consent_status: str = "unknown"
    consent_until: str | None = None
    consent_by: str | None = None
    metadata_status: str | None = None
    metadata_problems: str | None = None
    metadata_source: str | None = None
    place_path: str | None = None
    """The place names from the most precise up, comma-separated: "Bắc Cường, Vũ Thư, Thái Bình"."""
    witnesses: str | None = None
    """"Name (birth year); Name …"."""
    interviewers: str | None = None
    events: str | None = None

    @property
    def state(self) -> str:
        """What a user can act on: pending (to transcribe), failed, waiting_for_metadata (transcribed, but its
        metadata is missing or wrong: it is not published until fixed) or transcribed. A stable English word."""
        if self.status == "transcribed" and self.metadata_status in METADATA_WAITING:
            return "waiting_for_metadata"
        return self.status

    @property
    def length(self) -> float:
        """Seconds of audio: as decoded, else as the file declares, else 0."""
        return self.duration or self.declared_duration or 0.0

    @property
    def topic_list(self) -> list[str]:
        try:
            value = json.loads(self.topics or "[]")
        except ValueError:
            return [self.topics or ""]
        return [str(t) for t in value] if isinstance(value, list) else [str(value)]


@dataclass(slots=True)
class Segment:
    """A stored segment of a transcript: the machine's text, or the editor's once edited or verified."""

    id: int
    interview_id: int
    idx: int
    """Its place in the interview, from 0; the review sheet numbers its lines from 1."""
    start: float
    end: float
    text: str
    review_status: str = "machine"
    """machine, edited or verified."""
    run_id: int | None = None
    speaker: str | None = None
    """The speaker label the transcription gave (S1, S2 …); ``person_id`` when an editor chose a person."""
    avg_logprob: float | None = None
    no_speech_prob: float | None = None
    compression_ratio: float | None = None
    text_folded: str | None = None
    flags: str | None = None
    """Flag codes, comma-separated, as stored; ``flag_codes`` reads them."""
    version: int = 1
    """Raised by every save; a change based on an older version is refused."""
    note: str | None = None
    edited_by: str | None = None
    edited_at: str | None = None
    person_id: int | None = None
    heard_again: str | None = None
    """For a gap (speech heard, no text): the draft a second listen wrote (``MachineSegment.heard_again``)."""
    words: list = field(default_factory=list)
    """``Word`` records, or for a sheet the light (segment id, text, probability, lowest) rows (``sheet_segments``)."""

    @property
    def flag_codes(self) -> list[str]:
        return [code for code in (self.flags or "").split(",") if code]


@dataclass(slots=True)
class LogEntry:
    """One line of a recording's append-only history: what was done, when, by which tool, and how it went."""

    id: int
    recording_id: int
    at: str
    action: str
    tool: str | None
    outcome: str
    detail: str | None = None


@dataclass(slots=True)
class Person:
    """A person the metadata names (witness, interviewer, someone present), with the roles they held."""

    id: int
    name: str
    birth_year: int | None = None
    sex: str | None = None
    """"nam", "nữ" or None."""
    home_village: str | None = None
    roles: list[RoleHeld] = field(default_factory=list)
    """Earliest first."""
    interviews: int = 0
    """How many interviews name them (in ``people`` listings)."""
    maybe_same_as: list[int] = field(default_factory=list)
    """Others with the same name but another (or no) birth year: perhaps the same person (``people`` listings)."""

    @property
    def honorific(self) -> str:
        """ "ông" or "bà", as a citation names an elder; empty when the metadata does not say."""
        return {"nam": "ông", "nữ": "bà"}.get(self.sex or "", "")

    @property
    def roles_text(self) -> str:
        """ "Bí thư chi bộ (1965–1970); Chủ tịch xã (1971–)"."""
        return "; ".join(role.text for role in self.roles)


@dataclass(slots=True)
class Place:
    """A province, district or commune, with the names it had before communes were merged and renamed."""

    id: int
    name: str
    kind: str
    """province, district or commune."""
    parent_id: int | None = None
    parent: str | None = None
    """The name of the place it lies in."""
    former_names: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Event:
    """A historical event the metadata names, with its date or period, place and other names when described."""

    id: int
    name: str
    date_start: str | None = None
    date_end: str | None = None
    place: str | None = None
    aliases: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Tag:
    """A person, place or event an editor tagged a passage with."""

    kind: str
    """person, place or event."""
    id: int
    name: str


@dataclass(slots=True)
class FileTaken:
    """A file in recordings/ that holds a recording, with the hash its bytes had when taken in."""

    path: str
    recording_id: int
    sha256: str
