"""Find and replace (pipeline.desk.replacing): matching with and without tones, every change a revision under the
editor's name, a whole batch undone, and the bad inputs refused in one sentence with nothing half-applied."""

from __future__ import annotations

import pytest
import reviewdesk

from pipeline import database
from pipeline.desk import editing, replacing
from pipeline.errors import InvalidEdit

LINES = [
    "Chi bố xa bắt dùng được thành lập năm một chín bốn lăm",
    "Hồi đó chi bố xa bắt dùng có năm đảng viên",
    "Bát Dũng là tên một người khác",
    "Cảm ơn bác",
]


@pytest.fixture
def db(tmp_path):
    archive = reviewdesk.build(tmp_path / "one", lines=LINES, audio=False)
    reviewdesk.build(tmp_path / "one", lines=["Ở bên kia chi bố xa bắt dùng cũng vậy"], title="Hai", audio=False)
    connection = database.open_database(archive.database)
    yield connection
    connection.close()


def texts(db, interview_id=1):
    return [s.text for s in database.segments(db, interview_id, with_words=False)]


def test_without_tones_finds_every_spelling_and_whole_words_only(db):
    preview = replacing.find(db, "bat dung", "Bắc Cường")
    assert [(h.line, h.found) for h in preview.hits] == [
        (1, "bắt dùng"),
        (2, "bắt dùng"),
        (3, "Bát Dũng"),
        (1, "bắt dùng"),
    ]
    codes = [h.code for h in preview.hits]
    assert codes[0] == codes[1] == codes[2] != codes[3]
    assert preview.hits[0].after.startswith(" được thành lập")
    assert preview.hits[0].replaced == "Chi bố xa Bắc Cường được thành lập năm một chín bốn lăm"
    assert replacing.find(db, "bat dun", "x").hits == []  # whole words, not the start of one


def test_with_tones_matches_only_as_typed(db):
    preview = replacing.find(db, "bắt dùng", "Bắc Cường", exact=True)
    assert [h.found for h in preview.hits] == ["bắt dùng", "bắt dùng", "bắt dùng"]


def test_apply_in_one_interview_makes_a_revision_per_line_and_undo_puts_the_batch_back(db):
    preview = replacing.find(db, "chi bo xa bat dung", "chi bộ xã Bắc Cường", interview="1")
    done = replacing.apply(db, preview, "Lan")
    assert (done.lines, done.hits, done.skipped) == (2, 2, [])
    assert texts(db)[:2] == [
        "chi bộ xã Bắc Cường được thành lập năm một chín bốn lăm",
        "Hồi đó chi bộ xã Bắc Cường có năm đảng viên",
    ]
    assert texts(db, 2) == ["Ở bên kia chi bố xa bắt dùng cũng vậy"]  # another interview: untouched
    history = database.segment_history(db, preview.hits[0].segment_id)
    assert [(r.action, r.editor) for r in history] == [(f"replace:{done.batch_id}", "Lan")]
    assert history[0].before["text"] == LINES[0]
    assert database.segment(db, preview.hits[0].segment_id).review_status == "edited"

    undone = replacing.undo(db, done.batch_id, "Minh")
    assert (undone.lines, undone.kept) == (2, [])
    assert texts(db) == LINES
    assert database.segment(db, preview.hits[0].segment_id).review_status == "machine"
    assert database.replacement(db, done.batch_id).undone_by == "Minh"
    with pytest.raises(InvalidEdit, match="already undone"):
        replacing.undo(db, done.batch_id, "Minh")


def test_undo_keeps_a_line_edited_again_since(db):
    done = replacing.apply(db, replacing.find(db, "bat dung", "Bắc Cường", interview="1"), "Lan")
    second = database.segment_at(db, 1, 1)
    editing.edit(db, second.id, second.version, "Minh", text="Hồi đó chi bộ Bắc Cường có năm đảng viên")
    undone = replacing.undo(db, done.batch_id, "Lan")
    assert undone.kept == [second.id]
    assert texts(db)[1] == "Hồi đó chi bộ Bắc Cường có năm đảng viên"
    assert texts(db)[0] == LINES[0]


def test_one_hit_chosen_and_a_line_saved_meanwhile_is_left_whole(db):
    preview = replacing.find(db, "bat dung", "Bắc Cường")
    first, second = preview.hits[0], preview.hits[1]
    current = database.segment(db, second.segment_id)
    editing.edit(db, current.id, current.version, "Minh", text="Hồi đó có năm đảng viên")  # another editor
    done = replacing.apply(db, preview, "Lan", [(h.segment_id, h.offset, h.version) for h in (first, second)])
    assert (done.lines, [h.segment_id for h in done.skipped]) == (1, [second.segment_id])
    assert texts(db)[:3] == [
        "Chi bố xa Bắc Cường được thành lập năm một chín bốn lăm",
        "Hồi đó có năm đảng viên",
        LINES[2],
    ]


def test_a_pattern_that_matches_everything_is_refused(db):
    with pytest.raises(InvalidEdit) as refused:
        replacing.find(db, " … ", "x")
    assert refused.value.vi == "Mẫu tìm không có chữ hay số nào nên sẽ khớp với mọi chỗ: hãy gõ những từ cần tìm."


def test_a_replacement_that_would_empty_a_line_is_refused_before_anything_changes(db):
    with pytest.raises(InvalidEdit) as refused:
        replacing.find(db, "cam on bac", "")
    assert "dòng 4 trống" in refused.value.vi
    assert texts(db) == LINES
    assert replacing.find(db, "bat dung", "").hits  # removing words from a longer line is fine


def test_the_command_previews_applies_and_undoes(tmp_path):
    import json

    from click.testing import CliRunner

    from pipeline.cli import cli

    reviewdesk.build(tmp_path, lines=LINES, audio=False)
    run = lambda *args: CliRunner().invoke(cli, ["--root", str(tmp_path), "replace", *args])  # noqa: E731
    dry = run("bat dung", "Bắc Cường", "--interview", "LK-2026-001", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "LK-2026-001  line 1     00:00  …Chi bố xa [bắt dùng → Bắc Cường] được thành lập" in dry.output
    assert dry.output.strip().endswith("3 hits (dry run: nothing changed).")
    done = run("bat dung", "Bắc Cường", "--editor", "Lan", "--json")
    assert json.loads(done.output)["applied"]["lines"] == 3
    db = database.open_database(tmp_path / "transcripts" / "loike.db")
    assert texts(db)[2] == "Bắc Cường là tên một người khác"
    assert "Bắc Cường" in (tmp_path / "transcripts" / "sheets" / "LK-2026-001.html").read_text(encoding="utf-8")
    undone = run("--undo", str(json.loads(done.output)["applied"]["batch"]))
    assert undone.output == "Find-and-replace 1 undone: 3 lines put back.\n"
    assert texts(db) == LINES
    refused = run("…", "x")
    assert refused.exit_code == 1
    assert "has no letter or digit, so it would match everywhere" in refused.output
    db.close()


def test_positions_stay_right_when_lower_case_takes_more_characters():
    pattern, _ = replacing.pattern_of("bắt dùng", exact=True)
    text = "İstanbul, bắt dùng"  # "İ".lower() is two characters
    assert [text[a:b] for a, b in replacing.matches(text, pattern, exact=True)] == ["bắt dùng"]
    folded, _ = replacing.pattern_of("bat dung", exact=False)
    assert [text[a:b] for a, b in replacing.matches(text, folded, exact=False)] == ["bắt dùng"]
