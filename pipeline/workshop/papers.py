"""The workshop's papers written to files, whole or not at all: the dossier (HTML or DOCX), the timeline, the
conclusions; and the questions of every event. What ``loike dossier``, ``loike timeline``, ``loike questions`` and
``loike conclusions`` call."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline import database, files
from pipeline.database import Database
from pipeline.database.workshop_records import Conclusion
from pipeline.errors import WorkshopError, unwritable
from pipeline.i18n import _
from pipeline.publishing import templating
from pipeline.settings import Archive
from pipeline.workshop import gazetteer, pages, settling
from pipeline.workshop.dossier import dossier
from pipeline.workshop.dossier_records import Dossier, Question
from pipeline.workshop.timeline import timeline

FORMATS = ("html", "docx")
TIMELINE_NAME = "timeline.html"


def write_dossier(
    db: Database,
    archive: Archive,
    kind: str,
    key: str | int,
    fmt: str = "html",
    output: Path | None = None,
    include_restricted: bool = False,
) -> tuple[Dossier, Path]:
    """Write the dossier of an event (person, place) to ``output``, by default into the sheets' ``dossiers/``."""
    if fmt not in FORMATS:
        raise WorkshopError(_("Unknown format {fmt!r}: use one of {known}.").format(fmt=fmt, known=", ".join(FORMATS)))
    made = dossier(db, kind, key, gazetteer.load(archive.root), include_restricted)
    path = output or pages.default_path(archive, made, fmt)
    if fmt == "docx":
        from pipeline.workshop import handout  # python-docx, only for a Word document

        data = handout.dossier_docx(made)
    else:
        env = templating.environment(archive.root, reload=False)
        data = pages.render_dossier(env, made, pages.file_links(archive, path)).encode("utf-8")
    _write(path, data, "The dossier")
    return made, path


def write_timeline(
    db: Database, archive: Archive, output: Path | None = None, include_restricted: bool = False
) -> tuple[int, Path]:
    """Write the timeline page, by default beside the sheets' index; returns how many events it lists."""
    entries = timeline(db, gazetteer.load(archive.root), include_restricted)
    path = output or archive.sheets_dir / TIMELINE_NAME
    env = templating.environment(archive.root, reload=False)
    folder = archive.sheets_dir / pages.DOSSIERS
    linked = path.resolve().parent == archive.sheets_dir.resolve()

    def href(entry: dict) -> str | None:
        target = folder / f"event-{entry['event_id']}-{entry['slug']}.html"
        if not target.exists():  # written by `loike dossier`; not every event has one
            return None
        return f"{pages.DOSSIERS}/{target.name}" if linked else target.resolve().as_uri()

    _write(path, pages.render_timeline(env, entries, dossier_href=href).encode("utf-8"), "The timeline")
    return len(entries), path


@dataclass
class EventQuestions:
    event_id: int
    name: str
    questions: list[Question]
    in_force: dict[str, Conclusion]


def questions(
    db: Database, archive: Archive, event: str | int | None = None, include_restricted: bool = False
) -> list[EventQuestions]:
    """The questions of every event that has passages (or of one), with the conclusions in force."""
    periods = gazetteer.load(archive.root)
    chosen = [event] if event is not None else [e.id for e in database.events(db)]
    found = []
    for key in chosen:
        try:
            made = dossier(db, "event", key, periods, include_restricted)
        except WorkshopError:
            if event is not None:
                raise
            continue
        found.append(EventQuestions(made.subject_id, made.name, made.questions, made.in_force))
    return found


def write_conclusions(
    db: Database,
    archive: Archive,
    event: str | int | None = None,
    fmt: str = "md",
    output: Path | None = None,
    include_restricted: bool = False,
) -> str:
    """The conclusions with their citations, written to ``output`` when given; returns the text."""
    text = settling.export(db, archive.root, event, fmt, include_restricted)
    if output is not None:
        _write(output, text.encode("utf-8"), "The conclusions")
    return text


def _write(path: Path, data: bytes, what: str) -> None:
    try:
        files.write_atomic(path, data)
    except OSError as error:
        raise unwritable(path, error, what) from error
