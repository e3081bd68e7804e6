"""Vietnamese text helpers shared by every stage: NFC storage and tone-insensitive folding."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def nfc(text: str) -> str:
    """Text as stored: NFC (macOS and some keyboards hand out decomposed NFD), spaces collapsed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def fold(text: str) -> str:
    """Lower case without tones and marks, đ as d: "Đảng bộ" and "dang bo" fold alike.

    Used for search and for matching names, never for what is stored or shown.
    """
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.lower()).strip()


def date_vn(iso: str | None) -> str | None:
    """An ISO date (or year, or year-month) as editors read it: dd/mm/yyyy, mm/yyyy or yyyy."""
    if not iso:
        return None
    return "/".join(reversed(iso.split("-")))
