"""Voices the archive knows: a label's print, the matching, prints kept when an editor names a label, proposals
shown and accepted (CLI and app), prints listed and removed with the transcripts untouched, and left out of the
package unless asked. The voice prints here are made-up vectors (the model is not the point); the real encoder
on espeak voices is in tests/test_voices_model.py."""

import json

import archive_data
import numpy as np
import pytest
import reviewdesk
from click.testing import CliRunner
from test_serve import client_for, post

from pipeline import database
from pipeline.cli import cli
from pipeline.cli.base import print_summary
from pipeline.database import KnownPrint
from pipeline.desk import editing
from pipeline.reports import RunReport
from pipeline.speech import speakers, voices
from pipeline.speech.voice_encoder import WINDOW_SECONDS

MAI, HUNG = 2, 1  # reviewdesk's metadata: the witness Nguyễn Văn Hùng is person 1, the interviewer Trần Thị Mai 2


def unit(vector):
    vector = np.asarray(vector, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def voice(seed, near=None, similarity=0.95):
    """A unit vector; with ``near``, one at about ``similarity`` cosine from it."""
    rng = np.random.default_rng(seed)
    other = unit(rng.normal(size=256))
    if near is None:
        return other
    other = unit(other - (other @ near) * near)
    return unit(similarity * near + np.sqrt(1 - similarity**2) * other)


# --- prints and matching -------------------------------------------------------------------------


def test_a_labels_print_is_the_mean_of_the_windows_wholly_in_its_speech():
    a, b = voice(1), voice(2)
    starts = np.arange(0, 20, 0.4)
    embeddings = np.stack([a if s + WINDOW_SECONDS <= 10 else b for s in starts])
    spans = [(0.0, 10.0, "S1"), (10.0, 20.0, "S2"), (20.0, 21.0, "S3")]
    prints = voices.label_prints(starts, embeddings, spans)
    assert set(prints) == {"S1", "S2"}  # S3: one second is too little to know a voice by
    assert prints["S1"][0] @ a > 0.999 and prints["S1"][1] == 10.0
    # windows across the change (8.8 s to 10 s start) mix both voices and are left out of both
    assert prints["S2"][0] @ b > 0.999
    assert voices.from_bytes(voices.to_bytes(prints["S1"][0])) @ a > 0.999


def test_the_best_person_above_the_bar_is_proposed_once_and_metadata_people_need_less():
    mai, hung, ba = voice(1), voice(2), voice(3)
    known = [
        KnownPrint(1, MAI, 10, "S1", voices.to_bytes(mai), 20.0),
        KnownPrint(2, HUNG, 10, "S2", voices.to_bytes(hung), 40.0),
        KnownPrint(3, 7, 11, "S1", voices.to_bytes(ba), 30.0),
    ]
    prints = {"S1": voice(4, mai, 0.93), "S2": voice(5, hung, 0.87), "S3": voice(6)}
    found = voices.match(prints, known)
    assert {label: m.person_id for label, m in found.items()} == {"S1": MAI}  # 0.87 is under the bar
    assert found["S1"].print_id == 1 and 0.92 < found["S1"].score < 0.94
    preferred = voices.match(prints, known, preferred=[HUNG])  # the metadata names Hùng: 0.87 will do
    assert {label: m.person_id for label, m in preferred.items()} == {"S1": MAI, "S2": HUNG}
    assert voices.match(prints, known, taken=[MAI]) == {}  # Mai is named already in this interview
    # two labels alike one person: only the more alike is proposed
    twins = voices.match({"S1": voice(7, mai, 0.9), "S2": voice(8, mai, 0.97)}, known)
    assert {label: m.person_id for label, m in twins.items()} == {"S2": MAI}


# --- through the archive -------------------------------------------------------------------------


@pytest.fixture
def archive(tmp_path):
    """Two interviews of reviewdesk's (one interviewer, one witness in the metadata), labelled S1/S2."""
    reviewdesk.build(tmp_path)
    archive = reviewdesk.build(tmp_path, title="Lần thứ hai")
    db = database.open_database(archive.database)
    db.execute("UPDATE segments SET speaker = CASE WHEN idx % 2 = 0 THEN 'S1' ELSE 'S2' END")
    db.conn.commit()
    db.close()
    return archive


def store_prints(db, interview_id, prints):
    outcome = speakers.Outcome([], "voice", interview_id, len(prints), {}, {k: (v, 12.0) for k, v in prints.items()})
    outcome.proposals = voices.propose(db, interview_id, prints)
    with db.atomic():
        speakers.remember(db, outcome)
    return outcome


def texts(db):
    return [(s.id, s.text, s.speaker, s.person_id) for i in (1, 2) for s in database.segments(db, i)]


def test_naming_keeps_a_print_a_later_interview_gets_a_proposal_that_the_app_accepts(archive):
    db = database.open_database(archive.database)
    mai, hung = voice(1), voice(2)
    store_prints(db, 1, {"S1": mai, "S2": hung})
    assert database.proposals(db, 1) == []  # nobody is known yet
    assert editing.name_speaker(db, 1, "S1", MAI, "Lan") is True
    assert [(v.full_name, v.prints, v.interviews) for v in database.voices(db)] == [
        ("Trần Thị Mai", 1, ["LK-2026-001"])
    ]

    # The second interview: S1 is Mai's voice again, S2 a voice nobody named. The metadata's heuristic names
    # nobody here (labels were set by hand), so only the voice speaks.
    outcome = store_prints(db, 2, {"S1": voice(3, mai, 0.9), "S2": voice(4, hung, 0.5)})
    assert set(outcome.proposals) == {"S1"}
    [proposal] = database.proposals(db, 2)
    assert (proposal.label, proposal.person_id, proposal.full_name) == ("S1", MAI, "Trần Thị Mai")
    assert database.speaker_people(db, 2) == {}  # proposed, not named

    client = client_for(archive)
    client.cookies.set("loike_editor", "Lan")
    page = client.get("/interviews/LK-2026-002").text
    assert "Có thể là Trần Thị Mai — 0.90" in page and 'class="accept-proposal"' in page
    answer = post(client, "/api/speakers", {"interview_id": 2, "label": "S1", "person_id": MAI})  # the click
    assert answer.status_code == 200 and answer.json()["name"] == "Trần Thị Mai"
    assert database.speaker_people(db, 2) == {"S1": MAI} and database.proposals(db, 2) == []
    assert "Có thể là" not in client.get("/interviews/LK-2026-002").text
    [known] = database.voices(db)
    assert (known.prints, known.interviews) == (2, ["LK-2026-001", "LK-2026-002"])
    # taking the name back takes the print it gave
    post(client, "/api/speakers", {"interview_id": 2, "label": "S1", "person_id": None})
    assert database.voices(db)[0].prints == 1


def test_loike_speaker_lists_labels_people_and_proposals_and_accepts_one(archive):
    db = database.open_database(archive.database)
    mai = voice(1)
    store_prints(db, 1, {"S1": mai})
    editing.name_speaker(db, 1, "S1", MAI)
    store_prints(db, 2, {"S1": voice(3, mai, 0.88), "S2": voice(4)})
    db.close()
    root = ["--root", str(archive.root)]

    listed = CliRunner().invoke(cli, [*root, "speaker", "LK-2026-002"])
    assert listed.exit_code == 0, listed.output
    assert "S1         2 segments  not named yet  — maybe Trần Thị Mai (person 2), 0.88" in listed.output
    assert "S2         2 segments  not named yet\n" in listed.output
    assert "`loike speaker LK-2026-002 LABEL --accept`" in listed.output
    as_json = json.loads(CliRunner().invoke(cli, [*root, "speaker", "LK-2026-002", "--json"]).output)
    assert as_json[0]["proposal"] == {"label": "S1", "person_id": 2, "full_name": "Trần Thị Mai", "score": 0.88}
    assert as_json[1] == {
        "label": "S2",
        "segments": 2,
        "person_id": None,
        "person": None,
        "print_seconds": 12.0,
        "proposal": None,
    }

    nothing = CliRunner().invoke(cli, [*root, "speaker", "LK-2026-002", "S2", "--accept"])
    assert nothing.exit_code == 1
    assert "Speaker S2 has no proposal to accept: `loike speaker INTERVIEW` lists" in nothing.output
    both = CliRunner().invoke(cli, [*root, "speaker", "LK-2026-002", "S2", "1", "--accept"])
    assert both.exit_code == 2 and "Give LABEL with either PERSON or --accept" in both.output

    accepted = CliRunner().invoke(cli, [*root, "speaker", "LK-2026-002", "S1", "--accept"])
    assert accepted.exit_code == 0
    assert accepted.output == (
        "S1 in LK-2026-002 is now person 2.\n"
        "Their voice print is kept, so later interviews can propose them (`loike voices`).\n"
    )
    named = CliRunner().invoke(cli, [*root, "speaker", "LK-2026-002", "S2", "1"])
    assert named.exit_code == 0 and named.output.startswith("S2 in LK-2026-002 is now person 1.")
    listed = CliRunner().invoke(cli, [*root, "speaker", "LK-2026-002"]).output
    assert (
        listed == "S1         2 segments  Trần Thị Mai (person 2)\nS2         2 segments  Nguyễn Văn Hùng (person 1)\n"
    )


def test_loike_voices_lists_removes_and_forgets_and_the_transcripts_stay(archive):
    db = database.open_database(archive.database)
    mai = voice(1)
    store_prints(db, 1, {"S1": mai, "S2": voice(2)})
    store_prints(db, 2, {"S1": voice(3, mai, 0.9), "S2": voice(4)})
    for interview in (1, 2):
        editing.name_speaker(db, interview, "S1", MAI)
    editing.name_speaker(db, 1, "S2", HUNG)
    before = texts(db)
    root = ["--root", str(archive.root)]

    listed = CliRunner().invoke(cli, [*root, "voices"])
    assert listed.exit_code == 0
    assert listed.output == (
        "    1  Nguyễn Văn Hùng: 1 print [3], 12 s of speech, from LK-2026-001\n"
        "    2  Trần Thị Mai: 2 prints [1, 2], 24 s of speech, from LK-2026-001, LK-2026-002\n"
    )
    removed = CliRunner().invoke(cli, [*root, "voices", "--remove", "2"])
    assert removed.output.startswith("Voice print 2 removed; the transcripts are unchanged.\n")
    assert "Trần Thị Mai: 1 print [1]" in removed.output
    missing = CliRunner().invoke(cli, [*root, "voices", "--remove", "2"])
    assert missing.exit_code == 1
    assert "There is no voice print 2: `loike voices` lists them with their numbers." in missing.output

    forgot = CliRunner().invoke(cli, [*root, "voices", "--forget", str(MAI), "--json"])
    assert forgot.exit_code == 0
    assert forgot.output.startswith("Person 2's voice forgotten (1 print removed); none will be kept again.\n")
    assert [v["full_name"] for v in json.loads(forgot.output.split("\n", 1)[1])] == ["Nguyễn Văn Hùng"]
    # she asked not to be recognised: naming her again keeps no print, and no run proposes her
    assert editing.name_speaker(db, 2, "S1", MAI) is False
    assert voices.propose(db, 2, {"S2": voice(5, mai, 0.99)}) == {}
    assert texts(db) == before
    assert database.speaker_people(db, 1) == {"S1": MAI, "S2": HUNG}

    nobody = CliRunner().invoke(cli, [*root, "voices", "--forget", "99"])
    assert nobody.exit_code == 1 and "There is no person 99" in nobody.output


def test_a_label_without_a_print_is_named_without_one(archive):
    db = database.open_database(archive.database)
    assert editing.name_speaker(db, 1, "S2", HUNG) is False  # transcribed without the speaker model: no print
    assert database.speaker_people(db, 1) == {"S2": HUNG} and database.voices(db) == []


@pytest.mark.slow
def test_no_voice_print_reaches_a_package_unless_asked(tmp_path):
    db, archive, ids = archive_data.build(tmp_path)
    interview = database.interview(db, ids["one"])
    database.store_label_prints(db, interview.id, {"SPEAKER_00": (voices.to_bytes(voice(1)), 15.0)})
    editing.name_speaker(db, interview.id, "SPEAKER_00", database.interview_roles(db, interview.id)["interviewer"][0])
    db.conn.commit()
    root = ["--root", str(archive.root)]

    plain = CliRunner().invoke(cli, [*root, "package", str(tmp_path / "bag")])
    assert plain.exit_code == 0, plain.output
    assert not list((tmp_path / "bag").rglob("voice*"))
    hexed = voices.to_bytes(voice(1)).hex()[:64]
    assert not any(hexed in p.read_text(errors="replace") for p in (tmp_path / "bag").rglob("*") if p.is_file())
    public = CliRunner().invoke(cli, [*root, "package", str(tmp_path / "bag3"), "--voice-prints", "--only-publishable"])
    assert (
        public.exit_code == 1 and "Voice prints are personal data and never go into the public package" in public.output
    )
    asked = CliRunner().invoke(cli, [*root, "package", str(tmp_path / "bag2"), "--voice-prints"])
    assert asked.exit_code == 0, asked.output
    [kept] = json.loads((tmp_path / "bag2" / "data" / "metadata" / "voice_prints.json").read_text())["voice_prints"]
    assert (kept["full_name"], kept["interview"], kept["label"]) == ("Trần Thị Mai", ids["one"], "SPEAKER_00")
    assert np.allclose(voices.from_bytes(bytes.fromhex(kept["print"])), voice(1))


def test_merging_two_people_moves_their_prints_and_a_refusal(archive):
    db = database.open_database(archive.database)
    store_prints(db, 1, {"S1": voice(1), "S2": voice(2)})
    editing.name_speaker(db, 1, "S1", MAI)
    editing.name_speaker(db, 1, "S2", HUNG)
    database.forget_voice(db, HUNG)
    database.merge_people(db, MAI, HUNG)
    assert [(v.person_id, v.prints) for v in database.voices(db)] == []  # Hùng refused, and now she is he
    assert editing.name_speaker(db, 1, "S1", MAI) is False


def test_a_run_says_how_many_labels_sound_like_people_it_knows(capsys):
    print_summary(RunReport(transcribed=2, proposed={"LK-2026-002": 1, "LK-2026-001": 2}))
    assert (
        "3 speaker labels sound like people named in other interviews (LK-2026-001, LK-2026-002): "
        "`loike speaker INTERVIEW` shows who they may be, `loike speaker INTERVIEW LABEL --accept` names one."
    ) in capsys.readouterr().out


def test_the_voices_speak_vietnamese_by_default(archive, monkeypatch):
    from pipeline import i18n

    monkeypatch.setenv("LOIKE_LANG", "vi")
    i18n.reset()
    result = CliRunner().invoke(cli, ["--root", str(archive.root), "voices"])
    assert result.exit_code == 0
    assert (
        result.output == "Chưa biết giọng nào: hãy đặt tên người nói bằng `loike speaker MÃ_PHỎNG_VẤN NHÃN SỐ_NGƯỜI`.\n"
    )
    listed = CliRunner().invoke(cli, ["--root", str(archive.root), "speaker", "LK-2026-001"]).output
    assert "S1             2 đoạn  chưa đặt tên" in listed


def test_a_team_may_let_a_run_name_its_interviewers_by_voice_and_nobody_else(archive, monkeypatch):
    db = database.open_database(archive.database)
    mai, hung = voice(1), voice(2)
    store_prints(db, 1, {"S1": mai, "S2": hung})
    editing.name_speaker(db, 1, "S1", MAI)
    editing.name_speaker(db, 1, "S2", HUNG)
    monkeypatch.setenv("LOIKE_NAME_INTERVIEWERS", "1")
    store_prints(db, 2, {"S1": voice(3, mai, 0.9), "S2": voice(4, hung, 0.9)})
    assert database.speaker_people(db, 2) == {"S1": MAI}  # the metadata's interviewer, named by her voice
    assert [(p.label, p.person_id) for p in database.proposals(db, 2)] == [("S2", HUNG)]  # a witness waits


def test_the_voice_tables_of_m016(tmp_path):
    db = database.open_database(tmp_path / "loike.db")
    assert {"label_prints", "voice_prints", "voice_proposals", "voice_refusals"} <= set(db.table_names())
    assert {c.name for c in db["voice_prints"].columns} == {
        "id",
        "person_id",
        "interview_id",
        "label",
        "print",
        "seconds",
        "added_at",
        "added_by",
        "last_used_at",
    }
    assert {(fk.column, fk.other_table) for fk in db["voice_prints"].foreign_keys} == {
        ("person_id", "people"),
        ("interview_id", "interviews"),
    }
    assert [c.name for c in db["label_prints"].columns if c.is_pk] == ["interview_id", "label"]
    assert "m016_voices" in {row["name"] for row in db["_sqlite_migrations"].rows}


def test_loike_voices_propose_matches_interviews_transcribed_before_a_person_was_named(archive):
    db = database.open_database(archive.database)
    mai = voice(1)
    store_prints(db, 1, {"S1": voice(3, mai, 0.9)})  # transcribed first: nobody known, nothing proposed
    store_prints(db, 2, {"S1": mai, "S2": voice(4)})
    editing.name_speaker(db, 2, "S1", MAI)  # named afterwards, in the later interview
    assert database.proposals(db, 1) == []
    result = CliRunner().invoke(cli, ["--root", str(archive.root), "voices", "--propose"])
    assert result.exit_code == 0
    assert result.output.startswith("1 speaker label may be someone the archive knows (LK-2026-001).\n")
    assert [(p.label, p.person_id) for p in database.proposals(db, 1)] == [("S1", MAI)]
    assert database.proposals(db, 2) == []  # its own labels are not proposed by their own prints
