"""Migration m016 (the voices the archive knows), frozen like every migration; it lives apart because
``migrations`` is at the length every module is held to, and is registered at the end of it."""

from __future__ import annotations

from pipeline.database.sqlite import Database


def m016_voices(db: Database) -> None:
    """Voice prints, personal data kept apart from the transcripts: ``label_prints`` holds the machine's print of
    each speaker label of an interview's current transcript (256 float32, little-endian), ``voice_prints`` the
    prints of people an editor named (one per interview and label), ``voice_proposals`` who an unnamed label may
    be, and ``voice_refusals`` the people who asked not to be recognised (no print of them is kept again)."""
    db.execute(
        """CREATE TABLE label_prints (
            interview_id INTEGER NOT NULL REFERENCES interviews(id),
            label TEXT NOT NULL,
            print BLOB NOT NULL,
            seconds REAL NOT NULL,
            made_at TEXT NOT NULL,
            PRIMARY KEY (interview_id, label)
        )"""
    )
    db.execute(
        """CREATE TABLE voice_prints (
            id INTEGER PRIMARY KEY,
            person_id INTEGER NOT NULL REFERENCES people(id),
            interview_id INTEGER NOT NULL REFERENCES interviews(id),
            label TEXT NOT NULL,
            print BLOB NOT NULL,
            seconds REAL NOT NULL,
            added_at TEXT NOT NULL,
            added_by TEXT,
            last_used_at TEXT
        )"""
    )
    db.execute("CREATE UNIQUE INDEX voice_prints_label ON voice_prints(interview_id, label)")
    db.execute("CREATE INDEX voice_prints_person ON voice_prints(person_id)")
    db.execute(
        """CREATE TABLE voice_proposals (
            interview_id INTEGER NOT NULL REFERENCES interviews(id),
            label TEXT NOT NULL,
            person_id INTEGER NOT NULL REFERENCES people(id),
            score REAL NOT NULL,
            made_at TEXT NOT NULL,
            PRIMARY KEY (interview_id, label)
        )"""
    )
    db.execute(
        """CREATE TABLE voice_refusals (
            person_id INTEGER PRIMARY KEY REFERENCES people(id),
            at TEXT NOT NULL
        )"""
    )
