"""The archive's SQLite database: schema, migrations and every read and write the pipeline makes.

One recording's transcript is written in one transaction, so a crash never leaves half of one.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from itertools import groupby
from operator import itemgetter
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from pipeline import crashtest
from pipeline.speech import flags
from pipeline.database import kept_edits
from pipeline.errors import ArchiveError
from pipeline.records import AudioInfo, NormalisedAudio, Segment
from pipeline.text import fold

migrations = Migrations("loike")


@migrations()
def m001_initial(db: Database) -> None:
    db["recordings"].create(
        {
            "id": int, "sha256": str, "source_path": str, "size": int, "container": str, "codec": str, "channels": int,
            "sample_rate": int, "declared_duration": float, "decoded_duration": float, "gain_db": float,
            "loudness_dbfs": float, "status": str, "problem_kind": str, "problem": str,
            "first_seen": str, "updated_at": str,
        },
        pk="id",
        not_null={"sha256", "source_path", "size", "status", "first_seen"},
        defaults={"status": "pending"},
    )
    db["recordings"].create_index(["sha256"], unique=True)
    db["files"].create(
        {"path": str, "recording_id": int, "size": int, "mtime": float, "last_seen": str},
        pk="path",
        foreign_keys=[("recording_id", "recordings", "id")],
    )
    db["interviews"].create(
        {"id": int, "recording_id": int, "code": str, "title": str, "created_at": str},
        pk="id",
        not_null={"recording_id", "code"},
        foreign_keys=[("recording_id", "recordings", "id")],
    )
    db["interviews"].create_index(["code"], unique=True)
    db["interviews"].create_index(["recording_id"], unique=True)
    db["transcription_runs"].create(
        {
            "id": int, "interview_id": int, "model": str, "settings": str, "versions": str,
            "started_at": str, "finished_at": str, "audio_seconds": float, "wall_seconds": float,
        },
        pk="id",
        foreign_keys=[("interview_id", "interviews", "id")],
    )
    db["segments"].create(
        {
            "id": int, "interview_id": int, "run_id": int, "idx": int, "start": float, "end": float,
            "text": str, "speaker": str, "avg_logprob": float, "no_speech_prob": float,
            "compression_ratio": float, "review_status": str,
        },
        pk="id",
        not_null={"interview_id", "idx", "start", "end", "text", "review_status"},
        defaults={"review_status": "machine"},
        foreign_keys=[("interview_id", "interviews", "id"), ("run_id", "transcription_runs", "id")],
    )
    db["segments"].create_index(["interview_id", "idx"], unique=True)
    db["words"].create(
        {"id": int, "segment_id": int, "idx": int, "start": float, "end": float, "text": str, "probability": float},
        pk="id",
        foreign_keys=[("segment_id", "segments", "id")],
    )
    db["words"].create_index(["segment_id", "idx"], unique=True)
    db["problems"].create(
        {"id": int, "recording_id": int, "path": str, "kind": str, "message": str, "at": str},
        pk="id",
        foreign_keys=[("recording_id", "recordings", "id")],
    )



@migrations()
def m002_people_places_events_search(db: Database) -> None:
    """Interview metadata, the people/places/events it names, segment tags, and the search index."""
    db["places"].create(
        {"id": int, "name": str, "name_folded": str, "kind": str, "parent_id": int, "former_names": str},
        pk="id", not_null={"name", "name_folded", "kind"}, foreign_keys=[("parent_id", "places", "id")],
    )
    db["places"].create_index(["kind", "name_folded", "parent_id"], unique=True)
    db["people"].create(
        {"id": int, "full_name": str, "name_folded": str, "birth_year": int, "sex": str, "home_village": str,
         "party_joined": str, "merged_into": int, "created_at": str},
        pk="id", not_null={"full_name", "name_folded"}, foreign_keys=[("merged_into", "people", "id")],
    )
    db["people"].create_index(["name_folded", "birth_year"])
    db["person_roles"].create(
        {"id": int, "person_id": int, "title": str, "start_year": int, "end_year": int},
        pk="id", not_null={"person_id", "title"}, foreign_keys=[("person_id", "people", "id")],
    )
    db["person_roles"].create_index(["person_id", "title", "start_year", "end_year"], unique=True)
    db["events"].create(
        {"id": int, "name": str, "name_folded": str, "date_start": str, "date_end": str, "place_id": int,
         "aliases": str},
        pk="id", not_null={"name", "name_folded"}, foreign_keys=[("place_id", "places", "id")],
    )
    db["events"].create_index(["name_folded"], unique=True)
    for column, kind in (("date", str), ("place", str), ("place_id", int), ("topics", str),
                         ("consent_status", str), ("consent_until", str), ("consent_by", str), ("notes", str),
                         ("equipment", str), ("metadata_status", str), ("metadata_source", str),
                         ("metadata_problems", str), ("metadata_fingerprint", str), ("search_text", str),
                         ("search_folded", str)):
        db["interviews"].add_column(column, kind)
    db["interviews"].add_foreign_key("place_id", "places", "id")
    # Consent stays NULL (unknown) until the metadata states it; exports treat unknown as restricted.
    db.execute("UPDATE interviews SET metadata_status = 'missing'")
    db["interview_people"].create(
        {"interview_id": int, "person_id": int, "role": str},
        pk=("interview_id", "person_id", "role"),
        foreign_keys=[("interview_id", "interviews", "id"), ("person_id", "people", "id")],
    )
    db["interview_events"].create(
        {"interview_id": int, "event_id": int}, pk=("interview_id", "event_id"),
        foreign_keys=[("interview_id", "interviews", "id"), ("event_id", "events", "id")],
    )
    for target in ("people", "places", "events"):
        column = {"people": "person_id", "places": "place_id", "events": "event_id"}[target]
        db[f"segment_{target}"].create(
            {"segment_id": int, column: int}, pk=("segment_id", column),
            foreign_keys=[("segment_id", "segments", "id"), (column, target, "id")],
        )
    db["speakers"].create(
        {"interview_id": int, "label": str, "person_id": int}, pk=("interview_id", "label"),
        foreign_keys=[("interview_id", "interviews", "id"), ("person_id", "people", "id")],
    )
    db["metadata_versions"].create(
        {"id": int, "interview_id": int, "source": str, "fingerprint": str, "metadata": str, "recorded_at": str},
        pk="id", foreign_keys=[("interview_id", "interviews", "id")],
    )
    db["segments"].add_column("text_folded", str)
    for segment_id, text in db.execute("SELECT id, text FROM segments").fetchall():
        db["segments"].update(segment_id, {"text_folded": fold(text)})
    # Two columns per index: the folded one answers tone-insensitive queries, the NFC one exact ones.
    db["segments"].enable_fts(["text_folded", "text"], create_triggers=True,
                              tokenize="unicode61 remove_diacritics 0")
    db["interviews"].enable_fts(["search_folded", "search_text"], create_triggers=True,
                                tokenize="unicode61 remove_diacritics 0")


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
    NULL when clean, so Datasette can filter on them. Segments stored before are flagged here once."""
    db["segments"].add_column("flags", str)
    for segment_id, text, logprob, no_speech, ratio in db.execute(
        "SELECT id, text, avg_logprob, no_speech_prob, compression_ratio FROM segments"
    ).fetchall():
        codes = flags.codes(Segment(0.0, 0.0, text or "", logprob, no_speech, ratio))
        if codes:
            db["segments"].update(segment_id, {"flags": ",".join(codes)})


