"""People, places and events from interview metadata: dedupe, merge, history and subject passages."""

import dataclasses

import pytest

from pipeline import database
from pipeline.database.heard import MachineSegment
from pipeline.database.metadata_records import Consent, InterviewMeta, MetadataFound, MetadataProblem, PersonMeta
from pipeline.database.models import RoleHeld
from pipeline.errors import NotFound

RUN = {"model": "base", "settings": {}, "versions": {}, "started_at": "x", "finished_at": "y", "audio_seconds": 3.0}


def witness(name="Nguyễn Văn A", year=1932, **more):
    return PersonMeta(full_name=name, birth_year=year, **more)


def meta(**changes):
    base = InterviewMeta(
        witnesses=[witness(roles=[RoleHeld("nguyên Bí thư Chi bộ xã Bắc Cường", 1965, 1970)])],
        interviewers=[PersonMeta("Lê Văn C")],
        date="2020-03-12",
        commune="Bắc Cường",
        district="Hưng Hà",
        province="Thái Bình",
        events=["Cách mạng tháng Tám"],
        topics=["chi bộ"],
        consent=Consent("restricted", given_by="ông A"),
    )
    return dataclasses.replace(base, **changes)


def found(m, problems=(), fingerprint=None, recording="a.wav"):
    return MetadataFound(recording, "a.yaml", m, list(problems), fingerprint or str(hash(repr(m))))


@pytest.fixture
def db(tmp_path):
    return database.open_database(tmp_path / "loike.db")


def new_interview(db, sha="a"):
    recording = database.add_recording(db, sha * 64, f"{sha}.wav", 1, sha)
    return database.interview_id_of(db, recording), recording


def test_metadata_lands_on_the_interview_with_its_people_places_and_events(db):
    interview, _ = new_interview(db)

    assert database.apply_metadata(db, interview, found(meta()))

    row = database.interview(db, str(interview))
    assert row.metadata_status == "ok" and row.consent_status == "restricted"
    assert row.witnesses == "Nguyễn Văn A (1932)" and row.interviewers == "Lê Văn C"
    assert row.place_path == "Bắc Cường, Hưng Hà, Thái Bình" and row.events == "Cách mạng tháng Tám"
    assert row.date == "2020-03-12"
    roles = list(db["person_roles"].rows)
    assert [(r["title"], r["start_year"], r["end_year"]) for r in roles] == [
        ("nguyên Bí thư Chi bộ xã Bắc Cường", 1965, 1970)
    ]
    hits = db.execute("SELECT rowid FROM interviews_fts WHERE interviews_fts MATCH 'search_folded: bac cuong'")
    assert [h[0] for h in hits] == [interview]


def test_the_same_name_and_birth_year_is_one_person_across_interviews(db):
    first, _ = new_interview(db, "a")
    second, _ = new_interview(db, "b")
    third, _ = new_interview(db, "c")
    database.apply_metadata(db, first, found(meta()))
    database.apply_metadata(db, second, found(meta(witnesses=[witness("nguyễn văn a", 1932, sex="nam")])))
    database.apply_metadata(db, third, found(meta(witnesses=[witness("Nguyễn Văn Á", 1932)])))

    people = {p.name: p for p in database.people(db)}
    assert people["Nguyễn Văn A"].interviews == 2, "same name in any case and same year: one person"
    assert "Nguyễn Văn Á" in people, "a different tone is a different name"
    assert people["Nguyễn Văn A"].maybe_same_as == [people["Nguyễn Văn Á"].id]
    assert db["people"].get(people["Nguyễn Văn A"].id)["sex"] == "nam", "later facts fill in blanks"


def test_merging_two_people_moves_every_link(db):
    first, _ = new_interview(db, "a")
    second, _ = new_interview(db, "b")
    database.apply_metadata(db, first, found(meta()))
    database.apply_metadata(db, second, found(meta(witnesses=[witness(year=None)])))
    keep, other = sorted(p.id for p in database.people(db) if p.name == "Nguyễn Văn A")

    database.merge_people(db, keep, other)

    [person] = [p for p in database.people(db) if p.name == "Nguyễn Văn A"]
    assert person.id == keep and person.interviews == 2
    # the merged record is remembered, so the next run maps the same metadata to the kept person
    database.apply_metadata(db, second, found(meta(witnesses=[witness(year=None)], notes="sửa"), fingerprint="2"))
    assert [p.interviews for p in database.people(db) if p.name == "Nguyễn Văn A"] == [2]
    with pytest.raises(NotFound, match="There is no person 999: `loike people` lists them"):
        database.merge_people(db, keep, 999)


