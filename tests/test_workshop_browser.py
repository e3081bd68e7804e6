"""The workshop in a real headless Chromium against a real `loike serve`: from the interviews' list to an event's
dossier, a passage played (exactly that passage), the page as printed on A4, restricted passages on request, and a
conclusion recorded through the form.

Needs the Debian packages chromium and chromium-driver (`.ci/run` installs them); skipped where they are absent.
"""

import base64
import re

import browsers
import pytest
import workshop_data
from workshop_data import FOUNDING

from pipeline import database

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not browsers.HAVE_CHROMIUM, reason=browsers.WITHOUT_CHROMIUM),
]


@pytest.fixture
def served(tmp_path):
    """A real `loike serve` on a free port over the workshop's small archive: (archive, base URL)."""
    archive = workshop_data.build(tmp_path)
    with browsers.serving(tmp_path) as base:
        yield archive, base


@pytest.fixture
def browser():
    driver = browsers.chromium()
    yield driver
    driver.quit()


def wait_for(condition, timeout=15.0):
    return browsers.wait_for(condition, timeout)


def texts(browser, selector):
    return [e.text for e in browser.find_elements("css selector", selector)]


def test_an_event_dossier_in_the_browser_plays_prints_and_records_a_conclusion(served, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    archive, base = served
    browser.get(base + "/")
    browser.find_element(By.LINK_TEXT, "Hội thảo: niên biểu sự kiện, hồ sơ và kết luận").click()
    browser.find_element(By.LINK_TEXT, FOUNDING).click()
    assert browser.find_element(By.TAG_NAME, "h1").text == FOUNDING
    assert texts(browser, ".question h3") == ["Năm thành lập Chi bộ xã Bắc Cường", "Nơi thành lập Chi bộ xã Bắc Cường"]
    assert texts(browser, ".account h3") == ["ông Nguyễn Văn Hùng", "bà Lê Thị Hoa", "ông Trần Văn Lâm"]
    assert "LK-2026-003" in browser.find_element(By.CSS_SELECTOR, ".consent-note").text
    assert not browser.find_elements(By.CSS_SELECTOR, ".dossier-passage.restricted")

    # The play button of a passage plays that passage and stops at its end (6.12–11.95 s of LK-2026-001).
    played = browser.execute_script(
        "const a = document.querySelector('#s2 audio'); a.playbackRate = 4; a.play();return a.getAttribute('src');"
    )
    assert played.endswith("/audio/1#t=6.12,11.95")
    heard = []

    def stopped():
        state = browser.execute_script(
            "const a = document.querySelector('#s2 audio'); return [a.currentTime, a.paused]"
        )
        heard.append(state[0])
        return state[1] and state[0] > 6.2

    wait_for(stopped)
    assert min(t for t in heard if t > 0) >= 6.1 and 11.8 <= heard[-1] <= 12.2

    # Printed: A4, without the players, the toggle or the form; the questions and every passage still there.
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    hidden = browser.execute_script(
        "return ['.dossier-passage .controls', '.toggle', '.conclude-form', '.topbar']"
        ".map(s => document.querySelector(s)).filter(e => e).map(e => getComputedStyle(e).display)"
    )
    assert hidden and set(hidden) == {"none"}
    assert browser.find_element(By.CSS_SELECTOR, ".questions").is_displayed()
    pdf = base64.b64decode(browser.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True})["data"])
    sizes = {tuple(round(float(n)) for n in box.split()) for box in re.findall(rb"/MediaBox \[([\d. ]+)\]", pdf)}
    assert sizes == {(0, 0, 595, 842)} or sizes == {(0, 0, 596, 843)}, sizes  # A4 in points
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})

    # Restricted passages only when asked for, marked.
    browser.find_element(By.PARTIAL_LINK_TEXT, "Hiện cả các đoạn hạn chế công bố").click()
    assert "Hồ sơ có 1 đoạn hạn chế công bố" in browser.find_element(By.CSS_SELECTOR, ".consent-banner").text
    [restricted] = browser.find_elements(By.CSS_SELECTOR, ".dossier-passage.restricted")
    assert "Tôi lập chi bộ xã Bắc Cường năm Ất Dậu." in restricted.text
    browser.find_element(By.PARTIAL_LINK_TEXT, "Ẩn các đoạn hạn chế công bố").click()

    # A conclusion through the form, by an editor who gives a name there; it answers the question on the page.
    Select(browser.find_element(By.NAME, "aspect")).select_by_visible_text("Thời gian")
    browser.find_element(By.NAME, "answer").send_keys("1945")
    browser.find_element(By.NAME, "reasons").send_keys("Hai nhân chứng và biên bản của huyện")
    browser.find_element(By.NAME, "decided_by").send_keys("Hội thảo xã Bắc Cường")
    browser.find_element(By.NAME, "decided_on").send_keys("12/05/2026")
    browser.find_element(By.NAME, "editor").send_keys("Lan")
    browser.find_element(By.CSS_SELECTOR, "input[name='passage-2']").click()
    browser.find_element(By.CSS_SELECTOR, ".conclude-form button[type='submit']").click()
    settled = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, ".question .settled"))
    assert settled[0].text.startswith("Hội thảo kết luận: 1945 (Hội thảo xã Bắc Cường, ngày 12/05/2026)")
    assert "1945" in browser.find_element(By.CSS_SELECTOR, ".history").text
    db = database.open_database(archive.database)
    [conclusion] = database.conclusions(db)
    assert (conclusion.answer, conclusion.editor, [p.code for p in conclusion.passages]) == (
        "1945",
        "Lan",
        ["LK-2026-001"],
    )
