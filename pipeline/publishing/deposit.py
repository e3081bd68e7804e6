"""The hand-over package: a BagIt bag (RFC 8493) for deposit at a provincial archive, and its validation.

``data/`` holds the originals as they were taken in (with the sidecars and spreadsheets that describe them), the
normalised listening WAVs, every transcript in every export format, the metadata as JSON and Dublin Core, each
interview's history, the quotes and the redaction log (``bag_contents``); bagit writes ``manifest-sha256.txt``,
``tagmanifest-sha256.txt`` and ``bag-info.txt``. The bag is built in a hidden folder beside DEST and renamed into
place when complete, so a DEST that exists is always a whole bag; the hidden folder carries a mark of the process
that builds it (``package_debris``), so a later package to the same DEST can clear what a stopped one left behind.
Originals are only read; each copy's SHA-256 in the manifest is checked against the hash taken when the recording
came in, so the bag never blesses a copy that went wrong.

The bagit library (the Library of Congress's bagit-python) is imported here and nowhere else.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import bagit

from pipeline import __version__, crashtest, database
from pipeline.database import Database
from pipeline.database.models import Interview
from pipeline.errors import ExportError, PackageInvalid, unwritable
from pipeline.i18n import _
from pipeline.publishing import access_audio, bag_contents, exports, redaction, transcript
from pipeline.publishing.package_debris import OWNER, clear_unfinished, owner_mark
from pipeline.settings import Archive

log = logging.getLogger(__name__)

ORGANIZATION = "Lời Kể"
"""Source-Organization when none is given; a team passes its own (Ban Tuyên giáo Huyện ủy …)."""


@dataclass(frozen=True)
class PackageOptions:
    organization: str = ORGANIZATION
    identifier: str | None = None  # External-Identifier; default "loike-<date>"
    contact: str | None = None  # Contact-Name
    formats: tuple[str, ...] = exports.FORMATS
    only_publishable: bool = False
    """The public package: only interviews cleared for publication, each as the public may read and hear it (closed
    passages replaced and silent, access copies instead of originals and WAVs, no history, a redaction log without
    the words). By default it is the archive's own: every interview, marked, and everything."""
    leave_out_changed: bool = False
    """Package the rest when some originals are missing or not the bytes taken in (those are named)."""
    voice_prints: bool = False
    """Add metadata/voice_prints.json: the prints of the people editors named. Personal data, so left out unless
    asked for; the transcripts and metadata never carry them."""


@dataclass
class PackageReport:
    path: Path
    interviews: list[str] = field(default_factory=list)
    withheld: list[str] = field(default_factory=list)
    files: int = 0
    bytes: int = 0
    left_out: list[str] = field(default_factory=list)  # codes whose original is missing or changed
    cleared: list[Path] = field(default_factory=list)  # unfinished packages a stopped `loike package` left
    left: list[Path] = field(default_factory=list)  # hidden folders that look unfinished but are not provably ours


def _take_original(archive: Archive, db: Database, interview: Interview, work: Path | None) -> tuple[str, str | None]:
    """Copy the interview's original into ``work`` (only check it when None): (its name in the package, None), or
    ("", what is wrong) when no file under any of its names holds the bytes taken in."""
    wrong = None
    for name in dict.fromkeys(database.file_names(db, interview.recording_id) + [interview.source_path]):
        path = archive.original(name)
        if path is None:
            continue
        relative = archive.relpath(path)  # NFC, as stored, whatever the name's form on disk
        problem = _copy_original(path, work / "originals" / relative if work else None, interview, relative)
        if problem is None:
            return relative, None
        wrong = wrong or problem
    return "", wrong or _("{name} is missing").format(name=interview.source_path)


def _copy_original(source: Path, target: Path | None, interview: Interview, name: str) -> str | None:
    """Copy ``source`` to ``target`` (if given) while hashing it: None when it is the bytes taken in, else what
    is wrong ("NAME has changed", "NAME has grown": it was still being written when taken in), the copy then
    removed."""
    whole, beginning, done = hashlib.sha256(), None, 0
    try:
        reading = source.open("rb")
    except OSError as error:
        return _("{name} cannot be read ({strerror})").format(name=name, strerror=error.strerror or error)
    if target:
        target.parent.mkdir(parents=True, exist_ok=True)
    with reading, target.open("wb") if target else contextlib.nullcontext() as writing:
        while chunk := reading.read(1 << 20):
            if done < interview.size <= done + len(chunk):
                head = whole.copy()
                head.update(chunk[: interview.size - done])
                beginning = head.hexdigest()
            whole.update(chunk)
            done += len(chunk)
            if writing:
                writing.write(chunk)
    if whole.hexdigest() == interview.sha256:
        return None
    if target:
        target.unlink()
    grown = done > interview.size and beginning == interview.sha256
    return (_("{name} has grown") if grown else _("{name} has changed")).format(name=name)


