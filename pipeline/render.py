"""Review sheets: one self-contained HTML page per interview, an index of them all, and a page per person, place
and event gathering every passage that names them.

The sheets are opened straight from disk (file://) on an editor's laptop, often offline, so everything they need
(CSS, JS) is inlined and nothing points outside the archive. Every string that reaches a template came from a
recording's name or a model's output and is treated as untrusted: the environment escapes all of it.
Templates are looked up first in the archive's own ``templates/`` folder, so a team can restyle its sheets
without touching the package.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.resources
import json
import logging
import math
import multiprocessing
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from datetime import date, datetime
from functools import partial
from pathlib import Path, PurePosixPath
from urllib.parse import quote

import jinja2
from markupsafe import Markup, escape

from . import flags
from .errors import ArchiveError

log = logging.getLogger(__name__)

SHEET_TEMPLATE = "sheet.html.j2"
INDEX_TEMPLATE = "index.html.j2"
INDEX_NAME = "index.html"
SUBJECT_TEMPLATE = "subject.html.j2"
SUBJECT_LIST_TEMPLATE = "subjects.html.j2"

KINDS = {"person": ("people", "Nhân vật"), "place": ("places", "Địa danh"), "event": ("events", "Sự kiện")}
"""Each kind of subject: its folder beside the sheets, and the title of its list page."""
SLUG_LENGTH = 60

LOW_WORD_PROBABILITY = 0.5
"""A word the model gave less than this probability is marked for the editor to listen to."""
LOW_SEGMENT_LOGPROB = -1.0
"""A segment whose average log probability is below this is marked as a whole (Whisper's own fallback
threshold for a doubtful decode)."""

STATUS_VN = {"transcribed": "Đã phiên âm", "failed": "Lỗi", "pending": "Đang chờ"}
REVIEW_VN = {"machine": "Máy", "edited": "Đã sửa", "verified": "Đã duyệt"}
HOW_VN = {"tagged": "được gắn thẻ", "mentioned": "có nhắc đến", "spoken": "lời của nhân vật"}
CONSENT_VN = {
    "allowed": "Được công bố", "restricted": "Hạn chế công bố", "embargoed": "Chưa được công bố",
    "unknown": "Chưa rõ quyền công bố",
}
METADATA_WAITING = {"waiting", "missing"}
MISSING = "—"


# ---------------------------------------------------------------- filters


def _whole_seconds(seconds: float | None) -> int | None:
    """Seconds truncated, not rounded: a time code must never point past the moment it names."""
    if seconds is None or isinstance(seconds, bool):
        return None
    try:
        value = float(seconds)
    except (TypeError, ValueError):
        return None
    if math.isnan(value) or math.isinf(value):
        return None
    return max(0, int(value))


def timecode(seconds: float | None) -> str:
    """3725.4 → "01:02:05"; None → "—"."""
    whole = _whole_seconds(seconds)
    if whole is None:
        return MISSING
    hours, rest = divmod(whole, 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


def duration(seconds: float | None) -> str:
    """A length as people say it: 59.99 → "00:59", 7325.5 → "2:02:05"; None → "—"."""
    whole = _whole_seconds(seconds)
    if whole is None:
        return MISSING
    hours, rest = divmod(whole, 3600)
    if hours:
        return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
    return f"{rest // 60:02d}:{rest % 60:02d}"


def _parse_iso(value: str) -> datetime | date | None:
    text = value.strip()
    # Python before 3.11 does not read a trailing "Z"; SQLite and other tools write one.
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    for parse in (datetime.fromisoformat, date.fromisoformat):
        try:
            return parse(text)
        except ValueError:
            continue
    return None


def date_vn(value: str | date | None) -> str:
    """"2026-03-05T14:22:01+07:00" → "05/03/2026", the day as it was where it was written; None → "—".

    A value that is not an ISO date is shown as it is rather than failing a whole sheet.
    """
    if not value:  # None, "", or a field a team's template names but the row lacks
        return MISSING
    parsed = value if isinstance(value, date) else _parse_iso(str(value))
    if parsed is None:
        return str(value)
    return parsed.strftime("%d/%m/%Y")


def datetime_vn(value: str | datetime | None) -> str:
    """"2026-03-05T14:22:01+07:00" → "05/03/2026 14:22"; a bare date gets no time."""
    if not value:  # None, "", or a field a team's template names but the row lacks
        return MISSING
    parsed = value if isinstance(value, date) else _parse_iso(str(value))
    if parsed is None:
        return str(value)
    if isinstance(parsed, datetime):
        return parsed.strftime("%d/%m/%Y %H:%M")
    return parsed.strftime("%d/%m/%Y")


def percent(probability: float | None) -> str:
    """0.429 → "42%"."""
    if probability is None:
        return MISSING
    # Truncated, so a word just under the threshold never reads as "50%".
    return f"{int(float(probability) * 100)}%"


def csp_hash(script: str) -> str:
    """The Content-Security-Policy source that lets exactly this inline script run, and no other."""
    digest = hashlib.sha256(str(script).encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


# ---------------------------------------------------------------- environment


def environment(archive_root: Path) -> jinja2.Environment:
    """Templates from ``archive_root/templates`` first, then the built-in ones; everything escaped."""
    builtin = str(importlib.resources.files("pipeline.templates"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([
            jinja2.FileSystemLoader(Path(archive_root) / "templates"),
            jinja2.FileSystemLoader(builtin),
        ]),
        # "j2" is listed so "sheet.html.j2" is escaped by its last suffix too; anything unlisted (the CSS and JS
        # partials) is escaped as well, because nothing here ever needs raw output of data.
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "htm", "xml", "j2"), default_for_string=True, default=True
        ),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        timecode=timecode, date_vn=date_vn, datetime_vn=datetime_vn, duration=duration, percent=percent,
        csp_hash=csp_hash,
    )
    env.globals.update(
        status_vn=STATUS_VN, review_vn=REVIEW_VN, kinds=KINDS,
        low_word_probability=LOW_WORD_PROBABILITY, low_segment_logprob=LOW_SEGMENT_LOGPROB,
    )
    return env


def text_environment(archive_root: Path) -> jinja2.Environment:
    """For plain-text templates such as the citation: nothing is escaped, because the result is never HTML;
    each writer (DOCX, Markdown, CSV, JSON) escapes it for its own format. An unknown name in a team's template
    is an error that says where, not a silent gap in a citation."""
    builtin = str(importlib.resources.files("pipeline.templates"))
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader([
            jinja2.FileSystemLoader(Path(archive_root) / "templates"), jinja2.FileSystemLoader(builtin),
        ]),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


CITATION_TEMPLATE = "citation.txt.j2"


def citation(env: jinja2.Environment, **context) -> str:
    """A quote's citation from ``citation.txt.j2``; line breaks and runs of spaces in the template collapse."""
    return " ".join(_render(env, CITATION_TEMPLATE, **context).split())


