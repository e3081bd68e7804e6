"""pipeline.audio on real files: the committed fixtures (see fixtures/make_fixtures.sh) and WAVs made in tmp_path."""

from __future__ import annotations

import hashlib
import logging
import math
import wave
from pathlib import Path

import numpy as np
import pytest

from pipeline.database.heard import AudioInfo
from pipeline.errors import DecodeFailed, EmptyFile, NoAudioStream, NotAudio
from pipeline.intake import audio, slicing

FIXTURES = Path(__file__).parent / "fixtures"
SPEECH_SECONDS = 59305 / 22050  # what espeak-ng made, before any encoding
MP4 = "mov,mp4,m4a,3gp,3g2,mj2"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(autouse=True)
def fixtures_untouched():
    """No operation may ever modify a source recording."""
    before = {p.name: sha256(p) for p in FIXTURES.iterdir() if p.is_file()}
    yield
    assert {p.name: sha256(p) for p in FIXTURES.iterdir() if p.is_file()} == before


def write_wav(path: Path, samples: np.ndarray, rate: int = 16000) -> Path:
    """Float samples in [-1, 1], shape (n,) or (n, channels), as 16-bit PCM."""
    channels = 1 if samples.ndim == 1 else samples.shape[1]
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(np.rint(np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def read_wav(path: Path) -> tuple[wave._wave_params, np.ndarray]:
    with wave.open(str(path), "rb") as w:
        return w.getparams(), np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float64) / 32768


def rms_db(x: np.ndarray) -> float:
    return 10 * math.log10(np.mean(np.asarray(x, np.float64) ** 2))


# --- probe ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, container, codec, channels, rate, has_video, seconds",
    [
        ("vi_speech.wav", "wav", "pcm_s16le", 1, 11025, False, SPEECH_SECONDS),
        ("vi_speech.mp3", "mp3", "mp3", 1, 22050, False, SPEECH_SECONDS),
        ("vi_speech.m4a", MP4, "aac", 1, 22050, False, SPEECH_SECONDS),
        ("vi_speech.ogg", "ogg", "opus", 1, 48000, False, SPEECH_SECONDS),
        # AMR declares nothing; FFmpeg estimates the duration from the bit rate.
        ("vi_speech.amr", "amr", "amr_nb", 1, 8000, False, SPEECH_SECONDS),
        ("vi_speech_video.mp4", MP4, "aac", 1, 22050, True, SPEECH_SECONDS),
        ("stereo_quiet.wav", "wav", "pcm_s16le", 2, 44100, False, 0.55),
    ],
)
def test_probe_reports_what_the_container_declares(name, container, codec, channels, rate, has_video, seconds):
    info = audio.probe(FIXTURES / name)
    assert (info.container, info.codec, info.channels, info.sample_rate, info.has_video) == (
        container,
        codec,
        channels,
        rate,
        has_video,
    )
    assert info.declared_duration == pytest.approx(seconds, abs=0.2)


@pytest.mark.parametrize(
    "name, error", [("empty.mp3", EmptyFile), ("not_audio.mp3", NotAudio), ("video_no_audio.mp4", NoAudioStream)]
)
def test_unusable_files_raise_named_errors(name, error, tmp_path):
    with pytest.raises(error) as raised:
        audio.probe(FIXTURES / name)
    assert raised.value.path == str(FIXTURES / name)
    with pytest.raises(error):
        audio.normalise(FIXTURES / name, tmp_path / "out.wav")
    assert list(tmp_path.iterdir()) == []


# --- normalise -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["vi_speech.wav", "vi_speech.mp3", "vi_speech.m4a", "vi_speech.ogg", "vi_speech.amr", "vi_speech_video.mp4"]
)
def test_normalise_writes_16k_mono_16bit_wav(name, tmp_path):
    result = audio.normalise(FIXTURES / name, tmp_path / "out.wav")
    params, samples = read_wav(tmp_path / "out.wav")
    assert (params.framerate, params.nchannels, params.sampwidth) == (16000, 1, 2)
    assert result.path == tmp_path / "out.wav"
    assert result.duration == params.nframes / 16000
    assert result.duration == pytest.approx(SPEECH_SECONDS, abs=0.05)
    # espeak speaks at about -17 to -19 dBFS (the AAC copies a little louder), so little gain is needed for -20.
    assert -21 < result.loudness_dbfs < -17
    assert result.gain_db == pytest.approx(-20 - result.loudness_dbfs, abs=0.05)
    assert list(tmp_path.iterdir()) == [tmp_path / "out.wav"]


def test_normalise_brings_up_a_quiet_stereo_voice(tmp_path):
    _, original = read_wav(FIXTURES / "stereo_quiet.wav")
    speech = original[0::2]  # left channel; the right one is silent
    result = audio.normalise(FIXTURES / "stereo_quiet.wav", tmp_path / "out.wav")
    _, out = read_wav(tmp_path / "out.wav")
    assert rms_db(out) - rms_db(speech) > 15
    assert result.gain_db > 15
    assert result.duration == pytest.approx(0.55, abs=0.01)


