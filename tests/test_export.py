"""Transcript exports: each format parses back with a real parser of that format, time codes round-trip within
10 ms, Vietnamese comes out byte for byte in NFC, markup in the text stays text, and consent is kept."""

import html
import io
import json
import unicodedata

import docx
import pytest
import srt
import webvtt
from archive_data import DECOMPOSED, NASTY, VIETNAMESE, build
from click.testing import CliRunner
from lxml import etree

from pipeline import cli
from pipeline.publishing import exports, transcript

TEI = "{http://www.tei-c.org/ns/1.0}"
OHMS = "{https://www.weareavp.com/nunncenter/ohms}"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
NFC_NAME = unicodedata.normalize("NFC", DECOMPOSED)
TEXTS = [VIETNAMESE, NASTY, NFC_NAME, "Hết ạ."]


@pytest.fixture
def data(tmp_path):
    return build(tmp_path)


@pytest.fixture
def one(data):
    db, _, ids = data
    return transcript.load(db, ids["one"])


def test_the_transcript_holds_edited_text_speakers_and_status(one):
    assert [line.text for line in one.lines] == TEXTS
    assert [line.review_status for line in one.lines] == ["verified", "edited", "machine", "machine"]
    assert [line.speaker for line in one.lines] == ["Nguyễn Văn A", "Trần Thị Mai", "Nguyễn Văn A", None]
    assert not one.restricted and one.commune == "Bắc Cường"


def cue_texts(cues, line_count):
    """The text of each transcript line, put back together from its cues (rows joined by spaces)."""
    return [" ".join(c.content.split("\n")) if hasattr(c, "content") else c for c in cues][:line_count]


def test_srt_parses_back_in_cues_of_two_rows_of_42_characters_covering_each_line(one):
    cues = list(srt.parse(exports.render(one, "srt").decode("utf-8")))
    for cue in cues:
        rows = cue.content.split("\n")
        assert len(rows) <= 2 and all(len(row) <= 42 for row in rows), cue.content
    joined, at = [], 0
    for line in one.lines:  # a line's cues follow each other and cover its time, within 10 ms
        mine = []
        while at < len(cues) and cues[at].start.total_seconds() < line.end - 0.01:
            mine.append(cues[at])
            at += 1
        assert (
            abs(mine[0].start.total_seconds() - line.start) < 0.01
            and abs(mine[-1].end.total_seconds() - line.end) < 0.01
        )
        joined.append(" ".join(" ".join(c.content.split("\n")) for c in mine))
    assert joined[0] == f"Nguyễn Văn A: {VIETNAMESE}"  # the name in the text, no review mark unless asked
    assert joined[1] == f"Trần Thị Mai: {NASTY}"  # SubRip has no escaping: the text as said
    assert joined[3] == "Hết ạ."


def test_srt_marks_only_when_asked_and_bare_text_without_speakers(one):
    marked = srt.parse(exports.render(one, "srt", exports.ExportOptions(marks=True)).decode())
    assert list(marked)[-1].content == "Hết ạ. [máy]"
    cues = list(srt.parse(exports.render(one, "srt", exports.ExportOptions(speakers=False)).decode()))
    assert " ".join(" ".join(c.content.split("\n")) for c in cues) == " ".join(TEXTS)


def test_webvtt_parses_back_with_voices_names_status_and_escaped_markup(one):
    vtt = webvtt.from_string(exports.render(one, "vtt").decode("utf-8"))
    first = [c for c in vtt.captions if "." not in c.identifier.split()[0]]
    assert len(first) == len(one.lines)
    for cue, line in zip(first, one.lines):
        assert abs(cue.start_in_seconds + int(cue.start.split(".")[1]) / 1000 - line.start) < 0.01
        assert cue.voice == line.speaker
    assert [c.identifier for c in first] == ["1 [duyệt]", "2 [sửa]", "3 [máy]", "4 [máy]"]
    assert html.unescape(first[3].text) == "Hết ạ." and first[0].text.startswith("Nguyễn Văn A: ")
    for cue in vtt.captions:
        assert len(cue.text.split("\n")) <= 2 and all(len(html.unescape(r)) <= 42 for r in cue.text.split("\n"))
    raw = "".join(c.raw_text for c in vtt.captions if c.identifier.startswith("2"))
    assert "<script>" not in raw and "&lt;script&gt;" in raw and "&amp;" in raw and "--&gt;" in raw


def test_txt_with_and_without_time_codes_speakers_and_marks(one):
    full = exports.render(one, "txt").decode("utf-8")
    assert f"[00:00:00] Nguyễn Văn A: {VIETNAMESE} [duyệt]" in full
    assert "[00:00:09] Hết ạ. [máy]" in full
    assert "Quyền công bố: được công bố" in full and "1 đoạn đã duyệt, 1 đoạn đã sửa, 2 đoạn máy" in full
    bare = exports.render(one, "txt", exports.ExportOptions(timecodes=False, speakers=False, marks=False)).decode()
    assert bare.split("\n\n", 1)[1] == "\n".join(TEXTS) + "\n"


