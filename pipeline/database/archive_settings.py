"""Settings of the archive as a whole, written once by the team and kept in the database (so a backup or a copy of
the archive carries them): the name of the archive that holds the interviews, which every citation names."""

from __future__ import annotations

from pipeline.database.sqlite import Database

HOLDING_ARCHIVE = "holding_archive"


def archive_setting(db: Database, key: str) -> str | None:
    row = db.execute("SELECT value FROM archive_settings WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def set_archive_setting(db: Database, key: str, value: str | None) -> None:
    """Set (or, with None, clear) one setting."""
    if value is None:
        db.execute("DELETE FROM archive_settings WHERE key = ?", [key])
    else:
        db.table("archive_settings").upsert({"key": key, "value": value}, pk="key")


def holding_archive(db: Database) -> str | None:
    """The name of the archive that holds the interviews ("Lưu trữ Tỉnh ủy Lào Cai"), if the team set it."""
    return archive_setting(db, HOLDING_ARCHIVE)
