"""The loike command through click's CliRunner: messages and exit codes are part of the interface."""

import json
import os
import re
import time

import pytest
from click.testing import CliRunner

from pipeline import cli
from pipeline.run import process


@pytest.fixture
def loike(monkeypatch, transcriber):
    """Invoke loike; the session's loaded model stands in for a fresh load, so each run costs seconds."""
    real = process.process_archive

    def with_loaded_model(*args, **kwargs):
        return real(*args, **{**kwargs, "transcriber": transcriber, "settle_seconds": 0.2})

    monkeypatch.setattr(process, "process_archive", with_loaded_model)
    runner = CliRunner()
    return lambda *args: runner.invoke(cli.cli, [str(a) for a in args], catch_exceptions=False)


def aged(path):
    past = time.time() - 60
    os.utime(path, (past, past))


@pytest.mark.slow
def test_run_status_and_export(archive, loike):
    aged(archive.drop("vi_dialogue.ogg", "Bắc Cường/ông A.ogg"))

    result = loike("--root", archive.root, "run")

    assert result.exit_code == 0, result.output
    assert "1 recording: 1 new, 1 transcribed" in result.output and "0 failed" in result.output
    assert f"Review sheets: {archive.sheets_dir / 'index.html'}" in result.output

    status = loike("--root", archive.root, "status")
    assert status.exit_code == 0
    # Transcribed, but no metadata: the state a user acts on, and the review progress.
    assert "waiting for metadata" in status.output and "Bắc Cường/ông A.ogg" in status.output
    assert "unknown" in status.output and " 0/" in status.output

    data = json.loads(loike("--root", archive.root, "status", "--json").output)
    [interview] = data["interviews"]
    assert interview["status"] == "transcribed" and interview["segment_count"] >= 1

    exported = json.loads(loike("--root", archive.root, "export", interview["code"], "--format", "json").output)
    assert exported["interview"]["code"] == interview["code"]
    assert exported["interview"]["consent_status"] == "unknown", "no metadata: consent unknown, shown as such"
    assert set(exported["segments"][0]) >= {"start", "end", "speaker", "text", "words"}
    assert exported["segments"][0]["words"][0]["probability"] > 0

    again = loike("--root", archive.root, "run")
    assert again.exit_code == 0 and "Nothing new: 1 recording, up to date." in again.output


@pytest.mark.slow
def test_run_exits_1_after_a_summary_when_a_file_failed(archive, loike):
    aged(archive.drop("not_audio.mp3"))
    aged(archive.drop("vi_speech.wav"))

    result = loike("--root", archive.root, "run")

    assert result.exit_code == 1
    assert "Failed: " in result.output and "not_audio.mp3 is not a recording that can be decoded" in result.output
    assert "2 recordings: 2 new, 1 transcribed" in result.output and "1 failed" in result.output


def test_root_comes_from_the_environment(archive, loike, monkeypatch):
    monkeypatch.setenv("LOIKE_ROOT", str(archive.root))
    result = loike("run")
    assert result.exit_code == 0 and "Nothing new: 0 recordings" in result.output


def test_clear_messages_for_a_missing_archive_or_interview(tmp_path, loike, archive):
    missing = loike("--root", tmp_path / "nowhere", "run")
    assert missing.exit_code == 1
    assert "Error: There is no recordings/ folder in" in missing.output

    no_db = loike("--root", tmp_path / "nowhere", "status")
    assert no_db.exit_code == 1 and "run `loike run` first" in no_db.output

    loike("--root", archive.root, "run")
    unknown = loike("--root", archive.root, "export", "LK-1999-999")
    assert unknown.exit_code == 1
    assert "There is no interview 'LK-1999-999': `loike status` lists the interview codes." in unknown.output


def test_every_command_has_help():
    runner = CliRunner()
    for name, command in cli.cli.commands.items():
        result = runner.invoke(cli.cli, [name, "--help"])
        assert result.exit_code == 0 and command.help, name


SIDECAR = """date: "12/03/2020"
witnesses:
  - full_name: "Nguyễn Văn Hùng"
    birth_year: 1932
commune: "Bắc Cường"
province: "Lào Cai"
events: ["Thành lập Chi bộ xã Bắc Cường"]
consent: {status: "hạn chế"}
"""