def test_json_carries_the_edited_text_status_people_and_words(one):
    document = json.loads(exports.render(one, "json"))
    assert [s["text"] for s in document["segments"]] == TEXTS
    assert [s["review_status"] for s in document["segments"]] == ["verified", "edited", "machine", "machine"]
    assert document["segments"][0]["words"] == [], "word times belong to the machine text an editor replaced"
    assert document["segments"][2]["words"][0]["text"].strip() == "Nguyễn"
    assert document["witnesses"][0]["roles"][1]["title"] == "Bí thư Chi bộ xã Bắc Cường"
    assert document["review"]["verified"] == 1 and document["interview"]["consent_status"] == "allowed"


def test_docx_opens_with_python_docx_with_the_facts_marks_and_a_font_for_vietnamese(one):
    document = docx.Document(io.BytesIO(exports.render(one, "docx")))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = [c.text for row in document.tables[0].rows for c in row.cells]
    assert "Nguyễn Văn A (sinh năm 1932); liên lạc của Chi bộ xã Bắc Cường; Bí thư Chi bộ xã Bắc Cường" in cells
    assert "12/03/2020" in cells and "Được công bố".lower() in [c.lower() for c in cells]
    for line in one.lines:
        assert line.text in text
    assert f"Trần Thị Mai: {NASTY} [sửa]" in text and f"{NFC_NAME} [máy]" in text
    fonts = document.styles["Normal"].element.rPr.rFonts
    for slot in ("ascii", "hAnsi", "eastAsia", "cs"):
        assert fonts.get(f"{{http://schemas.openxmlformats.org/wordprocessingml/2006/main}}{slot}") == "Times New Roman"
    assert document.sections[0].page_width.cm == pytest.approx(21, abs=0.01)


def test_the_docx_facts_table_lies_inside_the_margins(one):
    document = docx.Document(io.BytesIO(exports.render(one, "docx")))
    section, table = document.sections[0], document.tables[0]._tbl
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    text_width = (section.page_width - section.left_margin - section.right_margin) / 635  # twips
    width, indent = (int(table.tblPr.find(f"{w}{name}").get(f"{w}w")) for name in ("tblW", "tblInd"))
    columns = [int(c.get(f"{w}w")) for c in table.tblGrid.findall(f"{w}gridCol")]
    assert sum(columns) == width and indent >= 108 and indent + width + 108 <= text_width


def test_tei_is_well_formed_and_every_reference_resolves(one):
    root = etree.fromstring(exports.render(one, "tei"))
    assert root.tag == f"{TEI}TEI"
    ids = {e.get(XML_ID): e for e in root.iter() if e.get(XML_ID)}
    whens = root.findall(f"{TEI}text/{TEI}timeline/{TEI}when")
    assert whens[0].get(XML_ID) == "T0"
    times = {w.get(XML_ID): float(w.get("interval") or 0) for w in whens}
    assert list(times.values()) == sorted(times.values())
    utterances = root.findall(f"{TEI}text/{TEI}body/{TEI}u")
    assert [u.text for u in utterances] == TEXTS
    for u, line in zip(utterances, one.lines):
        assert abs(times[u.get("start")[1:]] - line.start) < 0.01 and abs(times[u.get("end")[1:]] - line.end) < 0.01
        assert ids[u.get("ana")[1:]].tag == f"{TEI}interp"
        if line.speaker:
            assert ids[u.get("who")[1:]].findtext(f"{TEI}persName") == line.speaker
    assert utterances[0].get("ana") == "#review-verified" and utterances[3].get("who") is None
    assert root.find(f".//{TEI}availability").get("status") == "free"
    assert root.find(f".//{TEI}person[@role='witness']/{TEI}birth").get("when") == "1932"