# ---------------------------------------------------------------- views


def display_title(interview: dict) -> str:
    """The interview's title, or its recording's file name when nobody has given it one."""
    title = (interview.get("title") or "").strip()
    if title:
        return title
    source = interview.get("source_path") or ""
    return PurePosixPath(source.replace("\\", "/")).name or str(interview.get("code") or MISSING)


def sheet_filename(code: str) -> str:
    """The sheet's file name for an interview code; anything that could leave the folder is replaced."""
    safe = re.sub(r"[^\w\-]", "_", str(code)).lstrip("_") or "interview"
    return f"{safe}.html"


def _pairs(words) -> list[tuple[str | None, float | None]]:
    """Words as (text, probability): the store's dicts, or pairs already (``store.sheet_segments``)."""
    return [(w.get("text"), w.get("probability")) if isinstance(w, dict) else w for w in words or ()]


def _word_spans(text: str, words: list[tuple[str | None, float | None]]) -> list[tuple[int, int, float | None]] | None:
    """Where each word lies in ``text``, or None when the words no longer spell it.

    The words are found in order with nothing but spaces between them (words are stored with or without
    Whisper's leading space). Once an editor has changed the text the model's words describe something else,
    so their marks would mislead and none are given.
    """
    spans = []
    position = 0
    for word, probability in words:
        token = (word or "").strip()
        if not token:
            continue
        found = text.find(token, position)
        if found < 0 or text[position:found].strip():
            return None
        spans.append((found, found + len(token), probability))
        position = found + len(token)
    return spans if not text[position:].strip() else None


