"""Review sheets and the index, rendered for real and read back with the standard library's HTML parser."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import subprocess
import time
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from html.parser import HTMLParser

import pytest

from pipeline.database.models import Interview, Segment, Word
from pipeline.database.subject_records import Subject, SubjectInterview, SubjectPassage
from pipeline.errors import ArchiveError
from pipeline.publishing import review_sheets, subject_pages, templating

XSS = "<script>alert(1)</script>"
SUBJECT_FOLDERS = ["events", "index.html", "people", "places"]
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
        element = {"tag": tag, "attrs": dict(attrs), "text": "", "parent": self.open[-1] if self.open else None}
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
            e
            for e in self.elements
            if (tag is None or e["tag"] == tag) and (cls is None or cls in (e["attrs"].get("class") or "").split())
        ]


def interview(**overrides) -> Interview:
    row = {
        "id": 1,
        "code": "LK-2026-001",
        "title": "Ông Nguyễn Văn A kể chuyện làng",
        "recording_id": 1,
        "size": 1000,
        "source_path": "xã Bắc Cường/ông Nguyễn Văn A.mp3",
        "sha256": "ab" * 32,
        "container": "mp3",
        "codec": "mp3",
        "channels": 1,
        "sample_rate": 22050,
        "declared_duration": 3725.4,
        "duration": 3725.4,
        "status": "transcribed",
        "problem": None,
        "first_seen": "2026-03-05T14:22:01+07:00",
        "transcribed_at": "2026-03-06T09:00:00+07:00",
        "model": "base",
        "segment_count": 2,
        "verified_count": 1,
        "flagged_count": 0,
    }
    return Interview(**{**row, **overrides})


def segment(idx: int, text: str, probabilities: list[float] | None = None, **overrides) -> Segment:
    """A segment as the database returns it: words stripped of Whisper's leading space, spelling the text."""
    tokens = text.split()
    probabilities = probabilities or [0.95] * len(tokens)
    start = idx * 5.0
    words = [
        Word(start + i * 0.4, start + i * 0.4 + 0.3, token, p)
        for i, (token, p) in enumerate(zip(tokens, probabilities))
    ]
    row = {
        "id": idx + 1,
        "interview_id": 1,
        "idx": idx,
        "start": start,
        "end": start + 4.5,
        "speaker": None,
        "text": text,
        "avg_logprob": -0.3,
        "no_speech_prob": 0.01,
        "review_status": "machine",
        "words": words,
    }
    return Segment(**{**row, **overrides})


@pytest.fixture
def env(tmp_path):
    return templating.environment(tmp_path)


def sheet(env, interview_row=None, segments=None, audio_href="../audio/LK-2026-001.wav") -> str:
    return review_sheets.render_sheet(
        env, interview_row or interview(), [segment(0, VIETNAMESE)] if segments is None else segments, audio_href
    )


# ---------------------------------------------------------------- filters


@pytest.mark.parametrize(
    "seconds, expected",
    [
        (0, "00:00:00"),
        (59.99, "00:00:59"),
        (3600, "01:00:00"),
        (3725.4, "01:02:05"),
        (7325.5, "02:02:05"),
        (None, "—"),
    ],
)
def test_timecode(seconds, expected):
    assert templating.timecode(seconds) == expected


@pytest.mark.parametrize(
    "seconds, expected",
    [
        (0, "00:00"),
        (59.99, "00:59"),
        (3600, "1:00:00"),
        (7325.5, "2:02:05"),
        (754, "12:34"),
        (None, "—"),
    ],
)
def test_duration(seconds, expected):
    assert templating.duration(seconds) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2026-03-05T14:22:01+07:00", "05/03/2026"),
        ("2026-03-05 14:22:01", "05/03/2026"),
        ("2026-03-05T23:59:59Z", "05/03/2026"),
        ("2026-12-31", "31/12/2026"),
        (None, "—"),
        ("hôm qua", "hôm qua"),
    ],
)
def test_date_vn(value, expected):
    assert templating.date_vn(value) == expected


def test_the_filters_are_registered_and_html_templates_are_escaped(env):
    assert {"timecode", "date_vn", "duration"} <= set(env.filters)
    assert env.autoescape("sheet.html.j2") and env.autoescape("index.html.j2") and env.autoescape("x.html")
    assert env.from_string("{{ t|timecode }} {{ x }}").render(t=3725.4, x="<b>") == "01:02:05 &lt;b&gt;"


# ---------------------------------------------------------------- the sheet


def test_untrusted_text_is_escaped_everywhere(env):
    row = interview(title=XSS, source_path=f"xã/{XSS}.mp3", problem=XSS, model=XSS, code="LK-2026-001")
    segs = [segment(0, f"ông nói {XSS} rồi", speaker=XSS), segment(1, XSS, [0.1])]
    page = sheet(env, row, segs, audio_href='x.wav"><script>alert(1)</script>')
    index = review_sheets.render_index(env, [row], "2026-03-07T10:00:00+07:00")

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
    row.text = " " + row.text
    for word in row.words:
        word.text = " " + word.text
    page = Page(sheet(env, segments=[row]))
    assert [m["text"] for m in page.find("span", "low-confidence") if m["attrs"].get("title")] == ["Thưa", "ạ?"]
    assert page.find("p", "text")[0]["text"] == "Thưa bác, bác có nhớ không ạ?"


