"""What the workshop settled: a conclusion on one aspect of an event (its date, place or people) with the reasons,
who decided and when, recorded under the editor's name and kept with its history (a new conclusion replaces the
one before and keeps it); exported with a citation of every passage it rests on.

A settled date is the event's date from then on (``database.event_date``): the dossier, the timeline and the
witness's "role at the time" read it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date
from pathlib import Path

from pipeline import database
from pipeline.database import Database
from pipeline.database.search_records import DatedEvent
from pipeline.database.workshop_records import ASPECTS, CitedPassage, Conclusion
from pipeline.errors import NotFound, WorkshopError
from pipeline.i18n import _
from pipeline.publishing import redaction, templating, transcript
from pipeline.publishing.citations import place_phrase, role_phrase
from pipeline.publishing.quote_records import inner_quotes
from pipeline.publishing.quotes import md_escape
from pipeline.workshop import dossier
from pipeline.workshop.dossier_records import ASPECT_VN
from pipeline.workshop.timespans import vn, written_span

FORMATS = ("md", "json")
DATE_FORM_VN = "hãy ghi dạng dd/mm/yyyy, mm/yyyy hoặc yyyy, hay một khoảng như 12/1946 – 07/1954"


def conclude(
    db: Database,
    event: str | int,
    aspect: str,
    answer: str,
    decided_by: str,
    editor: str,
    decided_on: str | None = None,
    reasons: str | None = None,
    passages: Sequence[str | int] = (),
) -> Conclusion:
    """Record the version the workshop accepted on ``aspect`` of ``event`` (a number or name).

    ``decided_on`` is dd/mm/yyyy (today when not given); ``passages`` are the passages it rests on, each a segment
    number or "CODE:LINE" (the line of the review sheet). Raises WorkshopError saying what is missing."""
    if aspect not in ASPECTS:
        raise WorkshopError(
            _("Unknown aspect {aspect!r}: use one of {known}.").format(aspect=aspect, known=", ".join(ASPECTS))
        )
    answer, decided_by, editor = (" ".join(str(v or "").split()) for v in (answer, decided_by, editor))
    for value, what in (
        (answer, _("A conclusion needs the version the workshop accepted: give it and record the conclusion again.")),
        (decided_by, _("A conclusion needs who decided: give it and record the conclusion again.")),
        (editor, _("A conclusion needs your name: give it and record the conclusion again.")),
    ):
        if not value:
            raise WorkshopError(what)
    about = dossier.subject(db, "event", event)
    span = None
    if aspect == "date":
        try:
            span = written_span(answer)
        except ValueError as error:
            raise WorkshopError(
                _(
                    "{problem}: write the settled date as dd/mm/yyyy, mm/yyyy or yyyy, or a period as "
                    "12/1946 – 07/1954."
                ).format(problem=error),
                vi=f"“{answer}” không phải là thời gian: {DATE_FORM_VN}.",
            ) from error
    return database.add_conclusion(
        db,
        about.id,
        aspect,
        answer,
        decided_by,
        _decided_on(decided_on),
        editor,
        reasons=" ".join((reasons or "").split()) or None,
        date_start=span.start if span else None,
        date_end=span.end if span and span.end != span.start else None,
        segment_ids=[_segment_id(db, p) for p in passages],
    )


def _decided_on(written: str | None) -> str:
    if not written:
        return date.today().isoformat()
    try:
        span = written_span(written)
    except ValueError:
        span = None
    if span is None or span.start != span.end or len(span.start) != 10:
        raise WorkshopError(
            _("“{written}” is not the day the workshop decided: write it as dd/mm/yyyy.").format(written=written),
            vi=f"“{written}” không phải là một ngày: hãy ghi ngày quyết định dạng ngày/tháng/năm, ví dụ 12/05/2026.",
        )
    return span.start


def _segment_id(db: Database, passage: str | int) -> int:
    text = str(passage).strip()
    if text.isdigit():
        return int(text)
    code, _colon, line = text.rpartition(":")
    found = database.interview(db, code) if code else None
    segment = database.segment_at(db, found.id, int(line) - 1) if found and line.isdigit() else None
    if segment is None:
        raise NotFound(
            _("There is no passage “{text}”: give CODE:LINE (the line in the review sheet) or its number.").format(
                text=text
            )
        )
    return segment.id


# ---------------------------------------------------------------- exporting


def export(
    db: Database, archive_root: Path, event: str | int | None = None, fmt: str = "md", include_restricted: bool = False
) -> str:
    """Every conclusion (of one event), the one in force on each aspect with its earlier versions, each with a
    citation of the passages it rests on; passages of interviews not cleared for publication are counted, not
    cited, unless ``include_restricted``."""
    if fmt not in FORMATS:
        raise WorkshopError(_("Unknown format {fmt!r}: use one of {known}.").format(fmt=fmt, known=", ".join(FORMATS)))
    only = dossier.subject(db, "event", event).id if event is not None else None
    env = templating.text_environment(archive_root)
    found = [_view(db, env, c, include_restricted) for c in database.conclusions(db, only)]
    if fmt == "json":
        return json.dumps({"format": "loike-conclusions/1", "conclusions": found}, ensure_ascii=False, indent=2) + "\n"
    return to_markdown(found)


def _view(db: Database, env, conclusion: Conclusion, include_restricted: bool) -> dict:
    event = database.event(db, conclusion.event_id)
    when = database.event_date(db, conclusion.event_id)
    dated = [DatedEvent(conclusion.event_id, event.name if event else "", when.start, when.end)] if when.start else []
    cited, withheld = [], 0
    for passage in conclusion.passages:
        citation = cite(db, env, passage, dated)
        if citation["restricted"] and not include_restricted:
            withheld += 1
        else:
            cited.append(citation)
    return {
        **asdict(conclusion),
        "event": event.name if event else str(conclusion.event_id),
        "aspect_vn": ASPECT_VN[conclusion.aspect],
        "decided_on_vn": vn(conclusion.decided_on),
        "citations": cited,
        "withheld": withheld,
    }


def cite(db: Database, env, passage: CitedPassage, events: list[DatedEvent]) -> dict:
    """A passage as a citation from the archive's ``citation.txt.j2``: the witness who speaks it (or the
    interview's only witness), their role at the time of the event, the interview and the minutes."""
    interview = database.interview(db, passage.code)
    segment = database.segment(db, passage.segment_id)
    if interview is None:
        return {
            "code": passage.code,
            "start": passage.start,
            "text": None,
            "citation": passage.code,
            "restricted": True,
        }
    witnesses = database.people_in_role(db, interview.id, "witness")
    speaker = segment and (segment.person_id or database.speaker_people(db, interview.id).get(segment.speaker or ""))
    witness = next((w for w in witnesses if w.id == speaker), witnesses[0] if len(witnesses) == 1 else None)
    held_in = {place.kind: place.name for place in database.interview_places(db, interview.id)}
    start, end = (segment.start, segment.end) if segment else (passage.start, passage.start)
    text = templating.citation(
        env,
        quote={
            "id": passage.segment_id,
            "text": segment.text if segment else "",
            "quoted": inner_quotes(segment.text if segment else ""),
            "verified": bool(segment and segment.review_status == "verified"),
        },
        witness={
            "name": witness.name,
            "honorific": witness.honorific,
            "birth_year": witness.birth_year,
            "role": role_phrase(witness, events, interview.date),
        }
        if witness
        else None,
        interview={
            "code": interview.code,
            "title": interview.title,
            "date_vn": transcript.date_vn(interview.date) or "",
            "where": transcript.commune_phrase(held_in.get("commune")) or interview.place,
            "district": place_phrase(held_in.get("district"), "district"),
            "province": place_phrase(held_in.get("province"), "province"),
            "interviewers": [p.name for p in database.people_in_role(db, interview.id, "interviewer")],
            "consent": interview.consent_status,
        },
        archive={"name": database.holding_archive(db)},
        start=transcript.minutes(start),
        end=transcript.minutes(end, up=True),
    )
    closed = any(r.start < end and r.end > start for r in redaction.in_force(database.redactions(db, interview.id)))
    restricted = closed or not transcript.publishable(interview.consent_status, interview.consent_until)
    return {"code": passage.code, "start": start, "text": segment.text if segment else None, "citation": text,
            "restricted": restricted}  # fmt: skip


