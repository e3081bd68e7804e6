"""OHMS XML: the Oral History Metadata Synchronizer's cache file, which the OHMS viewer loads, valid against the
OHMS 6.0 schema (tests/fixtures/schemas/ohms.xsd).

The transcript goes in ``<vtt_transcript>``, one WebVTT cue a line voiced ``<v Name>``: the viewer's reader of the
older plain ``<transcript>`` finds speakers with an ASCII-only upper-case pattern (uklibraries/ohms-viewer,
``app/Ohms/Transcript.php``), so "TRẦN THỊ MAI:" would not be a speaker there, and its ``<sync>`` marks fall only on
whole minutes; WebVTT keeps every name and every line's own time. The record's ``id`` must be a whole number: it is
the interview's number, its code going in ``accession`` and ``cms_record_id``. The viewer plays ``media_url`` when it
is an absolute http(s) address and takes the player from the address's last three letters, so the access copy is an
MP3 (``--media-url``); ``file_name`` names it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

from pipeline.database.public_records import IndexPoint
from pipeline.publishing import captions
from pipeline.publishing.transcript import CONSENT_VN, Transcript, date_vn
from pipeline.publishing.xml_elements import XSI, document, namespaced, sub

NAMESPACE = "https://www.weareavp.com/nunncenter/ohms"
SCHEMA = "https://www.weareavp.com/nunncenter/ohms/ohms.xsd"
VERSION = "6.0"
LANGUAGE = "Vietnamese"
"""The OHMS viewer shows the language by name (its default is "English")."""
ALT_LANGUAGE = "English"
ACCESS_FORMAT = "mp3"
"""The access copy the viewer plays: its player is picked by the address's last three letters."""
q = namespaced(NAMESPACE)


def duration(seconds: float | None) -> str:
    """3725.4 → "1:02:05" (H:MM:SS, truncated)."""
    whole = max(0, int(seconds or 0))
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def access_name(code: str) -> str:
    return f"{code}.{ACCESS_FORMAT}"


def ohms_xml(t: Transcript, media_url: str | None = None) -> str:
    """An OHMS record: metadata in the schema's order, the index, the transcript as WebVTT."""
    ET.register_namespace("", NAMESPACE)
    ET.register_namespace("xsi", XSI)
    root = ET.Element(q("ROOT"), {f"{{{XSI}}}schemaLocation": f"{NAMESPACE} {SCHEMA}"})
    record = sub(root, q("record"), id=str(t.interview.id), dt=date.today().isoformat())
    _metadata(t, record)
    _people_and_subjects(t, record)
    _media(t, record, media_url)
    index = sub(record, q("index"))
    for point in ohms_index(t):
        _point(index, point)
    sub(record, q("type"), "interview")
    sub(record, q("description"), t.interview.notes or "")
    sub(record, q("vtt_transcript"), captions.vtt(t, names_in_text=False, wrap=False))
    sub(record, q("rights"), _rights(t))
    sub(record, q("fmt"), "audio")
    sub(record, q("usage"), t.review_note())
    sub(record, q("userestrict"), "1" if t.restricted else "0")
    return document(root)


def _metadata(t: Transcript, record: ET.Element) -> None:
    i = t.interview
    sub(record, q("version"), VERSION)
    sub(record, q("date"), value=i.date or "", format="yyyy-mm-dd")
    sub(record, q("date_nonpreferred_format"), date_vn(i.date) or "")
    sub(record, q("cms_record_id"), t.code)
    sub(record, q("title"), i.title or t.code)
    sub(record, q("accession"), t.code)
    sub(record, q("duration"), duration(i.length))
    sub(record, q("repository"), t.holding_archive or "")


def _people_and_subjects(t: Transcript, record: ET.Element) -> None:
    subjects = [e.name for e in t.events] + [s for p in t.index for s in p.subjects]
    for subject in dict.fromkeys(subjects):
        sub(record, q("subject"), subject)
    for keyword in dict.fromkeys(t.interview.topic_list + [k for p in t.index for k in p.keywords]):
        sub(record, q("keyword"), keyword)
    for person in t.witnesses:
        sub(record, q("interviewee"), person.name)
    for person in t.interviewers:
        sub(record, q("interviewer"), person.name)


def _media(t: Transcript, record: ET.Element, media_url: str | None) -> None:
    translated = any(point.has_alt for point in t.index)
    sub(record, q("format"), "audio/mpeg")
    sub(record, q("file_name"), access_name(t.code))
    sub(record, q("transcript_alt_lang"), ALT_LANGUAGE if translated else "")
    sub(record, q("translate"), "1" if translated else "0")
    sub(record, q("media_url"), media_url or "")
    media = sub(record, q("mediafile"))
    sub(media, q("host"), "Other")
    sub(media, q("clip_format"), "audio")
    sub(record, q("language"), LANGUAGE)


def _rights(t: Transcript) -> str:
    until = f" đến {date_vn(t.interview.consent_until)}" if t.interview.consent_until else ""
    return f"Quyền công bố: {CONSENT_VN.get(t.consent, t.consent)}{until}"


def _point(index: ET.Element, point: IndexPoint) -> None:
    element = sub(index, q("point"))
    sub(element, q("time"), str(int(point.time)))
    for name in ("title", "partial_transcript", "synopsis"):
        sub(element, q(name), getattr(point, name))
        sub(element, q(f"{name}_alt"), getattr(point, f"{name}_alt"))
    for name in ("keywords", "subjects"):
        sub(element, q(name), ";".join(getattr(point, name)))
        sub(element, q(f"{name}_alt"), ";".join(getattr(point, f"{name}_alt")))


def ohms_index(t: Transcript) -> list[IndexPoint]:
    """The index editors placed; without one, a point per passage an editor tagged (its people, places and events
    as keywords), else the opening of the interview, so the viewer always has an entry."""
    if t.index:
        return t.index
    points = []
    for line in t.lines:
        tags = t.tags.get(line.id, [])
        if tags:
            events = [tag.name for tag in tags if tag.kind == "event"]
            title = "; ".join(events or [tag.name for tag in tags])
            points.append(
                IndexPoint(
                    0,
                    t.interview.id,
                    line.start,
                    title,
                    line.text,
                    opening(line.text),
                    [tag.name for tag in tags],
                    events,
                )
            )
    if not points and t.lines:
        title = t.interview.title or t.code
        points.append(
            IndexPoint(
                0,
                t.interview.id,
                0,
                title,
                t.interview.notes or "",
                opening(t.lines[0].text),
                t.interview.topic_list,
                [e.name for e in t.events],
            )
        )
    return points


def opening(text: str, words: int = 12) -> str:
    """The first words heard, as an index point's partial transcript."""
    split = text.split()
    return " ".join(split[:words]) + (" …" if len(split) > words else "")
