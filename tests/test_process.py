"""End to end through the library: real files, real faster-whisper, a real SQLite file."""

import dataclasses
import os
import threading
import time
from pathlib import Path

import pytest
from sqlite_utils.db import Table

from pipeline import database
from pipeline.database.heard import MachineSegment
from pipeline.database.models import Recording
from pipeline.errors import ArchiveError, RecordingError
from pipeline.intake import audio
from pipeline.options import TranscribeOptions
from pipeline.publishing import review_sheets
from pipeline.run import process

FIXTURES = Path(__file__).parent / "fixtures"


def run(archive, transcriber):
    return process.process_archive(archive, transcriber=transcriber, settle_seconds=0.2)


def age(path, seconds=60):
    """Make a dropped file look as if it was copied a while ago, so it counts as settled at once."""
    past = time.time() - seconds
    os.utime(path, (past, past))


def open_db(archive):
    return database.open_database(archive.database)


@pytest.mark.slow
def test_a_dropped_recording_becomes_a_transcribed_interview_with_a_sheet(archive, transcriber):
    age(archive.drop("vi_dialogue.ogg", "xã Bắc Cường/ông Nguyễn Văn A.ogg"))

    report = run(archive, transcriber)

    assert report.ok and report.new == 1 and report.transcribed == 1
    db = open_db(archive)
    [interview] = database.interviews(db)
    assert interview.status == "transcribed"
    assert interview.source_path == "xã Bắc Cường/ông Nguyễn Văn A.ogg"
    assert interview.codec == "opus" and interview.channels == 1 and interview.sample_rate == 48000
    assert interview.declared_duration == pytest.approx(interview.duration, rel=0.02)
    segments = database.segments(db, interview.id)
    assert segments and all(s.words for s in segments)
    run_row = next(db["transcription_runs"].rows)
    assert '"vad_filter": true' in run_row["settings"] and "faster_whisper" in run_row["versions"]
    assert (archive.audio_dir / f"{interview.code}.wav").exists()
    sheet = (archive.sheets_dir / f"{interview.code}.html").read_text(encoding="utf-8")
    assert segments[0].text.split()[0] in sheet
    assert (archive.sheets_dir / "index.html").exists()


@pytest.mark.slow
def test_running_again_over_an_unchanged_folder_does_no_work(archive, transcriber):
    age(archive.drop("vi_speech.wav"))
    run(archive, transcriber)
    index = archive.sheets_dir / "index.html"
    before = index.stat().st_mtime_ns

    report = run(archive, transcriber)

    assert report.did_nothing and report.skipped_unchanged == 1
    assert index.stat().st_mtime_ns == before


@pytest.mark.slow
def test_the_same_file_twice_or_renamed_is_one_interview(archive, transcriber):
    age(archive.drop("vi_speech.wav", "a.wav"))
    run(archive, transcriber)
    age(archive.drop("vi_speech.wav", "copy/b.wav"))

    report = run(archive, transcriber)

    assert report.new == 0 and report.duplicates == ["copy/b.wav = a.wav"]
    assert len(database.interviews(open_db(archive))) == 1


@pytest.mark.slow
def test_new_content_under_an_old_name_never_replaces_the_first(archive, transcriber):
    age(archive.drop("vi_speech.wav", "phong-van.wav"))
    run(archive, transcriber)
    first = database.interviews(open_db(archive))[0]
    age(archive.drop("vi_speech.m4a", "phong-van.wav"), seconds=30)

    report = run(archive, transcriber)

    assert report.new == 1 and report.transcribed == 1
    interviews = database.interviews(open_db(archive))
    assert [i.code for i in interviews][0] == first.code and len(interviews) == 2
    assert interviews[0].sha256 == first.sha256 and interviews[0].segment_count == first.segment_count
    assert interviews[1].codec == "aac"


