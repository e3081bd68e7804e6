"""Suggestions (pipeline.desk.suggestions): names from the metadata matched by folded syllables, an editor's
correction offered where the same mistake stands elsewhere, one accepted as a revision, one turned down gone."""

from __future__ import annotations

import sqlite3

import pytest
import reviewdesk

from pipeline import database
from pipeline.desk import editing, learning, suggestions, syllables
from pipeline.errors import InvalidEdit
from pipeline.text import fold

LINES = [
    "Năm đó chi bố xa bắt dùng được thành lập",
    "Ông nguyễn văn hưng kể lại chuyện ấy",
    "Chi bộ xã Bắc Cường có năm đảng viên",
    "Ở chi bộ xã bắc hải thì khác",
    "Anh chỉ muốn được làm khốn luyện viên",
    "Sau này vào hợp tắc xa nông nghiệp",
]


@pytest.fixture
def desk(tmp_path):
    archive = reviewdesk.build(tmp_path, lines=LINES, audio=False)
    reviewdesk.build(tmp_path, lines=["Tôi cũng là khốn luyện viên ở đó"], title="Hai", audio=False)
    (archive.recordings / "glossary.txt").write_text("Hợp tác xã\n", encoding="utf-8")
    db = database.open_database(archive.database)
    yield archive, db
    db.close()


def offered(archive, db, interview="1"):
    return [(s.line, s.found, s.suggestion, s.source) for s in suggestions.suggestions(db, archive, interview)]


def offered_in(archive, interview="1"):
    """``offered`` in an archive whose database is not open."""
    db = database.open_database(archive.database)
    try:
        return offered(archive, db, interview)
    finally:
        db.close()


def test_names_from_the_metadata_and_the_glossary_are_offered_where_the_machine_misheard_them(desk):
    archive, db = desk
    assert offered(archive, db) == [
        (1, "chi bố xa bắt dùng", "chi bộ xã Bắc Cường", "địa danh"),
        (2, "Ông nguyễn văn hưng", "Ông Nguyễn Văn Hùng", "người"),
        (6, "hợp tắc xa", "Hợp tác xã", "từ điển"),
    ]  # line 3 is the name as written; line 4 names another commune, too far from Bắc Cường; a person's title
    # ("ông", "bà", "đồng chí") is matched with the name, and the capital a sentence begins with is kept


def test_a_correction_is_offered_for_the_same_mistake_in_this_interview_and_others(desk):
    archive, db = desk
    line = database.segment_at(db, 1, 4)
    editing.edit(db, line.id, line.version, "Lan", text="Anh chỉ muốn được làm huấn luyện viên")
    assert offered(archive, db, "2") == [(1, "khốn luyện", "huấn luyện", "đã sửa")]


def test_accepting_makes_a_revision_and_declining_hides_the_suggestion(desk):
    archive, db = desk
    first, second, _ = suggestions.suggestions(db, archive, "1")
    saved = suggestions.accept(db, first.segment_id, first.version, first.offset, first.found, first.suggestion, "Lan")
    assert saved.text == "Năm đó chi bộ xã Bắc Cường được thành lập"
    assert [(r.action, r.editor) for r in database.segment_history(db, first.segment_id)] == [("accept", "Lan")]
    suggestions.decline(db, second.segment_id, second.found, second.suggestion, "Lan")
    assert [line for line, *_ in offered(archive, db)] == [6]


def test_a_suggestion_turned_down_is_not_offered_for_the_same_words_elsewhere_in_the_interview(tmp_path):
    """The same sentence said twice is misheard the same twice: one "Bỏ qua" answers both lines, in any case; the
    same words in another interview, and other words offered the same name, are still offered. Undone, it is
    offered again on every line."""
    lines = ["Thanh niên chần làng bình đi dân công", "Ông nguyễn văn hưng kể lại", "Chần làng bình đi hỏa tuyến"]
    archive = reviewdesk.build(tmp_path, lines=lines, more_witnesses=("Trần Quang Bình",), audio=False)
    reviewdesk.build(tmp_path, lines=lines, title="Hai", more_witnesses=("Trần Quang Bình",), audio=False)
    db = database.open_database(archive.database)
    try:
        first = suggestions.suggestions(db, archive, "1")[0]
        assert (first.line, first.found, first.suggestion) == (1, "chần làng bình", "Trần Quang Bình")
        assert [line for line, *_ in offered(archive, db)] == [1, 2, 3]

        suggestions.decline(db, first.segment_id, first.found, first.suggestion, "Lan")

        assert offered(archive, db) == [(2, "Ông nguyễn văn hưng", "Ông Nguyễn Văn Hùng", "người")]
        assert [line for line, *_ in offered(archive, db, "2")] == [1, 2, 3]

        third = database.segment_at(db, 1, 2)  # turned down by mistake: undone from any line it went from
        assert suggestions.offer_again(db, third.id, "Chần làng bình", "Trần Quang Bình") == 1
        assert [line for line, *_ in offered(archive, db)] == [1, 2, 3]
        assert suggestions.offer_again(db, third.id, "Chần làng bình", "Trần Quang Bình") == 0
    finally:
        db.close()


