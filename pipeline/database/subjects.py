"""People, places and events in the database, and the interview metadata that names them.

Like ``store``, this is the data layer: stages call it, it calls nothing but SQLite.
A person is the same person across interviews when the name (NFC, any case) and the birth year agree;
a human settles the rest with ``merge_people``.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass

from sqlite_utils import Database

from pipeline.errors import NotFound
from pipeline.records import Consent, InterviewMeta, MetadataFound, PersonMeta
from pipeline.database.store import now, rows
from pipeline.text import date_vn, fold, nfc

ROLES = {"witness": "witnesses", "interviewer": "interviewers", "present": "others_present"}


@dataclass(frozen=True)
class Applied:
    """What ``apply_metadata`` did: true when anything changed; ``narrowed`` the consent that took effect from
    metadata that could not be applied otherwise."""

    changed: bool
    narrowed: Consent | None = None

    def __bool__(self) -> bool:
        return self.changed


def apply_metadata(db: Database, interview_id: int, found: MetadataFound) -> Applied:
    """Bring one interview in line with its metadata.

    Metadata with problems is not applied in part: the interview waits for a fix and keeps what it
    had, except its consent, which narrows at once (see ``narrowed_consent``). A new version is recorded
    in ``metadata_versions`` before it replaces the old one.
    """
    current = db["interviews"].get(interview_id)
    usable = found.meta is not None and not found.problems
    status = "ok" if usable else ("missing" if found.meta is None and found.source is None else "waiting")
    problems = "\n".join(str(p) for p in found.problems) or None
    fingerprint = found.fingerprint if usable else current["metadata_fingerprint"]
    narrowed = None if usable else narrowed_consent(current, found)
    stale = usable and (found.fingerprint != current["metadata_fingerprint"]
                        or _consent_of(current) != found.meta.consent)
    if not stale and not narrowed and (current["metadata_status"], current["metadata_problems"],
                                       current["metadata_fingerprint"]) == (status, problems, fingerprint):
        return Applied(False)
    with db.atomic():
        if usable and found.fingerprint != current["metadata_fingerprint"]:
            db["metadata_versions"].insert({
                "interview_id": interview_id, "source": found.source, "fingerprint": found.fingerprint,
                "metadata": json.dumps(asdict(found.meta), ensure_ascii=False, sort_keys=True),
                "recorded_at": now(),
            })
        if stale:
            _write_interview(db, interview_id, found.meta, found.source)
        if narrowed:
            db["interviews"].update(interview_id, {"consent_status": narrowed.status, "consent_until": narrowed.until,
                                                   "consent_by": narrowed.given_by})
        db["interviews"].update(interview_id, {
            "metadata_status": status, "metadata_problems": problems, "metadata_fingerprint": fingerprint,
        })
    return Applied(True, narrowed)


def narrowed_consent(current: dict, found: MetadataFound) -> Consent | None:
    """The consent that takes effect from metadata that cannot be applied, when it publishes less than the
    stored one: a withdrawn consent must not wait for a typo elsewhere in the file to be fixed. A file that
    cannot be read at all states nothing anyone can trust, so it withholds the interview until it is fixed.
    Widening takes valid metadata."""
    if found.meta is not None:
        stated = found.meta.consent
    elif found.source is not None:
        stated = Consent("restricted")
    else:  # no metadata at all (a sidecar moved away): the last valid statement stands
        return None
    return stated if stated.narrows(current["consent_status"], current["consent_until"]) else None


def _consent_of(interview: dict) -> Consent:
    return Consent(interview["consent_status"], interview["consent_until"], interview["consent_by"])


def _write_interview(db: Database, interview_id: int, meta: InterviewMeta, source: str | None) -> None:
    db.execute("DELETE FROM interview_people WHERE interview_id = ?", [interview_id])
    db.execute("DELETE FROM interview_events WHERE interview_id = ?", [interview_id])
    for role, attribute in ROLES.items():
        for person in getattr(meta, attribute):
            db["interview_people"].insert(
                {"interview_id": interview_id, "person_id": person_id(db, person), "role": role}, ignore=True
            )
    for name in meta.events:
        db["interview_events"].insert({"interview_id": interview_id, "event_id": event_id(db, name)}, ignore=True)
    changes = {
        "date": meta.date, "place": meta.place, "place_id": place_id(db, meta.province, meta.district, meta.commune),
        "topics": json.dumps(meta.topics, ensure_ascii=False), "consent_status": meta.consent.status,
        "consent_until": meta.consent.until, "consent_by": meta.consent.given_by, "notes": meta.notes,
        "equipment": meta.equipment, "metadata_source": source,
        "search_text": search_text(meta),
    }
    changes["search_folded"] = fold(changes["search_text"])
    if meta.title:
        changes["title"] = meta.title
    db["interviews"].update(interview_id, changes)


def search_text(meta: InterviewMeta) -> str:
    """What the interview-level index holds: names, roles, places, events, topics and notes."""
    parts = [meta.title]
    for attribute in ROLES.values():
        for person in getattr(meta, attribute):
            parts += [person.full_name, person.home_village] + [role.title for role in person.roles]
    parts += [meta.place, meta.commune, meta.district, meta.province, *meta.events, *meta.topics, meta.notes]
    return nfc(" · ".join(p for p in parts if p))


def domain_words(db: Database, interview_id: int, glossary: list[str] = ()) -> str:
    """Names an interview's metadata gives (people, places, events) and the project glossary, as one hint."""
    names = [r[0] for r in db.execute(
        "SELECT p.full_name FROM interview_people ip JOIN people p ON p.id = ip.person_id WHERE ip.interview_id = ? "
        "UNION ALL SELECT e.name FROM interview_events ie JOIN events e ON e.id = ie.event_id WHERE ie.interview_id = ?",
        [interview_id, interview_id])]
    place = place_path(db, interview_id)
    return nfc(" ".join(dict.fromkeys([*names, *place, *glossary])))