def _metadata(db: Database, t: transcript.Transcript, files: dict[str, str], history: bool) -> dict:
    document = json.loads(exports.to_json(t))
    document.pop("segments")
    document["files"] = files | {
        "transcripts": [f"transcripts/{t.code}/{exports.filename(t.code, f)}" for f in exports.FORMATS],
    }
    if history:
        document["history"] = [asdict(entry) for entry in database.recording_log(db, t.interview.recording_id)]
    return document


def _archive_audio(
    archive: Archive, db: Database, work: Path | None, t: transcript.Transcript
) -> tuple[dict[str, str], str | None]:
    """The original as taken in and the listening WAV, for the archive's own package: (their names, None), or
    ({}, what is wrong) when no file holds the original's bytes. With ``work`` None the original is only checked."""
    relative, problem = _take_original(archive, db, t.interview, work)
    if problem or work is None:
        return {}, problem
    wav = archive.audio_dir / f"{t.code}.wav"
    if not wav.is_file():
        raise ExportError(
            _("The listening copy {wav} of {code} is missing: run `loike rebuild --audio`, then package again.").format(
                wav=wav, code=t.code
            )
        )
    _copy(wav, work / "audio" / wav.name)
    return {"original": f"originals/{relative}", "audio": f"audio/{t.code}.wav"}, None


def _public_audio(archive: Archive, work: Path, t: transcript.Transcript) -> dict[str, str]:
    """Only the access copy, silent over the closed passages: a public package holds no original."""
    name = f"{t.code}.{access_audio.FORMATS[0]}"
    _copy(access_audio.access_copy(archive, t), work / "audio" / name)
    return {"audio": f"audio/{name}"}


def build(db: Database, archive: Archive, dest: Path, options: PackageOptions = PackageOptions()) -> PackageReport:
    """Write the bag at ``dest`` (which must not exist yet), first clearing what a stopped package left there."""
    dest = dest.expanduser().resolve()
    if options.voice_prints and options.only_publishable:
        raise ExportError(
            _(
                "Voice prints are personal data and never go into the public package: leave out --voice-prints, "
                "or package the archive's own copy without --only-publishable."
            )
        )
    if dest.exists():
        raise ExportError(
            _("{dest} already exists: give a new folder name, or remove the old package first.").format(dest=dest)
        )
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        cleared, left = clear_unfinished(dest)
        work = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".partial"))
    except OSError as error:
        raise unwritable(dest, error, _("The package")) from error
    try:
        (work / OWNER).write_text(json.dumps(owner_mark(dest)), encoding="utf-8")
        bag = work / "bag"
        bag.mkdir()
        report = _fill(db, archive, bag, dest, options)
        if not options.only_publishable:
            _check_originals(db, bag, report)
        _readable_by_the_team(bag)
        crashtest.checkpoint("packaging")
        os.rename(bag, dest)
        shutil.rmtree(work, ignore_errors=True)
    except OSError as error:
        shutil.rmtree(work, ignore_errors=True)
        raise unwritable(dest, error, _("The package")) from error
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    report.cleared, report.left = cleared, left
    log.info("package %s: %d interviews, %d files, %d bytes", dest, len(report.interviews), report.files, report.bytes)
    return report


