"""Review sheets: one self-contained HTML page per interview, and the index of them all.

A sheet shows the interview's facts and every segment with its time code (click to hear it), speaker, text with
the words the model was unsure of marked, the machine-made flag and the review state. An hour-long interview has
720 segments and 10,000 words, and an archive a thousand interviews, so the rows are built in Python rather than
in a template loop, and many sheets are rendered in several processes (docs/benchmarks.md).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import datetime
from functools import partial
from pathlib import Path

from markupsafe import Markup, escape

from pipeline import database
from pipeline.database import Database
from pipeline.database.models import Interview, Segment, Word
from pipeline.database.public_records import IndexPoint
from pipeline.publishing import redaction, subject_pages, templating
from pipeline.settings import Archive
from pipeline.speech import confidence, flags

log = logging.getLogger(__name__)

SHEET_TEMPLATE = "sheet.html.j2"
INDEX_TEMPLATE = "index.html.j2"


def _words(words: list) -> list[tuple]:
    """A segment's words as (segment id, text, probability, lowest token probability), as
    ``database.sheet_segments`` gives them; ``Word`` records (``database.segments``) are turned into the same."""
    if words and isinstance(words[0], Word):
        return [(None, w.text, w.probability, w.lowest) for w in words]
    return words


def word_spans(text: str, words: list[tuple]) -> list[tuple[int, int]] | None:
    """Where each word lies in ``text``, or None when the words no longer spell it.

    The words are found in order with nothing but spaces between them (words are stored with or without
    Whisper's leading space). Once an editor has changed the text the model's words describe something else,
    so their marks would mislead and none are given.
    """
    spans = []
    position = 0
    for word in words:
        token = (word[1] or "").strip()
        if not token:
            spans.append((position, position))
            continue
        found = text.find(token, position)
        if found < 0 or text[position:found].strip():
            return None
        spans.append((found, found + len(token)))
        position = found + len(token)
    return spans if not text[position:].strip() else None


def word_marks(words: list) -> list[float | None]:
    """For each of a segment's words, the number behind its mark when it is marked (``speech.confidence``), else
    None."""
    words = _words(words)
    return confidence.marks([w[2] for w in words], [w[3] if len(w) > 3 else None for w in words])


def _doubtful_spans(text: str, words: list) -> tuple[str, list[tuple[int, int, float]]]:
    """A segment's text and where its doubtful words lie in it (none when the words no longer spell it)."""
    text = (text or "").strip()
    words = _words(words)
    marks = word_marks(words)
    if not any(mark is not None for mark in marks):
        return text, []  # most segments: nothing to mark, so nothing to find
    spans = word_spans(text, words) or []
    return text, [(a, b, mark) for (a, b), mark in zip(spans, marks) if mark is not None and b > a]


def text_pieces(text: str, words: list) -> list[dict]:
    """A segment's text cut into runs: plain text, and each doubtful word on its own with its probability.

    The pieces are slices of the stored text itself, so what the editor reads is exactly what is stored.
    """
    text, doubtful = _doubtful_spans(text, words)
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


def marked_text(text: str, words: list) -> Markup:
    """A segment's text as HTML: escaped, each doubtful word in a ``low-confidence`` span whose title gives
    the number behind its mark. What ``text_pieces`` gives a template, built here because a sheet has ten
    thousand words and a template loop over them was most of the time a sheet took."""
    original = text
    text = (text or "").strip()
    words = _words(words)
    safe = escape(text)
    marks = word_marks(words)
    if not any(mark is not None for mark in marks):
        return safe
    tokens = [(w[1] or "").strip() for w in words]
    if len(safe) == len(text) and " ".join(filter(None, tokens)) == text:
        # The usual case, as Whisper wrote it: the words are the text, one space apart, with nothing to escape.
        return Markup(" ".join([_marked(t, m) if m is not None else t for t, m in zip(tokens, marks) if t]))
    text, doubtful = _doubtful_spans(original, words)
    html, position = [], 0
    for start, end, mark in doubtful:
        html += [escape(text[position:start]), _marked(escape(text[start:end]), mark)]
        position = end
    html.append(escape(text[position:]))
    return Markup("".join(html))


def _marked(word: str, probability: float) -> str:
    return f'<span class="low-confidence" title="Độ tin cậy thấp: {templating.percent(probability)}">{word}</span>'


class SegmentView(dict):
    """A segment as a sheet template sees it. ``pieces`` is worked out only if a template asks for it: a team's
    own sheet template may still loop over them, the built-in one does not."""

    def __missing__(self, key: str):
        if key != "pieces":
            raise KeyError(key)
        self[key] = text_pieces(self["text"], self["words"])
        return self[key]


def segment_view(segment: Segment) -> SegmentView:
    """A segment with what the template needs on top of the stored fields."""
    logprob = segment.avg_logprob
    codes = flags.standing(segment.text, segment.flag_codes)
    unwritten = flags.unwritten_gap(segment.text, codes)
    return SegmentView(
        templating.fields_of(segment),
        text_html=Markup('<span class="unwritten-text">%s</span>') % flags.UNWRITTEN_TEXT
        if unwritten
        else marked_text(segment.text, segment.words),
        low_segment=logprob is not None and logprob < templating.LOW_SEGMENT_LOGPROB,
        flags=codes,
        flag_reasons="; ".join(flags.REASONS_VN.get(code, code) for code in codes),
        unwritten=unwritten,
    )


PRINT_LINES = 48
"""Lines on a printed A4 page (sheet.css sets the page's height to hold exactly these): each is numbered in the
margin, so that an editor can cite "trang 3, dòng 17"."""


def segment_row(seg: SegmentView, with_speakers: bool = True) -> str:
    """One segment's row of the sheet (``<li class="segment">``): time code, speaker (unless no line of the sheet
    has one), text with its doubtful words marked, the machine-made flag and the review state; speech the machine
    heard and did not write is a gap saying so (``flags.UNWRITTEN_TEXT``), not a made-up line, with the draft a
    second listen wrote, if any, set apart as such.

    Built here rather than in ``sheet.html.j2`` because an hour-long interview has 720 rows, and a template loop
    over them was most of the time a sheet took (docs/benchmarks.md). Everything in it is escaped.
    """
    status = escape(seg.get("review_status"))
    made_up = flags.made_up(seg["flags"])
    classes = (
        f"segment review-{status}"
        + (" low-segment" if seg["low_segment"] else "")
        + (" flagged" if made_up else "")
        + (" unwritten" if seg["unwritten"] else "")
    )
    title = ' title="Độ tin cậy thấp cho cả đoạn"' if seg["low_segment"] else ""
    marks = ""
    if made_up:
        reasons = "; ".join(flags.REASONS_VN.get(code, code) for code in made_up)
        marks += f' <span class="flag-mark ui" title="Nghi máy tự sinh: {escape(reasons)}">⚑ nghi máy tự sinh</span>'
    if seg["unwritten"] and seg.get("heard_again"):
        marks += f' <span class="heard-again ui">máy nghe lại, chưa chắc: «{escape(seg["heard_again"])}»</span>'
    if seg.get("review_status") in ("edited", "verified"):
        marks += f' <span class="review ui">{templating.REVIEW_VN[seg["review_status"]]}</span>'
    speaker = (
        f'      <span class="speaker">{escape(seg.get("speaker") or templating.MISSING)}</span>\n'
        if with_speakers
        else ""
    )
    return (
        f'    <li class="{classes}" id="seg-{escape(seg.get("idx"))}" data-start="{seg["start"]:.3f}" '
        f'data-end="{seg["end"]:.3f}" tabindex="0"{title}>\n'
        f'      <span class="tc">{templating.timecode(seg["start"])}</span>\n'
        f"{speaker}"
        f'      <p class="text">{seg["text_html"]}{marks}</p>\n'
        "    </li>"
    )


def render_sheet(
    env: templating.Environment,
    interview: Interview,
    segments: list[Segment],
    audio_href: str | None,
    index: Sequence[IndexPoint] = (),
) -> str:
    """One interview's review sheet as a complete HTML page, with the index editors placed. The speaker column shows
    each segment's ``speaker`` (``database.sheet_segments`` puts there the person an editor chose, else the label),
    and is left out when no line has one."""
    views = [segment_view(s) for s in segments]
    with_speakers = any(v.get("speaker") for v in views)
    return templating.render_page(
        env,
        SHEET_TEMPLATE,
        interview=templating.interview_view(interview),
        segments=views,
        unwritten_count=sum(1 for v in views if v["unwritten"]),
        unwritten_text=flags.UNWRITTEN_TEXT,
        segment_rows=Markup("\n".join(segment_row(v, with_speakers) for v in views)),
        with_speakers=with_speakers,
        audio_href=audio_href,
        index=index,
        has_speakers=with_speakers,
        print_lines=PRINT_LINES,
    )


def render_index(env: templating.Environment, interviews: list[Interview], generated_at: str) -> str:
    """The table of every interview, linking to the sheets."""
    return templating.render_page(
        env,
        INDEX_TEMPLATE,
        interviews=[templating.interview_view(i) for i in interviews],
        generated_at=generated_at,
    )


SEGMENTS_PER_WORKER = 20_000
"""A worker process is started for every this many segments to render (by the interviews' ``segment_count``):
starting one (a new Python importing Jinja2 and the package) takes about 0.7 s, the time 20,000 segments take
(docs/benchmarks.md), so an archive of short interviews is rendered in one process."""

Segments = Mapping[int, list[Segment]] | Callable[[int], list[Segment]]
"""Each interview's segments: a dict by interview id, or a function of the id."""


def write_sheets(db: Database, archive: Archive, only: set[int] | None = None) -> Path:
    """Regenerate the review sheets (all, or those of the interviews in ``only``), the index and the subject
    pages from the database; return the index's path.

    The subject pages are gathered and written in a thread of their own (through its own connection) while the
    sheets render, in other processes when there are many: on two cores that takes them off the end of a
    rebuild (docs/benchmarks.md)."""
    interviews = database.interviews(db)
    hrefs = {i.id: href for i in interviews if (href := audio_href(archive, i))}
    with ThreadPoolExecutor(1) as beside:
        pages = beside.submit(_write_subject_pages, archive)
        segments = database.SheetSegments(archive.database)
        try:
            index = write_sheet_files(
                archive.root,
                archive.sheets_dir,
                interviews,
                segments,
                hrefs,
                only,
                workers=os.cpu_count() or 1,
                subject_lists=False,
                indexes=database.all_index_points(db),
            )
        finally:
            segments.close()
        pages.result()
    return index


def audio_href(archive: Archive, interview: Interview) -> str | None:
    """The sheet's link to the interview's listening copy, when there is one."""
    return f"../audio/{interview.code}.wav" if (archive.audio_dir / f"{interview.code}.wav").exists() else None


def sheet_page(db: Database, archive: Archive, interview: Interview) -> str:
    """The sheet ``write_sheets`` would write for ``interview`` now."""
    env = templating.environment(archive.root, reload=False)
    return render_sheet(env, interview, database.sheet_segments(db, interview.id), audio_href(archive, interview))


def _write_subject_pages(archive: Archive) -> int:
    db = database.connect(archive.database)
    try:
        subjects = redaction.closed_subjects(db, database.subjects(db))
        return subject_pages.write_subject_pages(archive.root, archive.sheets_dir, subjects)
    finally:
        db.close()


def write_sheet_files(
    archive_root: Path,
    out_dir: Path,
    interviews: list[Interview],
    segments: Segments,
    audio_hrefs: dict[int, str],
    only: set[int] | None = None,
    workers: int = 1,
    subject_lists: bool = True,
    indexes: Mapping[int, list[IndexPoint]] | None = None,
) -> Path:
    """Write ``<code>.html`` for every interview (or those whose ids are in ``only``) and ``index.html``;
    return the index's path.

    Sheets whose content did not change are left alone, so a re-run touches only what moved. Given a function,
    ``segments`` is called for one interview at a time, so only one interview's segments are in memory. With
    ``workers`` > 1 and enough segments, they are rendered in that many processes; the function then has to be
    picklable (``transcripts.SheetSegments``). Each sheet is written whole by one process (``write_if_changed``).
    The index links to the people, places and events lists; with ``subject_lists`` an empty list is written
    where there is none yet, so no link leads nowhere (a caller writing the subject pages at the same time
    says False).
    """
    env = templating.environment(archive_root, reload=False)
    templating.make_folder(out_dir)
    jobs = [
        (interview, audio_hrefs.get(interview.id), (indexes or {}).get(interview.id, []))
        for interview in interviews
        if only is None or interview.id in only
    ]
    load = segments if callable(segments) else partial(_segments_of, segments)
    workers = max(1, min(workers, sum(iv.segment_count or 1 for iv, _, _ in jobs) // SEGMENTS_PER_WORKER))
    if workers == 1:
        written = sum(_write_sheet(env, out_dir, load, job) for job in jobs)
    else:
        # "spawn": the caller may have threads (the review app, the transcription workers), and forking a
        # process with threads can copy a held lock into the child.
        with ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(archive_root, out_dir, load),
        ) as pool:
            written = sum(pool.map(_write_sheet_in_worker, jobs, chunksize=8))
    index = out_dir / templating.INDEX_NAME
    generated_at = datetime.now().astimezone().isoformat(timespec="seconds")
    templating.write_if_changed(index, render_index(env, interviews, generated_at))
    for kind, (folder, _) in templating.KINDS.items():
        if subject_lists and not (out_dir / folder / templating.INDEX_NAME).exists():
            templating.make_folder(out_dir / folder)
            empty = subject_pages.render_subject_list(env, kind, [])
            templating.write_if_changed(out_dir / folder / templating.INDEX_NAME, empty)
    log.info("review sheets: %d written, %d unchanged, in %s", written, len(jobs) - written, out_dir)
    return index


def _segments_of(segments: Mapping[int, list[Segment]], interview_id: int) -> list[Segment]:
    return segments.get(interview_id, [])


Job = tuple[Interview, str | None, list[IndexPoint]]
"""What a sheet is made from besides its segments: the interview, its audio's address, its index."""


def _write_sheet(env: templating.Environment, out_dir: Path, load: Callable[[int], list[Segment]], job: Job) -> bool:
    interview, audio_href, index = job
    page = render_sheet(env, interview, load(interview.id), audio_href, index)
    return templating.write_if_changed(out_dir / templating.sheet_filename(interview.code or ""), page)


_worker: dict = {}
"""In a worker process: what every sheet it writes shares (set once by ``_start_worker``)."""


def _start_worker(archive_root: Path, out_dir: Path, load: Callable[[int], list[Segment]]) -> None:
    _worker.update(env=templating.environment(archive_root, reload=False), out_dir=out_dir, load=load)


def _write_sheet_in_worker(job: Job) -> bool:
    return _write_sheet(_worker["env"], _worker["out_dir"], _worker["load"], job)
