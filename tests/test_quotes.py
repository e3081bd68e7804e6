"""Quotes for the manuscript: selection, citations from the template, grouping, every output format, clips and
consent."""

import csv
import io
import json
import shutil
import wave

import docx
import pytest
from archive_data import NASTY, VIETNAMESE, build
from click.testing import CliRunner

from pipeline import cli, database
from pipeline.errors import ExportError
from pipeline.publishing import citations, clips, quotes
from pipeline.publishing.quote_records import inner_quotes
from pipeline.publishing.quotes import QuoteFilters
from pipeline.workshop import settling

CITATION = (
    "Lời kể của ông Nguyễn Văn A (sinh năm 1932), nguyên liên lạc của Chi bộ xã Bắc Cường, do Trần Thị Mai phỏng vấn "
    "ngày 12/03/2020 tại xã Bắc Cường, thành phố Lào Cai, tỉnh Lào Cai; bản ghi LK-2026-001, phút 00:00–00:03."
)


@pytest.fixture
def data(tmp_path):
    return build(tmp_path)


def export(data, fmt="json", **kwargs):
    db, archive, _ = data
    options = {k: kwargs.pop(k) for k in ("output", "by", "clips_dir", "clip_format") if k in kwargs}
    return quotes.export_quotes(db, archive, QuoteFilters(**kwargs), fmt, **options)


def chosen(data, **filters) -> list[int]:
    return [q.id for q in quotes.select(data[0], QuoteFilters(**filters))[0]]


def test_the_citation_follows_the_editors_convention(data):
    [founding] = [q for q in quotes.select(data[0])[0] if q.id == data[2]["quotes"]["founding"]]
    citations.cite([founding], data[1])
    assert founding.citation == CITATION


def test_an_unverified_passage_says_so_inside_its_citation_and_the_holding_archive_closes_it(data):
    db, archive, ids = data
    database.set_archive_setting(db, database.HOLDING_ARCHIVE, "Lưu trữ Tỉnh ủy Lào Cai")
    kept = {q.id: q for q in quotes.select(db, QuoteFilters(include_restricted=True))[0]}
    citations.cite(list(kept.values()), archive)
    assert kept[ids["quotes"]["founding"]].citation == CITATION[:-1] + "; lưu tại Lưu trữ Tỉnh ủy Lào Cai."
    assert "phút 00:03–00:09 (chưa duyệt); lưu tại" in kept[ids["quotes"]["nasty"]].citation


def test_quoted_text_takes_vietnamese_inner_quotation_marks(data, tmp_path):
    assert inner_quotes('Ông nói "cười" và “khóc”, rồi "') == 'Ông nói ‘cười’ và ‘khóc’, rồi "'
    text = export(data, "md").data.decode("utf-8")
    assert "alert(‘x’)" in text and "‘cười’" in text
    export(data, "docx", output=tmp_path / "q.docx")
    assert any("‘cười’" in p.text for p in docx.Document(str(tmp_path / "q.docx")).paragraphs)


def test_the_role_is_the_one_held_at_the_time_of_the_event_else_the_latest(data):
    db, archive, ids = data
    db.execute("DELETE FROM quote_events")
    db.execute("DELETE FROM segment_events")
    db.execute("DELETE FROM interview_events")
    [founding] = [q for q in quotes.select(db)[0] if q.id == ids["quotes"]["founding"]]
    assert founding.role == "nguyên Bí thư Chi bộ xã Bắc Cường"


def test_the_role_follows_the_date_the_workshop_settled_over_the_events_own(data):
    db, archive, ids = data
    founding = lambda: next(q for q in quotes.select(db)[0] if q.id == ids["quotes"]["founding"])  # noqa: E731
    assert founding().role == "nguyên liên lạc của Chi bộ xã Bắc Cường", "the event's own date: 1945"
    settling.conclude(db, "Thành lập Chi bộ xã Bắc Cường", "date", "1967", "Hội thảo xã", "Lan")
    settled = founding()
    assert settled.role == "nguyên Bí thư Chi bộ xã Bắc Cường", "the settled date wins: 1967"
    citations.cite([settled], archive)
    assert settled.citation.startswith(
        "Lời kể của ông Nguyễn Văn A (sinh năm 1932), nguyên Bí thư Chi bộ xã Bắc Cường,"
    )


def test_a_teams_template_changes_the_citation_without_code(data):
    archive = data[1]
    (archive.root / "templates").mkdir()
    (archive.root / "templates" / "citation.txt.j2").write_text(
        "{{ witness.name }} – {{ interview.code }} ({{ start }})", encoding="utf-8"
    )
    report = export(data, "json")
    first = json.loads(report.data)["groups"][0]["quotes"][0]
    assert first["citation"] == "Nguyễn Văn A – LK-2026-001 (00:00)"


