"""Transcribing an interview again never overwrites an editor's work: touched segments stay, with the new machine
text beside them; the rest is replaced; all in one transaction."""

from __future__ import annotations

import pytest

from pipeline import database
from pipeline.catalogue import search
from pipeline.database import kept_edits
from pipeline.database.heard import MachineSegment
from pipeline.database.models import Tag, Word
from pipeline.desk import editing

RUN = {"model": "base", "settings": {}, "versions": {}, "started_at": "x", "finished_at": "y", "audio_seconds": 20.0}
LARGE = {**RUN, "model": "large-v3"}
FIRST = [
    (0.0, 3.0, "tôi sinh năm một"),
    (4.0, 7.0, "chín ba hai ở"),
    (8.0, 10.0, "Bắc Cường"),
    (11.0, 14.0, "hồi đó làng"),
    (15.0, 18.0, "đi kháng chiến"),
]


def seg(start: float, end: float, text: str) -> MachineSegment:
    words = text.split()
    step = (end - start) / len(words)
    return MachineSegment(
        start,
        end,
        text,
        -0.2,
        0.01,
        1.2,
        [Word(round(start + i * step, 3), round(start + (i + 1) * step, 3), w, 0.9) for i, w in enumerate(words)],
    )


@pytest.fixture
def db(tmp_path):
    db = database.open_database(tmp_path / "loike.db")
    db.recording = database.add_recording(db, "a" * 64, "a.wav", 1, "a")
    database.save_transcript(db, db.recording, [seg(*s) for s in FIRST], RUN)
    db["people"].insert({"id": 7, "full_name": "Nguyễn Văn A", "name_folded": "nguyen van a"})
    return db


def rows(db) -> list[dict]:
    return database.segments(db, 1)


def by_start(db) -> dict[float, dict]:
    return {s.start: s for s in rows(db)}


# --- which segments count as touched -----------------------------------------------------------------

TOUCHES = {
    "edited": "UPDATE segments SET review_status = 'edited', text = 'Bắc Cường xưa' WHERE id = :id",
    "verified": "UPDATE segments SET review_status = 'verified' WHERE id = :id",
    "note": "UPDATE segments SET note = 'hỏi lại tên xã' WHERE id = :id",
    "speaker": "UPDATE segments SET person_id = 7 WHERE id = :id",
    "person tag": "INSERT INTO segment_people (segment_id, person_id) VALUES (:id, 7)",
    "revision": "INSERT INTO segment_revisions (segment_id, interview_id, action, at) VALUES (:id, 1, 'untag', 'x')",
    "quote": "INSERT INTO quotes (interview_id, first_segment_id, last_segment_id, text, created_at) "
    "VALUES (1, :id, :id, 'Bắc Cường', 'x')",
}


@pytest.mark.parametrize("touch", TOUCHES)
def test_each_kind_of_touch_keeps_a_segment_and_nothing_else(db, touch):
    third = by_start(db)[8.0]
    db.execute(TOUCHES[touch], {"id": third.id})
    assert [k["id"] for k in kept_edits.touched(db, 1)] == [third.id]


def test_an_empty_note_is_not_a_touch(db):
    db.execute("UPDATE segments SET note = '' WHERE idx = 2")
    assert kept_edits.touched(db, 1) == []


def test_the_segments_inside_a_quote_are_kept_with_its_ends(db):
    first, last = by_start(db)[4.0].id, by_start(db)[11.0].id
    editing.add_quote(db, first, last, "Lan")
    assert [k["start"] for k in kept_edits.touched(db, 1)] == [4.0, 8.0, 11.0]


