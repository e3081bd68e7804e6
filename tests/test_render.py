"""Review sheets and the index, rendered for real and read back with the standard library's HTML parser."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import time
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pipeline import render
from pipeline.errors import ArchiveError

XSS = "<script>alert(1)</script>"
VIETNAMESE = unicodedata.normalize("NFC", "Hồi đó ông ở xã Bắc Cường, nghĩa quân đánh đồn Phố Ràng năm bốn mươi bảy")


# ---------------------------------------------------------------- helpers


class Page(HTMLParser):
    """Every element's tag, attributes and text, plus what was inside <script>."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[dict] = []
        self.open: list[dict] = []
        self.scripts: list[str] = []
        self.in_script = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": dict(attrs), "text": ""}
        self.elements.append(element)
        self.in_script = tag == "script"
        if tag not in {"meta", "br", "input", "link", "img", "source"}:
            self.open.append(element)

    def handle_endtag(self, tag):
        self.in_script = False
        while self.open:
            if self.open.pop()["tag"] == tag:
                break

    def handle_data(self, data):
        if self.in_script:
            self.scripts.append(data)
        for element in self.open:
            element["text"] += data

    def find(self, tag: str | None = None, cls: str | None = None) -> list[dict]:
        return [
            e for e in self.elements
            if (tag is None or e["tag"] == tag) and (cls is None or cls in (e["attrs"].get("class") or "").split())
        ]


def interview(**overrides) -> dict:
    row = {
        "id": 1, "code": "LK-2026-001", "title": "Ông Nguyễn Văn A kể chuyện làng",
        "source_path": "xã Bắc Cường/ông Nguyễn Văn A.mp3", "sha256": "ab" * 32, "container": "mp3",
        "codec": "mp3", "channels": 1, "sample_rate": 22050, "declared_duration": 3725.4, "duration": 3725.4,
        "status": "transcribed", "problem": None, "first_seen": "2026-03-05T14:22:01+07:00",
        "transcribed_at": "2026-03-06T09:00:00+07:00", "model": "base", "segment_count": 2, "verified_count": 1,
        "flagged_count": 0,
    }
    return {**row, **overrides}


def segment(idx: int, text: str, probabilities: list[float] | None = None, **overrides) -> dict:
    """A segment as the store returns it: words stripped of Whisper's leading space, spelling the text."""
    tokens = text.split()
    probabilities = probabilities or [0.95] * len(tokens)
    start = idx * 5.0
    words = [
        {"start": start + i * 0.4, "end": start + i * 0.4 + 0.3, "text": token, "probability": p}
        for i, (token, p) in enumerate(zip(tokens, probabilities))
    ]
    row = {
        "id": idx + 1, "idx": idx, "start": start, "end": start + 4.5, "speaker": None, "text": text,
        "avg_logprob": -0.3, "no_speech_prob": 0.01, "review_status": "machine", "words": words,
    }
    return {**row, **overrides}


@pytest.fixture
def env(tmp_path):
    return render.environment(tmp_path)


def sheet(env, interview_row=None, segments=None, audio_href="../audio/LK-2026-001.wav") -> str:
    return render.render_sheet(
        env, interview_row or interview(), [segment(0, VIETNAMESE)] if segments is None else segments, audio_href
    )


# ---------------------------------------------------------------- filters


@pytest.mark.parametrize("seconds, expected", [
    (0, "00:00:00"), (59.99, "00:00:59"), (3600, "01:00:00"), (3725.4, "01:02:05"), (7325.5, "02:02:05"),
    (None, "—"),
])
def test_timecode(seconds, expected):
    assert render.timecode(seconds) == expected


@pytest.mark.parametrize("seconds, expected", [
    (0, "00:00"), (59.99, "00:59"), (3600, "1:00:00"), (7325.5, "2:02:05"), (754, "12:34"), (None, "—"),
])
def test_duration(seconds, expected):
    assert render.duration(seconds) == expected


@pytest.mark.parametrize("value, expected", [
    ("2026-03-05T14:22:01+07:00", "05/03/2026"), ("2026-03-05 14:22:01", "05/03/2026"),
    ("2026-03-05T23:59:59Z", "05/03/2026"), ("2026-12-31", "31/12/2026"), (None, "—"), ("hôm qua", "hôm qua"),
])
def test_date_vn(value, expected):
    assert render.date_vn(value) == expected


