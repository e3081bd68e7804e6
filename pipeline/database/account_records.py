"""Who did what, as the data layer hands it out: an editor's account, and a quote deleted at the desk."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True, frozen=True)
class EditorAccount:
    """An editor who signs in to an app shared beyond this machine; the password itself is never kept."""

    name: str
    scheme: str  # how ``hash`` was made from the password and ``salt``, e.g. "scrypt:16384:8:1"
    salt: bytes
    hash: bytes
    created_at: str


@dataclass(slots=True, frozen=True)
class QuoteDeletion:
    """A quote as it was when an editor deleted it."""

    id: int
    quote_id: int
    interview_id: int
    editor: str
    at: str
    quote: dict  # the quote's fields when deleted: text, start, end, comment, who kept it, its tags
