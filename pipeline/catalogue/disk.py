"""Finding the files metadata names, as people write names (any case, NFC or NFD)."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path, PurePosixPath


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


