"""Small copies of an interview's listening WAV for readers, encoded with PyAV (MP3 or Opus), silent over the
passages closed to the public. PyAV is imported here and in ``audio`` only.

The WAV is read a few seconds at a time and every sample inside a closed span is set to zero before it reaches the
encoder, so nothing of a closed passage is in the copy to be found again.
"""

from __future__ import annotations

import wave
from collections.abc import Sequence
from pathlib import Path

import av
import numpy as np

from pipeline import files
from pipeline.errors import ExportError
from pipeline.i18n import _

FORMATS = {"mp3": ("mp3", "libmp3lame", 32_000), "opus": ("ogg", "libopus", 24_000)}
"""Access format → (container, encoder, bits per second): speech at 16 kHz mono, about 14 MB (MP3) or 11 MB
(Opus) an hour."""
EXTENSIONS = {"mp3": ".mp3", "opus": ".opus"}
CHUNK = 16_000 * 10


def encode(wav: Path, dest: Path, fmt: str = "mp3", silences: Sequence[tuple[float, float]] = ()) -> Path:
    """``wav`` (16-bit PCM) as an access copy at ``dest``, silent over ``silences`` (seconds), whole or not at all."""
    container_format, codec, bit_rate = FORMATS[fmt]
    try:
        source = wave.open(str(wav), "rb")  # noqa: SIM115  (closed by the with below, once it is known to open)
    except FileNotFoundError:
        raise ExportError(
            _("The listening copy {wav} is missing: run `loike rebuild --audio`, then publish again.").format(wav=wav)
        ) from None
    except (wave.Error, EOFError) as error:
        raise ExportError(
            _(
                "The listening copy {wav} cannot be read ({error}): run `loike rebuild --audio`, then publish again."
            ).format(wav=wav, error=error)
        ) from error
    dest.parent.mkdir(parents=True, exist_ok=True)
    with source, files.atomic_path(dest, suffix=EXTENSIONS[fmt]) as temp:
        rate, channels = source.getframerate(), source.getnchannels()
        with av.open(str(temp), "w", format=container_format) as out:
            stream = out.add_stream(codec, rate=rate, layout="mono" if channels == 1 else "stereo")
            stream.bit_rate = bit_rate
            position = 0
            while chunk := source.readframes(CHUNK):
                samples = np.frombuffer(chunk, "<i2").reshape(-1, channels).copy()
                _silence(samples, position, rate, silences)
                frame = av.AudioFrame.from_ndarray(
                    samples.reshape(1, -1), format="s16", layout="mono" if channels == 1 else "stereo"
                )
                frame.sample_rate = rate
                for packet in stream.encode(frame):
                    out.mux(packet)
                position += len(samples)
            for packet in stream.encode(None):
                out.mux(packet)
    return dest


def _silence(samples: np.ndarray, first: int, rate: int, silences: Sequence[tuple[float, float]]) -> None:
    for start, end in silences:
        a, b = max(0, int(start * rate) - first), min(len(samples), int(np.ceil(end * rate)) - first)
        if b > a:
            samples[a:b] = 0
