"""Years a witness names without their century, placed in the witness's life: "năm bốn lăm" is 1945 to someone
born in 1932, and "Ất Dậu" (a year of the sixty-year can-chi cycle) is the Ất Dậu year of their lifetime.

Without a birth year the witness is read as if born in ``ASSUMED_BIRTH``, and every reading says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.text import fold
from pipeline.workshop.words import Word

ASSUMED_BIRTH = 1930
"""The birth year assumed when the metadata gives none: the witnesses of the August Revolution and of both wars
were born around it, so "năm bốn lăm" is 1945 and "Mậu Thân" 1968."""
PRIME = 30
"""A two-digit year goes to the century that puts it nearest the witness's thirtieth year: "năm hai mươi" is 1920
to someone born in 1932 (they heard of it) rather than 2020."""

STEMS = ("Giáp", "Ất", "Bính", "Đinh", "Mậu", "Kỷ", "Canh", "Tân", "Nhâm", "Quý")
BRANCHES = ("Tý", "Sửu", "Dần", "Mão", "Thìn", "Tỵ", "Ngọ", "Mùi", "Thân", "Dậu", "Tuất", "Hợi")
STEM_SPELLINGS = {name.lower(): n for n, name in enumerate(STEMS)} | {"kỉ": 5, "quí": 9, "qúy": 9}
BRANCH_SPELLINGS = {name.lower(): n for n, name in enumerate(BRANCHES)} | {"tí": 0, "mẹo": 3, "tị": 5}
# Without marks "tý" (rat) and "tỵ" (snake) are both "ty": an unmarked "ty" or "ti" names no year.
PLAIN_STEMS = {"giap": 0, "at": 1, "binh": 2, "dinh": 3, "mau": 4, "ky": 5, "ki": 5, "canh": 6, "tan": 7, "nham": 8}
PLAIN_STEMS |= {"quy": 9, "qui": 9}
PLAIN_BRANCHES = {"suu": 1, "dan": 2, "mao": 3, "meo": 3, "thin": 4, "ngo": 6, "mui": 7, "than": 8, "dau": 9}
PLAIN_BRANCHES |= {"tuat": 10, "hoi": 11}
EARLIEST = 1800


@dataclass(frozen=True, slots=True)
class Placed:
    """A year placed in a witness's life, and by which birth year."""

    year: int
    born: int
    """The birth year it was placed by: the witness's, or ``ASSUMED_BIRTH``."""
    known: bool
    """Whether ``born`` is the witness's own birth year (from the metadata)."""


def short_year(two_digits: int, born: int | None, said: int) -> Placed | None:
    """A year said without its century, in the century that fits the witness's life; never after ``said`` (the
    year the interview was recorded)."""
    anchor = (born or ASSUMED_BIRTH) + PRIME
    candidates = [c for c in (1800 + two_digits, 1900 + two_digits, 2000 + two_digits) if c <= said]
    if not candidates:
        return None
    return Placed(min(candidates, key=lambda c: abs(c - anchor)), born or ASSUMED_BIRTH, born is not None)


def pairs(stem: int, branch: int) -> bool:
    """Whether a stem and a branch name a year: the cycle pairs odd with odd and even with even (no "Ất Thân")."""
    return stem % 2 == branch % 2


def can_chi_year(stem: int, branch: int, born: int | None, said: int) -> Placed | None:
    """The year of this name within the witness's lifetime (the first from their birth); before their birth only
    when there is none between their birth and ``said``."""
    first = next(y for y in range(EARLIEST, EARLIEST + 60) if (y - 4) % 10 == stem and (y - 4) % 12 == branch)
    years = range(first, said + 1, 60)
    base = born or ASSUMED_BIRTH
    chosen = next((y for y in years if y >= base), None) or (years[-1] if years else None)
    return Placed(chosen, base, born is not None) if chosen else None


def can_chi_name(year: int) -> str:
    """1968 → "Mậu Thân"."""
    return f"{STEMS[(year - 4) % 10]} {BRANCHES[(year - 4) % 12]}"


def near(word: str, names: list[str]) -> str | None:
    """The name ``word`` (folded) misses by one letter, for "did you mean": "thăn" → "Thân"."""
    return next((name for name in names if _one_apart(word, fold(name))), None)


def _one_apart(a: str, b: str) -> bool:
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def may_be_can_chi(one: Word, two: Word) -> bool:
    """A quick look before the careful one: can these two words be a can-chi year, however spelt?"""
    return (
        one.lower in STEM_SPELLINGS
        or one.folded in PLAIN_STEMS
        or two.lower in BRANCH_SPELLINGS
        or two.folded in PLAIN_BRANCHES
    )
