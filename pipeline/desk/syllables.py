"""How alike two Vietnamese syllables sound, once folded (no tones, marks or đ): "bạch" and "Bắc", "chiều" and
"Triều", "kinh" and "Kim".

A syllable is read as its first consonant (the onset) and the rest (the rhyme). Onsets that dialects and speech
recognisers merge count as one: ch and tr, s and x, d, gi and r (all /z/ in the North), c, k and q, g and gh, ng
and ngh. Rhymes are compared letter by letter after the finals the South merges are made one (n and ng, t and c)
and the Northern nh, ch and m written as n or t; "qua" is read "c" + "oa", as it sounds, and "ly" as "li".
Letters one step apart cost less to change (``NEAR_LETTERS``), and a few onsets made at one place count half
(``NEAR_ONSETS``). The onset weighs ``ONSET_WEIGHT``, the rhyme the rest: two syllables with the same rhyme and
different onsets ("bức", "đức") stay fairly alike, as a listener would hear them.
"""

from __future__ import annotations

from functools import lru_cache

ONSET_WEIGHT = 0.35
ONSETS = ("ngh", "ng", "gh", "gi", "ch", "tr", "th", "ph", "kh", "nh", "qu", *"bcdghklmnprstvx")
"""Longest first, so that "ngh" is read before "ng" and "n"."""
SAME_ONSET = {"tr": "ch", "x": "s", "gi": "d", "r": "d", "ngh": "ng", "gh": "g", "k": "c", "qu": "c"}
SAME_FINAL = (("nh", "n"), ("ng", "n"), ("ch", "t"), ("c", "t"), ("m", "n"))
NEAR_ONSETS = {("b", "v"): 0.5, ("d", "t"): 0.5}
"""Onsets made at one place that differ only in how (b and v at the lips, đ and t at the teeth; folded, đ is d):
half the credit of one onset. Tried on the same sets and not kept: ph near b and v as well, and l and n as one (Northern
speech merges them) each brought more wrong suggestions and no more right ones; half credit for every onset made at
one place (an earlier round) brought more wrong than right."""
NEAR_LETTERS = {("o", "u"): 0.5}
"""What changing one letter for the other costs in a rhyme (1 for any other two). Folded, o holds o, ô and ơ and u
holds u and ư: ô against u, ơ against ư, are one step of height apart ("vô" heard for "Vũ", "bồ" for "Bùi").
These two, with the order and bars of ``suggestions``, took the misheard names caught on bench/suggest_bench.py's
ten sets from 52.3 to 57.0 % before any draft for a gap (docs/benchmarks.md, "Names from the metadata:
suggestions")."""


def alike(a: str, b: str) -> float:
    """1.0 for the same folded syllable, down to 0.0 for two that share no sound."""
    if a == b:
        return 1.0
    return _alike(a, b)


@lru_cache(maxsize=200_000)
def _alike(a: str, b: str) -> float:
    (onset_a, rhyme_a), (onset_b, rhyme_b) = sounds(a), sounds(b)
    rhyme = 1 - distance(rhyme_a, rhyme_b) / max(len(rhyme_a), len(rhyme_b), 1)
    return round(ONSET_WEIGHT * _onsets_alike(onset_a, onset_b) + (1 - ONSET_WEIGHT) * rhyme, 3)


def _onsets_alike(a: str, b: str) -> float:
    if a == b:
        return 1.0
    return NEAR_ONSETS.get((a, b), NEAR_ONSETS.get((b, a), 0.0))


@lru_cache(maxsize=20_000)
def sounds(syllable: str) -> tuple[str, str]:
    """A folded syllable's onset and rhyme, the merged sounds made one: "trieu" → ("ch", "ieu")."""
    onset = next((o for o in ONSETS if syllable.startswith(o) and len(syllable) > len(o)), "")
    rhyme = syllable[len(onset) :]
    if onset == "qu":
        rhyme = "o" + rhyme
    if rhyme == "y":  # "Lý" and "Lí", "Kỳ" and "Kì": one vowel written two ways ("ay" and "ai" differ)
        rhyme = "i"
    for final, same in SAME_FINAL:
        if rhyme.endswith(final):
            rhyme = rhyme[: -len(final)] + same
            break
    return SAME_ONSET.get(onset, onset), rhyme


def distance(a: str, b: str) -> float:
    """Levenshtein distance: the fewest letters put in, taken out or changed to turn one into the other, a change
    between ``NEAR_LETTERS`` costing less."""
    previous: list[float] = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current: list[float] = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + _change(x, y)))
        previous = current
    return previous[-1]


def _change(x: str, y: str) -> float:
    if x == y:
        return 0.0
    return NEAR_LETTERS.get((x, y), NEAR_LETTERS.get((y, x), 1.0))
