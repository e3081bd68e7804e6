"""Vietnamese numbers as spoken and as Whisper writes them in words: "một nghìn chín trăm bốn mươi lăm", "bốn
lăm", "một chín bốn lăm", "hai nghìn linh năm".

``numbers_at(words, i)`` gives every reading of the words from ``i`` (a value and how many words it takes), so
the caller chooses the one its context allows (a day up to 31, a month up to 12, a year). Words are lower case
NFC. "năm" is five as well as "year", so it is a digit here and the date reader decides which it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

DIGITS = {
    "không": 0,
    "một": 1,
    "hai": 2,
    "ba": 3,
    "bốn": 4,
    "năm": 5,
    "sáu": 6,
    "bảy": 7,
    "bẩy": 7,
    "tám": 8,
    "chín": 9,
}
AFTER_TENS = {"mốt": 1, "lăm": 5, "nhăm": 5, "tư": 4} | {w: d for w, d in DIGITS.items() if d > 0 and w != "năm"}
"""The unit after a tens word ("hai mươi mốt", "bốn lăm"): "năm" is not one, since "hai mươi năm" is twenty years."""
AFTER_TEN = {"lăm": 5, "nhăm": 5, "tư": 4} | {w: d for w, d in DIGITS.items() if d > 0 and w != "năm"}
"""The unit after "mười" ("mười lăm"): "mười năm" is ten years."""
IN_A_RUN = DIGITS | {"lăm": 5, "nhăm": 5, "tư": 4, "mốt": 1}
"""A digit after the first one of a year read digit by digit ("một chín năm tư", "một chín bốn lăm")."""
THOUSAND = {"nghìn", "ngàn"}
ZERO_TENS = {"linh", "lẻ"}
WORDS = set(IN_A_RUN) | THOUSAND | ZERO_TENS | {"mười", "mươi", "trăm"}
"""Every word that can be part of a number."""


@dataclass(frozen=True)
class Number:
    """A number read from words: its value, how many words it took and its form (``tens``: "bốn mươi lăm",
    ``short``: "bốn lăm", ``digits``: "một chín bốn lăm", ``full``: with trăm or nghìn, ``single``: one digit)."""

    value: int
    length: int
    form: str


def numbers_at(words: Sequence[str], i: int) -> list[Number]:
    """Every number the words from ``i`` can be read as, longest first."""
    found = [*_thousands(words, i), *_hundreds(words, i), *_below_hundred(words, i), *_digit_run(words, i)]
    return sorted(set(found), key=lambda n: -n.length)


def _word(words: Sequence[str], i: int) -> str:
    return words[i] if 0 <= i < len(words) else ""


def _below_hundred(words: Sequence[str], i: int) -> list[Number]:
    first, second, third = _word(words, i), _word(words, i + 1), _word(words, i + 2)
    found = []
    if first in DIGITS:
        found.append(Number(DIGITS[first], 1, "single"))
    if first == "mười":
        found.append(Number(10, 1, "tens"))
        if second in AFTER_TEN:
            found.append(Number(10 + AFTER_TEN[second], 2, "tens"))
    if first in DIGITS and DIGITS[first] >= 2:
        tens = DIGITS[first] * 10
        if second == "mươi":
            found.append(Number(tens, 2, "tens"))
            if third in AFTER_TENS:
                found.append(Number(tens + AFTER_TENS[third], 3, "tens"))
        elif second in AFTER_TENS:
            found.append(Number(tens + AFTER_TENS[second], 2, "short"))
    return found


def _hundreds(words: Sequence[str], i: int) -> list[Number]:
    first = _word(words, i)
    if first not in DIGITS or _word(words, i + 1) != "trăm":
        return []
    base = DIGITS[first] * 100
    found = [Number(base, 2, "full")]
    if _word(words, i + 2) in ZERO_TENS and _word(words, i + 3) in DIGITS:
        found.append(Number(base + DIGITS[_word(words, i + 3)], 4, "full"))
    found += [Number(base + n.value, 2 + n.length, "full") for n in _below_hundred(words, i + 2) if n.value >= 10]
    return found


def _thousands(words: Sequence[str], i: int) -> list[Number]:
    first = _word(words, i)
    if first not in DIGITS or _word(words, i + 1) not in THOUSAND:
        return []
    base = DIGITS[first] * 1000
    found = [Number(base, 2, "full")]
    rest = i + 2
    if _word(words, rest) == "không" and _word(words, rest + 1) == "trăm":  # "hai nghìn không trăm linh năm"
        rest += 2
        found.append(Number(base, 4, "full"))
    if _word(words, rest) in ZERO_TENS and _word(words, rest + 1) in DIGITS:
        found.append(Number(base + DIGITS[_word(words, rest + 1)], rest - i + 2, "full"))
    for n in [*_hundreds(words, rest), *[n for n in _below_hundred(words, rest) if n.value >= 10]]:
        found.append(Number(base + n.value, rest - i + n.length, "full"))
    return found


def _digit_run(words: Sequence[str], i: int) -> list[Number]:
    """Four digits said one by one, as a year is read out: "một chín bốn lăm", "hai không không năm"."""
    run = [_word(words, i + k) for k in range(4)]
    if run[0] not in ("một", "hai") or not all(w in IN_A_RUN for w in run[1:]):
        return []
    return [Number(int("".join(str(IN_A_RUN[w]) for w in run)), 4, "digits")]
