"""``interviews.csv`` / ``interviews.xlsx``: one row per recording, Vietnamese or English headers."""

from __future__ import annotations

import csv
import difflib
import io
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.catalogue.disk import Disk, file_key, read_regular
from pipeline.catalogue.fields import CSV_HOW, FIELDS, HEADERS, IGNORED_HEADERS, LABEL, Invalid, Sink
from pipeline.catalogue.values import blank, decode, fingerprint, interview_meta, listed, shown
from pipeline.catalogue.workbook import FILE_LIMIT, ROW_LIMIT, xlsx_rows
from pipeline.database.metadata_records import MetadataFound, MetadataProblem
from pipeline.text import fold


def _header_key(text: object) -> str:
    folded = fold(re.sub(r"\(.*?\)|[*:]", "", str(text)))
    return re.sub(r"\s*/\s*", "/", re.sub(r"[\s_]+", " ", folded)).strip()


_HEADER_INDEX = {_header_key(h): target for target, headers in HEADERS.items() for h in headers}


@dataclass
class _Row:
    number: int  # as the spreadsheet shows it: the first row is 1
    file: str
    cells: dict[str, object]  # HEADERS key → raw cell
    problems: list[MetadataProblem]


@dataclass
class _Sheet:
    source: str  # relative to recordings/
    folder: str  # its folder, relative to recordings/; "" for recordings/ itself
    readable: bool = True
    problems: list[MetadataProblem] = field(default_factory=list)  # about the whole file
    rows: list[_Row] = field(default_factory=list)
    assigned: dict[str, list[_Row]] = field(default_factory=dict)  # recording relpath → its rows
    orphans: list[MetadataProblem] = field(default_factory=list)  # rows that describe no recording
    used: bool = False


def _csv_rows(path: Path) -> list[tuple[int, list]]:
    text = decode(read_regular(path, FILE_LIMIT), CSV_HOW)
    # Excel in a Vietnamese locale writes ';' between columns (the decimal mark is ','), and "Unicode text" tabs.
    start = "\n".join(text[:100_000].splitlines()[:5])  # not the whole of a large file
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=max(",;\t", key=start.count))
    rows = list(enumerate(itertools.islice(reader, ROW_LIMIT + 1), 1))
    if len(rows) > ROW_LIMIT:
        raise Invalid("rows", "—", limit=ROW_LIMIT)
    return rows


_HOW = ("lưu lại từ Excel", "save it again from Excel")


def read_sheet(path: Path, source: str) -> _Sheet:
    """One spreadsheet's rows; whatever is wrong with the file is one of its problems."""
    try:
        return _read_sheet(path, source)
    except Exception as error:  # the last resort: one file's surprise must not stop the other recordings
        sheet = _Sheet(source, source.rpartition("/")[0], readable=False)
        Sink(source, lambda _: "—", sheet.problems).unexpected(error, _HOW)
        return sheet


def _read_sheet(path: Path, source: str) -> _Sheet:
    sheet = _Sheet(source, source.rpartition("/")[0])
    sink = Sink(source, lambda _: "—", sheet.problems)
    try:
        table = xlsx_rows(path) if path.suffix.lower() == ".xlsx" else _csv_rows(path)
    except Invalid as bad:
        sink.add("", bad.kind, bad.at, **bad.values)
        table = []
    except (OSError, csv.Error) as error:
        sink.add("", "unreadable", "—", detail=str(error))
        table = []
    # The header is the first row with a file column, so a title row above it does no harm.
    at = next(
        (
            i
            for i, (_, cells) in enumerate(table[:10])
            if "file" in {_HEADER_INDEX.get(_header_key(c)) for c in cells if not blank(c)}
        ),
        None,
    )
    if at is None:
        if not sheet.problems:
            sink.add("file", "no_file_column", "row 1")
        sheet.readable = False
        return sheet
    columns, width = _columns(table[at], sink)
    for number, cells in table[at + 1 :]:
        if not blank(cells):
            sheet.rows.append(_row(source, number, cells, columns, width))
    return sheet


def _columns(header: tuple[int, list], sink: Sink) -> tuple[dict[str, int], int]:
    """HEADERS key → column (from 1), and how many columns the header has; unknown headers are problems."""
    number, names = header
    columns, ignored = {}, {_header_key(h) for h in IGNORED_HEADERS}
    for i, name in enumerate(names, 1):
        key = "" if blank(name) else _header_key(name)
        if key in _HEADER_INDEX:
            columns[_HEADER_INDEX[key]] = i
        elif key and key not in ignored:
            close = difflib.get_close_matches(key, list(_HEADER_INDEX), n=1, cutoff=0.75)
            known = HEADERS[_HEADER_INDEX[close[0]]] if close else None
            hint = (
                (f": có phải '{known[0]}'?", f": did you mean '{known[1]}'?")
                if known
                else (": xem danh sách cột trong tệp mẫu", ": see the list of columns")
            )
            sink.add(shown(name), "column", f"row {number}", key=shown(name), hint_vi=hint[0], hint_en=hint[1])
    return columns, max((i for i, name in enumerate(names, 1) if not blank(name)), default=0)