@pytest.mark.parametrize(
    "fixture, kind, words",
    [
        ("empty.mp3", "empty", "is empty (0 bytes)"),
        ("not_audio.mp3", "not_audio", "is not a recording that can be decoded"),
        ("video_no_audio.mp4", "no_audio", "has no audio track"),
    ],
)
@pytest.mark.slow
def test_bad_files_get_one_sentence_and_the_batch_goes_on(archive, transcriber, fixture, kind, words):
    age(archive.drop(fixture))
    age(archive.drop("vi_speech.wav"))

    report = run(archive, transcriber)

    assert not report.ok and report.transcribed == 1
    [failure] = report.failures
    assert failure.kind == kind and failure.relpath == fixture and words in failure.message
    assert fixture in failure.message and ":" in failure.message  # what, which file, what to do
    db = open_db(archive)
    assert db["problems"].count == 1
    failed = [i for i in database.interviews(db) if i.status == "failed"]
    assert [i.source_path for i in failed] == [fixture]
    # a failure that lies in the file's bytes is not retried until the file changes
    assert run(archive, transcriber).ok


@pytest.mark.parametrize("fixture", ["truncated.wav", "truncated.mp3"])
@pytest.mark.slow
def test_a_truncated_recording_is_flagged_and_what_decodes_is_transcribed(archive, transcriber, fixture):
    age(archive.drop(fixture))

    report = run(archive, transcriber)

    assert report.ok and report.transcribed == 1
    [warning] = report.warnings
    assert warning.kind == "damaged" and fixture in warning.message
    interview = database.interviews(open_db(archive))[0]
    assert interview.problem_kind == "damaged"


@pytest.mark.slow
def test_a_file_still_being_copied_is_taken_on_a_later_run(archive, transcriber):
    partial = archive.recordings / "dang-chep.wav"
    data = (FIXTURES / "vi_speech.wav").read_bytes()
    partial.write_bytes(data[:1000])
    copying = threading.Event()
    copying.set()

    def keep_copying():
        """Grows the file until the run has looked at it, however slow the machine is."""
        with open(partial, "ab") as handle:
            while copying.is_set():
                handle.write(b"\0" * 64)
                handle.flush()
                time.sleep(0.05)

    copier = threading.Thread(target=keep_copying)
    copier.start()
    try:
        report = process.process_archive(archive, transcriber=transcriber, settle_seconds=0.6)
    finally:
        copying.clear()
        copier.join()

    assert report.still_copying == ["dang-chep.wav"] and report.new == 0
    partial.write_bytes(data)
    age(partial)
    report = run(archive, transcriber)
    assert report.new == 1 and report.transcribed == 1


