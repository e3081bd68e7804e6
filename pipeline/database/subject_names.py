"""A person, event or place as someone typed it (any tones, any case, or its number) read into the ids it names:
the filters of the search and of the quotes for the manuscript read names so. A name that names nothing raises
``NotFound`` saying where to look the names up.
"""

from __future__ import annotations

import json
import re

from pipeline.database.connection import id_list
from pipeline.database.sqlite import Database
from pipeline.errors import NotFound
from pipeline.i18n import _
from pipeline.text import fold

ADMINISTRATIVE = re.compile(r"^(xa|phuong|thi tran|thi xa|huyen|quan|tinh|thanh pho|tp\.?) ")
"""The unit a folded place name may start with: "xa bac cuong" is "bac cuong"."""


def people_named(db: Database, who: str | int) -> frozenset[int]:
    """The person so numbered, else so named (the whole name, else one of its words), and the records merged
    with them."""
    if str(who).strip().isdigit():
        ids = {r[0] for r in db.execute("SELECT id FROM people WHERE id = ?", [int(who)])}
    else:
        key = fold(str(who))
        ids = {r[0] for r in db.execute("SELECT id FROM people WHERE name_folded = ?", [key])} or {
            r[0] for r in db.execute("SELECT id FROM people WHERE ' ' || name_folded || ' ' LIKE ?", [f"% {key} %"])
        }
    if not ids:
        raise NotFound(
            _("No person called “{who}” in the archive: `loike people` lists the names and numbers.").format(who=who)
        )
    # A merged record points at the one kept; either number finds both.
    return frozenset(
        ids
        | {
            r[0]
            for r in db.execute(
                f"SELECT id FROM people WHERE merged_into IN {id_list(ids)} UNION "
                f"SELECT merged_into FROM people WHERE id IN {id_list(ids)} AND merged_into IS NOT NULL"
            )
        }
    )


def events_named(db: Database, what: str | int) -> frozenset[int]:
    """The events so numbered, named or known by an alias."""
    key = fold(str(what))
    ids = {
        r[0]
        for r in db.execute("SELECT id, name_folded, aliases FROM events")
        if str(r[0]) == key or key in [r[1]] + [fold(a) for a in json.loads(r[2] or "[]")]
    }
    if not ids:
        raise NotFound(
            _("No event called “{what}” in the archive: check the spelling in the metadata.").format(what=what)
        )
    return frozenset(ids)


def places_named(db: Database, where: str | int, kind: str | None = None) -> frozenset[int]:
    """The places so numbered or named (now or formerly, with or without their unit), of ``kind`` if given, and
    every place under them."""
    key, found = fold(str(where)), set()
    for pid, name, place_kind, former in db.execute("SELECT id, name_folded, kind, former_names FROM places"):
        names = {name, ADMINISTRATIVE.sub("", name)} | {fold(n) for n in json.loads(former or "[]")}
        if (str(pid) == key or key in names or ADMINISTRATIVE.sub("", key) in names) and kind in (None, place_kind):
            found.add(pid)
    if not found:
        said = (
            _("No commune called “{where}” in the archive: check the spelling in the metadata.")
            if kind == "commune"
            else _("No place called “{where}” in the archive: check the spelling in the metadata.")
        )
        raise NotFound(said.format(where=where))
    return frozenset(
        r[0]
        for r in db.execute(
            f"WITH RECURSIVE under(id) AS (SELECT id FROM places WHERE id IN {id_list(found)} "
            "UNION SELECT p.id FROM places p JOIN under u ON p.parent_id = u.id) SELECT id FROM under"
        )
    )
