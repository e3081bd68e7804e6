"""What every page of the archive shares: the Jinja2 environment and its filters, the interview's view, and
writing a page whole and only when it changed. The review sheets and the index are made in ``sheets``, the
people, places and events pages in ``subject_pages``; the review app renders through here too.

The sheets are opened straight from disk (file://) on an editor's laptop, often offline, so everything they need
(CSS, JS) is inlined and nothing points outside the archive. Every string that reaches a template came from a
recording's name or a model's output and is treated as untrusted: the environment escapes all of it.
Templates are looked up first in the archive's own ``templates/`` folder, so a team can restyle its sheets
without touching the package.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import importlib.resources
import json
import logging
import math
import re
from datetime import date, datetime
from pathlib import Path, PurePosixPath

import jinja2

from pipeline import files
from pipeline.database.models import Interview
from pipeline.errors import ArchiveError
from pipeline.i18n import _
from pipeline.speech import confidence

log = logging.getLogger(__name__)

INDEX_NAME = "index.html"
Environment = jinja2.Environment
"""The environment's type, for the modules that render through this one (only this one imports jinja2)."""

KINDS = {"person": ("people", "Nhân vật"), "place": ("places", "Địa danh"), "event": ("events", "Sự kiện")}
"""Each kind of subject: its folder beside the sheets, and the title of its list page."""

LOW_WORD_PROBABILITY = confidence.THRESHOLD
"""A word scoring less than this is marked for the editor to listen to (``speech.confidence``)."""
LOW_SEGMENT_LOGPROB = -1.0
"""A segment whose average log probability is below this is marked as a whole (Whisper's own fallback
threshold for a doubtful decode)."""

STATUS_VN = {"transcribed": "Đã phiên âm", "failed": "Lỗi", "pending": "Đang chờ"}
REVIEW_VN = {"machine": "Máy", "edited": "Đã sửa", "verified": "Đã duyệt"}
CONSENT_VN = {
    "allowed": "Được công bố",
    "restricted": "Hạn chế công bố",
    "embargoed": "Chưa được công bố",
    "unknown": "Chưa rõ quyền công bố",
}
MISSING = "—"


# ---------------------------------------------------------------- filters


def whole_seconds(seconds: float | None) -> int | None:
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
    whole = whole_seconds(seconds)
    if whole is None:
        return MISSING
    hours, rest = divmod(whole, 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


def duration(seconds: float | None) -> str:
    """A length as people say it: 59.99 → "00:59", 7325.5 → "2:02:05"; None → "—"."""
    whole = whole_seconds(seconds)
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
    """ "2026-03-05T14:22:01+07:00" → "05/03/2026", the day as it was where it was written; None → "—".

    A value that is not an ISO date is shown as it is rather than failing a whole sheet.
    """
    if not value:  # None, "", or a field a team's template names but the row lacks
        return MISSING
    parsed = value if isinstance(value, date) else _parse_iso(str(value))
    if parsed is None:
        return str(value)
    return parsed.strftime("%d/%m/%Y")


def datetime_vn(value: str | datetime | None) -> str:
    """ "2026-03-05T14:22:01+07:00" → "05/03/2026 14:22"; a bare date gets no time."""
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


def environment(archive_root: Path, reload: bool = True) -> jinja2.Environment:
    """Templates from ``archive_root/templates`` first, then the built-in ones; everything escaped.

    With ``reload`` (for the review app, which runs for hours) a template edited meanwhile is read again; a
    batch of pages says False: otherwise every page looks up the file of every template it uses (five for a
    sheet), a tenth of a sheet's time on a busy machine."""
    builtin = str(importlib.resources.files("pipeline.templates"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [
                jinja2.FileSystemLoader(Path(archive_root) / "templates"),
                jinja2.FileSystemLoader(builtin),
            ]
        ),
        # "j2" is listed so "sheet.html.j2" is escaped by its last suffix too; anything unlisted (the CSS and JS
        # partials) is escaped as well, because nothing here ever needs raw output of data.
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "htm", "xml", "j2"), default_for_string=True, default=True
        ),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=reload,
    )
    env.filters.update(
        timecode=timecode,
        date_vn=date_vn,
        datetime_vn=datetime_vn,
        duration=duration,
        percent=percent,
        csp_hash=csp_hash,
    )
    env.globals.update(
        status_vn=STATUS_VN,
        review_vn=REVIEW_VN,
        kinds=KINDS,
        low_word_probability=LOW_WORD_PROBABILITY,
        low_segment_logprob=LOW_SEGMENT_LOGPROB,
    )
    return env


