"""Quotes for the manuscript: the passages editors chose, filtered, grouped by event or witness, each with its
witness, interview, time-code range and a ready citation from the archive's ``citation.txt.j2``; written as DOCX,
Markdown, CSV or JSON, with an audio clip per quote if asked.

Interviews that may not be published (restricted, embargoed, or nobody recorded consent) are left out unless
``include_restricted``; included, each of their quotes is marked in every format.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from sqlite_utils import Database

from pipeline.publishing import clips, word_documents, templating, transcript
from pipeline import database, files
from pipeline.database.connection import id_list
from pipeline.errors import ExportError, unwritable
from pipeline.settings import Archive
from pipeline.database import rows
from pipeline.text import fold
from pipeline.publishing.transcript import CONSENT_VN, Person, date_vn, minutes

log = logging.getLogger(__name__)

FORMATS = {"docx": ".docx", "md": ".md", "csv": ".csv", "json": ".json"}
GROUPINGS = ("event", "witness")
NO_EVENT = "Chưa gắn sự kiện"
NO_WITNESS = "Chưa rõ người kể"
FORMER = ("nguyên ", "cựu ", "nay ", "hiện ")


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
class Quote:
    id: int
    code: str
    text: str
    start: float
    end: float
    witness: Person | None
    role: str | None  # the historical role the citation gives the witness
    interviewers: list[str]
    date: str | None  # ISO
    where: str | None  # "xã Bắc Cường"
    consent: str
    restricted: bool
    verified: bool
    events: list[dict] = field(default_factory=list)  # {id, name, date_start, date_end}, earliest first
    tags: list[dict] = field(default_factory=list)  # {kind, name}
    comment: str | None = None
    citation: str = ""
    clip: str | None = None

    @property
    def range(self) -> str:
        return f"{minutes(self.start)}–{minutes(self.end, up=True)}"

    def details(self) -> str:
        status = "đã duyệt" if self.verified else "chưa duyệt hết"
        return f"Bản ghi {self.code} · {self.range} · {status} · trích dẫn số {self.id}"

    def record(self) -> dict:
        """The flat fields CSV and JSON carry."""
        w = self.witness
        return {
            "id": self.id, "interview": self.code, "date": self.date, "date_vn": date_vn(self.date), "place": self.where,
            "witness": w.name if w else None, "birth_year": w.birth_year if w else None, "sex": w.sex if w else None,
            "role": self.role, "interviewers": "; ".join(self.interviewers), "start": round(self.start, 3),
            "end": round(self.end, 3), "time_range": self.range, "text": self.text, "citation": self.citation,
            "verified": self.verified, "consent": self.consent, "restricted": self.restricted,
            "events": "; ".join(e["name"] for e in self.events), "comment": self.comment, "clip": self.clip,
        }


@dataclass
class QuoteGroup:
    heading: str
    quotes: list[Quote]


@dataclass
class QuoteReport:
    output: Path | None
    data: bytes
    count: int
    groups: int
    withheld: list[str] = field(default_factory=list)  # interview codes whose quotes were left out
    clips: list[Path] = field(default_factory=list)


# ---------------------------------------------------------------- choosing


def _interviews_matching(db: Database, f: QuoteFilters) -> set[int] | None:
    if f.interview is None and f.commune is None:
        return None
    ids = {r[0] for r in db.execute("SELECT id FROM interviews")}
    if f.interview is not None:
        found = db.execute("SELECT id FROM interviews WHERE code = ? OR CAST(id AS TEXT) = ?",
                           [f.interview, f.interview]).fetchone()
        if not found:
            raise ExportError(f"There is no interview {f.interview!r}: `loike status` lists the interview codes.")
        ids &= {found[0]}
    if f.commune is not None:
        places = database.places_named(db, f.commune, "commune")  # as the search filters read names
        ids &= {r[0] for r in db.execute(f"SELECT id FROM interviews WHERE place_id IN {id_list(places)}")}
    return ids


def _quote_rows(db: Database) -> list[dict]:
    return rows(db.execute(
        "SELECT q.*, i.code, i.date, i.place_id, coalesce(i.consent_status, 'unknown') AS consent_status, "
        "i.consent_until, f.idx AS first_idx, l.idx AS last_idx, f.person_id AS first_person, "
        "f.speaker AS first_label FROM quotes q JOIN interviews i ON i.id = q.interview_id "
        "JOIN segments f ON f.id = q.first_segment_id JOIN segments l ON l.id = q.last_segment_id "
        "ORDER BY i.date, i.code, q.start, q.id"))


def _linked(db: Database, row: dict, quote_table: str, segment_table: str, column: str) -> set[int]:
    """Targets tagged on the quote itself or on any passage it spans."""
    found = {r[0] for r in db.execute(f"SELECT {column} FROM {quote_table} WHERE quote_id = ?", [row["id"]])}
    return found | {r[0] for r in db.execute(
        f"SELECT t.{column} FROM {segment_table} t JOIN segments s ON s.id = t.segment_id "
        "WHERE s.interview_id = ? AND s.idx BETWEEN ? AND ?", [row["interview_id"], row["first_idx"], row["last_idx"]])}


def _witness_id(db: Database, row: dict) -> int | None:
    """Who speaks the quote: the person an editor set on its first passage, else the person its speaker label is
    mapped to, else the interview's witness when it has exactly one."""
    if row["first_person"]:
        return row["first_person"]
    mapped = db.execute("SELECT person_id FROM speakers WHERE interview_id = ? AND label IS ?",
                        [row["interview_id"], row["first_label"]]).fetchone()
    if mapped and mapped[0]:
        return mapped[0]
    witnesses = [r[0] for r in db.execute(
        "SELECT person_id FROM interview_people WHERE interview_id = ? AND role = 'witness'", [row["interview_id"]])]
    return witnesses[0] if len(witnesses) == 1 else None


