"""Names heard again (pipeline.desk.hearing): a name the letters offer is weighed against the near names of its kind
by the real Whisper base on real speech, and one a rival is heard better than is not offered."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import reviewdesk
from click.testing import CliRunner

from pipeline import database
from pipeline.cli import cli
from pipeline.desk import editing, hearing, suggestions
from pipeline.errors import NotFound
from pipeline.intake import audio

FIXTURES = Path(__file__).parent / "fixtures"

WRITTEN = ["Năm đó chi bố xa bắt dùng được thành lập", "Sau đó tôi chuyển sang công tác ở xa bất quân"]
"""How Whisper base writes vi_two_communes.ogg, which says "Năm đó chi bộ xã Bắc Cường được thành lập." and, 7 s
later, "Sau đó tôi chuyển sang công tác ở xã Quốc Tuấn." (tests/fixtures/make_fixtures.sh)."""


@pytest.fixture
def archive(tmp_path):
    """An interview about Bắc Cường whose lines are the fixture's, misheard, with its audio normalised as a run
    leaves it; a second interview brings the commune Quốc Tuấn into the archive."""
    built = reviewdesk.build(tmp_path, lines=WRITTEN, audio=False)
    reviewdesk.build(tmp_path, lines=["Một dòng."], title="Hai", commune="Quốc Tuấn", audio=False)
    db = database.open_database(built.database)
    interview = database.interview(db, "1")
    built.audio_dir.mkdir(parents=True, exist_ok=True)
    normalised = audio.normalise(FIXTURES / "vi_two_communes.ogg", built.audio_dir / f"{interview.code}.wav")
    database.update_recording(db, interview.recording_id, gain_db=normalised.gain_db)
    db.close()
    return built


def offered(archive):
    db = database.open_database(archive.database)
    try:
        return [(s.line, s.found, s.suggestion, s.rivals) for s in suggestions.suggestions(db, archive, "1")]
    finally:
        db.close()


def test_a_name_a_rival_is_heard_better_than_is_not_offered(archive, transcriber):
    assert offered(archive) == [
        (1, "chi bố xa bắt dùng", "chi bộ xã Bắc Cường", ("chi bộ xã Quốc Tuấn",)),
        (2, "xa bất quân", "xã Bắc Cường", ("xã Quốc Tuấn",)),
    ]  # by the letters alone, both lines are offered the interview's own commune
    db = database.open_database(archive.database)
    assert hearing.hear_names(db, archive, "1", transcriber) == 2
    heard = database.names_heard(db, 1)
    db.close()
    margins = {found: margin for (_, found, _, _), margin in heard.items()}
    assert margins["chi bố xa bắt dùng"] > 0 and margins["xa bất quân"] < suggestions.HEARD_BETTER_BY, margins
    assert offered(archive) == [(1, "chi bố xa bắt dùng", "chi bộ xã Bắc Cường", ("chi bộ xã Quốc Tuấn",))]


def test_a_weighing_is_kept_and_outlives_an_edit_elsewhere_in_the_line(archive, transcriber):
    db = database.open_database(archive.database)
    try:
        hearing.hear_names(db, archive, "1", transcriber)
        assert hearing.hear_names(db, archive, "1", transcriber) == 0  # nothing left to weigh
        line = database.segment_at(db, 1, 1)
        editing.edit(db, line.id, line.version, "Lan", text="Sau đó tôi chuyển sang công tác ở xa bất quân.")
        assert hearing.unweighed(db, archive, "1") == []
        assert [s.found for s in suggestions.suggestions(db, archive, "1")] == ["chi bố xa bắt dùng"]
    finally:
        db.close()


def test_loike_suggest_hears_the_names_first_and_says_so(archive):
    runner = CliRunner()
    first = runner.invoke(cli, ["--root", str(archive.root), "suggest", "1"])
    assert first.exit_code == 0, first.output
    assert "2 names from the metadata heard again against the names most like them." in first.output
    assert "«chi bố xa bắt dùng» → «chi bộ xã Bắc Cường»" in first.stdout
    assert "xa bất quân" not in first.stdout
    again = runner.invoke(cli, ["--root", str(archive.root), "suggest", "1", "--json"])
    assert again.exit_code == 0 and "heard again" not in again.output  # weighed once, kept
    assert [s["rivals"] for s in json.loads(again.stdout)] == [["chi bộ xã Quốc Tuấn"]]


def test_without_the_normalised_audio_the_names_are_offered_unweighed_and_one_sentence_says_why(archive):
    for wav in archive.audio_dir.glob("*.wav"):
        wav.unlink()
    with pytest.raises(NotFound, match="The normalised audio of .* is missing, .*: run `loike rebuild --audio`"):
        hearing.hear_interviews(archive, ["1"])
    result = CliRunner().invoke(cli, ["--root", str(archive.root), "suggest", "1"])
    assert result.exit_code == 0, result.output
    assert "run `loike rebuild --audio`" in result.stderr
    assert result.stdout.count("→") == 2  # both offered, as before names were heard again