def test_a_broken_team_template_says_which_file_and_what_to_do(data):
    archive = data[1]
    (archive.root / "templates").mkdir()
    (archive.root / "templates" / "citation.txt.j2").write_text("{{ witnes.name }}", encoding="utf-8")
    with pytest.raises(Exception) as error:
        export(data, "md")
    assert "citation.txt.j2" in str(error.value) and "delete it from the archive's templates/ folder" in str(
        error.value
    )


def test_restricted_interviews_stay_out_unless_asked_and_are_marked_when_in(data):
    ids = data[2]
    kept, withheld = quotes.select(data[0])
    assert ids["quotes"]["closed"] not in [q.id for q in kept] and withheld == [ids["two"]]
    md = export(data, "md", include_restricted=True).data.decode()
    assert "**[HẠN CHẾ CÔNG BỐ]**" in md and "Hợp tác xã thành lập năm 1960." in md
    rows = list(csv.DictReader(io.StringIO(export(data, "csv", include_restricted=True).data.decode("utf-8-sig"))))
    assert [r["restricted"] for r in rows] == ["False", "False", "True"]
    document = docx.Document(
        io.BytesIO(export(data, "docx", include_restricted=True, output=data[1].root / "q.docx").data)
    )
    assert "[HẠN CHẾ CÔNG BỐ]" in [p.text for p in document.paragraphs]


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"event": "Kháng chiến chống Pháp"}, ["nasty"]),
        ({"event": "thanh lap chi bo xa bac cuong"}, ["founding"]),
        ({"person": "Nguyễn Văn A"}, ["founding"]),
        ({"person": "tran thi mai"}, ["nasty"]),
        ({"commune": "Bắc Cường"}, ["founding", "nasty"]),
        ({"place": "Lào Cai"}, ["founding", "nasty"]),
        ({"interview": "LK-2026-002", "include_restricted": True}, ["closed"]),
        ({"verified_only": True}, ["founding"]),
    ],
)
def test_filters(data, filters, expected):
    assert chosen(data, **filters) == [data[2]["quotes"][name] for name in expected]


def test_grouped_by_event_in_date_order_or_by_witness_by_name(data):
    found, _ = quotes.select(data[0], QuoteFilters(include_restricted=True))
    by_event = quotes.group(found, "event")
    assert [g.heading for g in by_event] == [
        "Thành lập Chi bộ xã Bắc Cường (20/09/1945)",
        "Kháng chiến chống Pháp (19/12/1946 – 21/07/1954)",
        "Hợp tác hóa nông nghiệp (1958)",
    ]
    by_witness = quotes.group(found, "witness")
    assert [g.heading for g in by_witness] == [
        "Bà Lê Thị Bình (sinh năm 1940)",
        "Ông Nguyễn Văn A (sinh năm 1932)",
        "Trần Thị Mai",
    ]


def test_markdown_escapes_markup_and_keeps_vietnamese(data):
    md = export(data, "md").data.decode("utf-8")
    assert "<script>" not in md and "&lt;script&gt;" in md and "&amp;" in md
    assert VIETNAMESE.replace("—", "—") in md and f"> — {CITATION}" in md
    assert "_Bản ghi LK-2026-001 · 00:00–00:03 · đã duyệt · trích dẫn số 1_" in md.replace("\\", "")


def test_csv_reads_back_with_the_text_as_said(data):
    raw = export(data, "csv").data
    assert raw.startswith("\ufeff".encode("utf-8")), "Excel needs the BOM to read UTF-8"
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0]["text"] == VIETNAMESE and rows[0]["citation"] == CITATION and rows[0]["verified"] == "True"
    assert rows[1]["text"].startswith(NASTY) and rows[1]["comment"] == "kiểm tra & sửa"
    assert rows[0]["witness"] == "Nguyễn Văn A" and rows[0]["birth_year"] == "1932"
    assert rows[0]["role"] == "nguyên liên lạc của Chi bộ xã Bắc Cường" and rows[0]["interviewers"] == "Trần Thị Mai"


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_defused(data):
    db = data[0]
    db.execute("UPDATE quotes SET text = '=HYPERLINK(\"x\")' WHERE id = ?", [data[2]["quotes"]["founding"]])
    rows = list(csv.DictReader(io.StringIO(export(data, "csv").data.decode("utf-8-sig"))))
    assert rows[0]["text"] == '\'=HYPERLINK("x")'


