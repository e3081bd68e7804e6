import pickle
import sqlite3
from dataclasses import replace

import pytest
from click.testing import CliRunner

from pipeline import database
from pipeline.cli import cli
from pipeline.database.heard import MachineSegment
from pipeline.database.models import Word


def test_final_schema(tmp_path):
    db = database.open_database(tmp_path / "loike.db")
    assert set(db.table_names()) >= {
        "recordings",
        "files",
        "interviews",
        "transcription_runs",
        "segments",
        "words",
        "problems",
        "_sqlite_migrations",
    }
    assert {c.name for c in db["segments"].columns} == {
        "id",
        "interview_id",
        "run_id",
        "idx",
        "start",
        "end",
        "text",
        "speaker",
        "avg_logprob",
        "no_speech_prob",
        "compression_ratio",
        "review_status",
        "text_folded",
        "flags",
        "version",
        "note",
        "person_id",
        "edited_by",
        "edited_at",
        "heard_again",
    }
    assert {
        "segment_revisions",
        "segment_alternatives",
        "quotes",
        "quote_people",
        "quote_places",
        "quote_events",
    } <= set(db.table_names())
    assert {
        "people",
        "places",
        "events",
        "interview_people",
        "interview_events",
        "segment_people",
        "segment_places",
        "segment_events",
        "speakers",
        "metadata_versions",
        "person_roles",
        "segments_fts",
        "interviews_fts",
    } <= set(db.table_names())
    assert {c.name for c in db["recordings"].columns} >= {
        "sha256",
        "source_path",
        "size",
        "container",
        "codec",
        "channels",
        "sample_rate",
        "declared_duration",
    }
    assert {(fk.column, fk.other_table) for fk in db["words"].foreign_keys} == {("segment_id", "segments")}
    assert {(fk.column, fk.other_table) for fk in db["interviews"].foreign_keys} == {
        ("recording_id", "recordings"),
        ("place_id", "places"),
    }
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_opening_twice_applies_migrations_once(tmp_path):
    database.open_database(tmp_path / "loike.db").close()
    db = database.open_database(tmp_path / "loike.db")
    assert db["_sqlite_migrations"].count == len(database.migrations._migrations)


def test_interview_codes_count_up_within_a_year(tmp_path):
    db = database.open_database(tmp_path / "loike.db")
    first = database.add_recording(db, "a" * 64, "a.wav", 1, "a")
    second = database.add_recording(db, "b" * 64, "b.wav", 1, "b")
    codes = [database.interview_for(db, r).code for r in (first, second)]
    year = database.now()[:4]
    assert codes == [f"LK-{year}-001", f"LK-{year}-002"]


def segments(n):
    return [MachineSegment(i, i + 1, f"câu số {i}", -0.2, 0.01, 1.2, [Word(i, i + 0.5, "câu", 0.9)]) for i in range(n)]


RUN = {"model": "base", "settings": {}, "versions": {}, "started_at": "x", "finished_at": "y", "audio_seconds": 3.0}


def test_a_transcript_is_written_whole_or_not_at_all(tmp_path, monkeypatch):
    db = database.open_database(tmp_path / "loike.db")
    recording = database.add_recording(db, "a" * 64, "a.wav", 1, "a")
    broken = segments(5)
    broken[3].start = object()  # sqlite3 cannot bind this, so the write fails part-way through

    with pytest.raises(sqlite3.Error):
        database.save_transcript(db, recording, broken, RUN)

    assert db["segments"].count == 0 and db["words"].count == 0 and db["transcription_runs"].count == 0
    assert db["recordings"].get(recording)["status"] == "pending"
    database.save_transcript(db, recording, segments(5), RUN)
    assert db["segments"].count == 5 and db["words"].count == 5
    assert db["recordings"].get(recording)["status"] == "transcribed"


def test_segments_come_back_in_order_with_their_words(tmp_path):
    db = database.open_database(tmp_path / "loike.db")
    recording = database.add_recording(db, "a" * 64, "a.wav", 1, "a")
    database.save_transcript(db, recording, segments(3), RUN)
    got = database.segments(db, database.interview_id_of(db, recording))
    assert [s.text for s in got] == ["câu số 0", "câu số 1", "câu số 2"]
    assert got[1].words == [Word(1.0, 1.5, "câu", 0.9)]


def test_a_sheet_reads_the_same_segments_with_words_as_rows_through_a_connection_of_its_own(tmp_path):
    db = database.open_database(tmp_path / "loike.db")
    recording = database.add_recording(db, "a" * 64, "a.wav", 1, "a")
    database.save_transcript(db, recording, segments(3), RUN)
    interview_id = database.interview_id_of(db, recording)
    full = database.segments(db, interview_id)

    reader = database.SheetSegments(tmp_path / "loike.db")
    got = reader(interview_id)
    copy = pickle.loads(pickle.dumps(reader))  # as a worker process gets it: the path, not the connection
    reader.close()

    assert copy.path == tmp_path / "loike.db" and copy.db is None and copy(interview_id) == got
    copy.close()
    assert [replace(s, words=[]) for s in got] == [replace(s, words=[]) for s in full]
    assert [s.words for s in got] == [[(s.id, w.text, w.probability, w.lowest) for w in s.words] for s in full]
    assert got[1].words == [(got[1].id, "câu", 0.9, None)]


def test_a_damaged_database_is_reported_not_crashed_on(tmp_path):
    """Opening reads the schema only, so the damage may show when a command reads the damaged pages, or at once:
    either way each command says it in one sentence, and `loike verify` checks every page."""
    path = tmp_path / "transcripts" / "loike.db"
    db = database.open_database(path)
    recording = database.add_recording(db, "a" * 64, "a.wav", 1, "a")
    database.save_transcript(db, recording, segments(400), RUN)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    data = bytearray(path.read_bytes())
    page = 4096
    for number in range(3, len(data) // page):
        data[page * number : page * number + 200] = b"\xff" * 200
    path.write_bytes(bytes(data))

    for command in ("status", "verify"):
        result = CliRunner().invoke(cli, ["--root", str(tmp_path), command])
        assert result.exit_code == 1 and "Traceback" not in result.output, result.output
        assert f"The database {path} is damaged (" in result.output and "restore it from a backup" in result.output


def test_the_search_index_follows_the_segments(tmp_path):
    db = database.open_database(tmp_path / "loike.db")
    recording = database.add_recording(db, "a" * 64, "a.wav", 1, "a")
    database.save_transcript(db, recording, [MachineSegment(0, 1, "Đảng bộ Bắc Cường", -0.1, 0.0, 1.0)], RUN)
    hits = db.execute("SELECT rowid FROM segments_fts WHERE segments_fts MATCH 'text_folded: dang bo'").fetchall()
    assert len(hits) == 1
    database.save_transcript(db, recording, [MachineSegment(0, 1, "chi bộ", -0.1, 0.0, 1.0)], RUN)
    assert not db.execute("SELECT rowid FROM segments_fts WHERE segments_fts MATCH 'dang'").fetchall()