def _doubtful_spans(segment: dict) -> tuple[str, list[tuple[int, int, float]]]:
    """The segment's text and where its doubtful words lie in it (none when the words no longer spell it)."""
    text = (segment.get("text") or "").strip()
    words = _pairs(segment.get("words"))
    if not any(p is not None and p < LOW_WORD_PROBABILITY for _, p in words):
        return text, []  # most segments: nothing to mark, so nothing to find
    tokens = [(token or "").strip() for token, _ in words]
    if " ".join(t for t in tokens if t) == text:
        # As Whisper wrote it, the usual case: the words are the text's, one space apart, so where each lies
        # is a running sum (the same as _word_spans finds, in a third of the time).
        spans, position = [], 0
        for token, (_, probability) in zip(tokens, words):
            if token:
                spans.append((position, position + len(token), probability))
                position += len(token) + 1
    else:
        spans = _word_spans(text, words) or []
    return text, [(a, b, p) for a, b, p in spans if p is not None and p < LOW_WORD_PROBABILITY]


def text_pieces(segment: dict) -> list[dict]:
    """A segment's text cut into runs: plain text, and each doubtful word on its own with its probability.

    The pieces are slices of the stored text itself, so what the editor reads is exactly what is stored.
    """
    text, doubtful = _doubtful_spans(segment)
    pieces: list[dict] = []
    position = 0
    for start, end, probability in doubtful:
        if start > position:
            pieces.append({"text": text[position:start], "probability": None})
        pieces.append({"text": text[start:end], "probability": probability})
        position = end
    if position < len(text) or not pieces:
        pieces.append({"text": text[position:], "probability": None})
    return pieces


def marked_text(segment: dict) -> Markup:
    """The segment's text as HTML: escaped, each doubtful word in a ``low-confidence`` span whose title gives
    its probability. What ``text_pieces`` gives a template, built here because a sheet has ten thousand words
    and a template loop over them was most of the time a sheet took."""
    text, doubtful = _doubtful_spans(segment)
    safe = escape(text)
    if not doubtful:
        return safe
    # Text with nothing to escape (nearly all) is cut as it is; otherwise each cut is escaped on its own.
    cut = (lambda piece: piece) if len(safe) == len(text) else escape
    html, position = [], 0
    for start, end, probability in doubtful:
        html += [cut(text[position:start]), '<span class="low-confidence" title="Độ tin cậy thấp: ',
                 percent(probability), '">', cut(text[start:end]), "</span>"]
        position = end
    html.append(cut(text[position:]))
    return Markup("".join(html))


class SegmentView(dict):
    """A segment as a sheet template sees it. ``pieces`` is worked out only if a template asks for it: a team's
    own sheet template may still loop over them, the built-in one does not."""

    def __missing__(self, key: str):
        if key != "pieces":
            raise KeyError(key)
        self[key] = text_pieces(self)
        return self[key]


def segment_view(segment: dict) -> SegmentView:
    """A segment with what the template needs on top of the stored fields."""
    logprob = segment.get("avg_logprob")
    codes = flags.parse(segment.get("flags"))
    return SegmentView(
        segment,
        text_html=marked_text(segment),
        low_segment=logprob is not None and logprob < LOW_SEGMENT_LOGPROB,
        flags=codes,
        flag_reasons="; ".join(flags.REASONS_VN.get(code, code) for code in codes),
    )


