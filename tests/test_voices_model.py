"""Voices the archive knows, with the real speaker model and Whisper: an interviewer named in one interview is
proposed in the next (tests/fixtures/make_voice_fixtures.sh: the same espeak voice asking other questions), the
app accepts the proposal, a different voice gets none, and a forgotten voice is proposed no more. Skipped without
the speaker extra (pip install .[diarize]), which CI installs."""

import os
import time
from urllib.parse import quote

import numpy as np
import pytest
from test_diarize import SIDECAR, needs_model
from test_serve import client_for, token

from pipeline import database
from pipeline.database.metadata_records import PersonMeta
from pipeline.desk import editing, webapp
from pipeline.run import process
from pipeline.speech import voices


def age(path, seconds=60):
    os.utime(path, (time.time() - seconds, time.time() - seconds))


def run(archive, transcriber):
    report = process.process_archive(archive, transcriber=transcriber, settle_seconds=0.2)
    assert report.ok and report.unseparated == 0
    return report


@needs_model
@pytest.mark.slow
def test_a_voice_named_in_one_interview_is_proposed_in_the_next_accepted_in_the_app_and_forgotten(archive, transcriber):
    age(archive.drop("vi_two_voices.ogg", "bac-hung.ogg"))
    (archive.recordings / "bac-hung.yaml").write_text(SIDECAR, encoding="utf-8")
    age(archive.recordings / "bac-hung.yaml")
    run(archive, transcriber)
    db = database.open_database(archive.database)
    [first] = database.interviews(db)
    mai = database.person_id(db, PersonMeta("Trần Thị Mai"))
    hung = database.person_id(db, PersonMeta("Nguyễn Văn Hùng"))
    assert set(database.label_prints(db, first.id)) == {"S1", "S2"}
    assert database.voices(db) == []  # named from the metadata by the machine, not by an editor: no print yet
    # An editor says who the labels are: their prints are kept.
    assert editing.name_speaker(db, first.id, "S1", mai, "Lan") and editing.name_speaker(db, first.id, "S2", hung)

    # The next interview, with no metadata: the same interviewer asks, someone else answers.
    age(archive.drop("vi_same_interviewer.ogg", "ba-lan.ogg"))
    report = run(archive, transcriber)
    second = next(i for i in database.interviews(db) if i.id != first.id)
    assert report.proposed == {second.code: 1}
    labels = {s.speaker for s in database.segments(db, second.id)}
    assert labels == {"S1", "S2"}
    [proposal] = database.proposals(db, second.id)  # the witness's voice is nobody's the archive knows
    assert (proposal.label, proposal.person_id) == ("S1", mai) and proposal.score >= voices.VoiceOptions().threshold
    assert database.speaker_people(db, second.id) == {}  # nothing named without an editor

    client = client_for(archive)
    client.cookies.set(webapp.EDITOR_COOKIE, quote("Lan"))
    page = client.get(f"/interviews/{second.code}").text
    assert f"Có thể là Trần Thị Mai — {proposal.score:.2f}" in page
    answer = client.post(
        "/api/speakers",
        json={"interview_id": second.id, "label": "S1", "person_id": mai},
        headers={"X-CSRF-Token": token(client, f"/interviews/{second.code}")},
    )
    assert answer.status_code == 200 and answer.json()["name"] == "Trần Thị Mai"
    assert database.speaker_people(db, second.id) == {"S1": mai}
    assert [(v.full_name, v.prints) for v in database.voices(db)] == [("Nguyễn Văn Hùng", 1), ("Trần Thị Mai", 2)]

    # She asks not to be recognised: her prints go, the transcripts and the names stay, no proposal comes back.
    before = [(s.text, s.speaker) for s in database.segments(db, second.id)]
    assert database.forget_voice(db, mai) == 2
    db.conn.commit()
    prints = {label: voices.from_bytes(data) for label, (data, _) in database.label_prints(db, second.id).items()}
    editing.name_speaker(db, second.id, "S1", None)
    assert voices.propose(db, second.id, {k: np.asarray(v) for k, v in prints.items()}) == {}
    assert [(s.text, s.speaker) for s in database.segments(db, second.id)] == before