@migrations()
def m006_recording_events(db: Database) -> None:
    """An append-only log of what was done to each recording, and the hash of its normalised WAV for fixity."""
    db["recording_events"].create(
        {"id": int, "recording_id": int, "at": str, "action": str, "tool": str, "outcome": str, "detail": str},
        pk="id", not_null={"recording_id", "at", "action", "outcome"},
        foreign_keys=[("recording_id", "recordings", "id")],
    )
    db["recording_events"].create_index(["recording_id", "id"])
    for verb in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER recording_events_no_{verb.lower()} BEFORE {verb} ON recording_events "
            "BEGIN SELECT RAISE(ABORT, 'recording_events is append-only'); END"
        )
    db["recordings"].add_column("normalised_sha256", str)


@migrations()
def m007_review(db: Database) -> None:
    """The editors' desk: every segment carries a version for optimistic locking and an editor's note; every
    save is kept in ``segment_revisions`` (append-only); later runs' machine text for edited segments waits in
    ``segment_alternatives``; quotes are passages chosen for the book."""
    db["segments"].add_column("version", int, not_null_default=1)
    for column, kind in (("note", str), ("edited_by", str), ("edited_at", str)):
        db["segments"].add_column(column, kind)
    # Plain SQL: sqlite-utils adds a foreign key by rebuilding the table, which would drop the search triggers.
    db.execute("ALTER TABLE segments ADD COLUMN person_id INTEGER REFERENCES people(id)")
    # segment_id is not a foreign key: the history of a segment merged into another outlives it.
    db["segment_revisions"].create(
        {"id": int, "segment_id": int, "interview_id": int, "version": int, "action": str, "editor": str,
         "at": str, "before": str, "after": str},
        pk="id", not_null={"segment_id", "interview_id", "action", "at"},
        foreign_keys=[("interview_id", "interviews", "id")],
    )
    db["segment_revisions"].create_index(["segment_id", "id"])
    db["segment_revisions"].create_index(["interview_id", "id"])
    for verb in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER segment_revisions_no_{verb.lower()} BEFORE {verb} ON segment_revisions "
            "BEGIN SELECT RAISE(ABORT, 'segment_revisions is append-only'); END"
        )
    db["segment_alternatives"].create(
        {"id": int, "segment_id": int, "run_id": int, "start": float, "end": float, "text": str},
        pk="id", not_null={"segment_id", "run_id", "text"},
        foreign_keys=[("segment_id", "segments", "id"), ("run_id", "transcription_runs", "id")],
    )
    db["segment_alternatives"].create_index(["segment_id"])
    db["quotes"].create(
        {"id": int, "interview_id": int, "first_segment_id": int, "last_segment_id": int, "start": float,
         "end": float, "text": str, "comment": str, "editor": str, "created_at": str, "updated_at": str},
        pk="id", not_null={"interview_id", "first_segment_id", "last_segment_id", "text", "created_at"},
        foreign_keys=[("interview_id", "interviews", "id"), ("first_segment_id", "segments", "id"),
                      ("last_segment_id", "segments", "id")],
    )
    db["quotes"].create_index(["interview_id"])
    for target, column in (("people", "person_id"), ("places", "place_id"), ("events", "event_id")):
        db[f"quote_{target}"].create(
            {"quote_id": int, column: int}, pk=("quote_id", column),
            foreign_keys=[("quote_id", "quotes", "id"), (column, target, "id")],
        )