def segment_row(seg: SegmentView) -> str:
    """One segment's row of the sheet (``<li class="segment">``): time code, speaker, text with its doubtful words
    marked, the machine-made flag and the review state.

    Built here rather than in ``sheet.html.j2`` because an hour-long interview has 720 rows, and a template loop
    over them was most of the time a sheet took (docs/benchmarks.md). Everything in it is escaped.
    """
    status = escape(seg.get("review_status"))
    classes = f"segment review-{status}" + (" low-segment" if seg["low_segment"] else "") + (
        " flagged" if seg["flags"] else "")
    title = ' title="Độ tin cậy thấp cho cả đoạn"' if seg["low_segment"] else ""
    marks = ""
    if seg["flags"]:
        marks += (f' <span class="flag-mark ui" title="Nghi máy tự sinh: {escape(seg["flag_reasons"])}">'
                  "⚑ nghi máy tự sinh</span>")
    if seg.get("review_status") in ("edited", "verified"):
        marks += f' <span class="review ui">{REVIEW_VN[seg["review_status"]]}</span>'
    return (f'    <li class="{classes}" id="seg-{escape(seg.get("idx"))}" data-start="{seg["start"]:.3f}" '
            f'data-end="{seg["end"]:.3f}" tabindex="0"{title}>\n'
            f'      <span class="tc">{timecode(seg["start"])}</span>\n'
            f'      <span class="speaker">{escape(seg.get("speaker") or MISSING)}</span>\n'
            f'      <p class="text">{seg["text_html"]}{marks}</p>\n'
            "    </li>")


def audio_format(interview: dict) -> str:
    """"mp3 · 1 kênh · 22050 Hz" from whatever the container declared."""
    parts = []
    if interview.get("codec"):
        parts.append(str(interview["codec"]))
    if interview.get("channels"):
        parts.append(f"{interview['channels']} kênh")
    if interview.get("sample_rate"):
        parts.append(f"{interview['sample_rate']} Hz")
    return " · ".join(parts)


def consent_mark(status: str | None, until: str | None = None) -> dict:
    """How an interview's permission to publish is shown: ``{"status", "label", "loud"}``.

    A status nobody recorded, or one this code does not know, reads as "unknown": the exports treat that as
    restricted, so no page may look more permissive than they are. The label holds only fixed words and a date
    this code formatted itself, so it is safe to put in the print stylesheet.
    """
    status = status if status in CONSENT_VN else "unknown"
    label = CONSENT_VN[status]
    day = _parse_iso(str(until)) if until and status == "embargoed" else None
    if day is not None:
        label += f" đến {day.strftime('%d/%m/%Y')}"
    return {"status": status, "label": label, "loud": status != "allowed"}


def _items(value: str | None, separator: str = ";") -> list[str]:
    """"Nguyễn Văn A (1932); Trần Thị B (1935)" → the two names; None → []."""
    return [part.strip() for part in str(value or "").split(separator) if part.strip()]


def topic_list(value: str | list | None) -> list[str]:
    """Topics as stored (a JSON list in a string); anything else is shown as written rather than lost."""
    if isinstance(value, list):
        return [str(t).strip() for t in value if str(t).strip()]
    if not value:
        return []
    try:
        parsed = json.loads(value)
    except ValueError:
        return [str(value)]
    return topic_list(parsed) if isinstance(parsed, list) else [str(parsed)]


def interview_view(interview: dict) -> dict:
    place_path = _items(interview.get("place_path"), ",")
    return {
        **interview,
        "format": audio_format(interview),
        "display_title": display_title(interview),
        "sheet": sheet_filename(interview.get("code") or ""),
        "length": interview.get("duration") if interview.get("duration") is not None
        else interview.get("declared_duration"),
        "consent": consent_mark(interview.get("consent_status"), interview.get("consent_until")),
        "witness_list": _items(interview.get("witnesses")),
        "interviewer_list": _items(interview.get("interviewers")),
        "event_list": _items(interview.get("events")),
        "topic_list": topic_list(interview.get("topics")),
        "commune": place_path[0] if place_path else None,
        "metadata_waiting": interview.get("metadata_status") in METADATA_WAITING,
        "metadata_problem_list": [line.strip() for line in str(interview.get("metadata_problems") or "").splitlines()
                                  if line.strip()],
    }


