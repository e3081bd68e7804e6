"""The schema, as numbered migrations applied whenever the database is opened (sqlite-utils ``Migrations``).

Append-only: a migration that has run on someone's archive is never changed, and each carries what it needs, calling
no code that may change later, so an old archive upgrades the same way whenever it is opened. No m005: work beside
m006 (the editors' desk) took it and landed as m007; migrations apply by name, so the gap is harmless.
"""

from __future__ import annotations

from pipeline.database import frozen_rules
from pipeline.database.migration_m010_workshop import m010_workshop as m010
from pipeline.database.migration_m011_index_and_redaction import m011_index_and_redaction as m011
from pipeline.database.migration_m013_editors import m013_editors_and_deletions as m013
from pipeline.database.migration_m016_voices import m016_voices as m016
from pipeline.database.migration_m017_index_search import m017_index_points_folded as m017
from pipeline.database.migration_m018_status_counts import m018_status_counts as m018
from pipeline.database.migration_m019_heard_again import m019_heard_again as m019
from pipeline.database.migration_m020_names_heard import m020_names_heard as m020
from pipeline.database.sqlite import Database, Migrations

migrations = Migrations("loike")


@migrations()
def m001_initial(db: Database) -> None:
    db.table("recordings").create(
        {
            "id": int,
            "sha256": str,
            "source_path": str,
            "size": int,
            "container": str,
            "codec": str,
            "channels": int,
            "sample_rate": int,
            "declared_duration": float,
            "decoded_duration": float,
            "gain_db": float,
            "loudness_dbfs": float,
            "status": str,
            "problem_kind": str,
            "problem": str,
            "first_seen": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"sha256", "source_path", "size", "status", "first_seen"},
        defaults={"status": "pending"},
    )
    db.table("recordings").create_index(["sha256"], unique=True)
    db.table("files").create(
        {"path": str, "recording_id": int, "size": int, "mtime": float, "last_seen": str},
        pk="path",
        foreign_keys=[("recording_id", "recordings", "id")],
    )
    db.table("interviews").create(
        {"id": int, "recording_id": int, "code": str, "title": str, "created_at": str},
        pk="id",
        not_null={"recording_id", "code"},
        foreign_keys=[("recording_id", "recordings", "id")],
    )
    db.table("interviews").create_index(["code"], unique=True)
    db.table("interviews").create_index(["recording_id"], unique=True)
    db.table("transcription_runs").create(
        {
            "id": int,
            "interview_id": int,
            "model": str,
            "settings": str,
            "versions": str,
            "started_at": str,
            "finished_at": str,
            "audio_seconds": float,
            "wall_seconds": float,
        },
        pk="id",
        foreign_keys=[("interview_id", "interviews", "id")],
    )
    db.table("segments").create(
        {
            "id": int,
            "interview_id": int,
            "run_id": int,
            "idx": int,
            "start": float,
            "end": float,
            "text": str,
            "speaker": str,
            "avg_logprob": float,
            "no_speech_prob": float,
            "compression_ratio": float,
            "review_status": str,
        },
        pk="id",
        not_null={"interview_id", "idx", "start", "end", "text", "review_status"},
        defaults={"review_status": "machine"},
        foreign_keys=[("interview_id", "interviews", "id"), ("run_id", "transcription_runs", "id")],
    )
    db.table("segments").create_index(["interview_id", "idx"], unique=True)
    db.table("words").create(
        {"id": int, "segment_id": int, "idx": int, "start": float, "end": float, "text": str, "probability": float},
        pk="id",
        foreign_keys=[("segment_id", "segments", "id")],
    )
    db.table("words").create_index(["segment_id", "idx"], unique=True)
    db.table("problems").create(
        {"id": int, "recording_id": int, "path": str, "kind": str, "message": str, "at": str},
        pk="id",
        foreign_keys=[("recording_id", "recordings", "id")],
    )


