"""The editors' changes: every save a revision, conflicts refused, splits and merges keep words and tags."""

import sqlite3

import pytest

from pipeline import database
from pipeline.catalogue import search
from pipeline.database.heard import MachineSegment
from pipeline.database.models import Tag, Word
from pipeline.desk import editing
from pipeline.errors import Conflict, InvalidEdit, NotFound

RUN = {"model": "base", "settings": {}, "versions": {}, "started_at": "x", "finished_at": "y", "audio_seconds": 9.0}


def words(start, text):
    return [Word(start + i, start + i + 0.8, f" {w}", 0.9) for i, w in enumerate(text.split())]


@pytest.fixture
def db(tmp_path):
    db = database.open_database(tmp_path / "loike.db")
    recording = database.add_recording(db, "a" * 64, "a.wav", 1, "a")
    database.save_transcript(
        db,
        recording,
        [
            MachineSegment(0.0, 3.0, "tôi sinh năm một", -0.2, 0.01, 1.2, words(0.0, "tôi sinh năm một")),
            MachineSegment(4.0, 7.0, "chín ba hai ở", -0.2, 0.01, 1.2, words(4.0, "chín ba hai ở")),
            MachineSegment(8.0, 10.0, "Bắc Cường", -0.2, 0.01, 1.2, words(8.0, "Bắc Cường")),
        ],
        RUN,
    )
    return db


def ids(db):
    return [s.id for s in database.segments(db, 1)]


def test_an_edit_is_saved_as_a_revision_and_the_machine_text_is_kept(db):
    first = ids(db)[0]
    saved = editing.edit(db, first, 1, "Lan", text="Tôi sinh năm  1932")
    assert saved.text == "Tôi sinh năm 1932" and saved.version == 2 and saved.review_status == "edited"
    assert saved.edited_by == "Lan"
    [revision] = database.segment_history(db, first)
    assert revision.editor == "Lan" and revision.before["text"] == "tôi sinh năm một"
    assert revision.after["text"] == "Tôi sinh năm 1932"
    assert editing.machine_text(db, first) == "tôi sinh năm một"


def test_text_is_stored_nfc_and_search_follows_the_edit(db):
    first = ids(db)[0]
    editing.edit(db, first, 1, "Lan", text="Đa\u0309ng bô\u0323")  # NFD, as macOS types it
    assert database.segments(db, 1)[0].text == "Đảng bộ"
    assert [h.segment_id for h in search.search(db, "dang bo")] == [first]


def test_a_save_based_on_an_older_version_is_refused_with_the_newer_one(db):
    first = ids(db)[0]
    editing.edit(db, first, 1, "Lan", text="bản của Lan")
    with pytest.raises(Conflict) as refused:
        editing.edit(db, first, 1, "Hùng", text="bản của Hùng")
    assert refused.value.current.text == "bản của Lan" and refused.value.current.version == 2
    assert "Lan" in str(refused.value)
    assert database.segments(db, 1)[0].text == "bản của Lan"


def test_verifying_and_restoring_from_history(db):
    first = ids(db)[0]
    editing.edit(db, first, 1, "Lan", text="một")
    editing.edit(db, first, 2, "Lan", text="hai")
    verified = editing.edit(db, first, 3, "Hùng", status="verified")
    assert verified.review_status == "verified" and verified.text == "hai"
    oldest = database.segment_history(db, first)[0]
    restored = editing.restore(db, first, oldest.id, 4, "Hùng")
    assert restored.text == "một" and restored.version == 5
    assert [r.action for r in database.segment_history(db, first)][-1] == f"restore:{oldest.id}"
    assert editing.restore_machine(db, first, 5, "Hùng").text == "tôi sinh năm một"


def test_split_at_the_cursor_moves_the_later_words_and_renumbers(db):
    first = ids(db)[0]
    head, tail = editing.split(db, first, 1, len("tôi sinh"), "Lan")
    assert (head.text, tail.text) == ("tôi sinh", "năm một")
    assert head.end == tail.start == 2.0
    segs = database.segments(db, 1)
    assert [s.text for s in segs] == ["tôi sinh", "năm một", "chín ba hai ở", "Bắc Cường"]
    assert [s.idx for s in segs] == [0, 1, 2, 3]
    assert [w.text.strip() for w in segs[1].words] == ["năm", "một"]


def test_split_outside_the_text_is_refused(db):
    with pytest.raises(InvalidEdit, match="between two words"):
        editing.split(db, ids(db)[0], 1, 0, "Lan")


def test_merge_joins_words_tags_and_quotes_and_keeps_the_history_of_the_second(db):
    first, second, third = ids(db)
    db["people"].insert({"id": 7, "full_name": "Nguyễn Văn A", "name_folded": "nguyen van a"})
    editing.tag(db, second, "person", 7, "Lan")
    quote = editing.add_quote(db, second, third, "Lan")
    merged = editing.merge(db, first, 1, 1, "Lan")
    assert merged.text == "tôi sinh năm một chín ba hai ở" and merged.end == 7.0
    segs = database.segments(db, 1)
    assert [s.idx for s in segs] == [0, 1] and len(segs[0].words) == 8
    assert database.interview_tags(db, 1)[first] == [Tag("person", 7, "Nguyễn Văn A")]
    assert editing.quote(db, quote.id).first_segment_id == first
    assert database.segment_history(db, second)[-1].action == f"merged-into:{first}"
    with pytest.raises(NotFound):
        editing.segment(db, second)


def test_merging_the_last_segment_is_refused(db):
    with pytest.raises(InvalidEdit, match="last segment"):
        editing.merge(db, ids(db)[-1], 1, 1, "Lan")


def test_a_quote_of_part_of_two_segments_takes_its_times_from_the_words(db):
    first, second, _ = ids(db)
    quote = editing.add_quote(
        db,
        first,
        second,
        "Lan",
        start_offset=len("tôi "),
        end_offset=len("chín ba"),
        comment="năm sinh",
        tags={"person": []},
    )
    assert quote.text == "sinh năm một chín ba"
    assert (quote.start, quote.end) == (1.0, 5.8)
    assert database.interview_quotes(db, 1)[0].comment == "năm sinh"
    editing.delete_quote(db, quote.id, "Lan")
    assert database.interview_quotes(db, 1) == []


def test_revisions_cannot_be_rewritten(db):
    first = ids(db)[0]
    editing.edit(db, first, 1, "Lan", text="một")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM segment_revisions")


def test_progress_names_the_last_editor(db):
    editing.edit(db, ids(db)[1], 1, "Hùng", status="verified")
    assert database.last_edits(db)[1].editor == "Hùng"
    assert database.interview(db, "1").verified_count == 1


def test_a_new_segment_never_takes_the_id_and_history_of_one_merged_away(db):
    first, second, third = ids(db)
    editing.merge(db, second, 1, 1, "Lan")  # the last id is merged away
    _, made = editing.split(db, first, 1, len("tôi"), "Lan")
    assert made.id > third and [r.action for r in database.segment_history(db, made.id)] == ["split"]
