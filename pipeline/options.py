"""How a run transcribes: every option and its default declared once, here.

The command line builds its options from these declarations (``pipeline.cli.transcription_flags``), so ``loike run``,
``eval``, ``watch`` and ``retranscribe`` offer the same choices with the same defaults.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from pipeline.i18n import N_

DEFAULT_WORKERS = min(2, os.cpu_count() or 1)
"""More would need more memory (a few hundred MB a piece) for little gain on a laptop's few cores."""
MAX_LOCAL_WORKERS = 16
"""The most ``--workers`` on one machine; more only as transcribers on a Ray cluster (``loike run --cluster``)."""


@dataclass(frozen=True)
class Flag:
    """How an option is offered on the command line: ``--`` and the field's name with dashes, the field's
    default. Plain data, so that this module needs no click (``pipeline.cli.transcription_flags`` makes the
    click option)."""

    help: str = ""
    choices: tuple[str, ...] = ()
    min: int | None = None
    max: int | None = None
    with_cluster: str = ""
    """The help where the command has ``--cluster``, when the option means more there."""


def flag(default: Any, **cli: Any) -> Any:
    """A dataclass field with its default and its command-line ``Flag``."""
    return field(default=default, metadata={"cli": Flag(**cli)})


@dataclass(frozen=True)
class TranscribeOptions:
    """How faster-whisper is called. Every default is documented here and only here, and so is each option's
    ``Flag`` on the command line (a field without one, such as chunk_seconds, has no option)."""

    model: str = flag(
        "base",
        help=N_(
            "'base' (embedded), a model added by name (`loike models`), a CTranslate2 model folder, "
            "or one to download such as large-v3."
        ),
    )
    """"base" is the embedded Whisper base; also a model in the cache by name, a local CTranslate2 model folder, or
    a catalogue name or hub id (downloaded into the cache, only then does anything reach for the hub)."""
    device: str = flag("cpu", choices=("cpu", "cuda", "auto"))
    """cpu, cuda or auto."""
    compute_type: str = flag("int8", help=N_("int8, float32, float16, default …"))
    """int8, float32, float16, default (the type the model was saved in) …; see docs/benchmarks.md."""
    beam_size: int = flag(5, min=1, max=20)
    language: str = flag("vi")
    cpu_threads: int = flag(
        1,
        min=1,
        help=N_("Threads per worker. More can change the words on some processors (docs/reproducibility.md)."),
    )
    """CTranslate2 threads per worker. One, so that a recording's words are the same whoever transcribes it:
    on some processors they depend on the number of threads a decode uses (docs/reproducibility.md). The cores
    are kept busy by running workers side by side instead."""
    workers: int = flag(
        DEFAULT_WORKERS,
        min=1,
        help=N_("Recordings (or pieces of one) transcribed at once, up to 16; the cores are shared among them."),
        with_cluster=N_(
            "Recordings (or pieces of one) transcribed at once, up to 16; the cores are shared among them. "
            "With --cluster: transcribers on the cluster [default there: as many as it has room for]."
        ),
    )
    """Recordings (or pieces of one) transcribed at the same time by the one loaded model, each worker on
    its share of the cores. On 2 cores, two workers of one thread each transcribed a folder 1.7 times as
    fast as one worker on both (docs/benchmarks.md, "Throughput over a folder"): Whisper base's decoder
    gains little from a second thread. A run never starts more workers than it has pieces to transcribe."""
    domain_words: bool = flag(
        False,
        help=N_(
            "Hint Whisper with the names in the metadata and recordings/glossary.txt (off: see docs/benchmarks.md)."
        ),
    )
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
            "unwritten_speech_check": True,  # speech VAD heard and Whisper did not write is kept as a gap
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