@migrations()
def m002_people_places_events_search(db: Database) -> None:
    """Interview metadata, the people/places/events it names, segment tags, and the search index."""
    db.table("places").create(
        {"id": int, "name": str, "name_folded": str, "kind": str, "parent_id": int, "former_names": str},
        pk="id",
        not_null={"name", "name_folded", "kind"},
        foreign_keys=[("parent_id", "places", "id")],
    )
    db.table("places").create_index(["kind", "name_folded", "parent_id"], unique=True)
    db.table("people").create(
        {
            "id": int,
            "full_name": str,
            "name_folded": str,
            "birth_year": int,
            "sex": str,
            "home_village": str,
            "party_joined": str,
            "merged_into": int,
            "created_at": str,
        },
        pk="id",
        not_null={"full_name", "name_folded"},
        foreign_keys=[("merged_into", "people", "id")],
    )
    db.table("people").create_index(["name_folded", "birth_year"])
    db.table("person_roles").create(
        {"id": int, "person_id": int, "title": str, "start_year": int, "end_year": int},
        pk="id",
        not_null={"person_id", "title"},
        foreign_keys=[("person_id", "people", "id")],
    )
    db.table("person_roles").create_index(["person_id", "title", "start_year", "end_year"], unique=True)
    db.table("events").create(
        {
            "id": int,
            "name": str,
            "name_folded": str,
            "date_start": str,
            "date_end": str,
            "place_id": int,
            "aliases": str,
        },
        pk="id",
        not_null={"name", "name_folded"},
        foreign_keys=[("place_id", "places", "id")],
    )
    db.table("events").create_index(["name_folded"], unique=True)
    for column, kind in (
        ("date", str),
        ("place", str),
        ("place_id", int),
        ("topics", str),
        ("consent_status", str),
        ("consent_until", str),
        ("consent_by", str),
        ("notes", str),
        ("equipment", str),
        ("metadata_status", str),
        ("metadata_source", str),
        ("metadata_problems", str),
        ("metadata_fingerprint", str),
        ("search_text", str),
        ("search_folded", str),
    ):
        db.table("interviews").add_column(column, kind)
    db.table("interviews").add_foreign_key("place_id", "places", "id")
    # Consent stays NULL (unknown) until the metadata states it; exports treat unknown as restricted.
    db.execute("UPDATE interviews SET metadata_status = 'missing'")
    db.table("interview_people").create(
        {"interview_id": int, "person_id": int, "role": str},
        pk=("interview_id", "person_id", "role"),
        foreign_keys=[("interview_id", "interviews", "id"), ("person_id", "people", "id")],
    )
    db.table("interview_events").create(
        {"interview_id": int, "event_id": int},
        pk=("interview_id", "event_id"),
        foreign_keys=[("interview_id", "interviews", "id"), ("event_id", "events", "id")],
    )
    for target in ("people", "places", "events"):
        column = {"people": "person_id", "places": "place_id", "events": "event_id"}[target]
        db.table(f"segment_{target}").create(
            {"segment_id": int, column: int},
            pk=("segment_id", column),
            foreign_keys=[("segment_id", "segments", "id"), (column, target, "id")],
        )
    db.table("speakers").create(
        {"interview_id": int, "label": str, "person_id": int},
        pk=("interview_id", "label"),
        foreign_keys=[("interview_id", "interviews", "id"), ("person_id", "people", "id")],
    )
    db.table("metadata_versions").create(
        {"id": int, "interview_id": int, "source": str, "fingerprint": str, "metadata": str, "recorded_at": str},
        pk="id",
        foreign_keys=[("interview_id", "interviews", "id")],
    )
    db.table("segments").add_column("text_folded", str)
    for segment_id, text in db.execute("SELECT id, text FROM segments").fetchall():
        db.table("segments").update(segment_id, {"text_folded": frozen_rules.fold_m002(text)})
    # Two columns per index: the folded one answers tone-insensitive queries, the NFC one exact ones.
    db.table("segments").enable_fts(
        ["text_folded", "text"], create_triggers=True, tokenize="unicode61 remove_diacritics 0"
    )
    db.table("interviews").enable_fts(
        ["search_folded", "search_text"], create_triggers=True, tokenize="unicode61 remove_diacritics 0"
    )


@migrations()
def m003_search_prefix_index(db: Database) -> None:
    """A 3-letter prefix index, so "cườ*" reads one list instead of merging every word that starts so.

    The triggers made in m002 belong to ``segments`` and keep working with the new index table.
    """
    db.execute("DROP TABLE segments_fts")
    db.execute(
        """CREATE VIRTUAL TABLE "segments_fts" USING FTS5 ("text_folded", "text", """
        """tokenize='unicode61 remove_diacritics 0', content="segments", prefix='3')"""
    )
    db.execute("INSERT INTO segments_fts(segments_fts) VALUES('rebuild')")


@migrations()
def m004_segment_flags(db: Database) -> None:
    """Segments likely made up by the model carry their flag codes, comma-separated ("known_phrase,repetition"),
    NULL when clean, so Datasette can filter on them. Segments stored before are flagged here once, by the rules
    as they stood when this migration was written (``frozen_rules.codes_m004``), not by today's ``speech.flags``."""
    db.table("segments").add_column("flags", str)
    for segment_id, text, logprob, no_speech, ratio in db.execute(
        "SELECT id, text, avg_logprob, no_speech_prob, compression_ratio FROM segments"
    ).fetchall():
        codes = frozen_rules.codes_m004(text or "", logprob, no_speech, ratio)
        if codes:
            db.table("segments").update(segment_id, {"flags": ",".join(codes)})


@migrations()
def m006_recording_events(db: Database) -> None:
    """An append-only log of what was done to each recording, and the hash of its normalised WAV for fixity."""
    db.table("recording_events").create(
        {"id": int, "recording_id": int, "at": str, "action": str, "tool": str, "outcome": str, "detail": str},
        pk="id",
        not_null={"recording_id", "at", "action", "outcome"},
        foreign_keys=[("recording_id", "recordings", "id")],
    )
    db.table("recording_events").create_index(["recording_id", "id"])
    for verb in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER recording_events_no_{verb.lower()} BEFORE {verb} ON recording_events "
            "BEGIN SELECT RAISE(ABORT, 'recording_events is append-only'); END"
        )
    db.table("recordings").add_column("normalised_sha256", str)