def test_ohms_carries_the_transcript_as_webvtt_with_every_speaker_and_a_numeric_record(data):
    db, _, ids = data
    t = transcript.load(db, ids["one"])
    options = exports.ExportOptions(media_url="https://luutru.example.vn/loike/")
    record = etree.fromstring(exports.render(t, "ohms", options)).find(f"{OHMS}record")
    assert record.get("id") == str(t.interview.id) and record.findtext(f"{OHMS}accession") == ids["one"]
    assert record.findtext(f"{OHMS}cms_record_id") == ids["one"] and record.findtext(f"{OHMS}duration") == "0:00:12"
    assert (
        record.findtext(f"{OHMS}language") == "Vietnamese" and record.findtext(f"{OHMS}interviewee") == "Nguyễn Văn A"
    )
    assert record.findtext(f"{OHMS}media_url") == f"https://luutru.example.vn/loike/{ids['one']}.mp3"
    assert record.findtext(f"{OHMS}file_name") == f"{ids['one']}.mp3"
    assert record.find(f"{OHMS}transcript") is None and record.find(f"{OHMS}sync") is None
    vtt = webvtt.from_string(record.findtext(f"{OHMS}vtt_transcript"))
    assert [c.voice for c in vtt.captions] == ["Nguyễn Văn A", "Trần Thị Mai", "Nguyễn Văn A", None]
    assert html.unescape(vtt.captions[1].text) == NASTY  # one cue a line, the name only in the voice
    point = record.find(f"{OHMS}index/{OHMS}point")
    assert point.findtext(f"{OHMS}title") == "Thành lập Chi bộ xã Bắc Cường" and point.findtext(f"{OHMS}time") == "0"


@pytest.mark.parametrize("fmt", exports.FORMATS)
def test_vietnamese_comes_out_in_nfc_byte_for_byte_in_every_format(one, fmt):
    data = exports.render(one, fmt)
    if fmt == "docx":
        text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    else:
        text = data.decode("utf-8")
        text = text if fmt != "json" else json.dumps(json.loads(text), ensure_ascii=False)
        if fmt == "srt":  # subtitles cut a line into cues of two rows: put them together again
            text = " ".join(" ".join(c.content.split()) for c in srt.parse(text))
        elif fmt == "vtt":
            text = " ".join(" ".join(html.unescape(c.text).split()) for c in webvtt.from_string(text).captions)
    for expected in (VIETNAMESE, NFC_NAME, "Nguyễn Văn A"):
        assert expected.encode("utf-8") in text.encode("utf-8")
    assert DECOMPOSED not in text


def test_export_all_leaves_restricted_interviews_out_unless_asked(data, tmp_path):
    db, _, ids = data
    report = exports.export_all(db, "txt", tmp_path / "out")
    assert [p.name for p in report.written] == [f"{ids['one']}.txt"] and report.withheld == [ids["two"]]
    report = exports.export_all(db, "txt", tmp_path / "all", include_restricted=True)
    assert len(report.written) == 2 and not report.withheld
    assert "Quyền công bố: hạn chế công bố" in (tmp_path / "all" / f"{ids['two']}.txt").read_text(encoding="utf-8")


def test_an_embargo_whose_date_has_passed_lets_the_interview_out(data, tmp_path):
    db, _, ids = data
    db.execute(
        "UPDATE interviews SET consent_status = 'embargoed', consent_until = '2001-01-01' WHERE code = ?", [ids["two"]]
    )
    assert len(exports.export_all(db, "srt", tmp_path).written) == 2


@pytest.fixture
def loike(data):
    runner = CliRunner()
    root = data[1].root
    return lambda *args: runner.invoke(cli.cli, ["--root", str(root), *map(str, args)])


def test_cli_exports_one_interview_to_stdout_or_a_file(loike, data, tmp_path):
    ids = data[2]
    result = loike("export", ids["one"], "--format", "txt", "--no-timecodes", "--no-marks")
    assert result.exit_code == 0 and f"Nguyễn Văn A: {VIETNAMESE}\n" in result.output
    target = tmp_path / "a.docx"
    result = loike("export", ids["one"], "--format", "docx", "-o", target)
    assert result.exit_code == 0 and docx.Document(str(target)).paragraphs


def test_cli_writes_a_docx_without_o_to_code_docx_here(loike, data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = loike("export", "1", "--format", "docx")
    assert result.exit_code == 0 and "Wrote LK-2026-001.docx." in result.output
    assert docx.Document(str(tmp_path / "LK-2026-001.docx")).paragraphs


def test_cli_exports_all_and_says_what_it_left_out(loike, data, tmp_path):
    ids = data[2]
    result = loike("export", "--all", "--format", "tei", "--output-dir", tmp_path / "tei")
    assert result.exit_code == 0
    assert f"1 interview(s) exported as tei into {tmp_path / 'tei'}." in result.output
    assert (
        f"Left out, not cleared for publication: {ids['two']} (--include-restricted takes them in, marked)."
        in result.output
    )
    assert (tmp_path / "tei" / f"{ids['one']}.tei.xml").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["export", "LK-1999-999", "--format", "srt"],
            "Error: There is no interview 'LK-1999-999': `loike status` lists the interview codes.",
        ),
        (
            ["export", "LK-2026-001", "--format", "ohms", "--media-url", "audio/LK-2026-001.mp3"],
            "Error: --media-url 'audio/LK-2026-001.mp3' is not an absolute web address: give one starting with "
            "http:// or https://, e.g. https://luutru.example.vn/loike/.",
        ),
        (
            ["export", "LK-2026-001", "--format", "txt", "-o", "/proc/no/such/x.txt"],
            "Error: The export /proc/no/such/x.txt could not be written (No such file or directory): check that the folder "
            "exists and is writable and that the disk is not full, or choose another place with -o / --output-dir.",
        ),
    ],
)
def test_cli_errors_are_one_sentence_and_exit_1(loike, args, message):
    result = loike(*args)
    assert result.exit_code == 1 and result.output.strip() == message


