"""Messages in Vietnamese by default, English on request: the catalog holds every message, the language is chosen
from --lang, LOIKE_LANG or the locale, and --json keeps its English keys.

After a merge brings new commands, `python3 dev.py messages` adds their messages to the catalog; the first two
tests then name each message still unmarked or untranslated, and where it is said.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from click.testing import CliRunner

from pipeline import i18n
from pipeline.cli import cli

ROOT = Path(__file__).parent.parent
spec = importlib.util.spec_from_file_location("messages_script", ROOT / "scripts" / "messages.py")
messages = sys.modules["messages_script"] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(messages)
HOW = "run `python3 dev.py messages`, then translate them in pipeline/locale/vi/LC_MESSAGES/messages.po"


def catalog():
    with i18n.CATALOG.open("rb") as source:
        return {m.id if isinstance(m.id, str) else m.id[0]: m for m in read_po(source, locale="vi") if m.id}


def test_every_message_a_user_reads_is_marked_for_translation():
    unmarked = messages.unmarked()
    assert not unmarked, "Messages not marked with _() (or N_, ngettext):\n" + "\n".join(unmarked)


def test_every_message_is_in_the_vietnamese_catalog():
    known = catalog()
    missing = []
    for message in messages.find_messages().values():
        entry = known.get(message.msgid)
        texts = () if entry is None else entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if entry is None or entry.fuzzy or not all(texts):
            missing.append(f"{message.places[0]}: {message.msgid!r}")
    assert not missing, f"{len(missing)} message(s) without Vietnamese ({HOW}):\n" + "\n".join(missing)


PLACEHOLDER = re.compile(r"(?<!\{)\{([a-z_0-9]*)[!:}]")


def test_translations_keep_the_placeholders_of_their_message():
    wrong = []
    for msgid, entry in catalog().items():
        wanted = set(PLACEHOLDER.findall(" ".join(entry.id if isinstance(entry.id, tuple) else (entry.id,))))
        for text in entry.string if isinstance(entry.string, tuple) else (entry.string,):
            if text and not set(PLACEHOLDER.findall(text)) <= wanted:
                wrong.append(f"{msgid!r} → {text!r}")
    assert not wrong, "Translations with placeholders their message does not have:\n" + "\n".join(wrong)


@pytest.mark.parametrize(
    ("requested", "environ", "chosen"),
    [
        (None, {}, "vi"),
        (None, {"LANG": "C.UTF-8"}, "vi"),
        (None, {"LANG": "en_US.UTF-8"}, "en"),
        (None, {"LANG": "vi_VN.UTF-8", "LC_MESSAGES": "en_GB.UTF-8"}, "en"),
        (None, {"LC_ALL": "vi_VN.UTF-8", "LANG": "en_US.UTF-8"}, "vi"),
        (None, {"LOIKE_LANG": "vi", "LANG": "en_US.UTF-8"}, "vi"),
        ("en", {"LOIKE_LANG": "vi", "LANG": "vi_VN.UTF-8"}, "en"),
        (None, {"LANG": "fr_FR.UTF-8"}, "vi"),
    ],
)
def test_the_language_is_the_option_else_loike_lang_else_the_locale_else_vietnamese(requested, environ, chosen):
    assert i18n.choose(requested, environ) == chosen


def loike(*args: str, **environ: str) -> subprocess.CompletedProcess:
    """A real `loike` process with only these locale variables set."""
    env = {k: v for k, v in os.environ.items() if k not in ("LANG", "LC_ALL", "LC_MESSAGES", "LOIKE_LANG", "LANGUAGE")}
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args], capture_output=True, text=True, env=env | environ
    )


@pytest.mark.slow
def test_a_vietnamese_user_gets_vietnamese_without_asking_and_english_on_request(tmp_path):
    plain = loike("--root", str(tmp_path), "--help")
    assert plain.stdout.startswith("Cách dùng: ") and "Tùy chọn:" in plain.stdout, plain.stdout
    assert "Hiện hướng dẫn này rồi thoát." in plain.stdout and "Liệt kê mọi phỏng vấn" in plain.stdout
    assert loike("--help", LANG="en_US.UTF-8").stdout.startswith("Usage: ")
    assert loike("--lang", "en", "--help", LANG="vi_VN.UTF-8").stdout.startswith("Usage: ")
    assert loike("status", "--help", LOIKE_LANG="en", LANG="vi_VN.UTF-8").stdout.startswith("Usage: ")
    missing = loike("--root", str(tmp_path), "status")
    assert missing.returncode == 1
    assert missing.stderr == (
        f"Lỗi: Chưa có cơ sở dữ liệu lưu trữ trong {tmp_path / 'transcripts'}: hãy chạy `loike run` trước "
        "(hoặc dùng --root với thư mục lưu trữ).\n"
    )
    wrong = loike("statu")
    assert "Lỗi: Không có lệnh 'statu'. (Có phải ý bạn là một trong: 'status'?)" in wrong.stderr


def test_help_follows_the_language_of_each_invocation():
    runner = CliRunner()
    assert "Liệt kê mọi phỏng vấn cùng tình trạng" in runner.invoke(cli, ["--lang", "vi", "status", "--help"]).output
    assert "List every interview with its state." in runner.invoke(cli, ["--lang", "en", "status", "--help"]).output
    assert "Số giây giữa hai lần xem" in runner.invoke(cli, ["--lang", "vi", "watch", "--help"]).output


def test_a_library_error_reaches_the_user_in_vietnamese(tmp_path):
    (tmp_path / "bad.mp3").write_bytes(b"")
    (tmp_path / "bad.yaml").write_text("x", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--lang", "vi", "new", str(tmp_path / "bad.mp3")])
    assert result.exit_code == 1
    assert (
        result.output == f"Lỗi: {tmp_path / 'bad.yaml'} đã có: hãy sửa nó, hoặc xoá đi trước nếu muốn làm lại từ đầu.\n"
    )


def test_json_keeps_its_english_keys_and_values_in_vietnamese(tmp_path):
    import reviewdesk

    archive = reviewdesk.build(tmp_path)
    listed = json.loads(
        CliRunner().invoke(cli, ["--lang", "vi", "--root", str(archive.root), "status", "--json"]).output
    )
    [row] = listed["interviews"]
    assert {"code", "status", "state", "verified_count", "segment_count", "consent_status"} <= row.keys()
    assert (row["status"], row["state"], row["consent_status"]) == ("transcribed", "transcribed", "allowed")


def test_the_catalog_is_compiled_once_into_the_cache_and_again_when_it_changes(tmp_path, monkeypatch):
    locale = tmp_path / "locale" / "vi" / "LC_MESSAGES"
    locale.mkdir(parents=True)
    po = locale / "messages.po"
    po.write_text('msgid ""\nmsgstr "Language: vi\\n"\n\nmsgid "Hello"\nmsgstr "Xin chào"\n', encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path / "locale")
    monkeypatch.setenv("LOIKE_CACHE", str(tmp_path / "cache"))
    i18n.use("vi")
    assert i18n._("Hello") == "Xin chào"
    assert len(list((tmp_path / "cache" / "messages").glob("*/vi/LC_MESSAGES/messages.mo"))) == 1
    po.write_text(po.read_text(encoding="utf-8").replace("Xin chào", "Chào bạn"), encoding="utf-8")
    i18n.use("vi")
    assert i18n._("Hello") == "Chào bạn"
    assert len(list((tmp_path / "cache" / "messages").glob("*/vi/LC_MESSAGES/messages.mo"))) == 2
    i18n.use("en")
    assert i18n._("Hello") == "Hello"


def test_a_cache_that_cannot_be_written_still_translates(tmp_path, monkeypatch):
    (tmp_path / "cache").write_text("a file where the cache folder should be", encoding="utf-8")
    monkeypatch.setenv("LOIKE_CACHE", str(tmp_path / "cache"))
    i18n.use("vi")
    assert i18n._("No passage matches.") == "Không có đoạn nào khớp."