def test_gain_is_capped_and_keeps_peaks_below_ceiling(tmp_path):
    # A steady -60 dBFS tone needs +40 dB; the cap allows +30.
    t = np.arange(16000 * 2) / 16000
    write_wav(tmp_path / "faint.wav", 10 ** (-57 / 20) * np.sin(2 * np.pi * 300 * t))
    assert audio.normalise(tmp_path / "faint.wav", tmp_path / "out.wav").gain_db == 30.0
    # Speech-like bursts with rare loud clicks: the 99.9th percentile limits the gain, the clicks are clipped.
    x = 0.01 * np.sin(2 * np.pi * 300 * t)
    x[::500] = 0.9  # 0.2 % of samples
    write_wav(tmp_path / "clicks.wav", x)
    result = audio.normalise(tmp_path / "clicks.wav", tmp_path / "out.wav")
    _, out = read_wav(tmp_path / "out.wav")
    assert np.percentile(np.abs(out), 99.9) <= 10 ** (-1 / 20) + 1e-3
    assert result.gain_db < -20 - result.loudness_dbfs


def test_normalise_silence_applies_no_gain(tmp_path):
    src = write_wav(tmp_path / "silence.wav", np.zeros(44100 * 3), rate=44100)
    result = audio.normalise(src, tmp_path / "out.wav")
    assert result.gain_db == 0.0
    assert result.loudness_dbfs == audio.SILENCE_DBFS
    assert result.duration == 3.0
    _, out = read_wav(tmp_path / "out.wav")
    assert not out.any()


def test_a_corrupt_packet_is_skipped_not_fatal(tmp_path, caplog):
    data = bytearray((FIXTURES / "vi_speech.mp3").read_bytes())
    middle = len(data) // 2
    data[middle : middle + 1500] = bytes(range(256)) * 5 + bytes(220)  # garbage where frames should be
    src = tmp_path / "corrupt.mp3"
    src.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING, logger="pipeline.intake.audio"):
        result = audio.normalise(src, tmp_path / "out.wav")
    assert "undecodable packets" in caplog.text
    assert result.duration > 0.8 * SPEECH_SECONDS


def test_nothing_decodable_raises_decode_failed_and_leaves_nothing(tmp_path):
    src = write_wav(tmp_path / "no_samples.wav", np.zeros(0))
    dest = tmp_path / "out" / "out.wav"
    dest.parent.mkdir()
    dest.write_bytes(b"the previous good WAV")
    with pytest.raises(DecodeFailed):
        audio.normalise(src, dest)
    assert dest.read_bytes() == b"the previous good WAV"
    assert list(dest.parent.iterdir()) == [dest]


def test_normalise_replaces_an_existing_dest_only_on_success(tmp_path):
    dest = tmp_path / "out.wav"
    dest.write_bytes(b"old")
    with pytest.raises(NotAudio):
        audio.normalise(FIXTURES / "not_audio.mp3", dest)
    assert dest.read_bytes() == b"old"
    audio.normalise(FIXTURES / "vi_speech.mp3", dest)
    assert read_wav(dest)[0].framerate == 16000
    assert list(tmp_path.iterdir()) == [dest]


def test_a_source_made_here_is_not_modified(tmp_path):
    src = tmp_path / "copy.m4a"
    src.write_bytes((FIXTURES / "vi_speech.m4a").read_bytes())
    before = sha256(src)
    audio.probe(src)
    audio.normalise(src, tmp_path / "out.wav")
    assert sha256(src) == before


# --- damage --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, damaged",
    [
        ("vi_speech.wav", False),
        ("truncated.wav", True),
        ("vi_speech.mp3", False),
        ("truncated.mp3", True),
        ("vi_speech.m4a", False),
        ("vi_speech.ogg", False),
        ("vi_speech.amr", False),
        ("vi_speech_video.mp4", False),
    ],
)
def test_damage_flags_truncated_files(name, damaged, tmp_path):
    # truncated.wav: FFmpeg's WAV demuxer trusts the data chunk size only when it fits in the file
    # (wavdec.c, "wav->data_end <= avio_size(pb)"), else it estimates the duration from the file size,
    # so probe() reads the declared size from the RIFF header itself.
    # truncated.mp3: lame's Xing/"Info" header carries the frame count, which FFmpeg's MP3 demuxer uses
    # as the duration, so the cut is seen. An MP3 without that header (lame -t, ffmpeg -write_xing 0,
    # many cheap recorders) gets a duration estimated from bit rate and file size: a truncated one then
    # "declares" what is left and cannot be told from an intact one (checked by hand: 2.36 s declared,
    # 2.38 s decoded for this speech cut to 60 %).
    info = audio.probe(FIXTURES / name)
    decoded = audio.normalise(FIXTURES / name, tmp_path / "out.wav").duration
    message = audio.damage(f"doi-1/{name}", info, decoded)
    if damaged:
        assert decoded < 0.7 * SPEECH_SECONDS
        assert message.startswith(f"doi-1/{name} declares 00:03 but only 00:02 could be decoded: ")
    else:
        assert message is None


