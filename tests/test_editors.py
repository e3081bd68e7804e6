"""Who did what: editors' accounts (salted hashes, made with `loike editors`), signing in to an app shared beyond
this machine, wrong passwords slowed down, the plain-HTTP warning, and deleted quotes kept in the history."""

from __future__ import annotations

import re
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import pytest
import reviewdesk
from click.testing import CliRunner
from starlette.testclient import TestClient

from pipeline import database
from pipeline.cli import cli
from pipeline.desk import accounts, webapp

BASE = "http://127.0.0.1:8765"
PLAIN_HTTP = "Kết nối này không được mã hoá (HTTP)"


@pytest.fixture
def archive(tmp_path):
    return reviewdesk.build(tmp_path)


def loike(archive, *args, input=None):
    return CliRunner().invoke(cli, ["--root", str(archive.root), *args], input=input)


def test_loike_editors_keeps_salted_hashes_never_the_password(archive):
    added = loike(archive, "editors", "add", "Nguyễn Thị  Lan", input="mật khẩu dài\nmật khẩu dài\n")
    assert added.exit_code == 0, added.output
    assert "Repeat for confirmation" in added.output and "mật khẩu dài" not in added.output  # asked twice, hidden
    assert added.output.splitlines()[-1] == (
        "Nguyễn Thị Lan can now sign in to the review app when it is shared with `loike serve --host …`."
    )
    assert loike(archive, "editors", "add", "Minh", input="mật khẩu dài\nmật khẩu dài\n").exit_code == 0
    db = database.open_database(archive.database)
    lan, minh = database.editor_account(db, "Nguyễn Thị Lan"), database.editor_account(db, "Minh")
    assert lan.scheme == minh.scheme == "scrypt:16384:8:1" and len(lan.salt) == 16 and lan.salt != minh.salt
    assert lan.hash != minh.hash  # one password, two salts
    assert accounts.password_ok(lan, "mật khẩu dài") and not accounts.password_ok(lan, "mật khẩu dai")
    assert "mật khẩu dài".encode() not in archive.database.read_bytes()

    assert loike(archive, "editors", "list").output.splitlines() == [
        f"Minh  (since {time.strftime('%d/%m/%Y')})",
        f"Nguyễn Thị Lan  (since {time.strftime('%d/%m/%Y')})",
    ]
    again = loike(archive, "editors", "add", "Nguyễn Thị Lan", input="khác hẳn rồi\nkhác hẳn rồi\n")
    assert again.exit_code == 1 and again.output.splitlines()[-1] == (
        "Error: Nguyễn Thị Lan already has an account: `loike editors remove Nguyễn Thị Lan` first to give it a new "
        "password."
    )
    short = loike(archive, "editors", "add", "Hà", "--password", "ngắn")
    assert (
        short.exit_code == 1 and short.output == "Error: A password needs at least 8 characters: choose a longer one.\n"
    )
    assert loike(archive, "editors", "remove", "Minh").output == "Minh's account is removed.\n"
    missing = loike(archive, "editors", "remove", "Minh")
    assert missing.exit_code == 1 and "There is no account named 'Minh': `loike editors list` lists them." in (
        missing.output
    )


def shared(archive, client=("192.168.1.20", 50123), **options) -> TestClient:
    """The app as `loike serve --host 0.0.0.0` serves it, seen from another machine on the office network."""
    app = webapp.create_app(archive, webapp.ServeOptions(host="0.0.0.0", sheet_delay=0.01, **options))
    return TestClient(app, base_url=BASE, headers={"Origin": BASE}, client=client)


def csrf(client, path="/interviews/LK-2026-001") -> str:
    return re.search(r'name="csrf-token" content="(\w+)"', client.get(path).text).group(1)


def sign_in(client, name, password):
    return client.post("/login", data={"name": name, "password": password}, follow_redirects=False)


