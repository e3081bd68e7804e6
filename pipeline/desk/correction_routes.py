"""The review app's routes for corrections: find and replace (preview, apply, undo) and suggestions (list, accept,
turn down, offer again). Each is a plain function of (db, path params, body or query, editor), as in ``webapp``;
``routes`` wraps them the way ``webapp.create_app`` wraps its own."""

from __future__ import annotations

from dataclasses import asdict

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pipeline import database
from pipeline.desk import marks, replacing, suggestions, views
from pipeline.errors import InvalidEdit, NotFound
from pipeline.i18n import _
from pipeline.settings import Archive


def routes(archive: Archive, change, on_db, vietnamese) -> list[Route]:
    """``change`` wraps a function that changes the archive (body parsed, editor required, errors mapped, sheets
    touched); ``on_db`` runs a function in a worker thread with its connection; ``vietnamese`` says an error."""

    async def preview(request: Request) -> Response:
        query = dict(request.query_params)
        try:
            found = await on_db(find, query)
        except (InvalidEdit, NotFound) as error:
            return JSONResponse({"error": vietnamese(error)}, status_code=400)
        return JSONResponse(found)

    async def marked(request: Request) -> Response:
        found = await on_db(_marks, request.path_params["code"])
        return JSONResponse({"marks": found})

    async def offered(request: Request) -> Response:
        found = await on_db(lambda db, key: suggestions.suggestions(db, archive, key), request.path_params["code"])
        return JSONResponse({"suggestions": [asdict(s) for s in found]})

    return [
        Route("/api/replace/preview", preview),
        Route("/api/replace/apply", change(apply), methods=["POST"]),
        Route("/api/replace/{batch_id:int}/undo", change(undo), methods=["POST"]),
        Route("/api/interviews/{code}/suggestions", offered),
        Route("/api/interviews/{code}/marks", marked),
        Route("/api/segments/{segment_id:int}/accept", change(accept), methods=["POST"]),
        Route("/api/segments/{segment_id:int}/decline", change(decline), methods=["POST"]),
        Route("/api/segments/{segment_id:int}/offer-again", change(offer_again), methods=["POST"]),
    ]


def _marks(db, code: str) -> dict:
    found = database.interview(db, str(code))
    if found is None:
        raise NotFound(_("There is no interview {code}.").format(code=code))
    return {str(segment_id): spans for segment_id, spans in marks.interview_marks(db, found.id).items()}


def find(db, query: dict) -> dict:
    preview = _preview(db, query)
    return {"hits": [asdict(hit) for hit in preview.hits], "replacement": preview.replacement}


def _preview(db, given: dict) -> replacing.Preview:
    exact = str(given.get("exact", "")).lower() in ("1", "true", "on")
    interview = given.get("interview") or None
    return replacing.find(db, str(given.get("find", "")), str(given.get("replacement", "")), interview, exact)


def apply(db, params, body, editor):
    preview = _preview(db, body)
    chosen = body.get("chosen")
    chosen = None if chosen is None else [(int(s), int(o), int(v)) for s, o, v in chosen]
    done = replacing.apply(db, preview, editor, chosen)
    touched = sorted({hit.interview_id for hit in preview.hits})
    return {
        "batch": done.batch_id,
        "lines": done.lines,
        "hits": done.hits,
        "skipped": [asdict(hit) for hit in done.skipped],
        "segments": _segments(db, {hit.segment_id for hit in preview.hits}),
    }, touched


def undo(db, params, body, editor):
    batch = database.replacement(db, params["batch_id"])
    revisions = database.revisions_by_action(db, f"replace:{params['batch_id']}")
    done = replacing.undo(db, params["batch_id"], editor)
    touched = sorted({r.interview_id for r in revisions}) or ([batch.interview_id] if batch else [])
    return {
        "lines": done.lines,
        "kept": done.kept,
        "segments": _segments(db, {r.segment_id for r in revisions}),
    }, touched


def accept(db, params, body, editor):
    saved = suggestions.accept(
        db,
        params["segment_id"],
        int(body["version"]),
        int(body["offset"]),
        str(body["found"]),
        str(body["suggestion"]),
        editor,
    )
    return views.segment_json(db, saved), saved.interview_id


def decline(db, params, body, editor):
    suggestions.decline(db, params["segment_id"], str(body["found"]), str(body["suggestion"]), editor)
    return {"declined": True}, database.segment(db, params["segment_id"]).interview_id


def offer_again(db, params, body, editor):
    lines = suggestions.offer_again(db, params["segment_id"], str(body["found"]), str(body["suggestion"]))
    return {"offered_again": lines}, database.segment(db, params["segment_id"]).interview_id


def _segments(db, segment_ids: set[int]) -> list[dict]:
    """The lines a batch touched, as the page shows them after a change."""
    return [views.segment_json(db, segment) for segment in database.segments_by_id(db, sorted(segment_ids))]
