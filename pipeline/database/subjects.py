"""People, places and events: found or created from what the metadata names, merged, described, and tagged on
passages; who the speaker labels are.

A person is the same person across interviews when the name (NFC, any case) and the birth year agree; a human
settles the rest with ``merge_people``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from pipeline.database.connection import inserted_id, now, rows
from pipeline.database.metadata_records import PersonMeta
from pipeline.database.models import Event, Person, Place, RoleHeld
from pipeline.database.sqlite import Database
from pipeline.errors import NotFound
from pipeline.i18n import N_, _
from pipeline.text import fold, nfc

ROLES = {"witness": "witnesses", "interviewer": "interviewers", "present": "others_present"}


def domain_words(db: Database, interview_id: int, glossary: Sequence[str] = ()) -> str:
    """Names an interview's metadata gives (people, places, events) and the project glossary, as one hint."""
    names = [
        r[0]
        for r in db.execute(
            "SELECT p.full_name FROM interview_people ip JOIN people p ON p.id = ip.person_id "
            "WHERE ip.interview_id = ? UNION ALL SELECT e.name FROM interview_events ie "
            "JOIN events e ON e.id = ie.event_id WHERE ie.interview_id = ?",
            [interview_id, interview_id],
        )
    ]
    place = place_path(db, interview_id)
    return nfc(" ".join(dict.fromkeys([*names, *place, *glossary])))


def place_path(db: Database, interview_id: int) -> list[str]:
    """The names of the place an interview was held in, the most precise first."""
    return [place.name for place in interview_places(db, interview_id)]


def interview_places(db: Database, interview_id: int) -> list[Place]:
    """The place an interview was held in and those it lies in, the most precise first (commune, district,
    province)."""
    return [
        Place(id_, name, kind, parent_id)
        for id_, name, kind, parent_id in db.execute(
            "WITH RECURSIVE up(id, name, kind, parent_id, depth) AS ("
            " SELECT p.id, p.name, p.kind, p.parent_id, 0 FROM places p JOIN interviews i ON i.place_id = p.id"
            " WHERE i.id = ? UNION ALL SELECT p.id, p.name, p.kind, p.parent_id, depth + 1 FROM places p"
            " JOIN up ON p.id = up.parent_id) SELECT id, name, kind, parent_id FROM up ORDER BY depth",
            [interview_id],
        )
    ]


def people_in_role(db: Database, interview_id: int, role: str) -> list[Person]:
    """The people the metadata names for an interview in one role (witness, interviewer, present), by name."""
    ids = [
        row[0]
        for row in db.execute(
            "SELECT p.id FROM interview_people ip JOIN people p ON p.id = ip.person_id "
            "WHERE ip.interview_id = ? AND ip.role = ? ORDER BY p.full_name",
            [interview_id, role],
        )
    ]
    return [person(db, person_id) for person_id in ids]


def person(db: Database, person_id: int) -> Person:
    """One person with the roles they held, earliest first."""
    id_, name, birth_year, sex, home_village = db.execute(
        "SELECT id, full_name, birth_year, sex, home_village FROM people WHERE id = ?", [person_id]
    ).fetchone()
    roles = [
        RoleHeld(*row)
        for row in db.execute(
            "SELECT title, start_year, end_year FROM person_roles WHERE person_id = ? "
            "ORDER BY coalesce(start_year, 9999), id",
            [person_id],
        )
    ]
    return Person(id_, name, birth_year, sex, home_village, roles)


def person_names(db: Database) -> dict[int, str]:
    """Every person's name by id."""
    return dict(db.execute("SELECT id, full_name FROM people").fetchall())


def speaker_people(db: Database, interview_id: int) -> dict[str, int]:
    """Who each of an interview's speaker labels is: label → person id, where known."""
    return dict(db.execute("SELECT label, person_id FROM speakers WHERE interview_id = ?", [interview_id]).fetchall())


def interview_events(db: Database, interview_id: int) -> list[Event]:
    """The events an interview's metadata names, by date then name."""
    return [
        Event(*row)
        for row in db.execute(
            "SELECT e.id, e.name, e.date_start, e.date_end FROM interview_events ie "
            "JOIN events e ON e.id = ie.event_id "
            "WHERE ie.interview_id = ? ORDER BY coalesce(e.date_start, '9999'), e.name",
            [interview_id],
        )
    ]


# --- people -----------------------------------------------------------------------------------


