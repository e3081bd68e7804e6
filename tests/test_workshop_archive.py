"""The workshop on a real archive: four spoken interviews (tests/fixtures/workshop, made by
make_workshop_fixtures.sh) transcribed by the real model through `loike run`, their answers corrected and tagged
by an editor through the desk's own functions, as an editor would; the witnesses disagree where it was planted.

Planted: the founding of the Party cell in 1945 (Hùng: "năm bốn lăm"; Tâm: "năm Ất Dậu", born 1930) or 1946
(Hoa), at Vũ Hội (Hùng) or Tân Lập (Tâm); the seizure of power led by Phạm Văn Tâm (Hùng) or Trần Văn Lâm (Hoa),
in 1945 (Hùng, Hoa) or 1946 (Lâm, whose interview is restricted). One real run serves the whole module.
"""

import csv
import io
import os
import shutil
import time
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner

from pipeline import database, settings
from pipeline.cli import cli
from pipeline.desk import editing
from pipeline.run import process
from pipeline.workshop import dossier, gazetteer, papers, settling

pytestmark = pytest.mark.slow
FIXTURES = Path(__file__).parent / "fixtures" / "workshop"
FOUNDING = "Thành lập Chi bộ xã Bắc Cường"
UPRISING = "Khởi nghĩa giành chính quyền ở Bắc Cường"
PLANTED = {
    (FOUNDING, "date"): {"1945": {"ông Nguyễn Văn Hùng", "ông Phạm Văn Tâm"}, "1946": {"bà Lê Thị Hoa"}},
    (FOUNDING, "place"): {"Vũ Hội": {"ông Nguyễn Văn Hùng"}, "Tân Lập": {"ông Phạm Văn Tâm"}},
    (UPRISING, "people"): {"Phạm Văn Tâm": {"ông Nguyễn Văn Hùng"}, "Trần Văn Lâm": {"bà Lê Thị Hoa"}},
}
RESTRICTED_ONLY = {(UPRISING, "date"): {"1945": {"ông Nguyễn Văn Hùng", "bà Lê Thị Hoa"}, "1946": {"ông Trần Văn Lâm"}}}


@pytest.fixture(scope="module")
def transcribed(tmp_path_factory, transcriber, model_cache):
    """The four interviews after `loike run` and an editor's corrections, tags and speakers."""
    root = tmp_path_factory.mktemp("workshop")
    archive = settings.archive(root)
    archive.recordings.mkdir()
    for source in [*FIXTURES.glob("*.ogg"), *FIXTURES.glob("*.yaml")]:
        shutil.copyfile(source, archive.recordings / source.name)
        os.utime(archive.recordings / source.name, (time.time() - 60, time.time() - 60))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_OFFLINE", "1")
        patch.setenv("LOIKE_CACHE", str(model_cache))
        assert process.process_archive(archive, transcriber=transcriber, settle_seconds=0).ok
    db = database.open_database(archive.database)
    by_file = {i.source_path: i for i in database.interviews(db)}
    corrected = set()
    for name, _, start, end, answer, event in csv.reader(
        (FIXTURES / "answers.tsv").open(encoding="utf-8"), delimiter="\t"
    ):
        interview = by_file[f"{name}.ogg"]
        heard = max(
            database.segments(db, interview.id), key=lambda s: min(s.end, float(end)) - max(s.start, float(start))
        )
        assert heard.id not in corrected, f"one segment holds two answers in {name}: split it"
        corrected.add(heard.id)
        [witness] = database.people_in_role(db, interview.id, "witness")
        saved = editing.edit(db, heard.id, heard.version, "Lan", text=answer, person_id=witness.id, status="verified")
        editing.tag(db, saved.id, "event", database.event_id(db, event), "Lan")
    db.close()
    return archive


