"""Review sheets older than their interview's last edit.

The review app writes an interview's sheet a moment after the last change (``desk.webapp.SheetRefresher``), so
an app killed in that moment leaves the sheet stale, and no later command would write it: ``loike run`` writes
sheets only when it took something in. So ``loike run`` and ``loike serve`` write stale sheets again when they
start, and ``loike verify`` names those whose page would now read differently.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime

from pipeline import database
from pipeline.database import Database
from pipeline.database.models import Interview
from pipeline.publishing import review_sheets, templating
from pipeline.settings import Archive

log = logging.getLogger(__name__)


def stale(db: Database, archive: Archive) -> list[Interview]:
    """Interviews whose sheet was written before their last edit (a cheap look: times only)."""
    edits = database.last_edits(db)
    found = []
    for interview in database.interviews(db):
        edit = edits.get(interview.id)
        sheet = archive.sheets_dir / templating.sheet_filename(interview.code)
        # An edit's time is kept to the second: a sheet written in that second may be older than the edit.
        if edit and sheet.exists() and sheet.stat().st_mtime < datetime.fromisoformat(edit.at).timestamp() + 1:
            found.append(interview)
    return found


def out_of_date(db: Database, archive: Archive) -> list[Interview]:
    """Of the ``stale`` sheets, those that would now read differently (what ``loike verify`` reports)."""
    return [
        interview
        for interview in stale(db, archive)
        if (archive.sheets_dir / templating.sheet_filename(interview.code)).read_text(encoding="utf-8")
        != review_sheets.sheet_page(db, archive, interview)
    ]


def write_stale(db: Database, archive: Archive) -> list[str]:
    """Write the ``stale`` sheets again and mark them current (a page that reads the same keeps its bytes but
    takes the time, so it is not looked at again); returns their codes."""
    found = stale(db, archive)
    if found:
        review_sheets.write_sheets(db, archive, only={interview.id for interview in found})
        for interview in found:
            os.utime(archive.sheets_dir / templating.sheet_filename(interview.code))
        log.info("review sheets written again after the review app stopped: %s", ", ".join(i.code for i in found))
    return [interview.code for interview in found]
