"""A copy of the database that is whole and consistent, whatever else is writing to it."""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime
from pathlib import Path

from pipeline.errors import ArchiveError
from pipeline.i18n import _


def backup(path: Path, dest: Path) -> Path:
    """A consistent copy of the database at ``path`` to ``dest`` (a folder gets loike-YYYYmmdd-HHMMSS.db), made
    with SQLite's online backup API (safe while another process writes) and integrity-checked."""
    if dest.is_dir():
        dest = dest / f"loike-{datetime.now():%Y%m%d-%H%M%S}.db"
    partial = dest.with_name(f".{dest.name}.partial")
    try:
        source = sqlite3.connect(str(path), timeout=30)
        target = sqlite3.connect(str(partial))
        try:
            source.backup(target)
            # One self-contained file: the copy need not carry a -wal beside it.
            target.execute("PRAGMA journal_mode = DELETE")
        finally:
            target.close()
            source.close()
        os.replace(partial, dest)
    except (OSError, sqlite3.Error) as error:
        partial.unlink(missing_ok=True)
        raise ArchiveError(
            _("Could not write the backup {dest} ({error}): check that the folder exists and is writable.").format(
                dest=dest, error=error
            )
        ) from error
    check = _integrity(dest)
    if check != "ok":
        dest.unlink(missing_ok=True)
        raise ArchiveError(
            _(
                "The backup {dest} failed its integrity check ({check}), so it was deleted: run `loike backup` "
                "again, and if it fails again copy transcripts/ while nothing runs."
            ).format(dest=dest, check=check)
        )
    return dest


def _integrity(path: Path) -> str:
    try:
        copy = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
        try:
            return copy.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            copy.close()
    except sqlite3.Error as error:
        return str(error)