# --- the overlap rule ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "a, b, expected",
    [
        ((0.0, 4.0), (0.0, 4.0), True),
        ((0.0, 4.0), (0.5, 4.4), True),  # the same sentence, cut a little later
        ((0.0, 4.0), (1.0, 2.0), True),  # all of the shorter one
        ((0.0, 4.0), (3.0, 6.0), False),  # a neighbour grazing the end: 1 s of 3
        ((0.0, 4.0), (2.0, 6.0), False),  # exactly half is not more than half
        ((0.0, 4.0), (1.9, 6.0), True),
        ((0.0, 4.0), (4.0, 8.0), False),  # touching
        ((2.0, 2.0), (0.0, 4.0), True),  # no length, inside
        ((5.0, 5.0), (0.0, 4.0), False),
    ],
)
def test_overlap_is_more_than_half_of_the_shorter(a, b, expected):
    assert kept_edits.overlaps(*a, *b) is expected
    assert kept_edits.overlaps(*b, *a) is expected


def test_a_new_segment_over_two_kept_ones_goes_beside_the_one_it_shares_most_with():
    kept = [{"id": 1, "start": 0.0, "end": 2.0}, {"id": 2, "start": 2.5, "end": 6.0}]
    placement = kept_edits.place([seg(1.0, 6.0, "một hai"), seg(7.0, 9.0, "ba")], kept)
    assert [s.text for s in placement.insert] == ["ba"]
    assert {k: [s.text for s in v] for k, v in placement.beside.items()} == {2: ["một hai"]}


# --- saving a transcript again ---------------------------------------------------------------------------


def test_edited_verified_tagged_and_quoted_segments_survive_and_the_rest_is_replaced(db):
    before = by_start(db)
    edited = editing.edit(db, before[0.0].id, 1, "Lan", text="Tôi sinh năm 1932")
    verified = editing.edit(db, before[4.0].id, 1, "Hùng", status="verified")
    db.execute("INSERT INTO segment_people (segment_id, person_id) VALUES (?, 7)", [before[8.0].id])  # loike tag
    quote = editing.add_quote(db, before[11.0].id, before[11.0].id, "Lan", comment="cho chương 2")
    kept_words = {s.id: s.words for s in rows(db) if s.start < 15.0}

    run_id = database.save_transcript(
        db,
        db.recording,
        [
            seg(0.2, 3.1, "tôi sinh năm một nghìn chín trăm ba mươi hai"),  # stands for the edited one
            seg(4.1, 6.8, "ở xã Bắc Cường"),  # for the verified one
            seg(8.0, 10.2, "Bắc Cường ạ"),  # for the tagged one
            seg(11.2, 13.9, "hồi đó cả làng"),  # for the quoted one
            seg(15.0, 17.0, "đi kháng chiến chống Pháp"),  # replaces the untouched one
            seg(18.5, 20.0, "rồi vào du kích"),  # new: nothing was heard there before
        ],
        LARGE,
    )

    after = rows(db)
    assert [s.idx for s in after] == list(range(6)) and [s.start for s in after] == [0.0, 4.0, 8.0, 11.0, 15.0, 18.5]
    assert [s.text for s in after] == [
        "Tôi sinh năm 1932",
        "chín ba hai ở",
        "Bắc Cường",
        "hồi đó làng",
        "đi kháng chiến chống Pháp",
        "rồi vào du kích",
    ]
    unchanged = ("id", "text", "version", "edited_by", "edited_at", "review_status", "run_id")
    assert [{k: getattr(s, k) for k in unchanged} for s in after[:2]] == [
        {k: getattr(s, k) for k in unchanged} for s in (edited, verified)
    ]
    assert after[1].review_status == "verified" and after[0].review_status == "edited"
    assert {s.id: s.words for s in after[:4]} == kept_words, "kept segments keep their words"
    assert before[15.0].id not in {s.id for s in after}, "the untouched segment was replaced"
    assert [s.run_id for s in after[4:]] == [run_id, run_id] and after[4].review_status == "machine"
    assert editing.quote(db, quote.id).first_segment_id == after[3].id
    assert database.interview_tags(db, 1)[after[2].id] == [Tag("person", 7, "Nguyễn Văn A")]

    beside = database.alternatives(db, 1)
    assert {sid: [(a.text, a.model, a.run_id) for a in alts] for sid, alts in beside.items()} == {
        after[0].id: [("tôi sinh năm một nghìn chín trăm ba mươi hai", "large-v3", run_id)],
        after[1].id: [("ở xã Bắc Cường", "large-v3", run_id)],
        after[2].id: [("Bắc Cường ạ", "large-v3", run_id)],
        after[3].id: [("hồi đó cả làng", "large-v3", run_id)],
    }
    assert db.execute("SELECT count(*) FROM words WHERE segment_id NOT IN (SELECT id FROM segments)").fetchone() == (0,)
    [event] = [e for e in database.recording_log(db, db.recording) if e.action == "transcribed"][-1:]
    assert (
        event.detail == "2 segments, model large-v3; 4 segments editors had touched kept, 4 new texts set beside them"
    )


