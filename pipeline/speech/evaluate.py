"""Measure accuracy and speed on recordings whose transcript is known: WER, CER and the real-time factor.

A team chooses a model and settings on its own recordings: every audio file with a reference ``.txt``
beside it (same name) is decoded and transcribed exactly as ``loike run`` does it (``audio.normalise``,
then ``Transcriber.transcribe`` on the decoded audio in pieces), and the text is compared with the
reference after both are normalised alike (``normalise``).
"""

from __future__ import annotations

import itertools
import logging
import re
import tempfile
import time
import unicodedata
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipeline.database.models import Word
from pipeline.errors import EvaluationError, LoikeError, RecordingError
from pipeline.i18n import _
from pipeline.intake import audio, discovery, slicing
from pipeline.options import TranscribeOptions
from pipeline.reports import Problem
from pipeline.speech.diarize import Turn

log = logging.getLogger(__name__)


# --- text ------------------------------------------------------------------------------------------


def normalise(text: str) -> str:
    """Text as scored: NFC, lower case, punctuation and symbols as spaces, whitespace collapsed.

    Tones and marks are kept ("đảng" and "dang" are different words), and numbers are not spelt out
    ("2" against "hai" counts as an error).
    """
    text = unicodedata.normalize("NFC", text).lower()
    kept = [" " if unicodedata.category(ch)[0] in "PSZC" else ch for ch in text]
    return re.sub(r"\s+", " ", "".join(kept)).strip()


def edit_distance(ref: list, hyp: list) -> int:
    """Levenshtein distance (substitutions, insertions and deletions all cost 1).

    Row by row with numpy, so a two-hour transcript (tens of thousands of words, or characters) takes
    seconds: deletions and substitutions are vectorised, insertions are a running minimum along the row.
    """
    vocabulary: dict = {}
    r = np.array([vocabulary.setdefault(x, len(vocabulary)) for x in ref], np.int64)
    h = np.array([vocabulary.setdefault(x, len(vocabulary)) for x in hyp], np.int64)
    if not len(r) or not len(h):
        return max(len(r), len(h))
    columns = np.arange(len(h) + 1, dtype=np.int64)
    previous = columns.copy()
    for i, token in enumerate(r, 1):
        current = np.empty_like(previous)
        current[0] = i
        current[1:] = np.minimum(previous[1:] + 1, previous[:-1] + (h != token))
        # insertions: current[j] = min over k <= j of current[k] + (j - k)
        current = np.minimum.accumulate(current - columns) + columns
        previous = current
    return int(previous[-1])


def word_errors(ref: str, hyp: str) -> tuple[int, int]:
    """(word edits, reference words) after normalising both texts."""
    r, h = normalise(ref).split(), normalise(hyp).split()
    return edit_distance(r, h), len(r)


def char_errors(ref: str, hyp: str) -> tuple[int, int]:
    """(character edits, reference characters) after normalising; the spaces between words count."""
    r, h = normalise(ref), normalise(hyp)
    return edit_distance(list(r), list(h)), len(r)


def ratio(errors: int, total: int) -> float:
    return errors / total if total else float("nan")


# --- records ---------------------------------------------------------------------------------------


@dataclass
class FileScore:
    """One recording scored against its reference."""

    path: Path
    seconds: float  # audio decoded
    elapsed: float  # wall time to decode, normalise and transcribe it (others may have run meanwhile)
    words: int  # reference words
    word_edits: int
    chars: int  # reference characters, spaces between words included
    char_edits: int
    reference: str
    hypothesis: str
    gaps: int = 0
    """Places where VAD heard speech and Whisper wrote nothing (``unwritten_speech`` segments): their words count
    as deleted in the WER, and here as what the transcript shows an editor instead of losing them."""
    gap_seconds: float = 0.0
    machine_words: list[list[Word]] = field(default_factory=list)
    """The machine's words, segment by segment (``mark_scores`` scores their confidence marks)."""

    @property
    def wer(self) -> float:
        return ratio(self.word_edits, self.words)

    @property
    def cer(self) -> float:
        return ratio(self.char_edits, self.chars)

    @property
    def rtf(self) -> float:
        return ratio(self.elapsed, self.seconds)  # type: ignore[arg-type]


