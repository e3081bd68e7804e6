"""Review sheets: one self-contained HTML page per interview, plus an index of them all.

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
import logging
import math
import os
import re
import tempfile
from datetime import date, datetime
from pathlib import Path, PurePosixPath

import jinja2

from .errors import ArchiveError

log = logging.getLogger(__name__)

SHEET_TEMPLATE = "sheet.html.j2"
INDEX_TEMPLATE = "index.html.j2"
INDEX_NAME = "index.html"

LOW_WORD_PROBABILITY = 0.5
"""A word the model gave less than this probability is marked for the editor to listen to."""
LOW_SEGMENT_LOGPROB = -1.0
"""A segment whose average log probability is below this is marked as a whole (Whisper's own fallback
threshold for a doubtful decode)."""

STATUS_VN = {"transcribed": "Đã phiên âm", "failed": "Lỗi", "pending": "Đang chờ"}
REVIEW_VN = {"machine": "Máy", "edited": "Đã sửa", "verified": "Đã duyệt"}
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
    if value is None or value == "":
        return MISSING
    parsed = value if isinstance(value, date) else _parse_iso(str(value))
    if parsed is None:
        return str(value)
    return parsed.strftime("%d/%m/%Y")


def datetime_vn(value: str | datetime | None) -> str:
    """"2026-03-05T14:22:01+07:00" → "05/03/2026 14:22"; a bare date gets no time."""
    if value is None or value == "":
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
        status_vn=STATUS_VN, review_vn=REVIEW_VN,
        low_word_probability=LOW_WORD_PROBABILITY, low_segment_logprob=LOW_SEGMENT_LOGPROB,
    )
    return env


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


def _word_spans(text: str, words: list[dict]) -> list[tuple[int, int, float | None]] | None:
    """Where each word lies in ``text``, or None when the words no longer spell it.

    The words are found in order with nothing but spaces between them (words are stored with or without
    Whisper's leading space). Once an editor has changed the text the model's words describe something else,
    so their marks would mislead and none are given.
    """
    spans = []
    position = 0
    for word in words:
        token = (word.get("text") or "").strip()
        if not token:
            continue
        found = text.find(token, position)
        if found < 0 or text[position:found].strip():
            return None
        spans.append((found, found + len(token), word.get("probability")))
        position = found + len(token)
    return spans if not text[position:].strip() else None


def text_pieces(segment: dict) -> list[dict]:
    """A segment's text cut into runs: plain text, and each doubtful word on its own with its probability.

    The pieces are slices of the stored text itself, so what the editor reads is exactly what is stored.
    """
    text = (segment.get("text") or "").strip()
    spans = _word_spans(text, segment.get("words") or [])
    pieces: list[dict] = []
    position = 0
    for start, end, probability in spans or []:
        if probability is None or probability >= LOW_WORD_PROBABILITY:
            continue
        if start > position:
            pieces.append({"text": text[position:start], "probability": None})
        pieces.append({"text": text[start:end], "probability": probability})
        position = end
    if position < len(text) or not pieces:
        pieces.append({"text": text[position:], "probability": None})
    return pieces


def segment_view(segment: dict) -> dict:
    """A segment with what the template needs on top of the stored fields."""
    logprob = segment.get("avg_logprob")
    return {
        **segment,
        "pieces": text_pieces(segment),
        "low_segment": logprob is not None and logprob < LOW_SEGMENT_LOGPROB,
    }


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


def interview_view(interview: dict) -> dict:
    return {
        **interview,
        "format": audio_format(interview),
        "display_title": display_title(interview),
        "sheet": sheet_filename(interview.get("code") or ""),
        "length": interview.get("duration") if interview.get("duration") is not None
        else interview.get("declared_duration"),
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


def render_sheet(env: jinja2.Environment, interview: dict, segments: list[dict], audio_href: str | None) -> str:
    """One interview's review sheet as a complete HTML page."""
    return _render(
        env, SHEET_TEMPLATE,
        interview=interview_view(interview),
        segments=[segment_view(s) for s in segments],
        audio_href=audio_href,
    )


def render_index(env: jinja2.Environment, interviews: list[dict], generated_at: str) -> str:
    """The table of every interview, linking to the sheets."""
    return _render(
        env, INDEX_TEMPLATE,
        interviews=[interview_view(i) for i in interviews],
        generated_at=generated_at,
    )


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


def write_sheets(
    archive_root: Path,
    out_dir: Path,
    interviews: list[dict],
    segments_by_interview: dict[int, list[dict]],
    audio_hrefs: dict[int, str],
) -> Path:
    """Write ``<code>.html`` for every interview and ``index.html``; return the index's path.

    Sheets whose content did not change are left alone, so a re-run touches only what moved.
    """
    env = environment(archive_root)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _unwritable(out_dir, error) from error
    written = 0
    for interview in interviews:
        page = render_sheet(
            env, interview, segments_by_interview.get(interview["id"], []), audio_hrefs.get(interview["id"])
        )
        written += write_if_changed(out_dir / sheet_filename(interview.get("code") or ""), page)
    index = out_dir / INDEX_NAME
    generated_at = datetime.now().astimezone().isoformat(timespec="seconds")
    write_if_changed(index, render_index(env, interviews, generated_at))
    log.info("review sheets: %d written, %d unchanged, in %s", written, len(interviews) - written, out_dir)
    return index