def test_metadata_with_problems_is_not_applied_in_part_and_the_interview_waits(db):
    interview, _ = new_interview(db)
    database.apply_metadata(db, interview, found(meta(), fingerprint="v1"))
    problem = MetadataProblem("a.yaml", "dòng 3 / line 3", "date", "Ngày không hợp lệ", "bad date")

    database.apply_metadata(db, interview, found(meta(date="2099-01-01", province="Hà Nội"), [problem], "v2"))

    row = database.interview(db, str(interview))
    assert row.metadata_status == "waiting" and row.date == "2020-03-12"
    assert row.metadata_problems == "a.yaml, dòng 3 / line 3, date: Ngày không hợp lệ / bad date"
    assert database.count_waiting_for_metadata(db) == 1


def test_edited_metadata_replaces_the_old_and_keeps_it_in_history(db):
    interview, _ = new_interview(db)
    database.apply_metadata(db, interview, found(meta(), fingerprint="v1"))
    assert not database.apply_metadata(db, interview, found(meta(), fingerprint="v1")), "unchanged: no work"

    database.apply_metadata(db, interview, found(meta(events=["Kháng chiến chống Pháp"]), fingerprint="v2"))

    assert database.interview(db, str(interview)).events == "Kháng chiến chống Pháp"
    versions = list(db["metadata_versions"].rows_where(order_by="id"))
    assert [v["fingerprint"] for v in versions] == ["v1", "v2"] and "Cách mạng tháng Tám" in versions[0]["metadata"]


def test_subjects_list_tagged_spoken_and_mentioned_passages(db):
    interview, recording = new_interview(db)
    database.apply_metadata(db, interview, found(meta()))
    database.save_transcript(
        db,
        recording,
        [
            MachineSegment(0, 2, "Bác kể về chi bộ.", -0.2, 0.0, 1.0, speaker="SPEAKER_1"),
            MachineSegment(2, 4, "Hồi đó ông Nguyễn Văn A làm bí thư.", -0.2, 0.0, 1.0, speaker="SPEAKER_2"),
            MachineSegment(4, 6, "Cách mạng tháng Tám thành công ở Bắc Cường.", -0.2, 0.0, 1.0, speaker="SPEAKER_2"),
        ],
        RUN,
    )
    person = next(p.id for p in database.people(db) if p.name == "Nguyễn Văn A")
    db["speakers"].insert({"interview_id": interview, "label": "SPEAKER_2", "person_id": person})
    first_segment = db.execute("SELECT id FROM segments WHERE idx = 0").fetchone()[0]
    db["segment_people"].insert({"segment_id": first_segment, "person_id": person})

    by_name = {s.name: s for s in database.subjects(db)}

    a = by_name["Nguyễn Văn A"]
    assert [(p.idx, p.how) for p in a.passages] == [(0, "tagged"), (1, "spoken"), (2, "spoken")]
    assert ("Năm sinh", "1932") in a.facts and a.interviews[0].role == "Người kể"
    assert a.passages[1].speaker == "Nguyễn Văn A", "a mapped speaker label shows the person's name"
    assert [(p.idx, p.how) for p in by_name["Cách mạng tháng Tám"].passages] == [(2, "mentioned")]
    assert [p.idx for p in by_name["Bắc Cường"].passages] == [2]
    assert by_name["Thái Bình"].interviews[0].code.startswith("LK-"), "places include the places below"


def test_domain_words_gather_the_names_an_interview_gives(db):
    interview, _ = new_interview(db)
    database.apply_metadata(db, interview, found(meta()))
    words = database.domain_words(db, interview, ["hợp tác xã"])
    assert words == "Nguyễn Văn A Lê Văn C Cách mạng tháng Tám Bắc Cường Hưng Hà Thái Bình hợp tác xã"


