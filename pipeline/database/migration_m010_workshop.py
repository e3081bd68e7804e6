"""Migration m010 (the workshop's conclusions), frozen like every migration; it lives apart because
``migrations`` is at the length every module is held to, and is registered at the end of it."""

from __future__ import annotations

from pipeline.database.sqlite import Database


def m010_workshop(db: Database) -> None:
    """What a workshop (hội thảo) settled about an event, one row per decision: the accepted version, the reasons,
    who decided and when, who recorded it, the passages it rests on. Append-only, as ``segment_revisions``: a new
    decision replaces an earlier one by pointing at it, and triggers refuse to change or delete a row."""
    db.execute(
        """CREATE TABLE workshop_conclusions (
            id INTEGER PRIMARY KEY,
            event_id INTEGER NOT NULL REFERENCES events(id),
            aspect TEXT NOT NULL,
            answer TEXT NOT NULL,
            date_start TEXT,
            date_end TEXT,
            reasons TEXT,
            decided_by TEXT NOT NULL,
            decided_on TEXT NOT NULL,
            editor TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            passages TEXT NOT NULL DEFAULT '[]',
            replaces INTEGER REFERENCES workshop_conclusions(id)
        )"""
    )
    db.execute("CREATE INDEX workshop_conclusions_event ON workshop_conclusions(event_id, aspect, id)")
    for verb in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER workshop_conclusions_no_{verb.lower()} BEFORE {verb} ON workshop_conclusions "
            "BEGIN SELECT RAISE(ABORT, 'workshop_conclusions is append-only'); END"
        )
