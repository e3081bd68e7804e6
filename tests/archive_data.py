"""A small transcribed archive built straight into the database (no model): two interviews with metadata,
edited and verified segments, tags, quotes and real WAV files, for the export, quote and package tests."""

from __future__ import annotations

import hashlib
import math
import struct
import unicodedata
import wave
from pathlib import Path

from pipeline import database
from pipeline.database.heard import MachineSegment
from pipeline.database.metadata_records import Consent, InterviewMeta, MetadataFound, PersonMeta
from pipeline.database.models import Interview, RoleHeld, Word
from pipeline.desk import editing
from pipeline.settings import Archive

RUN = {"model": "base", "settings": {}, "versions": {}, "started_at": "x", "finished_at": "y", "audio_seconds": 3.0}
VIETNAMESE = "Đảng bộ Bắc Cường lãnh đạo nhân dân khởi nghĩa; ủy ban, hợp tác xã, dân công hỏa tuyến — ạ, ừ, ở đấy."
NASTY = 'Ông nói <script>alert("x")</script> & "cười" 5 > 3 --> hết'
DECOMPOSED = unicodedata.normalize("NFD", "Nguyễn Thị Hường kể chuyện")  # stored as typed on a Mac: must come out NFC


def tone_wav(path: Path, seconds: float, rate: int = 16000) -> Path:
    """A quiet 400 Hz tone: real WAV bytes for the originals, the listening copies and the clips."""
    path.parent.mkdir(parents=True, exist_ok=True)
    period = rate // 400
    cycle = b"".join(struct.pack("<h", int(3000 * math.sin(2 * math.pi * n / period))) for n in range(period))
    frames = cycle * int(seconds * 400)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return path


def _words(text: str, start: float, end: float) -> list[Word]:
    split = text.split()
    step = (end - start) / max(len(split), 1)
    return [Word(start + i * step, start + (i + 1) * step, " " + w, 0.9) for i, w in enumerate(split)]


def add_interview(
    db,
    archive: Archive,
    name: str,
    texts: list[str],
    meta: InterviewMeta | None,
    seconds: float = 12.0,
    speakers: list[str | None] | None = None,
) -> Interview:
    """A transcribed interview with an original in recordings/ and its WAV in transcripts/audio/."""
    original = tone_wav(archive.recordings / name, seconds, rate=8000)
    digest = hashlib.sha256(original.read_bytes()).hexdigest()
    recording = database.add_recording(db, digest, name, original.stat().st_size, Path(name).stem)
    database.remember_file(db, name, recording, original.stat().st_size, original.stat().st_mtime)
    step = seconds / len(texts)
    segments = [
        MachineSegment(
            round(i * step + 0.123, 3),
            round((i + 1) * step - 0.05, 3),
            text,
            -0.2,
            0.01,
            1.2,
            words=_words(text, i * step + 0.123, (i + 1) * step - 0.05),
            speaker=(speakers or [None] * len(texts))[i],
        )
        for i, text in enumerate(texts)
    ]
    database.save_transcript(db, recording, segments, RUN)
    interview = database.interview_for(db, recording)
    tone_wav(archive.audio_dir / f"{interview.code}.wav", seconds)
    database.update_recording(db, recording, decoded_duration=seconds)
    if meta is not None:
        database.apply_metadata(db, interview.id, MetadataFound(name, name + ".yaml", meta, [], name))
    return database.interview(db, interview.code)


def segment_ids(db, interview_id: int) -> list[int]:
    return [r[0] for r in db.execute("SELECT id FROM segments WHERE interview_id = ? ORDER BY idx", [interview_id])]


def edit(db, segment_id: int, text: str, status: str) -> None:
    """As an editor does it in the review app."""
    version = db["segments"].get(segment_id)["version"]
    editing.edit(db, segment_id, version, "Lan", text=text, status=status)


def add_quote(
    db, interview_id: int, first: int, last: int, events=(), people=(), places=(), comment: str | None = None
) -> int:
    """Whole segments ``first`` to ``last`` kept as a quote, as an editor does it in the review app."""
    made = editing.add_quote(
        db,
        first,
        last,
        "Lan",
        comment=comment or "",
        tags={"event": list(events), "person": list(people), "place": list(places)},
    )
    assert made.interview_id == interview_id
    return made.id