def place_path(db: Database, interview_id: int) -> list[str]:
    found = db.execute("SELECT place_id FROM interviews WHERE id = ?", [interview_id]).fetchone()
    path, place = [], found[0] if found else None
    while place:
        name, place = db.execute("SELECT name, parent_id FROM places WHERE id = ?", [place]).fetchone()
        path.append(name)
    return path

# --- people -----------------------------------------------------------------------------------

def person_id(db: Database, person: PersonMeta) -> int:
    """The id of this person, found by name and birth year or created; extra facts fill in blanks."""
    found = _same_person(db, person)
    if found is None:
        found = db["people"].insert({
            "full_name": nfc(person.full_name), "name_folded": fold(person.full_name),
            "birth_year": person.birth_year, "sex": person.sex, "home_village": person.home_village,
            "party_joined": person.party_joined, "created_at": now(),
        }).last_pk
    else:
        row = db["people"].get(found)
        blanks = {k: v for k, v in (("sex", person.sex), ("home_village", person.home_village),
                                    ("party_joined", person.party_joined)) if v and not row[k]}
        if blanks:
            db["people"].update(found, blanks)
    for role in person.roles:
        db["person_roles"].insert(
            {"person_id": found, "title": nfc(role.title), "start_year": role.start_year, "end_year": role.end_year},
            ignore=True,
        )
    return found


def _same_person(db: Database, person: PersonMeta) -> int | None:
    key = nfc(person.full_name).lower()
    for row in db["people"].rows_where("name_folded = ?", [fold(person.full_name)]):
        if nfc(row["full_name"]).lower() == key and row["birth_year"] == person.birth_year:
            return _surviving(db, row["id"])
    return None


def _surviving(db: Database, pid: int) -> int:
    """Follow merges to the record that was kept."""
    seen = set()
    while (merged := db["people"].get(pid)["merged_into"]) and pid not in seen:
        seen.add(pid)
        pid = merged
    return pid


