"""The review app's index and closed passages, through Starlette's test client: placing, editing and removing index
points, closing a selected passage and opening it again, each kept in the history, with the guards of every change;
and, in a real Chromium against `loike serve`, an editor closing a passage by selecting it."""

import json
import re
from datetime import date, timedelta
from urllib.parse import quote

import browsers
import pytest
import reviewdesk
from browsers import wait_for
from starlette.testclient import TestClient

from pipeline import database
from pipeline.desk import webapp
from pipeline.publishing import redaction

BASE = "http://127.0.0.1:8765"
UNTIL = (date.today() + timedelta(days=30)).isoformat()


@pytest.fixture
def archive(tmp_path):
    return reviewdesk.build(tmp_path)


@pytest.fixture
def client(archive):
    client = TestClient(
        webapp.create_app(archive, webapp.ServeOptions(sheet_delay=0.01)), base_url=BASE, headers={"Origin": BASE}
    )
    client.cookies.set(webapp.EDITOR_COOKIE, quote("Lan"))
    client.get("/")
    return client


def post(client, path, body):
    token = re.search(r'name="csrf-token" content="(\w+)"', client.get("/interviews/LK-2026-001").text).group(1)
    return client.post(path, json=body, headers={"X-CSRF-Token": token})


def test_an_editor_places_edits_and_removes_index_points(client, archive):
    made = post(
        client,
        "/api/interviews/1/index",
        {"time": "12.5", "title": "Thành lập chi bộ", "keywords": "chi bộ; Bắc Cường", "title_alt": "Founding"},
    )
    assert made.status_code == 200, made.text
    [point] = made.json()["index"]
    assert point["keywords"] == ["chi bộ", "Bắc Cường"] and point["editor"] == "Lan"
    edited = post(client, "/api/interviews/1/index", {"id": point["id"], "time": 14, "title": "Chi bộ ra đời"})
    assert [p["title"] for p in edited.json()["index"]] == ["Chi bộ ra đời"]
    page = client.get("/interviews/LK-2026-001").text
    shown = json.loads(re.search(r'id="readers-data">(.*?)</script>', page).group(1))
    assert shown["index"][0]["title"] == "Chi bộ ra đời" and "/static/app_readers.js" in page
    assert client.get("/static/app_readers.js").status_code == 200
    assert post(client, f"/api/index/{point['id']}/delete", {}).json() == {"index": []}
    history = database.public_history(database.open_database(archive.database), 1, "index_point")
    assert [h["action"] for h in history] == ["save", "save", "delete"]
    refused = post(client, "/api/interviews/1/index", {"time": 3, "title": ""})
    assert refused.status_code == 400 and refused.json()["error"] == "Điểm mục lục cần có tiêu đề."


def test_an_editor_closes_a_selected_passage_and_opens_it_again(client, archive):
    db = database.open_database(archive.database)
    first = database.segments(db, 1)[0]
    body = {
        "first": first.id,
        "last": first.id,
        "start_offset": 0,
        "end_offset": 8,
        "reason": "xin giữ kín",
        "until": UNTIL,
    }
    made = post(client, "/api/interviews/1/redactions", body)
    assert made.status_code == 200, made.text
    [closed] = made.json()["redactions"]
    assert closed["closed"] and closed["words"] == first.text[:8].strip() and closed["editor"] == "Lan"
    public = redaction.public(db, "LK-2026-001").lines[0].text
    assert public.startswith(closed["marker"]) and first.text[:8] not in public
    late = post(client, "/api/interviews/1/redactions", body | {"until": "2001-01-01"})
    assert late.status_code == 400 and late.json()["error"] == "Ngày hết hạn chế đã qua: hãy chọn một ngày sau hôm nay."
    opened = post(client, f"/api/redactions/{closed['id']}/withdraw", {}).json()["redactions"][0]
    assert not opened["closed"] and opened["withdrawn_by"] == "Lan"
    assert redaction.public(db, "LK-2026-001").lines[0].text == first.text


@pytest.fixture(scope="module")
def chromium():
    if not browsers.HAVE_CHROMIUM:
        pytest.skip(browsers.WITHOUT_CHROMIUM)
    driver = browsers.chromium()
    yield driver
    driver.quit()


@pytest.mark.browser
def test_in_the_browser_an_editor_closes_a_selection_and_places_an_index_point(app, chromium):
    from selenium.webdriver.common.by import By

    archive, base = app
    chromium.get(base + "/static/app.css")
    chromium.add_cookie({"name": "loike_editor", "value": "Lan"})
    chromium.get(base + "/interviews/LK-2026-001")
    wait_for(lambda: chromium.execute_script("return performance.getEntriesByName('loike-ready').length"))
    chromium.execute_script(
        "const t = document.querySelectorAll('li.seg .text')[1]; const r = document.createRange();"
        "r.setStart(t.firstChild, 0); r.setEnd(t.firstChild, 8); getSelection().removeAllRanges(); getSelection().addRange(r);"
    )
    wait_for(lambda: chromium.find_element(By.ID, "redaction-preview").text)
    form = chromium.find_element(By.ID, "redaction-form")
    form.find_element(By.NAME, "reason").send_keys("xin giữ kín")
    chromium.execute_script(f"document.querySelector('#redaction-form [name=until]').value = '{UNTIL}'")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(lambda: chromium.find_elements(By.CSS_SELECTOR, "#redactions li"))
    assert "closed" in chromium.find_elements(By.CSS_SELECTOR, "li.seg")[1].get_attribute("class")
    index = chromium.find_element(By.ID, "index-form")
    index.find_element(By.NAME, "time").send_keys("7")
    index.find_element(By.NAME, "title").send_keys("Mở đầu")
    index.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(lambda: chromium.find_elements(By.CSS_SELECTOR, "#index-points li"))
    db = database.open_database(archive.database)
    assert [p.title for p in database.index_points(db, 1)] == ["Mở đầu"]
    assert database.redactions(db, 1)[0].reason == "xin giữ kín" and database.redactions(db, 1)[0].until == UNTIL


def test_the_review_sheet_shows_the_index(archive):
    from pipeline.desk import for_readers
    from pipeline.publishing import review_sheets

    db = database.open_database(archive.database)
    for_readers.save_point(
        db, 1, {"time": 14, "title": "Chi bộ ra đời", "synopsis": "Năm 1945.", "keywords": "a; b"}, "Lan"
    )
    review_sheets.write_sheets(db, archive)
    sheet = (archive.sheets_dir / "LK-2026-001.html").read_text(encoding="utf-8")
    assert (
        '<a href="#t=14.000">00:00:14</a> <strong>Chi bộ ra đời</strong>: Năm 1945. <span class="note">(a; b)</span>'
        in sheet
    )