def test_marks_land_on_the_right_words_whatever_the_text_holds(env):
    escaped = segment(0, 'bác "A" & <B> về', [0.2, 0.9, 0.3, 0.9, 0.4])
    spaced = replace(segment(1, "ông kể chuyện", [0.9, 0.2, 0.9]), text="ông  kể\tchuyện")  # not one space apart
    as_rows = replace(segment(2, "một hai", [0.1, 0.9]), words=[(3, "một", 0.1), (3, " hai", 0.9)])  # sheet_segments
    page = Page(sheet(env, segments=[escaped, spaced, as_rows]))
    marked = [m["text"] for m in page.find("span", "low-confidence") if m["attrs"].get("title")]
    assert marked == ["bác", "&", "về", "kể", "một"]
    assert [t["text"] for t in page.find("p", "text")] == ['bác "A" & <B> về', "ông  kể\tchuyện", "một hai"]


def test_a_teams_template_can_still_build_the_text_from_its_pieces(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "sheet.html.j2").write_text(
        "{% for seg in segments %}<p>{% for piece in seg.pieces %}{% if piece.probability is none %}{{ piece.text }}"
        "{% else %}<b>{{ piece.text }}</b>{% endif %}{% endfor %}</p>{% endfor %}",
        encoding="utf-8",
    )
    segs = [segment(0, "ông <kể> chuyện làng", [0.9, 0.2, 0.9, 0.3]), segment(1, "rõ ràng")]
    assert review_sheets.render_sheet(templating.environment(tmp_path), interview(), segs, None) == (
        "<p>ông <b>&lt;kể&gt;</b> chuyện <b>làng</b></p><p>rõ ràng</p>"
    )


def test_the_legend_explains_the_marks(env):
    page = Page(sheet(env, segments=[segment(0, "ông kể", [0.2, 0.9])]))
    [legend] = page.find("aside", "legend")
    assert "Chú giải" in legend["text"] and "độ tin cậy thấp" in legend["text"] and "45%" in legend["text"]
    assert page.find("span", "low-confidence")[0]["text"] == "từ được đánh dấu"  # the mark itself, shown


def test_a_doubtful_segment_is_marked_as_a_whole(env):
    page = Page(sheet(env, segments=[segment(0, "rõ ràng"), segment(1, "lờ mờ", avg_logprob=-1.4)]))
    rows = page.find("li", "segment")
    assert ["low-segment" in r["attrs"]["class"] for r in rows] == [False, True]


def test_rows_carry_time_code_speaker_and_times_for_the_player(env):
    segs = [segment(0, "một"), segment(1, "hai", speaker="Bà Trần Thị B")]
    segs[1].start, segs[1].end = 3725.4, 3729.0
    page = Page(sheet(env, segments=segs))
    rows = page.find("li", "segment")
    assert [(r["attrs"]["data-start"], r["attrs"]["data-end"]) for r in rows] == [
        ("0.000", "4.500"),
        ("3725.400", "3729.000"),
    ]
    assert [e["text"] for e in page.find("span", "tc")] == ["00:00:00", "01:02:05"]
    assert [e["text"] for e in page.find("span", "speaker")] == ["—", "Bà Trần Thị B"]


def test_edited_text_is_shown_as_edited_without_the_stale_word_marks(env):
    edited = replace(
        segment(0, "ông kể chuyện", [0.1, 0.1, 0.1]), text="Ông kể chuyện ngày xưa.", review_status="edited"
    )
    page = Page(sheet(env, segments=[edited]))
    assert page.find("p", "text")[0]["text"].startswith("Ông kể chuyện ngày xưa.")
    assert [m for m in page.find("span", "low-confidence") if m["attrs"].get("title")] == []


def test_speech_the_machine_did_not_write_is_a_gap_to_fill_not_a_made_up_line(env):
    gap = segment(1, "", avg_logprob=None, no_speech_prob=None, flags="unwritten_speech", start=5.04, end=8.52)
    html = sheet(env, segments=[segment(0, "Thưa bác, bác kể tiếp đi ạ."), gap, segment(2, "Hết ạ.")])
    page = Page(html)
    rows = page.find("li", "segment")
    assert ["unwritten" in r["attrs"]["class"].split() for r in rows] == [False, True, False]
    assert (rows[1]["attrs"]["data-start"], rows[1]["attrs"]["data-end"]) == ("5.040", "8.520")
    assert " ".join(rows[1]["text"].split()) == "00:00:05 [có tiếng nói, máy không ghi được]"  # no speaker column
    assert "flag-mark" not in html.split("<main>")[1] and "flagged" not in rows[1]["attrs"]["class"]
    [legend] = page.find("aside", "legend")
    assert "máy nghe thấy tiếng nói ở đây nhưng không ghi được chữ nào (1 chỗ)" in legend["text"]
    assert ".unwritten-text {" in html, "its style comes with the sheet that needs it"


