"""A quote as the manuscript prints it (with its witness, role, citation and clip) and a group of them under a
heading: the records the quote export builds and the Word writer (``word_documents``) prints, here so that neither
imports the other's module for them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.database.models import Person
from pipeline.database.search_records import DatedEvent, QuoteTag
from pipeline.publishing.transcript import date_vn, minutes


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
    events: list[DatedEvent] = field(default_factory=list)  # earliest first
    tags: list[QuoteTag] = field(default_factory=list)  # on the quote itself
    comment: str | None = None
    citation: str = ""
    clip: str | None = None
    district: str | None = None  # of the place the interview was held in
    province: str | None = None
    holding_archive: str | None = None

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
            "id": self.id,
            "interview": self.code,
            "date": self.date,
            "date_vn": date_vn(self.date),
            "place": self.where,
            "district": self.district,
            "province": self.province,
            "witness": w.name if w else None,
            "birth_year": w.birth_year if w else None,
            "sex": w.sex if w else None,
            "role": self.role,
            "interviewers": "; ".join(self.interviewers),
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "time_range": self.range,
            "text": self.text,
            "citation": self.citation,
            "verified": self.verified,
            "consent": self.consent,
            "restricted": self.restricted,
            "events": "; ".join(e.name for e in self.events),
            "comment": self.comment,
            "clip": self.clip,
            "holding_archive": self.holding_archive,
        }


@dataclass
class QuoteGroup:
    heading: str
    quotes: list[Quote]


def inner_quotes(text: str) -> str:
    """Quotation marks inside a quote as Vietnamese prints them within “…”: ‘…’ (straight or curly doubles, in
    pairs; a lone one is left as it is)."""
    return re.sub(r"[\"“”]([^\"“”]*)[\"“”]", r"‘\1’", text)