def now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def connect(path: Path) -> Database:
    """Another connection to a database :func:`open_database` has already checked and migrated (one per thread
    of the review app); cheap, because it skips the checks."""
    db = Database(sqlite3.connect(str(path), timeout=30, check_same_thread=False))
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA busy_timeout = 30000")
    return db


@contextmanager
def writing(db: Database) -> Iterator[Database]:
    """A transaction that takes the write lock at its start (BEGIN IMMEDIATE), for a read followed by a write.

    With a plain BEGIN, two editors saving at once both read, then the second one's write fails at once with
    "database is locked" instead of waiting for the first (SQLite cannot upgrade a stale read in WAL mode).
    Nested inside another transaction it is a savepoint, as ``db.atomic()`` is.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.conn.rollback()
        raise
    db.conn.execute("COMMIT")


def open_database(path: Path) -> Database:
    """Open (creating if needed) the archive database and bring its schema up to date."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = Database(sqlite3.connect(str(path), timeout=30))
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA busy_timeout = 30000")
        db.enable_wal()
        check = db.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise ArchiveError(
                f"The database {path} is damaged ({check}): restore it from a backup; "
                "the recordings themselves are untouched."
            )
        migrations.apply(db)
    except sqlite3.DatabaseError as error:
        raise ArchiveError(
            f"The database {path} cannot be opened ({error}): check that the folder is writable, "
            "or restore the database from a backup."
        ) from error
    from pipeline.safekeeping.fixity import warn_if_network# here, not at the top: fixity reads through this module

    warn_if_network(path.parent)
    return db


