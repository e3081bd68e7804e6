"""Plain records passed between the stages. Times are seconds on the original recording's timeline."""

from __future__ import annotations

import os
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
    flags: list[str] = field(default_factory=list)
    """Codes from ``pipeline.flags`` when the segment looks made up by the model; empty when clean."""
    speech_fraction: float | None = None
    """Share (0–1) of the segment's time in which Silero VAD found speech; None when not measured."""


DEFAULT_WORKERS = min(2, os.cpu_count() or 1)
"""More would need more memory (a few hundred MB a piece) for little gain on a laptop's few cores."""


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
    cpu_threads: int = 1
    """CTranslate2 threads per worker. One, so that a recording's words are the same whoever transcribes it:
    on some processors they depend on the number of threads a decode uses (docs/reproducibility.md). The cores
    are kept busy by running workers side by side instead."""
    workers: int = DEFAULT_WORKERS
    """Recordings (or pieces of one) transcribed at the same time by the one loaded model, each worker on
    its share of the cores. On 2 cores, two workers of one thread each transcribed a folder 1.7 times as
    fast as one worker on both (docs/benchmarks.md, "Throughput over a folder"): Whisper base's decoder
    gains little from a second thread. A run never starts more workers than it has pieces to transcribe."""
    domain_words: bool = False
    """Hand the names in the interview's metadata (and recordings/glossary.txt) to Whisper as hotwords.
    Off: on the measurement in docs/benchmarks.md it did not lower the error rate on those names."""
    chunk_seconds: float = 120.0
    """Longest piece handed to the model at once, cut at a quiet moment. faster-whisper's feature
    extraction briefly needs several hundred MB for a 10-minute piece; 2-minute pieces kept a 2-hour
    run at 573–654 MB (bar 800 MB) with no loss of accuracy (docs/benchmarks.md)."""

    def settings(self) -> dict:
        """The options recorded with each transcription run."""
        return {
            "language": self.language,
            "beam_size": self.beam_size,
            "device": self.device,
            "compute_type": self.compute_type,
            "vad_filter": True,
            "vad_speech_check": True,  # segments where VAD found no speech are flagged (pipeline.flags)
            "condition_on_previous_text": False,
            "word_timestamps": True,
            "domain_words": self.domain_words,
            "chunk_seconds": self.chunk_seconds,
            "workers": self.workers,
            "cpu_threads": self.cpu_threads,
        }


@dataclass(frozen=True)
class ClusterOptions:
    """Where and how ``loike run --cluster`` transcribes (``pipeline.cluster``). Every default is documented here."""

    address: str
    """A Ray address: ``ray://HEAD:10001`` (Ray Client), ``HOST:6379`` (the head's GCS, from a node of the
    cluster), or ``auto`` (the cluster this machine belongs to: inside a Ray job, or RAY_ADDRESS)."""
    workers: int | None = None
    """Transcribers (Ray actors, each with the model loaded once); None: as many as the cluster has room for."""
    gpus_per_worker: float | None = None
    """GPUs each transcriber holds; None: 1 where the cluster has GPUs, else 0. With a GPU the model runs on
    cuda (a fraction such as 0.5 puts two transcribers on one GPU)."""
    cpus_per_worker: float = 1.0
    """CPUs each transcriber holds, and the pieces of a recording it transcribes at once (one thread each)."""
    shared_storage: bool = False
    """transcripts/ is mounted at the same path on every node: transcribers read the decoded audio there
    instead of receiving it through Ray's object store."""
    attempts: int = 3
    """Times a recording is handed out when its transcriber dies under it; after that it fails for this run
    (it may be what kills them) and waits for the next."""


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
