"""The review app through Starlette's test client: pages, the JSON API, and every guard."""

import re
from urllib.parse import quote

import pytest
import reviewdesk
from click.testing import CliRunner
from starlette.testclient import TestClient

from pipeline import database
from pipeline.cli import cli
from pipeline.desk import webapp

BASE = "http://127.0.0.1:8765"


@pytest.fixture
def archive(tmp_path):
    return reviewdesk.build(tmp_path)


def client_for(archive, **options):
    app = webapp.create_app(archive, webapp.ServeOptions(sheet_delay=0.01, **options))
    return TestClient(app, base_url=BASE, headers={"Origin": BASE})


@pytest.fixture
def client(archive):
    client = client_for(archive)
    client.cookies.set(webapp.EDITOR_COOKIE, quote("Lan"))
    client.get("/")  # the session cookie
    return client


def token(client, path="/interviews/LK-2026-001"):
    return re.search(r'name="csrf-token" content="(\w+)"', client.get(path).text).group(1)


def post(client, path, body, **headers):
    return client.post(path, json=body, headers={"X-CSRF-Token": token(client), **headers})


def first_segment(archive):
    return database.segments(database.open_database(archive.database), 1)[0]


def test_the_listing_shows_progress_and_filters(client, archive):
    reviewdesk.build(archive.root, title="Phỏng vấn thứ hai", commune="Phố Mới")
    page = client.get("/").text
    assert "LK-2026-001" in page and "LK-2026-002" in page and "0/4" in page
    assert "2 / 2 phỏng vấn" in page
    filtered = client.get("/", params={"commune": "Phố Mới"}).text
    assert "LK-2026-002" in filtered and "LK-2026-001" not in filtered.split("<tbody>")[1]
    post(client, f"/api/segments/{first_segment(archive).id}", {"version": 1, "status": "verified"})
    started = client.get("/", params={"status": "started"}).text.split("<tbody>")[1]
    assert "LK-2026-001" in started and "Lan" in started and "1/4" in started