def _fill(db: Database, archive: Archive, work: Path, dest: Path, options: PackageOptions) -> PackageReport:
    public = options.only_publishable
    if public:
        transcripts, withheld = redaction.public_all(db)
    else:
        transcripts, withheld = transcript.load_all(db, include_restricted=True)
    report = PackageReport(dest, withheld=withheld)
    catalogue: list[dict] = []
    blocked: list[str] = []
    for t in transcripts:
        if public:
            files = _public_audio(archive, work, t)
        else:
            refused = bool(blocked) and not options.leave_out_changed  # nothing more is copied; originals checked
            files, problem = _archive_audio(archive, db, None if refused else work, t)
            if problem:
                blocked.append(f"{t.code} ({problem})")
                report.left_out.append(t.code)
            if problem or refused:
                continue
        for fmt in options.formats:
            target = work / "transcripts" / t.code / exports.filename(t.code, fmt)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(exports.render(t, fmt))
        meta = _metadata(db, t, files, history=not public)
        bag_contents.add_interview(db, archive, work, t, history=not public)
        (work / "metadata").mkdir(exist_ok=True)
        (work / "metadata" / f"{t.code}.json").write_text(
            json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        catalogue.append(
            {
                "code": t.code,
                "title": t.interview.title,
                "date": t.interview.date,
                "consent_status": t.consent,
                "restricted": t.restricted,
                **files,
                "sha256": t.interview.sha256,
            }
        )
        report.interviews.append(t.code)
    if blocked and not options.leave_out_changed:
        raise ExportError(
            _(
                "The originals of {count} interview(s) are not the bytes taken in, so nothing was packaged: "
                "{interviews}; `loike verify` says what to do for each, or --leave-out-changed packages the rest."
            ).format(count=len(blocked), interviews=", ".join(blocked))
        )
    (work / "metadata").mkdir(exist_ok=True)
    listing = {"interviews": catalogue, "withheld": withheld, "left_out": report.left_out}
    (work / "metadata" / "interviews.json").write_text(
        json.dumps(listing, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    packaged = {t.code: t.interview.id for t in transcripts}
    bag_contents.add_quotes(db, archive, work, list(packaged), include_restricted=not public)
    bag_contents.add_redaction_log(db, work, packaged, words=not public)
    if options.voice_prints:
        (work / "metadata" / "voice_prints.json").write_text(
            json.dumps({"voice_prints": database.voice_export(db)}, ensure_ascii=False, indent=2) + "\n",
            encoding="utf-8",
        )
    restricted = [t.code for t in transcripts if t.restricted]
    info = {
        "Source-Organization": options.organization,
        "External-Identifier": options.identifier or f"loike-{database.now()[:10]}",
        "External-Description": f"Lời Kể: {len(catalogue)} cuộc phỏng vấn (bản gốc, âm thanh chuẩn hoá, "
        f"bản phiên âm {', '.join(options.formats)}, siêu dữ liệu).",
        "Bag-Software-Agent": f"Lời Kể {__version__} (bagit-python {bagit.VERSION})",
        "Access-Restrictions": ("Hạn chế công bố: " + ", ".join(restricted)) if restricted else "Không",
    }
    if options.contact:
        info["Contact-Name"] = options.contact
    bag = bagit.make_bag(str(work), info, checksums=["sha256"])
    report.files = len(bag.payload_entries())
    report.bytes = int(bag.info["Payload-Oxum"].split(".")[0])
    return report


def _readable_by_the_team(folder: Path) -> None:
    """The bag's folder as any folder the user makes (mkdtemp makes it private to its owner)."""
    umask = os.umask(0)
    os.umask(umask)
    folder.chmod(0o777 & ~umask)


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)  # contents only: the original's own metadata and permissions stay its own


def _check_originals(db: Database, work: Path, report: PackageReport) -> None:
    """Each original's copy must hash as the recording did when it was taken in."""
    entries = bagit.Bag(str(work)).entries
    for code in report.interviews:
        interview = database.interview(db, code)
        if interview is None:  # it was packaged from this database a moment ago
            raise ExportError(_("The interview {code} is no longer in the archive: package again.").format(code=code))
        meta = json.loads((work / "data" / "metadata" / f"{code}.json").read_text(encoding="utf-8"))
        found = entries.get(f"data/{meta['files']['original']}", {}).get("sha256")
        if found != interview.sha256:
            raise ExportError(
                _(
                    "The original of {code} ({source_path}) no longer has the hash it had when taken in: run "
                    "`loike verify`, restore it from a backup, then package again."
                ).format(code=code, source_path=interview.source_path)
            )


def verify(path: Path) -> None:
    """Validate the bag at ``path``; PackageInvalid lists one sentence per problem."""
    path = Path(path)
    try:
        bag = bagit.Bag(str(path))
        bag.validate()
    except bagit.BagValidationError as error:
        problems = [_sentence(path, d) for d in error.details]
        if not problems:  # bagit stops at a wrong Payload-Oxum before it looks at any file: look at each anyway
            problems = [
                f"{path}: the files are not the number and size bag-info.txt records (Payload-Oxum): "
                "something was added, removed or changed."
            ] + _each_file(bag)
        raise PackageInvalid(path, problems) from error
    except bagit.BagError as error:
        raise PackageInvalid(
            path, [f"{path} is not a BagIt package ({error}): give the folder that holds bagit.txt."]
        ) from error


def _each_file(bag: bagit.Bag) -> list[str]:
    """bagit's own completeness and per-file checks, which validate() skips after an Oxum mismatch."""
    problems = []
    for check in (bag._validate_completeness, lambda: bag._validate_entries(1)):
        try:
            check()
        except bagit.BagValidationError as error:
            problems += [
                _sentence(Path(bag.path), d)
                for d in error.details
                if not isinstance(d, bagit.ChecksumMismatch) or (Path(bag.path) / d.path).exists()
            ]
    return problems


def _sentence(bag: Path, detail: bagit.BagError) -> str:
    where = bag / str(getattr(detail, "path", ""))
    if isinstance(detail, bagit.ChecksumMismatch):
        return _(
            "{where} has changed since it was packaged ({algorithm} expected {expected}, found {found}): take it "
            "again from the archive, or package again."
        ).format(where=where, algorithm=detail.algorithm, expected=detail.expected, found=detail.found)
    if isinstance(detail, bagit.FileMissing):
        return _("{where} is listed in the manifest but missing: copy it back, or package again.").format(where=where)
    if isinstance(detail, bagit.UnexpectedFile):
        return _("{where} is in the package but not in its manifest: remove it, or package again.").format(where=where)
    return f"{bag}: {detail}."
