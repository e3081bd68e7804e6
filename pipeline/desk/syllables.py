"""How alike two Vietnamese syllables sound, once folded (no tones, marks or đ): "bạch" and "Bắc", "chiều" and
"Triều", "kinh" and "Kim".

A syllable is read as its first consonant (the onset) and the rest (the rhyme). Onsets that dialects and speech
recognisers merge count as one: ch and tr, s and x, d, gi and r (all /z/ in the North), c, k and q, g and gh, ng
and ngh. Rhymes are compared letter by letter after the finals the South merges are made one (n and ng, t and c)
and the Northern nh, ch and m written as n or t; "qua" is read "c" + "oa", as it sounds. The onset weighs
``ONSET_WEIGHT``, the rhyme the rest: two syllables with the same rhyme and different onsets ("bức", "đức") stay
fairly alike, as a listener would hear them.
"""

from __future__ import annotations

from functools import lru_cache

ONSET_WEIGHT = 0.35
ONSETS = ("ngh", "ng", "gh", "gi", "ch", "tr", "th", "ph", "kh", "nh", "qu", *"bcdghklmnprstvx")
"""Longest first, so that "ngh" is read before "ng" and "n"."""
SAME_ONSET = {"tr": "ch", "x": "s", "gi": "d", "r": "d", "ngh": "ng", "gh": "g", "k": "c", "qu": "c"}
SAME_FINAL = (("nh", "n"), ("ng", "n"), ("ch", "t"), ("c", "t"), ("m", "n"))


def alike(a: str, b: str) -> float:
    """1.0 for the same folded syllable, down to 0.0 for two that share no sound."""
    if a == b:
        return 1.0
    return _alike(a, b)


@lru_cache(maxsize=200_000)
def _alike(a: str, b: str) -> float:
    (onset_a, rhyme_a), (onset_b, rhyme_b) = sounds(a), sounds(b)
    rhyme = 1 - distance(rhyme_a, rhyme_b) / max(len(rhyme_a), len(rhyme_b), 1)
    return round(ONSET_WEIGHT * (onset_a == onset_b) + (1 - ONSET_WEIGHT) * rhyme, 3)


@lru_cache(maxsize=20_000)
def sounds(syllable: str) -> tuple[str, str]:
    """A folded syllable's onset and rhyme, the merged sounds made one: "trieu" → ("ch", "ieu")."""
    onset = next((o for o in ONSETS if syllable.startswith(o) and len(syllable) > len(o)), "")
    rhyme = syllable[len(onset) :]
    if onset == "qu":
        rhyme = "o" + rhyme
    for final, same in SAME_FINAL:
        if rhyme.endswith(final):
            rhyme = rhyme[: -len(final)] + same
            break
    return SAME_ONSET.get(onset, onset), rhyme


def distance(a: str, b: str) -> int:
    """Levenshtein distance: the fewest letters put in, taken out or changed to turn one into the other."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]
