"""What the review app's pages show: read-only views of the archive, shaped for the templates and the JSON API."""

from __future__ import annotations

from dataclasses import asdict

from starlette.exceptions import HTTPException

from pipeline import database
from pipeline.database.models import Segment, Tag
from pipeline.desk import reader_routes
from pipeline.publishing import templating
from pipeline.speech import flags

SEGMENT_FIELDS = (
    "id",
    "idx",
    "start",
    "end",
    "text",
    "speaker",
    "person_id",
    "review_status",
    "version",
    "note",
    "edited_by",
    "edited_at",
)
"""What the JSON API tells the page about a segment, beside its flags, speaker name and tags."""


FILTERS = ("commune", "witness", "event", "status", "metadata")
"""What the list can be filtered on (query parameters): status is the review's (new, started, done, pending,
failed), metadata whether the interview waits for its metadata (waiting) or has it (complete)."""


def listing(db, chosen: dict) -> dict:
    last_edits = database.last_edits(db)
    view = []
    for interview in database.interviews(db):
        row = templating.interview_view(interview)
        last = last_edits.get(interview.id)
        if last:
            row.update(last_editor=last.editor, last_edited_at=last.at)
        row["review"] = review_state(row)
        view.append(row)
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
    return (
        (not chosen["commune"] or view["commune"] == chosen["commune"])
        and (not chosen["witness"] or chosen["witness"] in view["witness_list"])
        and (not chosen["event"] or chosen["event"] in view["event_list"])
        and (not chosen["status"] or view["review"] == chosen["status"])
        and (not chosen.get("metadata") or view["metadata_waiting"] == (chosen["metadata"] == "waiting"))
    )


def interview_context(db, code: str) -> dict:
    found = database.interview(db, code)
    if found is None:
        raise HTTPException(404, f"Không có phỏng vấn {code}.")
    tags = database.interview_tags(db, found.id)
    names = database.speaker_names(db, found.id)
    stored = database.segments(db, found.id, with_words=False)
    quotes = database.interview_quotes(db, found.id)
    quoted = quoted_segments(stored, quotes)
    segments = [
        desk_view(seg, tags.get(seg.id, []), names.name_for(seg.person_id, seg.speaker)) | {"quoted": seg.id in quoted}
        for seg in stored
    ]
    alternatives = database.alternatives(db, found.id)
    return {
        "interview": templating.interview_view(found),
        "segments": segments,
        "people": database.interview_people(db, found.id),
        "choices": choices(db),
        "quotes": quotes,
        "labels": database.speaker_labels(db, found.id),
        "proposals": {p.label: p for p in database.proposals(db, found.id)},
        # plain dicts: the page carries them as JSON too
        "alternatives": {sid: [asdict(a) for a in alts] for sid, alts in alternatives.items()},
        "unwritten_text": flags.UNWRITTEN_TEXT,
        "index": reader_routes.index_json(db, found.id),
        "redactions": reader_routes.redactions_json(db, found.id),
    }


def quoted_segments(segments: list[Segment], quotes: list) -> set[int]:
    """The ids of the segments some quote covers (from its first segment to its last)."""
    place = {seg.id: i for i, seg in enumerate(segments)}
    by_place = [seg.id for seg in segments]
    found: set[int] = set()
    for quote in quotes:
        first, last = place.get(quote.first_segment_id), place.get(quote.last_segment_id)
        if first is not None and last is not None:
            found.update(by_place[first : last + 1])
    return found


def choices(db) -> dict[str, list[dict]]:
    """Everything an editor can tag, as ``{kind: [{id, label}]}``; labels tell namesakes apart."""
    people = [
        {"id": p.id, "label": p.name + (f" ({p.birth_year})" if p.birth_year else "")} for p in database.people(db)
    ]
    places = [{"id": p.id, "label": p.name + (f", {p.parent}" if p.parent else "")} for p in database.places(db)]
    events = [{"id": e.id, "label": e.name} for e in database.events(db)]
    return {"person": people, "place": places, "event": events}


def desk_view(segment: Segment, tags: list[Tag], speaker_name: str | None) -> dict:
    """A segment as the desk shows it: its flags spelled out, a doubtful decode marked, its tags and speaker, and
    speech the machine did not write shown as a gap to type into (whose flag goes once the editor has)."""
    codes = flags.standing(segment.text, segment.flag_codes)
    logprob = segment.avg_logprob
    fields = {key: value for key, value in templating.fields_of(segment).items() if key != "words"}
    return {
        **fields,
        "tags": tags,
        "speaker_name": speaker_name,
        "flags": codes,
        "flag_reasons": flag_reasons(codes),
        "low_segment": logprob is not None and logprob < templating.LOW_SEGMENT_LOGPROB,
        "unwritten": flags.unwritten_gap(segment.text, codes),
    }


def flag_reasons(codes: list[str]) -> str:
    return "; ".join(flags.REASONS_VN.get(c, c) for c in codes)


def segment_json(db, segment: Segment) -> dict:
    """A segment as the JSON API answers with it, after a change or with a refused one."""
    codes = flags.standing(segment.text, flags.parse(segment.flags))
    names = database.speaker_names(db, segment.interview_id)
    tags = database.segment_tags(db, segment.interview_id, segment.id)
    return {key: getattr(segment, key) for key in SEGMENT_FIELDS} | {
        "flags": codes,
        "flag_reasons": flag_reasons(codes),
        "speaker_name": names.name_for(segment.person_id, segment.speaker),
        "tags": [asdict(t) for t in tags],
    }
