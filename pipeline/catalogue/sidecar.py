"""The sidecar ``NAME.yaml`` beside a recording: read with each field's line; its template written."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from pipeline import errors
from pipeline.database.models import InterviewMeta, MetadataProblem
from pipeline.text import nfc
from pipeline.catalogue.fields import CONSENT_FIELDS, FIELDS, Field, Invalid, PERSON_FIELDS, Sink, YAML_HOW
from pipeline.catalogue.disk import Disk
from pipeline.catalogue.values import decode, interview_meta, join_path


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


def read_sidecar(path: Path, source: str) -> tuple[InterviewMeta | None, list[MetadataProblem]]:
    lines: dict[str, int] = {}
    sink = Sink(source, lambda field_path: _line_of(lines, field_path))
    try:
        root = yaml.compose(decode(path.read_bytes(), YAML_HOW), Loader=yaml.SafeLoader)
    except Invalid as bad:
        sink.add("", bad.kind, bad.at, **bad.values)
        return None, sink.problems
    except OSError as error:
        sink.add("", "unreadable", "—", detail=error.strerror or type(error).__name__)
        return None, sink.problems
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = mark.line + 1 if mark else 1
        sink.add("", "syntax", f"line {line}", line=line, detail=getattr(error, "problem", None) or str(error))
        return None, sink.problems
    data = {} if root is None else _plain(root, "", lines, sink)
    if not isinstance(data, dict):
        sink.add("", "shape", label="Nội dung tệp", key="the file",
                 want_vi="các mục 'tên: giá trị' như tệp mẫu", want_en="'key: value' fields as in the template")
        return None, sink.problems
    meta = interview_meta(data, sink)
    return meta, sorted(sink.problems, key=lambda p: int(p.location.split()[-1]) if p.location[-1].isdigit() else 0)


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
    lines = [f"# Lời Kể — thông tin buổi phỏng vấn cho tệp ghi âm: {nfc(recording_name)}",
             "# Điền vào giữa hai dấu ngoặc kép; mục (bắt buộc) phải có. Lưu tệp với mã UTF-8."]
    for f in FIELDS:
        lines += _template_lines(f, "")
    return "\n".join(lines) + "\n"


def write_sidecar(recording: Path) -> Path:
    """Write NAME.yaml beside ``recording``; refuses to overwrite a sidecar that is already there."""
    if not recording.is_file():
        raise errors.NotFound(f"{recording} does not exist: check the path.")
    disk = Disk(recording.parent)
    hits = [hit[0] for ext in (".yaml", ".yml") if (hit := disk.find("", recording.stem + ext))]
    target = hits[0] if hits else recording.with_suffix(".yaml")
    try:
        if hits:
            raise FileExistsError(target)
        with open(target, "x", encoding="utf-8", newline="\n") as out:
            out.write(sidecar_template(recording.name))
    except FileExistsError:
        raise errors.LoikeError(f"{target} already exists: edit it, or delete it first to start again.") from None
    return target