def _on_row(number: int) -> Callable[[str], str]:
    """A Sink's ``where`` for one row: every field of it is on that row."""
    return lambda _: f"row {number}"


def _row(source: str, number: int, cells: list, columns: dict[str, int], width: int) -> _Row:
    sink = Sink(source, lambda _: f"row {number}")
    filled = max(i for i, cell in enumerate(cells, 1) if not blank(cell))
    if len(cells) < width:
        sink.add("", "few", got=len(cells), want=width)
    elif filled > width:
        sink.add("", "many", got=filled, want=width)
    values = {key: cells[i - 1] for key, i in columns.items() if i <= len(cells)}
    return _Row(number, shown(values.pop("file", None) or ""), values, sink.problems)


def assign_rows(sheet: _Sheet, wanted: dict[str, str], disk: Disk) -> None:
    """Match each row's file cell to a recording: its path from the sheet's folder, else its bare name if unique."""
    prefix = f"{sheet.folder}/" if sheet.folder else ""
    by_name: dict[str, list[str]] = {}
    for key, rel in wanted.items():
        if key.startswith(file_key(prefix)):
            by_name.setdefault(key.rpartition("/")[2], []).append(rel)
    for row in sheet.rows:
        sink = Sink(sheet.source, _on_row(row.number), sheet.orphans)
        name = row.file.replace("\\", "/").removeprefix("./")
        # Relative to the spreadsheet's folder, else to recordings/ (still below it), else a bare name found once.
        keys = (file_key(prefix + name), file_key(name) if file_key(name).startswith(file_key(prefix)) else "")
        matches = [wanted[k] for k in keys if k in wanted][:1]
        if not matches and "/" not in name:
            matches = by_name.get(file_key(name), [])
        if not row.file:
            sink.add("file", "no_file")
        elif len(matches) == 1:
            sheet.assigned.setdefault(matches[0], []).append(row)
        elif matches:
            sink.add(
                "file",
                "ambiguous",
                name=row.file,
                names=", ".join(sorted(matches)),
                first=sorted(matches)[0][len(prefix) :],
            )
        elif not disk.exists(prefix + name):  # a recording not in this batch (still being copied) is no error
            sink.add("file", "not_found", name=row.file, folder=f"recordings/{sheet.folder}".rstrip("/"))


def _row_data(cells: dict[str, object], sink: Sink) -> dict:
    """A row in the shape of a sidecar: several witnesses separated by ';', their details aligned."""
    data = {f.key: cells[f.key] for f in FIELDS if f.key in cells and f.key not in ("witnesses", "consent")}
    witnesses: list[dict] = [{"full_name": name} for name in listed(cells.get("witnesses"), "witnesses", sink)]
    for key in ("birth_year", "sex", "home_village", "roles", "party_joined"):
        raw = cells.get(key)
        values = [] if blank(raw) else re.split(r"\s*[;\n]\s*", raw) if isinstance(raw, str) else [raw]
        witnesses = witnesses or ([{}] if values else [])
        if key == "roles" and len(witnesses) == 1:
            witnesses[0]["roles"] = values  # one witness: every role in the cell is theirs
            continue
        if values and len(values) != len(witnesses):
            sink.add(f"witnesses.{key}", "align", label=LABEL[key], key=key, got=len(values), want=len(witnesses))
        for witness, value in zip(witnesses, values):
            witness[key] = value
    data["witnesses"] = witnesses
    data["consent"] = {"status": cells.get("consent"), "until": cells.get("until"), "given_by": cells.get("given_by")}
    return data


def from_sheets(rel: str, chain: list[list[_Sheet]]) -> MetadataFound | None:
    """The nearest spreadsheet row for ``rel``; an unreadable spreadsheet on the way stops the search."""
    for level in chain:
        rows = [(sheet, row) for sheet in level for row in sheet.assigned.get(rel, [])]
        if rows:
            sheet, row = rows[0]
            sheet.used = True
            sink = Sink(sheet.source, _on_row(row.number), list(sheet.problems) + row.problems)
            meta = interview_meta(_row_data(row.cells, sink), sink)
            if len(rows) > 1:
                sink.add(
                    "file",
                    "duplicate",
                    f"row {rows[1][1].number}",
                    rows=", ".join(f"{s.source} row {r.number}" for s, r in rows),
                )
            return MetadataFound(rel, sheet.source, meta, sink.problems, fingerprint(meta))
        for sheet in level:
            if not sheet.readable:
                sheet.used = True
                return MetadataFound(rel, sheet.source, None, list(sheet.problems))
    return None