@pytest.mark.slow
def test_a_file_written_in_bursts_is_not_taken_until_whole_and_becomes_one_interview(archive, transcriber):
    """A phone syncing over a slow share writes in bursts with pauses longer than one second look: the run
    must wait for the file to stay still over every look, as `loike watch` does."""
    data = (FIXTURES / "vi_speech.wav").read_bytes()
    bursts = [data[i : i + len(data) // 6 + 1] for i in range(0, len(data), len(data) // 6 + 1)]
    target = archive.recordings / "dong-bo.wav"
    two_written = threading.Event()

    def write_in_bursts():
        with open(target, "wb") as handle:
            for number, burst in enumerate(bursts, 1):
                handle.write(burst)
                handle.flush()
                if number == 2:
                    two_written.set()
                time.sleep(1.2)  # longer than the run's 1 s between looks

    writer = threading.Thread(target=write_in_bursts)
    writer.start()
    try:
        two_written.wait()
        report = process.process_archive(archive, transcriber=transcriber, settle_seconds=1.0)
    finally:
        writer.join()

    assert report.still_copying == ["dong-bo.wav"] and report.new == 0
    age(target)
    report = run(archive, transcriber)
    assert report.ok and report.new == 1 and report.transcribed == 1 and not report.warnings
    [interview] = database.interviews(open_db(archive))
    assert interview.problem_kind is None and interview.size == len(data)


@pytest.mark.slow
def test_a_crash_while_storing_leaves_no_partial_transcript_and_the_next_run_finishes(
    archive, transcriber, monkeypatch
):
    age(archive.drop("vi_dialogue.ogg"))
    original = Table.insert_all
    calls = {"words": 0}

    def dying_insert_all(self, *args, **kwargs):
        """Fails on the second segment's words: the first segment is already written by then."""
        if self.name == "words":
            calls["words"] += 1
            if calls["words"] > 1:
                raise OSError("disk I/O error (injected)")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Table, "insert_all", dying_insert_all)
    report = run(archive, transcriber)
    assert not report.ok and "injected" in report.failures[0].message
    db = open_db(archive)
    assert db["segments"].count == 0 and db["words"].count == 0 and db["transcription_runs"].count == 0

    monkeypatch.setattr(Table, "insert_all", original)
    report = run(archive, transcriber)
    assert report.ok and report.transcribed == 1
    assert open_db(archive)["segments"].count > 0


def test_an_archive_without_recordings_is_refused(tmp_path):
    from pipeline.settings import Archive

    with pytest.raises(ArchiveError, match="There is no recordings/ folder in"):
        process.process_archive(Archive(tmp_path))


SIDECAR = """date: "12/03/2020"
witnesses:
  - full_name: "Nguyễn Văn Hùng"
    birth_year: 1932
    roles:
      - "nguyên Bí thư Chi bộ xã Bắc Cường, 1965–1970"
commune: "Bắc Cường"
province: "Lào Cai"
events:
  - "Thành lập Chi bộ xã Bắc Cường"
consent:
  status: "hạn chế"
"""


@pytest.mark.slow
def test_metadata_from_a_sidecar_reaches_the_interview_and_edits_are_kept_in_history(archive, transcriber):
    age(archive.drop("vi_dialogue.ogg", "xa/ong-hung.ogg"))
    sidecar = archive.recordings / "xa" / "ong-hung.yaml"
    sidecar.write_text(SIDECAR, encoding="utf-8")

    report = run(archive, transcriber)

    assert report.ok and report.waiting_for_metadata == 0
    interview = database.interviews(open_db(archive))[0]
    assert interview.witnesses == "Nguyễn Văn Hùng (1932)" and interview.consent_status == "restricted"
    assert interview.place_path == "Bắc Cường, Lào Cai"
    assert list(archive.sheets_dir.glob("people/*-nguyen-van-hung.html"))
    assert list(archive.sheets_dir.glob("events/*-thanh-lap-chi-bo-xa-bac-cuong.html"))

    sidecar.write_text(SIDECAR.replace("12/03/2020", "13/03/2020"), encoding="utf-8")
    report = run(archive, transcriber)

    assert report.metadata_updated == 1 and report.transcribed == 0
    db = open_db(archive)
    assert database.interviews(db)[0].date == "2020-03-13"
    assert db["metadata_versions"].count == 2


@pytest.mark.slow
def test_bad_metadata_holds_the_interview_as_waiting_but_it_is_transcribed(archive, transcriber):
    age(archive.drop("vi_dialogue.ogg", "ong-hung.ogg"))
    (archive.recordings / "ong-hung.yaml").write_text(SIDECAR.replace("12/03/2020", "31/02/2020"), encoding="utf-8")

    report = run(archive, transcriber)

    assert report.ok and report.transcribed == 1 and report.waiting_for_metadata == 1
    [warning] = report.warnings
    assert warning.kind == "metadata" and "ong-hung.yaml, line 1, date" in warning.message
    assert "31/02/2020" in warning.message
    interview = database.interviews(open_db(archive))[0]
    assert interview.metadata_status == "waiting" and interview.segment_count > 0


class ListeningTranscriber:
    """Stands in for the model (the plumbing is the point): notes which decoded copies exist as it works,
    and how many transcriptions ran at once."""

    def __init__(self, transcriber, archive, workers=1, failing=()):
        self.options = dataclasses.replace(transcriber.options, workers=workers)
        self.model_path, self.archive, self.versions = transcriber.model_path, archive, transcriber.versions
        self.seen: list[set[str]] = []
        self.failing, self.running, self.most = failing, 0, 0
        self.lock = threading.Lock()

    def transcribe(self, pieces, progress=None, hotwords=None):
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        seconds = sum(len(samples) for _, samples in pieces) / 16000
        time.sleep(0.5)  # long enough for the next recording to be normalised, or transcribed, meanwhile
        with self.lock:
            self.seen.append({p.name for p in self.archive.audio_dir.glob(".*.decoded.f32")})
            self.running -= 1
        if round(seconds, 1) in self.failing:
            raise RecordingError("x", "the model choked on this one")
        if progress:
            progress(seconds)
        return [MachineSegment(0.0, seconds, f"{seconds:.2f} giây", -0.2, 0.01, 1.0)]


def three_recordings(archive):
    """vi_dialogue.ogg three times, each with other trailing bytes (so three recordings, in name order)."""
    for n, name in enumerate(("a.ogg", "b.ogg", "c.ogg")):
        path = archive.recordings / name
        path.write_bytes((FIXTURES / "vi_dialogue.ogg").read_bytes() + b"\0" * n)
        age(path)


@pytest.mark.slow
def test_the_next_recording_is_normalised_while_one_is_transcribed(archive, transcriber):
    three_recordings(archive)
    listening = ListeningTranscriber(transcriber, archive, workers=1)

    report = run(archive, listening)

    assert report.transcribed == 3 and report.ok, report.failures
    assert listening.most == 1
    assert len(listening.seen[0]) == 2  # b's decoded copy was made while a was being transcribed
    assert not list(archive.audio_dir.glob(".*")), "no temporaries left"
    assert {r.status for r in database.interviews(open_db(archive))} == {"transcribed"}


@pytest.mark.slow
def test_two_recordings_are_transcribed_at_once_and_stored_in_order(archive, transcriber):
    three_recordings(archive)
    listening = ListeningTranscriber(transcriber, archive, workers=2)
    seen = []

    report = process.process_archive(
        archive, transcriber=listening, settle_seconds=0.2, progress=lambda done, total: seen.append((done, total))
    )

    assert report.transcribed == 3 and report.ok, report.failures
    assert listening.most == 2
    rows = database.interviews(open_db(archive))
    assert [r.source_path for r in rows] == ["a.ogg", "b.ogg", "c.ogg"]
    assert all(r.status == "transcribed" and r.segment_count == 1 for r in rows)
    assert seen[-1][0] == pytest.approx(seen[-1][1]) and [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert not list(archive.audio_dir.glob(".*")), "no temporaries left"


@pytest.mark.slow
def test_a_transcription_that_fails_in_a_worker_fails_alone(archive, transcriber):
    three_recordings(archive)
    (archive.recordings / "b.ogg").write_bytes((FIXTURES / "vi_dialogue.ogg").read_bytes()[:-3000])  # shorter
    age(archive.recordings / "b.ogg")
    short = round(audio.normalise(archive.recordings / "b.ogg", archive.root / "probe.wav").duration, 1)
    listening = ListeningTranscriber(transcriber, archive, workers=2, failing=(short,))

    report = run(archive, listening)

    assert report.transcribed == 2
    assert [f.relpath for f in report.failures] == ["b.ogg"]
    assert "the model choked" in report.failures[0].message
    assert not list(archive.audio_dir.glob(".*")), "no temporaries left"


@pytest.mark.slow
def test_a_stop_leaves_no_decoded_copy_of_the_recording_made_ahead(archive, transcriber):
    three_recordings(archive)
    listening = ListeningTranscriber(transcriber, archive, workers=1)
    asked = []

    report = process.process_archive(
        archive, transcriber=listening, settle_seconds=0.2, should_stop=lambda: asked.append(1) or len(asked) > 1
    )

    assert report.transcribed == 1
    assert not list(archive.audio_dir.glob(".*")), "the copy made ahead is deleted"
    assert len(list(archive.audio_dir.glob("*.wav"))) == 1  # only the transcribed interview's WAV
    assert run(archive, listening).transcribed == 2  # and the next run takes the others as usual


def test_an_interrupted_run_stops_a_running_transcription_after_its_current_piece(tmp_path):
    from pipeline.run import scheduling

    handed = []

    def slow_transcribe(pieces):
        for piece in pieces:
            handed.append(piece)
            time.sleep(0.2)
        return []

    job = scheduling.Job({"id": 1}, tmp_path / ".decoded.f32", 600.0, None, "now")
    job.decoded.write_bytes(b"x")
    with pytest.raises(KeyboardInterrupt), scheduling.Workers(1) as workers:
        workers.submit(job, slow_transcribe, iter(range(100)))
        time.sleep(0.3)
        raise KeyboardInterrupt
    assert len(handed) <= 3, "not the whole recording"
    assert not job.decoded.exists(), "its decoded copy is deleted"


def test_a_run_starts_no_more_workers_than_it_has_pieces():
    two = TranscribeOptions(workers=2, chunk_seconds=120.0)
    short = Recording(1, "a" * 64, "a.wav", 1, "pending", "", decoded_duration=30.0, declared_duration=30.0)
    long = Recording(2, "b" * 64, "b.wav", 1, "pending", "", declared_duration=600.0)
    assert process.fitted(two, [short]).workers == 1
    assert process.fitted(two, [short, short]).workers == 2
    assert process.fitted(two, [long]).workers == 2
    assert process.fitted(dataclasses.replace(two, workers=1), [long, long]).workers == 1


def test_after_an_edit_only_its_sheet_the_index_and_the_pages_naming_it_are_rewritten(tmp_path):
    from pipeline import database, settings
    from pipeline.database.metadata_records import Consent, InterviewMeta, MetadataFound, PersonMeta
    from pipeline.desk import editing

    archive = settings.archive(tmp_path)
    db = database.open_database(archive.database)
    ids = {}
    for n, (witness, event) in enumerate([("Nguyễn Văn Hùng", "Cải cách ruộng đất"), ("Trần Thị Lan", "Đổi mới")]):
        recording = database.add_recording(db, str(n) * 64, f"{n}.wav", 1, str(n))
        ids[n] = database.interview_id_of(db, recording)
        meta = InterviewMeta(
            witnesses=[PersonMeta(witness, birth_year=1930)], events=[event], consent=Consent("allowed")
        )
        database.apply_metadata(db, ids[n], MetadataFound(f"{n}.wav", f"{n}.yaml", meta, [], str(n)))
        database.save_transcript(
            db,
            recording,
            [
                MachineSegment(i * 5.0, i * 5.0 + 4, f"Hồi {event} ông {witness} kể lần {i}.", -0.2, 0.0, 1.0)
                for i in range(8)
            ],
            {
                "model": "base",
                "settings": {},
                "versions": {},
                "started_at": "x",
                "finished_at": "y",
                "audio_seconds": 40.0,
            },
        )
    review_sheets.write_sheets(db, archive)
    past = time.time_ns() - 3_600_000_000_000
    pages = {str(p.relative_to(archive.sheets_dir)): p for p in archive.sheets_dir.rglob("*.html")}
    for path in pages.values():
        os.utime(path, ns=(past, past))

    segment = db.execute("SELECT id, version FROM segments WHERE interview_id = ? AND idx = 6", [ids[0]]).fetchone()
    editing.edit(db, segment[0], segment[1], "biên tập", text="Hồi đó ông kể lần nữa.")
    review_sheets.write_sheets(db, archive, only={ids[0]})

    rewritten = sorted(name for name, path in pages.items() if path.stat().st_mtime_ns != past)
    first = database.interview(db, str(ids[0])).code
    # The edited passage no longer names the event or the witness, so their pages (and lists, with the
    # counts) change; the other interview's sheet and subjects do not.
    # (index.html is rewritten too when its time stamp's minute has turned.)
    assert set(rewritten) - {"index.html"} == {
        f"{first}.html",
        "people/1-nguyen-van-hung.html",
        "people/index.html",
        "events/1-cai-cach-ruong-dat.html",
        "events/index.html",
    }
