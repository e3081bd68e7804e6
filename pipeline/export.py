"""Transcripts out of the archive in exchange formats. JSON for now; the rest follows."""

from __future__ import annotations

import json

from sqlite_utils import Database

from . import flags, store
from .errors import NotFound

FORMATS = ("json",)
INTERVIEW_FIELDS = (
    "id", "code", "title", "source_path", "sha256", "container", "codec", "channels", "sample_rate",
    "declared_duration", "duration", "status", "problem", "first_seen", "transcribed_at", "model",
    "date", "place_path", "place", "witnesses", "interviewers", "events", "notes", "equipment",
    "consent_status", "consent_until", "consent_by", "metadata_status",
)


def interview_json(db: Database, key: str) -> str:
    """One interview and its segments (start, end, speaker, text, words) as a JSON document."""
    found = store.interview(db, key)
    if not found:
        raise NotFound(f"There is no interview {key!r}: `loike status` lists the interview codes.")
    document = {
        "interview": {field: found[field] for field in INTERVIEW_FIELDS},
        "segments": [
            {
                "start": s["start"], "end": s["end"], "speaker": s["speaker"], "text": s["text"],
                "review_status": s["review_status"],
                "avg_logprob": s["avg_logprob"], "no_speech_prob": s["no_speech_prob"],
                "flags": flags.parse(s["flags"]),
                "words": s["words"],
            }
            for s in store.segments(db, found["id"])
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
