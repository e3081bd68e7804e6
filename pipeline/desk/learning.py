"""What editors' corrections teach: the phrases an edit replaced, and what each was replaced with, so the desk can
offer the same correction where the same mistake stands (``suggestions``)."""

from __future__ import annotations

import difflib
import re

from pipeline import database
from pipeline.database import Database

LONGEST_CORRECTION = 6
"""The longest phrase (in words, either side) an edit is read back as: a longer change is a rewrite, not a
correction to offer elsewhere."""
WORD = re.compile(r"\w+")


def corrections(db: Database) -> dict[str, str]:
    """Phrases editors replaced (as they stood, lower case) and what they put instead, the latest correction of each
    phrase winning."""
    learned: dict[str, str] = {}
    for revision in database.text_edits(db):
        before, after = (revision.before or {}).get("text") or "", (revision.after or {}).get("text") or ""
        for wrong, right in changed_phrases(before, after):
            learned.setdefault(wrong.lower(), right)
    return learned


def changed_phrases(before: str, after: str) -> list[tuple[str, str]]:
    """The phrases an edit replaced, word by word: ("chi bố xa bắt dùng", "chi bộ xã Bắc Cường"). A single word
    replaced comes with the word after it (or before it), both sides alike: "bố" alone is also a word for father,
    "bố xa" is a mishearing."""
    old, new = before.split(), after.split()
    found = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag != "replace" or i2 - i1 > LONGEST_CORRECTION or j2 - j1 > LONGEST_CORRECTION:
            continue
        if i2 - i1 == 1:
            if i2 < len(old) and j2 < len(new) and old[i2] == new[j2]:
                i2, j2 = i2 + 1, j2 + 1
            elif i1 > 0 and j1 > 0 and old[i1 - 1] == new[j1 - 1]:
                i1, j1 = i1 - 1, j1 - 1
            else:
                continue
        wrong, right = bare(" ".join(old[i1:i2])), bare(" ".join(new[j1:j2]))
        if len(WORD.findall(wrong)) >= 2 and WORD.search(right) and wrong.lower() != right.lower():
            found.append((wrong, right))
    return found


def bare(phrase: str) -> str:
    """A phrase without the punctuation at its ends (the comma after a name is not part of it)."""
    return re.sub(r"^\W+|\W+$", "", phrase)
