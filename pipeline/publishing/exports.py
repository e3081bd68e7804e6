"""Transcripts out of the archive: plain text, SRT and WebVTT subtitles and JSON here; DOCX in ``documents``,
OHMS and TEI in ``archival``.

Every format carries the text an editor left where a segment was edited or verified (the machine's otherwise)
and says which is which, and every format names the interview's consent to publish. ``export_all`` leaves out
interviews that may not be published unless asked; one interview named on its own is exported as asked, marked.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pipeline import files
from pipeline.database import Database
from pipeline.database.models import Word
from pipeline.errors import ExportError, unwritable
from pipeline.publishing import archival_xml, transcript
from pipeline.publishing.transcript import CONSENT_VN, Transcript, clock
from pipeline.speech import confidence

log = logging.getLogger(__name__)

EXTENSIONS = {
    "txt": ".txt",
    "srt": ".srt",
    "vtt": ".vtt",
    "json": ".json",
    "docx": ".docx",
    "ohms": ".ohms.xml",
    "tei": ".tei.xml",
}
FORMATS = tuple(EXTENSIONS)
BINARY = {"docx"}
MARKS = {"machine": "[máy]", "edited": "[sửa]", "verified": "[duyệt]"}
LEGEND = "[máy] máy phiên âm, chưa sửa · [sửa] biên tập viên đã sửa · [duyệt] đã nghe lại và duyệt"
INTERVIEW_FIELDS = (
    "id",
    "code",
    "title",
    "source_path",
    "sha256",
    "container",
    "codec",
    "channels",
    "sample_rate",
    "declared_duration",
    "duration",
    "status",
    "problem",
    "first_seen",
    "transcribed_at",
    "model",
    "date",
    "place_path",
    "place",
    "witnesses",
    "interviewers",
    "events",
    "notes",
    "equipment",
    "consent_status",
    "consent_until",
    "consent_by",
    "metadata_status",
)


@dataclass(frozen=True)
class ExportOptions:
    timecodes: bool = True
    """TXT: an [hh:mm:ss] time code before each line."""
    speakers: bool = True
    """TXT, SRT, DOCX: the speaker's name (or label) before each line."""
    marks: bool = True
    """TXT, SRT: [máy] / [sửa] / [duyệt] after each line; SRT players show it, so subtitles may want it off."""


@dataclass
class ExportReport:
    written: list[Path] = field(default_factory=list)
    withheld: list[str] = field(default_factory=list)  # codes left out for consent


# ---------------------------------------------------------------- the formats


def header_lines(t: Transcript) -> list[str]:
    """The facts at the top of the text formats, one per line."""
    i = t.interview
    facts = [
        f"{t.code} — {i.title or i.source_path or ''}".rstrip(" —"),
        "Nhân chứng: " + "; ".join(_person_text(p) for p in t.witnesses) if t.witnesses else "",
        "Người phỏng vấn: " + "; ".join(p.name for p in t.interviewers) if t.interviewers else "",
        f"Ngày phỏng vấn: {transcript.date_vn(i.date)}" if i.date else "",
        "Nơi phỏng vấn: " + ", ".join(x for x in [i.place, *t.place_path] if x) if i.place or t.place_path else "",
        f"Quyền công bố: {CONSENT_VN.get(t.consent, t.consent)}"
        + (f" đến {transcript.date_vn(i.consent_until)}" if i.consent_until else ""),
        t.review_note(),
    ]
    return [f for f in facts if f]


def _person_text(p: transcript.Person) -> str:
    return p.name + (f" (sinh năm {p.birth_year})" if p.birth_year else "")


def to_txt(t: Transcript, options: ExportOptions = ExportOptions()) -> str:
    out = header_lines(t)
    if options.marks:
        out.append(LEGEND)
    out.append("")
    for line in t.lines:
        parts = []
        if options.timecodes:
            parts.append(f"[{clock(line.start)}]")
        if options.speakers and line.speaker:
            parts.append(f"{line.speaker}:")
        parts.append(line.text)
        if options.marks:
            parts.append(MARKS.get(line.review_status, line.review_status))
        out.append(" ".join(parts))
    return "\n".join(out) + "\n"


def subtitle_time(seconds: float, separator: str) -> str:
    """12.3456 → "00:00:12,346" (SRT) or "00:00:12.346" (WebVTT), rounded to the millisecond."""
    ms = max(0, round(float(seconds) * 1000))
    hours, rest = divmod(ms, 3_600_000)
    return f"{hours:02d}:{rest // 60_000:02d}:{rest % 60_000 // 1000:02d}{separator}{rest % 1000:03d}"


def _cue_times(line: transcript.Line) -> tuple[float, float]:
    # A cue must end after it starts; Whisper sometimes gives a segment no length.
    return line.start, max(line.end, line.start + 0.001)


def to_srt(t: Transcript, options: ExportOptions = ExportOptions()) -> str:
    """SubRip has no escaping and no comments: the text goes as written, the mark after it."""
    cues = []
    for number, line in enumerate(t.lines, 1):
        start, end = _cue_times(line)
        text = f"{line.speaker}: {line.text}" if options.speakers and line.speaker else line.text
        if options.marks:
            text += " " + MARKS.get(line.review_status, line.review_status)
        cues.append(f"{number}\n{subtitle_time(start, ',')} --> {subtitle_time(end, ',')}\n{_one_line(text)}\n")
    return "\n".join(cues)