def test_a_gaps_draft_is_on_the_sheet_set_apart_from_the_transcript(env):
    gap = segment(1, "", avg_logprob=None, flags="unwritten_speech", heard_again="Một viên <chín> chân bóng")
    rows = Page(sheet(env, segments=[segment(0, "Thưa bác."), gap])).find("li", "segment")
    assert " ".join(rows[1]["text"].split()) == (
        "00:00:05 [có tiếng nói, máy không ghi được] máy nghe lại, chưa chắc: «Một viên <chín> chân bóng»"
    )


def test_a_gap_an_editor_filled_reads_as_the_editors_text(env):
    filled = segment(
        0, "Hồi đó tôi mười bảy tuổi.", review_status="edited", avg_logprob=None, flags="unwritten_speech", words=[]
    )
    html = sheet(env, segments=[filled])
    assert "máy không ghi được" not in html and "unwritten" not in html, "no gap left, in the rows or the legend"
    assert "flag-mark" not in html.split("<main>")[1], "the editor's text is not made up by the machine"
    assert Page(html).find("p", "text")[0]["text"].startswith("Hồi đó tôi mười bảy tuổi.")


def test_the_header_shows_the_facts(env):
    page = sheet(env, interview(title=""))
    for fact in (
        "LK-2026-001",
        "ông Nguyễn Văn A.mp3",
        "xã Bắc Cường/ông Nguyễn Văn A.mp3",
        "05/03/2026",
        "06/03/2026",
        "01:02:05",
        "mp3 · 1 kênh · 22050 Hz",
        "Mô hình",
        "base",
        "Đã phiên âm",
        "Thời lượng",
        "Trạng thái",
        "Ngày nhận",
        "Bản ghi",
    ):
        assert fact in page, fact
    assert Page(page).find("h1")[0]["text"] == "LK-2026-001 ông Nguyễn Văn A.mp3"  # no title: the file name


def test_the_audio_player_points_at_the_given_file(env):
    [audio] = Page(sheet(env, audio_href="../audio/LK-2026-001.wav")).find("audio")
    assert audio["attrs"]["src"] == "../audio/LK-2026-001.wav" and "controls" in audio["attrs"]


def test_without_audio_the_sheet_says_so(env):
    page = sheet(env, audio_href=None)
    assert Page(page).find("audio") == [] and "Không có tệp âm thanh" in page
    assert len(Page(page).find("script")) == 1  # links into the sheet (#t=…) still work without audio
    assert "<script>" not in sheet(env, segments=[], audio_href=None)  # nothing to link to, nothing to run


def test_vietnamese_comes_through_byte_identical_in_nfc(env, tmp_path):
    assert unicodedata.is_normalized("NFC", VIETNAMESE)
    row = interview(title=VIETNAMESE, source_path=f"xã Bắc Cường/{VIETNAMESE}.m4a")
    out = tmp_path / "sheets"
    review_sheets.write_sheet_files(tmp_path, out, [row], {1: [segment(0, VIETNAMESE, speaker="Người phỏng vấn")]}, {})
    data = (out / "LK-2026-001.html").read_bytes()
    for text in (VIETNAMESE, f"xã Bắc Cường/{VIETNAMESE}.m4a", "Người phỏng vấn"):
        assert text.encode("utf-8") in data
        assert unicodedata.normalize("NFD", text).encode("utf-8") not in data
    assert data.decode("utf-8") == unicodedata.normalize("NFC", data.decode("utf-8"))
    assert VIETNAMESE.encode("utf-8") in (out / "index.html").read_bytes()


def test_a_failed_interview_shows_its_message(env):
    message = "xã Bắc Cường/bà B.amr could not be decoded (invalid data): copy it again."
    row = interview(
        status="failed",
        problem=message,
        duration=None,
        model=None,
        transcribed_at=None,
        segment_count=0,
        verified_count=0,
    )
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
    assert "@page" in html and "size: A4" in html and "margin: 58pt 1.6cm" in html
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
    env = templating.environment(tmp_path)

    assert review_sheets.render_sheet(env, interview(title=XSS), [segment(0, "a")], None) == (
        '<h1 class="ours">LK-2026-001: &lt;script&gt;alert(1)&lt;/script&gt; (1)</h1>'
    )
    assert "rebeccapurple" in review_sheets.render_index(env, [interview()], "2026-03-07T10:00:00+07:00")


def test_a_broken_team_template_says_which_file_and_what_to_do(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "sheet.html.j2").write_text("<h1>{{ interview.code </h1>\n", encoding="utf-8")
    with pytest.raises(ArchiveError) as raised:
        review_sheets.render_sheet(templating.environment(tmp_path), interview(), [], None)
    message = str(raised.value)
    assert "sheet.html.j2, line 1" in message and "delete it from the archive's templates/ folder" in message


# ---------------------------------------------------------------- the index