@pytest.fixture
def archive(transcribed, tmp_path):
    """A copy of the transcribed archive, for a test that records conclusions."""
    shutil.copytree(transcribed.root, tmp_path / "copy")
    return settings.archive(tmp_path / "copy")


def raised(archive, include_restricted=False) -> dict:
    """Every question of every event: (event, aspect) → {value: {witnesses}}."""
    db = database.open_database(archive.database)
    found = {}
    for event in papers.questions(db, archive, include_restricted=include_restricted):
        for q in event.questions:
            found[(event.name, q.aspect)] = {s.value: {a.name for a, _ in s.witnesses} for s in q.sides}
    return found


def loike(archive, *args):
    return CliRunner().invoke(cli, ["--root", str(archive.root), *map(str, args)], catch_exceptions=False)


def test_every_planted_difference_is_found_and_none_invented(transcribed):
    assert raised(transcribed) == PLANTED


def test_the_restricted_interview_weighs_in_only_when_asked_for(transcribed):
    assert raised(transcribed, include_restricted=True) == PLANTED | RESTRICTED_ONLY
    db = database.open_database(transcribed.database)
    periods = gazetteer.load(transcribed.root)
    left_out = dossier.dossier(db, "event", UPRISING, periods)
    [lam] = [i.code for i in database.interviews(db) if i.source_path == "ong-lam.ogg"]
    assert left_out.withheld == {lam: 1} and all(not p.restricted for a in left_out.accounts for p in a.passages)
    taken_in = dossier.dossier(db, "event", UPRISING, periods, include_restricted=True)
    assert [p.code for a in taken_in.accounts for p in a.passages if p.restricted] == [lam]


def test_the_dossier_groups_passages_by_witness_with_what_was_read(transcribed):
    db = database.open_database(transcribed.database)
    made = dossier.dossier(db, "event", FOUNDING, gazetteer.load(transcribed.root))
    accounts = {a.name: a for a in made.accounts}
    assert set(accounts) == {"ông Nguyễn Văn Hùng", "bà Lê Thị Hoa", "ông Phạm Văn Tâm"}
    [hung] = accounts["ông Nguyễn Văn Hùng"].passages
    assert hung.review_status == "verified" and hung.how == ("tagged",) and hung.clock.startswith("00:00:0")
    assert [(r.words, r.label, r.rule_vn) for r in hung.dates] == [("Năm bốn lăm", "1945", "tính theo năm sinh 1932")]
    assert [p.name for p in hung.places] == ["Vũ Hội"]
    [tam] = accounts["ông Phạm Văn Tâm"].passages
    assert [(r.words, r.year) for r in tam.dates] == [("Năm Ất Dậu", 1945)]
    assert accounts["bà Lê Thị Hoa"].birth_note == "sinh năm 1935"
    assert made.silent == [], "every interview naming the event has a passage about it"


def test_a_conclusion_is_kept_with_its_history_and_becomes_the_event_date(archive):
    db = database.open_database(archive.database)
    [hung] = [i.code for i in database.interviews(db) if i.source_path == "ong-hung.ogg"]
    line = next(
        s.idx + 1 for s in database.segments(db, database.interview(db, hung).id) if s.review_status == "verified"
    )
    first = settling.conclude(db, FOUNDING, "date", "1946", "Hội thảo lần thứ nhất", "Lan", "10/04/2026")
    second = settling.conclude(
        db, FOUNDING, "date", "1945", "Hội thảo lần thứ hai, chủ trì: ông Đỗ Văn Khải", "Minh", "12/05/2026",
        "Hai nhân chứng và biên bản của huyện ủy cùng nói năm 1945", [f"{hung}:{line}"],
    )  # fmt: skip
    assert second.replaces == first.id and [c.answer for c in database.conclusions(db)] == ["1946", "1945"]
    assert database.event_date(db, second.event_id).start == "1945"
    for statement in ("UPDATE workshop_conclusions SET answer = '1947'", "DELETE FROM workshop_conclusions"):
        with pytest.raises(Exception, match="append-only"):
            db.execute(statement)
    made = dossier.dossier(db, "event", FOUNDING, gazetteer.load(archive.root))
    assert made.in_force["date"].answer == "1945" and made.questions[0].aspect == "date", "the question stays asked"
    hung_account = next(a for a in made.accounts if a.name == "ông Nguyễn Văn Hùng")
    assert hung_account.role_then == "nguyên liên lạc của Chi bộ xã Bắc Cường", "the role held at the settled date"
    exported = settling.export(db, archive.root, FOUNDING)
    assert "### Thời gian: 1945" in exported and "_(đã được thay bằng kết luận sau)_" in exported
    assert (
        f"Lời kể của ông Nguyễn Văn Hùng (sinh năm 1932), nguyên liên lạc của Chi bộ xã Bắc Cường, do Trần Thị Mai phỏng vấn ngày 12/03/2026 tại xã Bắc Cường, huyện Vũ Thư, tỉnh Thái Bình; bản ghi {hung}, phút"
        in exported
    )


