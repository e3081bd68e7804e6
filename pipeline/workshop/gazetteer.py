"""The gazetteer of times: named periods and well-known events ("Cách mạng tháng Tám" 08/1945, "Tết Mậu Thân"
01–02/1968) that a witness dates things by. Lời Kể's own list is ``gazetteer.yaml`` beside this module; an archive
adds its local ones, in the same form, in ``recordings/gazetteer.yaml`` (an entry of the same name replaces the
built-in one).

A mistake in the file stops the command that needs it with one sentence naming the file and the line: a dossier
read with half a gazetteer would date some passages and silently not others.
"""

from __future__ import annotations

import importlib.resources
from dataclasses import dataclass
from pathlib import Path

import yaml

from pipeline.errors import WorkshopError
from pipeline.i18n import _
from pipeline.workshop.timespans import Span, written_span
from pipeline.workshop.words import Word, folded_words

FILE_NAME = "gazetteer.yaml"
KEYS = {
    "tên": "name",
    "name": "name",
    "tên khác": "aliases",
    "aliases": "aliases",
    "thời gian": "date",
    "date": "date",
    "chỉ khi viết hoa": "capital_only",
    "capital_only": "capital_only",
}
YES = {"có", "co", "yes", "true"}
NAMING_WORDS = {("sau",), ("trước",), ("từ",), ("hồi",), ("thời",), ("thời", "kỳ"), ("công", "cuộc")}
"""Words after which a name that is also a common word ("đổi mới") is taken as the name."""


@dataclass(frozen=True)
class Period:
    """A named period or event of the gazetteer, and where it is written."""

    name: str
    span: Span
    aliases: tuple[str, ...] = ()
    capital_only: bool = False
    """The name alone is also a common word: it counts only when written with a capital, or after "sau", "từ" …"""
    source: str = ""
    """ "gazetteer.yaml, line 12"."""

    @property
    def label(self) -> str:
        """ "Cách mạng tháng Tám (08/1945)"."""
        return f"{self.name} ({self.span.label})"


class Gazetteer:
    """The periods, indexed by the first folded word of each of their names, longest name first."""

    def __init__(self, periods: list[Period]):
        self.periods = periods
        self.index: dict[str, list[tuple[tuple[str, ...], Period, bool]]] = {}
        for period in periods:
            for n, name in enumerate((period.name, *period.aliases)):
                key = folded_words(name)
                if key:
                    self.index.setdefault(key[0], []).append((key, period, period.capital_only and n == 0))
        for entries in self.index.values():
            entries.sort(key=lambda entry: -len(entry[0]))

    def match(self, words: list[Word], i: int) -> tuple[Period, int] | None:
        """The longest name of a period that starts at word ``i``, with how many words it takes."""
        for key, period, capital_only in self.index.get(words[i].folded, []):
            if tuple(w.folded for w in words[i : i + len(key)]) != key:
                continue
            if capital_only and not (words[i].capital or _after_naming_word(words, i)):
                continue
            return period, len(key)
        return None


def _after_naming_word(words: list[Word], i: int) -> bool:
    # Lower case with marks: folded, "sáu" (six) would be "sau" (after).
    before = tuple(w.lower for w in words[max(0, i - 2) : i])
    return before[-1:] in NAMING_WORDS or before in NAMING_WORDS


def builtin_path() -> Path:
    return Path(str(importlib.resources.files("pipeline.workshop") / FILE_NAME))


def load(archive_root: Path | None = None) -> Gazetteer:
    """The built-in gazetteer with the archive's own entries (``recordings/gazetteer.yaml``) over it.

    Raises WorkshopError naming the file and line of a mistake."""
    periods = {_key(p): p for p in read(builtin_path(), FILE_NAME)}
    if archive_root is not None:
        own = Path(archive_root) / "recordings" / FILE_NAME
        if own.is_file():
            periods |= {_key(p): p for p in read(own, f"recordings/{FILE_NAME}")}
    return Gazetteer(list(periods.values()))


def _key(period: Period) -> tuple[str, ...]:
    return folded_words(period.name)


def read(path: Path, shown_as: str) -> list[Period]:
    """The periods of one gazetteer file; ``shown_as`` is how messages name it."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise WorkshopError(
            _("The gazetteer {file} cannot be read ({error}): save it as UTF-8 text, or remove it.").format(
                file=shown_as, error=error
            )
        ) from error
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        line = (error.problem_mark or error.context_mark).line + 1 if (error.problem_mark or error.context_mark) else 1
        raise _mistake(shown_as, line, _("it is not valid YAML ({problem})").format(problem=error.problem)) from error
    if root is None:
        return []
    if not isinstance(root, yaml.SequenceNode):
        raise _mistake(shown_as, root.start_mark.line + 1, _("the file is not a list of entries"))
    return [_period(node, shown_as) for node in root.value]


def _period(node: yaml.Node, shown_as: str) -> Period:
    line = node.start_mark.line + 1
    if not isinstance(node, yaml.MappingNode):
        raise _mistake(shown_as, line, _("this entry is not a “tên: …” with its “thời gian: …”"))
    fields: dict[str, tuple[yaml.Node, int]] = {}
    for key, value in node.value:
        name = KEYS.get(str(key.value).strip().lower())
        if name is None:
            known = ", ".join(sorted({k for k in KEYS if not k.isascii()}))
            raise _mistake(
                shown_as,
                key.start_mark.line + 1,
                _("“{field}” is not a field (use {known})").format(field=key.value, known=known),
            )
        fields[name] = (value, key.start_mark.line + 1)
    for needed in ("name", "date"):
        if needed not in fields or not _text(fields[needed][0]):
            raise _mistake(
                shown_as, line, _("the entry has no “tên”") if needed == "name" else _("the entry has no “thời gian”")
            )
    date_node, date_line = fields["date"]
    try:
        span = written_span(_text(date_node))
    except ValueError as error:
        raise _mistake(shown_as, date_line, str(error)) from error
    aliases_node = fields.get("aliases", (None, line))[0]
    return Period(
        name=_text(fields["name"][0]),
        span=span,
        aliases=_aliases(aliases_node, shown_as),
        capital_only=_text(fields.get("capital_only", (None, 0))[0]).lower() in YES,
        source=f"{shown_as}, line {line}",
    )


def _text(node: yaml.Node | None) -> str:
    return " ".join(str(node.value).split()) if isinstance(node, yaml.ScalarNode) else ""


def _aliases(node: yaml.Node | None, shown_as: str) -> tuple[str, ...]:
    if node is None:
        return ()
    if isinstance(node, yaml.ScalarNode):
        return (_text(node),) if _text(node) else ()
    if not isinstance(node, yaml.SequenceNode) or not all(isinstance(n, yaml.ScalarNode) for n in node.value):
        raise _mistake(shown_as, node.start_mark.line + 1, _("“tên khác” is not a list of names in [ ]"))
    return tuple(_text(n) for n in node.value if _text(n))


def _mistake(shown_as: str, line: int, what: str) -> WorkshopError:
    return WorkshopError(
        _(
            "The gazetteer {file} has a mistake on line {line}: {what}; each entry is “- tên: …” with “thời gian: "
            "dd/mm/yyyy, mm/yyyy or yyyy” (or two joined by “–”): fix that line."
        ).format(file=shown_as, line=line, what=what),
        vi=f"Tệp mốc thời gian {shown_as} có lỗi ở dòng {line}: mỗi mục là “- tên: …” với “thời gian: dd/mm/yyyy, "
        "mm/yyyy hoặc yyyy” (một thời kỳ thì hai mốc nối bằng “–”); hãy sửa dòng ấy.",
    )
