"""Quotes for the manuscript: the passages editors chose, filtered, grouped by event or witness, each with its
witness, interview, time-code range and a ready citation from the archive's ``citation.txt.j2``; written as DOCX,
Markdown, CSV or JSON, with an audio clip per quote if asked.

Interviews that may not be published (restricted, embargoed, or nobody recorded consent) are left out unless
``include_restricted``; included, each of their quotes is marked in every format. Passages still closed are
replaced in every quote and silent in every clip (``redaction``).
"""

from __future__ import annotations

import csv
import io
import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from pipeline import database, files
from pipeline.database import Database
from pipeline.database.models import Person
from pipeline.database.search_records import DatedEvent, ManuscriptQuote
from pipeline.errors import ExportError, unwritable
from pipeline.i18n import _
from pipeline.publishing import citations, clips, redaction, transcript, word_documents
from pipeline.publishing.quote_records import Quote, QuoteGroup, inner_quotes
from pipeline.publishing.transcript import CONSENT_VN, date_vn
from pipeline.settings import Archive
from pipeline.text import fold

log = logging.getLogger(__name__)

FORMATS = {"docx": ".docx", "md": ".md", "csv": ".csv", "json": ".json"}
GROUPINGS = ("event", "witness")
NO_EVENT = "Chưa gắn sự kiện"
NO_WITNESS = "Chưa rõ người kể"


@dataclass(frozen=True)
class QuoteFilters:
    """Which quotes to take; a person, event, place or commune is a name (any tones, any case) or a number."""

    event: str | None = None  # tagged on the quote or its passages (else named by its interview)
    person: str | None = None  # who speaks it, or tagged on the quote or its passage
    place: str | None = None  # tagged on the quote or its passage, or where the interview was held (or under it)
    commune: str | None = None  # the interview was held in this commune (or a place under it)
    interview: str | None = None  # an interview code or number
    verified_only: bool = False  # only quotes whose every passage an editor verified
    include_restricted: bool = False


@dataclass
class QuoteReport:
    output: Path | None
    data: bytes
    count: int
    groups: int
    withheld: list[str] = field(default_factory=list)  # interview codes whose quotes were left out
    clips: list[Path] = field(default_factory=list)


# ---------------------------------------------------------------- choosing


def _interviews_matching(db: Database, f: QuoteFilters) -> frozenset[int] | None:
    """The interviews that the --interview and --commune filters keep; None when neither is given."""
    kept = None
    if f.interview is not None:
        found = database.interview_numbered(db, f.interview)
        if found is None:
            raise ExportError(
                _("There is no interview {key!r}: `loike status` lists the interview codes.").format(key=f.interview)
            )
        kept = frozenset({found})
    if f.commune is not None:
        held = database.interviews_held_in(db, database.places_named(db, f.commune, "commune"))
        kept = held if kept is None else kept & held
    return kept


def select(db: Database, f: QuoteFilters = QuoteFilters()) -> tuple[list[Quote], list[str]]:
    """The quotes the filters keep, in interview order, and the codes of interviews withheld for consent."""
    interviews = _interviews_matching(db, f)
    people = database.people_named(db, f.person) if f.person is not None else None
    events = database.events_named(db, f.event) if f.event is not None else None
    places = database.places_named(db, f.place) if f.place is not None else None
    kept, withheld = [], []
    for quote in database.manuscript_quotes(db, interviews):
        if people is not None and quote.witness_id not in people and not people & quote.people:
            continue
        if events is not None and not events & quote.events:
            continue
        if places is not None and quote.place_id not in places and not places & quote.places:
            continue
        if f.verified_only and not quote.verified:
            continue
        restricted = not transcript.publishable(quote.consent_status, quote.consent_until)
        if restricted and not f.include_restricted:
            withheld.append(quote.code)
            continue
        kept.append((quote, restricted))
    dated = database.dated_events(db, set().union(*(quote.events for quote, _ in kept)))
    holder = database.holding_archive(db)
    closed = database.redactions(db)
    found = [
        redaction.closed_quote(
            _quote(db, quote, restricted, dated, holder), [r for r in closed if r.interview_id == quote.interview_id]
        )
        for quote, restricted in kept
    ]
    return found, list(dict.fromkeys(withheld))