def test_loike_dossier_writes_a_page_to_print_and_a_docx_to_hand_out(archive, tmp_path):
    done = loike(archive, "dossier", FOUNDING)
    assert done.exit_code == 0, done.output
    page = archive.sheets_dir / "dossiers" / "event-1-thanh-lap-chi-bo-xa-bac-cuong.html"
    assert (
        done.output == f"Dossier of “{FOUNDING}”: 3 passages from 3 interviews, 2 questions for the workshop: {page}\n"
    )
    html = page.read_text(encoding="utf-8")
    assert "Năm thành lập Chi bộ xã Bắc Cường" in html and "Nơi thành lập Chi bộ xã Bắc Cường" in html
    assert '<audio controls preload="none" src="../../audio/LK-2026-' in html and "#t=" in html
    handout = tmp_path / "ho-so.docx"
    done = loike(archive, "dossier", UPRISING, "--format", "docx", "-o", handout, "--include-restricted")
    assert done.exit_code == 0, done.output
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(handout.read_bytes())).paragraphs)
    assert "Hồ sơ sự kiện: Khởi nghĩa giành chính quyền ở Bắc Cường" in text
    assert "Người tham gia khởi nghĩa giành chính quyền ở Bắc Cường" in text and "Năm khởi nghĩa" in text
    assert "“Khởi nghĩa năm bốn sáu, tôi dẫn đầu đoàn người vào trụ sở.”" in text and "HẠN CHẾ CÔNG BỐ" in text
    assert "Kết luận của hội thảo: " in text, "a line to write the workshop's conclusion on"


def test_questions_conclusions_and_the_timeline_from_the_command_line(archive):
    asked = loike(archive, "questions", FOUNDING)
    assert asked.exit_code == 0 and asked.output.startswith(
        "Năm thành lập Chi bộ xã Bắc Cường: ông Nguyễn Văn Hùng nói 1945 — LK-2026-"
    )
    recorded = loike(
        archive, "conclude", FOUNDING, "--aspect", "place", "--answer", "Vũ Hội", "--by", "Hội thảo", "--editor", "Lan"
    )
    assert recorded.output == "Conclusion 1 recorded: place = Vũ Hội.\n"
    assert "[settled: Vũ Hội]" in loike(archive, "questions", FOUNDING).output
    assert "### Địa điểm: Vũ Hội" in loike(archive, "conclusions").output
    shown = loike(archive, "timeline")
    assert shown.output == f"Timeline of 2 events: {archive.sheets_dir / 'timeline.html'}\n"
    html = (archive.sheets_dir / "timeline.html").read_text(encoding="utf-8")
    assert (
        "<strong>1945</strong>: ông Nguyễn Văn Hùng, ông Phạm Văn Tâm" in html
        and "<strong>1946</strong>: bà Lê Thị Hoa" in html
    )
