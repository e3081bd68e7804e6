"""An archive ready for the review app, built through the library without the speech model (the model is not
the point of these tests): one interview with metadata, segments with words, and a real WAV to listen to."""

from __future__ import annotations

from pathlib import Path

from archive_data import tone_wav

from pipeline import database, settings
from pipeline.database.heard import MachineSegment
from pipeline.database.metadata_records import Consent, InterviewMeta, MetadataFound, PersonMeta
from pipeline.database.models import Word

RUN = {
    "model": "base",
    "settings": {},
    "versions": {},
    "started_at": "2026-11-24T09:00:00+07:00",
    "finished_at": "2026-11-24T09:01:00+07:00",
    "audio_seconds": 30.0,
}
LINES = [
    "Thưa bác, bác kể về ngày thành lập chi bộ",
    "Năm một chín bốn lăm chi bộ xã Bắc Cường được thành lập",
    "Hồi đó có năm đảng viên",
    "Cảm ơn bác",
]


def segments_for(lines: list[str], spacing: float = 7.0) -> list[MachineSegment]:
    made = []
    for i, line in enumerate(lines):
        start = i * spacing
        words = [Word(start + j * 0.5, start + j * 0.5 + 0.4, f" {w}", 0.9) for j, w in enumerate(line.split())]
        made.append(MachineSegment(start, start + min(spacing - 0.5, len(words) * 0.5), line, -0.3, 0.02, 1.3, words))
    return made


def build(
    root: Path,
    lines: list[str] = LINES,
    title: str = "Ngày thành lập chi bộ",
    spacing: float = 7.0,
    commune: str = "Bắc Cường",
    audio: bool = True,
    events: tuple[str, ...] = ("Thành lập chi bộ",),
    more_witnesses: tuple[str, ...] = (),
) -> settings.Archive:
    archive = settings.archive(root)
    archive.recordings.mkdir(parents=True, exist_ok=True)
    db = database.open_database(archive.database)
    number = db["interviews"].count + 1
    recording = database.add_recording(db, f"{number:064x}", f"phong-van-{number}.wav", 1000, title)
    database.update_recording(db, recording, decoded_duration=len(lines) * spacing)
    database.save_transcript(db, recording, segments_for(lines, spacing), RUN)
    interview = database.interview_for(db, recording)
    meta = InterviewMeta(
        title=title,
        date="2020-03-12",
        province="Lào Cai",
        commune=commune,
        witnesses=[PersonMeta(full_name="Nguyễn Văn Hùng", birth_year=1932), *map(PersonMeta, more_witnesses)],
        interviewers=[PersonMeta(full_name="Trần Thị Mai")],
        events=list(events),
        consent=Consent("allowed"),
    )
    relpath = f"phong-van-{number}.wav"
    database.apply_metadata(db, interview.id, MetadataFound(relpath, "test.yaml", meta, [], f"fp{number}"))
    if audio:
        tone_wav(archive.audio_dir / f"{interview.code}.wav", len(lines) * spacing)
    db.close()
    return archive