# ---------------------------------------------------------------- subjects


def slug(name: str) -> str:
    """"Nguyễn Văn Đức" → "nguyen-van-duc": a file name every system, zip tool and browser takes as it is."""
    decomposed = unicodedata.normalize("NFD", str(name).replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:SLUG_LENGTH].strip("-")


def _folder(kind: str) -> tuple[str, str]:
    try:
        return KINDS[kind]
    except KeyError:
        raise ValueError(f"Unknown subject kind {kind!r}: use one of {', '.join(KINDS)}.") from None


def subject_href(kind: str, id: int, name: str) -> str:
    """Where a subject's page is, relative to the sheets folder: ("person", 12, "Nguyễn Văn A") →
    "people/12-nguyen-van-a.html". The number keeps two people of the same name apart."""
    folder, _ = _folder(kind)
    stem = f"{int(id)}-{slug(name)}".rstrip("-")
    return f"{folder}/{stem}.html"


def _sheet_href(code: str, start: float | None = None) -> str:
    """A subject page's link to a sheet (one folder up), at a moment when ``start`` is given."""
    href = "../" + quote(sheet_filename(code or ""))
    whole = _whole_seconds(start)
    if whole is None:
        return href
    # Three decimals, as the sheet's data-start, so the sheet's script finds exactly this segment.
    return href + "#t=" + f"{max(0.0, float(start)):.3f}".rstrip("0").rstrip(".")


def _passage_groups(passages: list[dict], interviews: list[dict], more: dict[str, int]) -> list[dict]:
    """Passages grouped by interview, interviews in the order given, each passage once (with every way it was
    found) in the order it is heard; ``more`` (by interview code) counts those of each not listed."""
    order = {iv.get("code"): n for n, iv in enumerate(interviews)}
    known = {iv.get("code"): iv for iv in interviews}
    groups: dict[str, dict] = {}
    for passage in passages:
        code = passage.get("interview_code") or ""
        iv = known.get(code, {})
        group = groups.setdefault(code, {
            "code": code, "title": iv.get("display_title") or passage.get("interview_title") or code,
            "date": iv.get("date"), "href": _sheet_href(code),
            "consent": iv.get("consent") or consent_mark(passage.get("consent_status")), "passages": {},
            "more": more.get(code, 0),
        })
        key = (passage.get("idx"), passage.get("start"))
        how = HOW_VN.get(passage.get("how"), passage.get("how"))
        seen = group["passages"].setdefault(key, {
            **passage, "hows": [], "href": _sheet_href(code, passage.get("start") or 0),
        })
        if how and how not in seen["hows"]:
            seen["hows"].append(how)
    ordered = sorted(groups.values(), key=lambda g: order.get(g["code"], len(order)))
    for group in ordered:
        group["passages"] = sorted(group["passages"].values(), key=lambda p: (p.get("start") or 0, p.get("idx") or 0))
        group["count"] = len(group["passages"]) + group["more"]
    return ordered


def subject_view(subject: dict) -> dict:
    """A subject with what its page and its line in the list need on top of what the catalogue gave."""
    _, kind_vn = _folder(subject.get("kind"))
    interviews = [
        {**iv, "consent": consent_mark(iv.get("consent_status"), iv.get("consent_until")),
         "href": _sheet_href(iv.get("code")), "display_title": (iv.get("title") or "").strip() or iv.get("code")}
        for iv in subject.get("interviews") or []
    ]
    groups = _passage_groups(subject.get("passages") or [], interviews, subject.get("more") or {})
    href = subject_href(subject["kind"], subject["id"], subject.get("name") or "")
    return {
        **subject, "kind_vn": kind_vn, "href": href, "file": PurePosixPath(href).name,
        "facts": [(str(f[0]), f[1]) for f in subject.get("facts") or [] if len(f) > 1 and f[1] not in (None, "")],
        "interviews": interviews, "groups": groups,
        "passage_count": sum(g["count"] for g in groups),
        "unlisted": sum(g["more"] for g in groups),
        "loud": any(i["consent"]["loud"] for i in interviews) or any(g["consent"]["loud"] for g in groups),
    }


