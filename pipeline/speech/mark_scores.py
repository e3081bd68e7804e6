"""How well the confidence marks point at the wrong words, against a reference transcript.

The machine's words and the reference are normalised alike (``evaluate.normalise``) and aligned by Levenshtein
distance; a machine word is wrong when it was substituted or inserted (a deleted reference word has no machine
word to mark). Then: the share of wrong words the marks catch (recall), the share of all words marked, the share
of marked words that are wrong (precision), and the area under the ROC curve of the number behind the mark
(how well it ranks wrong words below right ones, whatever the threshold).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.database.models import Word
from pipeline.speech import confidence
from pipeline.speech.evaluate import EvalReport, FileScore, normalise


@dataclass(frozen=True)
class ScoredWord:
    """A machine word with the number behind its mark, whether it is marked, and whether it is wrong."""

    text: str
    score: float | None
    marked: bool
    wrong: bool


@dataclass
class MarkScore:
    """Counts over some words, and the figures made of them."""

    words: int = 0
    wrong: int = 0
    marked: int = 0
    caught: int = 0
    """Wrong words that are marked."""
    auc: float | None = None

    @property
    def recall(self) -> float | None:
        return self.caught / self.wrong if self.wrong else None

    @property
    def marked_share(self) -> float | None:
        return self.marked / self.words if self.words else None

    @property
    def precision(self) -> float | None:
        return self.caught / self.marked if self.marked else None

    def as_dict(self) -> dict:
        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, 4)

        return {
            "words": self.words,
            "wrong": self.wrong,
            "marked": self.marked,
            "caught": self.caught,
            "wrong_caught": rounded(self.recall),
            "words_marked": rounded(self.marked_share),
            "precision": rounded(self.precision),
            "auc": rounded(self.auc),
        }


def wrong_positions(reference: list[str], hypothesis: list[str]) -> list[bool]:
    """For each hypothesis token: True when the Levenshtein alignment substitutes or inserts it.

    The whole table is kept (two bytes a cell while the distance fits, four otherwise) to walk back through it:
    a 10,000-word hour against its reference needs 200 MB; evaluation sets are rarely so long in one file."""
    n, m = len(reference), len(hypothesis)
    if not m:
        return []
    if not n:
        return [True] * m
    vocabulary: dict[str, int] = {}
    r = np.array([vocabulary.setdefault(x, len(vocabulary)) for x in reference], np.int64)
    h = np.array([vocabulary.setdefault(x, len(vocabulary)) for x in hypothesis], np.int64)
    table = np.empty((n + 1, m + 1), np.uint16 if n + m < 65_000 else np.int32)
    columns = np.arange(m + 1, dtype=np.int64)
    table[0] = columns
    previous = columns.copy()
    for i in range(1, n + 1):
        current = np.empty_like(previous)
        current[0] = i
        current[1:] = np.minimum(previous[1:] + 1, previous[:-1] + (h != r[i - 1]))
        current = np.minimum.accumulate(current - columns) + columns
        table[i] = current
        previous = current
    wrong = [False] * m
    i, j = n, m
    while j > 0:
        here = int(table[i, j])
        if i > 0 and here == int(table[i - 1, j - 1]) + int(r[i - 1] != h[j - 1]):
            wrong[j - 1] = bool(r[i - 1] != h[j - 1])
            i, j = i - 1, j - 1
        elif here == int(table[i, j - 1]) + 1:
            wrong[j - 1] = True
            j -= 1
        else:
            i -= 1
    return wrong


def scored_words(reference: str, segments: list[list[Word]]) -> list[ScoredWord]:
    """The machine's words (those that are more than punctuation), segment by segment, each with the number
    behind its mark (``confidence.scores``), marked or not, wrong or not."""
    words = [word for segment in segments for word in segment]
    numbers: list[float | None] = []
    for segment in segments:
        numbers += confidence.scores([w.probability for w in segment], [w.lowest for w in segment])
    tokens: list[str] = []
    owners: list[int] = []
    for n, word in enumerate(words):
        for token in normalise(word.text).split():
            tokens.append(token)
            owners.append(n)
    wrong = [False] * len(words)
    for owner, is_wrong in zip(owners, wrong_positions(normalise(reference).split(), tokens)):
        wrong[owner] = wrong[owner] or is_wrong
    return [
        ScoredWord(words[n].text, numbers[n], confidence.marked(numbers[n], words[n].lowest), wrong[n])
        for n in sorted(set(owners))
    ]


def mark_score(scored: list[ScoredWord]) -> MarkScore:
    wrong = sum(w.wrong for w in scored)
    return MarkScore(
        words=len(scored),
        wrong=wrong,
        marked=sum(w.marked for w in scored),
        caught=sum(w.marked and w.wrong for w in scored),
        auc=area_under_curve([w.score for w in scored], [w.wrong for w in scored]),
    )


def area_under_curve(scores: list[float | None], wrong: list[bool]) -> float | None:
    """The chance that a wrong word has a lower score than a right one (ties count half): the area under the ROC
    curve of marking every word under a threshold, over all thresholds. None without both kinds of word."""
    pairs = [(s, w) for s, w in zip(scores, wrong) if s is not None]
    bad = [s for s, w in pairs if w]
    good = [s for s, w in pairs if not w]
    if not bad or not good:
        return None
    ordered = np.sort(np.array(good, float))
    below = np.searchsorted(ordered, bad, side="left")
    equal = np.searchsorted(ordered, bad, side="right") - below
    # a wrong word scores lower than the right words above it: those not below it nor equal
    return float((len(good) - below - equal).sum() + 0.5 * equal.sum()) / (len(bad) * len(good))


def file_marks(score: FileScore) -> MarkScore:
    """How well the marks point at the wrong words of one recording scored by ``evaluate``."""
    return mark_score(scored_words(score.reference, score.machine_words))


def report_marks(report: EvalReport) -> dict:
    """``loike eval --flags``: the marks' figures for each file and for the whole folder (every word pooled)."""
    pooled: list[ScoredWord] = []
    files = []
    for score in report.files:
        scored = scored_words(score.reference, score.machine_words)
        pooled += scored
        files.append({"file": str(score.path.relative_to(report.folder)), **mark_score(scored).as_dict()})
    return {
        "rule": f"score < {confidence.THRESHOLD}: {confidence.OWN_WEIGHT:g} of a word's lowest token probability, "
        "the rest its less sure neighbour's (old transcripts: mean probability < "
        f"{confidence.MEAN_THRESHOLD})",
        "corpus": mark_score(pooled).as_dict(),
        "files": files,
    }
