"""The review app in a real headless Firefox (ESR), driven over Marionette, Firefox's own remote protocol
(no geckodriver needed). Needs the Debian package firefox-esr and marionette-driver; skipped where absent."""

import shutil

import pytest
import reviewdesk
from browsers import wait_for

from pipeline import database

FIREFOX = shutil.which("firefox-esr") or shutil.which("firefox")
marionette = pytest.importorskip("marionette_driver.marionette", reason="needs marionette-driver")
pytestmark = [pytest.mark.browser, pytest.mark.skipif(not FIREFOX, reason="needs the firefox-esr package")]


@pytest.fixture
def firefox(tmp_path):
    client = marionette.Marionette(bin=FIREFOX, headless=True, gecko_log=str(tmp_path / "gecko.log"))
    client.start_session()
    yield client
    client.delete_session()
    client.cleanup()


def test_the_desk_works_in_firefox(app, firefox):
    from marionette_driver.by import By

    archive, base = app
    firefox.navigate(base + "/static/app.css")
    firefox.add_cookie({"name": "loike_editor", "value": "Lan", "path": "/"})
    firefox.navigate(base + "/interviews/LK-2026-001")
    wait_for(lambda: firefox.execute_script("return performance.getEntriesByName('loike-ready').length"))
    rows = firefox.find_elements(By.CSS_SELECTOR, "li.seg")
    rows[2].find_element(By.CSS_SELECTOR, ".time").click()
    wait_for(lambda: firefox.execute_script("return document.getElementById('audio').currentTime") > 14.2)
    assert "current" in rows[2].get_attribute("class")

    firefox.execute_script(
        "const t = document.querySelectorAll('li.seg .text')[0]; t.focus(); const r = document.createRange();"
        "r.setStart(t.firstChild, arguments[0]); r.collapse(true); getSelection().removeAllRanges();"
        "getSelection().addRange(r);",
        script_args=[len("Thưa bác,")],
    )
    firefox.find_element(By.ID, "split").click()
    wait_for(lambda: firefox.execute_script("return document.querySelectorAll('li.seg').length") == 5)
    firefox.find_element(By.ID, "merge").click()
    wait_for(lambda: firefox.execute_script("return document.querySelectorAll('li.seg').length") == 4)

    text = firefox.find_elements(By.CSS_SELECTOR, "li.seg .text")[1]
    text.click()
    firefox.execute_script("arguments[0].textContent = 'Năm 1945 chi bộ được thành lập'", script_args=[text])
    firefox.find_element(By.ID, "verify").click()
    db = database.open_database(archive.database)
    wait_for(lambda: database.segments(db, 1)[1].review_status == "verified")
    firefox.refresh()
    assert firefox.find_elements(By.CSS_SELECTOR, "li.seg .text")[1].text == "Năm 1945 chi bộ được thành lập"
    assert [s.text for s in database.segments(db, 1)][0] == reviewdesk.LINES[0]
