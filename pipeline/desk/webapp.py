"""The review app: a small web server over the archive where editors listen, correct, verify and quote.

Starlette routes are thin: each reads the request, makes one call into :mod:`pipeline.desk.editing` (the rules
of every change) or :mod:`pipeline.desk.views` (what the pages show), and answers. The guards every change passes
through live in :mod:`pipeline.desk.security`.
"""

from __future__ import annotations

import errno
import logging
import os
import socket
import threading
from dataclasses import asdict, dataclass, field
from urllib.parse import quote as urlquote
from urllib.parse import unquote

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from pipeline import database
from pipeline.database.metadata_records import PersonMeta
from pipeline.desk import correction_routes, editing, reader_routes, security, views, workshop_pages
from pipeline.errors import Conflict, InvalidEdit, LoikeError, NotFound, ServeError
from pipeline.i18n import _
from pipeline.publishing import review_sheets, templating
from pipeline.settings import Archive

log = logging.getLogger(__name__)

EDITOR_COOKIE = "loike_editor"
JS, CSS = "text/javascript; charset=utf-8", "text/css; charset=utf-8"
ASSETS = {"app.js": JS, "app_readers.js": JS, "app.css": CSS, "corrections.js": JS}
SHEET_DELAY = 2.0
"""Seconds of quiet after an edit before the interview's static sheet is written again."""


@dataclass
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8765
    password: str | None = None
    """Required when the app is reachable from other machines; a token is made up when none is given."""
    allowed_hosts: tuple[str, ...] = ()
    """Host names other machines use to reach this one, on top of the ones found automatically."""
    sheet_delay: float = SHEET_DELAY


@dataclass
class SheetRefresher:
    """Writes an interview's static sheet again a moment after its last edit, off the request path."""

    archive: Archive
    delay: float
    dirty: set[int] = field(default_factory=set)
    timer: threading.Timer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    writing: threading.Lock = field(default_factory=threading.Lock)

    def touch(self, interview_id: int) -> None:
        with self.lock:
            self.dirty.add(interview_id)
            if self.timer:
                self.timer.cancel()
            self.timer = threading.Timer(self.delay, self.flush)
            self.timer.daemon = True
            self.timer.start()

    def flush(self) -> None:
        """Write what is waiting; a flush during another waits for it, so when it returns the sheets are on disk."""
        with self.writing:
            with self.lock:
                dirty, self.dirty = self.dirty, set()
            if dirty:
                db = database.connect(self.archive.database)
                try:
                    review_sheets.write_sheets(db, self.archive, only=dirty)
                except LoikeError as error:
                    log.warning("%s", error)
                finally:
                    db.close()