def test_the_index_lists_every_interview(env):
    rows = [
        interview(),
        interview(
            id=2,
            code="LK-2026-002",
            title="",
            source_path="xã Bắc Cường/bà Trần Thị B.amr",
            status="failed",
            problem="không giải mã được",
            duration=None,
            declared_duration=600.0,
            segment_count=0,
            verified_count=0,
        ),
        interview(id=3, code="LK-2026-003", status="pending", segment_count=0, verified_count=0),
    ]
    html = review_sheets.render_index(env, rows, "2026-03-07T10:05:00+07:00")
    page = Page(html)
    body_rows = page.find("tr")[1:]
    assert [r["attrs"]["class"].split()[0] for r in body_rows] == [
        "status-transcribed",
        "status-failed",
        "status-pending",
    ]
    assert [a["attrs"]["href"] for a in page.find("a")] == [
        "people/index.html",
        "places/index.html",
        "events/index.html",
        "LK-2026-001.html",
        "LK-2026-002.html",
        "LK-2026-003.html",
    ]
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

    index = review_sheets.write_sheet_files(tmp_path, out, rows, segments, hrefs)

    assert index == out / "index.html"
    assert sorted(p.name for p in out.iterdir()) == ["LK-2026-001.html", "LK-2026-002.html", *SUBJECT_FOLDERS]
    first, second = out / "LK-2026-001.html", out / "LK-2026-002.html"
    assert first.read_text(encoding="utf-8") == review_sheets.render_sheet(
        templating.environment(tmp_path), rows[0], segments[1], hrefs[1]
    )
    past = time.time_ns() - 3_600_000_000_000  # an hour ago, so a rewrite cannot land on the same tick
    for path in (first, second):
        os.utime(path, ns=(past, past))

    segments[2] = [segment(0, "bây giờ đã có lời")]
    review_sheets.write_sheet_files(tmp_path, out, rows, segments, hrefs)

    assert first.stat().st_mtime_ns == past  # unchanged: left alone
    assert second.stat().st_mtime_ns != past and "bây giờ đã có lời" in second.read_text(encoding="utf-8")
    assert sorted(p.name for p in out.iterdir()) == ["LK-2026-001.html", "LK-2026-002.html", *SUBJECT_FOLDERS]


def test_many_sheets_are_written_by_worker_processes_exactly_as_by_one(tmp_path, monkeypatch):
    count = 9
    rows = [interview(id=n, code=f"LK-2026-{n:03d}", segment_count=4) for n in range(1, count + 1)]
    segments = {
        n: [segment(i, f"đoạn {i} của phỏng vấn {n}", [0.3, 0.9, 0.9, 0.9, 0.9, 0.9]) for i in range(4)]
        for n in range(1, count + 1)
    }
    hrefs = {n: f"../audio/LK-2026-{n:03d}.wav" for n in range(1, count + 1, 2)}

    pools = []
    monkeypatch.setattr(
        review_sheets, "ProcessPoolExecutor", lambda *a, **k: pools.append(a) or ProcessPoolExecutor(*a, **k)
    )
    review_sheets.write_sheet_files(tmp_path, tmp_path / "one", rows, segments, hrefs, workers=2)
    assert pools == []  # 36 segments: not worth starting a process
    monkeypatch.setattr(review_sheets, "SEGMENTS_PER_WORKER", 10)
    review_sheets.write_sheet_files(tmp_path, tmp_path / "two", rows, segments, hrefs, workers=2)
    assert pools == [(2,)]

    names = sorted(p.name for p in (tmp_path / "one").glob("LK-*.html"))
    assert len(names) == count and names == sorted(p.name for p in (tmp_path / "two").glob("LK-*.html"))
    for name in names:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name
    assert [p.name for p in (tmp_path / "two").iterdir() if p.name.startswith(".")] == []  # no temporary left


def test_a_broken_team_template_stops_the_worker_processes_with_the_same_message(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "sheet.html.j2").write_text("{{ interview.code }", encoding="utf-8")
    rows = [interview(id=n, code=f"LK-2026-{n:03d}", segment_count=review_sheets.SEGMENTS_PER_WORKER) for n in (1, 2)]
    with pytest.raises(ArchiveError, match="sheet.html.j2, line 1"):
        review_sheets.write_sheet_files(tmp_path, tmp_path / "sheets", rows, {}, {}, workers=2)


def test_a_code_cannot_send_a_sheet_outside_the_folder(tmp_path):
    out = tmp_path / "sheets"
    review_sheets.write_sheet_files(tmp_path, out, [interview(code="../../evil")], {}, {})
    assert sorted(p.name for p in out.iterdir()) == ["events", "evil.html", "index.html", "people", "places"]
    assert 'href="evil.html"' in (out / "index.html").read_text(encoding="utf-8")


def test_a_long_interview_renders_quickly(env):
    words = VIETNAMESE.split()
    segs = [segment(i, " ".join(words[i % 5 : i % 5 + 12]), [0.9, 0.3] * 6) for i in range(2000)]
    started = time.perf_counter()
    html = review_sheets.render_sheet(env, interview(), segs, "../audio/LK-2026-001.wav")
    assert time.perf_counter() - started < 2.0
    starts = [float(s) for s in re.findall(r'data-start="([0-9.]+)"', html)]
    assert len(starts) == 2000 and starts == sorted(starts)


# ---------------------------------------------------------------- interview metadata


def with_metadata(**overrides) -> Interview:
    return interview(
        **{
            "date": "2026-03-01",
            "place": "nhà ông A, thôn Đông",
            "place_path": "Bắc Cường, Hưng Hà, Thái Bình",
            "witnesses": "Nguyễn Văn A (1932); Trần Thị B (1935)",
            "interviewers": "Lê Văn C; Phạm D",
            "events": "Cách mạng tháng Tám 1945; Kháng chiến chống Pháp",
            "topics": '["chi bộ", "dân công"]',
            "notes": "Ông A nghe kém.\nHỏi to.",
            "equipment": "Zoom H4n",
            "consent_status": "allowed",
            "consent_until": None,
            "consent_by": "Nguyễn Văn A",
            "metadata_status": "ok",
            "metadata_problems": None,
            "metadata_source": "xã Bắc Cường/ông Nguyễn Văn A.yaml",
            **overrides,
        }
    )