# --- the event log (append-only: triggers refuse UPDATE and DELETE) ---------------------------

def log_event(db: Database, recording_id: int, action: str, outcome: str = "ok", detail: str | None = None,
              tool: str | None = None) -> None:
    """Append one event to a recording's history; call it inside the step's own transaction."""
    from pipeline import __version__

    try:  # plain SQL: sqlite-utils' insert would quietly create the table, without its triggers
        db.execute(
            "INSERT INTO recording_events (recording_id, at, action, tool, outcome, detail) VALUES (?, ?, ?, ?, ?, ?)",
            [recording_id, now(), action, tool or f"loike {__version__}", outcome, detail],
        )
    except sqlite3.OperationalError as error:
        if "no such table" not in str(error):
            raise
        # Only a database stopped before m006 (a migration test) lacks the table; open_database applies it.


def events(db: Database, recording_id: int) -> list[dict]:
    return rows(db.execute("SELECT * FROM recording_events WHERE recording_id = ? ORDER BY id", [recording_id]))


# --- files and recordings --------------------------------------------------------------------

def known_file(db: Database, relpath: str, size: int, mtime: float) -> dict | None:
    """The file row for ``relpath`` if it was seen before with the same size and mtime."""
    found = rows(db.execute(
        "SELECT * FROM files WHERE path = ? AND size = ? AND mtime = ?", [relpath, size, mtime]
    ))
    return found[0] if found else None


def file_row(db: Database, relpath: str) -> dict | None:
    return next(db["files"].rows_where("path = ?", [relpath]), None)


def remember_file(db: Database, relpath: str, recording_id: int, size: int, mtime: float) -> None:
    db["files"].upsert(
        {"path": relpath, "recording_id": recording_id, "size": size, "mtime": mtime, "last_seen": now()},
        pk="path",
    )


def recording_by_hash(db: Database, sha256: str) -> dict | None:
    return next(db["recordings"].rows_where("sha256 = ?", [sha256]), None)


def add_recording(db: Database, sha256: str, relpath: str, size: int, title: str) -> int:
    """A new recording and its interview, in one transaction; returns the recording id."""
    stamp = now()
    with db.atomic():
        recording_id = db["recordings"].insert(
            {"sha256": sha256, "source_path": relpath, "size": size, "status": "pending",
             "first_seen": stamp, "updated_at": stamp}
        ).last_pk
        db["interviews"].insert(
            {"recording_id": recording_id, "code": next_code(db, stamp[:4]), "title": title, "created_at": stamp,
             "metadata_status": "missing"}
        )
        log_event(db, recording_id, "ingested", "ok", f"{relpath} sha256 {sha256}")
    return recording_id


def next_code(db: Database, year: str) -> str:
    """Interview codes read LK-<year>-<number>, numbered within the year."""
    prefix = f"LK-{year}-"
    last = db.execute(
        "SELECT max(CAST(substr(code, ?) AS INTEGER)) FROM interviews WHERE code LIKE ?",
        [len(prefix) + 1, prefix + "%"],
    ).fetchone()[0]
    return f"{prefix}{(last or 0) + 1:03d}"


def recording_of(db: Database, interview_id: int) -> int:
    return db.execute("SELECT recording_id FROM interviews WHERE id = ?", [interview_id]).fetchone()[0]


def interview_for(db: Database, recording_id: int) -> dict:
    return next(db["interviews"].rows_where("recording_id = ?", [recording_id]))


def update_recording(db: Database, recording_id: int, **values) -> None:
    db["recordings"].update(recording_id, {**values, "updated_at": now()})


def record_probe(db: Database, recording_id: int, info: AudioInfo) -> None:
    fields = asdict(info)
    fields.pop("has_video")
    with db.atomic():
        update_recording(db, recording_id, **fields)
        log_event(db, recording_id, "probed", "ok", f"{info.container} {info.codec}")


