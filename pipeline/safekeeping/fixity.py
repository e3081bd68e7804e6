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
from pipeline.publishing import review_sheets
from pipeline.settings import Archive

log = logging.getLogger(__name__)


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
        for taken in known:
            found = _check_original(archive, taken)
            report.originals += 1
            if found:
                report.findings.append(found)
                problems.setdefault(taken.recording_id, []).append(found.kind)
        recordings = database.all_recordings(db)
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
                        (
                            _("{relpath} is not in the database yet: run `loike run` to take it in.").format(
                                relpath=source.relpath
                            )
                        ),
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


def _check_original(archive: Archive, taken: FileTaken) -> Finding | None:
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
        )
    try:
        digest = discovery.sha256(path)
    except OSError as error:
        return Finding(
            "unreadable",
            taken.path,
            (
                _(
                    "The original {path} cannot be read ({strerror}): give your user permission to read it "
                    "(chmod a+r), then verify again."
                ).format(path=taken.path, strerror=error.strerror or error)
            ),
        )
    if digest != taken.sha256:
        return Finding(
            "changed",
            taken.path,
            _(
                "The original {path} has changed since it was taken in: its bytes no longer match; restore it from "
                "a copy (sha256 {sha256}) and find out what wrote to it."
            ).format(path=taken.path, sha256=taken.sha256),
        )
    return None


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