def _quote(
    db: Database, chosen: ManuscriptQuote, restricted: bool, dated: list[DatedEvent], holder: str | None
) -> Quote:
    """The quote as printed; ``dated`` holds at least the events it is about, in date order."""
    events = [event for event in dated if event.id in chosen.events]
    witness = database.person(db, chosen.witness_id) if chosen.witness_id else None
    interviewers = database.people_in_role(db, chosen.interview_id, "interviewer")
    held_in = {place.kind: place.name for place in database.interview_places(db, chosen.interview_id)}
    return Quote(
        id=chosen.id,
        code=chosen.code,
        text=chosen.text,
        start=chosen.start,
        end=chosen.end,
        witness=witness,
        role=citations.role_phrase(witness, citations.dated(db, events), chosen.date) if witness else None,
        interviewers=[p.name for p in interviewers],
        date=chosen.date,
        where=_where(chosen),
        consent=chosen.consent_status,
        restricted=restricted,
        verified=chosen.verified,
        events=events,
        tags=list(chosen.tags),
        comment=chosen.comment,
        district=held_in.get("district"),
        province=held_in.get("province"),
        holding_archive=holder,
    )


def _where(chosen: ManuscriptQuote) -> str | None:
    """The commune the interview was held in ("xã Bắc Cường"), else the most precise place named."""
    return transcript.commune_phrase(chosen.commune) if chosen.commune is not None else chosen.place_name


# ---------------------------------------------------------------- grouping and citing


def group(quotes: list[Quote], by: str = "event") -> list[QuoteGroup]:
    """By event (each quote under its earliest event, events in date order) or by witness (by name)."""
    if by not in GROUPINGS:
        raise ExportError(
            _("Unknown grouping {by!r}: use one of {groupings}.").format(by=by, groupings=", ".join(GROUPINGS))
        )
    groups: dict[tuple, QuoteGroup] = {}
    for quote in quotes:
        if by == "event":
            e = quote.events[0] if quote.events else None
            key: tuple = (0, e.date_start or "9999", fold(e.name)) if e else (1, "", "")
            heading = _event_heading(e) if e else NO_EVENT
        else:
            w = quote.witness
            key = (0, fold(w.name), w.birth_year or 0) if w else (1, "", 0)
            heading = _witness_heading(w) if w else NO_WITNESS
        groups.setdefault(key, QuoteGroup(heading, [])).quotes.append(quote)
    return [groups[key] for key in sorted(groups)]


def _event_heading(e: DatedEvent) -> str:
    period = " – ".join(filter(None, map(date_vn, (e.date_start, e.date_end))))
    return f"{e.name} ({period})" if period else e.name


def _witness_heading(w: Person) -> str:
    name = f"{w.honorific.capitalize()} {w.name}" if w.honorific else w.name
    return name + (f" (sinh năm {w.birth_year})" if w.birth_year else "")


# ---------------------------------------------------------------- writing