def merge_people(db: Database, keep: int, other: int) -> None:
    """Fold ``other`` into ``keep``: every link moves over, ``other`` remembers where it went."""
    for pid in (keep, other):
        _require(db, "people", pid, "person", "`loike people` lists them with their numbers")
    if keep == other:
        raise NotFound("A person cannot be merged with themselves: name two different numbers.")
    with db.atomic():
        for table in ("interview_people", "segment_people", "speakers"):
            db.execute(f"UPDATE OR IGNORE {table} SET person_id = ? WHERE person_id = ?", [keep, other])
            db.execute(f"DELETE FROM {table} WHERE person_id = ?", [other])
        db.execute("UPDATE OR IGNORE person_roles SET person_id = ? WHERE person_id = ?", [keep, other])
        db.execute("DELETE FROM person_roles WHERE person_id = ?", [other])
        db.execute("UPDATE people SET merged_into = ? WHERE id = ? OR merged_into = ?", [keep, other, other])


def map_speaker(db: Database, interview_id: int, label: str, person: int) -> None:
    """Say who a transcript's speaker label is; kept across re-runs (labels are per interview)."""
    _require(db, "people", person, "person", "`loike people` lists them with their numbers")
    db["speakers"].upsert({"interview_id": interview_id, "label": label, "person_id": person},
                          pk=("interview_id", "label"))


def interview_roles(db: Database, interview_id: int) -> dict[str, list[int]]:
    """The people the metadata names for an interview, by role (witness, interviewer, present)."""
    found: dict[str, list[int]] = {role: [] for role in ROLES}
    for row in rows(db.execute("SELECT person_id, role FROM interview_people WHERE interview_id = ? ORDER BY rowid",
                               [interview_id])):
        found.setdefault(row["role"], []).append(row["person_id"])
    return found


def suggest_speakers(db: Database, interview_id: int, mapping: dict[str, int]) -> dict[str, int]:
    """Map labels to people where nobody has yet: a label already mapped (by an editor, or by an earlier run
    that the labels were kept in line with) and a person who already has a label are left as they are.
    Returns what was added."""
    taken = {r["label"]: r["person_id"] for r in rows(db.execute(
        "SELECT label, person_id FROM speakers WHERE interview_id = ?", [interview_id]))}
    added = {label: person for label, person in mapping.items()
             if label not in taken and person not in taken.values()}
    for label, person in added.items():
        db["speakers"].insert({"interview_id": interview_id, "label": label, "person_id": person})
    return added


TAG_TABLES = {"person": ("segment_people", "person_id", "people"), "place": ("segment_places", "place_id", "places"),
              "event": ("segment_events", "event_id", "events")}


def tag_segment(db: Database, segment_id: int, kind: str, target: int) -> None:
    """Tag a passage with a person, place or event."""
    table, column, targets = TAG_TABLES[kind]
    _require(db, "segments", segment_id, "passage", "`loike export INTERVIEW` shows them")
    _require(db, targets, target, kind, f"`loike {targets}` lists them with their numbers")
    db[table].insert({"segment_id": segment_id, column: target}, ignore=True)


def _require(db: Database, table: str, row_id: int, what: str, hint: str) -> None:
    if not db[table].count_where("id = ?", [row_id]):
        raise NotFound(f"There is no {what} {row_id}: {hint}.")

def people(db: Database) -> list[dict]:
    """Everyone not merged away, with how many interviews name them and possible duplicates flagged."""
    found = rows(db.execute(
        "SELECT p.id, p.full_name, p.birth_year, p.sex, p.home_village, p.name_folded, "
        "(SELECT count(DISTINCT interview_id) FROM interview_people ip WHERE ip.person_id = p.id) AS interviews, "
        "(SELECT group_concat(title || coalesce(' (' || start_year || '–' || coalesce(end_year, '') || ')', ''), '; ') "
        " FROM person_roles r WHERE r.person_id = p.id) AS roles "
        "FROM people p WHERE p.merged_into IS NULL ORDER BY p.name_folded, p.birth_year"
    ))
    by_name: dict[str, list[int]] = {}
    for person in found:
        by_name.setdefault(person["name_folded"], []).append(person["id"])
    for person in found:
        person["maybe_same_as"] = [pid for pid in by_name[person.pop("name_folded")] if pid != person["id"]]
    return found


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
    return db["places"].insert(
        {"name": nfc(name), "name_folded": fold(name), "kind": kind, "parent_id": parent, "former_names": "[]"}
    ).last_pk