def test_the_filters_are_registered_and_html_templates_are_escaped(env):
    assert {"timecode", "date_vn", "duration"} <= set(env.filters)
    assert env.autoescape("sheet.html.j2") and env.autoescape("index.html.j2") and env.autoescape("x.html")
    assert env.from_string("{{ t|timecode }} {{ x }}").render(t=3725.4, x="<b>") == "01:02:05 &lt;b&gt;"


# ---------------------------------------------------------------- the sheet


def test_untrusted_text_is_escaped_everywhere(env):
    row = interview(title=XSS, source_path=f"xã/{XSS}.mp3", problem=XSS, model=XSS, code="LK-2026-001")
    segs = [segment(0, f"ông nói {XSS} rồi", speaker=XSS), segment(1, XSS, [0.1])]
    page = sheet(env, row, segs, audio_href=f'x.wav"><script>alert(1)</script>')
    index = render.render_index(env, [row], "2026-03-07T10:00:00+07:00")

    for html in (page, index):
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert len(Page(page).find("script")) == 1  # the sheet's own player script, nothing else
    assert Page(index).find("script") == []
    assert Page(page).find("span", "speaker")[0]["text"] == XSS  # shown to the editor as text


def test_low_probability_words_are_marked_and_confident_ones_are_not(env):
    page = Page(sheet(env, segments=[segment(0, "ông kể chuyện làng", [0.97, 0.42, 0.8, 0.499])]))

    marked = page.find("span", "low-confidence")
    in_text = [m for m in marked if m["attrs"].get("title")]
    assert [m["text"] for m in in_text] == ["kể", "làng"]
    assert "42%" in in_text[0]["attrs"]["title"] and "49%" in in_text[1]["attrs"]["title"]
    [text] = page.find("p", "text")
    assert text["text"] == "ông kể chuyện làng"


def test_words_with_whisper_leading_spaces_and_punctuation_are_found_in_the_text(env):
    row = segment(0, "Thưa bác, bác có nhớ không ạ?", [0.3, 0.9, 0.9, 0.9, 0.9, 0.9, 0.2])
    row["text"] = " " + row["text"]
    for word in row["words"]:
        word["text"] = " " + word["text"]
    page = Page(sheet(env, segments=[row]))
    assert [m["text"] for m in page.find("span", "low-confidence") if m["attrs"].get("title")] == ["Thưa", "ạ?"]
    assert page.find("p", "text")[0]["text"] == "Thưa bác, bác có nhớ không ạ?"


def test_the_legend_explains_the_marks(env):
    page = Page(sheet(env, segments=[segment(0, "ông kể", [0.2, 0.9])]))
    [legend] = page.find("aside", "legend")
    assert "Chú giải" in legend["text"] and "độ tin cậy thấp" in legend["text"] and "50%" in legend["text"]
    assert page.find("span", "low-confidence")[0]["text"] == "từ được đánh dấu"  # the mark itself, shown


def test_a_doubtful_segment_is_marked_as_a_whole(env):
    page = Page(sheet(env, segments=[segment(0, "rõ ràng"), segment(1, "lờ mờ", avg_logprob=-1.4)]))
    rows = page.find("li", "segment")
    assert ["low-segment" in r["attrs"]["class"] for r in rows] == [False, True]


def test_rows_carry_time_code_speaker_and_times_for_the_player(env):
    segs = [segment(0, "một"), segment(1, "hai", speaker="Bà Trần Thị B")]
    segs[1]["start"], segs[1]["end"] = 3725.4, 3729.0
    page = Page(sheet(env, segments=segs))
    rows = page.find("li", "segment")
    assert [(r["attrs"]["data-start"], r["attrs"]["data-end"]) for r in rows] == [("0.000", "4.500"),
                                                                               ("3725.400", "3729.000")]
    assert [e["text"] for e in page.find("span", "tc")] == ["00:00:00", "01:02:05"]
    assert [e["text"] for e in page.find("span", "speaker")] == ["—", "Bà Trần Thị B"]


def test_edited_text_is_shown_as_edited_without_the_stale_word_marks(env):
    edited = {**segment(0, "ông kể chuyện", [0.1, 0.1, 0.1]), "text": "Ông kể chuyện ngày xưa.",
              "review_status": "edited"}
    page = Page(sheet(env, segments=[edited]))
    assert page.find("p", "text")[0]["text"].startswith("Ông kể chuyện ngày xưa.")
    assert [m for m in page.find("span", "low-confidence") if m["attrs"].get("title")] == []


