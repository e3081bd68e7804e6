"""The review app in a real headless Chromium, against a real `loike serve` process.

Needs the Debian packages chromium and chromium-driver (`.ci/run` installs them); skipped where they are absent.
"""

import browsers
import pytest
import reviewdesk
from browsers import wait_for

from pipeline import database
from pipeline.desk import editing

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not browsers.HAVE_CHROMIUM, reason=browsers.WITHOUT_CHROMIUM)]


@pytest.fixture(scope="module")
def chromium():
    driver = browsers.chromium()
    yield driver
    driver.quit()


@pytest.fixture
def browser(chromium, app):
    """One Chromium for the module; each test starts with no cookies (they ignore the port)."""
    chromium.get(app[1] + "/static/app.css")
    chromium.delete_all_cookies()
    return chromium


def open_interview(browser, base, name="Lan"):
    from selenium.webdriver.common.by import By

    browser.get(f"{base}/interviews/LK-2026-001")
    browser.find_element(By.NAME, "name").send_keys(name)
    browser.find_element(By.CSS_SELECTOR, ".name-form button").click()
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "li.seg"))
    return browser.find_elements(By.CSS_SELECTOR, "li.seg")


def texts(browser):
    return browser.execute_script("return [...document.querySelectorAll('li.seg .text')].map(e => e.textContent)")


def put_caret(browser, row, offset):
    browser.execute_script(
        "const t = arguments[0].querySelector('.text'); t.focus(); const r = document.createRange();"
        "r.setStart(t.firstChild, arguments[1]); r.collapse(true); const s = getSelection();"
        "s.removeAllRanges(); s.addRange(r);",
        row,
        offset,
    )


def saved(archive):
    return [s.text for s in database.segments(database.open_database(archive.database), 1)]


def test_play_seek_and_the_current_segment_follows_the_audio(app, browser):
    from selenium.webdriver.common.by import By

    archive, base = app
    rows = open_interview(browser, base)
    rows[2].find_element(By.CSS_SELECTOR, ".time").click()  # seeks to 14 s and plays
    wait_for(lambda: browser.execute_script("return document.getElementById('audio').currentTime") > 14.2)
    assert "current" in rows[2].get_attribute("class")
    browser.find_element(By.ID, "slow").click()
    assert browser.execute_script("return document.getElementById('audio').playbackRate") == 0.75
    browser.execute_script("document.getElementById('audio').currentTime = 22")
    wait_for(lambda: "current" in rows[3].get_attribute("class"))
    browser.find_element(By.ID, "back").click()
    assert browser.execute_script("return document.getElementById('audio').currentTime") < 20