WITNESS = PersonMeta(
    "Nguyễn Văn A",
    1932,
    "nam",
    roles=[
        RoleHeld("liên lạc của Chi bộ xã Bắc Cường", 1945, 1946),
        RoleHeld("Bí thư Chi bộ xã Bắc Cường", 1965, 1970),
    ],
)
WITNESS_B = PersonMeta("Lê Thị Bình", 1940, "nữ", roles=[RoleHeld("Chủ nhiệm hợp tác xã", 1960, 1965)])


def build(tmp_path: Path) -> tuple[object, Archive, dict]:
    """The archive: LK-…-001 publishable (A, about the founding of the cell), LK-…-002 restricted (Bình)."""
    archive = Archive(tmp_path / "archive")
    archive.recordings.mkdir(parents=True)
    db = database.open_database(archive.database)
    open_meta = InterviewMeta(
        witnesses=[WITNESS],
        interviewers=[PersonMeta("Trần Thị Mai")],
        date="2020-03-12",
        place="nhà riêng của nhân chứng",
        commune="Bắc Cường",
        district="thành phố Lào Cai",
        province="Lào Cai",
        events=["Thành lập Chi bộ xã Bắc Cường", "Kháng chiến chống Pháp"],
        topics=["xây dựng chi bộ"],
        consent=Consent("allowed"),
        title="Ông A kể về chi bộ",
    )
    one = add_interview(
        db,
        archive,
        "Bắc Cường/ông A.wav",
        [VIETNAMESE, NASTY, DECOMPOSED, "Hết ạ."],
        open_meta,
        speakers=["SPEAKER_00", "SPEAKER_01", "SPEAKER_00", None],
    )
    closed_meta = InterviewMeta(
        witnesses=[WITNESS_B],
        interviewers=[PersonMeta("Trần Thị Mai")],
        date="2021-05-01",
        commune="Bắc Cường",
        district="thành phố Lào Cai",
        province="Lào Cai",
        events=["Hợp tác hóa nông nghiệp"],
        consent=Consent("restricted"),
        title="Bà Bình kể về hợp tác xã",
    )
    two = add_interview(
        db, archive, "bà Bình.wav", ["Hợp tác xã thành lập năm 1960.", "Bà con góp ruộng."], closed_meta, seconds=6.0
    )
    events = dict(db.execute("SELECT name, id FROM events").fetchall())
    db["events"].update(events["Thành lập Chi bộ xã Bắc Cường"], {"date_start": "1945-09-20"})
    db["events"].update(events["Kháng chiến chống Pháp"], {"date_start": "1946-12-19", "date_end": "1954-07-21"})
    db["events"].update(events["Hợp tác hóa nông nghiệp"], {"date_start": "1958"})
    ids1, ids2 = segment_ids(db, one.id), segment_ids(db, two.id)
    edit(db, ids1[0], VIETNAMESE, "verified")
    edit(db, ids1[1], NASTY, "edited")
    people = dict(db.execute("SELECT full_name, id FROM people").fetchall())
    db["speakers"].insert({"interview_id": one.id, "label": "SPEAKER_00", "person_id": people["Nguyễn Văn A"]})
    db["speakers"].insert({"interview_id": one.id, "label": "SPEAKER_01", "person_id": people["Trần Thị Mai"]})
    db["segment_events"].insert({"segment_id": ids1[0], "event_id": events["Thành lập Chi bộ xã Bắc Cường"]})
    quotes = {
        "founding": add_quote(db, one.id, ids1[0], ids1[0], events=[events["Thành lập Chi bộ xã Bắc Cường"]]),
        "nasty": add_quote(
            db, one.id, ids1[1], ids1[2], events=[events["Kháng chiến chống Pháp"]], comment="kiểm tra & sửa"
        ),
        "closed": add_quote(db, two.id, ids2[0], ids2[1]),
    }
    return (
        db,
        archive,
        {"one": one.code, "two": two.code, "events": events, "people": people, "quotes": quotes, "segments": ids1},
    )