@pytest.mark.slow
def test_beyond_this_machine_editors_sign_in_as_themselves_and_wrong_passwords_slow_down(archive):
    db = database.open_database(archive.database)
    accounts.add(db, "Lan", "mật khẩu của Lan")
    accounts.add(db, "Minh", "mật khẩu của Minh")
    client = shared(archive, password="mật-khẩu-chung")
    client.cookies.set(webapp.EDITOR_COOKIE, quote("Kẻ giả danh"))  # a name typed into a cookie counts for nothing
    assert client.app.state.gate.password is None  # accounts replace the shared password

    assert client.get("/", follow_redirects=False).headers["location"] == "/login"
    assert 'name="name"' in client.get("/login").text
    assert "self-declared" not in client.app.state.gate.address(8765)
    throttle = client.app.state.throttle
    elsewhere = TestClient(client.app, base_url=BASE, headers={"Origin": BASE}, client=("192.168.1.30", 50124))
    with ThreadPoolExecutor(1) as beside:
        started = time.monotonic()
        guess = beside.submit(sign_in, client, "Lan", "đoán bừa")
        while not throttle.failures:  # until the wrong password is counted
            time.sleep(0.01)
        hurried = sign_in(client, "Minh", "mật khẩu của Minh")  # the same machine meanwhile: refused unchecked
        lan_elsewhere = sign_in(elsewhere, "Lan", "mật khẩu của Lan")  # Lan's account meanwhile, from anywhere
        wrong = guess.result()
    assert wrong.status_code == 401 and "Tên hoặc mật khẩu không đúng." in wrong.text
    assert time.monotonic() - started >= accounts.FIRST_DELAY  # the wrong answer comes after the wait
    assert hurried.status_code == 429 and "hãy đợi" in hurried.text and hurried.headers["retry-after"] == "1"
    assert lan_elsewhere.status_code == 429
    assert sign_in(elsewhere, "Minh", "mật khẩu của Minh").status_code == 303  # neither slowed
    assert sign_in(client, "Lan", "mật khẩu của Lan").status_code == 303  # the wait is over
    assert sign_in(client, "Lan", "sai").status_code == 401
    started = time.monotonic()
    assert sign_in(client, "Lan", "sai nữa").status_code == 401
    assert time.monotonic() - started >= 2 * accounts.FIRST_DELAY  # each failure in a row waits twice as long

    segment = database.segments(db, 1)[0]
    saved = client.post(
        f"/api/segments/{segment.id}", json={"version": 1, "text": "Sửa"}, headers={"X-CSRF-Token": csrf(client)}
    )
    assert saved.status_code == 200 and saved.json()["edited_by"] == "Lan"
    assert [r.editor for r in database.segment_history(db, segment.id)] == ["Lan"]
    renamed = client.post("/editor", data={"name": "Kẻ giả danh", "csrf": csrf(client)}, follow_redirects=False)
    assert renamed.status_code == 403
    assert "Đăng xuất" in client.get("/").text

    accounts.remove(db, "Lan")
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"  # signed out with the account


def test_pages_sent_to_another_machine_over_plain_http_say_so(archive):
    local = TestClient(webapp.create_app(archive), base_url=BASE, client=("127.0.0.1", 50000))
    assert PLAIN_HTTP not in local.get("/").text
    shared_app = shared(archive)
    assert PLAIN_HTTP in shared_app.get("/login").text  # before the password is typed


def test_a_deleted_quote_stays_in_the_history_with_who_and_when(archive):
    client = TestClient(webapp.create_app(archive, webapp.ServeOptions(sheet_delay=0.01)), base_url=BASE)
    client.headers["Origin"] = BASE
    client.cookies.set(webapp.EDITOR_COOKIE, quote("Lan"))
    token = csrf(client)
    db = database.open_database(archive.database)
    first = database.segments(db, 1)[1]
    made = client.post(
        "/api/quotes",
        json={"first": first.id, "last": first.id, "comment": "mở đầu chương 2"},
        headers={"X-CSRF-Token": token},
    )
    quote_id = made.json()["id"]

    gone = client.post(f"/api/quotes/{quote_id}/delete", json={}, headers={"X-CSRF-Token": token})

    assert gone.status_code == 200 and database.interview_quotes(db, 1) == []
    [kept] = database.quote_deletions(db, 1)
    assert (kept.quote_id, kept.editor, kept.quote["text"], kept.quote["comment"]) == (
        quote_id,
        "Lan",
        first.text,
        "mở đầu chương 2",
    )
    assert kept.at[:10] == database.now()[:10]
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM quote_deletions")
    log = loike(archive, "log", "LK-2026-001").output.splitlines()
    assert re.search(rf"quote deleted\s+Lan  #{quote_id} “{re.escape(first.text)}”$", log[-1]), log
