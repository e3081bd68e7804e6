"""Dates read from what witnesses said: "năm bốn lăm", "ngày hai tháng chín", "hồi Mậu Thân", "sau Cách mạng tháng
Tám", "mùa xuân năm bảy lăm", "những năm sáu mươi", in words or digits, lower case or not, with or without
punctuation, each read into a date or a stretch of time with its precision and the words it came from.

"năm" is both "year" and "five": it starts a year only when a number of a year's shape follows ("năm bốn lăm",
"năm 1945", not "năm người", "năm ngoái", "năm năm", "năm hai mươi tuổi"). Years said without their century and
can-chi years are placed in the witness's life (``lifetime``); named periods come from the gazetteer. Where two
readings overlap the longer one wins ("những năm sáu mươi" is a decade, not the year 1960).

    scan_dates("hồi năm bốn lăm, sau Cách mạng tháng Tám", born=1932).readings
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date

from pipeline.i18n import N_, _
from pipeline.workshop import cues, lifetime
from pipeline.workshop.gazetteer import Gazetteer
from pipeline.workshop.lifetime import Placed
from pipeline.workshop.numbers import WORDS as NUMBER_WORDS
from pipeline.workshop.numbers import Number, numbers_at
from pipeline.workshop.readings import DateReading, DateScan
from pipeline.workshop.timespans import Span, day, vn
from pipeline.workshop.words import Word, words


def scan_dates(
    text: str, born: int | None = None, said: int | None = None, gazetteer: Gazetteer | None = None
) -> DateScan:
    """Every date, season, decade and named period mentioned in ``text``, in the order said.

    ``born`` is the witness's birth year (years without a century and can-chi years are placed in their life),
    ``said`` the year the interview was recorded (nothing is read as later; default this year), ``gazetteer``
    the named periods (none when not given: ``gazetteer.load``)."""
    reader = _Reader(unicodedata.normalize("NFC", text), born, said or date.today().year, gazetteer)
    readings = reader.readings()
    problems = list(dict.fromkeys(reader.problems))
    return DateScan(readings, [en for en, _vn in problems], [vn for _en, vn in problems])


def read_dates(
    text: str, born: int | None = None, said: int | None = None, gazetteer: Gazetteer | None = None
) -> list[DateReading]:
    """``scan_dates(...).readings``."""
    return scan_dates(text, born, said, gazetteer).readings


@dataclass
class _Found:
    first: int
    stop: int
    precision: str
    span: Span
    how: str
    label: str
    relation: str = "at"
    placed: Placed | None = None
    period: str | None = None
    rank: int = 1
    """Between two readings of the same words the lower rank wins: the gazetteer knows more than the calendar."""


@dataclass(frozen=True)
class _Year:
    year: int
    length: int
    how: str
    placed: Placed | None


class _Reader:
    def __init__(self, text: str, born: int | None, said: int, gazetteer: Gazetteer | None):
        self.text, self.born, self.said, self.gazetteer = text, born, said, gazetteer
        self.words = words(text)
        self.lower = [w.lower for w in self.words]
        self.problems: list[tuple[str, str]] = []
        """(in English, in Vietnamese)"""

    def readings(self) -> list[DateReading]:
        chosen: list[_Found] = []
        taken: set[int] = set()
        found = sorted(self._everything(), key=lambda f: (-(f.stop - f.first), f.rank, f.first))
        for f in found:
            if not taken & set(range(f.first, f.stop)):
                chosen.append(f)
                taken |= set(range(f.first, f.stop))
        return [self._reading(self._bounded(f)) for f in sorted(chosen, key=lambda f: f.first)]

    def _bounded(self, f: _Found) -> _Found:
        """ "sau năm 1954" is after 1954, "trước ngày 19/8/1945" before that day."""
        relation = cues.RELATIONS.get(self._word(f.first - 1), "at")
        if f.relation != "at" or relation not in ("after", "before") or self._word(f.first) not in cues.FIRST_WORDS:
            return f
        span = f.span.after() if relation == "after" else f.span.before()
        label = f"{self._word(f.first - 1)} {f.label}"
        return replace(f, first=f.first - 1, span=span, relation=relation, label=label)

    def _reading(self, f: _Found) -> DateReading:
        start, end = self.words[f.first].start, self.words[f.stop - 1].end
        return DateReading(
            self.text[start:end], start, end, f.precision, f.span, f.how, f.label, f.relation, f.placed, f.period
        )

    def _everything(self) -> Iterator[_Found]:
        for i, word in enumerate(self.words):
            yield from self._periods(i)
            yield from self._can_chi(i)
            if word.text[0].isdigit():
                yield from self._digits(i)
            if word.lower == "năm":
                yield from self._year(i)
            elif word.lower in ("một", "hai") and self._word(i - 1) not in NUMBER_WORDS:
                yield from self._year_in_words(i)
            if word.lower == "tháng":
                yield from self._month(i)
            if word.lower in cues.DAY_WORDS or self._number_before_month(i):
                yield from self._day(i)
            if word.lower in cues.PARTS_OF_YEAR or word.lower in ("mùa", "tết"):
                yield from self._part_of_year(i)
            yield from self._decade(i)

    # ---------------------------------------------------------------- numbers

    def _word(self, i: int) -> str:
        return self.lower[i] if 0 <= i < len(self.lower) else ""

    def _counted(self, i: int, counted: set[str]) -> bool:
        pair = (self._word(i), self._word(i + 1))
        return pair not in cues.NOT_COUNTED and (pair[0] in counted or pair in cues.COUNTED_PAIRS)

    def year_at(self, i: int) -> _Year | None:
        """A year starting at word ``i``: four digits or a year in words, or a year without its century."""
        found = self._year_number(i)
        if found is None or self._counted(i + found.length, cues.COUNTED):
            return None
        return found

    def _year_number(self, i: int) -> _Year | None:
        word = self._word(i)
        if word.isdigit():
            return self._placed(int(word), 1, "digits", short=len(word) == 2)
        for number in numbers_at(self.lower, i):
            if number.form in ("full", "digits") and number.value >= 1000:
                return self._placed(number.value, number.length, "words", short=False)
            if number.form in ("tens", "short"):
                return self._placed(number.value, number.length, "words", short=True)
        return None

    def _placed(self, value: int, length: int, how: str, short: bool) -> _Year | None:
        if short:
            placed = lifetime.short_year(value, self.born, self.said) if 20 <= value <= 99 else None
            return _Year(placed.year, length, how, placed) if placed else None
        return _Year(value, length, how, None) if lifetime.EARLIEST <= value <= self.said else None

    def _small(self, i: int, largest: int) -> Number | None:
        """A day or month number at word ``i``, in digits or words, up to ``largest``."""
        word = self._word(i)
        if word.isdigit():
            return Number(int(word), 1, "digits") if 1 <= int(word) <= largest else None
        if largest == 12 and word in cues.MONTH_WORDS:
            return Number(cues.MONTH_WORDS[word], 1, "single")
        return next((n for n in numbers_at(self.lower, i) if 1 <= n.value <= largest and n.form != "full"), None)

    # ---------------------------------------------------------------- the kinds of mention

    def _year(self, i: int) -> Iterator[_Found]:
        parts = self._split_digits(self.words[i + 1].text) if i + 1 < len(self.words) else []
        if len(parts) == 2 and all(len(p) == 2 for p in parts):  # "năm 46-47"
            first, last = (self._placed(int(p), 1, "digits", short=True) for p in parts)
            if first and last and first.year < last.year:
                span = Span(str(first.year), str(last.year))
                yield _Found(i, i + 2, "period", span, "digits", span.label, placed=first.placed)
            return
        found = self.year_at(i + 1)
        if found:
            span = Span(str(found.year), str(found.year))
            yield _Found(i, i + 1 + found.length, "year", span, found.how, str(found.year), placed=found.placed)

    def _year_in_words(self, i: int) -> Iterator[_Found]:
        """ "một nghìn chín trăm bốn lăm" said without "năm"."""
        number = next(iter(numbers_at(self.lower, i)), None)
        if number is None or number.form != "full" or not lifetime.EARLIEST <= number.value <= self.said:
            return
        if not self._counted(i + number.length, cues.COUNTED_AFTER_DIGITS):
            year = str(number.value)
            yield _Found(i, i + number.length, "year", Span(year, year), "words", year)

    def _digits(self, i: int) -> Iterator[_Found]:
        parts = self._split_digits(self.words[i].text)
        if len(parts) == 3 and len(parts[2]) == 4:
            iso = day(int(parts[2]), int(parts[1]), int(parts[0])) if int(parts[2]) <= self.said else None
            if iso:
                yield _Found(i, i + 1, "day", Span(iso, iso), "digits", vn(iso))
        elif len(parts) == 2 and len(parts[0]) <= 2 and len(parts[1]) == 4 and 1 <= int(parts[0]) <= 12:
            iso = f"{parts[1]}-{int(parts[0]):02d}"
            if lifetime.EARLIEST <= int(parts[1]) <= self.said:
                yield _Found(i, i + 1, "month", Span(iso, iso), "digits", vn(iso))
        elif len(parts) == 2 and all(len(p) == 4 for p in parts) and parts[0] < parts[1] <= str(self.said):
            yield _Found(i, i + 1, "period", Span(parts[0], parts[1]), "digits", f"{parts[0]} – {parts[1]}")
        elif len(parts) == 1 and len(parts[0]) == 4 and self._word(i - 1) != "số":
            value = int(parts[0])
            if lifetime.EARLIEST <= value <= self.said and not self._counted(i + 1, cues.COUNTED_AFTER_DIGITS):
                yield _Found(i, i + 1, "year", Span(parts[0], parts[0]), "digits", parts[0])

    @staticmethod
    def _split_digits(token: str) -> list[str]:
        for separator in "/.-–":
            token = token.replace(separator, " ")
        return token.split()

    def _month(self, i: int) -> Iterator[_Found]:
        found = self._month_and_year(i)
        if found is None:
            return
        month, year, stop = found
        if year is not None:
            iso = f"{year.year}-{month:02d}"
            yield _Found(i, stop, "month", Span(iso, iso), year.how, vn(iso), placed=year.placed)

    def _month_and_year(self, i: int) -> tuple[int, _Year | None, int] | None:
        """After "tháng" at ``i``: the month, the year if one follows ("năm 1945", "8/1945"), where it ends."""
        parts = self._split_digits(self.words[i + 1].text) if i + 1 < len(self.words) else []
        if len(parts) == 2 and len(parts[1]) == 4 and 1 <= int(parts[0]) <= 12:  # "tháng 8/1945"
            year = self._placed(int(parts[1]), 1, "digits", short=False)
            return (int(parts[0]), year, i + 2) if year else None
        month = self._small(i + 1, 12)
        if month is None:
            return None
        stop = i + 1 + month.length
        year = self.year_at(stop + 1) if self._word(stop) == "năm" else None
        return month.value, year, stop + 1 + year.length if year else stop

    def _number_before_month(self, i: int) -> bool:
        """ "ba mươi tháng tư": a day of ten or more said without "ngày" (a smaller one is a count of months)."""
        if "tháng" not in self.lower[i + 1 : i + 4]:
            return False
        number = self._small(i, 31)
        return bool(number and number.value >= 10 and self._word(i + number.length) == "tháng")

    def _day(self, i: int) -> Iterator[_Found]:
        at = i + 1 if self._word(i) in cues.DAY_WORDS else i
        at += self._word(at) in ("mồng", "mùng")
        parts = self._split_digits(self.words[at].text) if at < len(self.words) else []
        if len(parts) in (2, 3) and all(len(p) <= 2 for p in parts[:2]):  # "ngày 19/8", "ngày 2/9/1945"
            year = self._placed(int(parts[2]), 1, "digits", short=len(parts[2]) == 2) if len(parts) == 3 else None
            iso = day(year.year if year else None, int(parts[1]), int(parts[0]))
            if iso and (year or len(parts) == 2):
                yield _Found(i, at + 1, "day", Span(iso, iso), "digits", vn(iso), placed=year.placed if year else None)
            return
        number = self._small(at, 31)
        if number is None or self._word(at + number.length) != "tháng":
            return
        month = self._month_and_year(at + number.length)
        if month is None:
            return
        month_number, year, stop = month
        iso = day(year.year if year else None, month_number, number.value)
        if iso:
            how = year.how if year else ("digits" if number.form == "digits" else "words")
            yield _Found(i, stop, "day", Span(iso, iso), how, vn(iso), placed=year.placed if year else None)

    def _part_of_year(self, i: int) -> Iterator[_Found]:
        """ "mùa xuân năm bảy lăm", "mùa thu 1945", "đầu năm sáu mươi", "cuối năm 1946", "Tết Mậu Thân", "tết 1968"."""
        word = self._word(i)
        if word == "mùa":
            if self._word(i + 1) not in cues.SEASONS:
                return
            months, name, at = cues.SEASONS[self._word(i + 1)], f"mùa {self._word(i + 1)}", i + 2
        elif word == "tết":
            months, name, at = (1, 2), "Tết", i + 1
        else:
            if self._word(i + 1) != "năm":
                return
            months, name, at = cues.PARTS_OF_YEAR[word], f"{word} năm", i + 1
        if self._word(at) == "năm":
            at += 1
            year = self.year_at(at)
        else:
            year = self.year_at(at) if self._word(at).isdigit() else None
        if year is None and word == "tết":
            year = self._can_chi_year(at)
        if year is None:
            return
        first, last = f"{year.year}-{months[0]:02d}", f"{year.year}-{months[1]:02d}"
        label = f"{name} {year.year}"
        yield _Found(i, at + year.length, "season", Span(first, last), year.how, label, placed=year.placed)

    def _decade(self, i: int) -> Iterator[_Found]:
        part = cues.PARTS_OF_DECADE.get(self._word(i))
        at = i + 1 if part else i
        if (self._word(at), self._word(at + 1)) not in cues.DECADE_WORDS:
            return
        number = self._decade_number(at + 2)
        if number is None:
            return
        decade, length, how, placed = number
        low, high = part or (0, 9)
        span = Span(str(decade + low), str(decade + high))
        before = f"{self._word(i)} " if part else ""
        yield _Found(i, at + 2 + length, "decade", span, how, f"{before}những năm {decade}", placed=placed)

    def _decade_number(self, i: int) -> tuple[int, int, str, Placed | None] | None:
        word = self._word(i)
        if word.isdigit() and len(word) in (2, 4) and int(word) % 10 == 0:
            found = self._placed(int(word), 1, "digits", short=len(word) == 2)
        else:
            numbers = numbers_at(self.lower, i)
            longest = numbers[0] if numbers else None
            if longest is None or longest.value % 10 or longest.form not in ("tens", "full"):
                return None
            found = self._placed(longest.value, longest.length, "words", short=longest.form == "tens")
        return (found.year, found.length, found.how, found.placed) if found else None

    def _can_chi(self, i: int) -> Iterator[_Found]:
        year = self._can_chi_year(i)
        if year is not None:
            start = i - 1 if self._word(i - 1) == "năm" else i
            yield _Found(start, i + 2, "year", Span(str(year.year), str(year.year)), "can-chi",
                         f"{lifetime.can_chi_name(year.year)} ({year.year})", placed=year.placed)  # fmt: skip

    def _can_chi_year(self, i: int) -> _Year | None:
        """The can-chi year named at ``i`` ("Mậu Thân"), or None; an impossible pair is a problem."""
        if i + 1 >= len(self.words) or not lifetime.may_be_can_chi(self.words[i], self.words[i + 1]):
            return None
        one, two = self.words[i], self.words[i + 1]
        stem, branch = lifetime.STEM_SPELLINGS.get(one.lower), lifetime.BRANCH_SPELLINGS.get(two.lower)
        context = self._word(i - 1) in cues.CAN_CHI_CONTEXT or (one.capital and two.capital)
        if context and stem is None and branch is not None:
            stem = self._other_spelling(one, two, lifetime.PLAIN_STEMS, lifetime.STEMS, f"{{}} {two.text}")
        elif context and branch is None and stem is not None:
            branch = self._other_spelling(two, one, lifetime.PLAIN_BRANCHES, lifetime.BRANCHES, f"{one.text} {{}}")
        if stem is None or branch is None:
            return None
        if not lifetime.pairs(stem, branch):
            if context:
                said, stem_name, branches = (
                    f"{one.text} {two.text}",
                    lifetime.STEMS[stem],
                    lifetime.BRANCHES[stem % 2 :: 2],
                )
                self._problem(
                    N_("“{said}” is not a year of the can-chi cycle ({stem} pairs only with {branches}): check how it "
                    "was said and correct it."),
                    "“{said}” không phải là một năm trong vòng can chi ({stem} chỉ đi với {branches}): nghe lại lời "
                    "kể và sửa đoạn này.",
                    said=said, stem=stem_name, branches=", ".join(branches),
                )  # fmt: skip
            return None
        placed = lifetime.can_chi_year(stem, branch, self.born, self.said)
        return _Year(placed.year, 2, "can-chi", placed) if placed else None

    def _problem(self, english: str, vietnamese: str, **values: str) -> None:
        """A problem in the language spoken (``english`` marked for the catalog) and in Vietnamese."""
        self.problems.append((_(english).format(**values), vietnamese.format(**values)))

    def _other_spelling(self, word: Word, other: Word, plain: dict, names: tuple, name: str) -> int | None:
        """After "năm", "hồi" …, one word of a can-chi name spelt right and ``word`` not: read with other marks
        ("Mậu Thăn") and said so, or a letter off ("Mậu Thâm") and said to be unknown."""
        found = plain.get(word.folded)
        said = name.format(word.text)
        if found is not None:
            meant = name.format(names[found])
            self._problem(
                N_("“{said}” was read as {meant}: correct the passage if that is not what was said."),
                "“{said}” được đọc là {meant}: nếu người kể không nói vậy, hãy sửa đoạn này.",
                said=said, meant=meant,
            )  # fmt: skip
        elif guess := lifetime.near(word.folded, list(names)):
            self._problem(
                N_("“{said}” is not a can-chi year Lời Kể knows: if “{guess}” was meant, correct the passage; it is "
                "left undated."),
                "“{said}” không phải là năm can chi Lời Kể biết: nếu người kể nói “{guess}”, hãy sửa đoạn này; năm "
                "ấy chưa được tính.",
                said=said, guess=name.format(guess),
            )  # fmt: skip
        return found

    def _periods(self, i: int) -> Iterator[_Found]:
        if self.gazetteer is None:
            return
        match = self.gazetteer.match(self.words, i)
        if match is None:
            return
        period, length = match
        relation = cues.RELATIONS.get(self._word(i - 1), "at")
        if relation == "since" and self._word(i - 2) == "sau":  # "từ sau Cách mạng"
            relation = "at"
        span = {"after": period.span.after, "before": period.span.before, "since": period.span.since}.get(
            relation, lambda: period.span
        )()
        first = i - (relation != "at")
        label = {"after": "sau ", "before": "trước ", "since": "từ "}.get(relation, "") + period.label
        yield _Found(first, i + length, "period", span, "gazetteer", label, relation, period=period.name, rank=0)
