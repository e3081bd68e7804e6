"""The workshop without the speech model: dossiers of events, people and places, questions, conclusions, the bad
inputs of docs/robustness.md, the command line and the review app's pages."""

import io
import json
import re
from urllib.parse import quote

import docx
import pytest
import workshop_data
from click.testing import CliRunner
from starlette.testclient import TestClient
from workshop_data import FAMINE, FOUNDING

from pipeline import database
from pipeline.cli import cli
from pipeline.desk import editing, webapp
from pipeline.errors import WorkshopError
from pipeline.workshop import dossier, gazetteer, papers, settling

BASE = "http://127.0.0.1:8765"


@pytest.fixture
def archive(tmp_path):
    return workshop_data.build(tmp_path / "archive")


@pytest.fixture
def db(archive):
    opened = database.open_database(archive.database)
    yield opened
    opened.close()


def loike(archive, *args):
    return CliRunner().invoke(cli, ["--root", str(archive.root), *map(str, args)], catch_exceptions=False)


def made(db, archive, key=FOUNDING, kind="event", **options):
    return dossier.dossier(db, kind, key, gazetteer.load(archive.root), **options)


def test_the_conclusions_table_is_append_only(db):
    assert "workshop_conclusions" in db.table_names()
    settling.conclude(db, FOUNDING, "date", "1945", "Hội thảo", "Lan")
    for statement in ("UPDATE workshop_conclusions SET answer = '1946'", "DELETE FROM workshop_conclusions"):
        with pytest.raises(Exception, match="workshop_conclusions is append-only"):
            db.execute(statement)


def test_accounts_differ_on_the_year_and_the_place_and_the_restricted_one_is_left_out(db, archive):
    found = made(db, archive)
    assert [q.text for q in found.questions] == [
        "Năm thành lập Chi bộ xã Bắc Cường: ông Nguyễn Văn Hùng nói 1945 — LK-2026-001, 00:00:06; ông Trần Văn Lâm "
        "nói 1945 — LK-2026-004, 00:00:07; bà Lê Thị Hoa nói 1946 — LK-2026-002, 00:00:06",
        "Nơi thành lập Chi bộ xã Bắc Cường: bà Lê Thị Hoa nói Bắc Cường — LK-2026-002, 00:00:06; ông Nguyễn Văn Hùng "
        "nói Vũ Hội — LK-2026-001, 00:00:06",
    ]
    assert found.withheld == {"LK-2026-003": 1} and found.silent == []
    with_restricted = made(db, archive, include_restricted=True)
    assert "ông Lê Văn Tâm nói 1945 — LK-2026-003" in with_restricted.questions[0].text


def test_a_passage_closed_to_the_public_is_left_out_unless_asked_for_and_then_marked(db, archive):
    from pipeline.database.public_records import Redaction
    from pipeline.workshop import pages

    database.add_redaction(db, Redaction(0, 1, 7.0, 9.0, "Người kể xin giữ kín", "2099-12-31", "Lan", ""))
    db.conn.commit()
    found = made(db, archive)
    assert found.withheld == {"LK-2026-001": 1, "LK-2026-003": 1}
    assert [q.aspect for q in found.questions] == ["date"], "Vũ Hội was said only in the closed passage"
    shown = made(db, archive, include_restricted=True)
    [hung] = [p for a in shown.accounts for p in a.passages if p.code == "LK-2026-001"]
    assert hung.restricted and hung.closed_until == "2099-12-31"
    links = pages.Links(audio=lambda p: None, sheet=lambda p: None)
    [view] = [
        p for a in pages.dossier_view(shown, links)["accounts"] for p in a["passages"] if p["code"] == "LK-2026-001"
    ]
    assert view["consent"] == "Đoạn bị hạn chế đến 31/12/2099"
    settling.conclude(db, FOUNDING, "date", "1945", "Hội thảo", "Lan", passages=["LK-2026-001:2"])
    [conclusion] = json.loads(settling.export(db, archive.root, FOUNDING, "json"))["conclusions"]
    assert conclusion["citations"] == [] and conclusion["withheld"] == 1


def test_a_witness_without_a_birth_year_says_which_century_rule_was_used(db, archive):
    lam = next(a for a in made(db, archive).accounts if a.name == "ông Trần Văn Lâm")
    assert lam.birth_note == "chưa rõ năm sinh: năm nói tắt và năm can chi tính như người sinh năm 1930"
    [reading] = lam.passages[0].dates
    assert (reading.year, reading.rule_vn) == (1945, "chưa rõ năm sinh: tính như người sinh năm 1930")


