"""Fixity: are the originals still the bytes we took in, are the derivatives still there, is the database safe.

``verify`` re-hashes every known original and normalised WAV, ``rebuild`` re-creates what can be derived again,
``backup`` copies the database consistently (SQLite's online backup API, safe while another process writes),
and ``network_filesystem`` warns when transcripts/ sits on a share where SQLite's locking cannot be trusted
(https://www.sqlite.org/useovernet.html).
"""

from __future__ import annotations

import logging
import os
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pipeline.intake import audio, discovery
from pipeline.database import store
from pipeline.errors import ArchiveError
from pipeline.settings import Archive

log = logging.getLogger(__name__)

NETWORK_TYPES = {"nfs": "nfs", "nfs4": "nfs", "cifs": "cifs", "smb3": "smb", "smbfs": "smb", "sshfs": "sshfs",
                 "fuse.sshfs": "sshfs", "9p": "9p"}
"""Filesystem types (as /proc/mounts names them) where SQLite's file locks may not hold across machines."""
_warned: set[str] = set()


@dataclass
class Finding:
    """One thing ``verify`` found wrong: ``kind`` is changed, missing or untracked."""

    kind: str
    path: str
    message: str


@dataclass
class VerifyReport:
    originals: int = 0  # originals re-hashed
    derivatives: int = 0  # normalised WAVs and sheets checked
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


@dataclass
class RebuildReport:
    audio: list[str] = field(default_factory=list)  # WAVs written again
    skipped: list[str] = field(default_factory=list)  # one sentence each: why a WAV could not be rebuilt
    sheets: Path | None = None  # the index, when sheets were rendered


# --- network filesystems -----------------------------------------------------------------------

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
        log.warning("transcripts/ is on a network share (%s): SQLite can corrupt a database there when two machines "
                    "write; keep transcripts/ on a local disk and back it up with `loike backup`.", kind)


# --- verify --------------------------------------------------------------------------------------

def verify(archive: Archive) -> VerifyReport:
    """Re-hash every known original and normalised WAV, check the sheets exist, list untracked recordings.

    Logs a "verified" event per recording. Nothing on disk is changed.
    """
    db = store.open_database(archive.database)
    report = VerifyReport()
    try:
        problems: dict[int, list[str]] = {}
        known = store.rows(db.execute(
            "SELECT f.path, f.recording_id, r.sha256 FROM files f JOIN recordings r ON r.id = f.recording_id "
            "ORDER BY f.path"))
        for row in known:
            found = _check_original(archive, row)
            report.originals += 1
            if found:
                report.findings.append(found)
                problems.setdefault(row["recording_id"], []).append(found.kind)
        recordings = store.rows(db.execute(
            "SELECT r.id, r.status, r.normalised_sha256, i.code FROM recordings r "
            "JOIN interviews i ON i.recording_id = r.id ORDER BY i.code"))
        for row in recordings:
            for found in _check_derivatives(archive, row):
                report.findings.append(found)
                problems.setdefault(row["id"], []).append(found.kind)
            report.derivatives += 1
        tracked = {row["path"] for row in known}
        for source in discovery.scan(archive):
            if source.relpath not in tracked:
                report.findings.append(Finding("untracked", source.relpath, (
                    f"{source.relpath} is not in the database yet: run `loike run` to take it in.")))
        with db.atomic():
            for row in recordings:
                kinds = problems.get(row["id"])
                store.log_event(db, row["id"], "verified", "error" if kinds else "ok",
                                ", ".join(kinds) if kinds else "original and derivatives match")
    finally:
        db.close()
    return report


def _check_original(archive: Archive, row: dict) -> Finding | None:
    path = archive.original(row["path"])
    if path is None:
        return Finding("missing", row["path"], (
            f"The original {row['path']} is missing from recordings/: put it back from a copy (sha256 {row['sha256']})."))
    try:
        digest = discovery.sha256(path)
    except OSError as error:
        return Finding("unreadable", row["path"], (
            f"The original {row['path']} cannot be read ({error.strerror or error}): give your user permission to "
            "read it (chmod a+r), then verify again."))
    if digest != row["sha256"]:
        return Finding("changed", row["path"], (
            f"The original {row['path']} has changed since it was taken in: its bytes no longer match; "
            "restore it from a copy (sha256 " + row["sha256"] + ") and find out what wrote to it."))
    return None


