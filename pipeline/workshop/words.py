"""A passage cut into words, each knowing where it stands in the text: the date reader, the gazetteer and the
names found in a passage all read the same words."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, TypeVar

from pipeline.text import fold

V = TypeVar("V")
WORD = re.compile(r"\d+(?:[/.\-–]\d+)*|[^\W\d_]+")
"""A run of letters, or of digits with the separators dates are written with ("2/9/1945", "1945–1954")."""


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    """As written."""
    lower: str
    """Lower case NFC: how number and date words are matched ("năm" is not "nam")."""
    folded: str
    """Without tones or marks: how names are matched, whichever way their tones were placed or left out."""
    start: int
    end: int

    @property
    def capital(self) -> bool:
        return self.text[:1].isupper()


def words(text: str) -> list[Word]:
    """The words of ``text`` (NFC), with their places in it; punctuation is left out."""
    return [Word(m.group(), m.group().lower(), _folded(m.group()), m.start(), m.end()) for m in WORD.finditer(text)]


@lru_cache(maxsize=65536)
def _folded(word: str) -> str:
    # The same few thousand words come back in every passage; folding each anew was a fifth of a dossier's time.
    return fold(word)


def folded_words(text: str) -> tuple[str, ...]:
    """A name as the folded words it is matched by: "Cách mạng tháng Tám" → ("cach", "mang", "thang", "tam")."""
    return tuple(word.folded for word in words(text))


class Names(Generic[V]):
    """Names to find in passages (places with their former names, people), each standing for a value; the longest
    name wins where two overlap, so "Bắc Cường" is not also "Cường"."""

    def __init__(self, names: Iterable[tuple[str, V]]):
        self.index: dict[str, list[tuple[tuple[str, ...], V]]] = {}
        for name, value in names:
            key = folded_words(name)
            if key:
                self.index.setdefault(key[0], []).append((key, value))
        for entries in self.index.values():
            entries.sort(key=lambda entry: -len(entry[0]))

    def find(self, found: list[Word]) -> list[tuple[int, int, V]]:
        """(first word, word after the last, value) of each name in ``found``, in order, none overlapping."""
        hits, i = [], 0
        while i < len(found):
            match = next(
                (
                    (len(key), value)
                    for key, value in self.index.get(found[i].folded, [])
                    if tuple(w.folded for w in found[i : i + len(key)]) == key
                ),
                None,
            )
            if match:
                hits.append((i, i + match[0], match[1]))
                i += match[0]
            else:
                i += 1
        return hits