def _one_line(text: str) -> str:
    # A blank line ends a cue in SRT and WebVTT; the stored text has none, an edited one might.
    return re.sub(r"\s*\n\s*", " ", text).strip()


def vtt_escape(text: str) -> str:
    """WebVTT cue text: &, < and > as character references (this also keeps "-->" out of a cue)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(t: Transcript, options: ExportOptions = ExportOptions()) -> str:
    """WebVTT with the speaker as a voice tag (<v Name>) and the review status in each cue's identifier."""
    notes = "\n".join(_note_safe(line) for line in header_lines(t) + [LEGEND])
    blocks = ["WEBVTT", f"NOTE\n{notes}"]
    for line in t.lines:
        start, end = _cue_times(line)
        text = vtt_escape(_one_line(line.text))
        if line.speaker:
            text = f"<v {vtt_escape(_one_line(line.speaker))}>{text}</v>"
        ident = f"{line.idx + 1} {line.review_status}"
        blocks.append(f"{ident}\n{subtitle_time(start, '.')} --> {subtitle_time(end, '.')}\n{text}")
    return "\n\n".join(blocks) + "\n"


def _note_safe(text: str) -> str:
    return _one_line(text).replace("-->", "->")  # a NOTE may not hold "-->"


def to_json(t: Transcript) -> str:
    """The interview, its people and every segment with its words; ``text`` is the editor's where edited."""
    people = [
        {
            "id": p.id,
            "name": p.name,
            "birth_year": p.birth_year,
            "sex": p.sex,
            "roles": [asdict(role) for role in p.roles],
        }
        for p in t.witnesses
    ]
    document = {
        "format": "loike-transcript/2",
        "interview": {name: getattr(t.interview, name) for name in INTERVIEW_FIELDS},
        "witnesses": people,
        "interviewers": [{"id": p.id, "name": p.name} for p in t.interviewers],
        "events": [{"id": e.id, "name": e.name, "date_start": e.date_start, "date_end": e.date_end} for e in t.events],
        "review": {**t.review_counts, "note": t.review_note()},
        "segments": [
            {
                "id": line.id,
                "line": line.idx + 1,
                "start": line.start,
                "end": line.end,
                "speaker": line.speaker,
                "speaker_label": line.label,
                "person_id": line.person_id,
                "text": line.text,
                "review_status": line.review_status,
                "flags": line.flags,
                "words": marked_words(line.words),
            }
            for line in t.lines
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def marked_words(words: list[Word]) -> list[dict]:
    """A line's words with the mark the sheet and the review app give them: ``confidence``, the number behind the
    mark (``speech.confidence.scores``), and ``uncertain``, whether it is marked."""
    scores = confidence.scores([w.probability for w in words], [w.lowest for w in words])
    return [
        {**asdict(w), "confidence": score, "uncertain": confidence.marked(score, w.lowest)}
        for w, score in zip(words, scores)
    ]


def render(t: Transcript, fmt: str, options: ExportOptions = ExportOptions()) -> bytes:
    """One transcript in one format, as the bytes of the file."""
    if fmt == "docx":
        from pipeline.publishing import (
            word_documents,  # here, not at the top: python-docx and lxml would slow every loike command
        )

        return word_documents.transcript_docx(t, options.speakers)
    writers = {
        "txt": lambda: to_txt(t, options),
        "srt": lambda: to_srt(t, options),
        "vtt": lambda: to_vtt(t, options),
        "json": lambda: to_json(t),
        "ohms": lambda: archival_xml.ohms_xml(t),
        "tei": lambda: archival_xml.tei_xml(t),
    }
    if fmt not in writers:
        raise ExportError(f"Unknown format {fmt!r}: use one of {', '.join(FORMATS)}.")
    return writers[fmt]().encode("utf-8")


# ---------------------------------------------------------------- files


def filename(code: str, fmt: str) -> str:
    safe = re.sub(r"[^\w\-]", "_", str(code)).strip("_") or "interview"
    return safe + EXTENSIONS[fmt]


def write_export(path: Path, data: bytes, what: str = "The export") -> Path:
    """``files.write_atomic``, with a failure said in one sentence."""
    try:
        return files.write_atomic(path, data)
    except OSError as error:
        raise unwritable(path, error, what) from error


def export_one(
    db: Database, key: str, fmt: str, options: ExportOptions = ExportOptions(), output: Path | None = None
) -> bytes | Path:
    """One interview: the bytes when ``output`` is None, else the path written."""
    if fmt in BINARY and output is None:
        raise ExportError(
            f"{fmt.upper()} is not text and cannot be printed: give a file with -o, e.g. -o {filename(key, fmt)}."
        )
    data = render(transcript.load(db, key), fmt, options)
    return data if output is None else write_export(output, data)


def export_all(
    db: Database, fmt: str, out_dir: Path, options: ExportOptions = ExportOptions(), include_restricted: bool = False
) -> ExportReport:
    """Every transcribed interview into ``out_dir``, one file each, named by code; restricted ones left out unless
    ``include_restricted``."""
    transcripts, withheld = transcript.load_all(db, include_restricted)
    report = ExportReport(withheld=withheld)
    for t in transcripts:
        report.written.append(write_export(out_dir / filename(t.code, fmt), render(t, fmt, options)))
    log.info("exported %d interview(s) as %s into %s; %d withheld", len(report.written), fmt, out_dir, len(withheld))
    return report


def interview_json(db: Database, key: str) -> str:
    """One interview as JSON (kept for callers of the first export)."""
    return to_json(transcript.load(db, key))