def create_app(archive: Archive, options: ServeOptions | None = None) -> Starlette:
    """The review app for ``archive``; the database is opened (and migrated) once here."""
    options = options or ServeOptions()
    database.open_database(archive.database).close()
    gate = security.Gate(archive, options.host, options.port, options.password, options.allowed_hosts)
    env = templating.environment(archive.root)
    for name in ("app_index.html.j2", "app_interview.html.j2"):
        env.get_template(name)  # compiled now, not on the first editor's first click
    sheets = SheetRefresher(archive, options.sheet_delay)
    local = threading.local()

    def db():
        """This thread's own connection: a transaction never spans two requests' threads."""
        if getattr(local, "db", None) is None:
            local.db = database.connect(archive.database)
        return local.db

    async def on_db(function, *args):
        """``function(db, *args)`` in a worker thread, with that thread's connection."""
        return await run_in_threadpool(lambda: function(db(), *args))

    def page(request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
        editor = editor_of(request)
        html = templating.render_page(
            env, name, editor=editor, csrf=gate.csrf_token(request), request=request, **context
        )
        return HTMLResponse(html, status_code=status)

    async def index(request: Request) -> Response:
        chosen = {key: request.query_params.get(key, "") for key in views.FILTERS}
        rows = await on_db(views.listing, chosen)
        return page(request, "app_index.html.j2", **rows, chosen=chosen)

    async def interview_page(request: Request) -> Response:
        if not editor_of(request):
            return page(request, "app_name.html.j2", next=request.url.path)
        found = await on_db(views.interview_context, request.path_params["code"])
        return page(request, "app_interview.html.j2", **found)

    async def audio(request: Request) -> Response:
        found = database.interview(db(), str(request.path_params["interview_id"]))
        path = archive.audio_dir / f"{found.code}.wav" if found else None
        if path is None or not path.is_file():
            raise HTTPException(404, "Chưa có bản nghe của phỏng vấn này: hãy chạy `loike run`.")
        return FileResponse(path, media_type="audio/wav")

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in ASSETS:
            raise HTTPException(404, "Không có tệp này.")
        return Response(templating.asset(env, name), media_type=ASSETS[name], headers={"Cache-Control": "no-cache"})

    async def set_editor(request: Request) -> Response:
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
            return page(request, "app_login.html.j2", failed=False)
        form = await security.read_form(request)
        if not gate.password_matches(form.get("password", "")):
            return page(request, "app_login.html.j2", status=401, failed=True)
        response = RedirectResponse("/", status_code=303)
        gate.remember_login(response)
        return response

    def change(action):
        """A JSON endpoint that changes the archive: body parsed, editor required, library errors mapped."""

        async def endpoint(request: Request) -> Response:
            body = await security.read_json(request)
            editor = editor_of(request)
            if not editor:
                return JSONResponse({"error": "Hãy nhập tên người biên tập trước khi sửa."}, status_code=403)
            try:
                result, interview_id = await on_db(action, request.path_params, body, editor)
            except Conflict as conflict:
                return JSONResponse(
                    {
                        "error": conflict_message(conflict),
                        "current": views.segment_json(db(), conflict.current),
                        "yours": body,
                    },
                    status_code=409,
                )
            except (InvalidEdit, NotFound, ValueError, KeyError, TypeError) as error:
                status = 404 if isinstance(error, NotFound) else 400
                return JSONResponse({"error": vietnamese(error)}, status_code=status)
            for touched in interview_id if isinstance(interview_id, list) else [interview_id]:
                sheets.touch(touched)
            return JSONResponse(result)

        return endpoint

    async def segment_history(request: Request) -> Response:
        segment_id = request.path_params["segment_id"]
        try:
            revisions = await on_db(database.segment_history, segment_id)
            machine = await on_db(editing.machine_text, segment_id)
        except NotFound as error:
            return JSONResponse({"error": vietnamese(error)}, status_code=404)
        return JSONResponse({"revisions": [asdict(r) for r in revisions], "machine_text": machine})

    routes = [
        Route("/", index),
        Route("/interviews/{code}", interview_page),
        Route("/audio/{interview_id:int}", audio),
        Route("/static/{name}", asset),
        Route("/editor", set_editor, methods=["POST"]),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/api/segments/{segment_id:int}", change(save_segment), methods=["POST"]),
        Route("/api/segments/{segment_id:int}/split", change(split_segment), methods=["POST"]),
        Route("/api/segments/{segment_id:int}/merge", change(merge_segment), methods=["POST"]),
        Route("/api/segments/{segment_id:int}/restore", change(restore_segment), methods=["POST"]),
        Route("/api/segments/{segment_id:int}/tags", change(tag_segment), methods=["POST"]),
        Route("/api/segments/{segment_id:int}/history", segment_history),
        Route("/api/quotes", change(add_quote), methods=["POST"]),
        Route("/api/quotes/{quote_id:int}/delete", change(delete_quote), methods=["POST"]),
        Route("/api/subjects", change(add_subject), methods=["POST"]),
        Route("/api/speakers", change(name_speaker), methods=["POST"]),
        *workshop_pages.routes(archive, page, on_db, editor_of),  # the workshop: timeline, dossiers, conclusions
        *correction_routes.routes(archive, change, on_db, vietnamese),
        *reader_routes.routes(change),
    ]
    # Starlette types every handler as taking any Exception; this one takes HTTPException (Kludex/starlette#1142).
    app = Starlette(routes=routes, exception_handlers={HTTPException: security.http_error})  # type: ignore[dict-item]
    app.add_middleware(security.GateMiddleware, gate=gate)
    app.state.sheets = sheets
    app.state.gate = gate
    return app


def serve(archive: Archive, options: ServeOptions, announce) -> None:
    """Run the app until Ctrl-C; ``announce`` receives the address (and the password, when one was made up)."""
    import uvicorn

    check_port(options.host, options.port)
    app = create_app(archive, options)
    config = uvicorn.Config(
        app,
        host=options.host,
        port=options.port,
        log_level="warning",
        limit_concurrency=64,
        timeout_graceful_shutdown=5,
    )

    class Server(uvicorn.Server):
        """uvicorn's server, saying where the app listens once it does."""

        async def startup(self, sockets=None):
            await super().startup(sockets)
            port = self.servers[0].sockets[0].getsockname()[1] if self.servers else options.port
            announce(app.state.gate.address(port))

    server = Server(config)
    try:
        server.run()
    finally:
        app.state.sheets.flush()


def check_port(host: str, port: int) -> None:
    """Say in one sentence why the app cannot listen, before uvicorn says it in a log line."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        if os.name != "nt":  # as uvicorn does: a port left in TIME_WAIT by a stopped app is free (on Windows
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # the option would take a busy one)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise ServeError(
                    _(
                        "Port {port} is already in use on {host} (is `loike serve` already running?): stop the "
                        "other program, or choose another port with --port."
                    ).format(port=port, host=host)
                ) from error
            raise ServeError(
                _("Cannot listen on {host}:{port} ({strerror}): check --host and --port.").format(
                    host=host, port=port, strerror=error.strerror
                )
            ) from error


# --- what the routes do, each a plain function of (db, path params, body, editor) ----------------


def save_segment(db, params, body, editor):
    fields = {key: body[key] for key in ("text", "speaker", "person_id", "note", "status") if key in body}
    saved = editing.edit(db, params["segment_id"], int(body["version"]), editor, **fields)
    return views.segment_json(db, saved), saved.interview_id


def split_segment(db, params, body, editor):
    first, second = editing.split(db, params["segment_id"], int(body["version"]), int(body["offset"]), editor)
    return {"segments": [views.segment_json(db, first), views.segment_json(db, second)]}, first.interview_id


def merge_segment(db, params, body, editor):
    merged = editing.merge(db, params["segment_id"], int(body["version"]), int(body["next_version"]), editor)
    return views.segment_json(db, merged), merged.interview_id


def restore_segment(db, params, body, editor):
    segment_id, version = params["segment_id"], int(body["version"])
    if body.get("revision") == "machine":
        saved = editing.restore_machine(db, segment_id, version, editor)
    else:
        saved = editing.restore(db, segment_id, int(body["revision"]), version, editor)
    return views.segment_json(db, saved), saved.interview_id


def tag_segment(db, params, body, editor):
    segment_id = params["segment_id"]
    found = editing.tag(db, segment_id, str(body["kind"]), int(body["id"]), editor, bool(body.get("remove")))
    return {"tags": [asdict(t) for t in found]}, editing.segment(db, segment_id).interview_id


def add_quote(db, params, body, editor):
    tags = {kind: [int(i) for i in ids] for kind, ids in (body.get("tags") or {}).items()}
    end = body.get("end_offset")
    made = editing.add_quote(
        db,
        int(body["first"]),
        int(body["last"]),
        editor,
        start_offset=int(body.get("start_offset") or 0),
        end_offset=None if end is None else int(end),
        comment=str(body.get("comment") or ""),
        tags=tags,
    )
    return asdict(made), made.interview_id


def delete_quote(db, params, body, editor):
    interview_id = editing.quote(db, params["quote_id"]).interview_id
    editing.delete_quote(db, params["quote_id"])
    return {"deleted": params["quote_id"]}, interview_id


def name_speaker(db, params, body, editor):
    interview_id, person = int(body["interview_id"]), body.get("person_id")
    chosen = int(person) if person not in (None, "") else None
    editing.name_speaker(db, interview_id, str(body["label"]), chosen, editor)
    names = database.speaker_names(db, interview_id)
    return {
        "label": body["label"],
        "person_id": person or None,
        "name": names.labels.get(body["label"]) or body["label"],
    }, interview_id


def add_subject(db, params, body, editor):
    """A person or event an editor names that the metadata did not list yet."""
    kind, name = str(body["kind"]), " ".join(str(body["name"]).split())
    if not name:
        raise InvalidEdit("A name is needed.", "Hãy nhập tên.")
    with database.writing(db):
        if kind == "person":
            made = database.person_id(db, PersonMeta(full_name=name))
        elif kind == "event":
            made = database.event_id(db, name)
        else:
            raise InvalidEdit(f"Unknown kind {kind!r}.", "Chỉ thêm được nhân vật hoặc sự kiện.")
    return {"kind": kind, "id": made, "name": name}, int(body["interview_id"])


def editor_of(request: Request) -> str | None:
    name = unquote(request.cookies.get(EDITOR_COOKIE, "")).strip()
    return name[:80] or None


def conflict_message(conflict: Conflict) -> str:
    who = conflict.current.edited_by or "người khác"
    return (
        f"Đoạn này vừa được {who} sửa (phiên bản {conflict.current.version}). "
        "Bản của bạn chưa được lưu: hãy so sánh hai bản, rồi chọn và lưu lại."
    )


def vietnamese(error: Exception) -> str:
    if vi := getattr(error, "vi", None):
        return vi
    if isinstance(error, NotFound):
        return "Không tìm thấy: có thể đoạn này đã được gộp vào đoạn khác; hãy tải lại trang."
    return "Yêu cầu không hợp lệ: hãy tải lại trang rồi thử lại."