def test_the_header_shows_the_interview_metadata(env):
    page = Page(sheet(env, with_metadata()))
    [meta] = page.find("dl", "meta")
    facts = {d["text"].strip() for d in page.find("dd")}
    for label in (
        "Người kể",
        "Người phỏng vấn",
        "Ngày phỏng vấn",
        "Địa điểm",
        "Sự kiện",
        "Chủ đề",
        "Ghi chú",
        "Thiết bị ghi âm",
        "Quyền công bố",
    ):
        assert label in meta["text"], label
    [witnesses] = page.find("div", "witnesses")
    assert witnesses["text"] == "Người kểNguyễn Văn A (1932)Trần Thị B (1935)"  # one name a line
    assert "01/03/2026" in facts and "Zoom H4n" in facts and "Ông A nghe kém.\nHỏi to." in facts
    for text in (
        "Bắc Cường, Hưng Hà, Thái Bình",
        "nhà ông A, thôn Đông",
        "Cách mạng tháng Tám 1945",
        "Kháng chiến chống Pháp",
        "Lê Văn C",
        "Phạm D",
        "xã Bắc Cường/ông Nguyễn Văn A.yaml",
    ):
        assert text in meta["text"] or text in page.find("dl", "recording")[0]["text"], text
    assert [t["text"] for t in page.find("span", "topic")] == ["chi bộ", "dân công"]
    assert page.find("div", "consent-banner") == [] and page.find("div", "waiting") == []


def test_topics_that_are_not_a_json_list_are_shown_as_written(env):
    assert templating.topic_list('["a", " ", "b"]') == ["a", "b"]
    assert templating.topic_list("chi bộ, dân công") == ["chi bộ, dân công"]
    assert templating.topic_list(None) == [] and templating.topic_list(["x"]) == ["x"]


def test_every_metadata_field_is_escaped(env):
    hostile = with_metadata(
        **dict.fromkeys(
            (
                "date",
                "place",
                "place_path",
                "witnesses",
                "interviewers",
                "events",
                "notes",
                "equipment",
                "consent_by",
                "consent_until",
                "metadata_problems",
                "metadata_source",
            ),
            XSS,
        ),
        topics=f'["{XSS}", "<img src=x onerror=alert(1)>"]',
        consent_status="embargoed",
        metadata_status="waiting",
    )
    html = sheet(env, hostile)
    index = review_sheets.render_index(env, [hostile, with_metadata(topics=XSS, consent_status=XSS)], "2026-03-07")
    for page in (html, index):
        assert "<script>alert" not in page and "<img" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert len(Page(html).find("script")) == 1 and Page(index).find("script") == []
    # An embargo date that is not a date never reaches the print stylesheet, which is not HTML.
    assert "Chưa được công bố" in html and 'CHƯA ĐƯỢC CÔNG BỐ"' in html


CONSENTS = [
    ("restricted", None, "Hạn chế công bố"),
    ("embargoed", "2030-01-01", "Chưa được công bố đến 01/01/2030"),
    ("unknown", None, "Chưa rõ quyền công bố"),
    (None, None, "Chưa rõ quyền công bố"),  # nothing recorded: as strict as the exports
]


@pytest.mark.parametrize("status, until, label", CONSENTS)
def test_a_restricted_interview_is_marked_on_sheet_print_index_and_subject_page(env, status, until, label):
    row = with_metadata(consent_status=status, consent_until=until)
    html = sheet(env, row)
    page = Page(html)
    [banner] = page.find("div", "consent-banner")
    assert label in banner["text"]
    assert f'content: "⚠ {label.upper()}"' in html  # repeated at the top of every printed page
    [mark] = Page(review_sheets.render_index(env, [row], "2026-03-07")).find("span", "consent-badge")
    assert mark["text"] == f"⚠ {label}" and "loud" in mark["attrs"]["class"]
    subject = person(
        interviews=[replace(person().interviews[0], consent_status=status, consent_until=until)],
        passages=[replace(p, consent_status=status) for p in person().passages],
    )
    subject_page = Page(subject_pages.render_subject(env, subject))
    assert subject_page.find("div", "consent-banner")
    badges = [b["text"] for b in subject_page.find("span", "consent-badge")]
    assert f"⚠ {label}" in badges and f"⚠ {label.split(' đến ')[0]}" in badges  # passages carry no date


def test_an_interview_allowed_to_be_published_is_marked_quietly(env):
    row = with_metadata(consent_status="allowed")
    html = sheet(env, row)
    assert Page(html).find("div", "consent-banner") == [] and "@top-center" not in html
    [mark] = Page(review_sheets.render_index(env, [row], "2026-03-07")).find("span", "consent-badge")
    assert mark["text"] == "Được công bố" and "loud" not in mark["attrs"]["class"]
    assert Page(subject_pages.render_subject(env, person())).find("div", "consent-banner") == []


