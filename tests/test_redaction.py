"""Redaction: a passage closed until a date is replaced by "[đoạn bị hạn chế đến DD/MM/YYYY]" in every public output
(exports, quotes and clips, the public package, the published site) and silent in its audio, while the archive copy
keeps everything; after its date it opens by itself.

The central test makes every public output there is and greps every byte of it (DOCX and other zip parts unpacked)
for the closed words, in NFC, NFD and folded without tones, and reads the samples of the audio over the span.
"""

import io
import json
import shutil
import unicodedata
import wave
import zipfile
from datetime import date, timedelta

import pytest
from archive_data import VIETNAMESE, build
from click.testing import CliRunner

from pipeline import cli, database
from pipeline.database.public_records import IndexPoint
from pipeline.desk import for_readers
from pipeline.errors import InvalidEdit
from pipeline.publishing import deposit, exports, quotes, redaction, review_sheets, site, transcript
from pipeline.text import fold

UNTIL = (date.today() + timedelta(days=365)).isoformat()
UNTIL_VN = "/".join(reversed(UNTIL.split("-")))
MARKER = f"[đoạn bị hạn chế đến {UNTIL_VN}]"
CLOSED = ["khởi nghĩa", "Hường"]
"""Words said only inside the closed passages: in the first line (closed by selection) and the third (by time)."""


@pytest.fixture
def closed(tmp_path):
    """The test archive with two passages closed: part of line 1 selected at the desk, and 7–8.5 s of line 3
    (machine text with word times) given by time, as `loike redact` does; an index point inside the second."""
    db, archive, ids = build(tmp_path)
    segments = ids["segments"]
    start = VIETNAMESE.index("lãnh đạo")
    end = VIETNAMESE.index(";")
    for_readers.close_selection(db, segments[0], segments[0], start, end, "nêu tên người bị tố", UNTIL, "Lan")
    for_readers.close_span(db, ids["one"], 7.0, 8.5, "chuyện riêng gia đình", UNTIL_VN, "Lan")
    one = database.interview(db, ids["one"])
    for_readers.save_point(db, one.id, {"time": 7.5, "title": "Chuyện bà Hường", "synopsis": "Hường"}, "Lan")
    for_readers.save_point(db, one.id, {"time": 0, "title": "Mở đầu", "keywords": "chi bộ; Đảng bộ"}, "Lan")
    return db, archive, ids


def test_the_public_transcript_replaces_exactly_the_closed_words(closed):
    db, _, ids = closed
    t = redaction.public(db, ids["one"])
    assert t.lines[0].text == f"Đảng bộ Bắc Cường {MARKER}; ủy ban, hợp tác xã, dân công hỏa tuyến — ạ, ừ, ở đấy."
    assert t.lines[2].text == f"Nguyễn {MARKER}" and t.lines[2].words == []  # every word heard in 7–8.5 s
    assert t.lines[1].text == transcript.load(db, ids["one"]).lines[1].text  # untouched
    assert 0 not in [line.idx for line in t.lines if t.tags.get(line.id)]  # the closed line's tags go too
    assert [p.title for p in t.index] == ["Mở đầu", MARKER]
    assert redaction.silences(t)[1] == (7.0, 8.5)


def test_a_line_edited_since_it_was_closed_is_closed_whole(closed):
    db, _, ids = closed
    version = db["segments"].get(ids["segments"][0])["version"]
    from pipeline.desk import editing

    editing.edit(db, ids["segments"][0], version, "Lan", text=VIETNAMESE.replace("lãnh đạo", "dẫn dắt"))
    assert redaction.public(db, ids["one"]).lines[0].text == MARKER


def test_after_its_end_date_the_passage_opens_by_itself_and_a_withdrawn_one_at_once(closed):
    db, _, ids = closed
    t, closed_ones = transcript.load(db, ids["one"]), database.redactions(db)
    later = (date.today() + timedelta(days=366)).isoformat()
    assert redaction.closed_copy(t, closed_ones, UNTIL).lines[0].text != VIETNAMESE  # closed to the end of the day
    assert redaction.closed_copy(t, closed_ones, later).lines[0].text == VIETNAMESE
    for_readers.withdraw(db, closed_ones[0].id, "Minh")
    assert redaction.public(db, ids["one"]).lines[0].text == VIETNAMESE
    history = database.public_history(db, closed_ones[0].interview_id, "redaction")
    assert [h["action"] for h in history] == ["close", "close", "withdraw"] and history[2]["editor"] == "Minh"


