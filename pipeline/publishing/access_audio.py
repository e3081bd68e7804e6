"""The access copy of an interview's audio that readers hear (the published site, the public package, the OHMS
viewer): made once and kept in transcripts/access/, named by what it is made from (the recording, the format and
the spans closed to the public), so it is made again only when one of these changes."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from pipeline.intake import access_copies
from pipeline.publishing import redaction
from pipeline.publishing.transcript import Transcript
from pipeline.settings import Archive

log = logging.getLogger(__name__)
FORMATS = tuple(access_copies.FORMATS)


def access_dir(archive: Archive) -> Path:
    return archive.transcripts / "access"


def copy_name(t: Transcript, fmt: str = "mp3") -> str:
    """ "LK-2026-001.3f2a…mp3": the code, then a hash of what the copy is made from."""
    recipe = f"{t.interview.sha256}|{fmt}|{access_copies.FORMATS[fmt]}|{redaction.silences(t)}"
    return f"{t.code}.{hashlib.sha256(recipe.encode()).hexdigest()[:12]}{access_copies.EXTENSIONS[fmt]}"


def access_copy(archive: Archive, t: Transcript, fmt: str = "mp3") -> Path:
    """The access copy of ``t`` (a public transcript: its closed passages are silent), made if not made yet; older
    copies of the interview are removed."""
    extension = access_copies.EXTENSIONS[fmt]
    path = access_dir(archive) / copy_name(t, fmt)
    if not path.exists():
        access_copies.encode(archive.audio_dir / f"{t.code}.wav", path, fmt, redaction.silences(t))
        log.info("access copy %s made", path.name)
        for old in access_dir(archive).glob(f"{t.code}.*{extension}"):
            if old != path and old.name.count(".") == 2:
                old.unlink(missing_ok=True)
    return path