def test_search_follows_the_new_transcript_and_keeps_the_edited_text(db):
    editing.edit(db, by_start(db)[0.0].id, 1, "Lan", text="Tôi sinh năm 1932")
    database.save_transcript(db, db.recording, [seg(0.0, 3.0, "sinh năm ba hai"), seg(15.0, 18.0, "đi du kích")], LARGE)

    assert [h.text for h in search.search(db, "du kich")] == ["đi du kích"]
    assert search.search(db, "khang chien") == [], "the replaced machine text is no longer found"
    assert [h.text for h in search.search(db, "1932")] == ["Tôi sinh năm 1932"]
    assert search.search(db, "ba hai") == [], "text beside a kept segment is not in the transcript"
    db.execute("INSERT INTO segments_fts(segments_fts) VALUES('integrity-check')")  # raises if out of step


def test_alternatives_pile_up_over_runs_and_machine_segments_are_replaced_each_time(db):
    edited = by_start(db)[8.0].id
    editing.edit(db, edited, 1, "Lan", text="xã Bắc Cường")
    for text in ("Bắc Cường một", "Bắc Cường hai"):
        database.save_transcript(db, db.recording, [seg(0.0, 3.0, "mở đầu"), seg(8.1, 9.9, text)], LARGE)
    assert [s.text for s in rows(db)] == ["mở đầu", "xã Bắc Cường"]
    assert [a.text for a in database.alternatives(db, 1)[edited]] == ["Bắc Cường một", "Bắc Cường hai"]
    assert len({s.id for s in rows(db)}) == 2


def gap(start: float, end: float) -> MachineSegment:
    """Speech VAD heard and Whisper did not write, as ``Transcriber.transcribe`` hands it over."""
    return MachineSegment(start, end, "", None, None, None, speech_fraction=1.0, flags=["unwritten_speech"])


def test_a_gap_an_editor_filled_is_kept_and_a_new_gap_over_it_adds_nothing_beside_it(db):
    database.save_transcript(db, db.recording, [seg(0.0, 3.0, "mở đầu"), gap(8.0, 10.0), gap(15.0, 18.0)], RUN)
    filled, untouched = by_start(db)[8.0], by_start(db)[15.0]
    assert (filled.text, filled.flags, filled.words) == ("", "unwritten_speech", [])
    editing.edit(db, filled.id, 1, "Lan", text="xã Bắc Cường")

    database.save_transcript(
        db, db.recording, [seg(0.0, 3.0, "mở đầu"), gap(8.1, 9.9), seg(15.0, 18.0, "đi kháng chiến")], LARGE
    )

    assert [(s.text, s.review_status) for s in rows(db)] == [
        ("mở đầu", "machine"),
        ("xã Bắc Cường", "edited"),
        ("đi kháng chiến", "machine"),
    ]
    assert database.alternatives(db, 1) == {}, "the new run did not write it either: nothing to set beside"
    assert untouched.id not in {s.id for s in rows(db)}, "a gap nobody filled is replaced like machine text"
    assert [h.text for h in search.search(db, "bac cuong")] == ["xã Bắc Cường"]


