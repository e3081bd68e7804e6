"""Transcripts out of the archive: plain text, SRT and WebVTT subtitles (cut into cues by ``captions``) and JSON
here; DOCX in ``word_documents``, OHMS in ``ohms``, TEI in ``tei``.

Every format carries the text an editor left where a segment was edited or verified (the machine's otherwise)
and says which is which, and every format names the interview's consent to publish. Exports are public: they read
the transcript through ``redaction``, with the passages still closed replaced. ``export_all`` leaves out
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
from pipeline.database.public_records import IndexPoint
from pipeline.errors import ExportError, unwritable
from pipeline.i18n import _
from pipeline.publishing import captions, ohms, redaction, tei, transcript
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
    """TXT, SRT, VTT, DOCX: the speaker's name (or label) before each line."""
    marks: bool | None = None
    """[máy] / [sửa] / [duyệt] after each line: None is each format's own way (TXT yes; SRT and VTT no, since
    players show them)."""
    media_url: str | None = None
    """OHMS, TEI: the absolute address of the interview's access copy (an address ending in "/" is a folder: the
    copy's file name is added)."""

    def marks_in(self, fmt: str) -> bool:
        return self.marks if self.marks is not None else fmt not in ("srt", "vtt")

    def media_for(self, code: str) -> str | None:
        if self.media_url and self.media_url.endswith("/"):
            return self.media_url + ohms.access_name(code)
        return self.media_url


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
    marks = options.marks_in("txt")
    if marks:
        out.append(LEGEND)
    out.append("")
    for line in t.lines:
        parts = []
        if options.timecodes:
            parts.append(f"[{clock(line.start)}]")
        if options.speakers and line.speaker:
            parts.append(f"{line.speaker}:")
        parts.append(line.text)
        if marks:
            parts.append(MARKS.get(line.review_status, line.review_status))
        out.append(" ".join(parts))
    return "\n".join(out) + "\n"


def to_srt(t: Transcript, options: ExportOptions = ExportOptions()) -> str:
    """SubRip has no escaping and no comments: the text goes as written, in cues of two rows of 42 characters."""
    cues = []
    for line in t.lines:
        name = line.speaker if options.speakers else None
        mark = MARKS.get(line.review_status, line.review_status) if options.marks_in("srt") else None
        cues += captions.line_cues(line, name, mark)
    return "\n".join(
        f"{number}\n{captions.timestamp(cue.start, ',')} --> {captions.timestamp(cue.end, ',')}\n{cue.text}\n"
        for number, cue in enumerate(cues, 1)
    )


def to_vtt(t: Transcript, options: ExportOptions = ExportOptions()) -> str:
    """WebVTT: the speaker as a voice tag (<v Name>) and in the text, the review status in each cue's identifier."""
    marks = MARKS if options.marks_in("vtt") else None
    return captions.vtt(t, header_lines(t) + [LEGEND], options.speakers, marks, status_names=MARKS)


def to_json(t: Transcript) -> str:
    """The interview, its people and every segment with its words; ``text`` is the editor's where edited, and
    empty where the machine heard speech and wrote nothing (its ``flags`` then hold ``unwritten_speech``)."""
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
        "index": [index_point_json(point) for point in t.index],
        "closed": [{"start": r.start, "end": r.end, "until": r.until} for r in t.closed],
        "segments": [
            {
                "id": line.id,
                "line": line.idx + 1,
                "start": line.start,
                "end": line.end,
                "speaker": line.speaker,
                "speaker_label": line.label,
                "person_id": line.person_id,
                "text": "" if line.unwritten else line.text,
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


INDEX_FIELDS = ("time", "title", "synopsis", "partial_transcript", "keywords", "subjects")


def index_point_json(point: IndexPoint) -> dict:
    """An index point as the JSON export and the published site give it (without who placed it)."""
    found = {name: getattr(point, name) for name in INDEX_FIELDS}
    return found | {f"{name}_alt": getattr(point, f"{name}_alt") for name in INDEX_FIELDS[1:]}


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
        "ohms": lambda: ohms.ohms_xml(t, options.media_for(t.code)),
        "tei": lambda: tei.tei_xml(t, options.media_for(t.code)),
    }
    if fmt not in writers:
        raise ExportError(
            _("Unknown format {fmt!r}: use one of {formats}.").format(fmt=fmt, formats=", ".join(FORMATS))
        )
    return writers[fmt]().encode("utf-8")


# ---------------------------------------------------------------- files


def check_media_url(url: str | None) -> None:
    """An access copy's address must be absolute: a reader of the OHMS or TEI file fetches it from anywhere."""
    if url is not None and not re.match(r"https?://[^/\s]+", url):
        raise ExportError(
            _(
                "--media-url {url!r} is not an absolute web address: give one starting with http:// or https://, "
                "e.g. https://luutru.example.vn/loike/."
            ).format(url=url)
        )


def filename(code: str, fmt: str) -> str:
    safe = re.sub(r"[^\w\-]", "_", str(code)).strip("_") or "interview"
    return safe + EXTENSIONS[fmt]


def write_export(path: Path, data: bytes, what: str | None = None) -> Path:
    """``files.write_atomic``, with a failure said in one sentence."""
    try:
        return files.write_atomic(path, data)
    except OSError as error:
        raise unwritable(path, error, what) from error


def export_one(
    db: Database, key: str, fmt: str, options: ExportOptions = ExportOptions(), output: Path | None = None
) -> bytes | Path:
    """One interview: the bytes when ``output`` is None, else the path written; a format that is not text (DOCX)
    goes to CODE.docx in the current folder when no ``output`` is given."""
    t = redaction.public(db, key)
    data = render(t, fmt, options)
    if fmt in BINARY and output is None:
        output = Path(filename(t.code, fmt))
    return data if output is None else write_export(output, data)


def export_all(
    db: Database, fmt: str, out_dir: Path, options: ExportOptions = ExportOptions(), include_restricted: bool = False
) -> ExportReport:
    """Every transcribed interview into ``out_dir``, one file each, named by code; restricted ones left out unless
    ``include_restricted``."""
    transcripts, withheld = redaction.public_all(db, include_restricted)
    report = ExportReport(withheld=withheld)
    for t in transcripts:
        report.written.append(write_export(out_dir / filename(t.code, fmt), render(t, fmt, options)))
    log.info("exported %d interview(s) as %s into %s; %d withheld", len(report.written), fmt, out_dir, len(withheld))
    return report


def interview_json(db: Database, key: str) -> str:
    """One interview as JSON (kept for callers of the first export)."""
    return to_json(redaction.public(db, key))
