"""Interview metadata: the sidecar ``NAME.yaml`` or the spreadsheet row that describes each recording.

People write dates as dd/mm/yyyy and periods as "1965–1970"; everything is kept NFC, dates ISO. Every
problem names its file, line or row and field, in Vietnamese and in English, so a field researcher can
fix the file alone. yaml and openpyxl are imported only in this package.

fields: the fields, headers and messages; values: one value, one interview; sidecar: NAME.yaml and its
template; sheets: interviews.csv / .xlsx; workbook: an .xlsx read within bounds; files: finding the files named.
A file that cannot be read, whatever the reason, is a problem of the recordings it would describe, never of the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pipeline.catalogue.disk import Disk, file_key
from pipeline.catalogue.fields import CONSENT_FIELDS, FIELDS, PERSON_FIELDS, SHEET_NAMES, Sink
from pipeline.catalogue.sidecar import read_sidecar, sidecar_template, write_sidecar
from pipeline.catalogue.spreadsheets import assign_rows, from_sheets, read_sheet
from pipeline.catalogue.values import fingerprint, parse_date, parse_role
from pipeline.database.metadata_records import InterviewMeta, MetadataFound, MetadataProblem

__all__ = [
    "CONSENT_FIELDS",
    "FIELDS",
    "PERSON_FIELDS",
    "MetadataRead",
    "fingerprint",
    "parse_date",
    "parse_role",
    "read_all",
    "read_metadata",
    "sidecar_template",
    "write_sidecar",
]


@dataclass
class MetadataRead:
    """What ``read_metadata`` found: per recording, and per spreadsheet for rows that describe no recording."""

    recordings: dict[str, MetadataFound]
    spreadsheets: dict[str, list[MetadataProblem]]


def read_all(recordings: Path, relpaths: list[str]) -> dict[str, MetadataFound]:
    """The metadata of every recording in ``relpaths`` (relative to ``recordings``, forward slashes, NFC).

    The keys are exactly ``relpaths``. Problems that belong to a spreadsheet rather than to a recording
    (a row naming a recording that is not there, a row without a file name, a name that fits several
    recordings) are left out here: ``read_metadata`` returns them too.
    """
    return read_metadata(recordings, relpaths).recordings


def read_metadata(recordings: Path, relpaths: list[str]) -> MetadataRead:
    """Like ``read_all``, plus ``spreadsheets``: spreadsheet relpath → problems that belong to no recording.

    For each recording: the sidecar (same folder, same stem, .yaml or .yml) wins; else the nearest
    ``interviews.csv`` / ``interviews.xlsx`` from its folder up to ``recordings`` that has a row for it;
    an unreadable spreadsheet on the way stops the search and its problems are the recording's. Each
    file is read once. A problem about a whole spreadsheet (an unknown column) goes to every recording
    it describes, or to ``spreadsheets`` if it describes none.
    """
    disk, wanted = Disk(recordings), {file_key(rel): rel for rel in relpaths}
    sheets = {
        folder: [read_sheet(*hit) for name in SHEET_NAMES if (hit := disk.find(folder, name))]
        for folder in sorted({f for rel in relpaths for f in _folders_up(rel)})
    }
    for sheet in (sheet for level in sheets.values() for sheet in level):
        assign_rows(sheet, wanted, disk)
    sidecars: dict[str, tuple[InterviewMeta | None, list[MetadataProblem]]] = {}
    found = {}
    for rel in relpaths:
        folder, _, name = rel.rpartition("/")
        hits = [hit for ext in (".yaml", ".yml") if (hit := disk.find(folder, PurePosixPath(name).stem + ext))]
        if hits:  # NAME.yaml is read when NAME.yml is there too
            path, source = hits[0]
            if source not in sidecars:
                sidecars[source] = read_sidecar(path, source)
            meta, problems = sidecars[source]
            found[rel] = MetadataFound(rel, source, meta, list(problems), fingerprint(meta))
        else:
            found[rel] = from_sheets(rel, [sheets[f] for f in _folders_up(rel)]) or _nothing(rel)
    leftovers = {s.source: s.orphans + ([] if s.used else s.problems) for level in sheets.values() for s in level}
    return MetadataRead(found, {source: problems for source, problems in leftovers.items() if problems})


def _folders_up(rel: str) -> list[str]:
    """The folders a spreadsheet for ``rel`` may sit in, nearest first: "a/b/c.mp3" → "a/b", "a", ""."""
    parts = rel.split("/")[:-1]
    return ["/".join(parts[:i]) for i in range(len(parts), -1, -1)]


def _nothing(rel: str) -> MetadataFound:
    sink = Sink(rel, lambda _: "—")
    sink.add("", "none", rel=rel)
    return MetadataFound(rel, None, None, sink.problems)