def to_markdown(found: list[dict]) -> str:
    out = ["# Kết luận của hội thảo", ""]
    by_event: dict[str, list[dict]] = {}
    for view in found:
        by_event.setdefault(view["event"], []).append(view)
    for event, views in by_event.items():
        out += [f"## {md_escape(event)}", ""]
        in_force = {v["aspect"]: v["id"] for v in views}
        for view in sorted(views, key=lambda v: (ASPECTS.index(v["aspect"]), -v["id"])):
            replaced = view["id"] != in_force[view["aspect"]]
            mark = " _(đã được thay bằng kết luận sau)_" if replaced else ""
            out += [
                f"### {view['aspect_vn']}: {md_escape(view['answer'])}{mark}",
                "",
                f"Quyết định: {md_escape(view['decided_by'])}, ngày {view['decided_on_vn']}; "
                f"ghi nhận: {md_escape(view['editor'])}.",
                "",
            ]
            if view["reasons"]:
                out += [f"Lý do: {md_escape(view['reasons'])}", ""]
            for citation in view["citations"]:
                mark = "**[HẠN CHẾ CÔNG BỐ]** " if citation["restricted"] else ""
                quoted = f"“{md_escape(citation['text'])}” — " if citation["text"] else ""
                out += [f"- {mark}{quoted}{md_escape(citation['citation'])}"]
            if view["withheld"]:
                out += [f"- ({view['withheld']} đoạn của bản ghi hạn chế công bố không được nêu)"]
            out += [""]
    if not found:
        out += ["Chưa có kết luận nào.", ""]
    return "\n".join(out)
