"""Who the speaker labels are: the interviewer found by who asks the questions, a lone witness by who talks
most, labels kept in line with the interview's previous transcript, and the people mapped in ``speakers``.

``label_speakers`` is what a run calls for each recording (it finds the speech with Silero VAD and has the voices
told apart in ``pipeline.diarize``); ``remember`` writes who the labels are, in the transaction that stores the
transcript.
"""

from __future__ import annotations

import itertools
import logging
import re
from dataclasses import dataclass, field, replace

import numpy as np

from pipeline import crashtest, database, settings
from pipeline.database.heard import MachineSegment
from pipeline.database.models import Segment
from pipeline.errors import DiarizeError
from pipeline.speech import diarize, microphones, transcribe, voice_encoder, voices
from pipeline.speech.diarize import DiarizeOptions

log = logging.getLogger(__name__)

# --- who is the interviewer ----------------------------------------------------------------------

QUESTION_ENDINGS = ("không ạ", "không", "chưa ạ", "chưa", "à", "hả", "hở", "nhỉ", "sao", "chứ ạ", "phải không")
"""Particles that end a question; "ạ" and "chứ" alone end polite statements ("vâng ạ", "nhớ chứ") as often."""
QUESTION_WORDS = (
    "bao giờ",
    "bao nhiêu",
    "thế nào",
    "như thế nào",
    "tại sao",
    "vì sao",
    "làm sao",
    "ở đâu",
    "khi nào",
    "nào",
    "gì",
    "ai",
    "sao",
    "mấy",
    "có phải",
)
_QUESTION_WORD = re.compile(r"(?<!\w)(" + "|".join(sorted(QUESTION_WORDS, key=len, reverse=True)) + r")(?!\w)")
_QUESTION_END = re.compile(r"(?<!\w)(" + "|".join(QUESTION_ENDINGS) + r")\W*$")


def is_question(text: str) -> bool:
    """A sentence that asks: a question mark, a question particle at the end, or a question word in a short
    sentence (witnesses say "cái gì cũng thiếu" in long answers too)."""
    lowered = text.lower().strip()
    if lowered.endswith("?") or _QUESTION_END.search(lowered):
        return True
    return len(lowered.split()) <= 15 and bool(_QUESTION_WORD.search(lowered))


def pick_interviewer(segments: list[MachineSegment]) -> str | None:
    """The label that asks the questions: share of its segments that are questions, less its share of the talk
    (the interviewer asks and lets the witness speak; with Whisper's text garbled, talk share alone decides).
    None with fewer than two labels."""
    talk: dict[str, float] = {}
    asks: dict[str, list[bool]] = {}
    for segment in segments:
        if segment.speaker:
            talk[segment.speaker] = talk.get(segment.speaker, 0.0) + segment.end - segment.start
            asks.setdefault(segment.speaker, []).append(is_question(segment.text))
    if len(talk) < 2:
        return None
    total = sum(talk.values()) or 1.0
    score = {label: sum(q) / len(q) - talk[label] / total for label, q in asks.items()}
    return max(sorted(score), key=lambda label: score[label])


def main_speaker(segments: list[MachineSegment], exclude: str | None = None) -> str | None:
    """The label that talks most (the witness, in an interview), leaving out ``exclude``."""
    talk: dict[str, float] = {}
    for segment in segments:
        if segment.speaker and segment.speaker != exclude:
            talk[segment.speaker] = talk.get(segment.speaker, 0.0) + segment.end - segment.start
    return max(talk, key=lambda label: talk[label]) if talk else None


def like_before(segments: list[MachineSegment], before: list[Segment]) -> list[MachineSegment]:
    """Rename labels to those of the previous transcript where they overlap most in time, so an editor's
    "S2 is Mr Hùng" still points at Mr Hùng's voice after a re-run."""
    old = [(b.start, b.end, b.speaker) for b in before if b.speaker]
    new_labels = sorted({s.speaker for s in segments if s.speaker})
    if not old or not new_labels:
        return segments
    overlap = {(n, o): 0.0 for n in new_labels for o in {label for *_, label in old}}
    for segment in segments:
        if not segment.speaker:  # a segment without a label keeps none, and takes no label from the others
            continue
        for start, end, label in old:
            overlap[(segment.speaker, label)] = overlap.get((segment.speaker, label), 0.0) + max(
                0.0, min(end, segment.end) - max(start, segment.start)
            )
    rename, taken = {}, set()
    for (n, o), seconds in sorted(overlap.items(), key=lambda item: -item[1]):
        if seconds > 0 and n not in rename and o not in taken:
            rename[n] = o
            taken.add(o)
    for n in new_labels:
        if n not in rename:  # a voice the previous transcript did not have: the first free S-number
            rename[n] = next(f"S{i}" for i in itertools.count(1) if f"S{i}" not in taken)
            taken.add(rename[n])
    return [replace(s, speaker=rename[s.speaker] if s.speaker else s.speaker) for s in segments]


# --- one recording -------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What ``label_speakers`` found for one recording's segments; nothing is written until ``remember``."""

    segments: list[MachineSegment]
    method: str  # "channel", "voice" or "none" (labels left empty)
    interview_id: int | None = None
    speakers: int = 0
    people: dict[str, int] = field(default_factory=dict)  # labels that are probably these people
    prints: dict[str, tuple[np.ndarray, float]] = field(default_factory=dict)  # each label's voice print
    proposals: dict[str, voices.Match] = field(default_factory=dict)  # labels that may be people named elsewhere


