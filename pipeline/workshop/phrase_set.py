"""The date reader scored on a table of phrases: for each kind of phrase, how many of the dates it read are right
(precision) and how many of the dates said it read (recall). ``loike dates --eval FILE`` prints the table.

The file is tab-separated text: kind, phrase, expected (ISO values joined by " ; ", empty when the phrase names no
date), born and said (both may be empty); lines starting with # and the header are skipped.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import WorkshopError
from pipeline.i18n import _
from pipeline.workshop.dates import read_dates
from pipeline.workshop.gazetteer import Gazetteer

PRECISION_BAR = 0.95
RECALL_BAR = 0.85
"""What each kind of phrase must reach (the issue's numbers)."""
SAID = 2026
"""The year a phrase is taken as said in when the table does not say: fixed, so the scores do not drift."""
COLUMNS = ("kind", "phrase", "expected", "born", "said")


@dataclass(frozen=True)
class Phrase:
    kind: str
    text: str
    expected: tuple[str, ...]
    born: int | None = None
    said: int = SAID
    line: int = 0


@dataclass
class Score:
    kind: str
    phrases: int = 0
    expected: int = 0
    found: int = 0
    right: int = 0
    misses: list[str] = field(default_factory=list)
    """One line per phrase read wrongly: the phrase, what was expected, what was read."""

    @property
    def precision(self) -> float:
        return self.right / self.found if self.found else 1.0

    @property
    def passes(self) -> bool:
        return self.precision >= PRECISION_BAR and (self.recall is None or self.recall >= RECALL_BAR)

    @property
    def recall(self) -> float | None:
        """None when the phrases of this kind name no date (the distractors)."""
        return self.right / self.expected if self.expected else None


def read_phrases(path: Path) -> list[Phrase]:
    """The phrases of a table; raises WorkshopError naming the line of a mistake."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise WorkshopError(
            _("The phrase table {path} cannot be read ({error}): give a UTF-8 text file.").format(
                path=path, error=error
            )
        ) from error
    phrases = []
    for number, row in enumerate(csv.reader(io.StringIO(text), delimiter="\t"), 1):
        if not row or row[0].startswith("#") or row[0] == "kind":
            continue
        cells = [*row, "", "", ""][: len(COLUMNS)]
        kind, phrase, expected, born, said = (cell.strip() for cell in cells)
        if not kind or not phrase or not (born or "0").isdigit() or not (said or "0").isdigit():
            raise WorkshopError(
                _(
                    "{path}, line {number}: expected {columns} separated by tabs (born and said are years or empty): "
                    "fix that line."
                ).format(path=path, number=number, columns=", ".join(COLUMNS))
            )
        values = tuple(value.strip() for value in expected.split(";") if value.strip())
        phrases.append(Phrase(kind, phrase, values, int(born) if born else None, int(said) if said else SAID, number))
    return phrases


def evaluate(phrases: list[Phrase], gazetteer: Gazetteer) -> list[Score]:
    """A score per kind of phrase, in the order the kinds first appear, then "all"."""
    scores: dict[str, Score] = {}
    total = Score("all")
    for phrase in phrases:
        read = [r.value for r in read_dates(phrase.text, phrase.born, phrase.said, gazetteer)]
        right = sum((Counter(read) & Counter(phrase.expected)).values())
        for score in (scores.setdefault(phrase.kind, Score(phrase.kind)), total):
            score.phrases += 1
            score.expected += len(phrase.expected)
            score.found += len(read)
            score.right += right
        if sorted(read) != sorted(phrase.expected):
            scores[phrase.kind].misses.append(
                f"line {phrase.line}: “{phrase.text}” expected {' ; '.join(phrase.expected) or 'nothing'}, "
                f"read {' ; '.join(read) or 'nothing'}"
            )
    return [*scores.values(), total]


def table(scores: list[Score]) -> str:
    """The scores as a Markdown table, as docs/benchmarks.md has it."""
    lines = ["| kind | phrases | dates said | dates read | right | precision | recall |", "|---" * 7 + "|"]
    for s in scores:
        recall = f"{s.recall:.1%}" if s.recall is not None else "—"
        lines.append(
            f"| {s.kind} | {s.phrases} | {s.expected} | {s.found} | {s.right} | {s.precision:.1%} | {recall} |"
        )
    return "\n".join(lines)