def test_the_header_shows_the_facts(env):
    page = sheet(env, interview(title=""))
    for fact in ("LK-2026-001", "ông Nguyễn Văn A.mp3", "xã Bắc Cường/ông Nguyễn Văn A.mp3", "05/03/2026",
                 "06/03/2026", "01:02:05", "mp3 · 1 kênh · 22050 Hz", "Mô hình", "base", "Đã phiên âm",
                 "Thời lượng", "Trạng thái", "Ngày nhận", "Bản ghi"):
        assert fact in page, fact
    assert Page(page).find("h1")[0]["text"] == "LK-2026-001 ông Nguyễn Văn A.mp3"  # no title: the file name


def test_the_audio_player_points_at_the_given_file(env):
    [audio] = Page(sheet(env, audio_href="../audio/LK-2026-001.wav")).find("audio")
    assert audio["attrs"]["src"] == "../audio/LK-2026-001.wav" and "controls" in audio["attrs"]


def test_without_audio_the_sheet_says_so(env):
    page = sheet(env, audio_href=None)
    assert Page(page).find("audio") == [] and "Không có tệp âm thanh" in page
    assert "<script>" not in page


def test_vietnamese_comes_through_byte_identical_in_nfc(env, tmp_path):
    assert unicodedata.is_normalized("NFC", VIETNAMESE)
    row = interview(title=VIETNAMESE, source_path=f"xã Bắc Cường/{VIETNAMESE}.m4a")
    out = tmp_path / "sheets"
    render.write_sheets(tmp_path, out, [row], {1: [segment(0, VIETNAMESE, speaker="Người phỏng vấn")]}, {})
    data = (out / "LK-2026-001.html").read_bytes()
    for text in (VIETNAMESE, f"xã Bắc Cường/{VIETNAMESE}.m4a", "Người phỏng vấn"):
        assert text.encode("utf-8") in data
        assert unicodedata.normalize("NFD", text).encode("utf-8") not in data
    assert data.decode("utf-8") == unicodedata.normalize("NFC", data.decode("utf-8"))
    assert VIETNAMESE.encode("utf-8") in (out / "index.html").read_bytes()


def test_a_failed_interview_shows_its_message(env):
    message = "xã Bắc Cường/bà B.amr could not be decoded (invalid data): copy it again."
    row = interview(status="failed", problem=message, duration=None, model=None, transcribed_at=None,
                    segment_count=0, verified_count=0)
    page = Page(sheet(env, row, segments=[], audio_href=None))
    [alert] = page.find("div", "problem")
    assert alert["attrs"]["role"] == "alert" and message in alert["text"] and "Lỗi" in alert["text"]
    assert page.find("li", "segment") == [] and page.find("p", "empty")


def test_the_page_stands_alone_and_prints_on_a4(env):
    html = sheet(env)
    page = Page(html)
    assert re.search(r'<html lang="vi">', html) and '<meta charset="utf-8">' in html
    links = [v for e in page.elements for k, v in e["attrs"].items() if k in ("src", "href") and v]
    assert links and not [v for v in links if re.match(r"(https?:)?//", v)]
    assert page.find("link") == [] and all("src" not in s["attrs"] for s in page.find("script"))
    assert "@page" in html and "size: A4" in html and "margin: 2cm" in html
    assert "counter-increment: line" in html and "break-inside: avoid" in html


def test_the_only_script_allowed_to_run_is_the_sheets_own(env):
    html = sheet(env)
    page = Page(html)
    [policy] = [m for m in page.find("meta") if m["attrs"].get("http-equiv") == "Content-Security-Policy"]
    [script] = page.scripts
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy["attrs"]["content"]


# ---------------------------------------------------------------- team templates


def test_a_teams_template_in_the_archive_wins_and_is_still_escaped(tmp_path):
    team = tmp_path / "templates"
    team.mkdir()
    (team / "sheet.html.j2").write_text(
        '<h1 class="ours">{{ interview.code }}: {{ interview.display_title }} ({{ segments|length }})</h1>',
        encoding="utf-8",
    )
    (team / "sheet.css").write_text("body { color: rebeccapurple; }", encoding="utf-8")
    env = render.environment(tmp_path)

    assert render.render_sheet(env, interview(title=XSS), [segment(0, "a")], None) == (
        '<h1 class="ours">LK-2026-001: &lt;script&gt;alert(1)&lt;/script&gt; (1)</h1>'
    )
    assert "rebeccapurple" in render.render_index(env, [interview()], "2026-03-07T10:00:00+07:00")


