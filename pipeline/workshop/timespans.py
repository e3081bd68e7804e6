"""Stretches of time as the workshop writes them: a day, a month, a year or a period between two of them, as ISO
dates of their own precision ("1945", "1945-08", "1945-08-19", "1968-01/1968-02"), open at one end for "after"
and "before" ("1945-08/..").

``written_span`` reads what a person types (dd/mm/yyyy, mm/yyyy, yyyy, or two joined by a dash or "đến"): the
gazetteer's dates and the workshop's conclusions are written so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from pipeline.i18n import _

OPEN = ".."
"""An open end (ISO 8601-2): "1945-08/.." is from August 1945 on."""
WRITTEN = re.compile(r"^(?:(\d{1,2})/)?(?:(\d{1,2})/)?(\d{4})$")
BETWEEN = re.compile(r"\s*(?:–|—|-|\bđến\b|\bto\b)\s*")


@dataclass(frozen=True, slots=True)
class Span:
    """From ``start`` to ``end`` (both included), ISO dates at the precision they were known."""

    start: str
    end: str

    @property
    def value(self) -> str:
        """ "1945", "1945-09-02", or "1968-01/1968-02" for a stretch."""
        return self.start if self.start == self.end else f"{self.start}/{self.end}"

    @property
    def first_year(self) -> int | None:
        return _year(self.start)

    @property
    def last_year(self) -> int | None:
        return _year(self.end)

    @property
    def year(self) -> int | None:
        """The one year it lies in, if it lies in one."""
        first = self.first_year
        return first if first is not None and first == self.last_year else None

    def after(self) -> Span:
        return Span(self.end, OPEN)

    def before(self) -> Span:
        return Span(OPEN, self.start)

    def since(self) -> Span:
        return Span(self.start, OPEN)

    @property
    def label(self) -> str:
        """As people read it: "02/09/1945", "08/1945", "1945 – 1954", "sau 08/1945"."""
        if self.end == OPEN:
            return f"sau {vn(self.start)}"
        if self.start == OPEN:
            return f"trước {vn(self.end)}"
        return vn(self.start) if self.start == self.end else f"{vn(self.start)} – {vn(self.end)}"


def _year(iso: str) -> int | None:
    return int(iso[:4]) if iso[:4].isdigit() else None


def vn(iso: str) -> str:
    """ "1945-08-19" → "19/08/1945", "1945-08" → "08/1945", "--09-02" → "02/09"."""
    if iso.startswith("--"):
        return "/".join(reversed(iso[2:].split("-")))
    return "/".join(reversed(iso.split("-")))


def day(year: int | None, month: int, day_: int) -> str | None:
    """The ISO day, "--mm-dd" when the year is not known, None when there is no such day."""
    try:
        date(year or 2000, month, day_)  # 2000 is a leap year: 29/02 of an unknown year may be a day
    except ValueError:
        return None
    return f"{year:04d}-{month:02d}-{day_:02d}" if year else f"--{month:02d}-{day_:02d}"


def written_span(text: str) -> Span:
    """What a person typed as a date or a period: "1945", "08/1945", "19/08/1945", "12/1946 – 07/1954".

    Raises ValueError saying what is expected."""
    parts = [part for part in BETWEEN.split(text.strip(), maxsplit=1) if part]
    if not parts:
        raise ValueError(_("no date"))
    first = _written(parts[0])
    last = _written(parts[-1])
    if len(parts) == 2 and _padded(last, "99") < _padded(first, "00"):
        raise ValueError(_("“{text}” ends before it starts").format(text=text.strip()))
    return Span(first, last)


def _written(text: str) -> str:
    match = WRITTEN.match(text.strip())
    if not match:
        raise ValueError(_("“{text}” is not a date").format(text=text.strip()))
    one, two, year = match.groups()
    day_, month = (one, two) if two else (None, one)
    if month is not None and not 1 <= int(month) <= 12:
        raise ValueError(_("“{text}” has no month {month}").format(text=text.strip(), month=int(month)))
    if day_ is not None:
        iso = day(int(year), int(month), int(day_))
        if iso is None:
            raise ValueError(_("“{text}” is not a day of the calendar").format(text=text.strip()))
        return iso
    return f"{year}-{int(month):02d}" if month else year


def _padded(iso: str, filler: str) -> str:
    """An ISO date of any precision as a full day for comparing: "1946" → "1946-99-99" for its end."""
    return iso + f"-{filler}-{filler}"[len(iso) - 4 :] if len(iso) < 10 else iso