# ---------------------------------------------------------------- rendering


def _render(env: jinja2.Environment, name: str, **context) -> str:
    """Render a template; a mistake in a team's edited template becomes a message that says where it is."""
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateError as error:
        where = getattr(error, "filename", None) or name
        line = getattr(error, "lineno", None)
        at = f", line {line}" if line else ""
        raise ArchiveError(
            f"The template {where}{at} could not be used ({error.message or type(error).__name__}): "
            "fix it, or delete it from the archive's templates/ folder to use the built-in one."
        ) from error


def render_page(env: jinja2.Environment, name: str, **context) -> str:
    """Any page of the review app, by template name."""
    return _render(env, name, **context)


def asset(env: jinja2.Environment, name: str) -> str:
    """A CSS or JS file as the template loader finds it (the archive's own copy first)."""
    return env.loader.get_source(env, name)[0]


def render_sheet(env: jinja2.Environment, interview: dict, segments: list[dict], audio_href: str | None) -> str:
    """One interview's review sheet as a complete HTML page."""
    views = [segment_view(s) for s in segments]
    return _render(
        env, SHEET_TEMPLATE,
        interview=interview_view(interview),
        segments=views,
        segment_rows=Markup("\n".join(segment_row(v) for v in views)),
        audio_href=audio_href,
    )


def render_index(env: jinja2.Environment, interviews: list[dict], generated_at: str) -> str:
    """The table of every interview, linking to the sheets."""
    return _render(
        env, INDEX_TEMPLATE,
        interviews=[interview_view(i) for i in interviews],
        generated_at=generated_at,
    )


def render_subject(env: jinja2.Environment, subject: dict) -> str:
    """One person's, place's or event's page: facts, interviews, and the passages that name them."""
    return _render(env, SUBJECT_TEMPLATE, subject=subject_view(subject))


def render_subject_list(env: jinja2.Environment, kind: str, subjects: list[dict]) -> str:
    """The list page of one kind of subject, by name."""
    return _subject_list(env, kind, [subject_view(s) for s in subjects])


def _subject_list(env: jinja2.Environment, kind: str, views: list[dict]) -> str:
    folder, title = _folder(kind)
    views = sorted(views, key=lambda v: (slug(v.get("name") or ""), v["id"]))
    return _render(env, SUBJECT_LIST_TEMPLATE, kind=kind, folder=folder, title=title, subjects=views)


def _umask() -> int:
    """The process's umask; reading it means setting it, so it is put straight back."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_if_changed(path: Path, content: str) -> bool:
    """Write ``content`` to ``path`` unless it already holds exactly that; True if written.

    The new file appears whole or not at all (a temporary file in the same folder, then os.replace), so an
    editor who opens a sheet during a run never sees half a page.
    """
    data = content.encode("utf-8")
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    except OSError as error:
        raise _unwritable(path, error) from error
    try:
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise _unwritable(path, error) from error
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        # mkstemp makes the file private (0600); a sheet is for the whole team, like any file the user makes.
        os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, path)
    except BaseException as error:
        Path(temp).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise _unwritable(path, error) from error
        raise
    return True


def _unwritable(path: Path, error: OSError) -> ArchiveError:
    return ArchiveError(
        f"The review sheet {path} could not be written ({error.strerror or error}): "
        "check that the folder exists, is writable and that the disk is not full."
    )


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _unwritable(folder, error) from error


def write_subject_pages(archive_root: Path, out_dir: Path, subjects: list[dict]) -> int:
    """Write a page per subject under ``people/``, ``places/`` and ``events/`` of ``out_dir``, and each folder's
    ``index.html``; return how many pages were written.

    Pages whose content did not change are left alone, and nothing is removed: a page someone bookmarked or
    cited stays readable after its subject is merged away.
    """
    for subject in subjects:
        _folder(subject.get("kind"))  # a subject of an unknown kind stops the run before anything is written
    env = environment(archive_root)
    written = 0
    for kind, (folder, _) in KINDS.items():
        _make_folder(out_dir / folder)
        views = [subject_view(s) for s in subjects if s["kind"] == kind]
        for view in views:
            written += write_if_changed(out_dir / view["href"], _render(env, SUBJECT_TEMPLATE, subject=view))
        written += write_if_changed(out_dir / folder / INDEX_NAME, _subject_list(env, kind, views))
    log.info("subject pages: %d written, in %s", written, out_dir)
    return written


SHEETS_PER_WORKER = 32
"""A worker process is started for at least this many sheets: starting one costs about as much as 20 sheets."""

Segments = Mapping[int, list[dict]] | Callable[[int], list[dict]]
"""Each interview's segments: a dict by interview id, or a function of the id."""