def test_a_broken_team_template_says_which_file_and_what_to_do(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "sheet.html.j2").write_text("<h1>{{ interview.code </h1>\n", encoding="utf-8")
    with pytest.raises(ArchiveError) as raised:
        render.render_sheet(render.environment(tmp_path), interview(), [], None)
    message = str(raised.value)
    assert "sheet.html.j2, line 1" in message and "delete it from the archive's templates/ folder" in message


# ---------------------------------------------------------------- the index


def test_the_index_lists_every_interview(env):
    rows = [
        interview(),
        interview(id=2, code="LK-2026-002", title="", source_path="xã Bắc Cường/bà Trần Thị B.amr",
                  status="failed", problem="không giải mã được", duration=None, declared_duration=600.0,
                  segment_count=0, verified_count=0),
        interview(id=3, code="LK-2026-003", status="pending", segment_count=0, verified_count=0),
    ]
    html = render.render_index(env, rows, "2026-03-07T10:05:00+07:00")
    page = Page(html)
    body_rows = page.find("tr")[1:]
    assert [r["attrs"]["class"] for r in body_rows] == ["status-transcribed", "status-failed", "status-pending"]
    assert [a["attrs"]["href"] for a in page.find("a")] == ["LK-2026-001.html", "LK-2026-002.html",
                                                         "LK-2026-003.html"]
    assert [s["text"] for s in page.find("td", "status")] == ["Đã phiên âm", "Lỗi", "Đang chờ"]
    assert "1:02:05" in body_rows[0]["text"] and "1/2" in body_rows[0]["text"]
    assert "bà Trần Thị B.amr" in body_rows[1]["text"] and "10:00" in body_rows[1]["text"]
    [marker] = page.find("span", "problem-mark")
    assert marker["attrs"]["title"] == "không giải mã được"
    assert "05/03/2026" in body_rows[2]["text"]
    assert "Danh sách phỏng vấn" in html and "07/03/2026 10:05" in html


# ---------------------------------------------------------------- writing


def test_write_sheets_writes_each_sheet_and_the_index_atomically_and_only_when_changed(tmp_path):
    out = tmp_path / "transcripts" / "sheets"
    rows = [interview(), interview(id=2, code="LK-2026-002", status="pending", segment_count=0)]
    segments = {1: [segment(0, VIETNAMESE)], 2: []}
    hrefs = {1: "../audio/LK-2026-001.wav"}

    index = render.write_sheets(tmp_path, out, rows, segments, hrefs)

    assert index == out / "index.html"
    assert sorted(p.name for p in out.iterdir()) == ["LK-2026-001.html", "LK-2026-002.html", "index.html"]
    first, second = out / "LK-2026-001.html", out / "LK-2026-002.html"
    assert first.read_text(encoding="utf-8") == render.render_sheet(
        render.environment(tmp_path), rows[0], segments[1], hrefs[1]
    )
    past = time.time_ns() - 3_600_000_000_000  # an hour ago, so a rewrite cannot land on the same tick
    for path in (first, second):
        os.utime(path, ns=(past, past))

    segments[2] = [segment(0, "bây giờ đã có lời")]
    render.write_sheets(tmp_path, out, rows, segments, hrefs)

    assert first.stat().st_mtime_ns == past  # unchanged: left alone
    assert second.stat().st_mtime_ns != past and "bây giờ đã có lời" in second.read_text(encoding="utf-8")
    assert sorted(p.name for p in out.iterdir()) == ["LK-2026-001.html", "LK-2026-002.html", "index.html"]


def test_a_code_cannot_send_a_sheet_outside_the_folder(tmp_path):
    out = tmp_path / "sheets"
    render.write_sheets(tmp_path, out, [interview(code="../../evil")], {}, {})
    assert sorted(p.name for p in out.iterdir()) == ["evil.html", "index.html"]
    assert 'href="evil.html"' in (out / "index.html").read_text(encoding="utf-8")


def test_a_long_interview_renders_quickly(env):
    words = VIETNAMESE.split()
    segs = [segment(i, " ".join(words[i % 5: i % 5 + 12]), [0.9, 0.3] * 6) for i in range(2000)]
    started = time.perf_counter()
    html = render.render_sheet(env, interview(), segs, "../audio/LK-2026-001.wav")
    assert time.perf_counter() - started < 2.0
    starts = [float(s) for s in re.findall(r'data-start="([0-9.]+)"', html)]
    assert len(starts) == 2000 and starts == sorted(starts)
