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


def archive(root: str | Path | None = None) -> Archive:
    """The archive at ``root``, else $LOIKE_ROOT, else the current directory."""
    chosen = root or os.environ.get(ROOT_ENV) or os.getcwd()
    return Archive(Path(chosen).expanduser().resolve())


def model_cache(cache: str | Path | None = None) -> Path:
    """Where assembled models are kept: option, else $LOIKE_CACHE, else the user's cache folder."""
    if cache:
        return Path(cache).expanduser().resolve()
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser().resolve()
    if os.name == "nt" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "loike" / "models"
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "loike" / "models"
