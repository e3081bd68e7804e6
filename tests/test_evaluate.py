"""Accuracy harness: Vietnamese normalisation, WER and CER by hand-checked numbers, and `loike eval` end to end."""

import json
import random
import shutil
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline import cli
from pipeline.errors import EvaluationError
from pipeline.speech import evaluate
from pipeline.speech.evaluate import EvalReport, FileScore, char_errors, edit_distance, normalise, word_errors

FIXTURES = Path(__file__).parent / "fixtures"
DIALOGUE = (
    "Thưa bác, bác có thể kể về ngày thành lập chi bộ xã Bắc Cường không ạ? "
    "Năm một nghìn chín trăm bốn mươi lăm, chi bộ xã Bắc Cường được thành lập."
)
"""What espeak-ng was told to say in vi_dialogue.ogg (tests/fixtures/make_fixtures.sh): 33 words (17 + 16)."""


def test_normalise_keeps_tones_and_drops_case_punctuation_and_spacing():
    assert normalise("  Ví dụ 2.  Tính trung BÌNH!\n") == "ví dụ 2 tính trung bình"
    assert normalise("“Đảng bộ” — xã (Bắc Cường)…") == "đảng bộ xã bắc cường"
    assert normalise("Đảng") != normalise("dang")  # tones and đ are kept: they change the word


def test_normalise_makes_decomposed_text_equal_to_composed():
    composed = "Cường được thành lập"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert normalise(decomposed) == normalise(composed) == "cường được thành lập"


def test_edit_distance_by_hand():
    assert edit_distance(list("kitten"), list("sitting")) == 3  # k→s, e→i, +g
    assert edit_distance([], list("abc")) == 3
    assert edit_distance(list("abc"), []) == 3
    assert edit_distance(list("abc"), list("abc")) == 0
    assert edit_distance(["a", "b", "c", "d"], ["b", "c", "d", "e"]) == 2  # -a, +e


def test_edit_distance_agrees_with_the_textbook_loop():
    def textbook(ref, hyp):
        previous = list(range(len(hyp) + 1))
        for i, r in enumerate(ref, 1):
            current = [i] + [0] * len(hyp)
            for j, h in enumerate(hyp, 1):
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h))
            previous = current
        return previous[-1]

    rng = random.Random(0)
    for _ in range(300):
        a = [rng.choice("abcd") for _ in range(rng.randint(0, 10))]
        b = [rng.choice("abcd") for _ in range(rng.randint(0, 10))]
        assert edit_distance(a, b) == textbook(a, b), (a, b)


def test_word_and_character_errors_by_hand():
    # one substitution (ví → vì) in six words; punctuation and spacing do not count
    assert word_errors("Ví dụ 2. Tính trung bình!", "vì dụ 2 tính  trung bình") == (1, 6)
    # "tôi đi học" → "tôi học": one deletion in three words
    assert word_errors("Tôi đi học", "tôi học") == (1, 3)
    # a wrong tone is a whole wrong word, but one character in three ("bác" → "bắc")
    assert word_errors("bác", "bắc") == (1, 1)
    assert char_errors("bác", "bắc") == (1, 3)
    # "chi bộ" (6 characters with the space) → "chibộ": one character
    assert char_errors("chi bộ", "chibộ") == (1, 6)
    assert word_errors("", "thừa") == (1, 0)


def test_corpus_rates_are_total_edits_over_total_reference_words():
    def score(word_edits, words, seconds, elapsed):
        return FileScore(Path("/x/a.wav"), seconds, elapsed, words, word_edits, words * 4, word_edits, "", "")

    report = EvalReport(Path("/x"), {}, files=[score(1, 2, 10.0, 1.0), score(0, 8, 30.0, 3.0)], wall_seconds=4.0)
    assert report.files[0].wer == 0.5
    assert report.wer == pytest.approx(0.1)  # 1/10, not the mean of 0.5 and 0.0
    assert report.cer == pytest.approx(1 / 40)
    assert report.rtf == pytest.approx(4.0 / 40.0)  # wall time over audio time


def test_a_missing_folder_or_one_without_references_says_what_to_do(tmp_path):
    with pytest.raises(EvaluationError, match=r"There is no folder .*nowhere: pass a folder of recordings"):
        evaluate.reference_pairs(tmp_path / "nowhere")
    shutil.copyfile(FIXTURES / "vi_dialogue.ogg", tmp_path / "a.ogg")
    (tmp_path / "b.txt").write_text("không có tệp âm thanh", encoding="utf-8")
    with pytest.raises(EvaluationError, match=r"No recording in .* has a reference transcript beside it"):
        evaluate.reference_pairs(tmp_path)


