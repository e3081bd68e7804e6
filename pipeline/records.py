"""Plain records passed between the stages. Times are seconds on the original recording's timeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class SourceFile:
    """A file found under ``recordings/``, before it is read."""

    path: Path  # absolute
    relpath: str  # relative to recordings/, forward slashes, NFC
    size: int
    mtime: float


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
class Segment:
    start: float
    end: float
    text: str
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float
    words: list[Word] = field(default_factory=list)
    speaker: str | None = None


@dataclass(frozen=True)
class TranscribeOptions:
    """How faster-whisper is called. Every default is documented here and only here."""

    model: str = "base"
    """"base" is the embedded Whisper base; also a local CTranslate2 model folder or a hub name."""
    device: str = "cpu"
    """cpu, cuda or auto."""
    compute_type: str = "int8"
    """int8, float32, float16, default (the type the model was saved in) …; see docs/benchmarks.md."""
    beam_size: int = 5
    language: str = "vi"
    cpu_threads: int = 0
    """0 lets CTranslate2 choose (all cores)."""
    chunk_seconds: float = 600.0
    """Longest piece handed to the model at once; pieces are cut at a quiet moment so
    features for a long recording are never computed all at once (memory stays flat)."""

    def settings(self) -> dict:
        """The options recorded with each transcription run."""
        return {
            "language": self.language,
            "beam_size": self.beam_size,
            "device": self.device,
            "compute_type": self.compute_type,
            "vad_filter": True,
            "condition_on_previous_text": False,
            "word_timestamps": True,
            "chunk_seconds": self.chunk_seconds,
        }


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
    sheets_dir: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def did_nothing(self) -> bool:
        return self.new == 0 and self.transcribed == 0 and not self.failures
