"""Flags on segments the model likely made up: each rule on crafted segments, and where the flags show."""

from __future__ import annotations

import json
import re
import unicodedata

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from pipeline import cli, database
from pipeline.database.heard import MachineSegment
from pipeline.database.models import Interview, Segment
from pipeline.publishing import exports, review_sheets, templating
from pipeline.settings import Archive
from pipeline.speech import flags

OUTRO_SUBSCRIBE = "Hãy subscribe cho kênh Ghiền Mì Gõ để không bỏ lỡ những video hấp dẫn"
OUTRO_SEE_YOU = "Hẹn gặp lại các bạn trong những video tiếp theo."
NORMAL = (
    "Hồi đó tôi và anh Hai ở xã Bắc Cường, tôi đi gánh lúa và anh ấy đi canh gác, "
    "rồi đến năm bốn mươi bảy thì cả làng đi kháng chiến và tôi vào du kích."
)


def seg(
    text: str, avg_logprob: float = -0.3, no_speech_prob: float = 0.01, compression_ratio: float = 1.3, **kw
) -> MachineSegment:
    return MachineSegment(0.0, 4.0, text, avg_logprob, no_speech_prob, compression_ratio, **kw)


@pytest.mark.parametrize(
    "text",
    [
        OUTRO_SUBSCRIBE,
        OUTRO_SEE_YOU,
        unicodedata.normalize("NFD", OUTRO_SUBSCRIBE),  # macOS hands out decomposed text
        "HÃY ĐĂNG KÝ KÊNH, like và subscribe!",
        "Cảm ơn các bạn đã theo dõi.",
        "Thank you for watching!",
        "hen gap lai cac ban trong nhung video tiep theo",  # typed without tones
    ],
)
def test_youtube_outros_are_known_phrases(text):
    assert flags.codes(seg(text)) == ["known_phrase"]


def test_a_known_phrase_matches_whole_words_only():
    assert flags.known_phrase("Ông ấy nhớ bấm chuông") is not None
    assert flags.known_phrase("Ông ấy nhớ bấm chuôngx") is None


@pytest.mark.parametrize(
    "text",
    [
        "cục cục cục cục",
        "Cục, cục, cục, CỤC.",
        "thì là thì là thì là thì là",
        "ông ấy nói rằng ông ấy nói rằng ông ấy nói rằng ông ấy nói rằng",
        "vâng ạ vâng ạ vâng ạ tôi nhớ vâng ạ rồi vâng ạ",  # one bigram is 10 of 13 words
    ],
)
def test_loops_are_repetition(text):
    assert "repetition" in flags.codes(seg(text))


@pytest.mark.parametrize(
    "text",
    [
        NORMAL,
        "Tôi và anh và chị và em cùng đi.",
        "cục cục cục",  # three in a row is still speech
        "dạ dạ vâng",
    ],
)
def test_normal_vietnamese_is_not_flagged(text):
    assert flags.flags(seg(text)) == []


def test_a_long_normal_passage_is_not_flagged():
    passage = " ".join([NORMAL] * 3).replace("Hồi đó", "Sau đó", 1)
    assert flags.codes(MachineSegment(0.0, 30.0, passage, -0.3, 0.01, 1.3)) == []  # 111 words, 3.7 a second


def test_more_words_than_anyone_says_in_the_time_is_flagged():
    """A sentence Whisper wrote again in the last second of a recording, and again with no length at all."""
    copy = "Chúng tôi đi bộ xuất mề kịp hộ."
    assert flags.codes(MachineSegment(29.92, 29.98, copy, -0.3, 0.01, 1.3)) == ["too_fast"]
    assert flags.flags(MachineSegment(29.86, 29.86, copy, -0.3, 0.01, 1.3))[0].reason == (
        "8 words in 0.00 s (> 12 a second)"
    )
    assert flags.codes(MachineSegment(0.0, 0.88, "Cậu có nhìn thấy không?", -0.3, 0.01, 1.3)) == [], "5.7 a second"
    assert flags.codes(MachineSegment(0.0, 0.1, "Dạ, vâng, vâng ạ.", -0.3, 0.01, 1.3)) == [], "too few to tell"
    assert flags.REASONS_VN["too_fast"] == "quá nhiều chữ so với thời gian nói"