def select(db: Database, f: QuoteFilters = QuoteFilters()) -> tuple[list[Quote], list[str]]:
    """The quotes the filters keep, in interview order, and the codes of interviews withheld for consent."""
    interviews = _interviews_matching(db, f)
    people = database.people_named(db, f.person) if f.person is not None else None
    events = database.events_named(db, f.event) if f.event is not None else None
    places = database.places_named(db, f.place) if f.place is not None else None
    kept, withheld = [], []
    for row in _quote_rows(db):
        if interviews is not None and row["interview_id"] not in interviews:
            continue
        witness = _witness_id(db, row)
        if people is not None and witness not in people and not (
                people & _linked(db, row, "quote_people", "segment_people", "person_id")):
            continue
        # The events tagged on the quote or its passages say what it is about; only an untagged quote takes
        # the events its interview names.
        event_ids = _linked(db, row, "quote_events", "segment_events", "event_id") or _interview_events(
            db, row["interview_id"])
        if events is not None and not events & event_ids:
            continue
        if places is not None and row["place_id"] not in places and not (
                places & _linked(db, row, "quote_places", "segment_places", "place_id")):
            continue
        verified = db.execute(
            "SELECT count(*) = 0 FROM segments WHERE interview_id = ? AND idx BETWEEN ? AND ? "
            "AND review_status != 'verified'", [row["interview_id"], row["first_idx"], row["last_idx"]]).fetchone()[0]
        if f.verified_only and not verified:
            continue
        restricted = not transcript.publishable(row["consent_status"], row["consent_until"])
        if restricted and not f.include_restricted:
            withheld.append(row["code"])
            continue
        kept.append(_quote(db, row, witness, event_ids, bool(verified), restricted))
    return kept, list(dict.fromkeys(withheld))


def _interview_events(db: Database, interview_id: int) -> set[int]:
    return {r[0] for r in db.execute("SELECT event_id FROM interview_events WHERE interview_id = ?", [interview_id])}