def test_an_unknown_can_chi_year_in_a_passage_is_said_on_it_and_dates_nothing(db, archive):
    lam = next(a for a in made(db, archive).accounts if a.name == "ông Trần Văn Lâm")
    assert lam.passages[0].date_problems == [
        "“Ất Thân” không phải là một năm trong vòng can chi (Ất chỉ đi với Sửu, Mão, Tỵ, Mùi, Dậu, Hợi): nghe lại "
        "lời kể và sửa đoạn này."
    ]
    assert [r.year for r in lam.passages[0].dates] == [1945]


def test_the_witness_role_at_the_time_follows_the_settled_date(db, archive):
    hung = lambda: next(a for a in made(db, archive).accounts if a.name == "ông Nguyễn Văn Hùng")  # noqa: E731
    assert hung().role_then == "Bí thư Chi bộ xã Bắc Cường (1945–1950)", "no date yet: every role, with its years"
    settling.conclude(db, FOUNDING, "date", "1946", "Hội thảo", "Lan")
    assert hung().role_then == "nguyên Bí thư Chi bộ xã Bắc Cường"
    assert database.event_date(db, database.event_id(db, FOUNDING)).settled


def test_person_and_place_dossiers_find_names_and_former_names(db, archive):
    tam = made(db, archive, "Lê Văn Tâm", "person")
    assert [p.code for a in tam.accounts for p in a.passages] == ["LK-2026-001"] and tam.questions == []
    assert made(db, archive, "Vũ Hội", "place").passage_count == 1
    first = database.segments(db, 2)[0]
    editing.edit(db, first.id, first.version, "Lan", text="Hồi đó ở Vũ Lạc có đình làng.")
    assert {p.code for a in made(db, archive, "Vũ Hội", "place").accounts for p in a.passages} == {
        "LK-2026-001",
        "LK-2026-002",
    }


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (
            FAMINE,
            "No passage is about the event “Nạn đói” yet: tag passages with it (`loike tag INTERVIEW LINE --event 2`, or in `loike serve`), or check its name and other names.",
        ),
        ("Chiến dịch", "“Chiến dịch” names none of the archive's events: give its number (`loike events` lists them)."),
    ],
)
def test_an_event_with_no_passage_is_one_sentence_and_nothing_is_written(archive, key, message):
    done = loike(archive, "dossier", key)
    assert done.exit_code == 1 and done.output == f"Error: {message}\n"
    assert not (archive.sheets_dir / "dossiers").exists()


def test_a_gazetteer_with_a_mistake_stops_the_dossier_naming_the_line(archive):
    (archive.recordings / "gazetteer.yaml").write_text("- tên: Khởi nghĩa\n  thời gian: 23/8/45\n", encoding="utf-8")
    done = loike(archive, "dossier", FOUNDING)
    assert done.exit_code == 1 and done.output == (
        "Error: The gazetteer recordings/gazetteer.yaml has a mistake on line 2: “23/8/45” is not a date; each entry "
        "is “- tên: …” with “thời gian: dd/mm/yyyy, mm/yyyy or yyyy” (or two joined by “–”): fix that line.\n"
    )
    assert not (archive.sheets_dir / "dossiers").exists()


def test_two_people_of_one_name_need_a_number(db, archive):
    from pipeline.database.metadata_records import PersonMeta

    database.person_id(db, PersonMeta(full_name="Lê Văn Tâm", birth_year=1940))
    db.conn.commit()
    with pytest.raises(
        WorkshopError, match=r"“Lê Văn Tâm” names several of the archive's people \(\d+, \d+\): give its number"
    ):
        made(db, archive, "Lê Văn Tâm", "person")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--aspect", "date", "--answer", "13/1945"],
            "Error: “13/1945” has no month 13: write the settled date as dd/mm/yyyy, mm/yyyy or yyyy, or a period as 12/1946 – 07/1954.\n",
        ),
        (
            ["--aspect", "date", "--answer", "1945", "--on", "hôm qua"],
            "Error: “hôm qua” is not the day the workshop decided: write it as dd/mm/yyyy.\n",
        ),
        (
            ["--aspect", "place", "--answer", "Vũ Hội", "--passage", "LK-2026-001:9"],
            "Error: There is no passage “LK-2026-001:9”: give CODE:LINE (the line in the review sheet) or its number.\n",
        ),
    ],
)
def test_a_conclusion_with_a_mistake_is_one_sentence_and_nothing_is_recorded(archive, db, args, message):
    done = loike(archive, "conclude", FOUNDING, "--by", "Hội thảo", "--editor", "Lan", *args)
    assert (done.exit_code, done.output) == (1, message)
    assert database.conclusions(db) == []


