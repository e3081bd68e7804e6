"""Sheets on paper and symbols on screen, in a real headless Chromium: every printed line numbered (editors cite
"trang 3, dòng 17"), page 1 not eaten by metadata, empty columns left out, and every symbol drawn with the fonts a
stock Debian has (DejaVu, Liberation: this machine's), or as inline SVG.

Needs the Debian packages chromium and chromium-driver (`.ci/run` installs them); skipped where they are absent.
"""

from __future__ import annotations

import base64
import io

import browsers
import pytest
import reviewdesk
from pypdf import PdfReader

from pipeline import database
from pipeline.database.public_records import IndexPoint
from pipeline.publishing import review_sheets

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not browsers.HAVE_CHROMIUM, reason=browsers.WITHOUT_CHROMIUM)]
WORDS = "Năm ấy bà con trong xã góp gạo nuôi bộ đội, thanh niên đi dân công hỏa tuyến, các mẹ các chị may áo".split()  # noqa: SIM905
LONG = [" ".join(WORDS[: 5 + (i * 7) % 20]) * (1 + i % 3) for i in range(60)]
"""Segments of one to five printed lines: enough for three pages."""


@pytest.fixture(scope="module")
def chromium():
    driver = browsers.chromium("1200,900", implicit_wait=0)
    yield driver
    driver.quit()


def sheet_of(root, lines=LONG, index=False):
    archive = reviewdesk.build(root, lines=lines)
    db = database.open_database(archive.database)
    if index:  # the editors' index printed above the transcript, long enough to wrap
        for n in range(4):
            point = IndexPoint(
                0, 1, n * 10.0, f"Điểm {n}", "Ông kể ngày thành lập chi bộ " * (n + 1), keywords=["chi bộ"]
            )
            database.save_index_point(db, point, "Lan")
        db.conn.commit()
    review_sheets.write_sheets(db, archive)
    return archive.sheets_dir / "LK-2026-001.html"


def printed(chromium, page) -> list[list[tuple[float, float, str]]]:
    """The page printed on A4 by Chromium: per printed page, its pieces of text as (y, x, text), top first."""
    from selenium.webdriver.common.print_page_options import PrintOptions

    chromium.get(page.as_uri())
    options = PrintOptions()
    options.page_width, options.page_height = 21.0, 29.7
    pdf = PdfReader(io.BytesIO(base64.b64decode(chromium.print_page(options))))
    pages = []
    for sheet in pdf.pages:
        pieces: list[tuple[float, float, str]] = []

        def keep(text, cm, tm, font, size, into=pieces):
            if text.strip():
                into.append((tm[5] * cm[3] + cm[5], tm[4] * cm[0] + cm[4], text.strip()))

        sheet.extract_text(visitor_text=keep)
        pages.append(sorted(pieces, key=lambda p: (-p[0], p[1])))
    return pages


@pytest.mark.parametrize("index", [False, True], ids=["plain", "with-index"])
def test_every_printed_line_of_every_page_has_its_number(chromium, tmp_path, index):
    pages = printed(chromium, sheet_of(tmp_path, index=index))
    assert len(pages) >= 3
    for number, page in enumerate(pages, 1):
        gutter = min(x for _, x, _ in page)
        numbers = [(y, int(text)) for y, x, text in page if x < gutter + 15 and text.isdigit()]
        assert [n for _, n in numbers] == list(range(1, review_sheets.PRINT_LINES + 1)), f"page {number}"
        steps = {round(a[0] - b[0], 1) for a, b in zip(numbers, numbers[1:])}
        assert steps == {15.0}, f"page {number}: the numbers are not one line apart: {steps}"
        for y, x, text in page:
            if x > gutter + 15 and y > 58:  # the page number stands in the margin below
                off = min(abs(y - ny) for ny, _ in numbers)
                assert off < 3, f"page {number}: {text!r} at y={y:.1f} sits between two numbered lines"
    if index:
        assert "Điểm3" in "".join(text for _, _, text in pages[0]).replace(" ", "")
    last = pages[-1]
    assert f"Trang {len(pages)} / {len(pages)}" in " ".join(text for y, _, text in last if y < 58)


def test_page_one_keeps_the_metadata_short_and_leaves_out_what_is_empty(chromium, tmp_path):
    [first, *_] = printed(chromium, sheet_of(tmp_path))
    lines: dict[float, str] = {}
    for y, _, piece in first:  # pieces come glyph run by glyph run: put each line back together
        lines[round(y)] = lines.get(round(y), "") + piece
    text = " ".join(lines.values())
    heading = next(y for y, line in lines.items() if line == "Bản ghi")
    assert heading > 841.9 * 2 / 3, "the transcript starts in the top third of page 1"
    assert "Thiết bị ghi âm" not in text and "Chủ đề" not in text, "facts nobody filled in are not printed"
    assert "Nguyễn Văn Hùng (1932)" in text and "12/03/2020" in text


