"""Names heard again: before a name from the metadata is offered in a line, Whisper is asked how likely the line is
with it and with each of its rivals (``Suggestion.rivals``: the near names of its kind), read whole against the
line's audio. Where a rival is heard clearly better, the name is not offered (``suggestions.HEARD_BETTER_BY``).

The letters cannot tell a name misheard from another name misheard: "xa bất quân" (said "xã Quốc Tuấn") is alike
enough to "xã Bắc Cường" to be offered it. Whisper, asked again with the names side by side, hears the one said
better most of the time (docs/benchmarks.md, "Names heard again"). A run weighs the names of every interview it
transcribes; ``loike suggest`` weighs those not weighed yet (the metadata came later, a draft was taken, a line
was edited). The weighings are kept (``database.names_heard``), so the review app reads them without a model.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Protocol

import numpy as np

from pipeline import database
from pipeline.database import Database
from pipeline.desk import suggestions
from pipeline.errors import NotFound
from pipeline.i18n import _
from pipeline.intake import slicing
from pipeline.options import TranscribeOptions
from pipeline.settings import Archive, model_cache

AROUND = 0.2
"""Seconds of audio either side of a line: Whisper's times are not exact."""


class Listener(Protocol):
    """A loaded model that says how likely each text is for some audio (``Transcriber.likelihoods``)."""

    def likelihoods(self, samples: np.ndarray, texts: list[str]) -> list[float]: ...


def unweighed(db: Database, archive: Archive, interview: str) -> list[suggestions.Suggestion]:
    """The names an interview's lines would offer that have rivals and were not weighed yet."""
    found = database.interview(db, str(interview))
    heard = database.names_heard(db, found.id) if found else {}
    return [
        s for s in suggestions.suggestions(db, archive, interview) if s.rivals and suggestions.heard_key(s) not in heard
    ]


def hear_names(db: Database, archive: Archive, interview: str, listener: Listener, audio: Path | None = None) -> int:
    """Weigh every name not weighed yet in an interview's lines against its rivals, on the interview's normalised
    WAV with its gain taken off (Whisper heard the audio as decoded, and its features change with loudness), or
    on ``audio`` (a decoded copy) as it is; how many were weighed."""
    found = database.interview(db, str(interview))
    waiting = unweighed(db, archive, interview) if found else []
    if found is None or not waiting:
        return 0
    path, gain = audio, 1.0
    if path is None:
        path = archive.audio_dir / f"{found.code}.wav"
        gain = 10 ** ((database.recording_with_path(db, found.recording_id).gain_db or 0.0) / 20)
    if not path.exists():
        raise NotFound(
            _(
                "The normalised audio of {code} is missing, so its names cannot be heard again: "
                "run `loike rebuild --audio`."
            ).format(code=found.code)
        )
    by_line = defaultdict(list)
    for suggestion in waiting:
        by_line[suggestion.segment_id].append(suggestion)
    lines = {line.id: line for line in database.segments_by_id(db, list(by_line))}
    for segment_id, offered in by_line.items():
        line = lines[segment_id]
        samples = slicing.stretch(path, line.start - AROUND, line.end + AROUND) / np.float32(gain)
        texts = [_with(line.text, s, name) for s in offered for name in (s.suggestion, *s.rivals)]
        scores = iter(listener.likelihoods(samples, texts))
        with database.writing(db):
            for s in offered:
                own, *theirs = [next(scores) for _ in range(1 + len(s.rivals))]
                database.save_name_heard(db, *suggestions.heard_key(s), round(own - max(theirs), 3))
    return len(waiting)


def hear_interviews(
    archive: Archive, interviews: list[str], options: TranscribeOptions = TranscribeOptions(), cache: Path | None = None
) -> int:
    """Weigh the names not weighed yet in these interviews (codes or numbers), the model loaded only if there are
    any; how many were weighed. An interview whose normalised audio is missing is passed over (``NotFound`` for
    the first such, once the rest are done); an archive that may only be read is left as it is."""
    db = database.open_database(archive.database)
    listener, weighed, missing = LoadedWhenNeeded(options, cache or model_cache()), 0, None
    try:
        for interview in [] if database.read_only(db) else interviews:
            try:
                weighed += hear_names(db, archive, interview, listener)
            except NotFound as error:
                missing = missing or error
    finally:
        db.close()
    if missing:
        raise missing
    return weighed


class LoadedWhenNeeded:
    """The model, loaded at the first name there is to weigh (loading costs a second and hundreds of MB)."""

    def __init__(self, options: TranscribeOptions, cache: Path):
        self.options, self.cache = options, cache
        self.model: Listener | None = None

    def likelihoods(self, samples: np.ndarray, texts: list[str]) -> list[float]:
        if self.model is None:
            from pipeline.speech.transcribe import Transcriber

            self.model = Transcriber(self.options, self.cache)
        return self.model.likelihoods(samples, texts)


def _with(text: str, suggestion: suggestions.Suggestion, name: str) -> str:
    """The line with ``name`` in place of the stretch the suggestion is for."""
    return text[: suggestion.offset] + name + text[suggestion.offset + len(suggestion.found) :]