def test_metadata_waiting_for_a_fix_shows_each_problem_and_what_to_do(env):
    problems = (
        "bà B.yaml, line 4, date: Ngày 31/02/1945 không có thật / 31/02/1945 is not a real date\n"
        "bà B.yaml, line 7, consent: Thiếu người xác nhận / consent.given_by is missing\n"
    )
    page = Page(
        sheet(env, with_metadata(metadata_status="waiting", metadata_problems=problems, metadata_source="bà B.yaml"))
    )
    [box] = page.find("div", "waiting")
    assert "Chờ bổ sung thông tin" in box["text"] and "bà B.yaml" in box["text"]
    [problem_list] = page.find("ul", "metadata-problems")
    assert [li["text"] for li in page.find("li") if li["parent"] is problem_list] == problems.strip().split("\n")
    assert (
        "Điền tệp thông tin bên cạnh bản ghi (lệnh loike new <tệp ghi âm> tạo mẫu), rồi chạy lại loike run."
        in " ".join(box["text"].split())
    )

    [missing] = Page(sheet(env, interview(metadata_status="missing"))).find("div", "waiting")
    assert "Chờ bổ sung thông tin" in missing["text"] and "Chưa có thông tin" in missing["text"]


def test_the_index_shows_witness_date_commune_consent_and_waiting(env):
    rows = [
        with_metadata(),
        interview(
            id=2, code="LK-2026-002", metadata_status="waiting", metadata_problems="a.yaml, line 1, date: sai / wrong"
        ),
    ]
    page = Page(review_sheets.render_index(env, rows, "2026-03-07"))
    first, second = page.find("tr")[1:]
    assert [c["text"] for c in page.find("td", "witnesses")] == ["Nguyễn Văn A (1932)Trần Thị B (1935)", "—"]
    assert [c["text"] for c in page.find("td", "date")] == ["01/03/2026", "—"]
    assert [c["text"] for c in page.find("td", "commune")] == ["Bắc Cường", "—"]
    [waiting] = page.find("span", "waiting-mark")
    assert waiting["text"] in second["text"] and waiting["attrs"]["title"] == "a.yaml, line 1, date: sai / wrong"
    assert "metadata-waiting" in second["attrs"]["class"] and "metadata-waiting" not in first["attrs"]["class"]
    for kind, title in (("people", "Nhân vật"), ("places", "Địa danh"), ("events", "Sự kiện")):
        assert [a["text"] for a in page.find("a") if a["attrs"]["href"] == f"{kind}/index.html"] == [title]


# ---------------------------------------------------------------- subject pages


def person(**overrides) -> Subject:
    """A person as database.subjects gives it: named in two interviews, passages given out of order."""
    first = {"interview_code": "LK-2026-001", "interview_title": "Ông A kể chuyện làng", "consent_status": "allowed"}
    second = {"interview_code": "LK-2026-002", "interview_title": "Bà B kể", "consent_status": "allowed"}
    row = {
        "kind": "person",
        "id": 12,
        "name": "Nguyễn Văn Đức",
        "facts": [("Năm sinh", "1932"), ("Chức vụ", "nguyên Bí thư Chi bộ xã Bắc Cường (1965–1970)")],
        "interviews": [
            {
                "code": "LK-2026-002",
                "title": "Bà B kể",
                "date": "2026-03-02",
                "role": "Người kể",
                "consent_status": "allowed",
            },
            {
                "code": "LK-2026-001",
                "title": "Ông A kể chuyện làng",
                "date": "2026-03-01",
                "role": "Người kể",
                "consent_status": "allowed",
            },
        ],
        "passages": [
            {
                **first,
                "idx": 7,
                "start": 40.0,
                "end": 44.0,
                "speaker": "Ông A",
                "text": "ông Đức về làng",
                "how": "mentioned",
            },
            {**second, "idx": 1, "start": 3.25, "end": 6.0, "speaker": None, "text": "tôi là Đức", "how": "spoken"},
            {**first, "idx": 2, "start": 12.5, "end": 15.0, "speaker": "Ông A", "text": "bí thư Đức", "how": "tagged"},
            {
                **first,
                "idx": 2,
                "start": 12.5,
                "end": 15.0,
                "speaker": "Ông A",
                "text": "bí thư Đức",
                "how": "mentioned",
            },
        ],
    }
    made = {**row, **overrides}
    made["interviews"] = [
        iv if isinstance(iv, SubjectInterview) else SubjectInterview(**iv) for iv in made["interviews"]
    ]
    made["passages"] = [p if isinstance(p, SubjectPassage) else SubjectPassage(**p) for p in made["passages"]]
    return Subject(**made)


def subjects() -> list[Subject]:
    return [
        person(),
        Subject("place", 3, "Bắc Cường", [("Cấp", "Xã / phường")]),
        Subject("event", 1, "Cách mạng tháng Tám 1945"),
    ]