def test_the_speaker_column_is_left_out_when_nobody_is_labelled(chromium, tmp_path):
    chromium.get(sheet_of(tmp_path, reviewdesk.LINES).as_uri())
    widths = chromium.execute_script(
        "const row = document.querySelector('.segment'), speaker = row.querySelector('.speaker');"
        "return [speaker ? speaker.offsetWidth : 0, row.querySelector('.text').offsetLeft - row.offsetLeft];"
    )
    assert widths[0] == 0 and widths[1] < 200, widths


MISSING = "\u0378"
"""A code point no font has: how a missing glyph looks."""
DRAWN = """
const [characters, font] = arguments;
const canvas = document.createElement("canvas");
canvas.width = 64; canvas.height = 64;
const context = canvas.getContext("2d");
const pixels = (text) => {
  context.clearRect(0, 0, 64, 64);
  context.font = "40px " + font;
  context.fillText(text, 4, 48);
  return Array.from(context.getImageData(0, 0, 64, 64).data).join(",");
};
const missing = pixels(arguments[2]);
return characters.filter((c) => pixels(c) === missing);
"""
SYMBOLS = """
const seen = new Set();
const add = (text) => { for (const c of text || "") if (c.codePointAt(0) > 0x2000) seen.add(c); };
add(document.body.innerText);
for (const element of document.querySelectorAll("*")) {
  for (const where of ["::before", "::after"]) {
    const content = getComputedStyle(element, where).content;
    if (content && content.startsWith('"')) add(content);
  }
}
return [...seen];
"""
SVG_PAINTED = """
const svgs = [...document.querySelectorAll("svg.icon")];
return Promise.all(svgs.map((svg) => new Promise((resolve) => {
  const copy = svg.cloneNode(true);
  copy.setAttribute("width", 40); copy.setAttribute("height", 40); copy.setAttribute("style", "display:inline");
  copy.setAttribute("xmlns", "http://www.w3.org/2000/svg");
  const image = new Image();
  image.onload = () => {
    const canvas = document.createElement("canvas");
    canvas.width = 40; canvas.height = 40;
    const context = canvas.getContext("2d");
    context.drawImage(image, 0, 0);
    const data = context.getImageData(0, 0, 40, 40).data;
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
    resolve(painted);
  };
  image.src = "data:image/svg+xml;base64," + btoa(new XMLSerializer().serializeToString(copy));
})));
"""


def unrendered(chromium) -> list[str]:
    """The symbols on the page (in its text or its CSS) that the sans and serif fonts it asks for draw as a
    missing glyph."""
    symbols = chromium.execute_script(SYMBOLS)
    gone = []
    for family in ("sans-serif", "serif"):
        gone += chromium.execute_script(DRAWN, symbols, family, MISSING)
    return sorted(set(gone))


def test_the_sheets_symbols_render_with_the_fonts_of_a_stock_machine(chromium, tmp_path):
    archive = reviewdesk.build(tmp_path)
    db = database.open_database(archive.database)
    db.execute("UPDATE interviews SET metadata_status = 'missing', consent_status = 'restricted'")
    db.execute("UPDATE segments SET flags = '[\"repeat\"]' WHERE idx = 1")
    db.conn.commit()
    review_sheets.write_sheets(db, archive)
    for page in ("index.html", "LK-2026-001.html"):
        chromium.get((archive.sheets_dir / page).as_uri())
        assert unrendered(chromium) == [], page
    chromium.get((archive.sheets_dir / "index.html").as_uri())
    assert "chờ bổ sung thông tin" in chromium.page_source


def test_the_apps_symbols_and_icons_render_with_the_fonts_of_a_stock_machine(chromium, app):
    archive, base = app
    chromium.get(base + "/static/app.css")
    from urllib.parse import quote

    from pipeline.desk import webapp

    chromium.add_cookie({"name": webapp.EDITOR_COOKIE, "value": quote("Lan")})
    for path in ("/", "/interviews/LK-2026-001"):
        chromium.get(base + path)
        assert unrendered(chromium) == [], path
    painted = chromium.execute_script(SVG_PAINTED)
    assert len(painted) == 3 and all(count > 100 for count in painted), painted