def person_id(db: Database, person: PersonMeta) -> int:
    """The id of this person, found by name and birth year or created; extra facts fill in blanks."""
    found = _same_person(db, person)
    if found is None:
        found = inserted_id(
            db.table("people").insert(
                {
                    "full_name": nfc(person.full_name),
                    "name_folded": fold(person.full_name),
                    "birth_year": person.birth_year,
                    "sex": person.sex,
                    "home_village": person.home_village,
                    "party_joined": person.party_joined,
                    "created_at": now(),
                }
            )
        )
    else:
        row = db.table("people").get(found)
        blanks = {
            k: v
            for k, v in (
                ("sex", person.sex),
                ("home_village", person.home_village),
                ("party_joined", person.party_joined),
            )
            if v and not row[k]
        }
        if blanks:
            db.table("people").update(found, blanks)
    for role in person.roles:
        db.table("person_roles").insert(
            {"person_id": found, "title": nfc(role.title), "start_year": role.start_year, "end_year": role.end_year},
            ignore=True,
        )
    return found


def _same_person(db: Database, person: PersonMeta) -> int | None:
    key = nfc(person.full_name).lower()
    for row in db.table("people").rows_where("name_folded = ?", [fold(person.full_name)]):
        if nfc(row["full_name"]).lower() == key and row["birth_year"] == person.birth_year:
            return _surviving(db, row["id"])
    return None


def _surviving(db: Database, pid: int) -> int:
    """Follow merges to the record that was kept."""
    seen = set()
    while (merged := db.table("people").get(pid)["merged_into"]) and pid not in seen:
        seen.add(pid)
        pid = merged
    return pid


def merge_people(db: Database, keep: int, other: int) -> None:
    """Fold ``other`` into ``keep``: every link moves over, ``other`` remembers where it went."""
    for pid in (keep, other):
        _require(db, "people", pid)
    if keep == other:
        raise NotFound(_("A person cannot be merged with themselves: name two different numbers."))
    with db.atomic():
        for table in ("interview_people", "segment_people", "speakers", "voice_prints", "voice_proposals"):
            db.execute(f"UPDATE OR IGNORE {table} SET person_id = ? WHERE person_id = ?", [keep, other])
            db.execute(f"DELETE FROM {table} WHERE person_id = ?", [other])
        refused = "INSERT OR IGNORE INTO voice_refusals SELECT ?, at FROM voice_refusals WHERE person_id = ?"
        db.execute(refused, [keep, other])
        db.execute("DELETE FROM voice_refusals WHERE person_id = ?", [other])
        db.execute("DELETE FROM voice_prints WHERE person_id IN (SELECT person_id FROM voice_refusals)")
        db.execute("UPDATE OR IGNORE person_roles SET person_id = ? WHERE person_id = ?", [keep, other])
        db.execute("DELETE FROM person_roles WHERE person_id = ?", [other])
        db.execute("UPDATE people SET merged_into = ? WHERE id = ? OR merged_into = ?", [keep, other, other])


def map_speaker(db: Database, interview_id: int, label: str, person: int) -> None:
    """Say who a transcript's speaker label is; kept across re-runs (labels are per interview)."""
    _require(db, "people", person)
    db.table("speakers").upsert(
        {"interview_id": interview_id, "label": label, "person_id": person}, pk=("interview_id", "label")
    )


def interview_roles(db: Database, interview_id: int) -> dict[str, list[int]]:
    """The people the metadata names for an interview, by role (witness, interviewer, present)."""
    found: dict[str, list[int]] = {role: [] for role in ROLES}
    for row in rows(
        db.execute("SELECT person_id, role FROM interview_people WHERE interview_id = ? ORDER BY rowid", [interview_id])
    ):
        found.setdefault(row["role"], []).append(row["person_id"])
    return found


def suggest_speakers(db: Database, interview_id: int, mapping: dict[str, int]) -> dict[str, int]:
    """Map labels to people where nobody has yet: a label already mapped (by an editor, or by an earlier run
    that the labels were kept in line with) and a person who already has a label are left as they are.
    Returns what was added."""
    taken = {
        r["label"]: r["person_id"]
        for r in rows(db.execute("SELECT label, person_id FROM speakers WHERE interview_id = ?", [interview_id]))
    }
    added = {label: person for label, person in mapping.items() if label not in taken and person not in taken.values()}
    for label, person in added.items():
        db.table("speakers").insert({"interview_id": interview_id, "label": label, "person_id": person})
    return added


TAG_TABLES = {
    "person": ("segment_people", "person_id", "people"),
    "place": ("segment_places", "place_id", "places"),
    "event": ("segment_events", "event_id", "events"),
}


def tag_segment(db: Database, segment_id: int, kind: str, target: int) -> None:
    """Tag a passage with a person, place or event."""
    table, column, targets = TAG_TABLES[kind]
    _require(db, "segments", segment_id)
    _require(db, targets, target)
    db.table(table).insert({"segment_id": segment_id, column: target}, ignore=True)


