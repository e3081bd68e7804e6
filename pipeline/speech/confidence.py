"""Which words the editors are sent to listen to: the one rule behind the marks on the sheet, in the review app and
in the JSON export.

A word's score is its lowest token probability blended with the lowest of its neighbours' in the same segment
(``OWN_WEIGHT`` of its own, the rest the less sure neighbour's). faster-whisper's word probability is the mean
over a word's tokens, and a Vietnamese syllable is often two or three tokens, one unsure token (the tone, say)
diluted by the sure ones; and wrong words come in runs, while one unsure token between sure words is more often
right. A word scoring under ``THRESHOLD`` is marked. Chosen by measurement
on the dev clips, clean and degraded (docs/benchmarks.md, "Corrections"; bench/confidence.py).

Words stored before migration m009 have no lowest token probability: their segment is marked by the old rule,
mean probability under ``MEAN_THRESHOLD``, with that probability as the number behind the mark.
"""

from __future__ import annotations

from collections.abc import Sequence

THRESHOLD = 0.45
"""A word scoring below this is marked."""
OWN_WEIGHT = 0.7
"""How much of a word's score is its own lowest token probability; the rest is its less sure neighbour's."""
MEAN_THRESHOLD = 0.5
"""The rule before m009, for words stored without their lowest token probability."""


def scores(probabilities: Sequence[float | None], lowest: Sequence[float | None]) -> list[float | None]:
    """The number behind each mark of a segment's words, in order (mean probability and lowest token probability
    of each). Where a word has no lowest token probability (stored before m009) its mean probability stands."""
    found: list[float | None] = []
    last = len(lowest) - 1
    for i, own in enumerate(lowest):
        if own is None:
            found.append(probabilities[i])
            continue
        left = lowest[i - 1] if i else None
        right = lowest[i + 1] if i < last else None
        if left is None:
            neighbour = own if right is None else right
        else:
            neighbour = left if right is None or left < right else right
        found.append(round(OWN_WEIGHT * own + (1 - OWN_WEIGHT) * neighbour, 4))
    return found


def may_mark(probabilities: Sequence[float | None], lowest: Sequence[float | None]) -> bool:
    """False when no word of a segment can be marked, without scoring them: a score is never below the lowest
    token probability around it. Most segments are spared the scoring."""
    for probability, low in zip(probabilities, lowest):
        if low is None:
            if probability is not None and probability < MEAN_THRESHOLD:
                return True
        elif low < THRESHOLD:
            return True
    return False


def marked(score: float | None, lowest: float | None) -> bool:
    """Whether a word with this score (``scores``) is marked; ``lowest`` None says it was stored before m009."""
    if score is None:
        return False
    return score < (THRESHOLD if lowest is not None else MEAN_THRESHOLD)


def marks(probabilities: Sequence[float | None], lowest: Sequence[float | None]) -> list[float | None]:
    """For each word of a segment: its score when it is marked, else None."""
    if not may_mark(probabilities, lowest):
        return [None] * len(lowest)
    return [s if marked(s, low) else None for s, low in zip(scores(probabilities, lowest), lowest)]
