"""Who is at the desk: the name an editor types (on this machine), or the account an editor signs in with (when
the app is shared beyond it and accounts exist), or the shared password of ``loike serve --password``.

Every wrong password slows the next attempt for that account and from that client (``accounts.Throttle``):
the wrong answer itself comes after the wait, and an attempt made during it is refused unchecked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from urllib.parse import quote as urlquote
from urllib.parse import unquote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from pipeline.database.account_records import EditorAccount
from pipeline.desk import accounts, security

EDITOR_COOKIE = "loike_editor"
Page = Callable[..., HTMLResponse]
"""``page(request, template, status=200, **context)``: a page of the app."""


def editor_of(request: Request) -> str | None:
    """Who makes a change: the signed-in account when the app uses accounts, else the name the editor typed."""
    if security.ACCOUNT_SCOPE in request.scope:
        return request.scope[security.ACCOUNT_SCOPE]
    name = unquote(request.cookies.get(EDITOR_COOKIE, "")).strip()
    return name[:80] or None


def routes(
    gate: security.Gate, page: Page, lookup: Callable[[str], EditorAccount | None], throttle: accounts.Throttle
) -> list[Route]:
    """/editor (the typed name), /login and /logout."""

    async def set_editor(request: Request) -> Response:
        if gate.accounts:
            message = "Khi dùng tài khoản, tên người sửa là tên tài khoản đã đăng nhập: không đổi được ở đây."
            return security.refuse(request, 403, message)
        form = await security.read_form(request)
        name = " ".join(form.get("name", "").split())[:80]
        target = form.get("next", "/")
        target = target if target.startswith("/") and not target.startswith("//") else "/"
        response = RedirectResponse(target, status_code=303)
        if name:
            response.set_cookie(
                EDITOR_COOKIE, urlquote(name), max_age=3600 * 24 * 365, httponly=True, samesite="strict"
            )
        return response

    async def login(request: Request) -> Response:
        if request.method == "GET":
            return page(request, "app_login.html.j2", failed=False, accounts=gate.accounts)
        form = await security.read_form(request)
        name = " ".join(form.get("name", "").split()) if gate.accounts else ""
        keys = [f"account:{name.casefold()}", f"client:{request.client.host if request.client else ''}"]
        wait = throttle.wait(keys)
        if wait > 0:
            return _throttled(request, wait)
        account = await run_in_threadpool(lookup, name) if gate.accounts else None
        if gate.accounts:
            right = await run_in_threadpool(accounts.password_ok, account, form.get("password", ""))
        else:
            right = gate.password_matches(form.get("password", ""))
        if not right:
            await asyncio.sleep(throttle.failed(keys))
            return page(request, "app_login.html.j2", status=401, failed=True, accounts=gate.accounts, typed=name)
        throttle.succeeded(keys)
        response = RedirectResponse("/", status_code=303)
        gate.remember_login(response, account)
        return response

    async def logout(request: Request) -> Response:
        response = RedirectResponse("/login" if gate.accounts or gate.password else "/", status_code=303)
        response.delete_cookie(security.AUTH_COOKIE)
        return response

    return [
        Route("/editor", set_editor, methods=["POST"]),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
    ]


def _throttled(request: Request, wait: float) -> Response:
    message = f"Đã nhập sai mật khẩu nhiều lần: hãy đợi {int(wait) + 1} giây rồi thử lại."
    answer = security.refuse(request, 429, message)
    answer.headers["Retry-After"] = str(int(wait) + 1)
    return answer
