"""A passage cut into words, each knowing where it stands in the text: the date reader, the gazetteer and the
names found in a passage all read the same words."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.text import fold

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
    return [Word(m.group(), m.group().lower(), fold(m.group()), m.start(), m.end()) for m in WORD.finditer(text)]


def folded_words(text: str) -> tuple[str, ...]:
    """A name as the folded words it is matched by: "Cách mạng tháng Tám" → ("cach", "mang", "thang", "tam")."""
    return tuple(word.folded for word in words(text))