@dataclass
class EvalReport:
    """Scores per file and for the whole folder; corpus rates are total edits over total reference units."""

    folder: Path
    settings: dict
    files: list[FileScore] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    load_seconds: float = 0.0
    wall_seconds: float = 0.0
    """From the first file started to the last one scored (several are transcribed at once)."""

    def total(self, name: str) -> float:
        return sum(getattr(score, name) for score in self.files)

    @property
    def wer(self) -> float:
        return ratio(int(self.total("word_edits")), int(self.total("words")))

    @property
    def cer(self) -> float:
        return ratio(int(self.total("char_edits")), int(self.total("chars")))

    @property
    def rtf(self) -> float:
        """Wall time over audio time for the whole folder, the model already loaded."""
        return ratio(self.wall_seconds, self.total("seconds"))  # type: ignore[arg-type]

    def as_dict(self) -> dict:
        return {
            "folder": str(self.folder),
            "settings": self.settings,
            "corpus": {
                "files": len(self.files),
                "audio_seconds": round(self.total("seconds"), 2),
                "words": int(self.total("words")),
                "word_edits": int(self.total("word_edits")),
                "chars": int(self.total("chars")),
                "char_edits": int(self.total("char_edits")),
                "wer": _rounded(self.wer),
                "cer": _rounded(self.cer),
                "rtf": _rounded(self.rtf),
                "unwritten_gaps": int(self.total("gaps")),
                "unwritten_seconds": round(self.total("gap_seconds"), 2),
                "wall_seconds": round(self.wall_seconds, 2),
                "model_load_seconds": round(self.load_seconds, 2),
            },
            "files": [
                {
                    "file": str(s.path.relative_to(self.folder)),
                    "audio_seconds": round(s.seconds, 2),
                    "words": s.words,
                    "word_edits": s.word_edits,
                    "wer": _rounded(s.wer),
                    "chars": s.chars,
                    "char_edits": s.char_edits,
                    "cer": _rounded(s.cer),
                    "rtf": _rounded(s.rtf),
                    "unwritten_gaps": s.gaps,
                    "unwritten_seconds": round(s.gap_seconds, 2),
                    "reference": s.reference,
                    "hypothesis": s.hypothesis,
                }
                for s in self.files
            ],
            "skipped": [{"file": p.relpath, "kind": p.kind, "message": p.message} for p in self.skipped],
        }


def _rounded(value: float) -> float | None:
    return None if value != value else round(value, 4)  # NaN (nothing to divide by) becomes null in JSON


# --- running ---------------------------------------------------------------------------------------


def reference_pairs(folder: Path) -> list[tuple[Path, Path]]:
    """(audio, reference .txt) for every recording under ``folder`` with a .txt of the same name beside it."""
    if not folder.is_dir():
        raise EvaluationError(
            _(
                "There is no folder {folder}: pass a folder of recordings, each with its reference transcript "
                "in a .txt of the same name beside it."
            ).format(folder=folder)
        )
    pairs = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and discovery.is_candidate(path.name) and path.with_suffix(".txt").is_file():
            pairs.append((path, path.with_suffix(".txt")))
    if not pairs:
        raise EvaluationError(
            _(
                "No recording in {folder} has a reference transcript beside it: put NAME.txt (UTF-8) next to "
                "each NAME.wav, NAME.mp3 … to evaluate."
            ).format(folder=folder)
        )
    return pairs


def evaluate(
    folder: Path,
    options: TranscribeOptions,
    cache: Path,
    transcriber=None,
    on_file: Callable[[FileScore], None] | None = None,
) -> EvalReport:
    """Transcribe every recording in ``folder`` that has a reference and score it.

    A file that cannot be read or decoded is skipped and reported; the rest go on. ``transcriber`` lets a
    caller (or a test) reuse a loaded model; its options then win over ``options``.
    """
    folder = Path(folder)
    pairs = reference_pairs(folder)
    started = time.perf_counter()
    if transcriber is None:
        from pipeline.speech.transcribe import Transcriber  # faster-whisper is imported only when there is work

        transcriber = Transcriber(options, cache)
    report = EvalReport(
        folder,
        {**transcriber.options.settings(), "model": transcriber.options.model, "model_path": transcriber.model_path},
        load_seconds=time.perf_counter() - started,
    )
    at_once = max(1, transcriber.options.workers)  # as `loike run`: that many recordings at a time
    with tempfile.TemporaryDirectory(prefix="loike-eval-") as work, ThreadPoolExecutor(at_once) as pool:
        began = time.perf_counter()
        jobs = [
            (recording, pool.submit(_read_and_score, recording, reference_file, transcriber, Path(work) / str(n)))
            for n, (recording, reference_file) in enumerate(pairs)
        ]
        for recording, job in jobs:  # in order, as they finish
            relpath = recording.relative_to(folder).as_posix()
            try:
                score = job.result()
            except (RecordingError, OSError, UnicodeDecodeError) as error:
                message = _unreadable(relpath, error)
                log.info(message)  # printed with the scores
                report.skipped.append(Problem(relpath, getattr(error, "kind", type(error).__name__), message))
                continue
            report.files.append(score)
            if on_file:
                on_file(score)
        report.wall_seconds = time.perf_counter() - began
    if not report.files:
        raise EvaluationError(
            _("None of the {count} recordings in {folder} could be read: {problems}").format(
                count=len(pairs), folder=folder, problems="; ".join(p.message for p in report.skipped[:3])
            )
        )
    return report


