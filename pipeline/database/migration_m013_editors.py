"""Migration m013, kept in a module of its own because ``migrations`` reached the 400 lines a module may have;
``migrations`` registers it after m008. Frozen like every migration: it calls nothing that may change later."""

from __future__ import annotations

from pipeline.database.sqlite import Database


def m013_editors_and_deletions(db: Database) -> None:
    """Who did what: editors' accounts for an app shared beyond this machine (each password kept as a salted
    hash, never itself), and every quote deleted at the desk kept, append-only, with who deleted it and when."""
    db.execute(
        "CREATE TABLE editors (name TEXT PRIMARY KEY, scheme TEXT NOT NULL, salt BLOB NOT NULL, "
        "hash BLOB NOT NULL, created_at TEXT NOT NULL)"
    )
    db.execute(
        "CREATE TABLE quote_deletions (id INTEGER PRIMARY KEY, quote_id INTEGER NOT NULL, "
        "interview_id INTEGER NOT NULL REFERENCES interviews(id), editor TEXT NOT NULL, at TEXT NOT NULL, "
        "quote TEXT NOT NULL)"
    )
    db.execute("CREATE INDEX quote_deletions_interview ON quote_deletions(interview_id, id)")
    for verb in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER quote_deletions_no_{verb.lower()} BEFORE {verb} ON quote_deletions "
            "BEGIN SELECT RAISE(ABORT, 'quote_deletions is append-only'); END"
        )