def record_normalised(db: Database, recording_id: int, audio: NormalisedAudio, damage: str | None,
                      sha256: str | None = None) -> None:
    """The normalised WAV's figures and its sha256 (``loike verify`` checks it against the file later)."""
    with db.atomic():
        update_recording(
            db, recording_id, decoded_duration=audio.duration, gain_db=audio.gain_db,
            loudness_dbfs=audio.loudness_dbfs, status="normalised",
            problem_kind="damaged" if damage else None, problem=damage, normalised_sha256=sha256,
        )
        log_event(db, recording_id, "normalised", "ok", f"{audio.path.name} sha256 {sha256}")


def record_problem(db: Database, recording_id: int | None, relpath: str, kind: str, message: str, failed: bool) -> None:
    """Log a problem; when ``failed`` the recording is marked so it is not retried until its bytes change."""
    with db.atomic():
        db["problems"].insert({"recording_id": recording_id, "path": relpath, "kind": kind, "message": message, "at": now()})
        if failed and recording_id is not None:
            update_recording(db, recording_id, status="failed", problem_kind=kind, problem=message)
        if recording_id is not None:
            log_event(db, recording_id, "failed" if failed else "problem", "error", message)


# --- transcripts -----------------------------------------------------------------------------

def save_transcript(
    db: Database, recording_id: int, segments: list[Segment], run: dict
) -> int:
    """Store one recording's transcript and its run record atomically; returns the run id.

    Transcribed again, an interview keeps every segment an editor touched (``kept_edits.touched``), words and all;
    a new segment standing for one of them goes beside it in ``segment_alternatives``; every other old segment
    is replaced by the new ones. Inside one transaction, so a crash leaves the old transcript whole.
    """
    interview_id = interview_for(db, recording_id)["id"]
    with db.atomic():
        # The run row first: this write takes the database's write lock, so no editor's save can slip in
        # between finding the touched segments and replacing the rest.
        run_id = db["transcription_runs"].insert(
            {**run, "interview_id": interview_id,
             "settings": json.dumps(run["settings"], ensure_ascii=False),
             "versions": json.dumps(run["versions"])}
        ).last_pk
        kept = kept_edits.touched(db, interview_id)
        first_id = kept_edits.next_segment_id(db)
        _delete_machine_segments(db, interview_id, [k["id"] for k in kept])
        placement = kept_edits.place(segments, kept)
        first_idx = db.execute("SELECT coalesce(max(idx) + 1, 0) FROM segments WHERE interview_id = ?",
                               [interview_id]).fetchone()[0]
        for i, segment in enumerate(placement.insert):
            _insert_segment(db, interview_id, run_id, first_idx + i, segment, first_id + i)
            if i == 0:
                crashtest.checkpoint("storing")  # the crash tests kill here: the transaction must roll back
        for kept_id, beside in placement.beside.items():
            db["segment_alternatives"].insert_all(
                {"segment_id": kept_id, "run_id": run_id, "start": s.start, "end": s.end, "text": s.text}
                for s in beside
            )
        if kept:
            kept_edits.renumber(db, interview_id)
        update_recording(db, recording_id, status="transcribed")
        versions = run.get("versions") or {}
        tool = ", ".join(f"{name.replace('_', '-')} {v}" for name, v in versions.items()) or None
        detail = f"{len(placement.insert)} segments, model {run.get('model')}"
        if kept:
            detail += (f"; {len(kept)} segments editors had touched kept, "
                       f"{sum(map(len, placement.beside.values()))} new texts set beside them")
        log_event(db, recording_id, "transcribed", "ok", detail, tool=tool)
    return run_id


def _delete_machine_segments(db: Database, interview_id: int, keep_ids: list[int]) -> None:
    """Delete the interview's segments (with their words and any text kept beside them), except ``keep_ids``."""
    going = ("SELECT id FROM segments WHERE interview_id = ? AND id NOT IN (SELECT value FROM json_each(?))",
             [interview_id, json.dumps(keep_ids)])
    for table in ("words", "segment_alternatives"):
        db.execute(f"DELETE FROM {table} WHERE segment_id IN ({going[0]})", going[1])
    db.execute(f"DELETE FROM segments WHERE id IN ({going[0]})", going[1])


