"""States a user can act on: `loike status` says which interviews wait for their metadata and how far each one's
review has come, the app's list filters on both, `loike log` tells what editors did, `loike serve --open` opens
the browser."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import reviewdesk
from archive_data import edit, segment_ids
from click.testing import CliRunner
from starlette.testclient import TestClient

from pipeline import database
from pipeline.cli import cli
from pipeline.desk import editing, webapp

BASE = "http://127.0.0.1:8765"


@pytest.fixture
def archive(tmp_path):
    """Two interviews: LK-2026-001 with its metadata and one passage verified by Lan, LK-2026-002 without."""
    archive = reviewdesk.build(tmp_path)
    reviewdesk.build(tmp_path, title="Phỏng vấn thứ hai")
    db = database.open_database(archive.database)
    db.execute(
        "UPDATE interviews SET metadata_status = 'missing', metadata_problems = NULL WHERE code = ?", ["LK-2026-002"]
    )
    db.conn.commit()
    edit(db, segment_ids(db, 1)[0], reviewdesk.LINES[0], "verified")
    return archive


def loike(archive, *args: str, lang: str = "vi") -> str:
    result = CliRunner().invoke(cli, ["--lang", lang, "--root", str(archive.root), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_status_says_which_interviews_wait_for_metadata_and_how_far_each_review_is(archive):
    lines = loike(archive, "status").splitlines()
    assert re.split(r"\s{2,}", lines[0].strip()) == [
        "mã",
        "tình trạng",
        "thời lượng",
        "đã duyệt",
        "nghi máy tự sinh",
        "quyền công bố",
        "tệp ghi âm",
    ]
    first = next(line for line in lines if line.startswith("LK-2026-001"))
    second = next(line for line in lines if line.startswith("LK-2026-002"))
    assert re.search(r"LK-2026-001\s+đã phiên âm\s+00:28\s+1/4\s+0\s+được công bố\s+phong-van-1\.wav", first), first
    assert re.search(r"LK-2026-002\s+chờ bổ sung thông tin\s+00:28\s+0/4", second), second
    hint = "? chưa có thông tin phỏng vấn: lệnh `loike new phong-van-2.wav` tạo tệp mẫu bên cạnh bản ghi"
    assert hint in [line.strip() for line in lines]
    english = loike(archive, "status", lang="en")
    assert re.search(r"LK-2026-002\s+waiting for metadata\s+00:28\s+0/4", english), english


def test_status_json_gives_the_state_as_a_stable_english_word(archive):
    import json

    rows = json.loads(loike(archive, "status", "--json"))["interviews"]
    assert [(r["code"], r["state"], r["verified_count"], r["segment_count"]) for r in rows] == [
        ("LK-2026-001", "transcribed", 1, 4),
        ("LK-2026-002", "waiting_for_metadata", 0, 4),
    ]


def test_the_app_list_filters_on_metadata_and_on_review_progress(archive):
    client = TestClient(webapp.create_app(archive, webapp.ServeOptions()), base_url=BASE, headers={"Origin": BASE})
    client.cookies.set(webapp.EDITOR_COOKIE, quote("Lan"))
    rows = lambda **chosen: client.get("/", params=chosen).text.split("<tbody>")[1]  # noqa: E731
    waiting = rows(metadata="waiting")
    assert "LK-2026-002" in waiting and "LK-2026-001" not in waiting and "chờ bổ sung thông tin" in waiting
    complete = rows(metadata="complete")
    assert "LK-2026-001" in complete and "LK-2026-002" not in complete
    assert "LK-2026-001" in rows(status="started") and "LK-2026-002" not in rows(status="started")
    assert "LK-2026-002" in rows(status="new", metadata="waiting")
    assert "LK-2026-001" not in rows(status="new", metadata="waiting")


def test_log_shows_what_editors_did_who_and_when(archive):
    db = database.open_database(archive.database)
    first, second, third, _ = segment_ids(db, 1)
    segment = db["segments"].get(second)
    editing.split(db, second, segment["version"], len("Năm một chín"), "Mai")
    editing.merge(db, third, db["segments"].get(third)["version"], _next_version(db, third), "Mai")
    editing.add_quote(db, first, first, "Lan", comment="", tags={})
    log = loike(archive, "log", "LK-2026-001")
    assert re.search(r"^\d\d/\d\d/\d{4} \d\d:\d\d  nhận vào\s+được", log, re.M), log
    assert re.search(r"^\d\d/\d\d/\d{4} \d\d:\d\d  đã duyệt\s+Lan  đoạn 1$", log, re.M), log
    assert re.search(r"tách đoạn\s+Mai  đoạn 2$", log, re.M), log
    assert re.search(r"gộp đoạn\s+Mai  đoạn 4$", log, re.M), log
    assert re.search(r"tạo trích dẫn\s+Lan  #1$", log, re.M), log
    english = loike(archive, "log", "LK-2026-001", lang="en")
    assert re.search(r"verified\s+Lan  line 1$", english, re.M) and re.search(r"quote made\s+Lan  #1$", english, re.M)


def _next_version(db, segment_id: int) -> int:
    following = db.execute(
        "SELECT version FROM segments WHERE interview_id = 1 AND idx = (SELECT idx + 1 FROM segments WHERE id = ?)",
        [segment_id],
    ).fetchone()
    return following[0]


@pytest.mark.slow
def test_serve_open_opens_the_browser_on_the_apps_address(archive, tmp_path):
    """The system's opener (xdg-open here) is replaced by a script that writes down what it was asked to open."""
    if os.name == "nt":
        pytest.skip("Windows opens the browser with os.startfile")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    opened = tmp_path / "opened.txt"
    opener = bin_dir / "xdg-open"
    opener.write_text(f'#!/bin/sh\necho "$1" > {opened}\n', encoding="utf-8")
    opener.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "--root", str(archive.root), "serve", "--port", "0", "--open"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        line = process.stdout.readline()
        address = re.search(r"http://127\.0\.0\.1:\d+/", line).group(0)
        deadline = time.monotonic() + 10
        while not opened.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert Path(opened).read_text(encoding="utf-8").strip() == address
    finally:
        process.terminate()
        process.wait(timeout=10)
