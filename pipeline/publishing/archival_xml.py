"""Transcripts for archives: OHMS XML (the Oral History Metadata Synchronizer's cache file, which the OHMS viewer
loads) and TEI P5 for transcribed speech.

Both are written with the standard library's ElementTree, which escapes every text and attribute, so a transcript
holding "<script>" or "&" stays text.

OHMS synchronises its plain-text transcript by minute: ``<sync>`` reads "1:|L(W)|L(W)…", the interval in minutes,
then for each minute mark the transcript line (0-based, counted in the text of ``<transcript>``) and the word in
that line (1-based) being spoken then. The OHMS viewer and other readers (e.g. the Science History Institute's
parser) read it so; the first mark, minute 0, is left empty and means line 0.

TEI follows chapter 8 of the Guidelines ("Transcriptions of Speech") in the shape ISO 24624 uses: a ``<timeline>``
of ``<when>`` points, each ``interval`` seconds ``since`` the origin, and one ``<u who start end>`` per segment.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date

from pipeline.database.models import Person
from pipeline.publishing.transcript import CONSENT_VN, REVIEW_VN, Line, Transcript, minutes

OHMS_NS = "https://www.weareavp.com/nunncenter/ohms"
OHMS_SCHEMA = "https://www.weareavp.com/nunncenter/ohms/ohms.xsd"
OHMS_VERSION = "5.4"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
TEI_NS = "http://www.tei-c.org/ns/1.0"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
AVAILABILITY = {"allowed": "free", "restricted": "restricted", "embargoed": "restricted", "unknown": "unknown"}


def _xml(root: ET.Element) -> str:
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str | None) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: v for k, v in attributes.items() if v is not None})
    if text:
        element.text = text
    return element


# ---------------------------------------------------------------- OHMS


def ohms_lines(t: Transcript) -> list[str]:
    """The transcript as OHMS shows it: one line a segment, the speaker in capitals before a colon."""
    return [f"{line.speaker.upper()}: {line.text}" if line.speaker else line.text for line in t.lines]


def ohms_sync(t: Transcript, interval_minutes: int = 1) -> str:
    """ "1:|3(5)|7(1)": at minute 1 line 3, fifth word, is being spoken; at minute 2 line 7 begins."""
    texts = ohms_lines(t)
    if not t.lines:
        return f"{interval_minutes}:"
    marks = []
    last = max(line.end for line in t.lines)
    minute = interval_minutes
    while minute * 60 <= last:
        marks.append(_mark(t.lines, texts, minute * 60.0))
        minute += interval_minutes
    return f"{interval_minutes}:|" + "|".join(marks)


def _mark(lines: list[Line], texts: list[str], moment: float) -> str:
    """The line spoken at ``moment`` (or the next one to start) and the word in it, as "L(W)"."""
    number = next((n for n, line in enumerate(lines) if line.end > moment), len(lines) - 1)
    line = lines[number]
    prefix = len(texts[number].split()) - len(line.text.split())  # the speaker's name is words too
    if moment <= line.start:
        word = 1
    elif line.words:  # the machine's own word times: the last word begun by then
        word = max(1, sum(1 for w in line.words if w.start <= moment))
    else:  # edited text: the words are spread evenly over the segment
        share = (moment - line.start) / max(line.end - line.start, 1e-6)
        word = 1 + int(share * len(line.text.split()))
    return f"{number}({min(prefix + word, len(texts[number].split()))})"


def ohms_xml(t: Transcript) -> str:
    """An OHMS cache file: the record's metadata, transcript, minute sync and an index of tagged passages."""
    i = t.interview
    ET.register_namespace("", OHMS_NS)
    ET.register_namespace("xsi", XSI)
    q = lambda tag: f"{{{OHMS_NS}}}{tag}"  # noqa: E731
    root = ET.Element(q("ROOT"), {f"{{{XSI}}}schemaLocation": f"{OHMS_NS} {OHMS_SCHEMA}"})
    record = _sub(root, q("record"), id=t.code, dt=date.today().isoformat())
    _sub(record, q("version"), OHMS_VERSION)
    _sub(record, q("date"), format="yyyy-mm-dd", value=i.date or "")
    _sub(record, q("date_nonpreferred_format"))
    _sub(record, q("cms_record_id"), t.code)
    _sub(record, q("title"), i.title or t.code)
    _sub(record, q("accession"), t.code)
    _sub(record, q("duration"), minutes(i.length, up=True))
    _sub(record, q("collection_name"), "Lời Kể")
    _sub(record, q("repository"))
    for topic in _topics(t):
        _sub(record, q("keyword"), topic)
    for event in t.events:
        _sub(record, q("subject"), event.name)
    for person in t.witnesses:
        _sub(record, q("interviewee"), person.name)
    for person in t.interviewers:
        _sub(record, q("interviewer"), person.name)
    _sub(record, q("format"), "audio/wav")
    _sub(record, q("file_name"), f"{t.code}.wav")
    _sub(record, q("sync"), ohms_sync(t))
    _sub(record, q("sync_alt"))
    _sub(record, q("transcript_alt_lang"))
    _sub(record, q("translate"), "0")
    _sub(record, q("media_url"), f"{t.code}.wav")
    media = _sub(record, q("mediafile"))
    _sub(media, q("host"), "Other")
    _sub(media, q("clip_format"), "audio")
    index = _sub(record, q("index"))
    for point in ohms_index(t):
        element = _sub(index, q("point"))
        for name in ("time", "title", "partial_transcript", "synopsis", "keywords", "subjects"):
            _sub(element, q(name), str(point.get(name, "")))
    _sub(record, q("index_alt"))
    _sub(record, q("transcript"), "\n".join(ohms_lines(t)))
    _sub(record, q("transcript_alt"))
    _sub(record, q("rights"), f"Quyền công bố: {CONSENT_VN.get(t.consent, t.consent)}")
    _sub(record, q("usage"), t.review_note())
    _sub(record, q("fmt"), "audio")
    _sub(record, q("type"), "interview")
    _sub(record, q("description"), i.notes or "")
    _sub(record, q("language"), "vie")
    return _xml(root)


