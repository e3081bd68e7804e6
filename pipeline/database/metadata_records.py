"""An interview's metadata as a sidecar or a spreadsheet row states it, before it is applied to the archive."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.database.models import RoleHeld


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