@pytest.mark.slow
def test_metadata_search_people_and_tags_from_the_command_line(archive, loike):
    recording = archive.drop("vi_dialogue.ogg", "ong-hung.ogg")
    aged(recording)
    made = loike("--root", archive.root, "new", recording)
    assert made.exit_code == 0 and f"Wrote {recording.with_suffix('.yaml')}: fill it in" in made.output
    again = loike("--root", archive.root, "new", recording)
    assert again.exit_code == 1 and "already exists: edit it, or delete it first to start again." in again.output
    recording.with_suffix(".yaml").write_text(SIDECAR, encoding="utf-8")
    assert loike("--root", archive.root, "run").exit_code == 0

    found = loike("--root", archive.root, "search", "bac", "cuong")
    assert found.exit_code == 0 and "LK-" in found.output and "[not for publication: restricted]" in found.output
    hits = json.loads(loike("--root", archive.root, "search", "thua", "--json").output)
    assert hits and hits[0]["start"] is not None and "⟦" in hits[0]["snippet"]
    assert "No passage matches." in loike("--root", archive.root, "search", "xyzzy").output

    people = loike("--root", archive.root, "people").output
    assert "1  Nguyễn Văn Hùng (1932)  1 interview" in people
    code = json.loads(loike("--root", archive.root, "status", "--json").output)["interviews"][0]["code"]
    assert loike("--root", archive.root, "speaker", code, "SPEAKER_1", "1").exit_code == 0
    tagged = loike("--root", archive.root, "tag", code, "1", "--event", "1")
    assert tagged.exit_code == 0 and f"Line 1 of {code} tagged with event 1." in tagged.output
    missing = loike("--root", archive.root, "tag", code, "1", "--person", "42")
    assert missing.exit_code == 1 and "There is no person 42: `loike people` lists them" in missing.output
    merge = loike("--root", archive.root, "people", "merge", "1", "1")
    assert merge.exit_code == 1 and "cannot be merged with themselves" in merge.output
    assert "Bắc Cường, Lào Cai  [commune]" in loike("--root", archive.root, "places").output
    described = loike("--root", archive.root, "events", "--describe", "1", "--date", "1945")
    assert described.exit_code == 0 and "Thành lập Chi bộ xã Bắc Cường  1945" in described.output
    reindexed = loike("--root", archive.root, "reindex")
    assert reindexed.exit_code == 0 and "Search index rebuilt:" in reindexed.output


@pytest.mark.slow
def test_speech_heard_and_not_written_is_on_the_sheet_in_status_and_in_the_export_where_it_was_said(archive, loike):
    """A sentence over a noisy telephone line that faster-whisper drops as silence (tests/fixtures/make_fixtures.sh):
    VAD hears speech from the start to about 3.5-3.9 s, and that is where the sheet and the text export say so."""
    aged(archive.drop("phone_noisy_8k.wav", "Bắc Cường/bà B qua điện thoại.wav"))

    assert loike("--root", archive.root, "run").exit_code == 0

    [interview] = json.loads(loike("--root", archive.root, "status", "--json").output)["interviews"]
    assert (interview["segment_count"], interview["flagged_count"], interview["unwritten_count"]) == (1, 1, 1)
    status = loike("--root", archive.root, "status").output
    assert "⚑ 1 place where speech was heard and not written: listen and type what was said in the review app" in status
    code = interview["code"]
    sheet = (archive.sheets_dir / f"{code}.html").read_text(encoding="utf-8")
    [row] = re.findall(r'<li class="segment review-machine unwritten"[^>]*>.*?</li>', sheet, re.S)
    start, end = (float(x) for x in re.search(r'data-start="([\d.]+)" data-end="([\d.]+)"', row).groups())
    assert start < 0.5 and 3.0 < end < 3.9, row
    assert '<span class="tc">00:00:00</span>' in row
    assert '<span class="unwritten-text">[có tiếng nói, máy không ghi được]</span>' in row
    assert "nghi máy tự sinh" not in row, "speech nobody wrote is not text the machine made up"
    legend = sheet.split('<aside class="legend')[1].split("</aside>")[0]
    assert "máy nghe thấy tiếng nói ở đây nhưng không ghi được chữ nào (1 chỗ)" in legend

    exported = loike("--root", archive.root, "export", code, "--format", "txt")
    assert exported.exit_code == 0
    line = r"^\[00:00:00\] (\S+: )?\[có tiếng nói, máy không ghi được\] \[máy\]$"  # a label with the speaker model
    assert re.search(line, exported.output, re.M), exported.output
