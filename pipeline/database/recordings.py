"""Recordings and the files they were found as: taking one in, what was done to it (an append-only log), its
problems, and which ones wait for work."""

from __future__ import annotations

import sqlite3
from dataclasses import asdict

from pipeline.database.connection import inserted_id, now
from pipeline.database.heard import AudioInfo, NormalisedAudio
from pipeline.database.models import FileTaken, LogEntry, Recording
from pipeline.database.sqlite import Database

# --- the event log (append-only: triggers refuse UPDATE and DELETE) ---------------------------


def log_event(
    db: Database,
    recording_id: int,
    action: str,
    outcome: str = "ok",
    detail: str | None = None,
    tool: str | None = None,
) -> None:
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


def recording_log(db: Database, recording_id: int) -> list[LogEntry]:
    """Everything done to a recording, oldest first."""
    return [
        LogEntry(*row)
        for row in db.execute(
            "SELECT id, recording_id, at, action, tool, outcome, detail FROM recording_events WHERE recording_id = ? "
            "ORDER BY id",
            [recording_id],
        )
    ]


# --- files and recordings --------------------------------------------------------------------


def known_file(db: Database, relpath: str, size: int, mtime: float) -> bool:
    """Whether ``relpath`` was seen before with the same size and mtime."""
    return (
        db.execute("SELECT 1 FROM files WHERE path = ? AND size = ? AND mtime = ?", [relpath, size, mtime]).fetchone()
        is not None
    )


def file_seen(db: Database, relpath: str) -> bool:
    """Whether a file of that name was ever taken in (its content may have changed since)."""
    return db.execute("SELECT 1 FROM files WHERE path = ?", [relpath]).fetchone() is not None


def remember_file(db: Database, relpath: str, recording_id: int, size: int, mtime: float) -> None:
    db.table("files").upsert(
        {"path": relpath, "recording_id": recording_id, "size": size, "mtime": mtime, "last_seen": now()},
        pk="path",
    )


def recording_by_hash(db: Database, sha256: str) -> Recording | None:
    found = _recordings(db, "WHERE r.sha256 = ?", [sha256])
    return found[0] if found else None


def add_recording(db: Database, sha256: str, relpath: str, size: int, title: str) -> int:
    """A new recording and its interview, in one transaction; returns the recording id."""
    stamp = now()
    with db.atomic():
        recording_id = inserted_id(
            db.table("recordings").insert(
                {
                    "sha256": sha256,
                    "source_path": relpath,
                    "size": size,
                    "status": "pending",
                    "first_seen": stamp,
                    "updated_at": stamp,
                }
            )
        )
        db.table("interviews").insert(
            {
                "recording_id": recording_id,
                "code": next_code(db, stamp[:4]),
                "title": title,
                "created_at": stamp,
                "metadata_status": "missing",
            }
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


def interview_id_of(db: Database, recording_id: int) -> int:
    """The id of the interview made from a recording."""
    return db.execute("SELECT id FROM interviews WHERE recording_id = ?", [recording_id]).fetchone()[0]


def update_recording(db: Database, recording_id: int, **values) -> None:
    db.table("recordings").update(recording_id, {**values, "updated_at": now()})


def record_probe(db: Database, recording_id: int, info: AudioInfo) -> None:
    fields = asdict(info)
    fields.pop("has_video")
    with db.atomic():
        update_recording(db, recording_id, **fields)
        log_event(db, recording_id, "probed", "ok", f"{info.container} {info.codec}")


def record_normalised(
    db: Database, recording_id: int, audio: NormalisedAudio, damage: str | None, sha256: str | None = None
) -> None:
    """The normalised WAV's figures and its sha256 (``loike verify`` checks it against the file later)."""
    with db.atomic():
        update_recording(
            db,
            recording_id,
            decoded_duration=audio.duration,
            gain_db=audio.gain_db,
            loudness_dbfs=audio.loudness_dbfs,
            status="normalised",
            problem_kind="damaged" if damage else None,
            problem=damage,
            normalised_sha256=sha256,
        )
        log_event(db, recording_id, "normalised", "ok", f"{audio.path.name} sha256 {sha256}")


def record_problem(db: Database, recording_id: int | None, relpath: str, kind: str, message: str, failed: bool) -> None:
    """Log a problem; when ``failed`` the recording is marked so it is not retried until its bytes change."""
    with db.atomic():
        db.table("problems").insert(
            {"recording_id": recording_id, "path": relpath, "kind": kind, "message": message, "at": now()}
        )
        if failed and recording_id is not None:
            update_recording(db, recording_id, status="failed", problem_kind=kind, problem=message)
        if recording_id is not None:
            log_event(db, recording_id, "failed" if failed else "problem", "error", message)


RECORDING_COLUMNS = (
    "id",
    "sha256",
    "source_path",
    "size",
    "status",
    "first_seen",
    "container",
    "codec",
    "channels",
    "sample_rate",
    "declared_duration",
    "decoded_duration",
    "gain_db",
    "loudness_dbfs",
    "problem_kind",
    "problem",
    "updated_at",
    "normalised_sha256",
)


def _recordings(db: Database, where: str, params: list) -> list[Recording]:
    columns = ", ".join(f"r.{c}" for c in RECORDING_COLUMNS)
    return [
        Recording(*row)
        for row in db.execute(
            f"SELECT {columns}, i.code, (SELECT path FROM files f WHERE f.recording_id = r.id ORDER BY f.path LIMIT 1) "
            f"FROM recordings r JOIN interviews i ON i.recording_id = r.id {where}",
            params,
        )
    ]


def recordings_to_process(db: Database) -> list[Recording]:
    """Recordings not yet transcribed and not failed for a reason that lies in their bytes."""
    return _recordings(db, "WHERE r.status IN ('pending', 'normalised') ORDER BY r.id", [])


def recording_with_path(db: Database, recording_id: int) -> Recording:
    """One recording as ``recordings_to_process`` gives them, whatever its status."""
    return _recordings(db, "WHERE r.id = ?", [recording_id])[0]


def all_recordings(db: Database) -> list[Recording]:
    """Every recording, by interview code."""
    return _recordings(db, "ORDER BY i.code", [])


def files_taken(db: Database) -> list[FileTaken]:
    """Every file name in recordings/ that holds a known recording, with the hash taken when it came in."""
    return [
        FileTaken(*row)
        for row in db.execute(
            "SELECT f.path, f.recording_id, r.sha256 FROM files f JOIN recordings r ON r.id = f.recording_id "
            "ORDER BY f.path"
        )
    ]


def recordings_to_rebuild(db: Database) -> list[Recording]:
    """Recordings whose normalised WAV should exist (normalised or transcribed), by interview code."""
    return _recordings(db, "WHERE r.status IN ('normalised', 'transcribed') ORDER BY i.code", [])


def interview_paths(db: Database) -> dict[str, int]:
    """Every file name in recordings/ that holds a known recording, with its interview id."""
    return dict(
        db.execute("SELECT f.path, i.id FROM files f JOIN interviews i ON i.recording_id = f.recording_id").fetchall()
    )


def count_waiting_for_metadata(db: Database) -> int:
    return db.execute("SELECT count(*) FROM interviews WHERE metadata_status != 'ok'").fetchone()[0]


def file_names(db: Database, recording_id: int) -> list[str]:
    """Every name in recordings/ a recording was seen under, by name."""
    return [row[0] for row in db.execute("SELECT path FROM files WHERE recording_id = ? ORDER BY path", [recording_id])]
