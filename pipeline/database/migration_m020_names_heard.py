"""Migration m020 (names heard again before they are offered), frozen like every migration; it lives apart because
``migrations`` is at the length every module is held to, and is registered at the end of it."""

from __future__ import annotations

from pipeline.database.sqlite import Database


def m020_names_heard(db: Database) -> None:
    """``names_heard``: a name the desk would offer for words found in a line, weighed by Whisper against the near
    names of its kind (``rivals``, joined by "|"): ``margin`` is how much more likely the line is with the name than
    with the best of them (log-likelihood; below 0 a rival is heard better, and the desk's bar says how much better
    keeps the name from being offered). Other words, or other rivals, are weighed again; an edit elsewhere in the
    line keeps the weighing."""
    db.table("names_heard").create(
        {
            "segment_id": int,
            "found": str,
            "suggestion": str,
            "rivals": str,
            "margin": float,
            "at": str,
        },
        pk=("segment_id", "found", "suggestion", "rivals"),
        not_null={"margin", "at"},
        foreign_keys=[("segment_id", "segments", "id")],
    )
