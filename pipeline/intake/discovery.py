"""Find recordings under recordings/ and identify each by the sha256 of its bytes.

Only regular files are read (a link to one is followed, wherever it points); a named pipe, a device, a socket,
a dead link or a link to a folder is passed over with one sentence, and nothing is opened in a way that can block.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import stat
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

from pipeline.errors import PassedOver
from pipeline.i18n import _
from pipeline.settings import Archive

log = logging.getLogger(__name__)

IGNORED = (".*", "~*", "._*", "*.part", "*.tmp", "*.crdownload", "*.partial")
MEDIA_SUFFIXES = frozenset(
    [
        ".mp3",
        ".m4a",
        ".aac",
        ".amr",
        ".awb",
        ".wav",
        ".wave",
        ".flac",
        ".ogg",
        ".oga",
        ".opus",
        ".wma",
        ".aif",
        ".aiff",
        ".caf",
        ".ac3",
        ".mka",
        ".wv",
        ".dss",
        ".mp4",
        ".m4v",
        ".mov",
        ".3gp",
        ".3gpp",
        ".3g2",
        ".mkv",
        ".webm",
        ".avi",
        ".mpeg",
        ".mpg",
        ".ts",
        ".mts",
        ".m2ts",
        ".vob",
        ".wmv",
        ".flv",
    ]
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


@dataclass
class Survey:
    """What one look at recordings/ found: the recordings to consider, and every odd entry passed over."""

    files: list[SourceFile] = field(default_factory=list)
    passed_over: list[PassedOver] = field(default_factory=list)


def survey(archive: Archive) -> Survey:
    """Every candidate recording under recordings/ that is a regular file (or a link to one), sorted by name,
    hidden folders skipped; every other entry with a recording's name gets one sentence in ``passed_over``.

    Only names and stat results are looked at: nothing is opened, so a named pipe cannot block the look.
    """
    found = Survey()
    for path in _walk(archive, found.passed_over):
        try:
            found.files.append(_examine(archive, path))
        except PassedOver as odd:
            found.passed_over.append(odd)
    found.files.sort(key=lambda f: f.relpath)
    found.passed_over.sort(key=lambda odd: odd.relpath)
    return found


def scan(archive: Archive) -> list[SourceFile]:
    """The recordings ``survey`` finds, without what it passed over."""
    return survey(archive).files


def _walk(archive: Archive, passed_over: list[PassedOver]) -> Iterator[Path]:
    if not archive.recordings.is_dir():
        return

    def unlistable(error: OSError) -> None:
        passed_over.append(_unreadable_folder(archive, Path(error.filename), error))

    # Links to folders are not followed (os.walk's default): one can lead back to a folder above it.
    for dirpath, dirnames, filenames in os.walk(archive.recordings, onerror=unlistable):
        folder = Path(dirpath)
        visible = sorted(d for d in dirnames if not d.startswith((".", "~")))
        dirnames[:] = [d for d in visible if _descend(archive, folder / d, passed_over)]
        for name in sorted(filenames):
            if is_candidate(name):
                yield folder / name


def _descend(archive: Archive, folder: Path, passed_over: list[PassedOver]) -> bool:
    """Whether to look inside ``folder``; a link to a folder, or a folder named like a recording, is said."""
    rel = archive.relpath(folder)
    if folder.is_symlink():
        passed_over.append(
            PassedOver(
                rel,
                "link_to_folder",
                (
                    _(
                        "recordings/{rel} is a link to the folder {target}, which is not followed (a link to a "
                        "folder can lead back into itself): copy the recordings into recordings/, or link each "
                        "file."
                    ).format(rel=rel, target=_target(folder))
                ),
            )
        )
        return False
    if is_candidate(folder.name):
        passed_over.append(
            PassedOver(
                rel,
                "folder",
                (
                    _(
                        "recordings/{rel} is a folder, not a recording: the recordings inside it are taken as "
                        "from any other folder; rename it if the name is a mistake."
                    ).format(rel=rel)
                ),
            )
        )
    return True


def _examine(archive: Archive, path: Path) -> SourceFile:
    """``path`` as a SourceFile if it is a regular file now; PassedOver with one sentence if it is not.

    A link is followed: a link to a recording on a USB stick is taken like the recording itself. A link to
    a named pipe, a device or a socket is not, since reading one can block or never end.
    """
    rel = archive.relpath(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            raise PassedOver(
                rel,
                "broken_link",
                (
                    _(
                        "recordings/{rel} is a link to {target}, which is not there: plug in the drive it "
                        "points to, or remove the link."
                    ).format(rel=rel, target=_target(path))
                ),
            ) from None
        raise _vanished(rel) from None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise PassedOver(
                rel,
                "broken_link",
                (
                    _(
                        "recordings/{rel} is a link that leads back to itself: remove it and copy the recording "
                        "itself in."
                    ).format(rel=rel)
                ),
            ) from None
        raise _unreadable(rel, error) from None
    if not stat.S_ISREG(info.st_mode):
        raise _not_a_file(rel, path, info.st_mode)
    return SourceFile(path, rel, info.st_size, info.st_mtime)


def identify(archive: Archive, source: SourceFile) -> str:
    """The sha256 of a file ``survey`` found, read now; PassedOver when that cannot be done, saying why."""
    try:
        return sha256(source.path)
    except OSError as error:
        _examine(archive, source.path)  # raises PassedOver for what is there now: nothing, a pipe, a dead link
        raise _unreadable(source.relpath, error) from error


def _not_a_file(rel: str, path: Path, mode: int) -> PassedOver:
    what = (
        _("a named pipe")
        if stat.S_ISFIFO(mode)
        else _("a socket")
        if stat.S_ISSOCK(mode)
        else _("a device")
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else _("not a regular file")
    )
    if path.is_symlink():
        return PassedOver(
            rel,
            "not_a_file",
            (
                _(
                    "recordings/{rel} is a link to {target}, {what}, so it is not read: remove the link and "
                    "copy the recording itself in."
                ).format(rel=rel, target=_target(path), what=what)
            ),
        )
    return PassedOver(
        rel,
        "not_a_file",
        (
            _(
                "recordings/{rel} is {what}, not a recording file, so it is not read: remove it and put the "
                "recording itself there."
            ).format(rel=rel, what=what)
        ),
    )


def _target(link: Path) -> str:
    """Where a link points, as an absolute path (a relative target is relative to the link's folder)."""
    return os.path.normpath(link.parent / os.readlink(link))


def _vanished(rel: str) -> PassedOver:
    return PassedOver(
        rel,
        "vanished",
        (
            _(
                "recordings/{rel} disappeared while it was being looked at (moved or deleted?): if it was "
                "moved, the next run takes it from its new place."
            ).format(rel=rel)
        ),
    )


def _unreadable(rel: str, error: OSError) -> PassedOver:
    return PassedOver(
        rel,
        "unreadable",
        (
            _(
                "recordings/{rel} cannot be read ({strerror}): give your user permission to read it (chmod a+r) "
                "or copy it again, then run again."
            ).format(rel=rel, strerror=error.strerror or error)
        ),
        failed=True,
    )


def _unreadable_folder(archive: Archive, folder: Path, error: OSError) -> PassedOver:
    rel = archive.relpath(folder)
    shown = f"recordings/{rel}" if rel != "." else "recordings/"
    return PassedOver(
        rel,
        "unreadable",
        (
            _(
                "The folder {shown} cannot be read ({strerror}): give your user permission to open it (chmod "
                "a+rx), then run again."
            ).format(shown=shown, strerror=error.strerror or error)
        ),
        failed=True,
    )


def settled(
    files: Iterable[SourceFile], settle_seconds: float = SETTLE_SECONDS
) -> tuple[list[SourceFile], list[SourceFile]]:
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
        now = source.path.stat()
    except OSError:
        return False
    return now.st_size == source.size and now.st_mtime == source.mtime


class NotAFile(OSError):
    """Raised instead of reading a named pipe, a device or a socket: the read could block or never end."""


def sha256(path: Path, block: int = 1 << 20) -> str:
    """The sha256 of a regular file's bytes; NotAFile for anything else, before a byte is read.

    Opened non-blocking, so a named pipe put in a file's place since it was looked at cannot hang the open.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    with open(os.open(path, flags), "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise NotAFile(errno.EINVAL, "not a regular file", str(path))
        digest = hashlib.sha256()
        while chunk := handle.read(block):
            digest.update(chunk)
    return digest.hexdigest()
