"""The confidence marks: one rule (pipeline.speech.confidence) for the sheet, the review app and the JSON export, the
old rule for transcripts stored before m009, and how the marks are scored against a reference (mark_scores)."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest
import reviewdesk

from pipeline import database
from pipeline.database.models import Word
from pipeline.desk import marks
from pipeline.publishing import exports, review_sheets, templating
from pipeline.speech import confidence, mark_scores


def test_a_word_is_pulled_towards_its_less_sure_neighbour_and_old_words_keep_the_old_rule():
    # one unsure token between sure words: 0.7 × 0.4 + 0.3 × 0.95 = 0.565, not marked
    assert confidence.marks([0.8, 0.7, 0.9], [0.95, 0.4, 0.95]) == [None, None, None]
    # beside another unsure word: 0.7 × 0.4 + 0.3 × 0.3 = 0.37, marked; so is the neighbour (0.33)
    assert confidence.marks([0.8, 0.7, 0.6, 0.9], [0.95, 0.4, 0.3, 0.95]) == [None, 0.37, 0.33, None]
    assert confidence.scores([0.6], [0.44]) == [0.44]  # alone in its segment: its own lowest
    # stored before m009 (no lowest token probability): its mean probability, under 0.5
    assert confidence.marks([0.47, 0.52, None], [None, None, None]) == [0.47, None, None]


def test_wrong_words_are_the_substituted_and_the_inserted():
    reference = ["chi", "bộ", "xã", "bắc", "cường", "được", "thành", "lập"]
    hypothesis = ["chi", "bố", "xa", "bắc", "cường", "ờ", "được", "thành", "lập"]
    assert mark_scores.wrong_positions(reference, hypothesis) == [
        False, True, True, False, False, True, False, False, False,
    ]  # fmt: skip
    assert mark_scores.wrong_positions(reference, ["chi", "bộ", "lập"]) == [False, False, False]  # deletions: no word
    assert mark_scores.wrong_positions([], ["ờ"]) == [True]


def test_the_figures_of_the_marks():
    words = [
        Word(0, 1, "Chi", 0.9, 0.9),
        Word(1, 2, "bố", 0.3, 0.2),
        Word(2, 3, "xa,", 0.4, 0.3),
        Word(3, 4, "được", 0.9, 0.9),
        Word(4, 5, "lập.", 0.5, 0.2),
    ]
    scored = mark_scores.scored_words("Chi bộ xã được lập", [words])
    assert [(w.text, w.marked, w.wrong) for w in scored] == [
        ("Chi", False, False),
        ("bố", True, True),
        ("xa,", True, True),
        ("được", False, False),
        ("lập.", True, False),
    ]
    figures = mark_scores.mark_score(scored)
    assert (figures.recall, figures.marked_share, figures.precision) == (1.0, 0.6, pytest.approx(2 / 3))
    assert figures.auc == 1.0  # both wrong words score below every right one
    assert mark_scores.area_under_curve([0.1, 0.5, 0.5, 0.9], [True, True, False, False]) == 0.875


LINES = ["Năm đó chi bố xa bắt dùng được thành lập", "Hồi đó có năm đảng viên", "Cảm ơn bác"]


def test_the_json_export_marks_each_word_as_the_sheet_does_and_old_transcripts_by_the_old_rule(tmp_path):
    archive = reviewdesk.build(tmp_path, lines=LINES, audio=False)
    with sqlite3.connect(archive.database) as db:
        db.execute("UPDATE words SET lowest = 0.95")
        db.execute("UPDATE words SET lowest = 0.1, probability = 0.3 WHERE text IN (' bố', ' xa', ' bắt')")
        db.execute("UPDATE words SET lowest = NULL, probability = 0.45 WHERE text = ' đảng'")  # stored before m009
        db.execute("UPDATE words SET lowest = NULL, probability = 0.55 WHERE text = ' viên'")
    db = database.open_database(archive.database)
    document = json.loads(exports.interview_json(db, "LK-2026-001"))
    in_json = [[w["text"].strip() for w in s["words"] if w["uncertain"]] for s in document["segments"]]
    numbers = [[w["confidence"] for w in s["words"] if w["uncertain"]] for s in document["segments"]]
    env = templating.environment(archive.root)
    found = database.interview(db, "LK-2026-001")
    page = review_sheets.render_sheet(env, found, database.sheet_segments(db, found.id), None)
    rows = re.findall(r'<p class="text">(.*?)</p>', page)
    on_sheet = [re.findall(r'<span class="low-confidence" title="[^"]*">([^<]*)</span>', row) for row in rows]
    titles = [re.findall(r'title="Độ tin cậy thấp: (\d+)%"', row) for row in rows]
    stored = database.segments(db, found.id, with_words=False)
    desk = marks.interview_marks(db, found.id)  # what the review app lays on its lines
    in_app = [[seg.text[start:end] for start, end, *_ in desk.get(seg.id, [])] for seg in stored]
    in_app_numbers = [[mark[2] for mark in desk.get(seg.id, [])] for seg in stored]
    db.close()
    assert in_json == on_sheet == in_app == [["bố", "xa", "bắt"], ["đảng"], []]  # "chi", between: 0.695
    assert in_app_numbers == numbers
    assert titles == [[str(int(n * 100)) for n in line] for line in numbers]
    assert document["segments"][1]["words"][4] == {
        "start": 9.0,
        "end": 9.4,
        "text": " đảng",
        "probability": 0.45,
        "lowest": None,
        "confidence": 0.45,
        "uncertain": True,
    }


def test_the_app_leaves_unmarked_a_line_whose_words_no_longer_spell_it(tmp_path):
    archive = reviewdesk.build(tmp_path, lines=LINES, audio=False)
    with sqlite3.connect(archive.database) as db:
        db.execute("UPDATE words SET lowest = 0.1")
        db.execute("UPDATE segments SET text = 'Năm ấy chi bộ xã Bắc Cường được thành lập' WHERE idx = 0")  # edited
    db = database.open_database(archive.database)
    try:
        desk = marks.interview_marks(db, 1)
        first, second, _ = database.segments(db, 1, with_words=False)
    finally:
        db.close()
    assert first.id not in desk
    assert [second.text[start:end] for start, end, *_ in desk[second.id]] == second.text.split()
