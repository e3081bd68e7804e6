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
from pipeline.i18n import _
from pipeline.intake import audio, discovery
from pipeline.publishing import review_sheets, stale_sheets
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
    logged: bool = True  # False when the archive may only be read: the check is not in the recordings' log

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

    Logs a "verified" event per recording, unless the archive may only be read. Nothing on disk is changed.
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
        for interview in stale_sheets.out_of_date(db, archive):
            name = f"transcripts/sheets/{interview.code}.html"
            report.findings.append(
                Finding(
                    "stale",
                    name,
                    _(
                        "{name} is older than the last edit of {code} (the review app stopped before writing it): "
                        "`loike rebuild --sheets` writes it again."
                    ).format(name=name, code=interview.code),
                    interview.code,
                )
            )
            problems.setdefault(interview.recording_id, []).append("stale")
        tracked = {taken.path for taken in known}
        for source in discovery.scan(archive):
            if source.relpath not in tracked:
                report.findings.append(
                    Finding(
                        "untracked",
                        source.relpath,
                        (
                            _("{relpath} is not in the database yet: run `loike run` to take it in.").format(
                                relpath=source.relpath
                            )
                        ),
                    )
                )
        report.logged = not database.read_only(db)
        with db.atomic():
            for recording in recordings if report.logged else []:
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
                _("The original {path} is missing from recordings/: put it back from a copy (sha256 {sha256}).").format(
                    path=taken.path, sha256=taken.sha256
                )
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
                _(
                    "The original {path} of {code} has grown since it was taken in ({size:,} → {grown:,} bytes): "
                    "{code} holds only its beginning; once the file is complete, `loike run` takes it in whole as a "
                    "new interview, and `loike package --leave-out-changed` leaves {code} out."
                ).format(path=taken.path, code=recording.code, size=recording.size, grown=grown)
            ),
            recording.code,
        )
    if digest != taken.sha256:
        return Finding(
            "changed",
            taken.path,
            _(
                "The original {path} has changed since it was taken in: its bytes no longer match; restore it from "
                "a copy (sha256 {sha256}) and find out what wrote to it."
            ).format(path=taken.path, sha256=taken.sha256),
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
            _(
                "The original {name} of {code} is missing from recordings/: put it back from a copy (sha256 {sha256})."
            ).format(name=name, code=code, sha256=recording.sha256),
            code,
        )
    try:
        if discovery.sha256(path) == recording.sha256:
            return None  # put back under its name: the next run remembers it again
        grown = _grew(path, recording)
    except OSError as error:
        return _unreadable(name, error, recording)
    if grown:
        said = (
            _(
                "{code} was taken from {name} while it was still being written ({size:,} of its {grown:,} bytes); "
                "the whole file is {holder}: work on that one, and leave {code} out of packages with "
                "`loike package --leave-out-changed`."
            )
            if holder
            else _(
                "{code} was taken from {name} while it was still being written ({size:,} of its {grown:,} bytes); "
                "`loike run` takes in the whole file, and leave {code} out of packages with "
                "`loike package --leave-out-changed`."
            )
        )
        return Finding(
            "grew", name, said.format(code=code, name=name, size=recording.size, grown=grown, holder=holder), code
        )
    said = (
        _(
            "The original of {code} is no longer in recordings/: {name} now holds other bytes, taken in as {holder}; "
            "put the original back from a copy (sha256 {sha256}) under any name and run `loike run`, or, if the new "
            "file was meant to replace it, leave {code} out of packages with `loike package --leave-out-changed`."
        )
        if holder
        else _(
            "The original of {code} is no longer in recordings/: {name} now holds other bytes, not taken in yet; "
            "put the original back from a copy (sha256 {sha256}) under any name and run `loike run`, or, if the new "
            "file was meant to replace it, leave {code} out of packages with `loike package --leave-out-changed`."
        )
    )
    return Finding("replaced", name, said.format(code=code, name=name, holder=holder, sha256=recording.sha256), code)


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
        _(
            "The original {path} cannot be read ({strerror}): give your user permission to read it (chmod a+r), "
            "then verify again."
        ).format(path=name, strerror=error.strerror or error),
        recording.code,
    )


def _check_derivatives(archive: Archive, recording: Recording) -> list[Finding]:
    found = []
    wav = archive.audio_dir / f"{recording.code}.wav"
    name = f"transcripts/audio/{wav.name}"
    if recording.normalised_sha256 or recording.status in ("normalised", "transcribed"):
        if not wav.exists():
            found.append(
                Finding(
                    "missing", name, _("{name} is missing: `loike rebuild --audio` makes it again.").format(name=name)
                )
            )
        elif recording.normalised_sha256 and discovery.sha256(wav) != recording.normalised_sha256:
            found.append(
                Finding(
                    "changed", name, _("{name} has changed: `loike rebuild --audio` makes it again.").format(name=name)
                )
            )
    sheet = archive.sheets_dir / f"{recording.code}.html"
    if recording.status == "transcribed" and not sheet.exists():
        name = f"transcripts/sheets/{sheet.name}"
        found.append(
            Finding("missing", name, _("{name} is missing: `loike rebuild --sheets` makes it again.").format(name=name))
        )
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
        raise ArchiveError(
            _("No archive database in {transcripts}: run `loike run` first.").format(transcripts=archive.transcripts)
        )
    return database.backup(archive.database, Path(dest))