@pytest.mark.parametrize(
    "name, expected",
    [
        ("Nguyễn Văn Đức", "nguyen-van-duc"),
        ("  ĐẢNG BỘ xã Bắc Cường (1930–1945)! ", "dang-bo-xa-bac-cuong-1930-1945"),
        ("../../etc/passwd", "etc-passwd"),
        ("", ""),
        ("a" * 59 + " b", "a" * 59),
        (unicodedata.normalize("NFD", "Hưng Hà"), "hung-ha"),
    ],
)
def test_slug(name, expected):
    assert subject_pages.slug(name) == expected
    assert len(subject_pages.slug(name * 5)) <= 60


def test_subject_href():
    assert subject_pages.subject_href("person", 12, "Nguyễn Văn A") == "people/12-nguyen-van-a.html"
    assert subject_pages.subject_href("place", 3, "Bắc Cường") == "places/3-bac-cuong.html"
    assert subject_pages.subject_href("event", 1, "Cách mạng tháng Tám") == "events/1-cach-mang-thang-tam.html"
    assert subject_pages.subject_href("person", 5, "…") == "people/5.html"
    with pytest.raises(ValueError, match="person, place, event"):
        subject_pages.subject_href("thing", 1, "x")


def test_a_subject_page_groups_passages_by_interview_and_links_each_to_its_moment(env):
    page = Page(subject_pages.render_subject(env, person()))
    assert page.find("h1")[0]["text"] == "Nguyễn Văn Đức"
    assert [d["text"] for d in page.find("dd")] == ["1932", "nguyên Bí thư Chi bộ xã Bắc Cường (1965–1970)"]
    groups = page.find("section", "passage-group")
    assert [g["text"].split()[0] for g in groups] == ["LK-2026-002", "LK-2026-001"]  # the interviews' order
    links = [a["attrs"]["href"] for a in page.find("a", "tc")]
    assert links == ["../LK-2026-002.html#t=3.25", "../LK-2026-001.html#t=12.5", "../LK-2026-001.html#t=40"]
    assert [a["text"] for a in page.find("a", "tc")] == ["00:00:03", "00:00:12", "00:00:40"]
    assert [s["text"] for s in page.find("span", "speaker")] == ["—", "Ông A", "Ông A"]
    assert [h["text"] for h in page.find("span", "how")] == [
        "lời của nhân vật",
        "được gắn thẻ",
        "có nhắc đến",
        "có nhắc đến",
    ]
    assert "Các đoạn nhắc đến (3)" in page.find("h2")[1]["text"]
    assert [a["attrs"]["href"] for a in page.find("a", "code")][:2] == ["../LK-2026-002.html", "../LK-2026-001.html"]
    assert "02/03/2026" in page.find("section", "subject-interviews")[0]["text"]


def test_a_subject_page_says_how_many_passages_it_does_not_list_and_where_to_find_them(env, tmp_path):
    capped = person(more={"LK-2026-001": 40}, per_interview=5)
    page = Page(subject_pages.render_subject(env, capped))
    assert "Các đoạn nhắc đến (43)" in page.find("h2")[1]["text"]
    [note] = page.find("p", "unlisted")
    assert "Còn 40 đoạn không hiện ở đây" in note["text"] and "chỉ hiện 5 đoạn" in note["text"]
    assert 'loike search "Nguyễn Văn Đức"' in note["text"] and "được gắn thẻ luôn hiện đủ" in note["text"]
    [more] = page.find("p", "more")  # under the interview that has more, with a link to its sheet
    assert more["parent"]["tag"] == "section" and "LK-2026-001" in more["parent"]["text"]
    assert "Còn 40 đoạn khác trong phỏng vấn này" in more["text"]
    assert [a["attrs"]["href"] for a in page.find("a") if a["parent"] is more] == ["../LK-2026-001.html"]
    assert [c["text"] for c in page.find("span", "count")] == ["· 1 đoạn", "· 42 đoạn"]
    listing = Page(subject_pages.render_subject_list(env, "person", [capped]))
    assert [c["text"] for c in listing.find("td", "num")][0] == "43"

    whole = Page(subject_pages.render_subject(env, person()))
    assert whole.find("p", "unlisted") == [] and whole.find("p", "more") == []


def test_a_subject_page_escapes_what_it_was_given(env):
    hostile = person(
        name=XSS,
        facts=[(XSS, XSS)],
        interviews=[{"code": XSS, "title": XSS, "date": XSS, "role": XSS, "consent_status": XSS}],
        passages=[
            {
                "interview_code": XSS,
                "interview_title": XSS,
                "idx": 0,
                "start": 1,
                "end": 2,
                "speaker": XSS,
                "text": XSS,
                "how": XSS,
                "consent_status": XSS,
            }
        ],
    )
    html = subject_pages.render_subject(env, hostile)
    listing = subject_pages.render_subject_list(env, "person", [hostile])
    for page in (html, listing):
        assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert Page(page).find("script") == []
    assert Page(html).find("a", "tc")[0]["attrs"]["href"] == "../script_alert_1___script_.html#t=1"