def test_conclusions_are_exported_with_the_citations_they_rest_on(archive, db):
    loike(archive, "conclude", FOUNDING, "--aspect", "date", "--answer", "1945", "--by", "Hội thảo xã", "--on", "12/05/2026",
          "--reasons", "Hai nhân chứng", "--passage", "LK-2026-001:2", "--passage", "LK-2026-003:2", "--editor", "Lan")  # fmt: skip
    exported = json.loads(loike(archive, "conclusions", "--format", "json").output)
    [conclusion] = exported["conclusions"]
    assert (conclusion["answer"], conclusion["decided_on_vn"], conclusion["withheld"]) == ("1945", "12/05/2026", 1)
    [citation] = conclusion["citations"]
    assert citation["citation"] == (
        "Lời kể của ông Nguyễn Văn Hùng (sinh năm 1932), nguyên Bí thư Chi bộ xã Bắc Cường, do Trần Thị Mai phỏng vấn "
        "ngày 12/03/2026 tại xã Bắc Cường, huyện Vũ Thư, tỉnh Thái Bình; bản ghi LK-2026-001, phút 00:06–00:12."
    )
    restricted = json.loads(loike(archive, "conclusions", "--format", "json", "--include-restricted").output)
    assert [c["restricted"] for c in restricted["conclusions"][0]["citations"]] == [False, True]


def test_the_dossier_docx_reads_back(db, archive):
    from pipeline.workshop import handout

    document = docx.Document(io.BytesIO(handout.dossier_docx(made(db, archive))))
    text = [p.text for p in document.paragraphs]
    assert text[0] == f"Hồ sơ sự kiện: {FOUNDING}" and "Tên khác: chi bộ xã Bắc Cường" in text
    assert "Không đưa vào hồ sơ (hạn chế hoặc chưa được công bố): 1 đoạn của LK-2026-003." in text
    assert "1946: bà Lê Thị Hoa (LK-2026-002, 00:00:06)" in text
    assert "“Chi bộ xã Bắc Cường thành lập năm 1946 ở Bắc Cường.”" in text
    assert "Đọc được: thời gian 1946; nơi Bắc Cường" in text
    assert document.sections[0].page_width.cm == pytest.approx(21, abs=0.01)


def test_loike_dates_reads_text_and_scores_a_table(archive, tmp_path):
    done = loike(archive, "dates", "hồi", "năm", "bốn", "lăm", "--born", "1932")
    assert (
        done.output
        == "hồi năm bốn lăm → 1945 [1945] (year; placed in the life of a witness born in 1932)\n".replace(
            "hồi năm", "năm"
        )
    )
    unknown = json.loads(loike(archive, "dates", "năm Ất Thân, sau Toàn quốc kháng chiến", "--json").output)
    assert [r["value"] for r in unknown["readings"]] == ["1946-12-19/.."] and len(unknown["problems"]) == 1
    assert loike(archive, "dates", "năm bốn lăm").output.endswith(
        "No birth year given: years said without their century and can-chi years were placed as for a witness born in "
        "1930 (give --born YEAR).\n"
    )
    table = tmp_path / "phrases.tsv"
    table.write_text("kind\tphrase\texpected\tborn\tsaid\nyear\tnăm bốn lăm\t1945\t1932\t\nyear\tnăm người\t1945\t\t\n")
    scored = loike(archive, "dates", "--eval", table)
    assert scored.exit_code == 1 and "| year | 2 | 2 | 1 | 1 | 100.0% | 50.0% |" in scored.output


# ---------------------------------------------------------------- the review app


@pytest.fixture
def client(archive):
    app = webapp.create_app(archive, webapp.ServeOptions(sheet_delay=0.01))
    client = TestClient(app, base_url=BASE, headers={"Origin": BASE})
    client.cookies.set(webapp.EDITOR_COOKIE, quote("Lan"))
    client.get("/")
    return client


def csrf(page: str) -> str:
    return re.search(r'name="csrf" value="(\w+)"', page).group(1)


def test_the_app_shows_the_timeline_and_an_event_dossier_with_its_questions(client):
    assert 'href="/workshop"' in client.get("/").text
    timeline = client.get("/workshop").text
    assert '<a href="/workshop/event/1">Thành lập Chi bộ xã Bắc Cường</a>' in timeline
    assert "<td>Nạn đói<br>" in timeline, "no passage is about it yet: nothing to open"
    [place] = re.findall(r'nơi <a href="(/workshop/place/\d+)">Vũ Hội</a>', client.get("/workshop/event/1").text)
    assert "<h1>Vũ Hội</h1>" in client.get(place).text
    page = client.get("/workshop/event/1").text
    assert "Năm thành lập Chi bộ xã Bắc Cường" in page and 'src="/audio/1#t=6.12,11.95"' in page
    assert "LK-2026-003" not in page.split("Lời kể theo nhân chứng")[1]
    shown = client.get("/workshop/event/1", params={"restricted": "1"}).text
    assert "Hồ sơ có 1 đoạn hạn chế công bố" in shown and "Tôi lập chi bộ xã Bắc Cường năm Ất Dậu." in shown
    word = client.get("/workshop/event/1/docx")
    assert word.status_code == 200 and word.content[:2] == b"PK"
    assert client.get("/workshop/event/2").status_code == 404
    assert client.get("/workshop/style.css").headers["content-type"].startswith("text/css")