def test_a_failure_while_saving_again_leaves_the_old_transcript_whole(db, monkeypatch):
    editing.edit(db, by_start(db)[0.0].id, 1, "Lan", text="Tôi sinh năm 1932")
    before = rows(db)
    runs = db["transcription_runs"].count

    def crash(*_):
        raise OSError("disk gone")

    monkeypatch.setattr(kept_edits, "renumber", crash)
    with pytest.raises(OSError):
        database.save_transcript(db, db.recording, [seg(0.0, 3.0, "khác"), seg(20.0, 22.0, "mới")], LARGE)

    assert rows(db) == before and db["transcription_runs"].count == runs
    assert db["segment_alternatives"].count == 0
    assert [h.text for h in search.search(db, "khang chien")] == ["đi kháng chiến"]


def test_a_new_segment_never_takes_the_id_and_history_of_one_merged_away(db):
    last, before_last = by_start(db)[15.0], by_start(db)[11.0]
    editing.merge(db, before_last.id, 1, 1, "Lan")  # the last segment goes; its history stays under its id
    database.save_transcript(db, db.recording, [seg(20.0, 22.0, "mới")], LARGE)
    [new] = [s for s in rows(db) if s.start == 20.0]
    assert new.id > last.id and database.segment_history(db, new.id) == []


# --- re-transcribing a real interview ---------------------------------------------------------------------


@pytest.mark.slow
def test_retranscribe_keeps_the_edited_segment_and_replaces_the_other(archive, transcriber):
    """Real Whisper on the dialogue (two segments): the first edited, the second left as the machine wrote it."""
    import os

    from click.testing import CliRunner

    from pipeline import cli
    from pipeline.run import process

    os.utime(archive.drop("vi_dialogue.ogg"), (0, 0))
    assert process.process_archive(archive, transcriber=transcriber, settle_seconds=0).transcribed == 1
    db = database.open_database(archive.database)
    code = database.interviews(db)[0].code
    first, second = database.segments(db, 1)
    edited = "Thưa bác, bác có thể kể về ngày thành lập Chi bộ xã Bắc Cường không ạ?"
    editing.edit(db, first.id, 1, "Lan", text=edited)
    db.close()

    result = CliRunner().invoke(cli.cli, ["--root", str(archive.root), "retranscribe", code, "--beam-size", "5"])

    assert result.exit_code == 0, result.output
    assert (
        f"{code} transcribed again with model base: 2 segments; 1 an editor had touched kept as they were, "
        "1 new machine texts set beside them."
    ) in result.output
    db = database.open_database(archive.database)
    now = database.segments(db, 1)
    assert now[0].id == first.id and now[0].text == edited and now[0].words == first.words
    assert now[1].id != second.id and now[1].text == second.text, "same model, same text, a new row"
    [alternative] = database.alternatives(db, 1)[first.id]
    assert alternative.text == first.text and alternative.run_id == now[1].run_id
    assert [h.segment_id for h in search.search(db, f'"{second.text.split()[0]}"')] == [now[1].id]
    assert [e.action for e in database.recording_log(db, 1)][-3:] == ["retranscribe", "normalised", "transcribed"]
    assert "1 segments editors had touched kept" in database.recording_log(db, 1)[-1].detail
    db.close()
    assert edited in (archive.sheets_dir / f"{code}.html").read_text(encoding="utf-8")

    missing = CliRunner().invoke(cli.cli, ["--root", str(archive.root), "retranscribe", "LK-1999-001"])
    assert missing.exit_code == 1
    assert "There is no interview 'LK-1999-001': `loike status` lists the interview codes." in missing.output


@pytest.mark.slow
def test_a_model_that_cannot_load_changes_nothing(archive, transcriber):
    import os

    from pipeline.errors import ModelError
    from pipeline.options import TranscribeOptions
    from pipeline.run import process, retranscribe

    os.utime(archive.drop("vi_dialogue.ogg"), (0, 0))
    process.process_archive(archive, transcriber=transcriber, settle_seconds=0)
    db = database.open_database(archive.database)
    before, events = database.segments(db, 1), database.recording_log(db, 1)

    with pytest.raises(ModelError, match="not on this machine and the hub cannot be reached"):
        retranscribe.retranscribe(archive, "1", TranscribeOptions(model="large-v3"))

    assert database.segments(db, 1) == before and database.recording_log(db, 1) == events
    assert database.interviews(db)[0].status == "transcribed"