def test_the_editor_is_asked_for_a_name_once(archive):
    client = client_for(archive)
    page = client.get("/interviews/LK-2026-001").text
    assert "Họ và tên" in page
    csrf = re.search(r'name="csrf" value="(\w+)"', page).group(1)
    answer = client.post(
        "/editor",
        data={"csrf": csrf, "name": "Nguyễn Thị Lan", "next": "/interviews/LK-2026-001"},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/interviews/LK-2026-001"
    assert "Năm một chín bốn lăm" in client.get("/interviews/LK-2026-001").text


def test_an_edit_persists_is_a_revision_and_reaches_the_static_sheet(client, archive):
    seg = first_segment(archive)
    answer = post(client, f"/api/segments/{seg.id}", {"version": 1, "text": "Thưa bác Hùng"})
    assert answer.status_code == 200 and answer.json()["version"] == 2
    assert "Thưa bác Hùng" in client.get("/interviews/LK-2026-001").text
    history = client.get(f"/api/segments/{seg.id}/history").json()
    assert history["revisions"][0]["editor"] == "Lan" and history["machine_text"] == reviewdesk.LINES[0]
    client.app.state.sheets.flush()
    assert "Thưa bác Hùng" in (archive.sheets_dir / "LK-2026-001.html").read_text(encoding="utf-8")


def test_a_stale_save_is_refused_with_both_versions(client, archive):
    seg = first_segment(archive)
    post(client, f"/api/segments/{seg.id}", {"version": 1, "text": "bản thứ nhất"})
    answer = post(client, f"/api/segments/{seg.id}", {"version": 1, "text": "bản thứ hai"})
    assert answer.status_code == 409
    assert answer.json()["current"]["text"] == "bản thứ nhất" and answer.json()["yours"]["text"] == "bản thứ hai"
    assert "Lan" in answer.json()["error"]


def test_split_merge_tag_restore_and_quote_through_the_api(client, archive):
    first, second = database.segments(database.open_database(archive.database), 1)[:2]
    split = post(client, f"/api/segments/{first.id}/split", {"version": 1, "offset": len("Thưa bác,")})
    assert [s["text"] for s in split.json()["segments"]] == ["Thưa bác,", "bác kể về ngày thành lập chi bộ"]
    new = split.json()["segments"][1]
    merged = post(client, f"/api/segments/{first.id}/merge", {"version": 2, "next_version": new["version"]})
    assert merged.json()["text"] == reviewdesk.LINES[0]
    tagged = post(client, f"/api/segments/{second.id}/tags", {"kind": "event", "id": 1})
    assert tagged.json()["tags"] == [{"kind": "event", "id": 1, "name": "Thành lập chi bộ"}]
    restored = post(client, f"/api/segments/{first.id}/restore", {"version": 3, "revision": "machine"})
    assert restored.json()["text"] == reviewdesk.LINES[0] and restored.json()["version"] == 4
    quote_made = post(
        client, "/api/quotes", {"first": second.id, "last": second.id, "comment": "năm 1945", "tags": {"event": [1]}}
    )
    assert quote_made.json()["text"] == reviewdesk.LINES[1]
    assert "năm 1945" in client.get("/interviews/LK-2026-001").text
    assert post(client, f"/api/quotes/{quote_made.json()['id']}/delete", {}).status_code == 200


def test_bad_edits_get_a_vietnamese_sentence(client, archive):
    seg = first_segment(archive)
    empty = post(client, f"/api/segments/{seg.id}", {"version": 1, "text": "   "})
    assert empty.status_code == 400 and "không được để trống" in empty.json()["error"]
    missing = post(client, "/api/segments/999/split", {"version": 1, "offset": 2})
    assert missing.status_code == 404 and "tải lại" in missing.json()["error"]
    garbage = client.post(
        f"/api/segments/{seg.id}",
        content=b"{not json",
        headers={"X-CSRF-Token": token(client), "Content-Type": "application/json"},
    )
    assert garbage.status_code == 400


def test_script_in_a_segment_and_in_metadata_is_shown_as_text(client, archive):
    db = database.open_database(archive.database)
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    db.execute("UPDATE interviews SET title = ?", [payload])
    db.conn.commit()
    post(client, f"/api/segments/{first_segment(archive).id}", {"version": 1, "text": payload})
    for page in (client.get("/interviews/LK-2026-001").text, client.get("/").text):
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert" in page
    assert "script-src 'self'" in client.get("/").headers["content-security-policy"]


def test_a_forged_post_is_refused(client, archive):
    seg_path = f"/api/segments/{first_segment(archive).id}"
    without_token = client.post(seg_path, json={"version": 1, "text": "giả mạo"})
    assert without_token.status_code == 403 and "tải lại trang" in without_token.json()["error"]
    wrong_token = client.post(seg_path, json={"version": 1, "text": "giả"}, headers={"X-CSRF-Token": "0" * 64})
    assert wrong_token.status_code == 403
    other_site = post(client, seg_path, {"version": 1, "text": "giả"}, Origin="http://evil.example")
    assert other_site.status_code == 403
    assert first_segment(archive).text == reviewdesk.LINES[0]


def test_a_token_from_another_browser_session_does_not_work(client, archive):
    stolen = token(client)
    other = client_for(archive)
    other.cookies.set(webapp.EDITOR_COOKIE, quote("Kẻ lạ"))
    other.get("/")
    answer = other.post(
        f"/api/segments/{first_segment(archive).id}", json={"version": 1, "text": "x"}, headers={"X-CSRF-Token": stolen}
    )
    assert answer.status_code == 403


def test_the_host_header_must_name_this_machine(client):
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/", headers={"Host": "localhost:8765"}).status_code == 200


def test_audio_is_served_by_interview_number_only(client):
    whole = client.get("/audio/1")
    assert whole.status_code == 200 and whole.content[:4] == b"RIFF"
    part = client.get("/audio/1", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and len(part.content) == 100
    for path in ("/audio/../../etc/passwd", "/audio/..%2F..%2Fetc%2Fpasswd", "/audio/LK-2026-001.wav", "/audio/99"):
        assert client.get(path).status_code == 404, path
    assert client.get("/static/../pipeline/webapp.py").status_code == 404


def test_a_body_too_large_is_refused(client, archive):
    big = {"version": 1, "text": "a" * 300_000}
    answer = post(client, f"/api/segments/{first_segment(archive).id}", big)
    assert answer.status_code == 413


def test_sharing_on_the_network_needs_the_password(archive):
    client = client_for(archive, host="0.0.0.0", password="mật-khẩu")
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"
    assert client.post("/api/quotes", json={}).status_code == 401
    assert client.post("/login", data={"password": "sai"}).status_code == 401
    assert client.post("/login", data={"password": "mật-khẩu"}, follow_redirects=False).status_code == 303
    assert "LK-2026-001" in client.get("/").text


def test_without_a_password_one_is_made_up_and_printed(archive):
    gate = webapp.create_app(archive, webapp.ServeOptions(host="0.0.0.0")).state.gate
    assert gate.password and gate.password in gate.address(8765)
    local = webapp.create_app(archive, webapp.ServeOptions()).state.gate
    assert local.password is None and local.address(8765) == "http://127.0.0.1:8765/"


def test_the_command_has_help():
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0 and "--password" in result.output and "127.0.0.1" in result.output


def test_a_port_already_taken_gets_one_sentence(archive):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["--root", str(archive.root), "serve", "--port", str(port)])
    assert result.exit_code == 1
    assert f"Port {port} is already in use" in result.output and "--port" in result.output


def test_a_speaker_label_is_named_for_the_whole_interview(client, archive):
    db = database.open_database(archive.database)
    db.execute("UPDATE segments SET speaker = CASE WHEN idx % 2 = 0 THEN 'S1' ELSE 'S2' END")
    db.conn.commit()
    assert "Các giọng trong bản ghi" in client.get("/interviews/LK-2026-001").text
    answer = post(client, "/api/speakers", {"interview_id": 1, "label": "S1", "person_id": 2})
    assert answer.json()["name"] == "Trần Thị Mai"
    assert [(r.label, r.person_id) for r in database.speaker_labels(db, 1)] == [("S1", 2), ("S2", None)]
    assert client.get("/interviews/LK-2026-001").text.count('<span class="speaker">Trần Thị Mai</span>') == 2


def test_two_editors_saving_the_same_version_at_once_one_wins_one_is_told(client, archive):
    from concurrent.futures import ThreadPoolExecutor

    seg_path, csrf = f"/api/segments/{first_segment(archive).id}", token(client)
    with ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(
                lambda n: (
                    client.post(
                        seg_path, json={"version": 1, "text": f"bản {n}"}, headers={"X-CSRF-Token": csrf}
                    ).status_code
                ),
                range(8),
            )
        )
    assert sorted(answers) == [200] + [409] * 7
    assert len(database.segment_history(database.open_database(archive.database), first_segment(archive).id)) == 1