def test_the_archive_copy_keeps_everything(closed, tmp_path):
    db, archive, ids = closed
    assert transcript.load(db, ids["one"]).lines[0].text == VIETNAMESE
    deposit.build(db, archive, tmp_path / "kho")
    text = (tmp_path / "kho" / "data" / "transcripts" / ids["one"] / f"{ids['one']}.txt").read_text(encoding="utf-8")
    log = json.loads((tmp_path / "kho" / "data" / "metadata" / "redactions.json").read_text(encoding="utf-8"))
    assert VIETNAMESE in text and log["redactions"][0]["words"] == "lãnh đạo nhân dân khởi nghĩa"
    assert log["redactions"][1]["reason"] == "chuyện riêng gia đình" and log["redactions"][1]["until_vn"] == UNTIL_VN


def every_form(word: str) -> list[bytes]:
    forms = {word, unicodedata.normalize("NFD", word), fold(word), word.lower()}
    return [form.encode("utf-8") for form in forms]


def contents(path) -> bytes:
    """A file's bytes, and those of every part inside it when it is a zip (DOCX is)."""
    data = path.read_bytes()
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as packed:
            data += b"".join(packed.read(name) for name in packed.namelist())
    return data


def public_outputs(db, archive, ids, out) -> None:
    for fmt in exports.FORMATS:
        exports.export_one(db, ids["one"], fmt, output=out / "exports" / exports.filename(ids["one"], fmt))
        exports.export_all(db, fmt, out / "all" / fmt)
    for fmt in quotes.FORMATS:
        clips = out / "clips" / fmt
        quotes.export_quotes(db, archive, fmt=fmt, output=out / f"quotes.{fmt}", clips_dir=clips)
    deposit.build(db, archive, out / "public-bag", deposit.PackageOptions(only_publishable=True))
    site.publish(db, archive, out / "site")
    review_sheets.write_sheets(db, archive)  # the subject pages beside them are read by anyone handed the folder
    shutil.copytree(archive.sheets_dir / "people", out / "subject-pages" / "people")
    shutil.copytree(archive.sheets_dir / "events", out / "subject-pages" / "events")


@pytest.mark.slow  # makes every public output there is (encoding MP3s, a bag, a site): several seconds
def test_no_byte_of_any_public_output_holds_a_closed_word_and_the_audio_is_silent_there(closed, tmp_path):
    db, archive, ids = closed
    out = tmp_path / "public"
    public_outputs(db, archive, ids, out)
    files = [path for path in out.rglob("*") if path.is_file()]
    assert len(files) > 30
    for path in files:
        data = contents(path)
        for word in CLOSED:
            for form in every_form(word):
                assert form not in data, f"{path.relative_to(out)} holds {form.decode()!r}"
    assert MARKER.encode() in contents(out / "exports" / f"{ids['one']}.txt")
    clip = next((out / "clips" / "md").glob(f"{ids['one']} 00.03*"))  # the quote over lines 2–3
    with wave.open(str(clip)) as sound:
        rate, frames = sound.getframerate(), sound.readframes(sound.getnframes())
    start = 3.123  # the clip's own start
    closed_part = frames[int((7.0 - start) * rate) * 2 : int((8.5 - start) * rate) * 2]
    assert closed_part and set(closed_part) == {0} and set(frames[: int(1.0 * rate) * 2]) != {0}
    import av
    import numpy as np

    with av.open(str(out / "public-bag" / "data" / "audio" / f"{ids['one']}.mp3")) as heard:
        stream = heard.streams.audio[0]
        samples = np.concatenate([f.to_ndarray().reshape(-1) for f in heard.decode(stream)])
        rate = stream.codec_context.sample_rate
    assert np.abs(samples[int(7.2 * rate) : int(8.3 * rate)]).max() < 1e-3  # silent (the encoder's edges aside)
    assert np.abs(samples[int(9.5 * rate) : int(11 * rate)]).max() > 0.01  # and heard elsewhere
    assert not (out / "public-bag" / "data" / "originals").exists()
    assert MARKER in (out / "site" / f"{ids['one']}.html").read_text(encoding="utf-8")
    [heard] = (out / "site" / "audio").iterdir()
    assert heard.read_bytes() == (out / "public-bag" / "data" / "audio" / f"{ids['one']}.mp3").read_bytes()