def test_a_line_whisper_wrote_again_in_no_time_is_offered_nothing(tmp_path):
    """A copy of an earlier sentence squeezed into the end of the recording (flagged ``too_fast``) is to go, not
    to be corrected; once an editor has edited it, it is a line like any other."""
    lines = ["Năm đó chi bố xa bắt dùng được thành lập", "Năm đó chi bố xa bắt dùng được thành lập"]
    archive = reviewdesk.build(tmp_path, lines=lines, audio=False)
    with sqlite3.connect(archive.database) as raw:
        raw.execute("UPDATE segments SET flags = 'too_fast' WHERE idx = 1")
    assert offered_in(archive) == [(1, "chi bố xa bắt dùng", "chi bộ xã Bắc Cường", "địa danh")]
    db = database.open_database(archive.database)
    try:
        copy = database.segment_at(db, 1, 1)
        editing.edit(db, copy.id, copy.version, "Lan", text="Năm đó chi bố xa bắt dùng được thành lập rồi")
        assert [line for line, *_ in offered(archive, db)] == [1, 2]
    finally:
        db.close()


def test_the_phrases_an_edit_replaced():
    assert learning.changed_phrases("Năm đó chi bố xa bắt dùng được", "Năm đó chi bộ xã Bắc Cường được") == [
        ("bố xa bắt dùng", "bộ xã Bắc Cường")
    ]
    assert learning.changed_phrases("làm khốn luyện viên", "làm huấn luyện viên") == [("khốn luyện", "huấn luyện")]