@pytest.mark.slow
def test_loike_eval_scores_a_real_recording_and_skips_an_unreadable_one(tmp_path, monkeypatch, transcriber):
    folder = tmp_path / "corpus"
    (folder / "commune").mkdir(parents=True)
    shutil.copyfile(FIXTURES / "vi_dialogue.ogg", folder / "commune" / "dialogue.ogg")
    (folder / "commune" / "dialogue.txt").write_text(DIALOGUE + "\n", encoding="utf-8")
    shutil.copyfile(FIXTURES / "not_audio.mp3", folder / "notes.mp3")
    (folder / "notes.txt").write_text("biên bản", encoding="utf-8")
    shutil.copyfile(FIXTURES / "vi_speech.ogg", folder / "no-reference.ogg")  # no .txt: not evaluated
    real = evaluate.evaluate
    monkeypatch.setattr(evaluate, "evaluate", lambda *a, **k: real(*a, **{**k, "transcriber": transcriber}))
    runner = CliRunner()

    result = runner.invoke(cli.cli, ["eval", str(folder), "--json", "--flags"], catch_exceptions=False)

    assert result.exit_code == 1, result.output  # something was skipped
    report = json.loads(result.stdout)
    assert [f["file"] for f in report["files"]] == ["commune/dialogue.ogg"]
    scored = report["files"][0]
    assert scored["words"] == 33 and scored["audio_seconds"] == pytest.approx(12.7, abs=0.2)
    assert "thưa bác" in scored["hypothesis"].lower() and " chi " in scored["hypothesis"].lower()
    assert (scored["word_edits"], scored["words"]) == word_errors(DIALOGUE, scored["hypothesis"])
    assert (
        scored["wer"] == pytest.approx(scored["word_edits"] / 33, abs=1e-4) and 0 < scored["wer"] < 0.8
    )  # espeak + base
    assert report["corpus"]["wer"] == scored["wer"] and report["corpus"]["rtf"] > 0
    assert report["settings"]["language"] == "vi" and report["settings"]["beam_size"] == 5
    marks = report["marks"]  # --flags: how well the confidence marks point at the wrong words
    assert marks["files"][0]["file"] == "commune/dialogue.ogg" and marks["corpus"]["words"] == len(
        scored["hypothesis"].split()
    )
    corpus = marks["corpus"]
    assert 0 < corpus["wrong"] <= corpus["words"] and 0 <= corpus["auc"] <= 1  # espeak: no better than chance
    assert 0 < corpus["caught"] <= min(corpus["marked"], corpus["wrong"])
    assert corpus["wrong_caught"] == round(corpus["caught"] / corpus["wrong"], 4)
    [skipped] = report["skipped"]
    assert skipped["file"] == "notes.mp3"
    assert "is not a recording that can be decoded" in skipped["message"] and "(skipped)" in skipped["message"]

    text = runner.invoke(cli.cli, ["eval", str(folder / "commune")], catch_exceptions=False)
    assert text.exit_code == 0, text.output
    assert "dialogue.ogg" in text.output
    assert "Corpus: WER" in text.output and "1 recordings scored, 0 skipped" in text.output
    assert "Confidence marks" not in text.output  # only with --flags


def test_loike_eval_on_a_missing_folder_is_one_sentence(tmp_path):
    result = CliRunner().invoke(cli.cli, ["eval", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert "Error: There is no folder" in result.output and "reference transcript" in result.output


@pytest.mark.slow
def test_speech_heard_and_not_written_is_counted_by_loike_eval(tmp_path, monkeypatch, transcriber):
    """phone_noisy_8k.wav: a sentence over a noisy telephone line that faster-whisper drops as silence. Its words
    count as deleted, and eval says how many places and seconds the transcript marks as heard and not written."""
    shutil.copyfile(FIXTURES / "phone_noisy_8k.wav", tmp_path / "phone.wav")
    reference = "Năm một nghìn chín trăm bốn mươi lăm, chi bộ xã Bắc Cường được thành lập."
    (tmp_path / "phone.txt").write_text(reference + "\n", encoding="utf-8")
    real = evaluate.evaluate
    monkeypatch.setattr(evaluate, "evaluate", lambda *a, **k: real(*a, **{**k, "transcriber": transcriber}))
    runner = CliRunner()

    report = json.loads(runner.invoke(cli.cli, ["eval", str(tmp_path), "--json"], catch_exceptions=False).stdout)

    [scored] = report["files"]
    assert (scored["hypothesis"], scored["wer"], scored["unwritten_gaps"]) == ("", 1.0, 1)
    assert 3.0 < scored["unwritten_seconds"] < 3.9
    assert (report["corpus"]["unwritten_gaps"], report["corpus"]["unwritten_seconds"]) == (
        1,
        scored["unwritten_seconds"],
    )
    text = runner.invoke(cli.cli, ["eval", str(tmp_path)], catch_exceptions=False).output
    assert "phone.wav  ⚑ 1 not written (3." in text
    assert "Speech heard and not written: 1 place, 3." in text
