"""The records of corrections where the errors are: a find-and-replace batch as stored."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class ReplacementBatch:
    """One find-and-replace applied by an editor: what was found and put in its place, where, and how many lines
    changed; its changes are the revisions whose action is ``replace:ID``."""

    id: int
    interview_id: int | None
    """None when it ran across the archive."""
    find: str
    replacement: str
    exact: bool
    """Tones and marks had to match as typed."""
    editor: str | None
    at: str
    changed: int
    """Lines changed."""
    undone_by: str | None = None
    undone_at: str | None = None