@migrations()
def m007_review(db: Database) -> None:
    """The editors' desk: every segment carries a version for optimistic locking and an editor's note; every
    save is kept in ``segment_revisions`` (append-only); later runs' machine text for edited segments waits in
    ``segment_alternatives``; quotes are passages chosen for the book."""
    db.table("segments").add_column("version", int, not_null_default=1)
    for column, kind in (("note", str), ("edited_by", str), ("edited_at", str)):
        db.table("segments").add_column(column, kind)
    # Plain SQL: sqlite-utils adds a foreign key by rebuilding the table, which would drop the search triggers.
    db.execute("ALTER TABLE segments ADD COLUMN person_id INTEGER REFERENCES people(id)")
    # segment_id is not a foreign key: the history of a segment merged into another outlives it.
    db.table("segment_revisions").create(
        {
            "id": int,
            "segment_id": int,
            "interview_id": int,
            "version": int,
            "action": str,
            "editor": str,
            "at": str,
            "before": str,
            "after": str,
        },
        pk="id",
        not_null={"segment_id", "interview_id", "action", "at"},
        foreign_keys=[("interview_id", "interviews", "id")],
    )
    db.table("segment_revisions").create_index(["segment_id", "id"])
    db.table("segment_revisions").create_index(["interview_id", "id"])
    for verb in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER segment_revisions_no_{verb.lower()} BEFORE {verb} ON segment_revisions "
            "BEGIN SELECT RAISE(ABORT, 'segment_revisions is append-only'); END"
        )
    db.table("segment_alternatives").create(
        {"id": int, "segment_id": int, "run_id": int, "start": float, "end": float, "text": str},
        pk="id",
        not_null={"segment_id", "run_id", "text"},
        foreign_keys=[("segment_id", "segments", "id"), ("run_id", "transcription_runs", "id")],
    )
    db.table("segment_alternatives").create_index(["segment_id"])
    db.table("quotes").create(
        {
            "id": int,
            "interview_id": int,
            "first_segment_id": int,
            "last_segment_id": int,
            "start": float,
            "end": float,
            "text": str,
            "comment": str,
            "editor": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"interview_id", "first_segment_id", "last_segment_id", "text", "created_at"},
        foreign_keys=[
            ("interview_id", "interviews", "id"),
            ("first_segment_id", "segments", "id"),
            ("last_segment_id", "segments", "id"),
        ],
    )
    db.table("quotes").create_index(["interview_id"])
    for target, column in (("people", "person_id"), ("places", "place_id"), ("events", "event_id")):
        db.table(f"quote_{target}").create(
            {"quote_id": int, column: int},
            pk=("quote_id", column),
            foreign_keys=[("quote_id", "quotes", "id"), (column, target, "id")],
        )


@migrations()
def m008_progress_index(db: Database) -> None:
    """Every column `loike status` and the review app's list count per interview (segments, verified, flagged,
    labelled), in one index they read without touching the table: the list of 1,000 one-hour interviews took 0.32 s
    without it and 0.13 s with it, for 15 MB (2 % of that database)."""
    db.execute("CREATE INDEX segments_progress ON segments(interview_id, review_status, flags, speaker)")


@migrations()
def m009_corrections(db: Database) -> None:
    """Corrections where the errors are. Each word keeps the lowest probability among its tokens (``lowest``; NULL
    for words stored before, which are marked by the old rule on their mean probability). Each find-and-replace
    batch is a row of ``replacements`` (what, where, who, how many; undone_by and undone_at once undone), its
    changes the revisions whose action is ``replace:ID`` (indexed, for the undo). A suggestion an editor turned
    down is kept in ``suggestions_declined``, so it is not offered again for that line."""
    db.execute("ALTER TABLE words ADD COLUMN lowest FLOAT")
    db.table("replacements").create(
        {
            "id": int,
            "interview_id": int,
            "find": str,
            "replacement": str,
            "exact": int,
            "editor": str,
            "at": str,
            "changed": int,
            "undone_by": str,
            "undone_at": str,
        },
        pk="id",
        not_null={"find", "replacement", "exact", "at", "changed"},
        foreign_keys=[("interview_id", "interviews", "id")],
    )
    db.table("suggestions_declined").create(
        {"segment_id": int, "found": str, "suggestion": str, "editor": str, "at": str},
        pk=("segment_id", "found", "suggestion"),
    )
    db.execute("CREATE INDEX segment_revisions_action ON segment_revisions(action)")


_ = [migrations()(frozen) for frozen in (m010, m011, m013, m016, m017, m018, m019, m020)]  # frozen apart, for length
