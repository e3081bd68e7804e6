"""The dossier (hồ sơ) of an event, person or place: every passage of every interview that is tagged with it or
names it (or one of its other names, or former names), grouped by witness, each with what was read from it: the
dates (placed by the witness's birth year), the places and the people.

Who speaks a passage: the person an editor or the speaker labels say, else the interview's witness when it has
one. An interviewer's question is listed under them and weighs in no comparison. Passages of interviews that may
not be published (``publishing.transcript.publishable``) are left out and counted unless ``include_restricted``;
taken in, they are marked. Words of the subject's own names are not read for dates, places or people: "Cách mạng
tháng Tám" as the event's name is no witness's date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pipeline import database
from pipeline.database import Database
from pipeline.database.models import Person
from pipeline.database.search_records import DatedEvent
from pipeline.database.workshop_records import AboutPassage, EventDate
from pipeline.errors import NotFound, WorkshopError
from pipeline.i18n import N_, _
from pipeline.publishing import redaction
from pipeline.publishing.citations import role_phrase
from pipeline.publishing.transcript import publishable
from pipeline.text import fold
from pipeline.workshop import questions
from pipeline.workshop.dates import scan_dates
from pipeline.workshop.dossier_records import Account, Dossier, DossierPassage, Named
from pipeline.workshop.gazetteer import Gazetteer
from pipeline.workshop.timespans import vn
from pipeline.workshop.words import Names, words

KINDS = ("event", "person", "place")
SEVERAL = {
    "event": N_(
        "“{key}” names several of the archive's events ({numbers}): give its number (`loike events` lists them)."
    ),
    "person": N_(
        "“{key}” names several of the archive's people ({numbers}): give its number (`loike people` lists them)."
    ),
    "place": N_(
        "“{key}” names several of the archive's places ({numbers}): give its number (`loike places` lists them)."
    ),
}
NONE = {
    "event": N_("“{key}” names none of the archive's events: give its number (`loike events` lists them)."),
    "person": N_("“{key}” names none of the archive's people: give its number (`loike people` lists them)."),
    "place": N_("“{key}” names none of the archive's places: give its number (`loike places` lists them)."),
}


@dataclass(frozen=True)
class Subject:
    kind: str
    id: int
    name: str
    other_names: list[str]
    facts: list[tuple[str, str]]
    date: EventDate | None = None


def subject(db: Database, kind: str, key: str | int) -> Subject:
    """The event, person or place a user named (by number, name or other name); one sentence when none or
    several are so called."""
    if kind not in KINDS:
        raise WorkshopError(_("Unknown kind {kind!r}: use one of {known}.").format(kind=kind, known=", ".join(KINDS)))
    found = _ids(db, kind, str(key).strip())
    if len(found) != 1:
        numbers = ", ".join(map(str, sorted(found)))
        raise WorkshopError(_(SEVERAL[kind] if found else NONE[kind]).format(key=key, numbers=numbers))
    return _subject(db, kind, found.pop())


def _ids(db: Database, kind: str, key: str) -> set[int]:
    if key.isdigit():
        exists = {"event": database.event, "place": database.place}.get(kind)
        if exists is not None:
            return {int(key)} if exists(db, int(key)) else set()
        return {p.id for p in database.people(db) if p.id == int(key)}
    named = {"event": database.events_named, "person": database.people_named, "place": database.places_named}[kind]
    try:
        ids = set(named(db, key))
    except NotFound:
        return set()
    if kind == "person":
        ids &= {p.id for p in database.people(db)}  # the records merged away name the same person
    if kind == "place":  # a place's search takes the places under it; the dossier is of the one named
        ids = {i for i in ids if (p := database.place(db, i)) and _spelt(key) in map(_spelt, [p.name, *p.former_names])}
    return ids


def _spelt(name: str) -> str:
    return fold(name).removeprefix("xa ").removeprefix("phuong ")


def _subject(db: Database, kind: str, sid: int) -> Subject:
    if kind == "event" and (event := database.event(db, sid)) is not None:
        when = database.event_date(db, sid)
        period = " – ".join(vn(d) for d in (when.start, when.end) if d)
        settled = " (hội thảo đã thống nhất)" if when.settled else ""
        facts = [("Thời gian", period + settled if period else "chưa rõ"), ("Nơi", event.place or "")]
        return Subject(kind, sid, event.name, event.aliases, [f for f in facts if f[1]], when)
    if kind == "place" and (place := database.place(db, sid)) is not None:
        facts = [("Thuộc", place.parent or ""), ("Tên cũ", "; ".join(place.former_names))]
        return Subject(kind, sid, place.name, place.former_names, [f for f in facts if f[1]])
    if kind != "person":
        raise WorkshopError(
            _("There is no {kind} {number}: `loike {kind}s` lists them with their numbers.").format(
                kind=kind, number=sid
            )
        )
    person = database.person(db, sid)
    facts = [("Năm sinh", str(person.birth_year or "")), ("Chức vụ", person.roles_text)]
    return Subject(kind, sid, person.name, [], [f for f in facts if f[1]])


def dossier(db: Database, kind: str, key: str | int, gazetteer: Gazetteer, include_restricted: bool = False) -> Dossier:
    """The dossier of the event (person, place) ``key``; WorkshopError when it has no passage at all."""
    about = subject(db, kind, key)
    found = database.passages_about(db, kind, about.id, [about.name, *about.other_names])
    if not found:
        raise WorkshopError(
            _(
                "No passage is about the {kind} “{name}” yet: tag passages with it (`loike tag INTERVIEW LINE "
                "--{kind} {number}`, or in `loike serve`), or check its name and other names."
            ).format(kind=kind, name=about.name, number=about.id)
        )
    reader = _Reader(db, about, gazetteer)
    accounts: dict[str, Account] = {}
    withheld: dict[str, int] = {}
    closing: dict[int, list] = {}  # passages an editor closed to the public until a date (embargoed)
    for r in redaction.in_force(database.redactions(db)):
        closing.setdefault(r.interview_id, []).append(r)
    for passage in found:
        spans = closing.get(passage.interview_id, [])
        closed = next((r for r in spans if r.start < passage.end and r.end > passage.start), None)
        restricted = closed is not None or not publishable(passage.consent_status, passage.consent_until)
        if restricted and not include_restricted:
            withheld[passage.code] = withheld.get(passage.code, 0) + 1
            continue
        reader.add(accounts, passage, restricted, closed.until if closed else None)
    made = Dossier(
        kind, about.id, about.name, about.other_names, about.facts, sorted(accounts.values(), key=_order),
        include_restricted, withheld, when=about.date,
    )  # fmt: skip
    told = {p.code for a in made.accounts for p in a.passages} | set(withheld)
    made.silent = [code for code in database.interviews_naming(db, kind, about.id) if code not in told]
    if kind == "event":
        made.questions = questions.compare(made)
        made.conclusions = database.conclusions(db, about.id)
    return made


def _order(account: Account) -> tuple:
    return (account.witness is None, account.passages[0].code if account.passages else "", account.name)


class _Reader:
    """Reads each passage with what its interview says of who speaks and when they were born."""

    def __init__(self, db: Database, about: Subject, gazetteer: Gazetteer):
        self.db, self.about, self.gazetteer = db, about, gazetteer
        self.own_names: Names[bool] = Names((name, True) for name in [about.name, *about.other_names])
        self.names: Names[tuple[str, int, str]] = Names(
            [(name, ("place", p.id, p.name)) for p in database.places(db) for name in [p.name, *p.former_names]]
            + [(p.name, ("person", p.id, p.name)) for p in database.people(db)]
        )
        self.interviews: dict[int, tuple] = {}
        # The witness's role "at the time" is the one held at the event's settled date, else at its own.
        when = about.date
        dated = when is not None and (when.start or "")[:4].isdigit()
        self.when = [DatedEvent(about.id, about.name, when.start, when.end)] if when and dated else []

    def _interview(self, interview_id: int) -> tuple:
        if interview_id not in self.interviews:
            witnesses = database.people_in_role(self.db, interview_id, "witness")
            interviewers = {p.id for p in database.people_in_role(self.db, interview_id, "interviewer")}
            tags = database.interview_tags(self.db, interview_id)
            self.interviews[interview_id] = (witnesses, interviewers, tags, database.person_names(self.db))
        return self.interviews[interview_id]

    def add(self, accounts: dict[str, Account], found: AboutPassage, restricted: bool, closed: str | None) -> None:
        witnesses, interviewers, tags, names = self._interview(found.interview_id)
        by_id = {w.id: w for w in witnesses}
        speaker = by_id.get(found.person_id) if found.person_id else (witnesses[0] if len(witnesses) == 1 else None)
        passage = DossierPassage(
            found.segment_id, found.code, found.idx, found.start, found.end, found.text, found.review_status,
            found.how, names.get(found.person_id) or found.speaker, speaker is not None,
            found.consent_status, restricted, found.interview_date, bool(found.flags), found.interview_id,
            closed_until=closed,
        )  # fmt: skip
        self._read(passage, speaker, tags.get(found.segment_id, []), interviewers | {found.person_id})
        account = self._account(accounts, found, speaker, names)
        account.passages.append(passage)
        if found.code not in account.interviews:
            account.interviews.append(found.code)

    def _account(self, accounts: dict[str, Account], found: AboutPassage, speaker: Person | None, names) -> Account:
        if speaker is not None:
            key, name = str(speaker.id), _called(speaker)
        elif found.person_id is not None:
            key, name = str(found.person_id), f"{names.get(found.person_id, '?')} (người phỏng vấn)"
        else:
            key, name = f"?{found.code}", f"Người kể chưa rõ ({found.code})"
        if key not in accounts:
            role = None
            if speaker is not None:
                role = role_phrase(speaker, self.when, found.interview_date) if self.when else None
                role = role or speaker.roles_text or None
            accounts[key] = Account(key, name, speaker, role)
        return accounts[key]

    def _read(self, passage: DossierPassage, speaker: Person | None, tags: list, leave_out: set) -> None:
        said = words(passage.text)
        own = {n for first, stop, _ in self.own_names.find(said) for n in range(said[first].start, said[stop - 1].end)}
        said_on = (passage.interview_date or "")[:4]
        year = int(said_on) if said_on.isdigit() else date.today().year
        scan = scan_dates(passage.text, speaker.birth_year if speaker else None, year, self.gazetteer)
        passage.dates = [r for r in scan.readings if not own & set(range(r.start, r.end))]
        passage.date_problems = scan.problems_vn
        named = [Named(t.kind, t.id, t.name, True) for t in tags if t.kind in ("place", "person")]
        for first, _stop, (kind, nid, name) in self.names.find(said):
            if said[first].start not in own:
                named.append(Named(kind, nid, name))
        leave_out = leave_out | ({speaker.id} if speaker else set())
        mine = (self.about.kind, self.about.id)
        kept: dict[tuple[str, int], Named] = {}
        for n in named:  # tags first: a tagged name stays marked so
            if (n.kind, n.id) != mine and not (n.kind == "person" and n.id in leave_out):
                kept.setdefault((n.kind, n.id), n)
        passage.places = [n for n in kept.values() if n.kind == "place"]
        passage.people = [n for n in kept.values() if n.kind == "person"]


def _called(person: Person) -> str:
    """ "ông Nguyễn Văn Hùng", as the questions name a witness."""
    return f"{person.honorific} {person.name}".strip()
