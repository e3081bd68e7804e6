"""Fixity: are the originals still the bytes we took in, are the derivatives still there, is the database safe.

``verify`` re-hashes every known original and normalised WAV, ``rebuild`` re-creates what can be derived again,
``backup`` copies the database consistently (SQLite's online backup API, safe while another process writes),
the database warns when transcripts/ sits on a network share (``database.network_filesystem``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import database
from pipeline.database.models import FileTaken, Recording
from pipeline.errors import ArchiveError
from pipeline.intake import audio, discovery
from pipeline.publishing import review_sheets
from pipeline.settings import Archive

log = logging.getLogger(__name__)


@dataclass
class Finding:
    """One thing ``verify`` found wrong: ``kind`` is changed, grew, replaced, missing, unreadable, untracked, stale
    or damaged; ``interview`` is the code of the interview it concerns, when there is one."""

    kind: str
    path: str
    message: str
    interview: str | None = None


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


# --- verify --------------------------------------------------------------------------------------


def verify(archive: Archive) -> VerifyReport:
    """Re-hash every known original and normalised WAV, check the sheets exist, list untracked recordings.

    Logs a "verified" event per recording. Nothing on disk is changed.
    """
    db = database.open_database(archive.database)
    report = VerifyReport()
    try:
        broken = database.damage(db)
        if broken:
            report.findings.append(
                Finding("damaged", "transcripts/loike.db", str(database.damaged(archive.database, broken)))
            )
            return report
        problems: dict[int, list[str]] = {}
        known = database.files_taken(db)
        recordings = database.all_recordings(db)
        by_id = {recording.id: recording for recording in recordings}
        for taken in known:
            found = _check_original(archive, taken, by_id[taken.recording_id])
            report.originals += 1
            if found:
                report.findings.append(found)
                problems.setdefault(taken.recording_id, []).append(found.kind)
        holders = {taken.path: by_id[taken.recording_id].code for taken in known}
        named = {taken.recording_id for taken in known}
        for recording in recordings:
            if recording.id not in named:  # a later run found other bytes under its name
                found = _check_displaced(archive, recording, holders.get(recording.source_path))
                report.originals += 1
                if found:
                    report.findings.append(found)
                    problems.setdefault(recording.id, []).append(found.kind)
        for recording in recordings:
            for found in _check_derivatives(archive, recording):
                report.findings.append(found)
                problems.setdefault(recording.id, []).append(found.kind)
            report.derivatives += 1
        tracked = {taken.path for taken in known}
        for source in discovery.scan(archive):
            if source.relpath not in tracked:
                report.findings.append(
                    Finding(
                        "untracked",
                        source.relpath,
                        (f"{source.relpath} is not in the database yet: run `loike run` to take it in."),
                    )
                )
        with db.atomic():
            for recording in recordings:
                kinds = problems.get(recording.id)
                database.log_event(
                    db,
                    recording.id,
                    "verified",
                    "error" if kinds else "ok",
                    ", ".join(kinds) if kinds else "original and derivatives match",
                )
    finally:
        db.close()
    return report


def _check_original(archive: Archive, taken: FileTaken, recording: Recording) -> Finding | None:
    path = archive.original(taken.path)
    if path is None:
        return Finding(
            "missing",
            taken.path,
            (
                f"The original {taken.path} is missing from recordings/: put it back from a copy "
                f"(sha256 {taken.sha256})."
            ),
            recording.code,
        )
    try:
        digest = discovery.sha256(path)
        grown = digest != taken.sha256 and _grew(path, recording)
    except OSError as error:
        return _unreadable(taken.path, error, recording)
    if grown:
        return Finding(
            "grew",
            taken.path,
            (
                f"The original {taken.path} of {recording.code} has grown since it was taken in ({recording.size:,} "
                f"→ {grown:,} bytes): {recording.code} holds only its beginning; once the file is complete, "
                f"`loike run` takes it in whole as a new interview, and `loike package --leave-out-changed` leaves "
                f"{recording.code} out."
            ),
            recording.code,
        )
    if digest != taken.sha256:
        return Finding(
            "changed",
            taken.path,
            (
                f"The original {taken.path} has changed since it was taken in: its bytes no longer match; "
                "restore it from a copy (sha256 " + taken.sha256 + ") and find out what wrote to it."
            ),
            recording.code,
        )
    return None


def _check_displaced(archive: Archive, recording: Recording, holder: str | None) -> Finding | None:
    """A recording no file name leads to any more: a later run found other bytes under its name and took them in
    as another interview (``holder``). Its original is gone unless it is still there under that name."""
    name, code = recording.source_path, recording.code
    path = archive.original(name)
    if path is None:
        return Finding(
            "missing",
            name,
            f"The original {name} of {code} is missing from recordings/: put it back from a copy "
            f"(sha256 {recording.sha256}).",
            code,
        )
    try:
        if discovery.sha256(path) == recording.sha256:
            return None  # put back under its name: the next run remembers it again
        grown = _grew(path, recording)
    except OSError as error:
        return _unreadable(name, error, recording)
    leave_out = f"leave {code} out of packages with `loike package --leave-out-changed`"
    if grown:
        whole = f"the whole file is {holder}: work on that one" if holder else "`loike run` takes in the whole file"
        return Finding(
            "grew",
            name,
            f"{code} was taken from {name} while it was still being written ({recording.size:,} of its {grown:,} "
            f"bytes); {whole}, and {leave_out}.",
            code,
        )
    now = f"taken in as {holder}" if holder else "not taken in yet"
    return Finding(
        "replaced",
        name,
        f"The original of {code} is no longer in recordings/: {name} now holds other bytes, {now}; put the "
        f"original back from a copy (sha256 {recording.sha256}) under any name and run `loike run`, or, if the new "
        f"file was meant to replace it, {leave_out}.",
        code,
    )


def _grew(path: Path, recording: Recording) -> int:
    """The size ``path`` has grown to if it is longer than the recording taken in and begins with its bytes, else 0:
    a file taken in while it was still being written."""
    size = path.stat().st_size
    grown = size > recording.size and discovery.sha256(path, limit=recording.size) == recording.sha256
    return size if grown else 0


def _unreadable(name: str, error: OSError, recording: Recording) -> Finding:
    return Finding(
        "unreadable",
        name,
        (
            f"The original {name} cannot be read ({error.strerror or error}): give your user permission to "
            "read it (chmod a+r), then verify again."
        ),
        recording.code,
    )


def _check_derivatives(archive: Archive, recording: Recording) -> list[Finding]:
    found = []
    wav = archive.audio_dir / f"{recording.code}.wav"
    name = f"transcripts/audio/{wav.name}"
    if recording.normalised_sha256 or recording.status in ("normalised", "transcribed"):
        if not wav.exists():
            found.append(Finding("missing", name, f"{name} is missing: `loike rebuild --audio` makes it again."))
        elif recording.normalised_sha256 and discovery.sha256(wav) != recording.normalised_sha256:
            found.append(Finding("changed", name, f"{name} has changed: `loike rebuild --audio` makes it again."))
    sheet = archive.sheets_dir / f"{recording.code}.html"
    if recording.status == "transcribed" and not sheet.exists():
        name = f"transcripts/sheets/{sheet.name}"
        found.append(Finding("missing", name, f"{name} is missing: `loike rebuild --sheets` makes it again."))
    return found


# --- rebuild -------------------------------------------------------------------------------------


def rebuild(archive: Archive, audio_files: bool = True, sheets: bool = True) -> RebuildReport:
    """Re-create missing or altered normalised WAVs from the originals, and re-render every sheet.

    Never writes to recordings/ and never touches stored transcripts. An original whose bytes changed is not
    used: the WAV would no longer be the audio that was transcribed.
    """
    db = database.open_database(archive.database)
    report = RebuildReport()
    try:
        if audio_files:
            for recording in database.recordings_to_rebuild(db):
                _rebuild_wav(db, archive, recording, report)
        if sheets:
            report.sheets = review_sheets.write_sheets(db, archive)
    finally:
        db.close()
    return report


def _rebuild_wav(db, archive: Archive, recording: Recording, report: RebuildReport) -> None:
    wav = archive.audio_dir / f"{recording.code}.wav"
    if wav.exists() and (not recording.normalised_sha256 or discovery.sha256(wav) == recording.normalised_sha256):
        return
    original = archive.original(recording.current_path) if recording.current_path else None
    if original is None or discovery.sha256(original) != recording.sha256:
        report.skipped.append(
            f"{wav.name} cannot be rebuilt: its original is missing or changed "
            "(`loike verify` says which); put the original back first."
        )
        return
    wav.parent.mkdir(parents=True, exist_ok=True)
    audio.normalise(original, wav)
    digest = discovery.sha256(wav)
    with db.atomic():
        if digest != recording.normalised_sha256:
            database.update_recording(db, recording.id, normalised_sha256=digest)
        database.log_event(db, recording.id, "normalised", "ok", f"rebuilt {wav.name} sha256 {digest}")
    report.audio.append(wav.name)


# --- backup --------------------------------------------------------------------------------------


def backup(archive: Archive, dest: Path) -> Path:
    """A consistent copy of the database at ``dest`` (a folder gets loike-YYYYmmdd-HHMMSS.db), integrity-checked."""
    if not archive.database.exists():
        raise ArchiveError(f"No archive database in {archive.transcripts}: run `loike run` first.")
    return database.backup(archive.database, Path(dest))
