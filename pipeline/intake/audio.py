"""Read recordings with PyAV: probe what they declare, make the 16 kHz mono WAV, hand it out in pieces.

Everything streams, so memory stays flat however long the interview: ``normalise`` decodes once into a
temporary float file while it measures loudness, then applies the gain in a second pass over that file.
"""

from __future__ import annotations

import logging
import math
import os
import struct
import tempfile
import wave
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

import av
import numpy as np

from pipeline import files
from pipeline.database.heard import AudioInfo, NormalisedAudio
from pipeline.errors import DecodeFailed, EmptyFile, NoAudioStream, NotAudio
from pipeline.i18n import _

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000
TARGET_DBFS = -20.0
"""Gated RMS the normalised speech is brought to."""
MAX_GAIN_DB = 30.0
PEAK_CEILING_DBFS = -1.0
"""Where the 99.9th-percentile sample may land; the rarer peaks above it are clipped."""
SILENCE_DBFS = -100.0
"""Loudness reported when nothing passes the absolute gate (stored in SQLite and JSON, so not -inf)."""
BLOCK = SAMPLE_RATE * 400 // 1000  # EBU R128 gating block: 400 ms
ABSOLUTE_GATE_DBFS = -70.0
RELATIVE_GATE_DB = -10.0
HIST_FLOOR_DBFS, HIST_STEP_DB, HIST_BINS = -120.0, 0.1, 1500  # covers -120 … +30 dBFS
FLUSH_SAMPLES = SAMPLE_RATE * 10  # decoded audio is gathered into ~10 s slabs: numpy per frame is slow
MAX_DEMUX_ERRORS = 100
TRUNCATION_TOLERANCE, TRUNCATION_MIN_SECONDS = 0.02, 0.3


def probe(path: Path) -> AudioInfo:
    """What the container declares: format, first audio codec, channels, rate, duration."""
    with _open(path) as container:
        stream = container.streams.audio[0]
        codec = stream.codec_context
        info = AudioInfo(
            container=container.format.name,
            codec=codec.codec.canonical_name,
            channels=codec.layout.nb_channels,
            sample_rate=codec.sample_rate,
            declared_duration=_declared_duration(container, stream),
            # Cover art in an MP3 or M4A is a video stream too, marked as an attached picture.
            has_video=any(not s.disposition & av.stream.Disposition.attached_pic for s in container.streams.video),
        )
    if info.container == "wav" and info.codec.startswith("pcm_"):
        # FFmpeg trusts the data chunk size only when the chunk fits in the file (wavdec.c:
        # "wav->data_end <= avio_size(pb)"); otherwise it estimates from the file size, which hides
        # truncation. The header is the declaration, so read it ourselves.
        header = _wav_header_seconds(path)
        if header is not None:
            info = replace(info, declared_duration=header)
    return info


def normalise(src: Path, dest: Path, decoded: Path | None = None) -> NormalisedAudio:
    """Decode ``src`` once and write it to ``dest`` as a loudness-normalised 16 kHz mono 16-bit WAV.

    With ``decoded``, the audio as decoded (16 kHz mono float32, before any gain) is kept there too:
    Whisper is fed that, not the normalised copy, because its log-mel features are not invariant to
    gain and the gained, clipped, 16-bit copy cost accuracy (docs/benchmarks.md).
    """
    raw_fd, raw_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".f32")
    try:
        with os.fdopen(raw_fd, "wb") as raw:
            stats = _decode_to_raw(src, raw)
        loudness, gain_db = stats.loudness_dbfs(), stats.gain_db()
        log.info("%s: gated loudness %.1f dBFS, gain %+.1f dB", src, loudness, gain_db)
        with files.atomic_path(dest, suffix=".partial") as wav:
            _write_wav(Path(raw_name), wav, 10 ** (gain_db / 20))
        if decoded is not None:
            os.replace(raw_name, decoded)
    finally:
        Path(raw_name).unlink(missing_ok=True)
    return NormalisedAudio(dest, stats.samples / SAMPLE_RATE, round(gain_db, 2), round(loudness, 2))


def damage(relpath: str, info: AudioInfo, decoded_duration: float) -> str | None:
    """A warning when much less was decoded than the file declares (decoders end early without error)."""
    declared = info.declared_duration
    if declared is None:
        return None
    tolerance = max(declared * TRUNCATION_TOLERANCE, TRUNCATION_MIN_SECONDS)
    if declared - decoded_duration <= tolerance:
        return None
    return (
        f"{relpath} declares {_clock(declared)} but only {_clock(decoded_duration)} could be decoded: "
        "the file is probably truncated or damaged; copy it again from the recorder if you can "
        "(transcribed what could be decoded)."
    )


