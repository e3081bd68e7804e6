"""What earlier migrations computed, exactly as they computed it when they were written: never edit these. A
migration that has run on someone's archive must run the same way on an archive opened years later, so it may not
call code that changes (``text.fold``, ``speech.flags``); it calls these frozen copies instead."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter


def fold_m002(text: str) -> str:
    """``text.fold`` as it was when m002 was written: lower case, no tones or marks, đ as d, spaces collapsed."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", stripped.lower()).strip()


PHRASES_M004 = (
    "hay subscribe cho kenh ghien mi go de khong bo lo nhung video hap dan",
    "hen gap lai cac ban trong nhung video tiep theo",
    "cam on cac ban da theo doi",
    "hay dang ky kenh",
    "like va subscribe",
    "nho bam chuong",
    "de khong bo lo",
    "video hap dan",
    "cac ban da xem video",
    "ghien mi go",
    "thank you for watching",
    "subtitles by",
)


def codes_m004(text: str, logprob: float | None, no_speech: float | None, ratio: float | None) -> list[str]:
    """The flag codes of a stored segment, frozen as ``speech.flags`` computed them when m004 was written."""
    words = fold_m002(re.sub(r"[^\w]+", " ", text)).split()
    found = []
    if any(f" {phrase} " in f" {' '.join(words)} " for phrase in PHRASES_M004):
        found.append("known_phrase")
    if loops_m004(words):
        found.append("repetition")
    if ratio is not None and ratio > 2.4:
        found.append("compression")
    if no_speech is not None and logprob is not None and no_speech > 0.6 and logprob < -1.0:
        found.append("no_speech")
    return found


def loops_m004(words: list[str]) -> bool:
    """A word or n-gram (up to 4 words) 4 times in a row, or one n-gram over half of a segment of 8+ words."""
    for n in range(1, 5):
        for start in range(len(words) - n * 4 + 1):
            gram = words[start : start + n]
            if all(words[start + k * n : start + (k + 1) * n] == gram for k in range(1, 4)):
                return True
    if len(words) < 8:
        return False
    for n in range(1, 5):
        grams = Counter(tuple(words[i : i + n]) for i in range(len(words) - n + 1))
        if grams and grams.most_common(1)[0][1] * n > len(words) / 2:
            return True
    return False