def test_json_and_docx_carry_every_field(data, tmp_path):
    document = json.loads(export(data, "json").data)
    quote = document["groups"][0]["quotes"][0]
    assert quote["text"] == VIETNAMESE and quote["time_range"] == "00:00–00:03" and quote["interview"] == "LK-2026-001"
    assert quote["witness"]["roles"][0]["title"] == "liên lạc của Chi bộ xã Bắc Cường"
    assert abs(quote["start"] - 0.123) < 0.01
    report = export(data, "docx", output=tmp_path / "q.docx")
    paragraphs = [p.text for p in docx.Document(str(tmp_path / "q.docx")).paragraphs]
    assert f"“{VIETNAMESE}”" in paragraphs and CITATION in paragraphs and report.count == 2
    assert any(p.startswith(f"“{inner_quotes(NASTY)}") for p in paragraphs)  # ‘x’ and ‘cười’ inside “…”


def test_a_wav_clip_per_quote_named_after_its_citation(data, tmp_path):
    report = export(data, "md", clips_dir=tmp_path / "clips")
    assert len(report.clips) == 2
    first = report.clips[0]
    assert first.name.startswith("LK-2026-001 00.00–00.03 Lời kể của ông Nguyễn Văn A (sinh năm 1932)")
    assert len(first.name.encode("utf-8")) <= clips.NAME_BYTES and "/" not in first.name
    with wave.open(str(first)) as clip:
        assert abs(clip.getnframes() / clip.getframerate() - (2.95 - 0.123)) < 0.01


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg encodes mp3")
def test_an_mp3_clip(data, tmp_path):
    report = export(data, "md", clips_dir=tmp_path / "clips", clip_format="mp3")
    assert report.clips[0].suffix == ".mp3" and report.clips[0].read_bytes()[:3] in (b"ID3", b"\xff\xfb", b"\xff\xf3")


def test_mp3_without_ffmpeg_says_so_in_one_sentence_before_cutting_anything(data, tmp_path, monkeypatch):
    monkeypatch.setattr(clips.shutil, "which", lambda name: None)
    with pytest.raises(ExportError) as error:
        export(data, "md", clips_dir=tmp_path / "clips", clip_format="mp3")
    assert str(error.value) == (
        "MP3 clips need ffmpeg, which is not installed on this computer: install it (apt "
        "install ffmpeg, brew install ffmpeg or from ffmpeg.org) or use --clip-format wav."
    )
    assert not (tmp_path / "clips").exists()


def test_a_missing_listening_copy_says_how_to_make_it_again(data, tmp_path):
    (data[1].audio_dir / "LK-2026-001.wav").unlink()
    with pytest.raises(ExportError, match=r"LK-2026-001.wav is missing: run `loike rebuild --audio`"):
        export(data, "md", clips_dir=tmp_path / "clips")


@pytest.fixture
def loike(data):
    runner = CliRunner()
    return lambda *args: runner.invoke(cli.cli, ["--root", str(data[1].root), *map(str, args)])


def test_cli_quotes_export(loike, tmp_path):
    result = loike("quotes", "export", "--format", "docx", "-o", tmp_path / "sach.docx", "--group-by", "witness")
    assert result.exit_code == 0
    assert result.output == (
        f"2 quotes in 2 groups written to {tmp_path / 'sach.docx'}.\n"
        "Left out, not cleared for publication: LK-2026-002 (--include-restricted takes them in, "
        "marked).\n"
    )
    result = loike("quotes", "export", "--format", "md", "--verified-only")
    assert result.exit_code == 0 and CITATION in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--person", "Nobody", "--format", "md"],
            "Error: No person called “Nobody” in the archive: `loike people` lists the names and numbers.",
        ),
        (
            ["--interview", "LK-1999-9", "--format", "csv"],
            "Error: There is no interview 'LK-1999-9': `loike status` lists the interview codes.",
        ),
        ([], "Error: DOCX is not text and cannot be printed: give a file with -o, e.g. -o trich-dan.docx."),
    ],
)
def test_cli_quote_errors(loike, args, message):
    result = loike("quotes", "export", *args)
    assert result.exit_code == 1 and result.output.strip() == message


def test_cli_archive_name_is_set_once_and_shown(loike):
    assert loike("archive-name").output == "No holding archive is set: `loike archive-name NAME`.\n"
    assert loike("archive-name", "Lưu trữ Tỉnh ủy Lào Cai").output == "Holding archive: Lưu trữ Tỉnh ủy Lào Cai.\n"
    assert loike("archive-name").output == "Holding archive: Lưu trữ Tỉnh ủy Lào Cai.\n"
    assert "lưu tại Lưu trữ Tỉnh ủy Lào Cai." in loike("quotes", "export", "--format", "md").output
    assert loike("archive-name", "--clear").output.startswith("No holding archive is set")