def _insert_segment(db: Database, interview_id: int, run_id: int, idx: int, segment: Segment,
                    segment_id: int) -> int:
    db["segments"].insert(
        {
            "id": segment_id, "interview_id": interview_id, "run_id": run_id, "idx": idx, "start": segment.start,
            "end": segment.end, "text": segment.text, "text_folded": fold(segment.text),
            "speaker": segment.speaker,
            "avg_logprob": segment.avg_logprob, "no_speech_prob": segment.no_speech_prob,
            "compression_ratio": segment.compression_ratio, "review_status": "machine",
            "flags": ",".join(segment.flags) or None,
        }
    )
    db["words"].insert_all(
        {"segment_id": segment_id, "idx": i, "start": w.start, "end": w.end, "text": w.text,
         "probability": w.probability}
        for i, w in enumerate(segment.words)
    )
    return segment_id


INTERVIEW_SUMMARY = """
SELECT i.id, i.code, i.title, r.id AS recording_id, r.sha256, r.size, r.container, r.codec, r.channels,
       r.sample_rate, r.declared_duration, r.decoded_duration AS duration, r.gain_db,
       CASE WHEN r.status = 'transcribed' THEN 'transcribed' WHEN r.status = 'failed' THEN 'failed'
            ELSE 'pending' END AS status,
       r.problem_kind, r.problem, r.first_seen, r.source_path,
       run.finished_at AS transcribed_at, run.model,
       (SELECT count(*) FROM segments s WHERE s.interview_id = i.id) AS segment_count,
       (SELECT count(*) FROM segments s WHERE s.interview_id = i.id AND s.review_status = 'verified')
           AS verified_count,
       (SELECT count(*) FROM segments s WHERE s.interview_id = i.id AND s.flags IS NOT NULL) AS flagged_count,
       (SELECT count(*) FROM segments s WHERE s.interview_id = i.id AND s.speaker IS NOT NULL) AS labelled_count,
       i.date, i.place, i.notes, i.equipment, i.topics,
       coalesce(i.consent_status, 'unknown') AS consent_status, i.consent_until, i.consent_by,
       i.metadata_status, i.metadata_problems, i.metadata_source,
       (SELECT group_concat(name, ', ') FROM (
            WITH RECURSIVE up(id, name, parent_id, depth) AS (
                SELECT id, name, parent_id, 0 FROM places WHERE id = i.place_id
                UNION ALL SELECT p.id, p.name, p.parent_id, depth + 1 FROM places p JOIN up ON p.id = up.parent_id)
            SELECT name FROM up ORDER BY depth)) AS place_path,
       (SELECT group_concat(p.full_name || coalesce(' (' || p.birth_year || ')', ''), '; ')
        FROM interview_people ip JOIN people p ON p.id = ip.person_id
        WHERE ip.interview_id = i.id AND ip.role = 'witness') AS witnesses,
       (SELECT group_concat(p.full_name, '; ') FROM interview_people ip JOIN people p ON p.id = ip.person_id
        WHERE ip.interview_id = i.id AND ip.role = 'interviewer') AS interviewers,
       (SELECT group_concat(e.name, '; ') FROM interview_events ie JOIN events e ON e.id = ie.event_id
        WHERE ie.interview_id = i.id) AS events
FROM interviews i
JOIN recordings r ON r.id = i.recording_id
LEFT JOIN transcription_runs run ON run.id = (
    SELECT max(id) FROM transcription_runs WHERE interview_id = i.id)
"""


def interviews(db: Database) -> list[dict]:
    return rows(db.execute(INTERVIEW_SUMMARY + " ORDER BY i.code"))


def interview(db: Database, key: str) -> dict | None:
    """An interview by its code (LK-2026-001) or its numeric id."""
    where = "i.id = ?" if key.isdigit() else "i.code = ?"
    found = rows(db.execute(INTERVIEW_SUMMARY + f" WHERE {where}", [int(key) if key.isdigit() else key]))
    return found[0] if found else None