@pytest.fixture
def loike(closed):
    runner = CliRunner()
    return lambda *args: runner.invoke(cli.cli, ["--root", str(closed[1].root), *map(str, args)])


def test_cli_redact_closes_lists_and_withdraws(loike, closed):
    ids = closed[2]
    result = loike(
        "redact",
        ids["one"],
        "--from",
        "00:00:09",
        "--to",
        "00:00:10.5",
        "--reason",
        "xin giữ kín",
        "--until",
        UNTIL_VN,
        "--editor",
        "Hoa",
    )
    assert result.exit_code == 0, result.output
    assert (
        result.output.splitlines()[0] == f"Closed passage 3: 00:00:09–00:00:10 until {UNTIL_VN}, by Hoa: xin giữ kín."
    )
    listed = loike("redact", ids["one"], "--list").output.splitlines()
    assert len(listed) == 3 and listed[0].startswith("1  00:00:00–00:00:01") and listed[2].startswith("3  ")
    assert "Hết" not in exports.render(redaction.public(closed[0], ids["one"]), "txt").decode()
    result = loike("redact", ids["one"], "--withdraw", "3", "--editor", "Hoa")
    assert "Passage 3 is open again (withdrawn by Hoa); the log keeps it." in result.output
    assert result.output.splitlines()[-1].endswith("(withdrawn by Hoa)")


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--from", "00:01", "--to", "00:02", "--reason", "x", "--until", "31/02/2030"],
            "Error: '31/02/2030' is not a date: give the day the passage opens again as DD/MM/YYYY, e.g. 31/12/2030.",
        ),
        (
            ["--from", "00:01", "--to", "00:02", "--reason", "x", "--until", "01/01/2001"],
            "Error: 01/01/2001 has passed: a passage is closed until a day still to come.",
        ),
        (
            ["--from", "00:05", "--to", "00:02", "--reason", "x", "--until", "31/12/2099"],
            "Error: The passage must end after it starts (from 5 s to 2 s): check --from and --to.",
        ),
        (
            ["--from", "01:00:00", "--to", "01:00:02", "--reason", "x", "--until", "31/12/2099"],
            "Error: LK-2026-001 lasts 00:00:12: the passage starts after its end; check --from.",
        ),
        (
            ["--from", "00:01", "--to", "00:02", "--reason", " ", "--until", "31/12/2099"],
            "Error: Say why the passage is closed (--reason): the redaction log keeps it.",
        ),
    ],
)
def test_cli_redact_refuses_bad_input_in_one_sentence(loike, args, message):
    result = loike("redact", "LK-2026-001", *args)
    assert result.exit_code == 1 and result.output.strip() == message


def test_a_time_that_is_not_one_is_a_usage_error(loike):
    result = loike("redact", "LK-2026-001", "--from", "1 phút", "--to", "00:02")
    assert result.exit_code == 2 and "'1 phút' is not a time: give HH:MM:SS, e.g. 00:12:30." in result.output


def test_the_index_refuses_a_point_without_title_or_outside_the_recording(closed):
    db, _, ids = closed
    one = database.interview(db, ids["one"])
    with pytest.raises(InvalidEdit, match="needs a title"):
        for_readers.save_point(db, one.id, {"time": 1, "title": " "}, "Lan")
    with pytest.raises(InvalidEdit, match="outside the recording"):
        for_readers.save_point(db, one.id, {"time": 99, "title": "x"}, "Lan")
    point = database.index_points(db, one.id)[0]
    for_readers.save_point(db, one.id, {"time": 1, "title": "Mở đầu", "keywords": ["a", "a", "b"]}, "Lan", point.id)
    assert database.index_points(db, one.id)[0].keywords == ["a", "b"]
    assert isinstance(IndexPoint, type)


def test_in_vietnamese_a_refused_passage_is_said_in_vietnamese(loike):
    args = ["--from", "00:01", "--to", "00:02", "--reason", "x", "--until", "01/01/2001"]
    result = loike("--lang", "vi", "redact", "LK-2026-001", *args)
    assert result.exit_code == 1
    assert result.output.strip() == "Lỗi: Ngày hết hạn chế đã qua: hãy chọn một ngày sau hôm nay."