def test_places_keep_former_names_and_events_get_dates_places_and_aliases(db):
    interview, _ = new_interview(db)
    database.apply_metadata(db, interview, found(meta()))
    commune = next(p.id for p in database.places(db) if p.name == "Bắc Cường")
    event = database.events(db)[0].id

    database.add_former_name(db, commune, "xã Bắc Cường cũ")
    database.add_former_name(db, commune, "xã Bắc Cường cũ")
    database.describe_event(db, event, "1945-08-19", None, place=commune, alias="Tổng khởi nghĩa")

    assert [p.former_names for p in database.places(db) if p.id == commune] == [["xã Bắc Cường cũ"]]
    [described] = database.events(db)
    assert (described.date_start, described.place, described.aliases) == (
        "1945-08-19",
        "Bắc Cường",
        ["Tổng khởi nghĩa"],
    )
    subject = next(s for s in database.subjects(db) if s.kind == "event")
    assert ("Thời gian", "19/08/1945") in subject.facts and ("Tên khác", "Tổng khởi nghĩa") in subject.facts
    with pytest.raises(NotFound, match="There is no place 99: `loike places` lists them"):
        database.add_former_name(db, 99, "x")


def test_a_subject_lists_every_tagged_passage_and_a_few_mentions_of_each_interview(db):
    interview, recording = new_interview(db)
    database.apply_metadata(db, interview, found(meta()))
    database.save_transcript(
        db,
        recording,
        [
            MachineSegment(i * 2, i * 2 + 2, f"Đoạn {i}: Cách mạng tháng Tám về tới làng.", -0.2, 0.0, 1.0)
            for i in range(12)
        ]
        + [MachineSegment(30, 32, "Chuyện khác.", -0.2, 0.0, 1.0)],
        RUN,
    )
    event = database.events(db)[0].id
    ids = {idx: sid for sid, idx in db.execute("SELECT id, idx FROM segments")}
    for idx in (1, 9, 10, 11, 12):  # the last one does not name the event: tagged all the same
        database.tag_segment(db, ids[idx], "event", event)
    db.execute("UPDATE segments SET review_status = 'verified' WHERE idx = 8")
    db.execute("UPDATE segments SET flags = 'repetition' WHERE idx = 0")
    db.conn.commit()

    [subject] = [s for s in database.subjects(db, per_interview=3) if s.kind == "event"]

    listed = [(p.idx, p.how) for p in subject.passages]
    tagged = [(idx, "tagged") for idx in (1, 9, 10, 11, 12)]
    # Of the 8 untagged mentions: the verified one first, then the earliest, the flagged one last.
    assert sorted(listed) == sorted(tagged + [(8, "mentioned"), (2, "mentioned"), (3, "mentioned")])
    assert [p.idx for p in subject.passages] == sorted(p.idx for p in subject.passages)
    code = database.interview(db, str(interview)).code
    assert subject.more == {code: 5} and subject.per_interview == 3

    [everything] = [s for s in database.subjects(db, per_interview=100) if s.kind == "event"]
    assert len(everything.passages) == 13 and everything.more == {}


def test_spoken_and_mentioned_passages_share_the_cap_and_count_once(db):
    interview, recording = new_interview(db)
    database.apply_metadata(db, interview, found(meta()))
    database.save_transcript(
        db,
        recording,
        [
            MachineSegment(
                i * 2,
                i * 2 + 2,
                "Tôi là Nguyễn Văn A." if i % 2 else "Tôi kể tiếp.",
                -0.2,
                0.0,
                1.0,
                speaker="SPEAKER_1",
            )
            for i in range(6)
        ]
        + [MachineSegment(20, 22, "Ông Nguyễn Văn A về.", -0.2, 0.0, 1.0, speaker="SPEAKER_2")],
        RUN,
    )
    person = next(p.id for p in database.people(db) if p.name == "Nguyễn Văn A")
    database.map_speaker(db, interview, "SPEAKER_1", person)

    a = next(s for s in database.subjects(db, per_interview=4) if s.name == "Nguyễn Văn A")

    assert [(p.idx, p.how) for p in a.passages] == [(0, "spoken"), (1, "spoken"), (2, "spoken"), (3, "spoken")]
    assert sum(a.more.values()) == 3  # idx 4, 5 spoken and 6 mentioned: 7 passages in all, each once
