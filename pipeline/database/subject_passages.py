"""What the people, places and events pages list, gathered in a few statements per kind whatever the size of
the archive: each subject's facts, the interviews that name it, and its passages."""

from __future__ import annotations

import json
import re

from pipeline.database.connection import rows
from pipeline.database.sqlite import Database
from pipeline.database.subject_records import PASSAGES_PER_INTERVIEW, Subject, SubjectInterview, SubjectPassage
from pipeline.database.subjects import TAG_TABLES
from pipeline.text import date_vn, fold

ROLE_VN = {"witness": "Người kể", "interviewer": "Người phỏng vấn", "present": "Người cùng dự"}
KIND_VN = {"province": "Tỉnh / thành phố", "district": "Huyện / quận", "commune": "Xã / phường"}
SEX_VN = {"nam": "Nam", "nữ": "Nữ"}

PASSAGE = (
    "i.code AS interview_code, i.title AS interview_title, s.idx, s.start, s.end, "
    "coalesce(sp_person.full_name, s.speaker) AS speaker, s.text, "
    "coalesce(i.consent_status, 'unknown') AS consent_status, s.id AS segment_id "
    "FROM segments s JOIN interviews i ON i.id = s.interview_id "
    "LEFT JOIN speakers sp ON sp.interview_id = s.interview_id AND sp.label = s.speaker "
    "LEFT JOIN people sp_person ON sp_person.id = sp.person_id "
)
TAGGED = (
    "SELECT t.{column} AS subject, 'tagged' AS how, NULL AS total, " + PASSAGE + "JOIN {table} t ON t.segment_id = s.id"
)
SPOKEN = (
    "UNION ALL SELECT sp.person_id, s.id, 1 FROM speakers sp "
    "JOIN segments s ON s.interview_id = sp.interview_id AND s.speaker = sp.label"
)
# Every mention of every name of one kind in one statement: each distinct name is looked up once in the
# search index, a passage found twice for a subject counts once (as spoken rather than mentioned), passages an
# editor tagged are listed apart, and of the rest only the first few of each interview are read in full.
UNTAGGED = (
    """
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
SELECT r.subject, CASE r.how WHEN 1 THEN 'spoken' ELSE 'mentioned' END AS how, r.total, """
    + PASSAGE
    + """
JOIN ranked r ON r.segment = s.id WHERE r.n <= ?
"""
)
SETTLED = (
    "SELECT event_id, aspect, answer, decided_by, decided_on, max(id) FROM workshop_conclusions "
    "GROUP BY event_id, aspect ORDER BY event_id, aspect"
)
"""The workshop's conclusion in force on each aspect of each event (the latest), shown on the event's page."""
ASPECT_VN = {"date": "thời gian", "place": "địa điểm", "people": "người tham gia"}
INTERVIEW = (
    "i.code, i.title, i.date, coalesce(i.consent_status, 'unknown') AS consent_status, i.consent_until "
    "FROM interviews i "
)


def subjects(db: Database, per_interview: int = PASSAGES_PER_INTERVIEW) -> list[Subject]:
    """Every person, place and event with its facts, interviews and passages, for the subject pages.

    Passages: all those an editor tagged with the subject, and of those that name it (or, for a person, that
    they speak) the first ``per_interview`` of each interview; ``more`` counts the rest by interview code.
    A few statements per kind, whatever the size of the archive.
    """
    return [
        *_people_subjects(db, per_interview),
        *_place_subjects(db, per_interview),
        *_event_subjects(db, per_interview),
    ]


def _people_subjects(db: Database, per_interview: int) -> list[Subject]:
    everyone = rows(db.execute("SELECT * FROM people WHERE merged_into IS NULL ORDER BY name_folded"))
    roles = _grouped(
        db.execute("SELECT person_id, title, start_year, end_year FROM person_roles ORDER BY person_id, start_year")
    )
    interviews = _grouped(
        db.execute(
            "SELECT ip.person_id, ip.role, " + INTERVIEW + "JOIN interview_people ip ON ip.interview_id = i.id "
            "ORDER BY i.code"
        )
    )
    passages = _passages(db, "person", {p["id"]: [p["full_name"]] for p in everyone}, per_interview)
    found = []
    for person in everyone:
        facts = [
            ["Năm sinh", person["birth_year"]],
            ["Giới tính", SEX_VN.get(person["sex"] or "", person["sex"])],
            ["Quê quán", person["home_village"]],
            ["Ngày vào Đảng", date_vn(person["party_joined"])],
        ]
        facts += [["Chức vụ", _role_text(role)] for role in roles.get(person["id"], [])]
        named = [{**iv, "role": ROLE_VN.get(iv["role"], iv["role"])} for iv in interviews.get(person["id"], [])]
        found.append(_subject("person", person["id"], person["full_name"], facts, named, passages, per_interview))
    return found


