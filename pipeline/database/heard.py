"""What a run hands the data layer to store: a recording's audio facts, and the segments the transcriber wrote."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeline.database.models import Word


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
class MachineSegment:
    """A segment as the transcriber wrote it, before it is stored."""

    start: float
    end: float
    text: str
    avg_logprob: float | None
    no_speech_prob: float | None
    compression_ratio: float | None
    """Whisper's scores of the decode the segment came from; None for speech it did not write (``text`` empty,
    flagged ``unwritten_speech``), which no decode stands behind."""
    words: list[Word] = field(default_factory=list)
    speaker: str | None = None
    flags: list[str] = field(default_factory=list)
    """Codes from ``pipeline.flags`` when the segment looks made up by the model; empty when clean."""
    speech_fraction: float | None = None
    """Share (0–1) of the segment's time in which Silero VAD found speech; None when not measured."""
    heard_again: str | None = None
    """For a gap (no text, flagged ``unwritten_speech``): what a second decode of its speech alone wrote, a draft
    the desk offers the editor; None when that decode wrote nothing usable, and for every other segment."""