def test_an_edit_is_saved_and_still_there_after_a_reload(app, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    archive, base = app
    rows = open_interview(browser, base)
    text = rows[1].find_element(By.CSS_SELECTOR, ".text")
    text.click()
    browser.execute_script("document.execCommand('selectAll')")
    text.send_keys("Năm 1945, chi bộ xã Bắc Cường được thành lập", Keys.ENTER)
    wait_for(lambda: saved(archive)[1] == "Năm 1945, chi bộ xã Bắc Cường được thành lập")
    browser.refresh()
    assert texts(browser)[1] == "Năm 1945, chi bộ xã Bắc Cường được thành lập"
    assert "status-edited" in browser.find_elements(By.CSS_SELECTOR, "li.seg")[1].get_attribute("class")


def test_split_at_the_cursor_then_merge_back(app, browser):
    from selenium.webdriver.common.by import By

    archive, base = app
    rows = open_interview(browser, base)
    put_caret(browser, rows[0], len("Thưa bác,"))
    browser.find_element(By.ID, "split").click()
    wait_for(lambda: len(texts(browser)) == 5)
    assert texts(browser)[:2] == ["Thưa bác,", "bác kể về ngày thành lập chi bộ"] and len(saved(archive)) == 5
    rows = browser.find_elements(By.CSS_SELECTOR, "li.seg")
    rows[0].find_element(By.CSS_SELECTOR, ".time").click()
    browser.find_element(By.ID, "merge").click()
    wait_for(lambda: len(texts(browser)) == 4)
    assert texts(browser)[0] == reviewdesk.LINES[0] and saved(archive)[0] == reviewdesk.LINES[0]


def test_a_conflicting_save_shows_both_versions_and_loses_nothing(app, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    archive, base = app
    rows = open_interview(browser, base)
    db = database.open_database(archive.database)
    segment_id = database.segments(db, 1)[0].id
    editing.edit(db, segment_id, 1, "Hùng", text="Bản của Hùng")  # another editor saves first
    text = rows[0].find_element(By.CSS_SELECTOR, ".text")
    text.click()
    browser.execute_script("document.execCommand('selectAll')")
    text.send_keys("Bản của Lan", Keys.ENTER)
    dialog = wait_for(
        lambda: browser.find_element(By.ID, "conflict").is_displayed() and browser.find_element(By.ID, "conflict")
    )
    assert "Hùng" in dialog.text and "Bản của Hùng" in dialog.text and "Bản của Lan" in dialog.text
    assert saved(archive)[0] == "Bản của Hùng"
    browser.find_element(By.ID, "conflict-mine").click()
    wait_for(lambda: saved(archive)[0] == "Bản của Lan")
    actions = [r.after["text"] for r in database.segment_history(db, segment_id)]
    assert actions == ["Bản của Hùng", "Bản của Lan"]


def test_restore_the_machine_text_from_history(app, browser):
    from selenium.webdriver.common.by import By

    archive, base = app
    open_interview(browser, base)
    db = database.open_database(archive.database)
    editing.edit(db, database.segments(db, 1)[0].id, 1, "Hùng", text="sửa nhầm")
    browser.refresh()
    browser.find_elements(By.CSS_SELECTOR, "li.seg")[0].find_element(By.CSS_SELECTOR, ".time").click()
    browser.find_element(By.CSS_SELECTOR, "#history-box summary").click()
    buttons = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#history .restore"))
    assert "Bản máy: " + reviewdesk.LINES[0] in browser.find_element(By.ID, "history").text
    buttons[0].click()
    wait_for(lambda: texts(browser)[0] == reviewdesk.LINES[0])
    assert saved(archive)[0] == reviewdesk.LINES[0]


def test_script_in_a_segment_and_in_metadata_stays_inert(app, browser):
    archive, base = app
    db = database.open_database(archive.database)
    payload = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'
    db.execute("UPDATE interviews SET title = ?", [payload])
    db.execute("UPDATE people SET full_name = ? WHERE id = 1", [payload])
    db.conn.commit()
    editing.edit(db, database.segments(db, 1)[0].id, 1, "Hùng", text=payload)
    open_interview(browser, base)
    assert browser.execute_script("return window.pwned") is None
    assert texts(browser)[0] == payload  # shown as the words it is
    browser.get(base + "/")
    assert browser.execute_script("return window.pwned") is None


def test_a_forged_post_from_the_page_without_the_token_is_refused(app, browser):
    archive, base = app
    open_interview(browser, base)
    status = browser.execute_async_script(
        "const done = arguments[0]; fetch('/api/segments/1', {method: 'POST', headers: {'Content-Type': "
        "'application/json'}, body: JSON.stringify({version: 1, text: 'giả'})}).then(r => done(r.status));"
    )
    assert status == 403 and saved(archive)[0] == reviewdesk.LINES[0]


def test_a_quote_from_a_selection(app, browser):
    from selenium.webdriver.common.by import By

    archive, base = app
    rows = open_interview(browser, base)
    browser.execute_script(
        "const a = arguments[0].querySelector('.text').firstChild, b = arguments[1].querySelector('.text').firstChild;"
        "const r = document.createRange(); r.setStart(a, 4); r.setEnd(b, 9); const s = getSelection();"
        "s.removeAllRanges(); s.addRange(r);",
        rows[1],
        rows[2],
    )
    wait_for(lambda: browser.find_element(By.ID, "quote-form").is_displayed())
    browser.find_element(By.ID, "quote-comment").send_keys("số đảng viên")
    browser.find_element(By.ID, "quote-save").click()
    wait_for(lambda: database.interview_quotes(database.open_database(archive.database), 1))
    [made] = database.interview_quotes(database.open_database(archive.database), 1)
    assert made.text == "một chín bốn lăm chi bộ xã Bắc Cường được thành lập Hồi đó có"
    assert made.comment == "số đảng viên" and made.editor == "Lan"


def test_a_gap_the_machine_left_shows_its_placeholder_and_is_typed_into(app, browser):
    """Speech heard and not written is an empty box that says so; once typed into, the flag goes and it is saved."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from pipeline.database.heard import MachineSegment

    archive, base = app
    db = database.open_database(archive.database)
    said, thanks = reviewdesk.segments_for(["Thưa bác, bác kể tiếp đi ạ", "Cảm ơn bác"], spacing=10.0)
    gap = MachineSegment(5.0, 9.0, "", None, None, None, speech_fraction=1.0, flags=["unwritten_speech"])
    database.save_transcript(db, 1, [said, gap, thanks], reviewdesk.RUN)
    db.close()
    rows = open_interview(browser, base)
    box = rows[1].find_element(By.CSS_SELECTOR, ".text")
    shown = browser.execute_script("return getComputedStyle(arguments[0], '::before').content", box)
    assert shown == '"[có tiếng nói, máy không ghi được]"' and box.text == ""
    assert "flagged" in rows[1].get_attribute("class")

    box.click()
    box.send_keys("Hồi đó có năm đảng viên", Keys.ENTER)

    wait_for(lambda: saved(archive)[1] == "Hồi đó có năm đảng viên")
    wait_for(lambda: "flagged" not in rows[1].get_attribute("class"))
    assert rows[1].find_elements(By.CSS_SELECTOR, ".flag") == []
    assert browser.execute_script("return getComputedStyle(arguments[0], '::before').content", box) == "none"


def test_a_proposal_from_a_known_voice_is_accepted_with_one_click(app, browser):
    from selenium.webdriver.common.by import By

    archive, base = app
    db = database.open_database(archive.database)
    db.execute("UPDATE segments SET speaker = CASE WHEN idx % 2 = 0 THEN 'S1' ELSE 'S2' END")
    with db.atomic():
        database.store_proposals(db, 1, {"S1": (2, 0.91, 0)})  # Trần Thị Mai, as a run proposes her
    open_interview(browser, base)
    proposal = browser.find_element(By.CSS_SELECTOR, ".proposal")
    assert proposal.text.startswith("Có thể là Trần Thị Mai — 0.91")
    proposal.find_element(By.CSS_SELECTOR, "button.accept-proposal").click()
    wait_for(lambda: database.speaker_people(database.open_database(archive.database), 1) == {"S1": 2})
    wait_for(lambda: not browser.find_elements(By.CSS_SELECTOR, ".proposal"))
    shown = browser.execute_script("return [...document.querySelectorAll('li.seg .speaker')].map(e => e.textContent)")
    assert shown[0] == "Trần Thị Mai" and shown[1] == "S2"


@pytest.fixture
def app_on_a_small_disk():
    """A real `loike serve` over an archive on a disk that is about to fill up: (archive, base URL, disk)."""
    from small_disk import small_disk

    with small_disk() as disk:
        archive = reviewdesk.build(disk)
        with browsers.serving(disk) as base:
            yield archive, base, disk


def test_a_save_on_a_full_disk_says_why_in_vietnamese_and_keeps_the_editors_text(app_on_a_small_disk, chromium):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from small_disk import fill

    archive, base, disk = app_on_a_small_disk
    chromium.get(base + "/static/app.css")
    chromium.delete_all_cookies()
    rows = open_interview(chromium, base)
    filler = fill(disk)
    text = rows[1].find_element(By.CSS_SELECTOR, ".text")
    text.click()
    chromium.execute_script("document.execCommand('selectAll')")
    text.send_keys("Năm 1945, chi bộ xã Bắc Cường được thành lập", Keys.ENTER)

    toast = wait_for(
        lambda: "đã đầy" in chromium.find_element(By.ID, "toast").text and chromium.find_element(By.ID, "toast")
    )
    assert toast.text.startswith("Chưa lưu được vì ổ đĩa của máy chạy Lời Kể đã đầy")
    assert texts(chromium)[1] == "Năm 1945, chi bộ xã Bắc Cường được thành lập"  # still on the page
    assert saved(archive)[1] == reviewdesk.LINES[1]
    filler.unlink()
    text.click()
    text.send_keys(Keys.ENTER)  # save again once there is room
    wait_for(lambda: saved(archive)[1] == "Năm 1945, chi bộ xã Bắc Cường được thành lập")