def test_write_subject_pages_writes_every_kind_and_its_list_only_when_changed(tmp_path):
    out = tmp_path / "sheets"
    (out / "people").mkdir(parents=True)
    stale = out / "people" / "99-da-gop.html"
    stale.write_text("a page someone cited", encoding="utf-8")

    assert subject_pages.write_subject_pages(tmp_path, out, subjects()) == 6

    assert sorted(str(p.relative_to(out)) for p in out.rglob("*.html")) == [
        "events/1-cach-mang-thang-tam-1945.html",
        "events/index.html",
        "people/12-nguyen-van-duc.html",
        "people/99-da-gop.html",
        "people/index.html",
        "places/3-bac-cuong.html",
        "places/index.html",
    ]
    assert stale.read_text(encoding="utf-8") == "a page someone cited"  # nothing is removed
    page = (out / "people" / "12-nguyen-van-duc.html").read_text(encoding="utf-8")
    assert 'href="../LK-2026-001.html#t=12.5"' in page

    past = time.time_ns() - 3_600_000_000_000
    pages = list(out.rglob("*.html"))
    for path in pages:
        os.utime(path, ns=(past, past))
    assert subject_pages.write_subject_pages(tmp_path, out, subjects()) == 0
    assert all(p.stat().st_mtime_ns == past for p in pages)

    changed = subjects()
    changed[1].facts.append(("Thuộc", "Hưng Hà"))
    assert subject_pages.write_subject_pages(tmp_path, out, changed) == 1
    assert (out / "places" / "3-bac-cuong.html").stat().st_mtime_ns != past


def test_a_subject_of_an_unknown_kind_stops_before_anything_is_written(tmp_path):
    with pytest.raises(ValueError, match="person, place, event"):
        subject_pages.write_subject_pages(tmp_path, tmp_path / "sheets", [*subjects(), person(kind="thing")])
    assert not (tmp_path / "sheets").exists()


def test_the_list_pages_link_to_every_subject_with_its_count(tmp_path):
    out = tmp_path / "sheets"
    people = [person(), person(id=13, name="Trần Thị Bình", passages=[]), person(id=14, name="Nguyễn Văn Đức")]
    subject_pages.write_subject_pages(tmp_path, out, [*people, *subjects()[1:]])
    page = Page((out / "people" / "index.html").read_text(encoding="utf-8"))
    assert page.find("h1")[0]["text"] == "Nhân vật"
    rows = page.find("tr")[1:]
    assert [a["attrs"]["href"] for a in page.find("a") if a["parent"]["tag"] == "td"] == [
        "12-nguyen-van-duc.html",
        "14-nguyen-van-duc.html",
        "13-tran-thi-binh.html",
    ]  # by name, then number
    assert "Năm sinh: 1932" in rows[0]["text"]
    hrefs = [a["attrs"]["href"] for a in page.find("a")]
    assert "../index.html" in hrefs  # the interview list, written by write_sheets
    for href in (
        "12-nguyen-van-duc.html",
        "13-tran-thi-binh.html",
        "14-nguyen-van-duc.html",
        "../places/index.html",
        "../events/index.html",
    ):
        assert href in hrefs and (out / "people" / href).resolve().exists(), href
    assert [c["text"] for c in page.find("td", "num")] == ["3", "2", "3", "2", "0", "2"]
    for kind, title in (("places", "Địa danh"), ("events", "Sự kiện")):
        listing = Page((out / kind / "index.html").read_text(encoding="utf-8"))
        assert listing.find("h1")[0]["text"] == title and len(listing.find("td", "name")) == 1


def test_the_index_never_links_to_a_list_that_is_not_there(tmp_path):
    out = tmp_path / "sheets"
    review_sheets.write_sheet_files(tmp_path, out, [interview()], {}, {})
    for kind in ("people", "places", "events"):
        assert "Chưa có" in (out / kind / "index.html").read_text(encoding="utf-8")
    subject_pages.write_subject_pages(tmp_path, out, subjects())
    review_sheets.write_sheet_files(
        tmp_path, out, [interview()], {}, {}
    )  # the real lists are not replaced by empty ones
    assert "Nguyễn Văn Đức" in (out / "people" / "index.html").read_text(encoding="utf-8")

    alone = tmp_path / "alone"  # a caller writing the subject pages beside the sheets asks for no stand-ins
    review_sheets.write_sheet_files(tmp_path, alone, [interview()], {}, {}, subject_lists=False)
    assert sorted(p.name for p in alone.iterdir()) == ["LK-2026-001.html", "index.html"]


# ---------------------------------------------------------------- links into a sheet


def test_rows_can_be_linked_to_and_the_script_follows_links(env):
    html = sheet(env, segments=[segment(0, "một"), segment(3, "bốn")])
    assert [r["attrs"]["id"] for r in Page(html).find("li", "segment")] == ["seg-0", "seg-3"]
    [script] = Page(html).scripts
    assert "hashchange" in script and '"t="' in script and "currentTime" in script


@pytest.mark.skipif(not shutil.which("chromium"), reason="needs chromium")
@pytest.mark.slow
def test_opening_a_sheet_at_a_moment_marks_that_row_in_a_real_browser(tmp_path):
    out = tmp_path / "sheets"
    segs = [segment(i, f"đoạn {i}") for i in range(40)]
    review_sheets.write_sheet_files(tmp_path, out, [interview()], {1: segs}, {})
    dom = subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            (out / "LK-2026-001.html").as_uri() + "#t=150.2",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    marked = re.findall(r'<li class="([^"]*)" id="seg-(\d+)"', dom)
    assert [idx for cls, idx in marked if "target" in cls.split()] == ["30"]
