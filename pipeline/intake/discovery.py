"""Find recordings under recordings/ and identify each by the sha256 of its bytes."""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Iterable, Iterator
from fnmatch import fnmatch
from dataclasses import dataclass
from pathlib import Path

from pipeline.settings import Archive

log = logging.getLogger(__name__)

IGNORED = (".*", "~*", "._*", "*.part", "*.tmp", "*.crdownload", "*.partial")
MEDIA_SUFFIXES = frozenset(
    ".mp3 .m4a .aac .amr .awb .wav .wave .flac .ogg .oga .opus .wma .aif .aiff .caf .ac3 .mka .wv .dss"
    " .mp4 .m4v .mov .3gp .3gpp .3g2 .mkv .webm .avi .mpeg .mpg .ts .mts .m2ts .vob .wmv .flv".split()
)
"""Extensions taken as recordings; anything else (notes, sidecar metadata, photos) is left alone."""
SETTLE_SECONDS = 2.0
"""A file changed less than this long ago may still be being copied: it is looked at twice."""


@dataclass(frozen=True)
class SourceFile:
    """A file found under ``recordings/``, before it is read."""

    path: Path  # absolute
    relpath: str  # relative to recordings/, forward slashes, NFC
    size: int
    mtime: float


def is_candidate(name: str) -> bool:
    lowered = name.lower()
    if any(fnmatch(lowered, pattern) for pattern in IGNORED):
        return False
    return Path(lowered).suffix in MEDIA_SUFFIXES


def scan(archive: Archive) -> list[SourceFile]:
    """Every candidate recording under recordings/, sorted by name, hidden folders skipped."""
    found = []
    for path in _walk(archive.recordings):
        stat = path.stat()
        found.append(SourceFile(path, archive.relpath(path), stat.st_size, stat.st_mtime))
    return sorted(found, key=lambda f: f.relpath)


def _walk(folder: Path) -> Iterator[Path]:
    if not folder.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "~")))
        for name in sorted(filenames):
            if is_candidate(name):
                yield Path(dirpath) / name


def settled(files: Iterable[SourceFile], settle_seconds: float = SETTLE_SECONDS) -> tuple[list[SourceFile], list[SourceFile]]:
    """Split files into (settled, still changing).

    Files last touched within ``settle_seconds`` are stat'ed again after that long: one wait for
    the whole batch, not one per file. A file whose size or mtime moved is still being copied.
    """
    files = list(files)
    now = time.time()
    recent = [f for f in files if now - f.mtime < settle_seconds]
    if not recent:
        return files, []
    time.sleep(max(0.0, settle_seconds - (now - max(f.mtime for f in recent))))
    moving = {f.path for f in recent if not unchanged(f)}
    return [f for f in files if f.path not in moving], [f for f in files if f.path in moving]


def unchanged(source: SourceFile) -> bool:
    try:
        stat = source.path.stat()
    except FileNotFoundError:
        return False
    return stat.st_size == source.size and stat.st_mtime == source.mtime


def sha256(path: Path, block: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(block):
            digest.update(chunk)
    return digest.hexdigest()
