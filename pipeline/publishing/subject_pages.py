"""A page per person, place and event, one folder below the sheets (``people/``, ``places/``, ``events/``), and a
list page of each kind: the subject's facts, the interviews that name it, and its passages grouped by interview
(as ``database.subjects`` gathers them: every tagged one, a few others of each interview and the count of the
rest), each linking to its moment in the sheet.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import asdict
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from pipeline.database import Subject, SubjectPassage
from pipeline.publishing import templating

log = logging.getLogger(__name__)

SUBJECT_TEMPLATE = "subject.html.j2"
SUBJECT_LIST_TEMPLATE = "subjects.html.j2"
SLUG_LENGTH = 60
HOW_VN = {"tagged": "được gắn thẻ", "mentioned": "có nhắc đến", "spoken": "lời của nhân vật"}


def slug(name: str) -> str:
    """ "Nguyễn Văn Đức" → "nguyen-van-duc": a file name every system, zip tool and browser takes as it is."""
    decomposed = unicodedata.normalize("NFD", str(name).replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:SLUG_LENGTH].strip("-")


def _folder(kind: str | None) -> tuple[str, str]:
    if kind in templating.KINDS:
        return templating.KINDS[kind]
    raise ValueError(f"Unknown subject kind {kind!r}: use one of {', '.join(templating.KINDS)}.")


def subject_href(kind: str, id: int, name: str) -> str:
    """Where a subject's page is, relative to the sheets folder: ("person", 12, "Nguyễn Văn A") →
    "people/12-nguyen-van-a.html". The number keeps two people of the same name apart."""
    folder, _ = _folder(kind)
    stem = f"{int(id)}-{slug(name)}".rstrip("-")
    return f"{folder}/{stem}.html"


def _sheet_href(code: str, start: float | None = None) -> str:
    """A subject page's link to a sheet (one folder up), at a moment when ``start`` is given."""
    href = "../" + quote(templating.sheet_filename(code or ""))
    if start is None or templating.whole_seconds(start) is None:
        return href
    # Three decimals, as the sheet's data-start, so the sheet's script finds exactly this segment.
    return href + "#t=" + f"{max(0.0, float(start)):.3f}".rstrip("0").rstrip(".")


def _passage_groups(passages: list[SubjectPassage], interviews: list[dict], more: dict[str, int]) -> list[dict]:
    """Passages grouped by interview, interviews in the order given, each passage once (with every way it was
    found) in the order it is heard; ``more`` (by interview code) counts those of each not listed."""
    order = {iv.get("code"): n for n, iv in enumerate(interviews)}
    known = {iv.get("code"): iv for iv in interviews}
    groups: dict[str, dict] = {}
    for passage in passages:
        code = passage.interview_code or ""
        iv = known.get(code, {})
        group = groups.setdefault(
            code,
            {
                "code": code,
                "title": iv.get("display_title") or passage.interview_title or code,
                "date": iv.get("date"),
                "href": _sheet_href(code),
                "consent": iv.get("consent") or templating.consent_mark(passage.consent_status),
                "passages": {},
                "more": more.get(code, 0),
            },
        )
        how = HOW_VN.get(passage.how, passage.how) if passage.how else passage.how
        seen = group["passages"].setdefault(
            (passage.idx, passage.start),
            {**asdict(passage), "hows": [], "href": _sheet_href(code, passage.start or 0)},
        )
        if how and how not in seen["hows"]:
            seen["hows"].append(how)
    ordered = sorted(groups.values(), key=lambda g: order.get(g["code"], len(order)))
    for group in ordered:
        group["passages"] = sorted(group["passages"].values(), key=lambda p: (p.get("start") or 0, p.get("idx") or 0))
        group["count"] = len(group["passages"]) + group["more"]
    return ordered


def subject_view(subject: Subject) -> dict:
    """A subject with what its page and its line in the list need on top of what the data layer gave."""
    _, kind_vn = _folder(subject.kind)
    interviews = [
        {
            **asdict(iv),
            "consent": templating.consent_mark(iv.consent_status, iv.consent_until),
            "href": _sheet_href(iv.code),
            "display_title": (iv.title or "").strip() or iv.code,
        }
        for iv in subject.interviews
    ]
    groups = _passage_groups(subject.passages, interviews, subject.more)
    href = subject_href(subject.kind, subject.id, subject.name or "")
    return {
        "kind": subject.kind,
        "id": subject.id,
        "name": subject.name,
        "per_interview": subject.per_interview,
        "kind_vn": kind_vn,
        "href": href,
        "file": PurePosixPath(href).name,
        "facts": [(str(label), value) for label, value in subject.facts if value not in (None, "")],
        "interviews": interviews,
        "groups": groups,
        "passage_count": sum(g["count"] for g in groups),
        "unlisted": sum(g["more"] for g in groups),
        "loud": any(i["consent"]["loud"] for i in interviews) or any(g["consent"]["loud"] for g in groups),
    }


def render_subject(env: templating.Environment, subject: Subject) -> str:
    """One person's, place's or event's page: facts, interviews, and the passages that name them."""
    return templating.render_page(env, SUBJECT_TEMPLATE, subject=subject_view(subject))


def render_subject_list(env: templating.Environment, kind: str, subjects: list[Subject]) -> str:
    """The list page of one kind of subject, by name."""
    return _subject_list(env, kind, [subject_view(s) for s in subjects])


def _subject_list(env: templating.Environment, kind: str, views: list[dict]) -> str:
    folder, title = _folder(kind)
    views = sorted(views, key=lambda v: (slug(v.get("name") or ""), v["id"]))
    return templating.render_page(env, SUBJECT_LIST_TEMPLATE, kind=kind, folder=folder, title=title, subjects=views)


def write_subject_pages(archive_root: Path, out_dir: Path, subjects: list[Subject]) -> int:
    """Write a page per subject under ``people/``, ``places/`` and ``events/`` of ``out_dir``, and each folder's
    ``index.html``; return how many pages were written.

    Pages whose content did not change are left alone, and nothing is removed: a page someone bookmarked or
    cited stays readable after its subject is merged away.
    """
    for subject in subjects:
        _folder(subject.kind)  # a subject of an unknown kind stops the run before anything is written
    env = templating.environment(archive_root, reload=False)
    written = 0
    for kind, (folder, _) in templating.KINDS.items():
        templating.make_folder(out_dir / folder)
        views = [subject_view(s) for s in subjects if s.kind == kind]
        for view in views:
            page = templating.render_page(env, SUBJECT_TEMPLATE, subject=view)
            written += templating.write_if_changed(out_dir / view["href"], page)
        written += templating.write_if_changed(
            out_dir / folder / templating.INDEX_NAME, _subject_list(env, kind, views)
        )
    log.info("subject pages: %d written, in %s", written, out_dir)
    return written
