"""Every error the library raises on purpose.

Each message is one sentence a user can act on: what happened, which file, what to do.
The CLI prints ``str(error)``; nothing here prints or exits.
"""

from __future__ import annotations

from pathlib import Path


class LoikeError(Exception):
    """Base class: an expected failure with a message meant for the user."""


class RecordingError(LoikeError):
    """A recording could not be taken in; the rest of the batch goes on."""

    kind = "recording"

    def __init__(self, path: Path | str, message: str):
        self.path = str(path)
        super().__init__(message)


class EmptyFile(RecordingError):
    kind = "empty"

    def __init__(self, path: Path | str):
        super().__init__(
            path,
            f"{path} is empty (0 bytes): copy the recording again from the phone or recorder.",
        )


class NotAudio(RecordingError):
    kind = "not_audio"

    def __init__(self, path: Path | str, detail: str = ""):
        why = f" ({detail})" if detail else ""
        super().__init__(
            path,
            f"{path} is not a recording that can be decoded{why}: check that it is really audio or video, "
            "or copy it again.",
        )


class NoAudioStream(RecordingError):
    kind = "no_audio"

    def __init__(self, path: Path | str):
        super().__init__(
            path,
            f"{path} has no audio track: find the file that holds the sound of this interview.",
        )


class DecodeFailed(RecordingError):
    kind = "decode_failed"

    def __init__(self, path: Path | str, detail: str):
        super().__init__(
            path,
            f"{path} could not be decoded ({detail}): copy it again, or convert it to WAV or MP3 and drop that in.",
        )


class ModelError(LoikeError):
    """The speech model could not be found, assembled or loaded."""


class EvaluationError(LoikeError):
    """``loike eval`` has nothing to score: no such folder, or no recording with a reference beside it."""


class ArchiveError(LoikeError):
    """The archive root is unusable (missing folder, unwritable transcripts/, broken database)."""


class NotFound(LoikeError):
    """An interview or recording named by the user does not exist."""
