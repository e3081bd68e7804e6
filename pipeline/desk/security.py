"""What stands between the review app and anyone who should not change the archive.

- The Host header must name this machine, so a web page elsewhere cannot reach the app by DNS rebinding.
- Every change (POST) must come from the app's own pages: same Origin, and a CSRF token tied to the browser's
  session cookie (HMAC with a secret kept in the archive, so tokens survive a restart of the app).
- Bodies are bounded; errors are short Vietnamese sentences with a 4xx status.
- Reachable from other machines (any host but loopback), every request needs the password (or the token the
  app printed at start), remembered in a cookie after one login.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
from http import HTTPStatus
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from pipeline import files
from pipeline.settings import Archive

SESSION_COOKIE = "loike_session"
AUTH_COOKIE = "loike_auth"
MAX_BODY = 256 * 1024
"""The largest request body taken; a segment's text is at most 10,000 characters."""
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
OPEN_PATHS = {"/login", "/static/app.css"}
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}
ERRORS = {
    400: "Yêu cầu không hợp lệ.",
    404: "Không tìm thấy trang này.",
    405: "Không dùng được cách gửi này.",
    413: "Yêu cầu quá lớn.",
}
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


class Gate:
    def __init__(self, archive: Archive, host: str, port: int, password: str | None, extra_hosts=()):
        self.secret = _secret(archive.transcripts / ".loike-secret")
        self.host, self.port = host, port
        self.local_only = _is_loopback(host)
        self.password = None if self.local_only else (password or secrets.token_urlsafe(9))
        self.made_up_password = not self.local_only and not password
        self.hosts = _names_of_this_machine(host) | {h.lower() for h in extra_hosts}

    # --- checks -------------------------------------------------------------------------------------

    def host_allowed(self, request: Request) -> bool:
        return _hostname(request.headers.get("host", "")) in self.hosts

    def same_origin(self, request: Request) -> bool:
        origin = request.headers.get("origin") or _origin_of(request.headers.get("referer", ""))
        return bool(origin) and origin == f"{request.url.scheme}://{request.headers.get('host', '')}"

    def csrf_token(self, request: Request) -> str:
        session = request.cookies.get(SESSION_COOKIE) or request.scope.get("loike.session", "")
        return hmac.new(self.secret, f"csrf:{session}".encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, request: Request) -> bool:
        sent = request.headers.get("x-csrf-token") or request.scope.get("loike.form_token", "")
        return bool(request.cookies.get(SESSION_COOKIE)) and hmac.compare_digest(sent, self.csrf_token(request))

    def logged_in(self, request: Request) -> bool:
        return self.password is None or hmac.compare_digest(request.cookies.get(AUTH_COOKIE, ""), self._auth_value())

    def password_matches(self, given: str) -> bool:
        return self.password is not None and hmac.compare_digest(given.strip().encode(), self.password.encode())

    def remember_login(self, response: Response) -> None:
        response.set_cookie(AUTH_COOKIE, self._auth_value(), httponly=True, samesite="strict", max_age=3600 * 24 * 30)

    def _auth_value(self) -> str:
        return hmac.new(self.secret, f"auth:{self.password}".encode(), hashlib.sha256).hexdigest()

    def address(self, port: int) -> str:
        shown = "127.0.0.1" if self.local_only or self.host in ("0.0.0.0", "::") else self.host
        if self.host in ("0.0.0.0", "::"):
            shown = _primary_address() or socket.gethostname()
        line = f"http://{shown}:{port}/"
        if self.made_up_password:
            line += f"  (mật khẩu / password: {self.password})"
        return line