def text_environment(archive_root: Path) -> jinja2.Environment:
    """For plain-text templates such as the citation: nothing is escaped, because the result is never HTML;
    each writer (DOCX, Markdown, CSV, JSON) escapes it for its own format. An unknown name in a team's template
    is an error that says where, not a silent gap in a citation."""
    builtin = str(importlib.resources.files("pipeline.templates"))
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [
                jinja2.FileSystemLoader(Path(archive_root) / "templates"),
                jinja2.FileSystemLoader(builtin),
            ]
        ),
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


def display_title(interview: Interview) -> str:
    """The interview's title, or its recording's file name when nobody has given it one."""
    title = (interview.title or "").strip()
    if title:
        return title
    source = interview.source_path or ""
    return PurePosixPath(source.replace("\\", "/")).name or str(interview.code or MISSING)


def sheet_filename(code: str) -> str:
    """The sheet's file name for an interview code; anything that could leave the folder is replaced."""
    safe = re.sub(r"[^\w\-]", "_", str(code)).lstrip("_") or "interview"
    return f"{safe}.html"


def audio_format(interview: Interview) -> str:
    """ "mp3 · 1 kênh · 22050 Hz" from whatever the container declared."""
    parts = []
    if interview.codec:
        parts.append(str(interview.codec))
    if interview.channels:
        parts.append(f"{interview.channels} kênh")
    if interview.sample_rate:
        parts.append(f"{interview.sample_rate} Hz")
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
    """ "Nguyễn Văn A (1932); Trần Thị B (1935)" → the two names; None → []."""
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


def fields_of(record) -> dict:
    """A record's fields as a dict (shallow), for a template: its stored values, under their names."""
    return {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}


def interview_view(interview: Interview) -> dict:
    """An interview as the templates see it: its stored fields and what they show of them."""
    place_path = _items(interview.place_path, ",")
    return {
        **fields_of(interview),
        "format": audio_format(interview),
        "display_title": display_title(interview),
        "sheet": sheet_filename(interview.code or ""),
        "length": interview.duration if interview.duration is not None else interview.declared_duration,
        "consent": consent_mark(interview.consent_status, interview.consent_until),
        "witness_list": _items(interview.witnesses),
        "interviewer_list": _items(interview.interviewers),
        "event_list": _items(interview.events),
        "topic_list": topic_list(interview.topics),
        "commune": place_path[0] if place_path else None,
        "metadata_waiting": interview.state == "waiting_for_metadata",
        "metadata_problem_list": [
            line.strip() for line in str(interview.metadata_problems or "").splitlines() if line.strip()
        ],
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
            _(
                "The template {where}{at} could not be used ({message}): fix it, or delete it from the "
                "archive's templates/ folder to use the built-in one."
            ).format(where=where, at=at, message=error.message or type(error).__name__)
        ) from error


def render_page(env: jinja2.Environment, name: str, **context) -> str:
    """Any page (a sheet, a subject page, the review app's), by template name."""
    return _render(env, name, **context)


def asset(env: jinja2.Environment, name: str) -> str:
    """A CSS or JS file as the template loader finds it (the archive's own copy first)."""
    if env.loader is None:  # never: the environments made here all have one
        raise ValueError(f"The template environment has no loader to find {name} with.")
    return env.loader.get_source(env, name)[0]


def write_if_changed(path: Path, content: str) -> bool:
    """Write ``content`` to ``path`` unless it already holds exactly that; True if written. Whole or not at all,
    so an editor who opens a sheet during a run never sees half a page."""
    try:
        return files.write_if_changed(path, content.encode("utf-8"))
    except OSError as error:
        raise _unwritable(path, error) from error


def _unwritable(path: Path, error: OSError) -> ArchiveError:
    return ArchiveError(
        _(
            "The review sheet {path} could not be written ({strerror}): check that the folder exists, is "
            "writable and that the disk is not full."
        ).format(path=path, strerror=error.strerror or error)
    )


def make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _unwritable(folder, error) from error
