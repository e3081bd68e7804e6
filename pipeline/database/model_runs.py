"""Which model wrote each interview's transcript: the fingerprint its last transcription run recorded."""

from __future__ import annotations

import json

from pipeline.database.sqlite import Database


def last_fingerprints(db: Database) -> dict[int, str | None]:
    """Each transcribed interview's id and the model fingerprint of its last run (None for runs from before the
    fingerprint was recorded)."""
    found = db.execute(
        "SELECT interview_id, versions FROM transcription_runs WHERE id IN "
        "(SELECT max(id) FROM transcription_runs GROUP BY interview_id)"
    ).fetchall()
    return {interview_id: json.loads(versions or "{}").get("model_fingerprint") for interview_id, versions in found}