def _quote(db: Database, row: dict, witness_id: int | None, event_ids: set[int], verified: bool,
           restricted: bool) -> Quote:
    t_people = transcript.people(db, row["interview_id"], "interviewer")
    events = rows(db.execute(
        f"SELECT id, name, date_start, date_end FROM events WHERE id IN {id_list(event_ids)} "
        "ORDER BY coalesce(date_start, '9999'), name"))
    witness = transcript.person(db, witness_id) if witness_id else None
    tags = [{"kind": kind, "name": name} for kind, name in db.execute(
        "SELECT 'person', p.full_name FROM quote_people x JOIN people p ON p.id = x.person_id WHERE x.quote_id = ? "
        "UNION ALL SELECT 'place', p.name FROM quote_places x JOIN places p ON p.id = x.place_id WHERE x.quote_id = ? "
        "UNION ALL SELECT 'event', e.name FROM quote_events x JOIN events e ON e.id = x.event_id WHERE x.quote_id = ?",
        [row["id"]] * 3)]
    return Quote(
        id=row["id"], code=row["code"], text=row["text"], start=row["start"], end=row["end"], witness=witness,
        role=role_phrase(witness, events, row["date"]) if witness else None,
        interviewers=[p.name for p in t_people], date=row["date"], where=_where(db, row["place_id"]),
        consent=row["consent_status"], restricted=restricted, verified=verified, events=events, tags=tags,
        comment=row["comment"])


def _where(db: Database, place_id: int | None) -> str | None:
    """The commune the interview was held in ("xã Bắc Cường"), else the most precise place named."""
    first = None
    while place_id:
        name, kind, place_id = db.execute("SELECT name, kind, parent_id FROM places WHERE id = ?", [place_id]).fetchone()
        if kind == "commune":
            return transcript.commune_phrase(name)
        first = first or name
    return first


def role_phrase(witness: Person, events: list[dict], interview_date: str | None) -> str | None:
    """The role the citation gives: the one held in the year of the quote's event, else the latest held; "nguyên"
    (former) before it when it had ended by the interview and the title does not already say so."""
    if not witness.roles:
        return None
    years = [int(e["date_start"][:4]) for e in events if (e.get("date_start") or "")[:4].isdigit()]
    chosen = next((r for r in witness.roles for y in years
                   if r["start_year"] and r["start_year"] <= y <= (r["end_year"] or r["start_year"])), None)
    chosen = chosen or max(witness.roles, key=lambda r: (r["start_year"] or 0))
    title = chosen["title"]
    ended = chosen["end_year"] and (not interview_date or chosen["end_year"] < int(interview_date[:4]))
    if ended and not title.lower().startswith(FORMER):
        title = f"nguyên {title}"
    return title


# ---------------------------------------------------------------- grouping and citing


def group(quotes: list[Quote], by: str = "event") -> list[QuoteGroup]:
    """By event (each quote under its earliest event, events in date order) or by witness (by name)."""
    if by not in GROUPINGS:
        raise ExportError(f"Unknown grouping {by!r}: use one of {', '.join(GROUPINGS)}.")
    groups: dict[tuple, QuoteGroup] = {}
    for quote in quotes:
        if by == "event":
            e = quote.events[0] if quote.events else None
            key = (0, e["date_start"] or "9999", fold(e["name"])) if e else (1, "", "")
            heading = _event_heading(e) if e else NO_EVENT
        else:
            w = quote.witness
            key = (0, fold(w.name), w.birth_year or 0) if w else (1, "", 0)
            heading = _witness_heading(w) if w else NO_WITNESS
        groups.setdefault(key, QuoteGroup(heading, [])).quotes.append(quote)
    return [groups[key] for key in sorted(groups)]


def _event_heading(e: dict) -> str:
    period = " – ".join(date_vn(d) for d in (e.get("date_start"), e.get("date_end")) if d)
    return f"{e['name']} ({period})" if period else e["name"]


def _witness_heading(w: Person) -> str:
    name = f"{w.honorific.capitalize()} {w.name}" if w.honorific else w.name
    return name + (f" (sinh năm {w.birth_year})" if w.birth_year else "")


