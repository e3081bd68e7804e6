"""Voices the archive knows: a print per speaker label of a new transcript, compared with the prints of the people
editors have named in other interviews, and a proposal ("có thể là bà … — 0.87") where one is alike enough.

A label's print is the mean of the 1.6 s voice prints (``voice_encoder``) of the windows that lie wholly in that
label's speech, brought back to unit length; a person's score is the best cosine similarity between the label's
print and any of theirs (each interview an editor named them in adds one). Nothing is named here: a proposal waits
for an editor to accept it (``loike speaker CODE LABEL --accept``, or one click in the app).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from pipeline import database
from pipeline.database import KnownPrint
from pipeline.speech.voice_encoder import WINDOW_SECONDS

DIMENSIONS = 256


@dataclass(frozen=True)
class VoiceOptions:
    """When a label is proposed as a known person. Every default is documented here and only here."""

    threshold: float = 0.90
    """Cosine similarity between a label's print and a person's best print above which the label is proposed as
    that person. Chosen on the benchmark interviews (docs/benchmarks.md, "Voices the archive knows"): two
    different voices scored up to 0.88 there, and a wrong proposal costs more than none (the editor names the
    label by hand). The price: a voice recorded otherwise (a telephone, another room) can score under it."""
    preferred_threshold: float = 0.85
    """The same for the people the interview's metadata names (its interviewers above all): they are expected in
    the recording, so a lower bar costs few wrong proposals."""
    min_seconds: float = 3.0
    """A label with less speech than this gets no print: a print over a word or two is unreliable."""
    min_windows: int = 2
    """And at least this many whole windows inside the label's speech."""


@dataclass(frozen=True)
class Match:
    label: str
    person_id: int
    score: float
    print_id: int


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<f4")


def label_prints(
    starts: np.ndarray,
    embeddings: np.ndarray,
    spans: Iterable[tuple[float, float, str | None]],
    options: VoiceOptions = VoiceOptions(),
) -> dict[str, tuple[np.ndarray, float]]:
    """Label → (print, seconds of its speech), from the voice windows (``starts`` in seconds, ``embeddings``
    unit vectors) and the labelled speech (start, end, label). A window counts for a label when at least
    three quarters of it lie in that label's speech and none in another's: windows across a change of speaker
    would blur both voices. Labels with too little speech get no print."""
    by_label: dict[str, list[tuple[float, float]]] = {}
    for start, end, label in spans:
        if label and end > start:
            by_label.setdefault(label, []).append((start, end))
    found: dict[str, tuple[np.ndarray, float]] = {}
    if not len(starts):
        return found
    covered = {label: _coverage(starts, pieces) for label, pieces in by_label.items()}
    for label, pieces in by_label.items():
        seconds = sum(end - start for start, end in pieces)
        others = sum((c for other, c in covered.items() if other != label), np.zeros(len(starts)))
        chosen = (covered[label] >= 0.75 * WINDOW_SECONDS) & (others <= 1e-6)
        if seconds < options.min_seconds or chosen.sum() < options.min_windows:
            continue
        mean = embeddings[chosen].mean(axis=0)
        found[label] = ((mean / max(float(np.linalg.norm(mean)), 1e-9)).astype(np.float32), round(seconds, 2))
    return found


def _coverage(starts: np.ndarray, pieces: list[tuple[float, float]]) -> np.ndarray:
    """Seconds of each window [start, start + 1.6 s] that the pieces cover."""
    out = np.zeros(len(starts))
    for a, b in pieces:
        out += np.clip(np.minimum(starts + WINDOW_SECONDS, b) - np.maximum(starts, a), 0.0, None)
    return out


def match(
    prints: dict[str, np.ndarray],
    known: list[KnownPrint],
    preferred: Iterable[int] = (),
    taken: Iterable[int] = (),
    options: VoiceOptions = VoiceOptions(),
) -> dict[str, Match]:
    """The proposals for the labels: each label's best-matching person above the bar (the lower bar for the
    ``preferred`` people), the most alike pairs first, so that no label gets two people and no person two labels;
    people in ``taken`` (already named in this interview) are not proposed again."""
    if not prints or not known:
        return {}
    preferred, taken = set(preferred), set(taken)
    matrix = np.stack([from_bytes(k.print) for k in known])
    pairs = []
    for label, vector in prints.items():
        similarity = matrix @ vector
        best: dict[int, tuple[float, int]] = {}
        for k, score in zip(known, similarity.tolist()):
            if k.person_id not in best or score > best[k.person_id][0]:
                best[k.person_id] = (score, k.id)
        for person, (score, print_id) in best.items():
            bar = options.preferred_threshold if person in preferred else options.threshold
            if person not in taken and score >= bar:
                pairs.append(Match(label, person, score, print_id))
    chosen: dict[str, Match] = {}
    people: set[int] = set()
    for pair in sorted(pairs, key=lambda m: (-m.score, m.label, m.person_id)):
        if pair.label not in chosen and pair.person_id not in people:
            chosen[pair.label] = pair
            people.add(pair.person_id)
    return chosen


def propose(
    db, interview_id: int, prints: dict[str, np.ndarray], options: VoiceOptions = VoiceOptions()
) -> dict[str, Match]:
    """The proposals for an interview's new labels against every voice the archive knows from its other
    interviews; the people its metadata names are preferred, and labels or people already named are left out."""
    named = database.speaker_people(db, interview_id)
    roles = database.interview_roles(db, interview_id)
    unnamed = {label: vector for label, vector in prints.items() if label not in named}
    preferred = [person for people in roles.values() for person in people]
    known = database.known_prints(db, leave_out_interview=interview_id)
    return match(unnamed, known, preferred, named.values(), options)


def propose_again(db, options: VoiceOptions = VoiceOptions()) -> dict[str, int]:
    """The proposals of every interview made again from the label prints kept at its last run, against the voices
    known now (a person named since then is proposed in interviews transcribed before): no audio is read.
    Returns interview code → how many of its labels are proposed."""
    found = {}
    with database.writing(db):
        for interview in database.interviews(db):
            kept = database.label_prints(db, interview.id)
            if not kept:
                continue
            prints = {label: from_bytes(data) for label, (data, _) in kept.items()}
            matches = propose(db, interview.id, prints, options)
            chosen = {m.label: (m.person_id, m.score, m.print_id) for m in matches.values()}
            database.store_proposals(db, interview.id, chosen)
            if matches:
                found[interview.code] = len(matches)
    return found
