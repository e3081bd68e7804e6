"""What editors add to an interview for its readers, as the data layer hands it out: the points of its index (the
way oral-history archives make a long interview findable) and the passages closed for a time (redactions)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class IndexPoint:
    """A point of an interview's index, in the shape OHMS gives it: a moment, a title and a synopsis, the first
    words heard there, keywords and subjects; each text with an optional English ``_alt``."""

    id: int
    interview_id: int
    time: float
    """Seconds from the start of the recording."""
    title: str
    synopsis: str = ""
    partial_transcript: str = ""
    keywords: list[str] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)
    title_alt: str = ""
    synopsis_alt: str = ""
    partial_transcript_alt: str = ""
    keywords_alt: list[str] = field(default_factory=list)
    subjects_alt: list[str] = field(default_factory=list)
    editor: str | None = None
    updated_at: str | None = None

    @property
    def has_alt(self) -> bool:
        return any(
            (self.title_alt, self.synopsis_alt, self.partial_transcript_alt, self.keywords_alt, self.subjects_alt)
        )


@dataclass(slots=True)
class Redaction:
    """A passage closed to the public until a date, with the reason and who closed it.

    The passage runs from ``start`` to ``end`` seconds; where an editor selected it in the text, it starts at
    character ``start_offset`` of segment ``first_segment_id`` and ends at ``end_offset`` of ``last_segment_id``,
    and ``words`` holds what was closed as it read then (the archive copy keeps everything)."""

    id: int
    interview_id: int
    start: float
    end: float
    reason: str
    until: str
    """ISO date: the passage is closed to the end of that day and opens by itself after it."""
    editor: str
    created_at: str
    first_segment_id: int | None = None
    start_offset: int | None = None
    last_segment_id: int | None = None
    end_offset: int | None = None
    words: str | None = None
    withdrawn_at: str | None = None
    withdrawn_by: str | None = None

    def closed_on(self, day: str) -> bool:
        """Whether the passage is closed on ``day`` (ISO): not withdrawn, and its end date not yet passed."""
        return self.withdrawn_at is None and day <= self.until