NOT_THERE = {
    "people": N_("There is no person {number}: `loike people` lists them with their numbers."),
    "places": N_("There is no place {number}: `loike places` lists them with their numbers."),
    "events": N_("There is no event {number}: `loike events` lists them with their numbers."),
    "segments": N_("There is no passage {number}: `loike export INTERVIEW` shows them."),
}


def _require(db: Database, table: str, row_id: int) -> None:
    if not db.table(table).count_where("id = ?", [row_id]):
        raise NotFound(_(NOT_THERE[table]).format(number=row_id))


def people(db: Database) -> list[Person]:
    """Everyone not merged away, with how many interviews name them and possible duplicates flagged."""
    roles: dict[int, list[RoleHeld]] = {}
    for person_id, *role in db.execute(
        "SELECT person_id, title, start_year, end_year FROM person_roles ORDER BY person_id, id"
    ):
        roles.setdefault(person_id, []).append(RoleHeld(*role))
    found = []
    by_name: dict[str, list[int]] = {}
    for id_, name, birth_year, sex, home_village, folded, interviews in db.execute(
        "SELECT p.id, p.full_name, p.birth_year, p.sex, p.home_village, p.name_folded, "
        "(SELECT count(DISTINCT interview_id) FROM interview_people ip WHERE ip.person_id = p.id) "
        "FROM people p WHERE p.merged_into IS NULL ORDER BY p.name_folded, p.birth_year"
    ):
        found.append((folded, Person(id_, name, birth_year, sex, home_village, roles.get(id_, []), interviews)))
        by_name.setdefault(folded, []).append(id_)
    for folded, person in found:
        person.maybe_same_as = [pid for pid in by_name[folded] if pid != person.id]
    return [person for _, person in found]


# --- places and events ------------------------------------------------------------------------


def place_id(db: Database, province: str | None, district: str | None, commune: str | None) -> int | None:
    """The most precise place named, creating province > district > commune as needed."""
    parent = None
    for kind, name in (("province", province), ("district", district), ("commune", commune)):
        if name:
            parent = _place(db, kind, name, parent)
    return parent


def _place(db: Database, kind: str, name: str, parent: int | None) -> int:
    existing = db.execute(
        "SELECT id FROM places WHERE kind = ? AND name_folded = ? AND parent_id IS ?", [kind, fold(name), parent]
    ).fetchone()
    if existing:
        return existing[0]
    return inserted_id(
        db.table("places").insert(
            {"name": nfc(name), "name_folded": fold(name), "kind": kind, "parent_id": parent, "former_names": "[]"}
        )
    )


def event_id(db: Database, name: str) -> int:
    existing = db.execute("SELECT id FROM events WHERE name_folded = ?", [fold(name)]).fetchone()
    if existing:
        return existing[0]
    return inserted_id(db.table("events").insert({"name": nfc(name), "name_folded": fold(name), "aliases": "[]"}))


def places(db: Database) -> list[Place]:
    return [
        Place(id_, name, kind, parent_id, parent, json.loads(former or "[]"))
        for id_, name, kind, parent_id, parent, former in db.execute(
            "SELECT p.id, p.name, p.kind, p.parent_id, parent.name, p.former_names FROM places p "
            "LEFT JOIN places parent ON parent.id = p.parent_id ORDER BY p.kind, p.name_folded"
        )
    ]


def events(db: Database) -> list[Event]:
    return [
        Event(id_, name, start, end, place, json.loads(aliases or "[]"))
        for id_, name, start, end, place, aliases in db.execute(
            "SELECT e.id, e.name, e.date_start, e.date_end, p.name, e.aliases FROM events e "
            "LEFT JOIN places p ON p.id = e.place_id "
            "ORDER BY coalesce(e.date_start, '9999'), e.name_folded"
        )
    ]


def add_former_name(db: Database, place: int, name: str) -> None:
    """Communes were merged, split and renamed: an old name still finds the place."""
    _require(db, "places", place)
    _add_to_list(db, "places", "former_names", place, nfc(name))


def describe_event(
    db: Database,
    event: int,
    start: str | None = None,
    end: str | None = None,
    place: int | None = None,
    alias: str | None = None,
) -> None:
    """Give an event its date or period (ISO dates or years), place and other names."""
    _require(db, "events", event)
    changes = {k: v for k, v in (("date_start", start), ("date_end", end), ("place_id", place)) if v}
    if place:
        _require(db, "places", place)
    with db.atomic():
        if changes:
            db.table("events").update(event, changes)
        if alias:
            _add_to_list(db, "events", "aliases", event, nfc(alias))


def _add_to_list(db: Database, table: str, column: str, row_id: int, value: str) -> None:
    current = json.loads(db.table(table).get(row_id)[column] or "[]")
    if value not in current:
        db.table(table).update(row_id, {column: json.dumps([*current, value], ensure_ascii=False)})
