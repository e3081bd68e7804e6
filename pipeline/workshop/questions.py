"""Where the witnesses' accounts of an event differ: for each aspect (the year, the place, the people), what each
witness gives in their passages about it is compared, and a difference becomes a question for the workshop, with
the passages on each side cited.

A witness gives a year when a date read from one of their passages falls in one year ("năm bốn lăm", "ngày
19/8/1945", "hồi Mậu Thân"; not "sau Cách mạng tháng Tám" nor "những năm sáu mươi"); a place or a person when a
passage names it or an editor tagged it. Only witnesses who give something on an aspect are compared on it, and
there is a question when two of them give different sets: a witness who says nothing of the place disagrees with
nobody about it. Passages an interviewer speaks weigh in nothing.
"""

from __future__ import annotations

from pipeline.workshop.dossier_records import Account, Dossier, DossierPassage, Question, Side

TITLES = {"date": "Năm", "place": "Nơi", "people": "Người tham gia"}
VERBS = {"date": "nói", "place": "nói", "people": "nêu"}


def compare(dossier: Dossier) -> list[Question]:
    """The questions an event's dossier raises, one per aspect at most: the year, the place, the people."""
    found = []
    for aspect, given in (("date", _years), ("place", _places), ("people", _people)):
        question = _question(dossier, aspect, {a.key: given(a) for a in dossier.accounts if a.witness is not None})
        if question is not None:
            found.append(question)
    return found


Given = dict[str, tuple[str, list[DossierPassage]]]
"""What one witness gives on an aspect: a sort key for each value, with its label and the passages."""


def _years(account: Account) -> Given:
    given: Given = {}
    for passage in _spoken(account):
        for reading in passage.dates:
            if reading.year is not None:
                given.setdefault(f"{reading.year:04d}", (str(reading.year), []))[1].append(passage)
    return given


def _places(account: Account) -> Given:
    given: Given = {}
    for passage in _spoken(account):
        for place in passage.places:
            given.setdefault(f"{place.name}#{place.id}", (place.name, []))[1].append(passage)
    return given


def _people(account: Account) -> Given:
    given: Given = {}
    for passage in _spoken(account):
        for person in passage.people:
            given.setdefault(f"{person.name}#{person.id}", (person.name, []))[1].append(passage)
    return given


def _spoken(account: Account) -> list[DossierPassage]:
    return [p for p in account.passages if p.witness_speaks]


def _question(dossier: Dossier, aspect: str, given: dict[str, Given]) -> Question | None:
    speaking = {key: values for key, values in given.items() if values}
    if len(speaking) < 2 or len({frozenset(values) for values in speaking.values()}) < 2:
        return None
    accounts = {a.key: a for a in dossier.accounts}
    sides: dict[str, Side] = {}
    for key, values in speaking.items():
        for sort_key, (label, passages) in values.items():
            side = sides.setdefault(sort_key, Side(label, sort_key))
            side.witnesses.append((accounts[key], list({p.segment_id: p for p in passages}.values())))
    title = f"{TITLES[aspect]} {_lower_first(dossier.name)}"
    return Question(dossier.subject_id, aspect, title, [sides[k] for k in sorted(sides)], VERBS[aspect])


def _lower_first(name: str) -> str:
    """ "Thành lập Chi bộ" → "thành lập Chi bộ"; an abbreviation ("UBND xã") stays as it is."""
    return name[:1].lower() + name[1:] if name[1:2].islower() else name