def _topics(t: Transcript) -> list[str]:
    return t.interview.topic_list


def ohms_index(t: Transcript) -> list[dict]:
    """One index point per passage an editor tagged (its people, places and events as keywords); the opening
    of the interview when nothing is tagged, so the viewer always has an entry."""
    points = []
    for line in t.lines:
        names = [tag.name for tag in t.tags.get(line.id, [])]
        if names:
            events = [tag.name for tag in t.tags[line.id] if tag.kind == "event"]
            points.append(
                {
                    "time": int(line.start),
                    "title": "; ".join(events or names),
                    "partial_transcript": _opening(line.text),
                    "synopsis": line.text,
                    "keywords": ";".join(names),
                    "subjects": ";".join(events),
                }
            )
    if not points and t.lines:
        points.append(
            {
                "time": 0,
                "title": t.interview.title or t.code,
                "partial_transcript": _opening(t.lines[0].text),
                "synopsis": t.interview.notes or "",
                "keywords": ";".join(_topics(t)),
                "subjects": ";".join(e.name for e in t.events),
            }
        )
    return points


def _opening(text: str, words: int = 12) -> str:
    split = text.split()
    return " ".join(split[:words]) + (" …" if len(split) > words else "")


# ---------------------------------------------------------------- TEI


def _ncname(text: str) -> str:
    name = re.sub(r"[^\w.\-]", "_", text)
    return name if re.match(r"[^\W\d]", name) else f"_{name}"


def speaker_ids(t: Transcript) -> dict[str, str]:
    """The xml:id of every speaker: "p12" for a person in the archive, "spk-<label>" for a label nobody mapped."""
    ids = {}
    for line in t.lines:
        if line.speaker and line.speaker not in ids:
            ids[line.speaker] = f"p{line.person_id}" if line.person_id else f"spk-{_ncname(line.label or line.speaker)}"
    return ids


