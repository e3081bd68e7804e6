"""Audio clips of quotes, cut from an interview's normalised WAV (pydub is imported here and nowhere else).

Only the clip's own frames are read (with ``wave``), so a clip from a two-hour interview costs what the clip costs.
WAV needs nothing else; MP3 and OGG are encoded by pydub through ffmpeg, which must be installed.
"""

from __future__ import annotations

import math
import re
import shutil
import unicodedata
import wave
from collections.abc import Sequence
from pathlib import Path

from pipeline import files
from pipeline.errors import ExportError, unwritable
from pipeline.i18n import _

FORMATS = ("wav", "mp3", "ogg")
FADE_MS = 10
"""A fade this long at each end, so a clip cut mid-sound does not start or stop with a click."""
NAME_BYTES = 180
"""File names stay under this many bytes (most file systems allow 255; Vietnamese letters take 2–3 bytes)."""


def check_encoder(fmt: str) -> None:
    """Fail before anything is cut when the format cannot be written here."""
    if fmt not in FORMATS:
        raise ExportError(
            _("Unknown clip format {fmt!r}: use one of {formats}.").format(fmt=fmt, formats=", ".join(FORMATS))
        )
    if fmt != "wav" and shutil.which("ffmpeg") is None:
        raise ExportError(
            _(
                "{fmt} clips need ffmpeg, which is not installed on this computer: install it (apt install "
                "ffmpeg, brew install ffmpeg or from ffmpeg.org) or use --clip-format wav."
            ).format(fmt=fmt.upper())
        )


def safe_name(text: str, suffix: str) -> str:
    """A file name made from ``text``: Vietnamese letters kept (NFC), characters no file system allows replaced,
    cut at a word to fit in NAME_BYTES."""
    name = unicodedata.normalize("NFC", text)
    name = re.sub(r'[<>:"/\\|?*\x00-\x1f]', "-", name)
    name = re.sub(r"\s+", " ", name).strip(" .-")
    while len((name + suffix).encode("utf-8")) > NAME_BYTES:
        cut = name.rfind(" ", 0, len(name) - 1)
        name = (name[:cut] if cut > 20 else name[:-1]).rstrip(" .,;-")
    return (name or "clip") + suffix


def silenced(frames: bytes, first: int, rate: int, width: int, silences: Sequence[tuple[float, float]]) -> bytes:
    """Mono PCM ``frames`` beginning at frame ``first``, with every sample inside ``silences`` set to zero."""
    data = bytearray(frames)
    count = len(data) // width
    for start, end in silences:
        a, b = max(0, int(start * rate) - first), min(count, math.ceil(end * rate) - first)
        if b > a:
            data[a * width : b * width] = bytes((b - a) * width)
    return bytes(data)


def cut(
    wav: Path, start: float, end: float, dest: Path, fmt: str = "wav", silences: Sequence[tuple[float, float]] = ()
) -> Path:
    """The audio of ``wav`` from ``start`` to ``end`` seconds, silent over each of ``silences`` (seconds of the
    recording: passages closed to the public), written whole to ``dest`` or not at all."""
    from pydub import AudioSegment  # here, not at the top: only the clip export needs it

    check_encoder(fmt)
    try:
        with wave.open(str(wav), "rb") as source:
            rate = source.getframerate()
            first = max(0, int(start * rate))
            last = min(source.getnframes(), math.ceil(end * rate))
            source.setpos(min(first, source.getnframes()))
            frames = silenced(source.readframes(max(0, last - first)), first, rate, source.getsampwidth(), silences)
            piece = AudioSegment(
                data=frames, sample_width=source.getsampwidth(), frame_rate=rate, channels=source.getnchannels()
            )
    except FileNotFoundError:
        raise ExportError(
            _("The listening copy {wav} is missing: run `loike rebuild --audio`, then export again.").format(wav=wav)
        ) from None
    except (wave.Error, EOFError) as error:
        raise ExportError(
            _(
                "The listening copy {wav} cannot be read ({error}): run `loike rebuild --audio`, then export again."
            ).format(wav=wav, error=error)
        ) from error
    piece = piece.fade_in(min(FADE_MS, len(piece) // 2)).fade_out(min(FADE_MS, len(piece) // 2))
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        with files.atomic_path(dest, suffix=f".{fmt}") as temp:
            piece.export(str(temp), format=fmt)
    except OSError as error:
        raise unwritable(dest, error, _("The clip")) from error
    except Exception as error:  # pydub raises its own errors when ffmpeg fails
        raise ExportError(
            _("The clip {dest} could not be encoded as {fmt} ({error}): try --clip-format wav.").format(
                dest=dest, fmt=fmt, error=error
            )
        ) from error
    return dest