def event_id(db: Database, name: str) -> int:
    existing = db.execute("SELECT id FROM events WHERE name_folded = ?", [fold(name)]).fetchone()
    if existing:
        return existing[0]
    return db["events"].insert({"name": nfc(name), "name_folded": fold(name), "aliases": "[]"}).last_pk


def places(db: Database) -> list[dict]:
    return rows(db.execute(
        "SELECT p.id, p.name, p.kind, parent.name AS parent, p.former_names FROM places p "
        "LEFT JOIN places parent ON parent.id = p.parent_id ORDER BY p.kind, p.name_folded"))


def events(db: Database) -> list[dict]:
    return rows(db.execute(
        "SELECT e.id, e.name, e.date_start, e.date_end, p.name AS place, e.aliases FROM events e "
        "LEFT JOIN places p ON p.id = e.place_id ORDER BY coalesce(e.date_start, '9999'), e.name_folded"))


def add_former_name(db: Database, place: int, name: str) -> None:
    """Communes were merged, split and renamed: an old name still finds the place."""
    _require(db, "places", place, "place", "`loike places` lists them")
    _add_to_list(db, "places", "former_names", place, nfc(name))


def describe_event(db: Database, event: int, start: str | None = None, end: str | None = None,
                   place: int | None = None, alias: str | None = None) -> None:
    """Give an event its date or period (ISO dates or years), place and other names."""
    _require(db, "events", event, "event", "`loike events` lists them")
    changes = {k: v for k, v in (("date_start", start), ("date_end", end), ("place_id", place)) if v}
    if place:
        _require(db, "places", place, "place", "`loike places` lists them")
    with db.atomic():
        if changes:
            db["events"].update(event, changes)
        if alias:
            _add_to_list(db, "events", "aliases", event, nfc(alias))


def _add_to_list(db: Database, table: str, column: str, row_id: int, value: str) -> None:
    current = json.loads(db[table].get(row_id)[column] or "[]")
    if value not in current:
        db[table].update(row_id, {column: json.dumps([*current, value], ensure_ascii=False)})

# --- subject pages ----------------------------------------------------------------------------

ROLE_VN = {"witness": "Người kể", "interviewer": "Người phỏng vấn", "present": "Người cùng dự"}
KIND_VN = {"province": "Tỉnh / thành phố", "district": "Huyện / quận", "commune": "Xã / phường"}
SEX_VN = {"nam": "Nam", "nữ": "Nữ"}

PASSAGES_PER_INTERVIEW = 5
"""How many passages of one interview a subject's page lists besides those an editor tagged, which are always all
listed: verified ones first, then edited ones, then the machine's, earliest first, flagged ones last. The page
gives the count of the rest and where to find them (the sheet, ``loike search``). Listing every mention made an
event's page thousands of passages long in a large archive, and gathering them took minutes (docs/benchmarks.md)."""

PASSAGE = (
    "i.code AS interview_code, i.title AS interview_title, s.idx, s.start, s.end, "
    "coalesce(sp_person.full_name, s.speaker) AS speaker, s.text, "
    "coalesce(i.consent_status, 'unknown') AS consent_status, s.id AS segment_id "
    "FROM segments s JOIN interviews i ON i.id = s.interview_id "
    "LEFT JOIN speakers sp ON sp.interview_id = s.interview_id AND sp.label = s.speaker "
    "LEFT JOIN people sp_person ON sp_person.id = sp.person_id "
)
TAGGED = "SELECT t.{column} AS subject, 'tagged' AS how, NULL AS total, " + PASSAGE + "JOIN {table} t ON t.segment_id = s.id"
SPOKEN = ("UNION ALL SELECT sp.person_id, s.id, 1 FROM speakers sp "
          "JOIN segments s ON s.interview_id = sp.interview_id AND s.speaker = sp.label")
