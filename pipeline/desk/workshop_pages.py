"""The workshop (hội thảo) in the review app: the timeline of the archive's events, the dossier of each event
(person, place) with the questions where accounts differ and a form to record what the workshop settled, and the
dossier as DOCX. Routes are made by ``routes`` and added to the app by ``webapp.create_app``.

Passages of interviews not cleared for publication are shown only when asked for (``?restricted=1``), marked, as
in the printed dossier.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from pipeline.desk import security
from pipeline.errors import LoikeError, NotFound, WorkshopError
from pipeline.i18n import _
from pipeline.publishing import templating
from pipeline.settings import Archive
from pipeline.workshop import gazetteer, handout, pages, settling
from pipeline.workshop.dossier import KINDS, dossier
from pipeline.workshop.dossier_records import Dossier
from pipeline.workshop.timeline import timeline

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
APP_LINKS = pages.Links(
    audio=lambda p: f"/audio/{p.interview_id}#t={p.start:.2f},{p.end:.2f}",
    sheet=lambda p: f"/interviews/{quote(p.code)}#s{p.segment_id}",
    subject=lambda kind, sid: f"/workshop/{kind}/{sid}",
)


def routes(archive: Archive, page: Callable, on_db: Callable, editor_of: Callable) -> list[Route]:
    """The workshop's routes; ``page``, ``on_db`` and ``editor_of`` are the app's own (rendering with the CSRF
    token and the editor's name, a call in a worker thread with its connection, the editor's cookie)."""

    async def timeline_page(request: Request) -> Response:
        entries = await on_db(lambda db: timeline(db, _gazetteer(archive)))
        made = date.today().strftime("%d/%m/%Y")
        # An event no passage is about yet has no dossier to open.
        href = lambda event: f"/workshop/event/{event['event_id']}" if event["passages"] else None  # noqa: E731
        return page(
            request, "app_timeline.html.j2", events=pages.timeline_view(entries), made_on=made, dossier_href=href
        )

    async def dossier_page(request: Request) -> Response:
        made = await on_db(_dossier, archive, *_chosen(request))
        context = pages.dossier_view(made, APP_LINKS)
        return page(request, "app_dossier.html.j2", d=context, restricted=made.include_restricted, error=None)

    async def dossier_docx(request: Request) -> Response:
        made = await on_db(_dossier, archive, *_chosen(request))
        name = f"ho-so-{made.kind}-{made.subject_id}.docx"
        return Response(handout.dossier_docx(made), media_type=DOCX, headers=_attachment(name))

    async def conclude(request: Request) -> Response:
        form = await security.read_form(request)
        # A browser that has not given its name yet gives it in the form itself: nothing typed is lost.
        editor = editor_of(request) or " ".join(form.get("editor", "").split())[:80]
        event = request.path_params["id"]
        try:
            if not editor:
                raise WorkshopError(
                    _("A conclusion needs your name: give it and record the conclusion again."),
                    vi="Hãy ghi tên người ghi kết luận.",
                )
            await on_db(_conclude, event, form, editor)
        except (WorkshopError, NotFound) as error:
            made = await on_db(_dossier, archive, "event", event, False)
            context = pages.dossier_view(made, APP_LINKS)
            return page(request, "app_dossier.html.j2", 400, d=context, restricted=False, error=vietnamese(error))
        return RedirectResponse(f"/workshop/event/{event}#conclusions", status_code=303)

    async def style(request: Request) -> Response:
        env = templating.environment(archive.root)
        css = templating.asset(env, "dossier.css")
        return Response(css, media_type="text/css; charset=utf-8", headers={"Cache-Control": "no-cache"})

    return [
        Route("/workshop", timeline_page),
        Route("/workshop/style.css", style),
        Route("/workshop/{kind}/{id:int}", dossier_page),
        Route("/workshop/{kind}/{id:int}/docx", dossier_docx),
        Route("/workshop/event/{id:int}/conclusions", conclude, methods=["POST"]),
    ]


def _gazetteer(archive: Archive) -> gazetteer.Gazetteer:
    try:
        return gazetteer.load(archive.root)
    except WorkshopError as error:
        raise HTTPException(500, error.vi or f"Không đọc được danh mục mốc thời gian: {error}") from error


def _chosen(request: Request) -> tuple[str, int, bool]:
    """The kind and number of the subject a page shows, and whether restricted passages are shown."""
    kind = request.path_params["kind"]
    if kind not in KINDS:
        raise HTTPException(404, "Không có trang này.")
    return kind, request.path_params["id"], request.query_params.get("restricted") == "1"


def _dossier(db, archive: Archive, kind: str, subject: int, restricted: bool) -> Dossier:
    try:
        return dossier(db, kind, subject, _gazetteer(archive), restricted)
    except WorkshopError as error:
        raise HTTPException(
            404, "Chưa có đoạn nào về mục này: hãy gắn thẻ các đoạn nói về nó trong từng phỏng vấn."
        ) from error


def _conclude(db, event: int, form: dict[str, str], editor: str) -> None:
    passages = [value for key, value in form.items() if key.startswith("passage-")]
    settling.conclude(
        db,
        event,
        form.get("aspect", ""),
        form.get("answer", ""),
        form.get("decided_by", ""),
        editor,
        form.get("decided_on") or None,
        form.get("reasons") or None,
        passages,
    )


def vietnamese(error: LoikeError) -> str:
    """What went wrong with a conclusion, as the editor reads it."""
    if isinstance(error, WorkshopError) and error.vi:
        return error.vi
    if isinstance(error, NotFound):
        return "Không tìm thấy đoạn đã chọn: có thể nó vừa được gộp hay tách; hãy tải lại trang."
    return "Không ghi được kết luận: hãy tải lại trang rồi thử lại."


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"}