def cite(quotes: list[Quote], archive: Archive) -> None:
    """Fill each quote's citation from the archive's template (or the built-in one)."""
    env = templating.text_environment(archive.root)
    for q in quotes:
        w = q.witness
        q.citation = templating.citation(
            env, quote={"id": q.id, "text": q.text},
            witness={"name": w.name, "honorific": w.honorific, "birth_year": w.birth_year, "role": q.role} if w else None,
            interview={"code": q.code, "date_vn": date_vn(q.date) or "", "where": q.where,
                       "interviewers": q.interviewers, "consent": q.consent},
            start=minutes(q.start), end=minutes(q.end, up=True))


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
            out += [f"> “{md_escape(q.text)}”", ">", f"> — {md_escape(q.citation)}", "",
                    f"_{md_escape(q.details())}_", ""]
            if q.comment:
                out += [f"Ghi chú: {md_escape(q.comment)}", ""]
    return "\n".join(out)


def _cell(value) -> object:
    # A cell starting with =, +, @ or - followed by no space is a formula to a spreadsheet ("CSV injection").
    if isinstance(value, str) and value[:1] in ("=", "+", "@", "\t", "\r") or (
            isinstance(value, str) and value[:1] == "-" and value[1:2] not in ("", " ")):
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
    document = {"format": "loike-quotes/1", "title": title, "filters": subtitle,
                "groups": [{"heading": g.heading, "quotes": [
                    {**q.record(), "witness": asdict(q.witness) if q.witness else None,
                     "events": q.events, "tags": q.tags} for q in g.quotes]} for g in groups]}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def describe(f: QuoteFilters, by: str, count: int) -> str:
    said = [f"{label} {value}" for label, value in (
        ("sự kiện", f.event), ("nhân vật", f.person), ("địa danh", f.place), ("xã", f.commune),
        ("bản ghi", f.interview)) if value]
    said += ["chỉ đoạn đã duyệt"] if f.verified_only else []
    said += ["gồm cả bản ghi hạn chế công bố"] if f.include_restricted else []
    grouped = "theo sự kiện" if by == "event" else "theo người kể"
    return (f"{count} trích dẫn, xếp {grouped}" + (f"; lọc: {', '.join(said)}" if said else "")
            + f"; lập ngày {date.today().strftime('%d/%m/%Y')}.")


def export_quotes(db: Database, archive: Archive, f: QuoteFilters = QuoteFilters(), fmt: str = "docx",
                  output: Path | None = None, by: str = "event", clips_dir: Path | None = None,
                  clip_format: str = "wav") -> QuoteReport:
    """Select, cite, group and write the quotes; cut a clip per quote into ``clips_dir`` if given."""
    if fmt not in FORMATS:
        raise ExportError(f"Unknown format {fmt!r}: use one of {', '.join(FORMATS)}.")
    if fmt == "docx" and output is None:
        raise ExportError("DOCX is not text and cannot be printed: give a file with -o, e.g. -o trich-dan.docx.")
    if clips_dir is not None:
        clips.check_encoder(clip_format)
    quotes, withheld = select(db, f)
    cite(quotes, archive)
    written = _cut_clips(archive, quotes, clips_dir, clip_format) if clips_dir is not None else []
    groups = group(quotes, by)
    title, subtitle = "Trích dẫn lời kể", describe(f, by, len(quotes))
    if fmt == "docx":
        data = word_documents.quotes_docx(groups, title, subtitle)
    else:
        text = {"md": lambda: to_markdown(groups, title, subtitle), "csv": lambda: to_csv(groups),
                "json": lambda: to_json(groups, title, subtitle)}[fmt]()
        data = text.encode("utf-8")
    if output is not None:
        try:
            files.write_atomic(output, data)
        except OSError as error:
            raise unwritable(output, error, "The quote list") from error
    log.info("%d quotes in %d groups; %d interviews withheld", len(quotes), len(groups), len(withheld))
    return QuoteReport(output, data, len(quotes), len(groups), withheld, written)


def _cut_clips(archive: Archive, quotes: list[Quote], folder: Path, fmt: str) -> list[Path]:
    taken: set[str] = set()
    written = []
    for q in quotes:
        name = clips.safe_name(f"{q.code} {q.range.replace(':', '.')} {q.citation}", f".{fmt}")
        stem, n = name[: -len(fmt) - 1], 2
        while name in taken:
            name, n = f"{stem} ({n}).{fmt}", n + 1
        taken.add(name)
        written.append(clips.cut(archive.audio_dir / f"{q.code}.wav", q.start, q.end, folder / name, fmt))
        q.clip = name
    return written
