"""What the review app's pages show: read-only views of the archive, shaped for the templates and the JSON API."""

from __future__ import annotations

from starlette.exceptions import HTTPException

from pipeline import database
from pipeline.speech import flags
from pipeline.publishing import templating
from pipeline.desk import editing

def listing(db, chosen: dict) -> dict:
    everything = database.interviews(db)
    progress = editing.progress(db)
    for row in everything:
        row.update(progress.get(row["id"], {}))
        row["review"] = review_state(row)
    view = [templating.interview_view(row) for row in everything]
    options = {
        "communes": sorted({v["commune"] for v in view if v["commune"]}),
        "witnesses": sorted({w for v in view for w in v["witness_list"]}),
        "events": sorted({e for v in view for e in v["event_list"]}),
    }
    shown = [v for v in view if matches(v, chosen)]
    return {"interviews": shown, "total": len(view), "options": options}


def review_state(row: dict) -> str:
    if row["status"] != "transcribed":
        return row["status"]
    if row["segment_count"] and row["verified_count"] == row["segment_count"]:
        return "done"
    return "started" if row.get("last_editor") else "new"


def matches(view: dict, chosen: dict) -> bool:
    return ((not chosen["commune"] or view["commune"] == chosen["commune"])
            and (not chosen["witness"] or chosen["witness"] in view["witness_list"])
            and (not chosen["event"] or chosen["event"] in view["event_list"])
            and (not chosen["status"] or view["review"] == chosen["status"]))


def interview_context(db, code: str) -> dict:
    found = database.interview(db, code)
    if found is None:
        raise HTTPException(404, f"Không có phỏng vấn {code}.")
    segments = database.segments(db, found["id"], with_words=False)
    tags = editing.tags(db, found["id"])
    names = speaker_names(db, found["id"])
    for seg in segments:
        seg["tags"] = tags.get(seg["id"], [])
        seg["speaker_name"] = speaker_name(seg, names)
    return {
        "interview": templating.interview_view(found),
        "segments": [desk_view(s) for s in segments],
        "people": interview_people(db, found["id"]),
        "choices": choices(db),
        "quotes": editing.quotes(db, found["id"]),
        "labels": editing.speaker_labels(db, found["id"]),
        "alternatives": editing.alternatives(db, found["id"]),
    }


def choices(db) -> dict[str, list[dict]]:
    """Everything an editor can tag, as ``{kind: [{id, label}]}``; labels tell namesakes apart."""
    people = [{"id": p["id"], "label": p["full_name"] + (f" ({p['birth_year']})" if p["birth_year"] else "")}
              for p in database.people(db)]
    places = [{"id": p["id"], "label": p["name"] + (f", {p['parent']}" if p["parent"] else "")}
              for p in database.places(db)]
    events = [{"id": e["id"], "label": e["name"]} for e in database.events(db)]
    return {"person": people, "place": places, "event": events}


def desk_view(segment: dict) -> dict:
    """A segment as the desk shows it: its flags spelled out, a doubtful decode marked."""
    codes = flags.parse(segment.get("flags"))
    logprob = segment.get("avg_logprob")
    return {**segment, "flags": codes, "flag_reasons": "; ".join(flags.REASONS_VN.get(c, c) for c in codes),
            "low_segment": logprob is not None and logprob < templating.LOW_SEGMENT_LOGPROB}


def interview_people(db, interview_id: int) -> list[dict]:
    return database.rows(db.execute(
        "SELECT DISTINCT p.id, p.full_name, p.birth_year, ip.role FROM interview_people ip "
        "JOIN people p ON p.id = ip.person_id WHERE ip.interview_id = ? ORDER BY ip.role DESC, p.full_name",
        [interview_id]))


def speaker_names(db, interview_id: int) -> dict:
    """Names for the speaker labels and the people an editor chose."""
    labels = dict(db.execute(
        "SELECT s.label, p.full_name FROM speakers s JOIN people p ON p.id = s.person_id WHERE s.interview_id = ?",
        [interview_id]).fetchall())
    people = dict(db.execute("SELECT id, full_name FROM people").fetchall())
    return {"labels": labels, "people": people}


def speaker_name(seg: dict, names: dict) -> str | None:
    if seg.get("person_id"):
        return names["people"].get(seg["person_id"])
    return names["labels"].get(seg.get("speaker")) or seg.get("speaker")


def segment_json(db, row: dict) -> dict:
    names = speaker_names(db, row["interview_id"])
    view = desk_view(row)
    return {
        key: view.get(key) for key in ("id", "idx", "start", "end", "text", "speaker", "person_id", "review_status",
                                       "version", "note", "flags", "flag_reasons", "edited_by", "edited_at")
    } | {"speaker_name": speaker_name(row, names),
         "tags": editing.tags(db, row["interview_id"], row["id"]).get(row["id"], [])}


