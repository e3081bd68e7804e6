"""What a run tells its caller: the problems it met, file by file, and what it did."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Problem:
    """Something a user must hear about one file; the batch goes on."""

    relpath: str
    kind: str
    message: str


@dataclass
class RunReport:
    """What one ``loike run`` did."""

    found: int = 0
    new: int = 0
    transcribed: int = 0
    skipped_unchanged: int = 0
    still_copying: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    failures: list[Problem] = field(default_factory=list)
    audio_seconds: float = 0.0
    metadata_updated: int = 0
    waiting_for_metadata: int = 0
    sheets_dir: Path | None = None
    unseparated: int = 0
    """Recordings transcribed without speaker labels: the optional speaker model is not installed."""
    interviews: list[str] = field(default_factory=list)
    """The codes of the interviews transcribed."""
    proposed: dict[str, int] = field(default_factory=dict)
    """Interview code → how many of its speaker labels sound like people named in other interviews."""

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def did_nothing(self) -> bool:
        return self.new == 0 and self.transcribed == 0 and self.metadata_updated == 0 and not self.failures


@dataclass
class Retranscribed:
    """What ``loike retranscribe`` did to one interview."""

    code: str
    model: str
    run: RunReport
    segments: int = 0
    """Segments in the transcript now."""
    kept: int = 0
    """Segments an editor had touched, kept as they were."""
    beside: int = 0
    """New machine texts set beside the kept segments (``segment_alternatives``)."""
