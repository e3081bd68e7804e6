"""An archive that may only be read (a copy on a write-protected drive, a colleague's folder shared to read): the
commands that only read still answer, and one that writes says why it cannot, in one sentence.

Root writes through any permission, so "a colleague's folder" runs the commands as nobody when the tests run as
root; "a write-protected drive" is a read-only bind mount, which stops root too (skipped where mounting is not
allowed)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import reviewdesk
from archive_data import build

from pipeline.publishing import review_sheets
from pipeline.settings import Archive

CHECKOUT = Path(__file__).parent.parent


@pytest.fixture
def shared_tmp():
    """A folder another user can reach (pytest's own tmp_path sits in a folder only its owner may open)."""
    folder = Path(tempfile.mkdtemp(prefix="loike-ro-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


def loike(archive: Archive, *args, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(CHECKOUT), **kwargs.pop("env", {})}
    command = [sys.executable, "-m", "pipeline.cli", "--root", str(archive.root), *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, **kwargs)


@contextmanager
def write_protected_drive(archive: Archive) -> Iterator[dict]:
    """The archive as on a write-protected drive: a read-only bind mount over itself."""
    if os.geteuid() != 0 or subprocess.run(["mount", "--bind", archive.root, archive.root]).returncode:
        pytest.skip("a read-only bind mount needs root and a system that allows mounting")
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", archive.root, archive.root], check=True)
        yield {}
    finally:
        subprocess.run(["umount", archive.root], check=True)


@contextmanager
def colleagues_folder(archive: Archive) -> Iterator[dict]:
    """The archive as a colleague's folder this user may read but not write."""
    if os.geteuid() == 0:
        yield {"user": 65534, "group": 65534, "env": {"HOME": str(archive.root)}}
        return
    protected = [archive.transcripts, *archive.transcripts.rglob("*")]
    for path in protected:
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    try:
        yield {}
    finally:
        for path in protected:
            path.chmod(path.stat().st_mode | stat.S_IWUSR)


@pytest.fixture
def archive(shared_tmp) -> Archive:
    """Two transcribed interviews with their originals, listening copies and sheets."""
    db, archive, _ = build(shared_tmp)
    review_sheets.write_sheets(db, archive)
    db.close()
    return archive


@pytest.mark.slow
@pytest.mark.parametrize("protected", [write_protected_drive, colleagues_folder], ids=["drive", "colleague"])
def test_status_search_export_verify_backup_and_suggest_work_on_an_archive_that_may_only_be_read(
    archive, shared_tmp, protected
):
    backups = shared_tmp / "backups"
    backups.mkdir()
    backups.chmod(0o777)
    before = sorted(p.name for p in archive.transcripts.iterdir())

    with protected(archive) as someone:
        status = loike(archive, "status", **someone)
        search = loike(archive, "search", "bac cuong", **someone)
        export = loike(archive, "export", "LK-2026-001", "--format", "txt", **someone)
        verify = loike(archive, "verify", **someone)
        backup = loike(archive, "backup", backups, **someone)
        suggest = loike(archive, "suggest", "LK-2026-001", **someone)  # names not heard again: nothing to write
        run = loike(archive, "run", **someone)

    for done in (status, search, export, verify, backup, suggest, run):
        assert "Traceback" not in done.stderr, done.stderr
    assert status.returncode == 0 and "LK-2026-001" in status.stdout and "LK-2026-002" in status.stdout
    assert search.returncode == 0 and "LK-2026-001" in search.stdout
    assert export.returncode == 0 and "Quyền công bố: được công bố" in export.stdout
    assert verify.returncode == 0 and verify.stdout.splitlines() == [
        "2 originals and 2 interviews' derivatives checked: all well.",
        f"This check could not be written to the recordings' log: {archive.transcripts} is read-only.",
    ]
    assert backup.returncode == 0, backup.stderr
    assert suggest.returncode == 0 and suggest.stderr == "", suggest.stderr
    [copy] = backups.glob("loike-*.db")
    assert sqlite3.connect(copy).execute("SELECT count(*) FROM interviews").fetchone() == (2,)
    assert run.returncode == 1 and run.stderr.strip().splitlines()[-1].startswith(
        f"Error: Cannot write to {archive.transcripts} ("
    )
    assert sorted(p.name for p in archive.transcripts.iterdir()) == before


def test_an_update_the_database_needs_is_one_sentence_when_it_cannot_be_written(archive):
    db = sqlite3.connect(archive.database)
    db.execute("DELETE FROM _sqlite_migrations WHERE id = (SELECT max(id) FROM _sqlite_migrations)")
    db.commit()
    db.close()

    with colleagues_folder(archive) as someone:
        status = loike(archive, "status", **someone)

    assert status.returncode == 1 and "Traceback" not in status.stderr
    assert status.stderr == (
        f"Error: The database {archive.database} needs updating to this version of Lời Kể (1 step(s)), which cannot "
        f"be written while {archive.transcripts} is read-only: make it writable, or copy the archive to a writable "
        "disk and run the command there.\n"
    )


@pytest.mark.slow
def test_suggest_lists_names_not_heard_again_on_an_archive_that_may_only_be_read(shared_tmp):
    """Names with rivals that were never heard again: hearing them would write, so they are listed as the letters
    offer them, and nothing is loaded or written."""
    archive = reviewdesk.build(shared_tmp, lines=["Năm đó chi bố xa bắt dùng được thành lập", "Ở xa bất quân"])
    reviewdesk.build(shared_tmp, lines=["Một dòng."], title="Hai", commune="Quốc Tuấn")
    before = sorted(p.name for p in archive.transcripts.iterdir())

    with colleagues_folder(archive) as someone:
        suggest = loike(archive, "suggest", "1", **someone)

    assert suggest.returncode == 0 and suggest.stderr == "", suggest.stderr
    assert suggest.stdout.count("→ «chi bộ xã Bắc Cường»") + suggest.stdout.count("→ «xã Bắc Cường»") == 2
    assert sorted(p.name for p in archive.transcripts.iterdir()) == before