def channel_levels(path: Path, frame_seconds: float = 0.05) -> np.ndarray:
    """Mean power of each channel of the first audio stream in frames of ``frame_seconds``: (frames, channels).

    For a stereo recording with one microphone per person the louder channel says who speaks.
    """
    frame = max(1, int(SAMPLE_RATE * frame_seconds))
    out, tail = [], None
    with _open(path) as container:
        stream = container.streams.audio[0]
        layout = "stereo" if stream.codec_context.layout.nb_channels >= 2 else "mono"
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=SAMPLE_RATE)
        for decoded in _frames(path, container, stream):
            for piece in resampler.resample(decoded):
                x = piece.to_ndarray().astype(np.float64)  # (channels, samples)
                tail = x if tail is None else np.concatenate([tail, x], axis=1)
                whole = tail.shape[1] // frame * frame
                if whole:
                    out.append((tail[:, :whole] ** 2).reshape(len(tail), -1, frame).mean(axis=2).T)
                    tail = tail[:, whole:]
    if tail is not None and tail.shape[1]:
        out.append((tail**2).mean(axis=1)[None, :])
    return np.concatenate(out) if out else np.zeros((0, 2))


# --- probing -------------------------------------------------------------------------------------


def _open(path: Path) -> av.container.InputContainer:
    """Open for reading, turning every way a file can fail to be audio into our errors."""
    if path.stat().st_size == 0:
        raise EmptyFile(path)
    try:
        container = av.open(str(path), mode="r")
    except av.FFmpegError as error:
        if isinstance(error, OSError):  # missing, unreadable: a problem with the disk, not the file's content
            raise
        raise NotAudio(path, (error.strerror or str(error)).lower()) from error
    if not container.streams.audio:
        has_streams = len(container.streams) > 0
        container.close()
        raise NoAudioStream(path) if has_streams else NotAudio(path, _("it holds no audio or video streams"))
    return container


def _declared_duration(container: av.container.InputContainer, stream: av.AudioStream) -> float | None:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return container.duration / av.time_base if container.duration else None


def _wav_header_seconds(path: Path) -> float | None:
    """Duration from a RIFF/WAVE header's data chunk size, or None when it holds a placeholder."""
    byte_rate = None
    with open(path, "rb") as f:
        if f.read(4) != b"RIFF" or f.read(8)[4:] != b"WAVE":
            return None
        while len(head := f.read(8)) == 8:
            tag, size = head[:4], struct.unpack("<I", head[4:])[0]
            body = size + (size & 1)  # chunks are padded to an even length
            if tag == b"fmt " and size >= 12:
                byte_rate = struct.unpack("<8xI", f.read(12))[0]
                f.seek(body - 12, os.SEEK_CUR)
            elif tag == b"data":
                if not byte_rate or size in (0, 0xFFFFFFFF):
                    return None
                return size / byte_rate
            else:
                f.seek(body, os.SEEK_CUR)
    return None


# --- normalising ---------------------------------------------------------------------------------


class _Stats:
    """Gated loudness and a level histogram, gathered slab by slab without keeping samples."""

    def __init__(self) -> None:
        self.samples = 0
        self.block_powers: list[float] = []
        self.tail = np.zeros(0, np.float32)  # the part of a 400 ms block still to come
        self.histogram = np.zeros(HIST_BINS, np.int64)

    def add(self, x: np.ndarray) -> None:
        self.samples += len(x)
        joined = np.concatenate([self.tail, x])
        whole = len(joined) // BLOCK * BLOCK
        blocks = joined[:whole].reshape(-1, BLOCK).astype(np.float64)
        self.block_powers.extend(np.mean(blocks**2, axis=1).tolist())
        self.tail = joined[whole:]
        with np.errstate(divide="ignore"):
            level = 20 * np.log10(np.abs(x))
        bins = np.clip((level - HIST_FLOOR_DBFS) / HIST_STEP_DB, 0, HIST_BINS - 1).astype(np.int64)
        self.histogram += np.bincount(bins, minlength=HIST_BINS)

    def loudness_dbfs(self) -> float:
        """Gated RMS in dBFS, like EBU R128: absolute gate, then 10 dB below the mean of what passed."""
        powers = np.array(self.block_powers or [float(np.mean(self.tail.astype(np.float64) ** 2))])
        powers = powers[powers >= 10 ** (ABSOLUTE_GATE_DBFS / 10)]
        if not len(powers):
            return SILENCE_DBFS
        powers = powers[powers >= np.mean(powers) * 10 ** (RELATIVE_GATE_DB / 10)]
        return 10 * math.log10(float(np.mean(powers)))

    def peak_dbfs(self) -> float:
        """Upper edge of the histogram bin holding the 99.9th-percentile absolute sample."""
        index = int(np.searchsorted(np.cumsum(self.histogram), 0.999 * self.histogram.sum()))
        return HIST_FLOOR_DBFS + (index + 1) * HIST_STEP_DB

    def gain_db(self) -> float:
        loudness = self.loudness_dbfs()
        if loudness <= SILENCE_DBFS:
            return 0.0
        return min(TARGET_DBFS - loudness, MAX_GAIN_DB, PEAK_CEILING_DBFS - self.peak_dbfs())


