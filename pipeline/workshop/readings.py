"""What the date reader hands out: each mention of a time in a passage, read, with the words it came from."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.i18n import N_, _
from pipeline.workshop.lifetime import Placed
from pipeline.workshop.timespans import Span

PRECISIONS = ("day", "month", "year", "season", "decade", "period")
PRECISION_VN = {
    "day": "ngày",
    "month": "tháng",
    "year": "năm",
    "season": "mùa",
    "decade": "thập niên",
    "period": "thời kỳ",
}


@dataclass(frozen=True)
class DateReading:
    """One mention of a time in a passage, read."""

    words: str
    """The words it came from, as written."""
    start: int
    end: int
    """Where the words are in the passage (character offsets)."""
    precision: str
    """day, month, year, season (also the start, middle or end of a year, and Tết), decade or period."""
    span: Span
    how: str
    """words (numbers said in words), digits, can-chi or gazetteer."""
    label: str
    """As a Vietnamese reader reads it: "02/09/1945", "mùa xuân 1975", "sau Cách mạng tháng Tám (08/1945)"."""
    relation: str = "at"
    """at, after ("sau Cách mạng tháng Tám", "sau năm 1954"), before ("trước …") or since ("từ ngày toàn quốc
    kháng chiến")."""
    placed: Placed | None = None
    """For a year said without its century, or a can-chi year: the birth year it was placed by."""
    period: str | None = None
    """The gazetteer's name of the period, for a period."""

    @property
    def value(self) -> str:
        """ISO: "1945", "1945-08", "1945-09-02", "--09-02" (a day of an unknown year), "1960/1969", "1945-08/.."."""
        return self.span.value

    @property
    def year(self) -> int | None:
        """The one year this mention puts the thing in, if it puts it in one."""
        return self.span.year if self.relation == "at" else None

    @property
    def rule(self) -> str | None:
        """How a year without its century (or a can-chi year) was placed, in English."""
        if self.placed is None:
            return None
        if self.placed.known:
            return f"placed in the life of a witness born in {self.placed.born}"
        return f"no birth year: placed as for a witness born in {self.placed.born}"

    def record(self) -> dict:
        """Plain values, for JSON."""
        fields = ("words", "start", "end", "precision", "value", "label", "year", "relation", "how", "period", "rule")
        return {name: getattr(self, name) for name in fields}

    @property
    def rule_vn(self) -> str | None:
        if self.placed is None:
            return None
        if self.placed.known:
            return f"tính theo năm sinh {self.placed.born}"
        return f"chưa rõ năm sinh: tính như người sinh năm {self.placed.born}"


@dataclass
class DateScan:
    readings: list[DateReading] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """One sentence each: a can-chi year spelled in a way Lời Kể does not know, or that does not exist."""
    problems_vn: list[str] = field(default_factory=list)
    """The same in Vietnamese, for the dossier."""


PRECISION_WORDS = (N_("day"), N_("month"), N_("year"), N_("season"), N_("decade"), N_("period"))
"""The precisions marked for the catalog: the command line says them in the language spoken."""


def describe(reading: DateReading) -> str:
    """One line for the command line: ``năm bốn lăm → 1945 (year; placed in the life of …)``."""
    rule = None
    if reading.placed is not None:
        placed = (
            _("placed in the life of a witness born in {year}")
            if reading.placed.known
            else _("no birth year: placed as for a witness born in {year}")
        )
        rule = placed.format(year=reading.placed.born)
    extra = "; ".join(x for x in (_(reading.precision), reading.period, rule) if x)
    return f"{reading.words} → {reading.label} [{reading.value}] ({extra})"