def test_compression_uses_faster_whispers_threshold():
    assert flags.codes(seg("ông kể", compression_ratio=2.41)) == ["compression"]
    assert flags.codes(seg("ông kể", compression_ratio=2.4)) == []


def test_no_speech_is_not_raised_since_faster_whisper_drops_every_such_window_itself(tmp_path):
    """faster-whisper returns no segment with no_speech_prob > 0.6 and avg_logprob <= -1: it drops that window
    as silence. What the window held comes back as a gap instead; a flag stored before still reads."""
    assert flags.codes(seg("ừ", no_speech_prob=0.7, avg_logprob=-1.2)) == []
    rows = [Segment(1, 1, 0, 0.0, 4.0, "ừ", avg_logprob=-1.2, flags="no_speech")]
    page = review_sheets.render_sheet(templating.environment(tmp_path), sheet_interview(), rows, None)
    assert 'title="Nghi máy tự sinh: có thể không có tiếng nói"' in page


def test_a_segment_where_vad_found_little_speech_is_flagged_below_a_fifth():
    assert flags.codes(seg("Thưa bác", speech_fraction=0.19)) == ["vad_no_speech"]
    assert flags.codes(seg("Thưa bác", speech_fraction=0.2)) == []
    assert flags.codes(seg("Thưa bác", speech_fraction=None)) == [], "not measured is not flagged"
    assert flags.flags(seg("Thưa bác", speech_fraction=0.04))[0].reason == "VAD found speech in 4% of it (< 20%)"


@pytest.mark.parametrize(
    "start, end, speech, share",
    [
        (0.0, 4.0, [(0.0, 4.0)], 1.0),
        (1.0, 3.0, [(0.0, 10.0)], 1.0),  # inside one long span
        (0.0, 10.0, [(1.0, 2.0), (5.0, 5.5)], 0.15),  # two spans inside
        (2.0, 6.0, [(0.0, 3.0), (5.0, 9.0)], 0.5),  # spans overlapping either end
        (0.0, 4.0, [(4.0, 8.0), (10.0, 11.0)], 0.0),  # touching is not overlapping
        (0.0, 4.0, [], 0.0),
        (3.0, 3.0, [(2.0, 4.0)], 1.0),  # no length: its instant is in speech
        (3.0, 3.0, [(4.0, 5.0)], 0.0),
    ],
)
def test_speech_share_is_the_overlap_over_the_segments_length(start, end, speech, share):
    assert flags.speech_share(start, end, speech) == pytest.approx(share)


def test_every_flag_says_why_and_has_a_vietnamese_reason():
    found = flags.flags(
        seg(
            OUTRO_SUBSCRIBE + " cục cục cục cục",
            compression_ratio=3.0,
            no_speech_prob=0.9,
            avg_logprob=-1.5,
            speech_fraction=0.05,
        )
    )
    assert [f.code for f in found] == ["known_phrase", "repetition", "compression", "vad_no_speech"]
    found += flags.flags(MachineSegment(4.0, 4.2, OUTRO_SUBSCRIBE, -0.3, 0.01, 1.3))
    assert [f.code for f in found[4:]] == ["known_phrase", "too_fast"]
    found += flags.flags(gap())  # no text at all: the one flag that cannot come with the others
    assert all(f.reason for f in found)
    assert set(flags.REASONS_VN) == {f.code for f in found} | {"no_speech"}, "no_speech: stored ones only"


# --- speech heard and not written --------------------------------------------------------------------------


