"""Migration m019 (what Whisper heard on a second listen to speech it first wrote nothing for), frozen like every
migration; it lives apart because ``migrations`` is at the length every module is held to, and is registered at the
end of it."""

from __future__ import annotations

from pipeline.database.sqlite import Database


def m019_heard_again(db: Database) -> None:
    """``segments.heard_again``: for a gap (speech VAD heard and Whisper wrote nothing for, flagged
    ``unwritten_speech``), the text a second decode of that speech alone wrote, offered to the editor as a draft;
    NULL for every other segment and for gaps transcribed before."""
    db.execute("ALTER TABLE segments ADD COLUMN heard_again TEXT")
