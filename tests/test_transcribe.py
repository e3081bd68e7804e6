import wave
from pathlib import Path

import numpy as np
import pytest

from pipeline.errors import ModelError
from pipeline.options import TranscribeOptions
from pipeline.speech import flags, model_store, transcribe

FIXTURES = Path(__file__).parent / "fixtures"


def test_the_embedded_model_is_assembled_once_and_verified(model_cache):
    folder = transcribe.embedded_model(model_cache)
    assert (folder / "model.bin").stat().st_size == transcribe.EMBEDDED_SIZE
    assert {p.name for p in folder.iterdir()} == {"model.bin", "config.json", "tokenizer.json", "vocabulary.json"}
    before = (folder / "model.bin").stat().st_mtime_ns
    assert transcribe.embedded_model(model_cache) == folder
    assert (folder / "model.bin").stat().st_mtime_ns == before


def test_a_model_that_fails_its_hash_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(model_store, "EMBEDDED_SHA256", "0" * 64)
    with pytest.raises(ModelError, match="reinstall both packages"):
        transcribe.embedded_model(tmp_path)
    assert not any(tmp_path.iterdir()), "nothing half-assembled is left behind"


def test_unknown_model_names_list_the_choices(tmp_path):
    with pytest.raises(ModelError) as refused:
        transcribe.resolve_model("bse", tmp_path)
    assert str(refused.value) == (
        "Unknown model 'bse': `loike models` lists the models on this machine; use one of them, 'base' (embedded), "
        "a CTranslate2 model folder, or a model to download: base, small, medium, large-v3, large-v3-turbo, "
        "phowhisper-small, phowhisper-large."
    )


def test_a_folder_without_a_model_is_refused(tmp_path):
    with pytest.raises(ModelError, match="holds no model.bin"):
        transcribe.resolve_model(str(tmp_path), tmp_path)


def test_a_folder_without_a_tokenizer_is_refused_before_faster_whisper_goes_online_for_one(tmp_path):
    (tmp_path / "model.bin").write_bytes(b"")
    with pytest.raises(ModelError, match="has no tokenizer.json"):
        transcribe.resolve_model(str(tmp_path), tmp_path)


def test_a_hub_model_offline_says_how_to_bring_it(model_cache):
    with pytest.raises(ModelError) as refused:
        transcribe.Transcriber(TranscribeOptions(model="large-v3"), model_cache)
    assert str(refused.value) == (
        "The model 'large-v3' is not on this machine and the hub cannot be reached (HF_HUB_OFFLINE is set): on a "
        "machine with internet run `loike models download large-v3 --to DRIVE`, bring DRIVE here and run "
        "`loike models add DRIVE/large-v3`."
    )


def read_wav(path):
    with wave.open(str(path)) as handle:
        assert handle.getframerate() == 16000
        return np.frombuffer(handle.readframes(handle.getnframes()), dtype=np.int16).astype(np.float32) / 32768


@pytest.mark.slow
def test_vietnamese_speech_is_transcribed_on_the_recordings_timeline(transcriber, tmp_path):
    from pipeline.intake import audio

    wav = audio.normalise(FIXTURES / "vi_dialogue.ogg", tmp_path / "speech.wav").path
    samples = read_wav(wav)
    seen = []

    segments = transcriber.transcribe([(100.0, samples)], progress=seen.append)

    text = " ".join(s.text for s in segments).lower()
    assert "thưa" in text and "chi" in text, text
    assert all(100.0 <= s.start < s.end <= 100.0 + len(samples) / 16000 + 0.5 for s in segments)
    words = [w for s in segments for w in s.words]
    assert words and all(0.0 <= w.probability <= 1.0 and w.start >= 100.0 for w in words)
    # the lowest token probability of each word, read from the alignment: never above the mean over its tokens,
    # and below it for some word of several tokens (Vietnamese syllables with tones often are)
    assert all(w.lowest is not None and 0.0 <= w.lowest <= w.probability + 1e-4 for w in words)
    assert any(w.lowest < w.probability - 0.01 for w in words)
    assert seen == sorted(seen) and seen[-1] == pytest.approx(100.0 + len(samples) / 16000)


@pytest.mark.slow
def test_hotwords_are_accepted_as_a_hint(transcriber, tmp_path):
    from pipeline.intake import audio

    wav = audio.normalise(FIXTURES / "vi_dialogue.ogg", tmp_path / "speech.wav").path
    segments = transcriber.transcribe([(0.0, read_wav(wav))], hotwords="Chi bộ xã Bắc Cường")
    assert "bắc cường" in " ".join(s.text for s in segments).lower()