def gap(start: float = 0.0, end: float = 3.5, speech_fraction: float | None = 1.0) -> MachineSegment:
    """A segment as ``Transcriber.transcribe`` makes one where VAD heard speech and Whisper wrote nothing."""
    return MachineSegment(start, end, "", None, None, None, speech_fraction=speech_fraction)


def test_a_segment_with_no_text_over_speech_is_flagged_unwritten():
    assert flags.codes(gap()) == ["unwritten_speech"]
    assert flags.flags(gap())[0].reason == "VAD found speech in 100% of its 3.5 s and it has no text"
    assert flags.codes(gap(speech_fraction=0.1)) == ["vad_no_speech"], "no text over silence is no gap"
    assert flags.codes(gap(speech_fraction=None)) == [], "stored before the check (the m004 migration) is not"
    assert flags.codes(seg("Thưa bác", speech_fraction=1.0)) == []
    assert flags.REASONS_VN["unwritten_speech"] == "có tiếng nói, máy không ghi được"


def test_only_a_gap_nobody_has_filled_shows_as_unwritten():
    assert flags.unwritten_gap("", ["unwritten_speech"]) and flags.unwritten_gap(None, ["unwritten_speech"])
    assert not flags.unwritten_gap("Hồi đó tôi mười bảy tuổi", ["unwritten_speech"]), "an editor typed it"
    assert not flags.unwritten_gap("", [])
    assert flags.made_up(["unwritten_speech"]) == []
    assert flags.made_up(["repetition", "no_speech"]) == ["repetition", "no_speech"]
    assert flags.standing("", ["unwritten_speech"]) == ["unwritten_speech"]
    assert flags.standing("Hồi đó", ["unwritten_speech"]) == [], "the gap's flag goes with the gap"


@pytest.mark.parametrize(
    "heard, written, gaps",
    [
        ([(0.0, 4.0)], [(0.0, 4.0)], []),  # all written
        ([(0.0, 4.0)], [], [(0.0, 4.0)]),  # nothing written: the window faster-whisper dropped
        ([(0.0, 4.0), (10.0, 12.5)], [(0.0, 4.1)], [(10.0, 12.5)]),  # the second sentence dropped
        ([(0.0, 4.0)], [(0.3, 3.6)], []),  # Whisper's times a little inside VAD's: 0.7 s in two slivers
        ([(0.0, 4.0)], [(0.0, 2.0)], [(2.0, 4.0)]),  # the end of an answer left out
        ([(0.0, 0.6), (1.0, 1.6)], [], [(0.0, 1.6)]),  # two short bits across a short pause are one gap
        ([(0.0, 0.6), (3.0, 3.6)], [], []),  # too far apart to be one, each too short
        ([(0.0, 0.6), (1.0, 1.6), (1.7, 2.0)], [(0.65, 0.95)], []),  # a written word between: not joined
        ([(0.0, 0.9)], [], []),  # under a second: a cough, a "dạ"
    ],
)
def test_unwritten_is_the_speech_no_segment_covers_joined_across_short_pauses(heard, written, gaps):
    assert flags.unwritten_stretches(heard, written) == gaps


def sheet_interview(**overrides) -> Interview:
    return Interview(
        **{
            "id": 1,
            "code": "LK-2026-001",
            "title": None,
            "recording_id": 1,
            "sha256": "a" * 64,
            "size": 1,
            "status": "transcribed",
            "first_seen": "2026-03-05T14:22:01+07:00",
            "source_path": "a.wav",
            **overrides,
        }
    )