def info_declaring(seconds: float | None) -> AudioInfo:
    return AudioInfo("mp3", "mp3", 1, 44100, seconds)


def test_damage_message_and_tolerances():
    assert audio.damage("a.mp3", info_declaring(750), 482) == (
        "a.mp3 declares 12:30 but only 08:02 could be decoded: the file is probably truncated or damaged; "
        "copy it again from the recorder if you can (transcribed what could be decoded)."
    )
    assert "declares 2:00:00 but only 1:01:05" in audio.damage("b.wav", info_declaring(7200), 3665)
    assert audio.damage("c.amr", info_declaring(None), 10) is None
    assert audio.damage("d.mp3", info_declaring(750), 750 * 0.981) is None  # within 2 %
    assert audio.damage("e.mp3", info_declaring(1.0), 0.75) is None  # codec padding on a tiny file
    assert audio.damage("f.mp3", info_declaring(1.0), 0.5) is not None
    assert audio.damage("g.mp3", info_declaring(100), 130) is None  # more than declared loses nothing


# --- read_chunks ---------------------------------------------------------------------------------


def bursts_and_silences(seconds: int, seed: int = 7) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Tone bursts of 2–12 s separated by 0.8–2 s of near silence; returns samples and the silent spans."""
    rng = np.random.default_rng(seed)
    total = seconds * 16000
    x = (rng.standard_normal(total) * 10 ** (-65 / 20)).astype(np.float32)  # a faint noise floor
    silences, at = [], 0
    while at < total:
        burst = int(rng.uniform(2, 12) * 16000)
        t = np.arange(min(burst, total - at)) / 16000
        x[at : at + len(t)] += 0.3 * np.sin(2 * np.pi * rng.uniform(150, 400) * t)
        at += len(t)
        gap = int(rng.uniform(0.8, 2.0) * 16000)
        silences.append((at, min(at + gap, total)))
        at += gap
    return x, silences


@pytest.mark.slow
def test_read_chunks_cuts_long_audio_in_silences(tmp_path):
    x, silences = bursts_and_silences(25 * 60)
    wav = write_wav(tmp_path / "long.wav", x)
    _, stored = read_wav(wav)
    pieces = list(slicing.read_chunks(wav, max_seconds=600))
    assert len(pieces) == 3
    position = 0
    for offset, samples in pieces:
        assert samples.dtype == np.float32
        assert len(samples) <= 600 * 16000
        assert offset == position / 16000  # exact, so time codes stay on the recording's timeline
        np.testing.assert_array_equal(samples, stored[position : position + len(samples)].astype(np.float32))
        position += len(samples)
    assert position == len(x)
    for _, samples in pieces[:-1]:
        assert len(samples) >= 570 * 16000  # the cut is within the last 30 s
    cuts = [round(offset * 16000) for offset, _ in pieces[1:]]
    for cut in cuts:
        assert any(start + 4000 <= cut <= end - 4000 for start, end in silences), cut


def test_read_chunks_short_file_is_one_piece(tmp_path):
    wav = write_wav(tmp_path / "short.wav", np.full(16000 * 3, 0.25))
    pieces = list(slicing.read_chunks(wav))
    assert [(offset, len(samples)) for offset, samples in pieces] == [(0.0, 48000)]
    assert pieces[0][1][0] == pytest.approx(0.25, abs=1e-4)


def test_read_chunks_of_an_exact_multiple(tmp_path):
    wav = write_wav(tmp_path / "even.wav", np.zeros(16000 * 20))
    pieces = list(slicing.read_chunks(wav, max_seconds=10, search_seconds=2))
    assert sum(len(s) for _, s in pieces) == 16000 * 20
    assert all(len(s) <= 16000 * 10 for _, s in pieces)


def test_read_chunks_refuses_a_wav_that_is_not_normalised(tmp_path):
    wav = write_wav(tmp_path / "cd.wav", np.zeros(44100), rate=44100)
    with pytest.raises(DecodeFailed):
        list(slicing.read_chunks(wav))


def test_a_stretch_is_the_same_samples_from_the_wav_and_the_decoded_copy(tmp_path):
    x, _ = bursts_and_silences(20)
    wav = write_wav(tmp_path / "n.wav", x)
    _, stored = read_wav(wav)
    decoded = tmp_path / "n.f32"
    stored.astype("<f4").tofile(decoded)
    for start, end in [(1.5, 4.25), (-0.2, 0.5), (19.8, 20.4)]:  # from before the start, past the end: cut to the file
        expected = stored[max(0, round(start * 16000)) : round(end * 16000)].astype(np.float32)
        np.testing.assert_array_equal(slicing.stretch(wav, start, end), expected)
        np.testing.assert_array_equal(slicing.stretch(decoded, start, end), expected)
    with pytest.raises(DecodeFailed):
        slicing.stretch(write_wav(tmp_path / "cd.wav", np.zeros(44100), rate=44100), 0.0, 1.0)