class GateMiddleware:
    """Applies the Gate to every HTTP request and adds the security headers to every answer."""

    def __init__(self, app, gate: Gate):
        self.app, self.gate = app, gate

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request = Request(scope, receive)
        refusal = await self.refusal(request)
        new_session = None
        if not request.cookies.get(SESSION_COOKIE):
            new_session = secrets.token_urlsafe(24)
            scope["loike.session"] = new_session

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(k.lower().encode(), v.encode()) for k, v in HEADERS.items()]
                if new_session:
                    cookie = f"{SESSION_COOKIE}={new_session}; HttpOnly; SameSite=Strict; Path=/"
                    headers.append((b"set-cookie", cookie.encode()))
                message = {**message, "headers": headers}
            await send(message)

        if refusal is not None:
            return await refusal(scope, receive, send_with_headers)
        await self.app(scope, receive, send_with_headers)

    async def refusal(self, request: Request) -> Response | None:
        gate, path = self.gate, request.url.path
        if not gate.host_allowed(request):
            return refuse(
                request,
                400,
                "Tên máy trong địa chỉ không đúng: hãy mở ứng dụng bằng địa chỉ mà lệnh `loike serve` đã in ra.",
            )
        if not gate.logged_in(request) and path not in OPEN_PATHS:
            if request.method in SAFE_METHODS and not path.startswith("/api/"):
                return RedirectResponse("/login", status_code=303)
            return refuse(request, 401, "Cần đăng nhập: hãy mở trang /login và nhập mật khẩu.")
        if request.method in SAFE_METHODS:
            return None
        if int(request.headers.get("content-length") or 0) > MAX_BODY:
            return refuse(request, 413, "Yêu cầu quá lớn.")
        if not gate.same_origin(request):
            return refuse(request, 403, "Yêu cầu không đến từ trang của Lời Kể nên bị từ chối.")
        if path == "/login":
            return None  # the password itself is the proof; there is no session to forge yet
        if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            form = parse_qs((await _body(request)).decode("utf-8", "replace"))
            request.scope["loike.form_token"] = (form.get("csrf") or [""])[0]
        if not gate.csrf_ok(request):
            return refuse(request, 403, "Phiên làm việc không hợp lệ hoặc đã cũ: hãy tải lại trang rồi thử lại.")
        return None


def refuse(request: Request, status: int, message: str) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=status)
    return HTMLResponse(_error_page(message), status_code=status)


async def http_error(request: Request, error: HTTPException) -> Response:
    """Starlette's own errors ("Not Found") in Vietnamese; the app's own details as they were written."""
    own = error.detail != HTTPStatus(error.status_code).phrase
    return refuse(request, error.status_code, error.detail if own else ERRORS.get(error.status_code, ERRORS[400]))


async def read_json(request: Request) -> dict:
    try:
        body = json.loads((await _body(request)).decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise HTTPException(400, "Dữ liệu gửi lên không đọc được.") from None
    if not isinstance(body, dict):
        raise HTTPException(400, "Dữ liệu gửi lên không đọc được.")
    return body


async def read_form(request: Request) -> dict[str, str]:
    form = parse_qs((await _body(request)).decode("utf-8", "replace"))
    return {key: values[0] for key, values in form.items()}


async def _body(request: Request) -> bytes:
    """The request body, at most MAX_BODY bytes whatever Content-Length claimed."""
    if "loike.body" in request.scope:
        return request.scope["loike.body"]
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise HTTPException(413, "Yêu cầu quá lớn.")
        chunks.append(chunk)
    body = b"".join(chunks)
    request.scope["loike.body"] = body
    return body


def _error_page(message: str) -> str:
    from html import escape

    return (
        f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Lời Kể</title>'
        f'<link rel="stylesheet" href="/static/app.css"></head><body class="error-page">'
        f'<main><h1>Lời Kể</h1><p role="alert">{escape(message)}</p><p><a href="/">Về danh sách</a></p>'
        f"</main></body></html>"
    )


def _secret(path: Path) -> bytes:
    """The archive's signing secret, made on first use, readable by its owner only."""
    try:
        return bytes.fromhex(path.read_text().strip())
    except (FileNotFoundError, ValueError):
        value = secrets.token_bytes(32)
        files.write_atomic(path, value.hex().encode(), private=True)
        return value


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _names_of_this_machine(host: str) -> set[str]:
    names = set(LOOPBACK_NAMES)
    if _is_loopback(host):
        return names
    if host not in ("0.0.0.0", "::"):
        return names | {host.lower()}
    hostname = socket.gethostname()
    names |= {hostname.lower(), socket.getfqdn().lower(), f"{hostname.lower()}.local"}
    with contextlib.suppress(OSError):
        names |= {str(info[4][0]) for info in socket.getaddrinfo(hostname, None)}
    if primary := _primary_address():
        names.add(primary)
    return names


def _primary_address() -> str | None:
    """The address other machines on the office network reach this one by (no packet is sent)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("10.255.255.255", 1))
            return probe.getsockname()[0]
    except OSError:
        return None


def _hostname(header: str) -> str:
    header = header.strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