def label_speakers(
    db,
    interview_id: int,
    segments: list[MachineSegment],
    samples: voice_encoder.Samples,
    levels: np.ndarray | None = None,
    frame_seconds: float = 0.05,
    options: DiarizeOptions = DiarizeOptions(),
) -> Outcome:
    """Speaker labels for one interview's new segments, kept in line with the labels its previous transcript
    had, who the interviewer (and a lone witness) probably are among the people the metadata names, each label's
    voice print and the known voices it may be (``pipeline.speech.voices``).

    ``samples``: the recording as 16 kHz mono float32 (an array, or ``slicing.DecodedSamples``); ``levels``:
    per-channel power in frames of ``frame_seconds`` for a stereo recording, else None. Reads the database,
    writes nothing."""
    labelled, method = None, "none"
    windows: tuple[np.ndarray, np.ndarray] | None = None
    if levels is not None:
        labelled, method = microphones.by_channel(segments, levels, frame_seconds, options), "channel"
    if labelled is None and diarize.available():
        # Where VAD hears nothing (synthetic voices, some very quiet ones) Whisper's segments say where speech is.
        speech = speech_regions(samples, options) or [(s.start, s.end) for s in segments]
        windows = diarize.voice_windows(samples, speech, voice_encoder.encoder(), options)
        found = diarize.turns_of(speech, *windows, speakers_named(db, interview_id), options)
        labelled, method = diarize.label(segments, found), "voice"
    if labelled is None:
        return Outcome(segments, "none", interview_id)
    labelled = like_before(labelled, database.segments(db, interview_id, with_words=False))
    count = len({s.speaker for s in labelled if s.speaker})
    outcome = Outcome(labelled, method, interview_id, count, people_for(db, interview_id, labelled))
    if windows is None and diarize.available():  # told apart by microphone: the voices are heard only now
        try:
            encoder = voice_encoder.encoder()
        except DiarizeError as error:  # the labels stand without a model; only the voice prints are missing
            log.warning("%s", error)
        else:
            windows = diarize.voice_windows(samples, [(s.start, s.end) for s in labelled], encoder, options)
    if windows is not None:
        outcome.prints = voices.label_prints(*windows, [(s.start, s.end, s.speaker) for s in labelled])
        outcome.proposals = voices.propose(db, interview_id, {k: v for k, (v, _) in outcome.prints.items()})
    return outcome


def remember(db, outcome: Outcome) -> None:
    """Map the labels to the people they probably are, where nobody has yet (an editor's choice stands), and keep
    each label's voice print and the proposals. Call it in the transaction that stores the transcript, so they
    are all written together or not at all."""
    crashtest.checkpoint("naming speakers")
    if outcome.interview_id is None:
        return
    if settings.names_interviewers_by_voice():  # the team chose it: a known interviewer's voice names the label
        interviewers = database.interview_roles(db, outcome.interview_id)["interviewer"]
        known = {m.label: m.person_id for m in outcome.proposals.values() if m.person_id in interviewers}
        database.suggest_speakers(db, outcome.interview_id, known)
    if outcome.people:
        database.suggest_speakers(db, outcome.interview_id, outcome.people)
    prints = {label: (voices.to_bytes(vector), seconds) for label, (vector, seconds) in outcome.prints.items()}
    database.store_label_prints(db, outcome.interview_id, prints)
    found = {m.label: (m.person_id, m.score, m.print_id) for m in outcome.proposals.values()}
    database.store_proposals(db, outcome.interview_id, found)


def speakers_named(db, interview_id: int) -> int | None:
    """How many people speak, when the metadata names both the witnesses and the interviewers."""
    roles = database.interview_roles(db, interview_id)
    return len(roles["witness"]) + len(roles["interviewer"]) if roles["witness"] and roles["interviewer"] else None


def speech_regions(
    samples: voice_encoder.Samples, options: DiarizeOptions = DiarizeOptions(), piece_seconds: float = 120.0
) -> list[tuple[float, float]]:
    """Where Silero VAD hears speech, 2 minutes at a time (VAD over a whole piece at once costs memory in
    proportion to it: 240 MB for 10 minutes, docs/benchmarks.md)."""
    piece = int(piece_seconds * voice_encoder.SAMPLE_RATE)
    found = []
    for first in range(0, len(samples), piece):
        offset = first / voice_encoder.SAMPLE_RATE
        found += [
            (offset + a, offset + b)
            for a, b in transcribe.speech_spans(
                np.asarray(samples[first : first + piece], dtype=np.float32),
                min_silence_duration_ms=int(options.vad_silence_seconds * 1000),
                speech_pad_ms=int(options.vad_pad_seconds * 1000),
            )
        ]
    return found


def people_for(db, interview_id: int, segments: list[MachineSegment]) -> dict[str, int]:
    """Who the labels probably are: the one interviewer the metadata names asks the questions; the one
    witness talks most of the rest."""
    roles = database.interview_roles(db, interview_id)
    interviewer = pick_interviewer(segments)
    found = {}
    if interviewer and len(roles["interviewer"]) == 1:
        found[interviewer] = roles["interviewer"][0]
    witness = main_speaker(segments, exclude=interviewer)
    if witness and len(roles["witness"]) == 1 and (interviewer or len({s.speaker for s in segments}) == 1):
        found[witness] = roles["witness"][0]
    return found