def test_the_command_lists_the_suggestions(desk):
    from click.testing import CliRunner

    from pipeline.cli import cli

    archive, db = desk
    result = CliRunner().invoke(cli, ["--root", str(archive.root), "suggest", "LK-2026-001"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "line 1     00:00  «chi bố xa bắt dùng» → «chi bộ xã Bắc Cường»  (địa danh)"
    assert result.stdout.splitlines()[-1] == "3 suggestions."  # this desk has no audio to hear the names in again


def test_the_interviews_own_names_pass_lower_bars_than_the_rest_of_the_archives(tmp_path):
    """A line reading "xa đồng phân" (said "xã Tân Phong") is as near "xã Hồng Phong" as a mishearing of it would
    be: offered where Hồng Phong is the interview's own commune, not where it is only another commune; where the
    interview is about Tân Phong, Tân Phong is offered (đ and t count half alike)."""
    line = ["Hồi đó tôi ở xa đồng phân"]
    archive = reviewdesk.build(tmp_path, lines=line, commune="Hồng Phong", audio=False)
    reviewdesk.build(tmp_path, lines=line, title="Hai", commune="Bình Minh", audio=False)
    reviewdesk.build(tmp_path, lines=line, title="Ba", commune="Tân Phong", audio=False)
    assert offered_in(archive, "1") == [(1, "xa đồng phân", "xã Hồng Phong", "địa danh")]
    assert offered_in(archive, "2") == []
    assert offered_in(archive, "3") == [(1, "xa đồng phân", "xã Tân Phong", "địa danh")]


def test_another_commune_is_offered_only_where_xa_was_heard_before_it(tmp_path):
    """The line "và biến mình" is 0.81 alike to "xã Bình Minh", with "và" for "xã": where the interview is about Bắc Cường,
    only "xa biến mình" is offered the archive's other commune; where it is about Bình Minh, both lines are."""
    lines = ["Hồi đó và biến mình có chi bộ", "Sau tôi về xa biến mình công tác"]
    archive = reviewdesk.build(tmp_path, lines=lines, audio=False)
    reviewdesk.build(tmp_path, lines=lines, title="Hai", commune="Bình Minh", audio=False)
    assert offered_in(archive, "1") == [(2, "xa biến mình", "xã Bình Minh", "địa danh")]
    assert offered_in(archive, "2") == [
        (1, "biến mình", "Bình Minh", "địa danh"),
        (2, "xa biến mình", "xã Bình Minh", "địa danh"),
    ]


@pytest.mark.parametrize(
    ("heard", "said"),
    [("chiều", "Triều"), ("sơn", "xơn"), ("giang", "rang"), ("kinh", "Kim"), ("lan", "lang"), ("bạc", "bát")],
)
def test_sounds_dialects_and_the_recogniser_merge_are_one(heard, said):
    assert syllables.alike(fold(heard), fold(said)) == 1.0


def test_how_alike_syllables_sound():
    assert syllables.sounds("nghia") == ("ng", "ia")
    assert syllables.sounds("qua") == ("c", "oa")  # as "hoa" rhymes
    assert syllables.alike("qua", "hoa") == 0.65  # the rhyme alike, the onset not
    assert syllables.alike("buc", "duc") == 0.65
    assert syllables.alike("tan", "dong") == round(0.35 * 0.5 + 0.65 * (1 - 1 / 2), 3)  # đ and t: half an onset
    assert syllables.alike("vu", "bo") == round(0.35 * 0.5 + 0.65 * 0.5, 3)  # b and v, u and o (ư, ô, ơ): half each
    assert syllables.alike("ly", "li") == 1.0
    assert syllables.alike("a", "xyz") == 0.0


def test_a_title_is_matched_with_the_name_only_where_it_was_heard_as_one(tmp_path):
    lines = ["Tôi kể cho nguyễn văn hưng nghe", "Hồi đó đồng chi nguyễn văn hưng về xã", "Ông chí Nguyễn Văn Hùng về"]
    archive = reviewdesk.build(tmp_path, lines=lines, audio=False)
    # not "cho" turned into "ông"; nothing where the name stands as written, whatever the title heard
    assert offered_in(archive) == [
        (1, "nguyễn văn hưng", "Nguyễn Văn Hùng", "người"),
        (2, "đồng chi nguyễn văn hưng", "đồng chí Nguyễn Văn Hùng", "người"),
    ]


def test_a_longer_name_is_not_offered_on_the_strength_of_a_shorter_one_inside_it(tmp_path):
    """The demo: "Tháng Tám" heard as "trang tâm" is not "Thành lập", though "chi bộ xã Bắc Cường" follows."""
    lines = ["Sau Cách mạng trang tâm, chi bố xa bắt tương được thành lập", "Ngày thành lập chi bố xa bắc cường"]
    archive = reviewdesk.build(tmp_path, lines=lines, audio=False, events=("Thành lập Chi bộ xã Bắc Cường",))
    assert offered_in(archive) == [
        (1, "chi bố xa bắt tương", "chi bộ xã Bắc Cường", "địa danh"),
        (2, "thành lập chi bố xa bắc cường", "Thành lập Chi bộ xã Bắc Cường", "sự kiện"),
    ]


def test_of_two_names_as_long_the_one_heard_better_is_offered(tmp_path):
    """ "đồng chi chân quan tương" (said "đồng chí Trần Quang Hương") is near both people the interview names; Trần
    Quang Hương is much nearer, whatever order the metadata lists them in."""
    line = ["Hồi đó tôi làm liên lạc cho đồng chi chân quan tương ở xã"]
    archive = reviewdesk.build(tmp_path, lines=line, audio=False, more_witnesses=("Phạm Văn Hương", "Trần Quang Hương"))
    assert offered_in(archive, "1") == [(1, "đồng chi chân quan tương", "đồng chí Trần Quang Hương", "người")]


def test_a_title_heard_well_does_not_carry_a_name_heard_badly(tmp_path):
    """ "bà tôn đốt gạo" (said "bà con góp gạo") is 0.73 alike to "bà Hoàng Đức Thảo" only thanks to the title."""
    lines = ["Bà tôn đốt gạo nuôi bộ đội", "Bà hoàng đức thạo nuôi giấu cán bộ"]
    archive = reviewdesk.build(tmp_path, lines=lines, audio=False, more_witnesses=("Hoàng Đức Thảo",))
    assert offered_in(archive) == [(2, "Bà hoàng đức thạo", "Bà Hoàng Đức Thảo", "người")]


def test_a_communes_bare_name_must_be_heard_nearly_as_it_is(tmp_path):
    """Two syllables alone ("quà bình") come near a commune's name by chance; said with "xã" they are a phrase."""
    lines = ["Thanh niên chẳng là nguyên thông quà bình", "Đảng bộ xa quà bình lãnh đạo nhân dân", "Ở hòa bìn"]
    archive = reviewdesk.build(tmp_path, lines=lines, commune="Hòa Bình", audio=False)
    assert offered_in(archive) == [
        (2, "Đảng bộ xa quà bình", "Đảng bộ xã Hòa Bình", "địa danh"),
        (3, "hòa bìn", "Hòa Bình", "địa danh"),
    ]


def test_the_people_of_a_crowded_interview_are_held_to_the_archives_bars(tmp_path):
    """A line reading "vũ chị may" is 0.78 alike to "Vũ Thị Mai": enough for one of three people the interview
    names, not for one of seven (a workshop), where a misheard word comes near some name more often by chance."""
    line = ["Hồi đó vũ chị may nuôi giấu cán bộ"]
    archive = reviewdesk.build(tmp_path, lines=line, audio=False, more_witnesses=("Vũ Thị Mai",))
    crowd = ("Vũ Thị Mai", "Lê Văn An", "Phạm Văn Ba", "Đỗ Văn Tư", "Bùi Thị Năm")
    reviewdesk.build(tmp_path, lines=line, title="Hội thảo", audio=False, more_witnesses=crowd)
    assert offered_in(archive, "1") == [(1, "vũ chị may", "Vũ Thị Mai", "người")]
    assert offered_in(archive, "2") == []


def test_a_gap_is_offered_its_draft_and_once_taken_the_names_in_it(tmp_path):
    """A gap (speech Whisper wrote nothing for) with what a second listen wrote: the draft is offered for the whole
    line; taken, it fills the gap as a revision ``accept`` and the names in it are offered as in any line. A gap
    without a draft, and a draft turned down, are offered nothing."""
    from click.testing import CliRunner

    from pipeline.cli import cli
    from pipeline.database.heard import MachineSegment

    archive = reviewdesk.build(tmp_path, lines=["Thưa bác"], audio=False)
    db = database.open_database(archive.database)
    said, thanks = reviewdesk.segments_for(["Thưa bác, bác kể tiếp đi ạ", "Cảm ơn bác"], spacing=10.0)
    gap = MachineSegment(
        5.0, 9.0, "", None, None, None, flags=["unwritten_speech"], heard_again="Năm đó chi bố xa bắt dùng."
    )
    bare = MachineSegment(21.0, 23.0, "", None, None, None, flags=["unwritten_speech"])
    turned_down = MachineSegment(25.0, 27.0, "", None, None, None, flags=["unwritten_speech"], heard_again="Dạ vâng.")
    database.save_transcript(db, 1, [said, gap, thanks, bare, turned_down], reviewdesk.RUN)
    _, gap_id, _, _, turned_down_id = [s.id for s in database.segments(db, 1)]
    try:
        assert offered(archive, db) == [
            (2, "", "Năm đó chi bố xa bắt dùng.", "máy nghe lại"),
            (5, "", "Dạ vâng.", "máy nghe lại"),
        ]
        listed = CliRunner().invoke(cli, ["--root", str(archive.root), "suggest", "LK-2026-001"]).output
        assert (
            listed.splitlines()[0]
            == "line 2     00:05  draft for the gap: «Năm đó chi bố xa bắt dùng.»  (máy nghe lại)"
        )
        suggestions.decline(db, turned_down_id, "", "Dạ vâng.", "Lan")
        [draft] = suggestions.suggestions(db, archive, "1")

        taken = suggestions.accept(db, gap_id, 1, draft.offset, draft.found, draft.suggestion, "Lan")

        assert (taken.text, taken.review_status) == ("Năm đó chi bố xa bắt dùng.", "edited")
        assert [r.action for r in database.segment_history(db, gap_id)][-1] == "accept"
        assert offered(archive, db) == [(2, "chi bố xa bắt dùng", "chi bộ xã Bắc Cường", "địa danh")]
        with pytest.raises(InvalidEdit, match="already holds"):  # a draft goes only where nothing is written
            suggestions.accept(db, gap_id, 2, 0, "", "Dạ vâng.", "Lan")
    finally:
        db.close()
