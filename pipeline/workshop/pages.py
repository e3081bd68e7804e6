"""The dossier and the timeline as pages: printable on A4 (``dossier.html.j2``, ``timeline.html.j2``, opened
from disk) and in the review app. Each passage has a play button that plays exactly it (a media fragment,
``CODE.wav#t=start,end``) and a link to its moment in the review sheet; where those point depends on where the
page is read, so the caller says (``Links``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import quote

from pipeline.publishing import templating
from pipeline.publishing.subject_pages import slug
from pipeline.settings import Archive
from pipeline.workshop.dossier_records import ASPECT_VN, KIND_VN, REVIEW_VN, Dossier, DossierPassage, cited
from pipeline.workshop.timeline import TimelineEntry
from pipeline.workshop.timespans import vn

DOSSIER_TEMPLATE = "dossier.html.j2"
TIMELINE_TEMPLATE = "timeline.html.j2"
DOSSIERS = "dossiers"
"""The folder of the sheets the dossiers are written to when no file is named."""
HOW_VN = {"tagged": "được gắn thẻ", "mentioned": "có nhắc tên"}


@dataclass(frozen=True)
class Links:
    """Where a passage's sound and its moment in the review sheet are, as seen from the page."""

    audio: Callable[[DossierPassage], str | None]
    sheet: Callable[[DossierPassage], str | None]
    subject: Callable[[str, int], str | None] = lambda kind, sid: None
    """The dossier of a place or person read from a passage (kind, id): the review app's own page."""


def file_links(archive: Archive, page: Path) -> Links:
    """Links for a page on disk: relative inside the sheets folder (so the archive can be moved), else absolute."""
    page_dir = page.resolve().parent
    if page_dir == (archive.sheets_dir / DOSSIERS).resolve() or page_dir == archive.sheets_dir.resolve():
        up = "../" if page_dir != archive.sheets_dir.resolve() else ""
        audio, sheets = f"{up}../audio/", up
    else:
        audio, sheets = archive.audio_dir.resolve().as_uri() + "/", archive.sheets_dir.resolve().as_uri() + "/"
    return Links(
        audio=lambda p: f"{audio}{quote(p.code)}.wav#t={p.start:.2f},{p.end:.2f}",
        sheet=lambda p: f"{sheets}{quote(templating.sheet_filename(p.code))}#t={p.start:.3f}".rstrip("0").rstrip("."),
    )


def default_path(archive: Archive, d: Dossier, fmt: str) -> Path:
    """ "transcripts/sheets/dossiers/event-3-thanh-lap-chi-bo.html"."""
    return archive.sheets_dir / DOSSIERS / f"{d.kind}-{d.subject_id}-{slug(d.name)}.{fmt}"


def dossier_view(d: Dossier, links: Links) -> dict:
    """What ``dossier.html.j2`` shows."""
    in_force = d.in_force
    return {
        "kind": d.kind,
        "kind_vn": KIND_VN[d.kind],
        "name": d.name,
        "other_names": d.other_names,
        "facts": d.facts,
        "made_on": d.made_on.strftime("%d/%m/%Y"),
        "include_restricted": d.include_restricted,
        "withheld": sorted(d.withheld.items()),
        "silent": d.silent,
        "passage_count": d.passage_count,
        "restricted_count": sum(p.restricted for a in d.accounts for p in a.passages),
        "interview_count": d.interview_count,
        "accounts": [_account(a, links) for a in d.accounts],
        "questions": [
            {
                "aspect": q.aspect,
                "aspect_vn": ASPECT_VN[q.aspect],
                "title": q.title,
                "text": q.text,
                "sides": [
                    {
                        "value": side.value,
                        "witnesses": [{"name": a.name, "cited": cited(ps)} for a, ps in side.witnesses],
                    }
                    for side in q.sides
                ],
                "conclusion": _conclusion(in_force[q.aspect]) if q.aspect in in_force else None,
            }
            for q in d.questions
        ],
        "settled": [_conclusion(c) for c in in_force.values()],
        "history": [_conclusion(c) | {"replaced": in_force[c.aspect].id != c.id} for c in reversed(d.conclusions)],
    }


def _account(account, links: Links) -> dict:
    return {
        "name": account.name,
        "birth_note": account.birth_note,
        "role_then": account.role_then,
        "interviews": account.interviews,
        "passages": [_passage(p, links) for p in account.passages],
    }


def _passage(p: DossierPassage, links: Links) -> dict:
    return {
        "segment_id": p.segment_id,
        "code": p.code,
        "line": p.line,
        "clock": p.clock,
        "text": p.text,
        "speaker": p.speaker,
        "witness_speaks": p.witness_speaks,
        "review_status": p.review_status,
        "review": REVIEW_VN.get(p.review_status, p.review_status),
        "restricted": p.restricted,
        "consent": f"Đoạn bị hạn chế đến {vn(p.closed_until)}"
        if p.closed_until
        else templating.consent_mark(p.consent)["label"],
        "how": [HOW_VN.get(h, h) for h in p.how],
        "interview_date": vn(p.interview_date) if p.interview_date else None,
        "dates": [{"label": r.label, "words": r.words, "rule": r.rule_vn} for r in p.dates],
        "date_problems": p.date_problems,
        "places": [n.name for n in p.places],
        "people": [n.name for n in p.people],
        "named": {
            key: [{"name": n.name, "href": links.subject(n.kind, n.id)} for n in found]
            for key, found in (("places", p.places), ("people", p.people))
        },
        "audio": links.audio(p),
        "sheet": links.sheet(p),
    }


def _conclusion(c) -> dict:
    return {
        "id": c.id,
        "aspect": c.aspect,
        "aspect_vn": ASPECT_VN[c.aspect],
        "answer": c.answer,
        "reasons": c.reasons,
        "decided_by": c.decided_by,
        "decided_on": vn(c.decided_on),
        "editor": c.editor,
        "recorded_at": templating.datetime_vn(c.recorded_at),
        "passages": [f"{p.code}, {_clock(p.start)}" for p in c.passages],
    }


def _clock(seconds: float) -> str:
    whole = max(0, int(seconds))
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def render_dossier(
    env: templating.Environment, d: Dossier, links: Links, template: str = DOSSIER_TEMPLATE, **extra
) -> str:
    return templating.render_page(env, template, d=dossier_view(d, links), **extra)


def timeline_view(entries: list[TimelineEntry]) -> list[dict]:
    return [
        {
            "event_id": e.event_id,
            "name": e.name,
            "slug": slug(e.name),
            "own": e.own,
            "settled": e.settled_label,
            "settled_by": f"{e.settled.decided_by}, {vn(e.settled.decided_on)}" if e.settled else None,
            "given": [{"year": year, "witnesses": names} for year, names in e.given],
            "passages": e.passages,
            "questions": [ASPECT_VN[a] for a in e.questions],
            "open": [ASPECT_VN[a] for a in e.open],
        }
        for e in entries
    ]


def render_timeline(
    env: templating.Environment, entries: list[TimelineEntry], template: str = TIMELINE_TEMPLATE, **extra
) -> str:
    made = date.today().strftime("%d/%m/%Y")
    return templating.render_page(env, template, events=timeline_view(entries), made_on=made, **extra)