@pytest.mark.slow
def test_a_retranscription_that_fails_leaves_the_interview_as_it_was(archive, transcriber):
    import os

    from pipeline.run import process, retranscribe

    original = archive.drop("vi_dialogue.ogg")
    os.utime(original, (0, 0))
    process.process_archive(archive, transcriber=transcriber, settle_seconds=0)
    db = database.open_database(archive.database)
    before = database.segments(db, 1)
    original.unlink()

    done = retranscribe.retranscribe(archive, "1", transcriber=transcriber)

    [failure] = done.run.failures
    assert "vi_dialogue.ogg is no longer in recordings/: put the original back and run again." in failure.message
    assert database.segments(db, 1) == before and database.interviews(db)[0].status == "transcribed"
    assert database.recordings_to_process(db) == [], "the next `loike run` does not pick it up again"
    from click.testing import CliRunner

    from pipeline import cli

    said = CliRunner().invoke(cli.cli, ["--root", str(archive.root), "retranscribe", "1"])
    assert said.exit_code == 1
    assert (
        "Failed: vi_dialogue.ogg is no longer in recordings/: put the original back and run again. The transcript of "
        in said.output
        and "is as it was." in said.output
    )


@pytest.mark.slow
def test_a_retranscription_killed_while_storing_leaves_the_old_transcript_and_the_next_run_finishes(
    archive, transcriber, model_cache
):
    """SIGKILL (a power cut) in the middle of the transaction: the edited transcript is whole; the recording
    waits as normalised, and the next `loike run` transcribes it again, still keeping the edit."""
    import os
    import subprocess
    import sys

    from pipeline.run import process

    os.utime(archive.drop("vi_dialogue.ogg"), (0, 0))
    process.process_archive(archive, transcriber=transcriber, settle_seconds=0)
    db = database.open_database(archive.database)
    first = database.segments(db, 1)[0]
    editing.edit(db, first.id, 1, "Lan", text="Thưa bác, đoạn này đã sửa.")
    before = database.segments(db, 1)
    db.close()
    env = {**os.environ, "LOIKE_CACHE": str(model_cache), "HF_HUB_OFFLINE": "1", "LOIKE_KILL_AT": "storing"}

    killed = subprocess.run(
        [
            sys.executable,
            "-c",
            "from pipeline.cli import main; main()",
            "--root",
            str(archive.root),
            "retranscribe",
            "1",
        ],
        env=env,
        capture_output=True,
        timeout=180,
    )

    assert killed.returncode == -9, killed.stderr.decode()
    db = database.open_database(archive.database)
    assert database.segments(db, 1) == before and db["segment_alternatives"].count == 0
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert [h.text for h in search.search(db, "da sua")] == ["Thưa bác, đoạn này đã sửa."]

    assert process.process_archive(archive, transcriber=transcriber, settle_seconds=0).transcribed == 1
    now = database.segments(db, 1)
    assert now[0].id == first.id and now[0].text == "Thưa bác, đoạn này đã sửa." and len(now) == 2
    assert [a.text for a in database.alternatives(db, 1)[first.id]] == [first.text]


def test_an_interview_found_by_a_kept_passage_is_not_listed_again_through_its_metadata(db):
    """Kept segments keep their older, lower ids and new ones come after, so an interview's ids no longer run
    in idx order; search must still see every passage of it."""
    editing.edit(db, by_start(db)[15.0].id, 1, "Lan", text="đi kháng chiến ở Bắc Cường")
    db.execute("UPDATE interviews SET search_text = 'xã Bắc Cường', search_folded = 'xa bac cuong' WHERE id = 1")
    database.save_transcript(db, db.recording, [seg(0.0, 3.0, "mở đầu"), seg(15.0, 18.0, "đi kháng chiến")], LARGE)
    assert [s.start for s in rows(db)] == [0.0, 15.0] and rows(db)[0].id > rows(db)[1].id

    hits = search.search(db, "bac cuong")

    assert [(h.segment_id, h.text) for h in hits] == [(rows(db)[1].id, "đi kháng chiến ở Bắc Cường")]
