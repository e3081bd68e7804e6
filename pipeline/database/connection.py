"""Opening the archive's database: checked, migrated, in WAL mode, with a warning when it sits on a network share.

Every other module of the data layer takes the ``Database`` opened here; nothing outside the data layer runs SQL.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import cast

from pipeline.database.migrations import migrations
from pipeline.database.sqlite import Database, Table
from pipeline.errors import ArchiveError
from pipeline.i18n import _

log = logging.getLogger(__name__)

NETWORK_TYPES = {
    "nfs": "nfs",
    "nfs4": "nfs",
    "cifs": "cifs",
    "smb3": "smb",
    "smbfs": "smb",
    "sshfs": "sshfs",
    "fuse.sshfs": "sshfs",
    "9p": "9p",
}
"""Filesystem types (as /proc/mounts names them) where SQLite's file locks may not hold across machines."""
_warned: set[str] = set()


def now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def id_list(ids: Iterable[int]) -> str:
    """An SQL list of integer ids, "(3,7,12)", to write into a statement: ``int`` lets nothing else through."""
    return "(" + ",".join(str(int(i)) for i in sorted(ids)) + ")"


def inserted_id(table: Table) -> int:
    """The id of the row ``table.insert(...)`` just wrote. sqlite-utils types ``last_pk`` loosely (Any | None): after
    an insert into a table with an integer primary key it is that key."""
    return cast(int, table.last_pk)


def connect(path: Path) -> Database:
    """Another connection to a database :func:`open_database` has already checked and migrated (one per thread
    of the review app); cheap, because it skips the checks."""
    db = Database(sqlite3.connect(str(path), timeout=30, check_same_thread=False))
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA busy_timeout = 30000")
    return db


@contextmanager
def writing(db: Database) -> Iterator[Database]:
    """A transaction that takes the write lock at its start (BEGIN IMMEDIATE), for a read followed by a write.

    With a plain BEGIN, two editors saving at once both read, then the second one's write fails at once with
    "database is locked" instead of waiting for the first (SQLite cannot upgrade a stale read in WAL mode).
    Nested inside another transaction it is a savepoint, as ``db.atomic()`` is.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.conn.rollback()
        raise
    db.conn.execute("COMMIT")


def open_database(path: Path) -> Database:
    """Open (creating if needed) the archive database and bring its schema up to date.

    Opening reads only the schema: a full check reads every page (1.4 s for 1,000 one-hour interviews), so it is
    ``loike verify``'s job (``damage``), and a damaged page met later is said as ``damaged`` says it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = Database(sqlite3.connect(str(path), timeout=30))
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA busy_timeout = 30000")
        db.enable_wal()
        migrations.apply(db)
    except sqlite3.DatabaseError as error:
        if is_damage(error):
            raise damaged(path, error) from error
        raise ArchiveError(
            _(
                "The database {path} cannot be opened ({error}): check that the folder is writable, or restore "
                "the database from a backup."
            ).format(path=path, error=error)
        ) from error
    warn_if_network(path.parent)
    return db


def is_damage(error: sqlite3.DatabaseError) -> bool:
    """Whether SQLite says the file itself is broken (not that it is locked or read-only)."""
    return any(words in str(error) for words in ("malformed", "not a database", "corrupt"))


def damaged(path: Path, error: Exception | str) -> ArchiveError:
    return ArchiveError(
        _(
            "The database {path} is damaged ({error}): restore it from a backup; the recordings themselves are "
            "untouched."
        ).format(path=path, error=error)
    )


def damage(db: Database) -> str | None:
    """What SQLite's check of every page finds wrong with the database, or None when it is whole."""
    try:
        found = [row[0] for row in db.execute("PRAGMA quick_check").fetchall()]
    except sqlite3.DatabaseError as error:
        return str(error)
    return None if found == ["ok"] else "; ".join(found[:3])


def network_filesystem(path: str | Path, mounts: str | None = None) -> str | None:
    """The kind of network share ``path`` lives on ("nfs", "cifs", "smb", "sshfs", "9p"), or None if local.

    ``mounts`` is the text of /proc/mounts (read when not given); on Windows a UNC path counts as a share.
    """
    text = str(path)
    if text.startswith(("\\\\", "//")) and os.name == "nt":
        return "smb"
    if mounts is None:
        try:
            mounts = Path("/proc/mounts").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
    best, kind = "", None
    for line in mounts.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        point = parts[1].replace("\\040", " ").replace("\\011", "\t").replace("\\134", "\\")
        inside = text == point or text.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, kind = point, NETWORK_TYPES.get(parts[2])
    return kind


def warn_if_network(folder: Path) -> None:
    """Log once per folder when it is on a network share."""
    key = str(folder)
    if key in _warned:
        return
    _warned.add(key)
    kind = network_filesystem(folder.resolve())
    if kind:
        log.warning(
            "transcripts/ is on a network share (%s): SQLite can corrupt a database there when two machines "
            "write; keep transcripts/ on a local disk and back it up with `loike backup`.",
            kind,
        )


def rows(cursor: sqlite3.Cursor) -> list[dict]:
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]