def test_a_flagged_segment_is_marked_on_the_sheet_with_its_reasons(tmp_path):
    rows = [
        Segment(1, 1, 0, 0.0, 4.0, "Ông kể chuyện làng.", avg_logprob=-0.3),
        Segment(2, 1, 1, 4.0, 8.0, OUTRO_SEE_YOU, avg_logprob=-0.3, flags="known_phrase,repetition"),
    ]
    page = review_sheets.render_sheet(templating.environment(tmp_path), sheet_interview(), rows, None)
    assert page.count('class="segment review-machine flagged"') == 1
    assert (
        '<span class="flag-mark ui" title="Nghi máy tự sinh: câu quen thuộc máy hay tự sinh; lặp lại">'
        "⚑ nghi máy tự sinh</span>"
    ) in page
    legend = page.split('<aside class="legend')[1].split("</aside>")[0]
    assert "nghi máy tự sinh" in legend


def test_a_segment_where_vad_heard_no_speech_says_so_on_the_sheet(tmp_path):
    rows = [Segment(1, 1, 0, 16.4, 38.6, "Thưa bác, thưa bác thương.", avg_logprob=-0.5, flags="vad_no_speech")]
    page = review_sheets.render_sheet(templating.environment(tmp_path), sheet_interview(), rows, None)
    assert 'title="Nghi máy tự sinh: không nghe thấy tiếng nói"' in page
    assert "không nghe thấy tiếng nói" in page.split('<aside class="legend')[1].split("</aside>")[0]


def test_the_index_shows_how_many_segments_are_flagged(tmp_path):
    page = review_sheets.render_index(
        templating.environment(tmp_path), [sheet_interview(segment_count=9, flagged_count=3)], "x"
    )
    assert "⚑ 3" in page and "Nghi máy sinh" in page


def test_flags_are_stored_counted_in_status_and_exported(tmp_path):
    archive = Archive(tmp_path)
    db = database.open_database(archive.database)
    recording = database.add_recording(db, "a" * 64, "a.wav", 1, "a")
    segments = [seg("Ông kể chuyện làng."), seg(OUTRO_SUBSCRIBE), seg("cục cục cục cục", compression_ratio=2.6)]
    for s in segments:
        s.flags = flags.codes(s)
    database.save_transcript(
        db,
        recording,
        segments,
        {"model": "base", "settings": {}, "versions": {}, "started_at": "x", "finished_at": "y", "audio_seconds": 3.0},
    )
    assert [r[0] for r in db.execute("SELECT flags FROM segments ORDER BY idx")] == [
        None,
        "known_phrase",
        "repetition,compression",
    ]
    [summary] = database.interviews(db)
    assert summary.flagged_count == 2
    exported = json.loads(exports.interview_json(db, summary.code))
    assert [s["flags"] for s in exported["segments"]] == [[], ["known_phrase"], ["repetition", "compression"]]
    db.close()

    runner = CliRunner()
    data = json.loads(runner.invoke(cli.cli, ["--root", str(tmp_path), "status", "--json"]).output)
    assert data["interviews"][0]["flagged_count"] == 2
    table = runner.invoke(cli.cli, ["--root", str(tmp_path), "status"])
    assert table.exit_code == 0
    header, row = table.output.splitlines()[:2]
    assert header.split()[:5] == ["code", "state", "length", "verified", "flagged"]
    assert re.search(r" 0/3 +2 ", row), row  # none of the 3 segments verified, 2 flagged


def test_segments_stored_before_flags_existed_are_flagged_by_the_migration(tmp_path):
    db = Database(str(tmp_path / "loike.db"))
    database.migrations.apply(db, stop_before="m004_segment_flags")
    recording = database.add_recording(db, "a" * 64, "a.wav", 1, "a")
    interview_id = database.interview_id_of(db, recording)
    for idx, text in enumerate(["Ông kể.", OUTRO_SEE_YOU]):
        db["segments"].insert(
            {
                "interview_id": interview_id,
                "idx": idx,
                "start": idx,
                "end": idx + 1,
                "text": text,
                "avg_logprob": -0.3,
                "no_speech_prob": 0.01,
                "compression_ratio": 1.2,
            }
        )
    database.migrations.apply(db)
    assert [r[0] for r in db.execute("SELECT flags FROM segments ORDER BY idx")] == [None, "known_phrase"]