def tei_xml(t: Transcript) -> str:
    """TEI P5: header (title, idno, availability, recording, participants, setting, what the text is), then the
    timeline and one ``<u>`` per segment, its review status in ``@ana``."""
    i = t.interview
    ET.register_namespace("", TEI_NS)
    q = lambda tag: f"{{{TEI_NS}}}{tag}"  # noqa: E731
    root = ET.Element(q("TEI"), {XML_LANG: "vi"})
    header = _sub(root, q("teiHeader"))
    file_desc = _sub(header, q("fileDesc"))
    _sub(_sub(file_desc, q("titleStmt")), q("title"), i.title or t.code)
    publication = _sub(file_desc, q("publicationStmt"))
    _sub(publication, q("publisher"), "Lời Kể")
    _sub(publication, q("idno"), t.code, type="loike")
    availability = _sub(publication, q("availability"), status=AVAILABILITY.get(t.consent, "unknown"))
    _sub(
        availability,
        q("p"),
        f"Quyền công bố: {CONSENT_VN.get(t.consent, t.consent)}"
        + (f" đến {i.consent_until}" if i.consent_until else ""),
    )
    source = _sub(file_desc, q("sourceDesc"))
    recording = _sub(
        _sub(source, q("recordingStmt")), q("recording"), type="audio", dur=f"PT{float(i.duration or 0):.3f}S"
    )
    if i.date:
        _sub(recording, q("date"), i.date, when=i.date)
    _sub(recording, q("p"), f"Tệp gốc: {i.source_path or ''}; SHA-256 {i.sha256 or ''}")
    _sub(_sub(_sub(header, q("encodingDesc")), q("editorialDecl")), q("p"), t.review_note())
    profile = _sub(header, q("profileDesc"))
    _participants(t, _sub(_sub(profile, q("particDesc")), q("listPerson")), q)
    setting = _sub(_sub(profile, q("settingDesc")), q("setting"))
    for name in [i.place, *t.place_path]:
        if name:
            _sub(setting, q("placeName"), name)
    if i.date:
        _sub(setting, q("date"), i.date, when=i.date)
    text = _sub(root, q("text"))
    ids = _timeline(t, _sub(text, q("timeline"), unit="s", origin="#T0"), q)
    who = speaker_ids(t)
    body = _sub(text, q("body"))
    for line in t.lines:
        _sub(
            body,
            q("u"),
            line.text,
            **{
                XML_ID: f"u{line.idx + 1}",
                "who": f"#{who[line.speaker]}" if line.speaker else None,
                "start": f"#{ids[_ms(line.start)]}",
                "end": f"#{ids[_ms(max(line.end, line.start))]}",
                "ana": f"#review-{line.review_status}",
            },
        )
    interp = _sub(_sub(text, q("back")), q("interpGrp"), type="review")
    for status, label in REVIEW_VN.items():
        _sub(interp, q("interp"), label, **{XML_ID: f"review-{status}"})
    return _xml(root)


def _participants(t: Transcript, listing: ET.Element, q) -> None:
    known: dict[int, tuple[str, Person | None]] = {
        **{p.id: ("witness", p) for p in t.witnesses},
        **{p.id: ("interviewer", p) for p in t.interviewers},
    }
    for name, xml_id in speaker_ids(t).items():
        line = next(x for x in t.lines if x.speaker == name)
        if line.person_id and line.person_id not in known:
            known[line.person_id] = ("speaker", None)
        if not line.person_id:
            person = _sub(listing, q("person"), **{XML_ID: xml_id, "role": "speaker"})
            _sub(person, q("persName"), name)
    for person_id, (role, p) in known.items():
        element = _sub(
            listing,
            q("person"),
            **{XML_ID: f"p{person_id}", "role": role, "sex": {"nam": "M", "nữ": "F"}.get(p.sex or "") if p else None},
        )
        _sub(element, q("persName"), p.name if p else next(x.speaker for x in t.lines if x.person_id == person_id))
        if p and p.birth_year:
            _sub(element, q("birth"), when=f"{p.birth_year:04d}")
        for r in p.roles if p else []:
            _sub(
                element,
                q("occupation"),
                r.title,
                **{"from": str(r.start_year) if r.start_year else None, "to": str(r.end_year) if r.end_year else None},
            )


def _ms(seconds: float) -> int:
    return max(0, round(float(seconds) * 1000))


def _timeline(t: Transcript, timeline: ET.Element, q) -> dict[int, str]:
    """A ``<when>`` for every distinct segment boundary (to the millisecond); returns ms → xml:id."""
    _sub(timeline, q("when"), **{XML_ID: "T0", "absolute": "00:00:00"})
    ids = {0: "T0"}
    moments = sorted({_ms(x) for line in t.lines for x in (line.start, max(line.end, line.start))} - {0})
    for n, ms in enumerate(moments, 1):
        ids[ms] = f"T{n}"
        _sub(timeline, q("when"), **{XML_ID: f"T{n}", "interval": f"{ms / 1000:.3f}", "since": "#T0"})
    return ids
