"""Migration m017 (the editors' index made searchable), frozen like every migration; it lives apart because
``migrations`` is at the length every module is held to, and is registered at the end of it."""

from __future__ import annotations

import json

from pipeline.database import frozen_rules
from pipeline.database.sqlite import Database

TEXTS = ("title", "synopsis", "partial_transcript", "title_alt", "synopsis_alt", "partial_transcript_alt")
LISTS = ("keywords", "subjects", "keywords_alt", "subjects_alt")


def m017_index_points_folded(db: Database) -> None:
    """``index_points.search_folded``: every text of a point (title, synopsis, first words heard, keywords,
    subjects, and their English ``_alt``) folded into one column, as m002 folded passages, so a search passes over
    the points without the words it looks for before reading any; filled in here for the points already placed."""
    db.execute("ALTER TABLE index_points ADD COLUMN search_folded TEXT")
    rows = db.execute(f"SELECT id, {', '.join(TEXTS + LISTS)} FROM index_points").fetchall()
    for row in rows:
        texts = [t for t in row[1 : 1 + len(TEXTS)] if t]
        texts += [item for lst in row[1 + len(TEXTS) :] for item in json.loads(lst or "[]")]
        db.execute(
            "UPDATE index_points SET search_folded = ? WHERE id = ?", [frozen_rules.fold_m002(" ".join(texts)), row[0]]
        )