# Every mention of every name of one kind in one statement: each distinct name is looked up once in the
# search index, a passage found twice for a subject counts once (as spoken rather than mentioned), passages an
# editor tagged are listed apart, and of the rest only the first few of each interview are read in full.
UNTAGGED = """
WITH names(subject, phrase) AS (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?)),
phrases(phrase) AS (SELECT DISTINCT phrase FROM names),
hits(phrase, segment) AS (
    SELECT phrases.phrase, segments_fts.rowid FROM phrases CROSS JOIN segments_fts
    WHERE segments_fts MATCH phrases.phrase),
found(subject, segment, how) AS (
    SELECT names.subject, hits.segment, 2 FROM names JOIN hits ON hits.phrase = names.phrase {spoken}),
untagged(subject, segment, how) AS (
    SELECT subject, segment, min(how) FROM found
    WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE t.segment_id = found.segment AND t.{column} = found.subject)
    GROUP BY subject, segment),
ranked(subject, segment, how, n, total) AS (
    SELECT u.subject, u.segment, u.how, row_number() OVER (PARTITION BY u.subject, s.interview_id ORDER BY
               CASE s.review_status WHEN 'verified' THEN 0 WHEN 'edited' THEN 1 ELSE 2 END,
               s.flags IS NOT NULL, s.start, s.idx),
           count(*) OVER (PARTITION BY u.subject, s.interview_id)
    FROM untagged u JOIN segments s ON s.id = u.segment)
SELECT r.subject, CASE r.how WHEN 1 THEN 'spoken' ELSE 'mentioned' END AS how, r.total, """ + PASSAGE + """
JOIN ranked r ON r.segment = s.id WHERE r.n <= ?
"""
INTERVIEW = ("i.code, i.title, i.date, coalesce(i.consent_status, 'unknown') AS consent_status, i.consent_until "
             "FROM interviews i ")


def subjects(db: Database, per_interview: int = PASSAGES_PER_INTERVIEW) -> list[dict]:
    """Every person, place and event with its facts, interviews and passages, for the subject pages.

    Passages: all those an editor tagged with the subject, and of those that name it (or, for a person, that
    they speak) the first ``per_interview`` of each interview; ``more`` counts the rest by interview code.
    A few statements per kind, whatever the size of the archive.
    """
    return [*_people_subjects(db, per_interview), *_place_subjects(db, per_interview),
            *_event_subjects(db, per_interview)]


def _people_subjects(db: Database, per_interview: int) -> list[dict]:
    everyone = rows(db.execute("SELECT * FROM people WHERE merged_into IS NULL ORDER BY name_folded"))
    roles = _grouped(db.execute("SELECT person_id, title, start_year, end_year FROM person_roles "
                                "ORDER BY person_id, start_year"))
    interviews = _grouped(db.execute(
        "SELECT ip.person_id, ip.role, " + INTERVIEW + "JOIN interview_people ip ON ip.interview_id = i.id "
        "ORDER BY i.code"))
    passages = _passages(db, "person", {p["id"]: [p["full_name"]] for p in everyone}, per_interview)
    found = []
    for person in everyone:
        facts = [["Năm sinh", person["birth_year"]], ["Giới tính", SEX_VN.get(person["sex"] or "", person["sex"])],
                 ["Quê quán", person["home_village"]], ["Ngày vào Đảng", date_vn(person["party_joined"])]]
        facts += [["Chức vụ", _role_text(role)] for role in roles.get(person["id"], [])]
        named = [{**iv, "role": ROLE_VN.get(iv["role"], iv["role"])} for iv in interviews.get(person["id"], [])]
        found.append(_subject("person", person["id"], person["full_name"], facts, named, passages, per_interview))
    return found


