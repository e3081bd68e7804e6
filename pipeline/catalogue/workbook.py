"""Reading ``interviews.xlsx`` within bounds, whatever its bytes.

An .xlsx is a zip of XML parts, and openpyxl trusts it: 100 KB that unpack to one row of five million empty
cells took 1.5 GB and 12 s even read-only, and 20 KB of empty cell styles 1 GB and a minute. So before openpyxl
opens a workbook, its parts are unpacked as a stream and counted (the unpacked size, the elements of each part,
the cells of each row) against limits no table of interviews comes near, and the first sheet is then read
read-only, a row at a time, up to ``ROW_LIMIT`` rows of ``COLUMN_LIMIT`` columns.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import IO, BinaryIO
from xml.parsers import expat

from pipeline.catalogue.disk import open_regular, size_text
from pipeline.catalogue.fields import Invalid

FILE_LIMIT = 20 * 2**20
"""Bytes an interviews.xlsx may have (as an interviews.csv): a thousand interviews take some 200 KB."""
UNPACKED_LIMIT = 64 * 2**20
"""Bytes its XML parts may unpack to: 10,000 rows of 20 filled columns unpack to some 25 MB."""
ROW_LIMIT = 10_000
"""Rows of a spreadsheet that are read; one with more is refused whole."""
COLUMN_LIMIT = 100
"""Columns of a sheet that are read; the fields take 22, and anything past the hundredth is not looked at."""
CELLS_IN_A_ROW = 16_384
"""Excel's own limit (column XFD): a row with more cells was not made by a spreadsheet program."""
ELEMENTS_IN_A_SHEET = 2_000_000
"""XML elements in a worksheet (openpyxl reads it as a stream): 10,000 rows of 60 text cells, seconds of work."""
ELEMENTS_IN_SHARED_STRINGS = 1_000_000
"""XML elements in the table of shared strings: 10,000 rows of 50 different texts; read whole, at most 100 MB."""
ELEMENTS_IN_A_PART = 200_000
"""XML elements in any other part (styles, the workbook), which openpyxl builds whole in memory: about 100 MB.
Excel stops at 64,000 cell styles."""


def xlsx_rows(path: Path) -> list[tuple[int, list]]:
    """The first sheet's rows, numbered from 1 as the spreadsheet shows them; ``Invalid`` when it cannot be."""
    import openpyxl  # here, not at the top: it takes a moment to import and most runs read no workbook

    with open_regular(path, FILE_LIMIT) as file:
        try:
            _check_parts(file)
            file.seek(0)
            book = openpyxl.load_workbook(file, read_only=True, data_only=True)
            try:
                return _first_rows(book.worksheets[0])
            finally:
                book.close()
        except Invalid:
            raise
        except Exception as error:  # a damaged or renamed file raises zipfile, KeyError, InvalidFileException…
            raise Invalid("xlsx", at="—", detail=" ".join((str(error) or type(error).__name__).split())) from None


def _first_rows(sheet) -> list[tuple[int, list]]:
    rows = []
    for number, cells in enumerate(sheet.iter_rows(max_col=COLUMN_LIMIT, values_only=True), 1):
        if number > ROW_LIMIT:
            raise Invalid("rows", "—", limit=ROW_LIMIT)
        rows.append((number, list(cells)))
    return rows


def _check_parts(file: BinaryIO) -> None:
    """Refuse a workbook whose XML unpacks past the limits above, reading each part once as a stream."""
    with zipfile.ZipFile(file) as archive:
        parts = [i for i in archive.infolist() if i.filename.endswith((".xml", ".rels"))]
        unpacked = sum(i.file_size for i in parts)  # zipfile never reads past the size a part declares
        if unpacked > UNPACKED_LIMIT:
            _too_much(
                f"giải nén ra {size_text(unpacked)}, tối đa {size_text(UNPACKED_LIMIT)}",
                f"it unpacks to {size_text(unpacked)}, at most {size_text(UNPACKED_LIMIT)}",
            )
        for part in parts:
            with archive.open(part) as stream:
                _count_elements(stream, part.filename)


def _count_elements(stream: IO[bytes], name: str) -> None:
    limit = (
        ELEMENTS_IN_A_SHEET
        if name.startswith("xl/worksheets/")
        else ELEMENTS_IN_SHARED_STRINGS
        if name == "xl/sharedStrings.xml"
        else ELEMENTS_IN_A_PART
    )
    counts = {"elements": 0, "cells": 0, "row": 0}

    def start(tag: str, attributes: dict) -> None:
        counts["elements"] += 1
        local = tag.rpartition(":")[2]
        if local == "row":  # numbered as the spreadsheet shows it, for the message
            number = attributes.get("r", "")
            counts["row"] = int(number) if number.isdigit() and len(number) < 10 else counts["row"] + 1
            counts["cells"] = 0
        elif local == "c":
            counts["cells"] += 1
            if counts["cells"] > CELLS_IN_A_ROW:
                _too_much(
                    f"hàng {counts['row']} có hơn {CELLS_IN_A_ROW} ô, nhiều hơn Excel có thể tạo",
                    f"row {counts['row']} has more than {CELLS_IN_A_ROW} cells, more than Excel itself makes",
                )
        if counts["elements"] > limit:
            _too_much(f"{name} có hơn {limit} phần tử", f"{name} has more than {limit} elements")

    def doctype(*_) -> None:  # no workbook declares one; it is how XML entity bombs begin
        raise Invalid("xlsx", at="—", detail=f"{name} declares a DOCTYPE, which a workbook never does")

    parser = expat.ParserCreate()
    parser.StartElementHandler, parser.StartDoctypeDeclHandler = start, doctype
    while chunk := stream.read(1 << 16):
        parser.Parse(chunk, False)
    parser.Parse(b"", True)


def _too_much(vi: str, en: str) -> None:
    raise Invalid("xlsx_big", "—", detail_vi=vi, detail_en=en)