def _read_and_score(recording: Path, reference_file: Path, transcriber, work: Path) -> FileScore:
    reference = reference_file.read_text(encoding="utf-8-sig")
    work.mkdir()
    return _score(recording, reference, transcriber, work)


def _score(recording: Path, reference: str, transcriber, work: Path) -> FileScore:
    """Decode and transcribe one recording as ``loike run`` would, timed, and compare with the reference."""
    wav, decoded = work / "normalised.wav", work / "decoded.f32"
    started = time.perf_counter()
    try:
        normalised = audio.normalise(recording, wav, decoded)
        segments = transcriber.transcribe(slicing.read_chunks(decoded, transcriber.options.chunk_seconds))
    finally:
        decoded.unlink(missing_ok=True)
        wav.unlink(missing_ok=True)
    elapsed = time.perf_counter() - started
    hypothesis = " ".join(segment.text for segment in segments if segment.text)
    word_edits, words = word_errors(reference, hypothesis)
    char_edits, chars = char_errors(reference, hypothesis)
    gaps = [segment for segment in segments if "unwritten_speech" in segment.flags]
    return FileScore(
        recording,
        normalised.duration,
        elapsed,
        words,
        word_edits,
        chars,
        char_edits,
        reference.strip(),
        hypothesis,
        len(gaps),
        sum(gap.end - gap.start for gap in gaps),
        [segment.words for segment in segments],
    )


def _unreadable(relpath: str, error: RecordingError | OSError | UnicodeDecodeError) -> str:
    if isinstance(error, UnicodeDecodeError):
        return f"{relpath}: its reference transcript is not UTF-8 text; save it as UTF-8 (skipped)."
    if isinstance(error, LoikeError):
        return f"{error} (skipped)"
    return f"{relpath} could not be read ({error.strerror or error}): check the file (skipped)."


# --- speaker labels ----------------------------------------------------------------------------------


def der(reference: list[Turn], hypothesis: list[Turn], collar: float = 0.25, step: float = 0.01) -> dict[str, float]:
    """Diarisation error rate, the standard way: (missed speech + false alarm + speaker confusion) / reference
    speech, in 10 ms frames, after the mapping of hypothesis to reference speakers that maximises their overlap.
    ``collar`` seconds either side of every reference turn boundary are not scored (0.25 s is customary)."""
    end = max([t.end for t in reference + hypothesis] + [0.0])
    frames = int(np.ceil(end / step)) + 1
    scored = np.ones(frames, bool)
    for t in reference:
        for edge in (t.start, t.end):
            scored[max(0, int((edge - collar) / step)) : int(np.ceil((edge + collar) / step))] = False

    def grid(turns_: list[Turn]) -> tuple[list[str], np.ndarray]:
        names = sorted({t.speaker for t in turns_})
        out = np.zeros((len(names), frames), bool)
        for t in turns_:
            out[names.index(t.speaker), int(round(t.start / step)) : int(round(t.end / step))] = True
        return names, out[:, scored]

    ref_names, ref = grid(reference)
    hyp_names, hyp = grid(hypothesis)
    r, h = ref.sum(axis=0), hyp.sum(axis=0)
    overlap = ref.astype(np.int64) @ hyp.T.astype(np.int64)  # frames each pair speaks together
    best = 0
    if len(ref_names) and len(hyp_names):
        small, large = sorted((len(ref_names), len(hyp_names)))
        matrix = overlap if len(ref_names) <= len(hyp_names) else overlap.T
        best = max(
            sum(matrix[i, p] for i, p in enumerate(perm)) for perm in itertools.permutations(range(large), small)
        )
    total = float(r.sum()) or 1.0
    missed = float(np.maximum(r - h, 0).sum())
    false_alarm = float(np.maximum(h - r, 0).sum())
    confusion = float(np.minimum(r, h).sum() - best)
    return {
        "der": (missed + false_alarm + confusion) / total,
        "missed": missed / total,
        "false_alarm": false_alarm / total,
        "confusion": confusion / total,
        "speech_seconds": total * step,
    }
