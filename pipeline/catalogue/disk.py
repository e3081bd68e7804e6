"""Finding the files metadata names, as people write names (any case, NFC or NFD); opening one only when it is
an ordinary file of a sane size."""

from __future__ import annotations

import os
import stat
import unicodedata
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from pipeline.catalogue.fields import Invalid


def file_key(name: str) -> str:
    """A file name as people see it: NFC (macOS hands out NFD), any case, no stray spaces."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name.strip()).casefold())


class Disk:
    """Folder listings under one root, read once, looked up by ``file_key``."""

    def __init__(self, root: Path):
        self.root = root
        self._listings: dict[str, dict[str, Path]] = {}

    def listing(self, folder: str) -> dict[str, Path]:
        if folder not in self._listings:
            parent, _, name = folder.rpartition("/")
            path = self.root if not folder else self.listing(parent).get(file_key(name))
            try:
                self._listings[folder] = {file_key(e.name): Path(e.path) for e in os.scandir(path)} if path else {}
            except OSError:  # not a folder, or unreadable: nothing to find there
                self._listings[folder] = {}
        return self._listings[folder]

    def find(self, folder: str, name: str) -> tuple[Path, str] | None:
        """The file and its relpath (NFC) for ``name`` in ``folder``, if there is one."""
        path = self.listing(folder).get(file_key(name))
        if path is None:
            return None
        return path, unicodedata.normalize("NFC", (PurePosixPath(folder) / path.name).as_posix())

    def exists(self, rel: str) -> bool:
        folder, _, name = rel.rpartition("/")
        return self.find(folder, name) is not None


_NOT_A_FILE = {stat.S_IFDIR: ("một thư mục", "a folder"), stat.S_IFIFO: ("một đường ống (FIFO)", "a pipe (FIFO)")}


def open_regular(path: Path, limit: int) -> BinaryIO:
    """``path`` open for reading when it is an ordinary file of at most ``limit`` bytes; ``Invalid`` otherwise.

    Opened without blocking and judged by the open handle: a FIFO named NAME.yaml would hold the run at
    ``open`` until something wrote to it, and a device would never end.
    """
    handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            what = _NOT_A_FILE.get(stat.S_IFMT(info.st_mode), ("một tệp thiết bị", "a device or other special file"))
            raise Invalid("not_a_file", "—", what_vi=what[0], what_en=what[1])
        if info.st_size > limit:
            raise Invalid("too_big", "—", size=size_text(info.st_size), limit=size_text(limit))
        return os.fdopen(handle, "rb")  # O_NONBLOCK does nothing to an ordinary file
    except BaseException:
        os.close(handle)
        raise


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of ``path``, under the rules of ``open_regular``; a file that grew past ``limit`` meanwhile too."""
    with open_regular(path, limit) as file:
        data = file.read(limit + 1)
    if len(data) > limit:
        raise Invalid("too_big", "—", size=f"> {size_text(limit)}", limit=size_text(limit))
    return data


def size_text(size: int) -> str:
    return f"{size / 2**20:.0f} MB" if size >= 2**20 else f"{size / 2**10:.0f} KB"