def test_cli_wants_one_interview_or_all(loike):
    result = loike("export", "--format", "txt")
    assert result.exit_code == 2 and "Give one INTERVIEW code, or --all." in result.output


# --- speech the machine heard and did not write ------------------------------------------------------------

GAP_TEXT = "[có tiếng nói, máy không ghi được]"


@pytest.fixture
def gapped(tmp_path):
    """An interview whose middle segment stands for speech VAD heard and Whisper did not write (5.0-8.5 s)."""
    from pipeline import database
    from pipeline.database.heard import MachineSegment
    from pipeline.database.models import Word
    from pipeline.settings import Archive
    from pipeline.speech import flags

    db = database.open_database(Archive(tmp_path).database)
    recording = database.add_recording(db, "b" * 64, "qua-dien-thoai.wav", 1, "qua điện thoại")
    segments = [
        MachineSegment(
            0.5,
            4.0,
            "Thưa bác, bác kể tiếp đi ạ.",
            -0.3,
            0.1,
            1.2,
            [Word(0.5, 1.0, "Thưa", 0.9), Word(1.0, 4.0, "bác, bác kể tiếp đi ạ.", 0.9)],
            speech_fraction=1.0,
        ),
        MachineSegment(5.0, 8.5, "", None, None, None, speech_fraction=1.0),
        MachineSegment(9.0, 12.0, "Hết ạ.", -0.3, 0.1, 1.2, [Word(9.0, 12.0, "Hết ạ.", 0.9)], speech_fraction=1.0),
    ]
    for segment in segments:
        segment.flags = flags.codes(segment)
    run = {"model": "base", "settings": {}, "versions": {}, "started_at": "x", "finished_at": "y", "audio_seconds": 12}
    database.save_transcript(db, recording, segments, run)
    return db, database.interview_for(db, recording).code


def test_a_gap_says_so_in_every_format_at_its_time(gapped):
    db, code = gapped
    t = transcript.load(db, code)
    assert [line.unwritten for line in t.lines] == [False, True, False]

    assert f"[00:00:05] {GAP_TEXT} [máy]" in exports.to_txt(t).splitlines()
    cue = list(srt.parse(exports.to_srt(t)))[1]
    assert (cue.content, cue.start.total_seconds(), cue.end.total_seconds()) == (GAP_TEXT, 5.0, 8.5)
    assert webvtt.from_buffer(io.StringIO(exports.to_vtt(t))).captions[1].text == GAP_TEXT
    segment = json.loads(exports.to_json(t))["segments"][1]
    assert (segment["text"], segment["flags"], segment["words"]) == ("", ["unwritten_speech"], []), (
        "the data says nothing was written, and why"
    )
    paragraphs = [p.text for p in docx.Document(io.BytesIO(exports.render(t, "docx"))).paragraphs]
    assert f"00:00:05\t{GAP_TEXT} [máy]" in paragraphs
    record = etree.fromstring(exports.render(t, "ohms")).find(f"{OHMS}record")
    gap_cue = webvtt.from_string(record.findtext(f"{OHMS}vtt_transcript")).captions[1]
    assert (html.unescape(gap_cue.text), gap_cue.start) == (GAP_TEXT, "00:00:05.000")
    [u] = [u for u in etree.fromstring(exports.render(t, "tei")).iter(f"{TEI}u") if u.get(XML_ID) == "u2"]
    assert not (u.text or "").strip() and u.find(f"{TEI}gap").get("reason") == "untranscribed"
    assert u.findtext(f"{TEI}gap/{TEI}desc") == "có tiếng nói, máy không ghi được"


def test_a_gap_an_editor_filled_is_exported_as_the_editors_text(gapped):
    from pipeline.desk import editing

    db, code = gapped
    gap_id = transcript.load(db, code).lines[1].id
    editing.edit(db, gap_id, 1, "Lan", text="Hồi đó tôi mười bảy tuổi.")
    t = transcript.load(db, code)
    assert (t.lines[1].text, t.lines[1].unwritten, t.lines[1].review_status, t.lines[1].flags) == (
        "Hồi đó tôi mười bảy tuổi.",
        False,
        "edited",
        [],
    )
    assert GAP_TEXT not in exports.to_txt(t) and "<gap" not in exports.render(t, "tei").decode()
