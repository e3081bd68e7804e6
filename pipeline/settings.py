"""The one place that decides where things live.

Order of precedence for every value: command-line option > environment variable > default.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

ROOT_ENV = "LOIKE_ROOT"
CACHE_ENV = "LOIKE_CACHE"
DATABASE_NAME = "loike.db"


@dataclass(frozen=True)
class Archive:
    """An archive root: originals in recordings/, everything generated in transcripts/."""

    root: Path

    @property
    def recordings(self) -> Path:
        return self.root / "recordings"

    @property
    def transcripts(self) -> Path:
        return self.root / "transcripts"

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def database(self) -> Path:
        return self.transcripts / DATABASE_NAME

    @property
    def audio_dir(self) -> Path:
        """Normalised 16 kHz derivatives, one WAV per interview."""
        return self.transcripts / "audio"

    @property
    def sheets_dir(self) -> Path:
        return self.transcripts / "sheets"

    def relpath(self, path: Path) -> str:
        """A recording's name inside recordings/: forward slashes, NFC (macOS hands out NFD names)."""
        rel = path.relative_to(self.recordings).as_posix()
        return unicodedata.normalize("NFC", rel)

    def original(self, relpath: str) -> Path | None:
        """The regular file (or link to one) stored as ``relpath``, whatever normalisation its name has on disk.

        The database keeps names in NFC; a Mac or some USB sticks write them in NFD, and Linux compares names
        byte for byte, so each part of the path is looked up among its folder's entries by its NFC form.
        None when there is no such file, or when what is there is a named pipe or a device (never to be read).
        """
        exact = self.recordings / relpath
        if _is_file(exact):
            return exact
        path = self.recordings
        for part in relpath.split("/"):
            entry = _entry(path, unicodedata.normalize("NFC", part))
            if entry is None:
                return None
            path = entry
        return path if _is_file(path) else None


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # a folder on the way cannot be opened: the file cannot be read either
        return False


def _entry(folder: Path, nfc_name: str) -> Path | None:
    """The entry of ``folder`` whose name is ``nfc_name`` once in NFC."""
    try:
        with os.scandir(folder) as entries:
            return next((Path(e.path) for e in entries if unicodedata.normalize("NFC", e.name) == nfc_name), None)
    except OSError:  # not a folder, gone, or unreadable: no file there
        return None


def archive(root: str | Path | None = None) -> Archive:
    """The archive at ``root``, else $LOIKE_ROOT, else the current directory."""
    chosen = root or os.environ.get(ROOT_ENV) or os.getcwd()
    return Archive(Path(chosen).expanduser().resolve())


NAME_INTERVIEWERS_ENV = "LOIKE_NAME_INTERVIEWERS"


def names_interviewers_by_voice() -> bool:
    """True when the team lets a run name a label as an interviewer of the interview's metadata whose known voice
    it matches ($LOIKE_NAME_INTERVIEWERS=1); otherwise every match waits for an editor as a proposal."""
    return os.environ.get(NAME_INTERVIEWERS_ENV, "").strip().lower() in ("1", "yes", "true", "on")


def model_cache(cache: str | Path | None = None) -> Path:
    """Where assembled models are kept: option, else $LOIKE_CACHE, else the user's cache folder."""
    if cache:
        return Path(cache).expanduser().resolve()
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser().resolve()
    return user_cache() / "models"


def messages_cache() -> Path:
    """Where the compiled message catalogs are kept: in $LOIKE_CACHE when it is set, else the user's cache folder."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser().resolve() / "messages"
    return user_cache() / "messages"


def user_cache() -> Path:
    """The user's own cache folder for Lời Kể: %LOCALAPPDATA%\\loike on Windows, ~/.cache/loike elsewhere."""
    if os.name == "nt" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "loike"
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "loike"
