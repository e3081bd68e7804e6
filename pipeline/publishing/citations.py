"""Citations as the manuscript prints them: who told it (with the role held at the date of the event told), who
asked, when and where (commune, district, province), the recording and the minutes, "chưa duyệt" while an editor
has not verified the passage, and the archive that holds it; the wording lives in the archive's
``citation.txt.j2``. Quoted text takes Vietnamese inner quotation marks.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from pipeline import database
from pipeline.database import Database
from pipeline.database.models import Person
from pipeline.database.search_records import DatedEvent
from pipeline.publishing import templating
from pipeline.publishing.quote_records import Quote, inner_quotes
from pipeline.publishing.transcript import date_vn, minutes
from pipeline.settings import Archive

FORMER = ("nguyên ", "cựu ", "nay ", "hiện ")
DISTRICT_WORDS = ("huyện ", "quận ", "thị xã ", "thành phố ")
PROVINCE_WORDS = ("tỉnh ", "thành phố ")


def dated(db: Database, events: Iterable[DatedEvent]) -> list[DatedEvent]:
    """These events with the date a citation takes for each: the workshop's settled date when there is one (it wins
    over the date the event was described with), else the event's own."""
    found = []
    for event in events:
        when = database.event_date(db, event.id)
        found.append(replace(event, date_start=when.start, date_end=when.end) if when.settled else event)
    return found


def role_phrase(witness: Person, events: list[DatedEvent], interview_date: str | None) -> str | None:
    """The role the citation gives: the one held at the date of the quote's event (as ``dated`` gives it), else the
    latest held; "nguyên" (former) before it when it had ended by the interview and the title does not already say
    so."""
    if not witness.roles:
        return None
    years = [int(day[:4]) for day in (e.date_start for e in events) if day and day[:4].isdigit()]
    chosen = next(
        (r for r in witness.roles for y in years if r.start_year and r.start_year <= y <= (r.end_year or r.start_year)),
        None,
    )
    chosen = chosen or max(witness.roles, key=lambda r: r.start_year or 0)
    title = chosen.title
    ended = chosen.end_year and (not interview_date or chosen.end_year < int(interview_date[:4]))
    if ended and not title.lower().startswith(FORMER):
        title = f"nguyên {title}"
    return title


def place_phrase(name: str | None, kind: str) -> str | None:
    """ "Vũ Thư" → "huyện Vũ Thư", "Lào Cai" → "tỉnh Lào Cai"; a name that already says what it is stays."""
    if not name:
        return None
    words, default = (DISTRICT_WORDS, "huyện") if kind == "district" else (PROVINCE_WORDS, "tỉnh")
    return name if name.lower().startswith(words) else f"{default} {name}"


@functools.lru_cache(maxsize=4)
def _environment(root: Path) -> templating.Environment:
    """One environment per archive, so a page of each of a thousand interviews compiles the template once."""
    return templating.text_environment(root)


def cite(quotes: list[Quote], archive: Archive, start: str | None = None, end: str | None = None) -> None:
    """Fill each quote's citation from the archive's template (or the built-in one); ``start`` and ``end`` stand
    for the minutes when given (the published page fills them in as the reader listens)."""
    env = _environment(archive.root)
    for q in quotes:
        w = q.witness
        q.citation = templating.citation(
            env,
            quote={"id": q.id, "text": q.text, "quoted": inner_quotes(q.text), "verified": q.verified},
            witness={"name": w.name, "honorific": w.honorific, "birth_year": w.birth_year, "role": q.role}
            if w
            else None,
            interview={
                "code": q.code,
                "date_vn": date_vn(q.date) or "",
                "where": q.where,
                "district": place_phrase(q.district, "district"),
                "province": place_phrase(q.province, "province"),
                "interviewers": q.interviewers,
                "consent": q.consent,
            },
            archive={"name": q.holding_archive},
            start=start or minutes(q.start),
            end=end or minutes(q.end, up=True),
        )