def _place_subjects(db: Database, per_interview: int) -> list[Subject]:
    every = rows(db.execute("SELECT * FROM places ORDER BY kind, name_folded"))
    names = {p["id"]: p["name"] for p in every}
    former = {p["id"]: json.loads(p["former_names"] or "[]") for p in every}
    interviews = _grouped(
        db.execute(
            "WITH RECURSIVE below(top, id) AS (SELECT id, id FROM places "
            "UNION ALL SELECT below.top, p.id FROM places p JOIN below ON p.parent_id = below.id) "
            "SELECT below.top, 'Nơi phỏng vấn' AS role, " + INTERVIEW + "JOIN below ON i.place_id = below.id "
            "ORDER BY i.code"
        )
    )
    passages = _passages(db, "place", {p["id"]: [p["name"], *former[p["id"]]] for p in every}, per_interview)
    found = []
    for place in every:
        facts = [
            ["Cấp", KIND_VN.get(place["kind"], place["kind"])],
            ["Thuộc", names.get(place["parent_id"])],
            ["Tên cũ", "; ".join(former[place["id"]]) or None],
        ]
        found.append(
            _subject(
                "place", place["id"], place["name"], facts, interviews.get(place["id"], []), passages, per_interview
            )
        )
    return found


def _event_subjects(db: Database, per_interview: int) -> list[Subject]:
    every = rows(db.execute("SELECT * FROM events ORDER BY coalesce(date_start, '9999'), name_folded"))
    aliases = {e["id"]: json.loads(e["aliases"] or "[]") for e in every}
    interviews = _grouped(
        db.execute(
            "SELECT ie.event_id, 'Có kể về sự kiện' AS role, "
            + INTERVIEW
            + "JOIN interview_events ie ON ie.interview_id = i.id ORDER BY i.code"
        )
    )
    passages = _passages(db, "event", {e["id"]: [e["name"], *aliases[e["id"]]] for e in every}, per_interview)
    settled = _grouped(db.execute(SETTLED))
    found = []
    for event in every:
        period = " – ".join(filter(None, map(date_vn, (event["date_start"], event["date_end"])))) or None
        facts = [["Thời gian", period], ["Tên khác", "; ".join(aliases[event["id"]]) or None]]
        facts += [[f"Hội thảo kết luận ({ASPECT_VN[c['aspect']]})", _settled(c)] for c in settled.get(event["id"], [])]
        found.append(
            _subject(
                "event", event["id"], event["name"], facts, interviews.get(event["id"], []), passages, per_interview
            )
        )
    return found


def _settled(conclusion: dict) -> str:
    """ "1945 (Hội thảo lịch sử Đảng bộ xã, 12/05/2026)"."""
    return f"{conclusion['answer']} ({conclusion['decided_by']}, {date_vn(conclusion['decided_on'])})"


def _subject(
    kind: str,
    sid: int,
    name: str,
    facts: list,
    interviews: list[dict],
    passages: dict[int, tuple[list[SubjectPassage], dict[str, int]]],
    per_interview: int,
) -> Subject:
    listed, more = passages.get(sid, ([], {}))
    return Subject(
        kind,
        sid,
        name,
        [(k, str(v)) for k, v in facts if v],
        [SubjectInterview(**iv) for iv in interviews],
        listed,
        more,
        per_interview,
    )


def _grouped(cursor) -> dict[int, list[dict]]:
    """Rows by their first column (dropped), in the order the query gave them."""
    found: dict[int, list[dict]] = {}
    for row in rows(cursor):
        found.setdefault(row.pop(next(iter(row))), []).append(row)
    return found


def _passages(
    db: Database,
    kind: str,
    names: dict[int, list[str]],
    per_interview: int,
) -> dict[int, tuple[list[SubjectPassage], dict[str, int]]]:
    """For each subject of ``kind``: its passages (every tagged one, then per interview the first
    ``per_interview`` of those that name it or that they speak), and how many more each interview holds."""
    table, column, _ = TAG_TABLES[kind]
    phrases = [
        [sid, 'text_folded : "' + " ".join(tokens) + '"']
        for sid, spellings in names.items()
        for name in spellings
        if (tokens := re.findall(r"\w+", fold(name)))
    ]
    found: dict[int, tuple[list[SubjectPassage], dict[str, int]]] = {}
    untagged = UNTAGGED.format(table=table, column=column, spoken=SPOKEN if kind == "person" else "")
    for row in [
        *rows(db.execute(TAGGED.format(table=table, column=column))),
        *rows(db.execute(untagged, [json.dumps(phrases, ensure_ascii=False), per_interview])),
    ]:
        listed, more = found.setdefault(row.pop("subject"), ([], {}))
        total = row.pop("total")
        if total is not None and total > per_interview:
            more[row["interview_code"]] = total - per_interview
        listed.append(SubjectPassage(**row))
    for listed, _ in found.values():
        listed.sort(key=lambda p: (p.interview_code, p.idx))
    return found


def _role_text(role: dict) -> str:
    years = "–".join(str(y) for y in (role["start_year"], role["end_year"]) if y)
    return f"{role['title']} ({years})" if years else role["title"]