def test_a_gap_the_machine_left_is_typed_into_and_becomes_an_edited_searchable_segment(tmp_path):
    """Speech VAD heard and Whisper did not write is stored as a segment with no text, flagged
    ``unwritten_speech``: the desk shows it as a gap to type into, and what the editor types is the segment's."""
    from pipeline.catalogue import search
    from pipeline.database.heard import MachineSegment

    archive = reviewdesk.build(tmp_path)
    db = database.open_database(archive.database)
    said, thanks = reviewdesk.segments_for(["Thưa bác, bác kể tiếp đi ạ", "Cảm ơn bác"], spacing=10.0)
    gap = MachineSegment(5.0, 9.0, "", None, None, None, speech_fraction=1.0, flags=["unwritten_speech"])
    database.save_transcript(db, 1, [said, gap, thanks], reviewdesk.RUN)
    gap_id = database.segments(db, 1)[1].id
    client = client_for(archive)
    client.cookies.set(webapp.EDITOR_COOKIE, quote("Lan"))
    client.get("/")

    page = client.get("/interviews/LK-2026-001").text
    row = re.search(rf'<li [^>]*id="s{gap_id}".*?</li>', page, re.S).group(0)
    assert 'data-placeholder="[có tiếng nói, máy không ghi được]"' in row and 'ghi được]"></div>' in row
    assert "⚑ có tiếng nói, máy không ghi được" in row

    answer = post(client, f"/api/segments/{gap_id}", {"version": 1, "text": "Hồi đó có năm đảng viên"})

    assert answer.status_code == 200
    saved = answer.json()
    assert (saved["text"], saved["review_status"]) == ("Hồi đó có năm đảng viên", "edited")
    assert saved["flags"] == [], "the gap's flag goes with the gap"
    row = re.search(rf'<li [^>]*id="s{gap_id}".*?</li>', client.get("/interviews/LK-2026-001").text, re.S).group(0)
    assert "Hồi đó có năm đảng viên</div>" in row and "data-placeholder" not in row and "⚑" not in row
    assert [h.text for h in search.search(db, "dang vien")] == ["Hồi đó có năm đảng viên"]
    client.app.state.sheets.flush()
    sheet = (archive.sheets_dir / "LK-2026-001.html").read_text(encoding="utf-8")
    assert "Hồi đó có năm đảng viên" in sheet and "máy không ghi được" not in sheet
