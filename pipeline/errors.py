"""Every error the library raises on purpose.

Each message is one sentence a user can act on: what happened, which file, what to do.
The CLI prints ``str(error)``; nothing here prints or exits.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.i18n import _, ngettext


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
            _("{path} is empty (0 bytes): copy the recording again from the phone or recorder.").format(path=path),
        )


class NotAudio(RecordingError):
    kind = "not_audio"

    def __init__(self, path: Path | str, detail: str = ""):
        why = f" ({detail})" if detail else ""
        super().__init__(
            path,
            _(
                "{path} is not a recording that can be decoded{why}: check that it is really audio or video, or "
                "copy it again."
            ).format(path=path, why=why),
        )


class NoAudioStream(RecordingError):
    kind = "no_audio"

    def __init__(self, path: Path | str):
        super().__init__(
            path,
            _("{path} has no audio track: find the file that holds the sound of this interview.").format(path=path),
        )


class DecodeFailed(RecordingError):
    kind = "decode_failed"

    def __init__(self, path: Path | str, detail: str):
        super().__init__(
            path,
            _(
                "{path} could not be decoded ({detail}): copy it again, or convert it to WAV or MP3 and drop that in."
            ).format(path=path, detail=detail),
        )


class PassedOver(LoikeError):
    """An entry under recordings/ this run does not take: not a regular file, gone, or unreadable.

    The rest of the batch goes on and the entry is looked at again on the next run. ``failed`` marks a
    recording that could not be read (the run fails); otherwise it is a warning about something that is no
    recording at all (a named pipe, a link to nowhere).
    """

    def __init__(self, relpath: str, kind: str, message: str, failed: bool = False):
        self.relpath, self.kind, self.failed = relpath, kind, failed
        super().__init__(message)


class ModelError(LoikeError):
    """The speech model could not be found, assembled or loaded."""


class DownloadStopped(LoikeError):
    """A model's download was cut short (the network went, Ctrl-C); what came is kept, and the same command resumes."""


class DiarizeError(LoikeError):
    """Speakers could not be told apart (the optional model failed to load); the transcript is kept."""


class ExportError(LoikeError):
    """An export, quote list, clip or package could not be written where asked."""


def unwritable(path: Path | str, error: OSError, what: str | None = None) -> ExportError:
    """One sentence for a file that cannot be written: what (translated: "The clip"), which file, what to do."""
    what = what or _("The export")
    reason = error.strerror or str(error)
    return ExportError(
        _(
            "{what} {path} could not be written ({reason}): check that the folder exists and is writable and "
            "that the disk is not full, or choose another place with -o / --output-dir."
        ).format(what=what, path=path, reason=reason)
    )


class PackageInvalid(LoikeError):
    """A BagIt package failed validation; ``problems`` holds one sentence per problem."""

    def __init__(self, path: Path | str, problems: list[str]):
        self.path = str(path)
        self.problems = problems
        super().__init__(
            ngettext(
                ("The package {path} is not valid: {count} problem."),
                ("The package {path} is not valid: {count} problems."),
                len(problems),
            ).format(path=path, count=len(problems))
        )


class EvaluationError(LoikeError):
    """``loike eval`` has nothing to score: no such folder, or no recording with a reference beside it."""


class ArchiveError(LoikeError):
    """The archive root is unusable (missing folder, unwritable transcripts/, broken database)."""


class NotFound(LoikeError):
    """An interview or recording named by the user does not exist."""


class InvalidEdit(LoikeError):
    """An editor's change that cannot be made as asked (empty text, a split outside the text …).

    ``vi`` says the same to the editor in the review app."""

    def __init__(self, message: str, vi: str | None = None):
        self.vi = vi
        super().__init__(message)


class Conflict(LoikeError):
    """A change based on an older version of a segment: someone else saved it in between."""

    def __init__(self, current):
        self.current = current  # the segment as it is now (a ``database.models.Segment``)
        super().__init__(
            _(
                "Segment {id} was changed by {edited_by} (now version {version}): compare both versions, then "
                "save again."
            ).format(id=current.id, edited_by=current.edited_by or _("someone else"), version=current.version)
        )


class ServeError(LoikeError):
    """The review app cannot start (the port is taken, the address does not exist here)."""


class ClusterError(LoikeError):
    """Transcription on a Ray cluster cannot start or go on (Ray missing, no cluster at the address, no room for a
    transcriber, a recording whose transcriber died again and again)."""

    kind = "cluster"


class WorkshopError(LoikeError):
    """The workshop's papers cannot be made as asked: an event with no passage, a conclusion without its answer, a
    gazetteer with a mistake (the sentence names the file and the line). ``vi`` says it to the editor in the review
    app, where there is a Vietnamese sentence for it."""

    def __init__(self, message: str, vi: str | None = None):
        self.vi = vi
        super().__init__(message)
