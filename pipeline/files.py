"""Files that appear whole or not at all: every file Lời Kể writes outside the database goes through here.

A file is written under a temporary name in its own folder, then renamed over the target (``os.replace``, atomic
on one file system), so a reader — an editor opening a sheet during a run, a backup tool, a crash — never sees
half of it. It gets the permissions any file the user makes would get (the umask: readable by the team), unless
it is private (the review app's secret).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path: Path, suffix: str = ".tmp", private: bool = False) -> Iterator[Path]:
    """A new, empty file beside ``path`` to write into; it replaces ``path`` when the block ends, and is removed
    if the block raises. Raises OSError when the folder cannot be written."""
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}{suffix}")
    os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if private else 0o666))
    try:
        yield temp
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: bytes, private: bool = False) -> Path:
    """Write ``data`` to ``path`` whole or not at all, making its folder if needed. Raises OSError."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path, private=private) as temp:
        temp.write_bytes(data)
    return path


def write_if_changed(path: Path, data: bytes) -> bool:
    """``write_atomic`` unless ``path`` already holds exactly ``data`` (a page left as it was keeps its time, so
    a sync tool does not copy a thousand unchanged sheets); True if written. Raises OSError."""
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    write_atomic(path, data)
    return True
