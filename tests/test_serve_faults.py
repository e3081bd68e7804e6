"""The review app under faults: a chunked body over the limit, a full disk during a save, and `loike serve` killed
(SIGKILL) right after a save, before the static sheet was written again."""

from __future__ import annotations

import re
import signal
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
import reviewdesk
from browsers import serving, start_server
from click.testing import CliRunner
from small_disk import fill, small_disk
from starlette.testclient import TestClient

from pipeline import database
from pipeline.cli import cli
from pipeline.desk import webapp
from pipeline.publishing import review_sheets

BASE = "http://127.0.0.1:8765"
FULL = (
    "Chưa lưu được vì ổ đĩa của máy chạy Lời Kể đã đầy: thay đổi của bạn chưa được lưu nhưng vẫn còn trên trang; "
    "hãy nhờ người quản lý giải phóng chỗ trống rồi lưu lại."
)


def client_for(archive) -> TestClient:
    client = TestClient(webapp.create_app(archive, webapp.ServeOptions(sheet_delay=0.01)), base_url=BASE)
    client.headers["Origin"] = BASE
    client.cookies.set(webapp.EDITOR_COOKIE, quote("Lan"))
    return client


def token(client) -> str:
    return re.search(r'name="csrf-token" content="(\w+)"', client.get("/interviews/LK-2026-001").text).group(1)


def first_segment(archive):
    return database.segments(database.open_database(archive.database), 1)[0]


def test_a_chunked_body_over_the_limit_is_refused_with_413_not_a_traceback(tmp_path):
    archive = reviewdesk.build(tmp_path)
    client = client_for(archive)
    csrf = token(client)

    def chunks(size):
        for _ in range(size // 65536 + 1):
            yield b"name=" + b"a" * 65536

    form = client.post(
        "/editor", content=chunks(400_000), headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    api = client.post(
        f"/api/segments/{first_segment(archive).id}", content=chunks(400_000), headers={"X-CSRF-Token": csrf}
    )

    assert (form.status_code, api.status_code) == (413, 413)
    assert "Yêu cầu quá lớn." in form.text and api.json() == {"error": "Yêu cầu quá lớn."}


@pytest.fixture
def disk():
    with small_disk() as folder:
        yield folder


def test_a_save_on_a_full_disk_gets_one_vietnamese_sentence_and_succeeds_once_there_is_room(disk):
    archive = reviewdesk.build(disk)
    client = client_for(archive)
    csrf, segment = token(client), first_segment(archive)
    filler = fill(disk)

    text = "Năm một chín bốn lăm chi bộ xã Bắc Cường được thành lập " * 40
    full = client.post(f"/api/segments/{segment.id}", json={"version": 1, "text": text}, headers={"X-CSRF-Token": csrf})

    assert full.status_code == 507 and full.json() == {"error": FULL}
    filler.unlink()
    saved = client.post(
        f"/api/segments/{segment.id}", json={"version": 1, "text": text}, headers={"X-CSRF-Token": csrf}
    )
    assert saved.status_code == 200, saved.text
    db = database.open_database(archive.database)
    assert database.segments(db, 1)[0].text == text.strip() and db.execute("PRAGMA integrity_check").fetchone() == (
        "ok",
    )


def save_then_kill(root: Path, segment_id: int, version: int, text: str) -> None:
    """Save through the app, then SIGKILL it at once: the sheet would have been written two seconds later."""
    process, base = start_server(root)
    try:
        with httpx.Client(base_url=base, headers={"Origin": base}) as web:
            web.cookies.set(webapp.EDITOR_COOKIE, quote("Lan"))
            csrf = re.search(r'name="csrf-token" content="(\w+)"', web.get("/interviews/LK-2026-001").text).group(1)
            answer = web.post(
                f"/api/segments/{segment_id}", json={"version": version, "text": text}, headers={"X-CSRF-Token": csrf}
            )
            assert answer.status_code == 200, answer.text
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()


def stale_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("stale:")]


@pytest.mark.slow
def test_a_sheet_left_stale_by_a_killed_app_is_named_by_verify_and_written_by_the_next_run_or_serve(tmp_path):
    archive = reviewdesk.build(tmp_path)
    review_sheets.write_sheets(database.open_database(archive.database), archive)
    sheet, segment = archive.sheets_dir / "LK-2026-001.html", first_segment(archive)
    loike = lambda *args: CliRunner().invoke(cli, ["--root", str(archive.root), *args])  # noqa: E731

    save_then_kill(archive.root, segment.id, 1, "Sửa lúc máy chủ sắp bị tắt")

    assert "Sửa lúc máy chủ sắp bị tắt" not in sheet.read_text(encoding="utf-8")
    assert stale_lines(loike("verify").output) == [
        "stale: transcripts/sheets/LK-2026-001.html is older than the last edit of LK-2026-001 (the review app "
        "stopped before writing it): `loike rebuild --sheets` writes it again."
    ]
    assert loike("run").exit_code == 0
    assert "Sửa lúc máy chủ sắp bị tắt" in sheet.read_text(encoding="utf-8")
    assert stale_lines(loike("verify").output) == []

    save_then_kill(archive.root, segment.id, 2, "Sửa lần hai")
    with serving(archive.root):  # the next start writes it
        assert "Sửa lần hai" in sheet.read_text(encoding="utf-8")