def segments(db: Database, interview_id: int, with_words: bool = True) -> list[dict]:
    """An interview's segments in order, each with its words."""
    segs = rows(db.execute("SELECT * FROM segments WHERE interview_id = ? ORDER BY idx", [interview_id]))
    if not with_words:
        return segs
    words: dict[int, list[dict]] = {s["id"]: [] for s in segs}
    for word in rows(db.execute(
        "SELECT w.segment_id, w.start, w.end, w.text, w.probability FROM words w "
        "JOIN segments s ON s.id = w.segment_id WHERE s.interview_id = ? ORDER BY w.segment_id, w.idx",
        [interview_id],
    )):
        words[word.pop("segment_id")].append(word)
    for seg in segs:
        seg["words"] = words[seg["id"]]
    return segs


def sheet_segments(db: Database, interview_id: int) -> list[dict]:
    """``segments`` for a review sheet, lighter: each segment's words as the rows (segment id, text,
    probability) SQLite gives, the only parts of a word a sheet shows. An hour of speech has some 10,000 words,
    and making a dict of each was a third of the time a sheet took."""
    segs = rows(db.execute("SELECT * FROM segments WHERE interview_id = ? ORDER BY idx", [interview_id]))
    found = db.execute(
        "SELECT segment_id, text, probability FROM words WHERE segment_id IN "
        "(SELECT id FROM segments WHERE interview_id = ?) ORDER BY segment_id, idx", [interview_id]).fetchall()
    words = {segment_id: list(group) for segment_id, group in groupby(found, key=itemgetter(0))}
    for seg in segs:
        seg["words"] = words.get(seg["id"], [])
    return segs


class SheetSegments:
    """``sheet_segments`` by interview id, through a connection of its own opened on first use: it pickles as the
    database's path, so each process that renders sheets reads through its own connection."""

    def __init__(self, path: Path):
        self.path = path
        self.db: Database | None = None

    def __getstate__(self) -> dict:
        return {"path": self.path, "db": None}

    def __call__(self, interview_id: int) -> list[dict]:
        if self.db is None:
            self.db = connect(self.path)
        return sheet_segments(self.db, interview_id)

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None


RECORDING_WITH_PATH = (
    "SELECT r.*, i.code, (SELECT path FROM files f WHERE f.recording_id = r.id ORDER BY f.path LIMIT 1) "
    "AS current_path FROM recordings r JOIN interviews i ON i.recording_id = r.id "
)


def recordings_to_process(db: Database) -> list[dict]:
    """Recordings not yet transcribed and not failed for a reason that lies in their bytes."""
    return rows(db.execute(RECORDING_WITH_PATH + "WHERE r.status IN ('pending', 'normalised') ORDER BY r.id"))


def recording_with_path(db: Database, recording_id: int) -> dict:
    """One recording as ``recordings_to_process`` gives them, whatever its status."""
    return rows(db.execute(RECORDING_WITH_PATH + "WHERE r.id = ?", [recording_id]))[0]


def transcript_counts(db: Database, interview_id: int, run_id: int) -> dict:
    """After a run: the interview's segments, those kept from earlier runs, and texts the run set beside them."""
    segments, kept = db.execute(
        "SELECT count(*), coalesce(sum(run_id IS NOT ?), 0) FROM segments WHERE interview_id = ?",
        [run_id, interview_id]).fetchone()
    beside = db.execute("SELECT count(*) FROM segment_alternatives WHERE run_id = ?", [run_id]).fetchone()[0]
    return {"segments": segments, "kept": kept, "beside": beside}


def last_run(db: Database, interview_id: int) -> int | None:
    return db.execute("SELECT max(id) FROM transcription_runs WHERE interview_id = ?", [interview_id]).fetchone()[0]


def interview_paths(db: Database) -> dict[str, int]:
    """Every file name in recordings/ that holds a known recording, with its interview id."""
    return dict(db.execute(
        "SELECT f.path, i.id FROM files f JOIN interviews i ON i.recording_id = f.recording_id"
    ).fetchall())


def count_waiting_for_metadata(db: Database) -> int:
    return db.execute("SELECT count(*) FROM interviews WHERE metadata_status != 'ok'").fetchone()[0]


def rows(cursor: sqlite3.Cursor) -> list[dict]:
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]
