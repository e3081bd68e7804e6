"""Consent only narrows without valid metadata: a withdrawn consent takes effect at once, even when the file
that withdraws it has an unrelated mistake, and every public output then leaves the interview out."""

import json
import os
import time

import pytest
from click.testing import CliRunner

from pipeline import database
from pipeline.cli import cli
from pipeline.database.metadata_records import Consent, InterviewMeta, MetadataFound, MetadataProblem, PersonMeta
from pipeline.desk import editing

ALLOWED = """date: "12/03/2020"
witnesses:
  - full_name: "Nguyễn Văn Hùng"
    birth_year: 1932
commune: "Bắc Cường"
province: "Lào Cai"
consent:
  status: "được công bố"
"""


def loike(archive, *args):
    return CliRunner().invoke(cli, ["--root", str(archive.root), *args], catch_exceptions=False)


def published(archive, tmp_path) -> dict[str, bool]:
    """Whether the interview comes out of `export --all`, `quotes export` and `package --only-publishable`."""
    out = tmp_path / f"out-{time.monotonic_ns()}"
    loike(archive, "export", "--all", "--format", "txt", "--output-dir", str(out / "export"))
    quotes = loike(archive, "quotes", "export", "--format", "json")
    loike(archive, "package", str(out / "bag"), "--only-publishable")
    bag = json.loads((out / "bag" / "data" / "metadata" / "interviews.json").read_text(encoding="utf-8"))
    return {
        "export": any((out / "export").glob("*.txt")),
        "quotes": bool(json.loads(quotes.stdout)["groups"]),
        "package": bool(bag["interviews"]),
    }


@pytest.fixture
def allowed_interview(archive, transcriber):
    """A transcribed interview, cleared for publication, with one quote."""
    recording = archive.drop("vi_dialogue.ogg", "ong-hung.ogg")
    past = time.time() - 60
    os.utime(recording, (past, past))
    (archive.recordings / "ong-hung.yaml").write_text(ALLOWED, encoding="utf-8")
    from pipeline.run import process

    assert process.process_archive(archive, transcriber=transcriber, settle_seconds=0).ok
    db = database.open_database(archive.database)
    [interview] = database.interviews(db)
    first = database.segments(db, interview.id)[0]
    editing.add_quote(db, first.id, first.id, "Lan")
    db.close()
    return archive


def consent_of(archive) -> str:
    db = database.open_database(archive.database)
    try:
        return database.interviews(db)[0].consent_status
    finally:
        db.close()


@pytest.mark.parametrize("mistake", [("notes:", "note:"), ('"12/03/2020"', '"31/02/2020"')])
@pytest.mark.slow
def test_a_withdrawn_consent_in_a_sidecar_with_a_mistake_takes_effect_and_nothing_is_published(
    allowed_interview, tmp_path, mistake
):
    archive = allowed_interview
    assert all(published(archive, tmp_path).values()), "cleared: it is published everywhere"
    withdrawn = ALLOWED.replace("được công bố", "không đồng ý") + 'notes: "bà con xin rút lại"\n'
    (archive.recordings / "ong-hung.yaml").write_text(withdrawn.replace(*mistake), encoding="utf-8")

    result = loike(archive, "run")

    assert consent_of(archive) == "restricted"
    assert "consent narrowed to restricted from ong-hung.yaml" in result.output
    assert not any(published(archive, tmp_path).values()), published(archive, tmp_path)
    db = database.open_database(archive.database)
    assert [e["outcome"] for e in db["recording_events"].rows_where("action = 'consent'")] == ["narrowed"]
    assert database.interviews(db)[0].metadata_status == "waiting", "the rest of the file still waits for a fix"


