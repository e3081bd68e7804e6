"""The sidecar ``NAME.yaml`` beside a recording: read with each field's line; its template written."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from pipeline import errors
from pipeline.catalogue.disk import Disk, read_regular
from pipeline.catalogue.fields import CONSENT_FIELDS, FIELDS, PERSON_FIELDS, YAML_HOW, Field, Invalid, Sink
from pipeline.catalogue.values import decode, interview_meta, join_path
from pipeline.database.metadata_records import InterviewMeta, MetadataProblem
from pipeline.i18n import _
from pipeline.text import nfc

SIZE_LIMIT = 256 * 1024
"""Bytes a sidecar may have: a filled-in template is under 5 KB."""
DEPTH_LIMIT = 20
"""Levels a sidecar may nest: the template has five (the file, witnesses, a witness, roles, a role)."""


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses anchors and aliases, and nesting past ``DEPTH_LIMIT``, before composing them.

    A tree with aliases is a graph: ``title: &a [*a]`` (15 bytes) sent the walk in ``_plain`` round its
    cycle until RecursionError, and nine nested lists of nine aliases ("billion laughs", 316 bytes) grew a
    run to 3.8 GB. Refusing the anchor as it is met means neither is ever built.
    """

    depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        line = f"line {event.start_mark.line + 1}"
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise Invalid("alias", line)
        if self.depth >= DEPTH_LIMIT:
            raise Invalid("deep", line, limit=DEPTH_LIMIT)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _plain(node: yaml.Node, path: str, lines: dict[str, int], sink: Sink) -> object:
    """The node as plain dicts, lists and raw strings, remembering each field's line.

    Scalars stay the text the user typed (``yes`` is not True, ``1932`` not 1932), so every value is
    judged by the same rules as a spreadsheet cell.
    """
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, object] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
            if key in out:
                sink.add(join_path(path, key), "twice", at=f"line {key_node.start_mark.line + 1}", key=key)
                continue
            lines[join_path(path, key)] = key_node.start_mark.line + 1
            out[key] = _plain(value_node, join_path(path, key), lines, sink)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_plain(item, f"{path}[{i}]", lines, sink) for i, item in enumerate(node.value, 1)]
    return None if node.tag == "tag:yaml.org,2002:null" else node.value


def _line_of(lines: dict[str, int], path: str) -> str:
    # A missing field has no line of its own: it is reported at the nearest enclosing one.
    while path and path not in lines:
        path = re.sub(r"(\.?[^.\[\]]+|\[\d+\])$", "", path)
    return f"line {lines.get(path, 1)}"


_HOW = ("viết lại theo tệp mẫu (`loike new`)", "write it again from the template (`loike new`)")


def read_sidecar(path: Path, source: str) -> tuple[InterviewMeta | None, list[MetadataProblem]]:
    """The metadata in one sidecar and its problems; whatever is wrong with the file is one of them."""
    try:
        return _read_sidecar(path, source)
    except Exception as error:  # the last resort: one file's surprise must not stop the other recordings
        sink = Sink(source, lambda _: "—")
        sink.unexpected(error, _HOW)
        return None, sink.problems


def _read_sidecar(path: Path, source: str) -> tuple[InterviewMeta | None, list[MetadataProblem]]:
    lines: dict[str, int] = {}
    sink = Sink(source, lambda field_path: _line_of(lines, field_path))
    try:
        text = decode(read_regular(path, SIZE_LIMIT), YAML_HOW)
        root = yaml.compose(text, Loader=_Loader)
    except Invalid as bad:
        sink.add("", bad.kind, bad.at, **bad.values)
        return None, sink.problems
    except OSError as error:
        sink.add("", "unreadable", "—", detail=error.strerror or type(error).__name__)
        return None, sink.problems
    except yaml.YAMLError as error:
        line = _error_line(error, text)
        sink.add("", "syntax", f"line {line}", line=line, detail=_error_detail(error))
        return None, sink.problems
    data = {} if root is None else _plain(root, "", lines, sink)
    if not isinstance(data, dict):
        sink.add(
            "",
            "shape",
            label="Nội dung tệp",
            key="the file",
            want_vi="các mục 'tên: giá trị' như tệp mẫu",
            want_en="'key: value' fields as in the template",
        )
        return None, sink.problems
    meta = interview_meta(data, sink)
    return meta, sorted(sink.problems, key=lambda p: int(p.location.split()[-1]) if p.location[-1].isdigit() else 0)


def _error_line(error: yaml.YAMLError, text: str) -> int:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    if mark:
        return mark.line + 1
    if isinstance(error, yaml.reader.ReaderError):  # a character YAML does not allow: it has a position only
        return text.count("\n", 0, error.position) + 1
    return 1


def _error_detail(error: yaml.YAMLError) -> str:
    detail = getattr(error, "problem", None) or getattr(error, "reason", None) or str(error)
    return " ".join(detail.split())  # one line: the message is one sentence


_COMMENT_AT = 26


def _template_lines(f: Field, indent: str, bullet: str = "") -> list[str]:
    lead = indent + bullet
    value = "" if f.kind in ("year", "list", "people", "consent") else ' ""'
    line = f"{lead}{f.key}:{value}".ljust(_COMMENT_AT) + f" # {f.comment}" + (" (bắt buộc)" if f.required else "")
    inner = indent + ("    " if bullet else "  ")
    if f.kind == "list":
        return [line, f'{inner}# - "{f.example}"']
    if f.kind == "consent":
        return [line] + [x for sub in CONSENT_FIELDS for x in _template_lines(sub, inner)]
    if f.kind == "people":
        people = PERSON_FIELDS if f.key == "witnesses" else PERSON_FIELDS[:1]
        bullets = ["- "] + ["  "] * (len(people) - 1)  # the first field of a list item carries its dash
        return [line] + [x for sub, bullet in zip(people, bullets) for x in _template_lines(sub, inner, bullet)]
    return [line]


def sidecar_template(recording_name: str) -> str:
    """The sidecar to fill in: every field with its Vietnamese comment. Read back unedited, it only lacks
    the required fields."""
    lines = [
        f"# Lời Kể — thông tin buổi phỏng vấn cho tệp ghi âm: {nfc(recording_name)}",
        "# Điền vào giữa hai dấu ngoặc kép; mục (bắt buộc) phải có. Lưu tệp với mã UTF-8.",
    ]
    for f in FIELDS:
        lines += _template_lines(f, "")
    return "\n".join(lines) + "\n"


def write_sidecar(recording: Path) -> Path:
    """Write NAME.yaml beside ``recording``; refuses to overwrite a sidecar that is already there."""
    if not recording.is_file():
        raise errors.NotFound(_("{recording} does not exist: check the path.").format(recording=recording))
    disk = Disk(recording.parent)
    hits = [hit[0] for ext in (".yaml", ".yml") if (hit := disk.find("", recording.stem + ext))]
    target = hits[0] if hits else recording.with_suffix(".yaml")
    try:
        if hits:
            raise FileExistsError(target)
        with open(target, "x", encoding="utf-8", newline="\n") as out:
            out.write(sidecar_template(recording.name))
    except FileExistsError:
        raise errors.LoikeError(
            _("{target} already exists: edit it, or delete it first to start again.").format(target=target)
        ) from None
    return target
