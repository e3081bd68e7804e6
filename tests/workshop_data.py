"""A small archive for the workshop's fast tests, built straight into the database (the model is not the point):
three witnesses of the founding of a Party cell who disagree on its year and place, one of them restricted, and
one whose birth year nobody wrote down."""

from __future__ import annotations

from pathlib import Path

from archive_data import add_interview

from pipeline import database, settings
from pipeline.database.metadata_records import Consent, InterviewMeta, PersonMeta
from pipeline.database.models import RoleHeld
from pipeline.desk import editing

FOUNDING = "Thành lập Chi bộ xã Bắc Cường"
FAMINE = "Nạn đói"


def meta(name: str, born: int | None, sex: str, commune: str, consent: str = "allowed", roles=()) -> InterviewMeta:
    return InterviewMeta(
        title=f"Phỏng vấn {name}",
        date="2026-03-12",
        province="Thái Bình",
        district="Vũ Thư",
        commune=commune,
        witnesses=[PersonMeta(full_name=name, birth_year=born, sex=sex, roles=list(roles))],
        interviewers=[PersonMeta(full_name="Trần Thị Mai")],
        events=[FOUNDING, FAMINE],
        consent=Consent(consent),
    )


def build(root: Path) -> settings.Archive:
    """LK-2026-001 Hùng (1932): 1945 at Vũ Hội; 002 Hoa (1935): 1946 at Bắc Cường; 003 Tâm (restricted): Ất Dậu;
    004 Lâm (no birth year): "năm bốn lăm", and "năm Ất Thân" (no such year). The cell is also called "chi bộ xã
    Bắc Cường"; Vũ Hội was once called "Vũ Lạc"."""
    archive = settings.archive(root)
    archive.recordings.mkdir(parents=True, exist_ok=True)
    db = database.open_database(archive.database)
    role = RoleHeld("Bí thư Chi bộ xã Bắc Cường", 1945, 1950)
    interviews = [
        ("a.wav", "Nguyễn Văn Hùng", 1932, "nam", "Bắc Cường", "allowed", [role],
         "Năm bốn lăm chi bộ xã Bắc Cường được thành lập ở Vũ Hội, ông Lê Văn Tâm làm bí thư."),
        ("b.wav", "Lê Thị Hoa", 1935, "nữ", "Vũ Hội", "allowed", [],
         "Chi bộ xã Bắc Cường thành lập năm 1946 ở Bắc Cường."),
        ("c.wav", "Lê Văn Tâm", 1925, "nam", "Tân Lập", "restricted", [],
         "Tôi lập chi bộ xã Bắc Cường năm Ất Dậu."),
        ("d.wav", "Trần Văn Lâm", None, "nam", "Tân Lập", "allowed", [],
         "Tôi nhớ chi bộ xã Bắc Cường có từ năm bốn lăm, có người nói năm Ất Thân."),
    ]  # fmt: skip
    for n, (name, witness, born, sex, commune, consent, roles, said) in enumerate(interviews):
        add_interview(db, archive, name, ["Thưa bác", said], meta(witness, born, sex, commune, consent, roles), 12 + n)
    founding = database.event_id(db, FOUNDING)
    database.describe_event(db, founding, alias="chi bộ xã Bắc Cường")
    vu_hoi = next(p.id for p in database.places(db) if p.name == "Vũ Hội")
    database.add_former_name(db, vu_hoi, "Vũ Lạc")
    first = database.segments(db, 1)[1]
    editing.edit(db, first.id, first.version, "Lan", status="verified")
    db.close()
    return archive