def write_sheets(
    archive_root: Path,
    out_dir: Path,
    interviews: list[dict],
    segments: Segments,
    audio_hrefs: dict[int, str],
    only: set[int] | None = None,
    workers: int = 1,
) -> Path:
    """Write ``<code>.html`` for every interview (or those whose ids are in ``only``) and ``index.html``;
    return the index's path.

    Sheets whose content did not change are left alone, so a re-run touches only what moved. Given a function,
    ``segments`` is called for one interview at a time, so only one interview's segments are in memory. With
    ``workers`` > 1 and enough sheets, they are rendered in that many processes; the function then has to be
    picklable (``store.SheetSegments``). Each sheet is written whole by one process (``write_if_changed``).
    """
    env = environment(archive_root)
    _make_folder(out_dir)
    jobs = [(interview, audio_hrefs.get(interview["id"])) for interview in interviews
            if only is None or interview["id"] in only]
    load = segments if callable(segments) else partial(_segments_of, segments)
    workers = max(1, min(workers, len(jobs) // SHEETS_PER_WORKER))
    if workers == 1:
        written = sum(_write_sheet(env, out_dir, load, job) for job in jobs)
    else:
        # "spawn": the caller may have threads (the review app, the transcription workers), and forking a
        # process with threads can copy a held lock into the child.
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker,
                                 initargs=(archive_root, out_dir, load)) as pool:
            written = sum(pool.map(_write_sheet_in_worker, jobs, chunksize=8))
    index = out_dir / INDEX_NAME
    generated_at = datetime.now().astimezone().isoformat(timespec="seconds")
    write_if_changed(index, render_index(env, interviews, generated_at))
    # The index links to the three subject lists; until write_subject_pages has filled them, an empty list
    # stands in, so no link on the index ever leads nowhere.
    for kind, (folder, _) in KINDS.items():
        if not (out_dir / folder / INDEX_NAME).exists():
            _make_folder(out_dir / folder)
            write_if_changed(out_dir / folder / INDEX_NAME, render_subject_list(env, kind, []))
    log.info("review sheets: %d written, %d unchanged, in %s", written, len(jobs) - written, out_dir)
    return index


def _segments_of(segments: Mapping[int, list[dict]], interview_id: int) -> list[dict]:
    return segments.get(interview_id, [])


def _write_sheet(env: jinja2.Environment, out_dir: Path, load: Callable[[int], list[dict]],
                 job: tuple[dict, str | None]) -> bool:
    interview, audio_href = job
    page = render_sheet(env, interview, load(interview["id"]), audio_href)
    return write_if_changed(out_dir / sheet_filename(interview.get("code") or ""), page)


_worker: dict = {}
"""In a worker process: what every sheet it writes shares (set once by ``_start_worker``)."""


def _start_worker(archive_root: Path, out_dir: Path, load: Callable[[int], list[dict]]) -> None:
    _worker.update(env=environment(archive_root), out_dir=out_dir, load=load)


def _write_sheet_in_worker(job: tuple[dict, str | None]) -> bool:
    return _write_sheet(_worker["env"], _worker["out_dir"], _worker["load"], job)
