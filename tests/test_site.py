"""The published site (`loike publish`): what it holds and leaves out, and, in a real headless Chromium opened from
disk (file://, as from a USB stick), that a page plays from a clicked line, highlights the line heard, follows a
#t= link, cites the line chosen, and that the first page searches every interview without tones."""

import re

import browsers
import pytest
from archive_data import build
from browsers import wait_for
from click.testing import CliRunner

from pipeline import cli, database
from pipeline.desk import for_readers
from pipeline.publishing import site
from pipeline.workshop import settling


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    db, archive, ids = build(tmp_path_factory.mktemp("site"))
    one = database.interview(db, ids["one"])
    for_readers.save_point(
        db, one.id, {"time": 6.2, "title": "Chuyện bà Hường", "synopsis": "Ông nhắc bà Hường."}, "Lan"
    )
    report = site.publish(db, archive, archive.root.parent / "site")
    return db, archive, ids, report


def test_the_site_holds_the_cleared_interviews_and_nothing_of_the_editors(published):
    db, archive, ids, report = published
    assert report.published == [ids["one"]] and report.left_out == [ids["two"]]
    dest = report.dest
    assert not (dest / f"{ids['two']}.html").exists() and not list(dest.glob(f"**/{ids['two']}*"))
    page = (dest / f"{ids['one']}.html").read_text(encoding="utf-8")
    for editor_only in ("[máy]", "[sửa]", "[duyệt]", "Bắc Cường/ông A.wav", str(archive.root), ".wav", "Lan"):
        assert editor_only not in page, editor_only
    assert "&lt;script&gt;" in page and "<script>alert" not in page
    assert re.search(r'<audio id="player"[^>]+src="audio/LK-2026-001\.\w{12}\.mp3"', page)
    assert "Chuyện bà Hường" in page and "do Trần Thị Mai phỏng vấn ngày 12/03/2020" in page


def test_the_pages_citation_gives_the_role_held_at_the_date_the_workshop_settled(tmp_path):
    db, archive, ids = build(tmp_path)
    for event, year in (("Thành lập Chi bộ xã Bắc Cường", "1967"), ("Kháng chiến chống Pháp", "1968")):
        settling.conclude(db, event, "date", year, "Hội thảo xã", "Lan")  # the interview names both
    site.publish(db, archive, tmp_path / "site", [ids["one"]])
    page = (tmp_path / "site" / f"{ids['one']}.html").read_text(encoding="utf-8")
    assert "(sinh năm 1932), nguyên Bí thư Chi bộ xã Bắc Cường, do Trần Thị Mai" in page  # not "liên lạc" (1945–1946)


def test_publishing_again_reuses_the_audio_and_removes_what_is_no_longer_cleared(published, tmp_path):
    db, archive, ids, _ = published
    dest = tmp_path / "again"
    first = site.publish(db, archive, dest)
    second = site.publish(db, archive, dest)
    assert first.audio_made == 0 and second.audio_made == 0  # made once, for the module's site
    db.execute("UPDATE interviews SET consent_status = 'restricted' WHERE code = ?", [ids["one"]])
    third = site.publish(db, archive, dest)
    db.execute("UPDATE interviews SET consent_status = 'allowed' WHERE code = ?", [ids["one"]])
    assert third.published == [] and third.removed == 3  # its page, its search file, its audio
    assert not (dest / f"{ids['one']}.html").exists() and not list((dest / "audio").iterdir())


def test_cli_publish_says_what_it_published_and_left_out(published, tmp_path):
    db, archive, ids, _ = published
    result = CliRunner().invoke(cli.cli, ["--root", str(archive.root), "publish", str(tmp_path / "web")])
    assert result.exit_code == 0, result.output
    assert f"Published 1 interview into {tmp_path / 'web'} (0 access copies made, the rest reused)" in result.output
    assert f"Left out, not cleared for publication: {ids['two']}." in result.output
    inside = CliRunner().invoke(cli.cli, ["--root", str(archive.root), "publish", str(archive.transcripts / "web")])
    assert inside.exit_code == 1
    assert inside.output.strip().endswith("is the archive itself or inside it: publish into a folder of its own.")


@pytest.fixture(scope="module")
def chromium():
    if not browsers.HAVE_CHROMIUM:
        pytest.skip(browsers.WITHOUT_CHROMIUM)
    driver = browsers.chromium("1280,900", implicit_wait=0)
    yield driver
    driver.quit()


@pytest.mark.browser
def test_a_page_plays_from_a_clicked_line_highlights_it_and_cites_it(published, chromium):
    from selenium.webdriver.common.by import By

    report = published[3]
    chromium.get((report.dest / "LK-2026-001.html").as_uri())
    wait_for(lambda: chromium.execute_script("return performance.getEntriesByName('loike-ready').length"))
    rows = chromium.find_elements(By.CSS_SELECTOR, "#lines li")
    assert len(rows) == 4
    rows[2].find_element(By.CSS_SELECTOR, "button.t").click()
    wait_for(lambda: chromium.execute_script("return document.getElementById('player').currentTime") > 6.1)
    assert "now" in rows[2].get_attribute("class")
    assert chromium.find_element(By.ID, "citation").text.endswith("phút 00:06–00:09 (chưa duyệt).")
    wait_for(lambda: "now" in rows[3].get_attribute("class"))  # it plays on into the next line
    assert chromium.execute_script("return document.getElementById('player').duration") == pytest.approx(12, abs=0.2)
    chromium.get((report.dest / "LK-2026-001.html").as_uri() + "#t=9.2")
    wait_for(lambda: "now" in chromium.find_elements(By.CSS_SELECTOR, "#lines li")[3].get_attribute("class"))


@pytest.mark.browser
def test_the_first_page_searches_titles_index_and_words_without_tones(published, chromium):
    from selenium.webdriver.common.by import By

    report = published[3]
    chromium.get((report.dest / "index.html").as_uri())
    chromium.find_element(By.ID, "q").send_keys("huong")
    chromium.find_element(By.CSS_SELECTOR, "#search button").click()
    wait_for(lambda: "kết quả" in chromium.find_element(By.ID, "status").text)
    links = [a.get_attribute("href") for a in chromium.find_elements(By.CSS_SELECTOR, "#results a")]
    assert any(link.endswith("LK-2026-001.html#t=6.2") for link in links)  # the index point
    assert any(link.endswith("LK-2026-001.html#t=6.12") for link in links)  # the line said
    assert chromium.find_element(By.ID, "status").text == "Tìm thấy 2 kết quả."


def test_a_missing_listening_copy_says_how_to_make_it_again_and_the_others_go_on(tmp_path):
    db, archive, ids = build(tmp_path)
    db.execute("UPDATE interviews SET consent_status = 'allowed' WHERE code = ?", [ids["two"]])
    wav = archive.audio_dir / f"{ids['one']}.wav"
    wav.unlink()
    report = site.publish(db, archive, tmp_path / "web")
    assert report.published == [ids["two"]] and (tmp_path / "web" / f"{ids['two']}.html").exists()
    message = f"The listening copy {wav} is missing: run `loike rebuild --audio`, then publish again."
    assert report.failed == [f"{ids['one']}: {message}"]
    result = CliRunner().invoke(cli.cli, ["--root", str(archive.root), "publish", str(tmp_path / "web")])
    assert result.exit_code == 1 and f"Not published: {ids['one']}: {message}" in result.output
