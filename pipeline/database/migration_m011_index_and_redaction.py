"""Migration m011, frozen: registered at the end of ``migrations`` (whose module it would take past 400 lines).

Like every migration it calls no code that may change later, so an old archive upgrades the same way whenever it is
opened.
"""

from __future__ import annotations

from pipeline.database.sqlite import Database


def m011_index_and_redaction(db: Database) -> None:
    """What editors add for readers: the points of an interview's index (OHMS-style: time, title, synopsis, first
    words, keywords and subjects, each with an English ``_alt``; keywords and subjects as JSON lists), the passages
    closed until a date (redactions: never deleted, only withdrawn), an append-only history of both, and the
    archive's own settings (the holding archive's name, set once)."""
    db.table("index_points").create(
        {
            "id": int,
            "interview_id": int,
            "time": float,
            "title": str,
            "synopsis": str,
            "partial_transcript": str,
            "keywords": str,
            "subjects": str,
            "title_alt": str,
            "synopsis_alt": str,
            "partial_transcript_alt": str,
            "keywords_alt": str,
            "subjects_alt": str,
            "editor": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"interview_id", "time", "title"},
        foreign_keys=[("interview_id", "interviews", "id")],
    )
    db.table("index_points").create_index(["interview_id", "time"])
    # Segment ids are not foreign keys: a segment merged away leaves the redaction to fall back on its times.
    db.table("redactions").create(
        {
            "id": int,
            "interview_id": int,
            "start": float,
            "end": float,
            "first_segment_id": int,
            "start_offset": int,
            "last_segment_id": int,
            "end_offset": int,
            "words": str,
            "reason": str,
            "until": str,
            "editor": str,
            "created_at": str,
            "withdrawn_at": str,
            "withdrawn_by": str,
        },
        pk="id",
        not_null={"interview_id", "start", "end", "reason", "until", "editor", "created_at"},
        foreign_keys=[("interview_id", "interviews", "id")],
    )
    db.table("redactions").create_index(["interview_id", "start"])
    db.table("public_revisions").create(
        {
            "id": int,
            "interview_id": int,
            "kind": str,
            "record_id": int,
            "action": str,
            "editor": str,
            "at": str,
            "before": str,
            "after": str,
        },
        pk="id",
        not_null={"interview_id", "kind", "record_id", "action", "at"},
        foreign_keys=[("interview_id", "interviews", "id")],
    )
    db.table("public_revisions").create_index(["interview_id", "id"])
    for verb in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER public_revisions_no_{verb.lower()} BEFORE {verb} ON public_revisions "
            "BEGIN SELECT RAISE(ABORT, 'public_revisions is append-only'); END"
        )
    db.table("archive_settings").create({"key": str, "value": str}, pk="key")