@pytest.mark.slow
def test_text_whisper_writes_across_silence_is_flagged_and_real_speech_is_not(transcriber, tmp_path):
    """The dialogue, then 24 s of silence broken every 4 s by a 0.25 s burst of sound (a tap on the microphone,
    a word from the next room). VAD lets Whisper hear the bursts, and Whisper writes sentences whose word times
    stretch across the silence between them: those fall where VAD found no speech."""
    from pipeline.intake import audio

    speech = read_wav(audio.normalise(FIXTURES / "vi_dialogue.ogg", tmp_path / "speech.wav").path)
    silence = np.zeros(4 * 16000, np.float32)
    stretch = [
        part
        for at in (1.0, 3.0, 5.2, 7.5, 9.1, 11.0)
        for part in (silence, speech[int(at * 16000) : int((at + 0.25) * 16000)])
    ]
    end_of_speech = len(speech) / 16000

    segments = transcriber.transcribe([(0.0, np.concatenate([speech, *stretch, silence]))])

    spoken = [s for s in segments if s.end <= end_of_speech]
    made_up = [s for s in segments if s.start >= end_of_speech]
    assert spoken and all(s.speech_fraction >= 0.8 and "vad_no_speech" not in s.flags for s in spoken), spoken
    assert made_up, "Whisper wrote nothing over the stretch; the test needs it to"
    flagged = [s for s in made_up if "vad_no_speech" in s.flags]
    assert flagged and all(s.speech_fraction < 0.2 for s in flagged), made_up
    assert sum(s.end - s.start for s in flagged) > 10, "most of the stretch is covered by flagged text"


@pytest.mark.slow
def test_speech_whisper_drops_as_silence_comes_back_as_a_flagged_gap_at_its_time(transcriber, tmp_path):
    """phone_noisy_8k.wav, a sentence over a noisy telephone line: Silero VAD hears speech in it, and faster-whisper
    drops its only window as silence (no-speech 0.74 > 0.6, avg_logprob -1.35 < -1) before the pipeline sees it.
    Handed in as the second piece, after the dialogue, it must come back where it was said, as a segment with no
    text for an editor to fill, flagged, with the draft a second listen to it alone wrote (a garbled sentence sharing
    words with what was said); the dialogue is written as before."""
    from pipeline.intake import audio

    dialogue = read_wav(audio.normalise(FIXTURES / "vi_dialogue.ogg", tmp_path / "dialogue.wav").path)
    phone = read_wav(audio.normalise(FIXTURES / "phone_noisy_8k.wav", tmp_path / "phone.wav").path)

    segments = transcriber.transcribe([(0.0, dialogue), (30.0, phone)])

    written = [s for s in segments if s.text]
    assert written and all(s.end <= len(dialogue) / 16000 and not s.flags for s in written), segments
    [gap] = [s for s in segments if s not in written]
    assert gap.flags == ["unwritten_speech"] and gap.words == [] and gap.avg_logprob is None
    said = "Năm một nghìn chín trăm bốn mươi lăm, chi bộ xã Bắc Cường được thành lập."
    assert len(set(flags.words(said)) & set(flags.words(gap.heard_again or ""))) >= 2, gap.heard_again
    assert 30.0 <= gap.start < 30.5 and 33.0 < gap.end <= 30.0 + len(phone) / 16000, gap
    assert gap.speech_fraction is not None and gap.speech_fraction >= 0.8
    assert segments == sorted(segments, key=lambda s: s.start)


@pytest.mark.slow
def test_silence_gives_no_gap_only_the_speech_vad_heard_does(transcriber, tmp_path):
    """Ten seconds of a quiet room (a hiss at -60 dBFS) before the same telephone sentence: nothing over the room,
    one gap over the sentence."""
    from pipeline.intake import audio

    room = np.random.default_rng(1945).normal(0.0, 0.001, 10 * 16000).astype(np.float32)
    phone = read_wav(audio.normalise(FIXTURES / "phone_noisy_8k.wav", tmp_path / "phone.wav").path)

    segments = transcriber.transcribe([(0.0, room), (10.0, phone)])

    assert [(s.flags, s.start >= 10.0) for s in segments] == [(["unwritten_speech"], True)], segments


def test_every_decode_runs_on_one_thread_so_the_words_never_depend_on_the_core_count():
    """On some processors the words depend on the threads a decode uses (docs/reproducibility.md): a local run's
    lone worker once took every core while a Ray actor took one, and the two wrote different words."""
    assert TranscribeOptions().cpu_threads == 1
    assert TranscribeOptions(workers=1).settings()["cpu_threads"] == 1, "recorded with each run"


@pytest.mark.slow
def test_the_words_are_the_same_with_one_worker_or_two_and_whatever_omp_num_threads_says(tmp_path, model_cache):
    import json
    import os
    import subprocess
    import sys

    from pipeline.intake import audio

    wav = audio.normalise(FIXTURES / "vi_dialogue.ogg", tmp_path / "speech.wav").path
    script = (
        "import json, sys, wave, numpy as np\n"
        "from pathlib import Path\n"
        "from pipeline.speech.transcribe import Transcriber\n"
        "from pipeline.options import TranscribeOptions\n"
        "with wave.open(sys.argv[1]) as w: s = np.frombuffer(w.readframes(w.getnframes()), np.int16)\n"
        "s = s.astype(np.float32) / 32768\n"
        "t = Transcriber(TranscribeOptions(workers=int(sys.argv[2])), Path(sys.argv[3]))\n"
        "found = t.transcribe([(0.0, s[:len(s) // 2]), (len(s) / 32000, s[len(s) // 2:])])\n"
        "print(json.dumps([[x.start, x.end, x.text, [(w.text, w.probability) for w in x.words]] "
        "for x in found], ensure_ascii=False))\n"
    )
    outputs = set()
    for workers, threads in (("1", "1"), ("2", "4"), ("1", "4")):
        done = subprocess.run(
            [sys.executable, "-c", script, str(wav), workers, str(model_cache)],
            env={**os.environ, "OMP_NUM_THREADS": threads},
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout), "speech was transcribed"
        outputs.add(done.stdout)
    assert len(outputs) == 1