def _decode_to_raw(src: Path, raw: BinaryIO) -> _Stats:
    """Decode the first audio stream to 16 kHz mono float32 in ``raw``, measuring it on the way."""
    stats, slab, held = _Stats(), [], 0
    with _open(src) as container:
        for samples in _resampled(_frames(src, container, container.streams.audio[0])):
            slab.append(samples)
            held += len(samples)
            if held >= FLUSH_SAMPLES:
                _flush(slab, stats, raw)
                slab, held = [], 0
        _flush(slab, stats, raw)
    if stats.samples == 0:
        raise DecodeFailed(src, _("not one audio frame came out of it"))
    return stats


def _flush(slab: list[np.ndarray], stats: _Stats, raw: BinaryIO) -> None:
    x = np.concatenate(slab) if slab else np.zeros(0, np.float32)
    stats.add(x)
    raw.write(x.astype("<f4").tobytes())


def _resampled(frames: Iterable[av.AudioFrame | None]) -> Iterator[np.ndarray]:
    """16 kHz mono float32 arrays from decoded frames; None at the end flushes the resampler.

    Resampled to 16-bit first, exactly as faster-whisper's own ``decode_audio`` does: Whisper then
    hears the same samples as when it is handed the file, and the word error rate matches.
    """
    resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
    for frame in frames:
        try:
            out = resampler.resample(frame)
        except ValueError:  # the stream changed rate or layout midway: finish the old resampler, start anew
            out = resampler.resample(None)
            resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
            out += resampler.resample(frame)
        for piece in out:
            yield piece.to_ndarray().reshape(-1).astype(np.float32) / np.float32(32768)


def _frames(
    src: Path, container: av.container.InputContainer, stream: av.AudioStream
) -> Iterator[av.AudioFrame | None]:
    """Decoded frames, then None; a corrupt packet is skipped with a warning, not fatal."""
    skipped = demux_errors = 0
    while demux_errors <= MAX_DEMUX_ERRORS:
        try:
            for packet in container.demux(stream):
                try:
                    yield from packet.decode()
                except av.FFmpegError as error:
                    skipped += 1
                    log.debug("%s: skipped a packet at %s: %s", src, packet.pts, error)
            break
        except av.FFmpegError as error:  # the demuxer resyncs on the next call, so carry on reading
            demux_errors += 1
            log.debug("%s: demuxing error: %s", src, error)
    if skipped or demux_errors:
        log.warning("%s: skipped %d undecodable packets and %d demuxing errors", src, skipped, demux_errors)
    yield None


def _write_wav(raw: Path, dest: Path, gain: float) -> None:
    """Second pass: apply the gain, clip what still overshoots, write 16-bit PCM and sync it to disk."""
    with open(raw, "rb") as source, open(dest, "wb") as target:
        with wave.open(target, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(SAMPLE_RATE)
            while chunk := source.read(FLUSH_SAMPLES * 4):
                x = np.clip(np.frombuffer(chunk, "<f4") * gain, -1.0, 1.0)
                out.writeframes(np.rint(x * 32767).astype("<i2").tobytes())
        target.flush()
        os.fsync(target.fileno())


# --- cutting -------------------------------------------------------------------------------------


def _clock(seconds: float) -> str:
    whole = int(round(seconds))
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60:02d}:{rest % 60:02d}"
