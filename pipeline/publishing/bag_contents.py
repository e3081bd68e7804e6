"""What the hand-over package carries beside the recordings and transcripts: a Dublin Core record per interview,
each interview's history (every revision of its segments, of its index and redactions, and what was done to its
recording), the quotes chosen from it with their citations, the log of passages closed to the public, and the
metadata sidecars and spreadsheets the interviews were described in, as the team wrote them."""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict
from pathlib import Path

from pipeline import database
from pipeline.database import Database
from pipeline.publishing import citations, dublin_core, quotes
from pipeline.publishing.transcript import Transcript, date_vn
from pipeline.settings import Archive


def write_json(path: Path, document) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def add_interview(db: Database, archive: Archive, work: Path, t: Transcript, history: bool = True) -> None:
    """The Dublin Core record, the history (left out of a public package: it holds every closed word) and the
    sidecar of one interview."""
    (work / "metadata").mkdir(parents=True, exist_ok=True)
    (work / "metadata" / f"{t.code}.dc.xml").write_text(dublin_core.dublin_core_xml(t), encoding="utf-8")
    if not history:
        return
    write_json(
        work / "history" / f"{t.code}.json",
        {
            "recording": [asdict(entry) for entry in database.recording_log(db, t.interview.recording_id)],
            "segments": [asdict(r) for r in database.interview_revisions(db, t.interview.id)],
            "index": database.public_history(db, t.interview.id, "index_point"),
            "redactions": database.public_history(db, t.interview.id, "redaction"),
        },
    )
    source = t.interview.metadata_source
    found = archive.original(source) if source else None
    target = work / "originals" / (source or "")
    if found is not None and not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(found, target)


def add_quotes(db: Database, archive: Archive, work: Path, codes: list[str], include_restricted: bool) -> int:
    """The quotes chosen from the packaged interviews, cited and grouped by event, as ``quotes export`` writes
    them in JSON; returns how many."""
    chosen, _ = quotes.select(db, quotes.QuoteFilters(include_restricted=include_restricted))
    chosen = [q for q in chosen if q.code in codes]
    citations.cite(chosen, archive)
    title = "Trích dẫn lời kể"
    document = quotes.to_json(quotes.group(chosen), title, f"{len(chosen)} trích dẫn trong gói nộp lưu.")
    (work / "quotes").mkdir(parents=True, exist_ok=True)
    (work / "quotes" / "quotes.json").write_text(document, encoding="utf-8")
    return len(chosen)


def add_redaction_log(db: Database, work: Path, interviews: dict[str, int], words: bool) -> None:
    """What was closed in each packaged interview, by whom, why and until when; the words themselves only in the
    archive's own package."""
    log = []
    for code, interview_id in interviews.items():
        for r in database.redactions(db, interview_id):
            entry = {
                "interview": code,
                "start": r.start,
                "end": r.end,
                "reason": r.reason,
                "until": r.until,
                "until_vn": date_vn(r.until),
                "editor": r.editor,
                "created_at": r.created_at,
                "withdrawn_at": r.withdrawn_at,
                "withdrawn_by": r.withdrawn_by,
            }
            log.append(entry | ({"words": r.words} if words else {}))
    write_json(work / "metadata" / "redactions.json", {"redactions": log})