def test_the_app_records_a_conclusion_and_keeps_the_one_before(client, archive):
    page = client.get("/workshop/event/1").text
    form = {"csrf": csrf(page), "aspect": "date", "answer": "1946", "decided_by": "Hội thảo", "passage-2": "2"}
    assert client.post("/workshop/event/1/conclusions", data=form, follow_redirects=False).status_code == 303
    refused = client.post("/workshop/event/1/conclusions", data={**form, "answer": "năm ngoái"})
    assert refused.status_code == 400 and "“năm ngoái” không phải là thời gian" in refused.text
    client.post("/workshop/event/1/conclusions", data={**form, "answer": "1945", "decided_on": "12/05/2026"})
    page = client.get("/workshop/event/1").text
    assert "Hội thảo kết luận: <strong>1945</strong>" in page and "1946 <em>(đã thay)</em>" in page
    db = database.open_database(archive.database)
    assert [(c.answer, c.editor) for c in database.conclusions(db)] == [("1946", "Lan"), ("1945", "Lan")]
    assert [p.code for p in database.conclusions(db)[0].passages] == ["LK-2026-001"]


def test_an_editor_without_a_name_gives_it_in_the_conclusion_form(client, archive):
    client.cookies.clear()
    page = client.get("/workshop/event/1").text
    assert 'name="editor"' in page
    form = {"csrf": csrf(page), "aspect": "place", "answer": "Vũ Hội", "decided_by": "Hội thảo"}
    refused = client.post("/workshop/event/1/conclusions", data=form)
    assert refused.status_code == 400 and "Hãy ghi tên người ghi kết luận." in refused.text
    done = client.post("/workshop/event/1/conclusions", data={**form, "editor": " Trần  Mai "}, follow_redirects=False)
    assert done.status_code == 303
    db = database.open_database(archive.database)
    assert [(c.answer, c.editor) for c in database.conclusions(db)] == [("Vũ Hội", "Trần Mai")]


def test_the_timeline_links_an_event_to_its_dossier_once_one_is_written(archive):
    assert loike(archive, "timeline").exit_code == 0
    html = (archive.sheets_dir / "timeline.html").read_text(encoding="utf-8")
    assert "href=" not in html and f"<td>{FOUNDING}<br>" in html
    assert loike(archive, "dossier", FOUNDING).exit_code == 0
    loike(archive, "timeline")
    html = (archive.sheets_dir / "timeline.html").read_text(encoding="utf-8")
    [link] = re.findall(r'href="([^"]+)"', html)
    assert (archive.sheets_dir / link).is_file() and f">{FOUNDING}</a>" in html and f"<td>{FAMINE}<br>" in html


def test_a_gazetteer_with_a_mistake_is_one_vietnamese_sentence_in_the_app(client, archive):
    (archive.recordings / "gazetteer.yaml").write_text("- tên: Khởi nghĩa\n  thời gian: 23/8/45\n", encoding="utf-8")
    for path in ("/workshop", "/workshop/event/1"):
        shown = client.get(path)
        assert shown.status_code == 500
        assert "Tệp mốc thời gian recordings/gazetteer.yaml có lỗi ở dòng 2: mỗi mục là" in shown.text


def test_papers_questions_lists_every_event_with_passages(db, archive):
    found = papers.questions(db, archive)
    assert [(e.name, [q.aspect for q in e.questions]) for e in found] == [(FOUNDING, ["date", "place"])]


def test_the_event_page_of_the_sheets_shows_what_the_workshop_settled(db, archive):
    settling.conclude(db, FOUNDING, "date", "1945", "Hội thảo xã", "Lan", "12/05/2026")
    settling.conclude(db, FOUNDING, "date", "19/08/1945", "Hội thảo huyện", "Lan", "01/06/2026")
    [event] = [s for s in database.subjects(db) if s.kind == "event" and s.name == FOUNDING]
    assert ("Hội thảo kết luận (thời gian)", "19/08/1945 (Hội thảo huyện, 01/06/2026)") in event.facts