def md_escape(text: str) -> str:
    """Markdown that shows the text as written: HTML characters as entities, markup characters backslashed."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return "".join("\\" + ch if ch in "\\`*_[]#|~" else ch for ch in text)


def to_markdown(groups: list[QuoteGroup], title: str, subtitle: str) -> str:
    out = [f"# {md_escape(title)}", "", f"_{md_escape(subtitle)}_", ""]
    for g in groups:
        out += [f"## {md_escape(g.heading)}", ""]
        for q in g.quotes:
            if q.restricted:
                out += [f"**[{md_escape(CONSENT_VN.get(q.consent, q.consent).upper())}]**", ""]
            out += [
                f"> “{md_escape(inner_quotes(q.text))}”",
                ">",
                f"> — {md_escape(q.citation)}",
                "",
                f"_{md_escape(q.details())}_",
                "",
            ]
            if q.comment:
                out += [f"Ghi chú: {md_escape(q.comment)}", ""]
    return "\n".join(out)


def _cell(value) -> object:
    # A cell starting with =, +, @ or - followed by no space is a formula to a spreadsheet ("CSV injection").
    if (
        isinstance(value, str)
        and value[:1] in ("=", "+", "@", "\t", "\r")
        or (isinstance(value, str) and value[:1] == "-" and value[1:2] not in ("", " "))
    ):
        return "'" + value
    return value


def to_csv(groups: list[QuoteGroup]) -> str:
    buffer = io.StringIO()
    fields = ["group", *Quote(0, "", "", 0, 0, None, None, [], None, None, "", False, False).record()]
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\r\n")
    writer.writeheader()
    for g in groups:
        for q in g.quotes:
            writer.writerow({k: _cell(v) for k, v in {"group": g.heading, **q.record()}.items()})
    return "\ufeff" + buffer.getvalue()  # the BOM makes Excel read UTF-8, so Vietnamese opens as written


def to_json(groups: list[QuoteGroup], title: str, subtitle: str) -> str:
    document = {
        "format": "loike-quotes/1",
        "title": title,
        "filters": subtitle,
        "groups": [
            {
                "heading": g.heading,
                "quotes": [
                    {
                        **q.record(),
                        "witness": asdict(q.witness) if q.witness else None,
                        "events": [asdict(e) for e in q.events],
                        "tags": [asdict(t) for t in q.tags],
                    }
                    for q in g.quotes
                ],
            }
            for g in groups
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def describe(f: QuoteFilters, by: str, count: int) -> str:
    said = [
        f"{label} {value}"
        for label, value in (
            ("sự kiện", f.event),
            ("nhân vật", f.person),
            ("địa danh", f.place),
            ("xã", f.commune),
            ("bản ghi", f.interview),
        )
        if value
    ]
    said += ["chỉ đoạn đã duyệt"] if f.verified_only else []
    said += ["gồm cả bản ghi hạn chế công bố"] if f.include_restricted else []
    grouped = "theo sự kiện" if by == "event" else "theo người kể"
    return (
        f"{count} trích dẫn, xếp {grouped}"
        + (f"; lọc: {', '.join(said)}" if said else "")
        + f"; lập ngày {date.today().strftime('%d/%m/%Y')}."
    )


def export_quotes(
    db: Database,
    archive: Archive,
    f: QuoteFilters = QuoteFilters(),
    fmt: str = "docx",
    output: Path | None = None,
    by: str = "event",
    clips_dir: Path | None = None,
    clip_format: str = "wav",
) -> QuoteReport:
    """Select, cite, group and write the quotes; cut a clip per quote into ``clips_dir`` if given."""
    if fmt not in FORMATS:
        raise ExportError(
            _("Unknown format {fmt!r}: use one of {formats}.").format(fmt=fmt, formats=", ".join(FORMATS))
        )
    if fmt == "docx" and output is None:
        raise ExportError(_("DOCX is not text and cannot be printed: give a file with -o, e.g. -o trich-dan.docx."))
    if clips_dir is not None:
        clips.check_encoder(clip_format)
    quotes, withheld = select(db, f)
    citations.cite(quotes, archive)
    written = _cut_clips(db, archive, quotes, clips_dir, clip_format) if clips_dir is not None else []
    groups = group(quotes, by)
    title, subtitle = "Trích dẫn lời kể", describe(f, by, len(quotes))
    if fmt == "docx":
        data = word_documents.quotes_docx(groups, title, subtitle)
    else:
        text = {
            "md": lambda: to_markdown(groups, title, subtitle),
            "csv": lambda: to_csv(groups),
            "json": lambda: to_json(groups, title, subtitle),
        }[fmt]()
        data = text.encode("utf-8")
    if output is not None:
        try:
            files.write_atomic(output, data)
        except OSError as error:
            raise unwritable(output, error, _("The quote list")) from error
    log.info("%d quotes in %d groups; %d interviews withheld", len(quotes), len(groups), len(withheld))
    return QuoteReport(output, data, len(quotes), len(groups), withheld, written)


def _cut_clips(db: Database, archive: Archive, quotes: list[Quote], folder: Path, fmt: str) -> list[Path]:
    """A clip per quote, silent over every passage still closed."""
    silent: dict[str, list[tuple[float, float]]] = {}
    for r in redaction.in_force(database.redactions(db)):
        closed = database.interview(db, str(r.interview_id))
        if closed is not None:
            silent.setdefault(closed.code, []).append((r.start, r.end))
    taken: set[str] = set()
    written = []
    for q in quotes:
        name = clips.safe_name(f"{q.code} {q.range.replace(':', '.')} {q.citation}", f".{fmt}")
        stem, n = name[: -len(fmt) - 1], 2
        while name in taken:
            name, n = f"{stem} ({n}).{fmt}", n + 1
        taken.add(name)
        wav = archive.audio_dir / f"{q.code}.wav"
        written.append(clips.cut(wav, q.start, q.end, folder / name, fmt, silent.get(q.code, [])))
        q.clip = name
    return written
