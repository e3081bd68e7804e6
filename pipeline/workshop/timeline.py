"""The timeline of the archive's events: for each, the date it was described with, the years the witnesses gave
(and who gave each), the date the workshop settled, and the questions still open, in the order they happened."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline import database
from pipeline.database import Database
from pipeline.database.workshop_records import Conclusion
from pipeline.errors import WorkshopError
from pipeline.workshop.dossier import dossier
from pipeline.workshop.gazetteer import Gazetteer
from pipeline.workshop.timespans import vn


@dataclass
class TimelineEntry:
    event_id: int
    name: str
    own: str | None
    """The date the event was described with ("19/08/1945", "1945 – 1954"), if any."""
    settled: Conclusion | None
    """The workshop's conclusion on its date, if there is one."""
    given: list[tuple[int, list[str]]] = field(default_factory=list)
    """Each year the witnesses gave, with who gave it."""
    passages: int = 0
    questions: list[str] = field(default_factory=list)
    """The aspects (date, place, people) where accounts differ."""
    open: list[str] = field(default_factory=list)
    """Of those, the ones no conclusion has settled yet."""

    @property
    def settled_label(self) -> str | None:
        if self.settled is None:
            return None
        return " – ".join(vn(d) for d in (self.settled.date_start, self.settled.date_end) if d)

    @property
    def sort_key(self) -> tuple:
        settled = self.settled.date_start if self.settled else None
        first = settled or _iso(self.own) or (f"{self.given[0][0]:04d}" if self.given else "9999")
        return (first, self.name)


def _iso(label: str | None) -> str | None:
    if not label:
        return None
    first = label.split(" – ")[0]
    return "-".join(reversed(first.split("/")))


def timeline(db: Database, gazetteer: Gazetteer, include_restricted: bool = False) -> list[TimelineEntry]:
    """Every event of the archive, earliest first (by its settled date, else its own, else the witnesses')."""
    entries = []
    for event in database.events(db):
        own = " – ".join(vn(d) for d in (event.date_start, event.date_end) if d) or None
        settled = database.conclusions_in_force(db, event.id).get("date")
        entry = TimelineEntry(event.id, event.name, own, settled)
        try:
            found = dossier(db, "event", event.id, gazetteer, include_restricted)
        except WorkshopError:  # no passage about it yet: it has its own date, or the workshop's, at most
            entries.append(entry)
            continue
        years: dict[int, list[str]] = {}
        for account in found.accounts:
            for passage in account.passages:
                for reading in passage.dates if passage.witness_speaks else []:
                    if reading.year is not None and account.name not in years.setdefault(reading.year, []):
                        years[reading.year].append(account.name)
        entry.given = sorted(years.items())
        entry.passages = found.passage_count
        entry.questions = [q.aspect for q in found.questions]
        entry.open = [aspect for aspect in entry.questions if aspect not in found.in_force]
        entries.append(entry)
    return sorted(entries, key=lambda e: e.sort_key)
