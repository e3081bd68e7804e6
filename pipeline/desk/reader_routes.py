"""The review app's routes for what editors add for readers: index points and closed passages. Each is a plain
function of (db, path params, body, editor) returning (answer, interview id), wrapped by the app's ``change``
(editor required, CSRF checked, library errors mapped, the sheet written again)."""

from __future__ import annotations

from dataclasses import asdict

from starlette.routing import Route

from pipeline import database
from pipeline.desk import for_readers
from pipeline.publishing import redaction


def routes(change) -> list[Route]:
    return [
        Route("/api/interviews/{interview_id:int}/index", change(save_point), methods=["POST"]),
        Route("/api/index/{point_id:int}/delete", change(delete_point), methods=["POST"]),
        Route("/api/interviews/{interview_id:int}/redactions", change(close_passage), methods=["POST"]),
        Route("/api/redactions/{redaction_id:int}/withdraw", change(withdraw), methods=["POST"]),
    ]


def index_json(db, interview_id: int) -> list[dict]:
    return [asdict(point) for point in database.index_points(db, interview_id)]


def redactions_json(db, interview_id: int) -> list[dict]:
    """The interview's closed passages, newest rules first: whether each is still closed, and its marker."""
    closed = {r.id for r in redaction.in_force(database.redactions(db, interview_id))}
    return [
        asdict(r) | {"closed": r.id in closed, "marker": redaction.marker(r)}
        for r in database.redactions(db, interview_id)
    ]


def save_point(db, params, body, editor):
    interview_id = params["interview_id"]
    for_readers.save_point(db, interview_id, body, editor, int(body.get("id") or 0))
    return {"index": index_json(db, interview_id)}, interview_id


def delete_point(db, params, body, editor):
    interview_id = for_readers.delete_point(db, params["point_id"], editor)
    return {"index": index_json(db, interview_id)}, interview_id


def close_passage(db, params, body, editor):
    made = for_readers.close_selection(
        db,
        int(body["first"]),
        int(body["last"]),
        int(body.get("start_offset") or 0),
        int(body["end_offset"]),
        str(body.get("reason") or ""),
        str(body.get("until") or ""),
        editor,
    )
    return {"redactions": redactions_json(db, made.interview_id)}, made.interview_id


def withdraw(db, params, body, editor):
    opened = for_readers.withdraw(db, params["redaction_id"], editor)
    return {"redactions": redactions_json(db, opened.interview_id)}, opened.interview_id