def _place_subjects(db: Database, per_interview: int) -> list[dict]:
    every = rows(db.execute("SELECT * FROM places ORDER BY kind, name_folded"))
    names = {p["id"]: p["name"] for p in every}
    former = {p["id"]: json.loads(p["former_names"] or "[]") for p in every}
    interviews = _grouped(db.execute(
        "WITH RECURSIVE below(top, id) AS (SELECT id, id FROM places "
        "UNION ALL SELECT below.top, p.id FROM places p JOIN below ON p.parent_id = below.id) "
        "SELECT below.top, 'Nơi phỏng vấn' AS role, " + INTERVIEW + "JOIN below ON i.place_id = below.id "
        "ORDER BY i.code"))
    passages = _passages(db, "place", {p["id"]: [p["name"], *former[p["id"]]] for p in every}, per_interview)
    found = []
    for place in every:
        facts = [["Cấp", KIND_VN.get(place["kind"], place["kind"])], ["Thuộc", names.get(place["parent_id"])],
                 ["Tên cũ", "; ".join(former[place["id"]]) or None]]
        found.append(_subject("place", place["id"], place["name"], facts, interviews.get(place["id"], []), passages, per_interview))
    return found


def _event_subjects(db: Database, per_interview: int) -> list[dict]:
    every = rows(db.execute("SELECT * FROM events ORDER BY coalesce(date_start, '9999'), name_folded"))
    aliases = {e["id"]: json.loads(e["aliases"] or "[]") for e in every}
    interviews = _grouped(db.execute(
        "SELECT ie.event_id, 'Có kể về sự kiện' AS role, " + INTERVIEW
        + "JOIN interview_events ie ON ie.interview_id = i.id ORDER BY i.code"))
    passages = _passages(db, "event", {e["id"]: [e["name"], *aliases[e["id"]]] for e in every}, per_interview)
    found = []
    for event in every:
        period = " – ".join(date_vn(d) for d in (event["date_start"], event["date_end"]) if d) or None
        facts = [["Thời gian", period], ["Tên khác", "; ".join(aliases[event["id"]]) or None]]
        found.append(_subject("event", event["id"], event["name"], facts, interviews.get(event["id"], []), passages, per_interview))
    return found


def _subject(kind: str, sid: int, name: str, facts: list, interviews: list[dict],
             passages: dict[int, tuple[list[dict], dict[str, int]]], per_interview: int) -> dict:
    listed, more = passages.get(sid, ([], {}))
    return {"kind": kind, "id": sid, "name": name, "facts": [[k, str(v)] for k, v in facts if v],
            "interviews": interviews, "passages": listed, "more": more, "per_interview": per_interview}


def _grouped(cursor) -> dict[int, list[dict]]:
    """Rows by their first column (dropped), in the order the query gave them."""
    found: dict[int, list[dict]] = {}
    for row in rows(cursor):
        found.setdefault(row.pop(next(iter(row))), []).append(row)
    return found


def _passages(db: Database, kind: str, names: dict[int, list[str]], per_interview: int,
              ) -> dict[int, tuple[list[dict], dict[str, int]]]:
    """For each subject of ``kind``: its passages (every tagged one, then per interview the first
    ``per_interview`` of those that name it or that they speak), and how many more each interview holds."""
    table, column, _ = TAG_TABLES[kind]
    phrases = [[sid, 'text_folded : "' + " ".join(tokens) + '"']
               for sid, spellings in names.items() for name in spellings if (tokens := re.findall(r"\w+", fold(name)))]
    found: dict[int, tuple[list[dict], dict[str, int]]] = {}
    untagged = UNTAGGED.format(table=table, column=column, spoken=SPOKEN if kind == "person" else "")
    for row in [*rows(db.execute(TAGGED.format(table=table, column=column))),
                *rows(db.execute(untagged, [json.dumps(phrases, ensure_ascii=False), per_interview]))]:
        listed, more = found.setdefault(row.pop("subject"), ([], {}))
        total = row.pop("total")
        if total is not None and total > per_interview:
            more[row["interview_code"]] = total - per_interview
        listed.append(row)
    for listed, _ in found.values():
        listed.sort(key=lambda p: (p["interview_code"], p["idx"]))
    return found


def _role_text(role: dict) -> str:
    years = "–".join(str(y) for y in (role["start_year"], role["end_year"]) if y)
    return f"{role['title']} ({years})" if years else role["title"]