@pytest.mark.slow
def test_a_withdrawn_consent_in_interviews_csv_with_a_mistake_takes_effect(allowed_interview, tmp_path):
    archive = allowed_interview
    (archive.recordings / "ong-hung.yaml").unlink()
    (archive.recordings / "interviews.csv").write_text(
        "Tệp,Ngày phỏng vấn,Người kể,Năm sinh,Xã/Phường,Tỉnh,Đồng ý công bố\n"
        "ong-hung.ogg,31/02/2020,Nguyễn Văn Hùng,1932,Bắc Cường,Lào Cai,hạn chế\n",
        encoding="utf-8",
    )

    loike(archive, "run")

    assert consent_of(archive) == "restricted"
    assert not any(published(archive, tmp_path).values())


@pytest.mark.slow
def test_widening_consent_takes_valid_metadata(allowed_interview, tmp_path):
    archive = allowed_interview
    sidecar = archive.recordings / "ong-hung.yaml"
    sidecar.write_text(ALLOWED.replace("được công bố", "hạn chế"), encoding="utf-8")
    loike(archive, "run")
    assert consent_of(archive) == "restricted"

    sidecar.write_text(ALLOWED.replace('"12/03/2020"', '"31/02/2020"'), encoding="utf-8")  # allowed, with a mistake
    loike(archive, "run")
    assert consent_of(archive) == "restricted", "widening waits for valid metadata"

    sidecar.write_text(ALLOWED, encoding="utf-8")
    loike(archive, "run")
    assert consent_of(archive) == "allowed"
    assert all(published(archive, tmp_path).values())


@pytest.mark.slow
def test_a_sidecar_that_no_longer_parses_withholds_the_interview_until_it_is_fixed(allowed_interview, tmp_path):
    archive = allowed_interview
    sidecar = archive.recordings / "ong-hung.yaml"
    sidecar.write_text(ALLOWED + "consent: [\n", encoding="utf-8")
    loike(archive, "run")
    assert consent_of(archive) == "restricted"
    sidecar.write_text(ALLOWED, encoding="utf-8")
    loike(archive, "run")
    assert consent_of(archive) == "allowed", "the same valid file as before clears it again"


def test_consent_narrows_in_order():
    assert Consent("restricted").narrows("allowed", None)
    assert Consent("embargoed", "2030-01-01").narrows("allowed", None)
    assert Consent("restricted").narrows("embargoed", "2030-01-01")
    assert Consent("embargoed", "2031-01-01").narrows("embargoed", "2030-01-01")
    assert not Consent("embargoed", "2029-01-01").narrows("embargoed", "2030-01-01")
    assert not Consent("allowed").narrows("restricted", None)
    assert not Consent("allowed").narrows(None, None), "unknown publishes nothing: allowed is wider"
    assert not Consent("restricted").narrows("restricted", None)


def test_apply_metadata_with_problems_narrows_only_the_consent(tmp_path):
    db = database.open_database(tmp_path / "loike.db")
    recording = database.add_recording(db, "a" * 64, "a.wav", 1, "a")
    interview = db.execute("SELECT id FROM interviews WHERE recording_id = ?", [recording]).fetchone()[0]
    meta = InterviewMeta(
        witnesses=[PersonMeta("Bà Lụa", 1930)], date="2020-03-12", commune="X", province="Y", consent=Consent("allowed")
    )
    database.apply_metadata(db, interview, MetadataFound("a.wav", "a.yaml", meta, [], "v1"))
    problem = MetadataProblem("a.yaml", "line 2", "date", "sai", "wrong")
    worse = InterviewMeta(
        witnesses=[PersonMeta("Someone else", 1950)],
        date=None,
        commune="Z",
        province="Y",
        consent=Consent("embargoed", "2040-01-01"),
    )

    applied = database.apply_metadata(db, interview, MetadataFound("a.wav", "a.yaml", worse, [problem], "v2"))

    assert applied and applied.narrowed == Consent("embargoed", "2040-01-01")
    row = db["interviews"].get(interview)
    assert (row["consent_status"], row["consent_until"], row["date"]) == ("embargoed", "2040-01-01", "2020-03-12")
    assert db["metadata_versions"].count == 1, "the mistaken file is not a version"
