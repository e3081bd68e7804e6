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


# --- the editors' desk: segments as edited, their history, tags, speakers and quotes -----------------


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
    """Flag codes, comma-separated, as stored (``speech.flags.parse`` reads them)."""
    version: int = 1
    """Raised by every save; a change based on an older version is refused."""
    note: str | None = None
    edited_by: str | None = None
    edited_at: str | None = None
    person_id: int | None = None


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
class Tag:
    """A person, place or event tagged on a segment or a quote."""

    kind: str
    """person, place or event."""
    id: int
    name: str


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
