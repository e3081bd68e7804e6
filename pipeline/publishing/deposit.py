"""The hand-over package: a BagIt bag (RFC 8493) for deposit at a provincial archive, and its validation.

``data/`` holds the originals as they were taken in (with the sidecars and spreadsheets that describe them), the
normalised listening WAVs, every transcript in every export format, the metadata as JSON and Dublin Core, each
interview's history, the quotes and the redaction log (``bag_contents``); bagit writes ``manifest-sha256.txt``,
``tagmanifest-sha256.txt`` and ``bag-info.txt``. The bag is built in a hidden folder beside DEST and renamed into
place when complete, so a DEST that exists is always a whole bag. Originals are only read; each copy's SHA-256 in
the manifest is checked against the hash taken when the recording came in, so the bag never blesses a copy that
went wrong.

The bagit library (the Library of Congress's bagit-python) is imported here and nowhere else.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import bagit

from pipeline import __version__, database
from pipeline.database import Database
from pipeline.database.models import Interview
from pipeline.errors import ExportError, PackageInvalid, unwritable
from pipeline.i18n import _
from pipeline.publishing import access_audio, bag_contents, exports, redaction, transcript
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


def _original(archive: Archive, db: Database, interview: Interview) -> Path:
    """The original on disk now: any file name it was seen under, the first name otherwise."""
    for name in database.file_names(db, interview.recording_id) + [interview.source_path]:
        if found := archive.original(name):
            return found
    raise ExportError(
        _(
            "The original of {code} ({source_path}) is not in {recordings}: put it back (`loike verify` lists "
            "what is missing), then package again."
        ).format(code=interview.code, source_path=interview.source_path, recordings=archive.recordings)
    )


def _metadata(db: Database, t: transcript.Transcript, files: dict[str, str], history: bool) -> dict:
    document = json.loads(exports.to_json(t))
    document.pop("segments")
    document["files"] = files | {
        "transcripts": [f"transcripts/{t.code}/{exports.filename(t.code, f)}" for f in exports.FORMATS],
    }
    if history:
        document["history"] = [asdict(entry) for entry in database.recording_log(db, t.interview.recording_id)]
    return document


def _archive_audio(archive: Archive, db: Database, work: Path, t: transcript.Transcript) -> dict[str, str]:
    """The original as taken in and the listening WAV, for the archive's own package."""
    original = _original(archive, db, t.interview)
    relative = archive.relpath(original)  # NFC, as stored, whatever the name's form on disk
    _copy(original, work / "originals" / relative)
    wav = archive.audio_dir / f"{t.code}.wav"
    if not wav.is_file():
        raise ExportError(
            _("The listening copy {wav} of {code} is missing: run `loike rebuild --audio`, then package again.").format(
                wav=wav, code=t.code
            )
        )
    _copy(wav, work / "audio" / wav.name)
    return {"original": f"originals/{relative}", "audio": f"audio/{t.code}.wav"}


def _public_audio(archive: Archive, work: Path, t: transcript.Transcript) -> dict[str, str]:
    """Only the access copy, silent over the closed passages: a public package holds no original."""
    name = f"{t.code}.{access_audio.FORMATS[0]}"
    _copy(access_audio.access_copy(archive, t), work / "audio" / name)
    return {"audio": f"audio/{name}"}


def build(db: Database, archive: Archive, dest: Path, options: PackageOptions = PackageOptions()) -> PackageReport:
    """Write the bag at ``dest`` (which must not exist yet)."""
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
        work = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".partial"))
    except OSError as error:
        raise unwritable(dest, error, _("The package")) from error
    try:
        report = _fill(db, archive, work, dest, options)
        if not options.only_publishable:
            _check_originals(db, work, report)
        _readable_by_the_team(work)
        os.rename(work, dest)
    except OSError as error:
        shutil.rmtree(work, ignore_errors=True)
        raise unwritable(dest, error, _("The package")) from error
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    log.info("package %s: %d interviews, %d files, %d bytes", dest, len(report.interviews), report.files, report.bytes)
    return report


def _fill(db: Database, archive: Archive, work: Path, dest: Path, options: PackageOptions) -> PackageReport:
    public = options.only_publishable
    if public:
        transcripts, withheld = redaction.public_all(db)
    else:
        transcripts, withheld = transcript.load_all(db, include_restricted=True)
    report = PackageReport(dest, withheld=withheld)
    catalogue = []
    for t in transcripts:
        files = _public_audio(archive, work, t) if public else _archive_audio(archive, db, work, t)
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
    (work / "metadata").mkdir(exist_ok=True)
    (work / "metadata" / "interviews.json").write_text(
        json.dumps({"interviews": catalogue, "withheld": withheld}, ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
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