def _check_derivatives(archive: Archive, row: dict) -> list[Finding]:
    found = []
    wav = archive.audio_dir / f"{row['code']}.wav"
    name = f"transcripts/audio/{wav.name}"
    if row["normalised_sha256"] or row["status"] in ("normalised", "transcribed"):
        if not wav.exists():
            found.append(Finding("missing", name, f"{name} is missing: `loike rebuild --audio` makes it again."))
        elif row["normalised_sha256"] and discovery.sha256(wav) != row["normalised_sha256"]:
            found.append(Finding("changed", name, f"{name} has changed: `loike rebuild --audio` makes it again."))
    sheet = archive.sheets_dir / f"{row['code']}.html"
    if row["status"] == "transcribed" and not sheet.exists():
        name = f"transcripts/sheets/{sheet.name}"
        found.append(Finding("missing", name, f"{name} is missing: `loike rebuild --sheets` makes it again."))
    return found


# --- rebuild -------------------------------------------------------------------------------------

def rebuild(archive: Archive, audio_files: bool = True, sheets: bool = True) -> RebuildReport:
    """Re-create missing or altered normalised WAVs from the originals, and re-render every sheet.

    Never writes to recordings/ and never touches stored transcripts. An original whose bytes changed is not
    used: the WAV would no longer be the audio that was transcribed.
    """
    from pipeline.run import process# process runs the stages; fixity only borrows its sheet writer

    db = store.open_database(archive.database)
    report = RebuildReport()
    try:
        if audio_files:
            for row in store.rows(db.execute(
                "SELECT r.id, r.sha256, r.status, r.normalised_sha256, i.code, "
                "(SELECT path FROM files f WHERE f.recording_id = r.id ORDER BY f.path LIMIT 1) AS path "
                "FROM recordings r JOIN interviews i ON i.recording_id = r.id "
                "WHERE r.status IN ('normalised', 'transcribed') ORDER BY i.code")):
                _rebuild_wav(db, archive, row, report)
        if sheets:
            report.sheets = process.write_sheets(db, archive)
    finally:
        db.close()
    return report


def _rebuild_wav(db, archive: Archive, row: dict, report: RebuildReport) -> None:
    wav = archive.audio_dir / f"{row['code']}.wav"
    if wav.exists() and (not row["normalised_sha256"] or discovery.sha256(wav) == row["normalised_sha256"]):
        return
    original = archive.original(row["path"]) if row["path"] else None
    if original is None or discovery.sha256(original) != row["sha256"]:
        report.skipped.append(f"{wav.name} cannot be rebuilt: its original is missing or changed "
                              "(`loike verify` says which); put the original back first.")
        return
    wav.parent.mkdir(parents=True, exist_ok=True)
    audio.normalise(original, wav)
    digest = discovery.sha256(wav)
    with db.atomic():
        if digest != row["normalised_sha256"]:
            db["recordings"].update(row["id"], {"normalised_sha256": digest})
        store.log_event(db, row["id"], "normalised", "ok", f"rebuilt {wav.name} sha256 {digest}")
    report.audio.append(wav.name)


# --- backup --------------------------------------------------------------------------------------

def backup(archive: Archive, dest: Path) -> Path:
    """A consistent copy of the database at ``dest`` (a folder gets loike-YYYYmmdd-HHMMSS.db), integrity-checked."""
    if not archive.database.exists():
        raise ArchiveError(f"No archive database in {archive.transcripts}: run `loike run` first.")
    dest = Path(dest)
    if dest.is_dir():
        dest = dest / f"loike-{datetime.now():%Y%m%d-%H%M%S}.db"
    partial = dest.with_name(f".{dest.name}.partial")
    try:
        source = sqlite3.connect(str(archive.database), timeout=30)
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
        raise ArchiveError(f"Could not write the backup {dest} ({error}): check that the folder exists and is "
                           "writable.") from error
    check = _integrity(dest)
    if check != "ok":
        dest.unlink(missing_ok=True)
        raise ArchiveError(f"The backup {dest} failed its integrity check ({check}), so it was deleted: "
                           "run `loike backup` again, and if it fails again copy transcripts/ while nothing runs.")
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
