"""TEI P5 for transcribed speech, valid against ``tei_all`` 4.3.0 (tests/fixtures/schemas/tei_all.rng).

It follows chapter 8 of the Guidelines ("Transcriptions of Speech") in the shape ISO 24624 uses: a ``<timeline>``
of ``<when>`` points, each ``interval`` seconds ``since`` the origin, and one ``<u who start end>`` per segment, its
review status in ``@ana`` and the people, places and events an editor tagged it with in ``@corresp``. The header
names the access copy (``<media url>``), the topics and events (``<textClass>``) and the language
(``<langUsage>``); the places and events tagged are listed in ``<standOff>``; the index editors placed is a
``<div type="index">`` in ``<front>``, each point synchronous (``@synch``) with its moment on the timeline.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from pipeline.database.models import Person, Tag
from pipeline.publishing import ohms
from pipeline.publishing.transcript import CONSENT_VN, REVIEW_VN, Transcript
from pipeline.publishing.xml_elements import XML_ID, XML_LANG, document, namespaced, sub
from pipeline.speech import flags

NAMESPACE = "http://www.tei-c.org/ns/1.0"
AVAILABILITY = {"allowed": "free", "restricted": "restricted", "embargoed": "restricted", "unknown": "unknown"}
q = namespaced(NAMESPACE)
TAG_ID = {"person": "p", "place": "place-", "event": "event-"}


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


def tag_id(tag: Tag) -> str:
    return f"{TAG_ID[tag.kind]}{tag.id}"


def tei_xml(t: Transcript, media_url: str | None = None) -> str:
    """TEI P5: header, the tagged places and events, then the timeline, the index and one ``<u>`` per segment."""
    ET.register_namespace("", NAMESPACE)
    root = ET.Element(q("TEI"), {XML_LANG: "vi"})
    header = sub(root, q("teiHeader"))
    _file_desc(t, sub(header, q("fileDesc")), media_url)
    sub(sub(sub(header, q("encodingDesc")), q("editorialDecl")), q("p"), t.review_note())
    _profile(t, sub(header, q("profileDesc")))
    _stand_off(t, root)
    text = sub(root, q("text"))
    ids = _timeline(t, sub(text, q("timeline"), unit="s", origin="#T0"))
    _index(t, text, ids)
    who = speaker_ids(t)
    body = sub(text, q("body"))
    for line in t.lines:
        tags = " ".join(f"#{tag_id(tag)}" for tag in t.tags.get(line.id, []))
        utterance = sub(
            body,
            q("u"),
            None if line.unwritten else line.text,
            **{
                XML_ID: f"u{line.idx + 1}",
                "who": f"#{who[line.speaker]}" if line.speaker else None,
                "start": f"#{ids[_ms(line.start)]}",
                "end": f"#{ids[_ms(max(line.end, line.start))]}",
                "ana": f"#review-{line.review_status}",
                "corresp": tags or None,
            },
        )
        if line.unwritten:  # TEI's own mark for what a transcription leaves out, with the reason in words
            sub(sub(utterance, q("gap"), reason="untranscribed"), q("desc"), flags.UNWRITTEN_VN)
    interp = sub(sub(text, q("back")), q("interpGrp"), type="review")
    for status, label in REVIEW_VN.items():
        sub(interp, q("interp"), label, **{XML_ID: f"review-{status}"})
    return document(root)


def _file_desc(t: Transcript, file_desc: ET.Element, media_url: str | None) -> None:
    i = t.interview
    sub(sub(file_desc, q("titleStmt")), q("title"), i.title or t.code)
    publication = sub(file_desc, q("publicationStmt"))
    sub(publication, q("publisher"), "Lời Kể")
    if t.holding_archive:
        sub(publication, q("distributor"), t.holding_archive)
    sub(publication, q("idno"), t.code, type="loike")
    availability = sub(publication, q("availability"), status=AVAILABILITY.get(t.consent, "unknown"))
    until = f" đến {i.consent_until}" if i.consent_until else ""
    sub(availability, q("p"), f"Quyền công bố: {CONSENT_VN.get(t.consent, t.consent)}{until}")
    recording = sub(
        sub(sub(file_desc, q("sourceDesc")), q("recordingStmt")),
        q("recording"),
        type="audio",
        dur=f"PT{float(i.duration or 0):.3f}S",
    )
    sub(recording, q("media"), mimeType="audio/mpeg", url=media_url or ohms.access_name(t.code))
    if i.date:
        sub(recording, q("date"), i.date, when=i.date)


def _profile(t: Transcript, profile: ET.Element) -> None:
    i = t.interview
    language = sub(profile, q("langUsage"))
    sub(language, q("language"), "Tiếng Việt", ident="vi")
    participants = ET.Element(q("listPerson"))
    _participants(t, participants)
    if len(participants):  # TEI allows no empty list: an interview nobody is named in has none
        sub(profile, q("particDesc")).append(participants)
    setting = sub(sub(profile, q("settingDesc")), q("setting"))
    for name in [i.place, *t.place_path]:
        if name:
            sub(setting, q("placeName"), name)
    if i.date:
        sub(setting, q("date"), i.date, when=i.date)
    if i.topic_list or t.events:
        classes = sub(profile, q("textClass"))
        if i.topic_list:
            topics = sub(classes, q("keywords"), n="topics")
            for topic in i.topic_list:
                sub(topics, q("term"), topic)
        if t.events:
            events = sub(classes, q("keywords"), n="events")
            for event in t.events:
                sub(events, q("term"), event.name, ref=f"#event-{event.id}")


def _tagged(t: Transcript) -> dict[str, dict[int, str]]:
    """Every place and event the transcript needs listed, by kind: those tagged and the interview's events."""
    found: dict[str, dict[int, str]] = {"place": {}, "event": {e.id: e.name for e in t.events}}
    for tags in t.tags.values():
        for tag in tags:
            if tag.kind in found:
                found[tag.kind][tag.id] = tag.name
    return found


def _stand_off(t: Transcript, root: ET.Element) -> None:
    tagged = _tagged(t)
    if not any(tagged.values()):
        return
    stand_off = sub(root, q("standOff"))
    if tagged["place"]:
        places = sub(stand_off, q("listPlace"))
        for place_id, name in tagged["place"].items():
            sub(sub(places, q("place"), **{XML_ID: f"place-{place_id}"}), q("placeName"), name)
    if tagged["event"]:
        dates = {e.id: e for e in t.events}
        events = sub(stand_off, q("listEvent"))
        for event_id, name in tagged["event"].items():
            known = dates.get(event_id)
            when = _iso(known.date_start) if known else None
            event = sub(events, q("event"), **{XML_ID: f"event-{event_id}", "when": when})
            sub(event, q("label"), name)


def _iso(value: str | None) -> str | None:
    return value if value and re.fullmatch(r"\d{4}(-\d\d){0,2}", value) else None


def _participants(t: Transcript, listing: ET.Element) -> None:
    known: dict[int, tuple[str, Person | None]] = {
        **{p.id: ("witness", p) for p in t.witnesses},
        **{p.id: ("interviewer", p) for p in t.interviewers},
    }
    for name, xml_id in speaker_ids(t).items():
        line = next(x for x in t.lines if x.speaker == name)
        if line.person_id and line.person_id not in known:
            known[line.person_id] = ("speaker", None)
        if not line.person_id:
            person = sub(listing, q("person"), **{XML_ID: xml_id, "role": "speaker"})
            sub(person, q("persName"), name)
    for tags in t.tags.values():
        for tag in tags:
            if tag.kind == "person" and tag.id not in known:
                known[tag.id] = ("mentioned", None)
    names = {tag.id: tag.name for tags in t.tags.values() for tag in tags if tag.kind == "person"}
    for person_id, (role, p) in known.items():
        sex = {"nam": "M", "nữ": "F"}.get(p.sex or "") if p else None
        element = sub(listing, q("person"), **{XML_ID: f"p{person_id}", "role": role, "sex": sex})
        shown = p.name if p else next((x.speaker for x in t.lines if x.person_id == person_id), names.get(person_id))
        sub(element, q("persName"), shown)
        if p and p.birth_year:
            sub(element, q("birth"), when=f"{p.birth_year:04d}")
        for r in p.roles if p else []:
            years = {"from": str(r.start_year) if r.start_year else None, "to": str(r.end_year) if r.end_year else None}
            sub(element, q("occupation"), r.title, **years)


def _index(t: Transcript, text: ET.Element, ids: dict[int, str]) -> None:
    if not t.index:
        return
    index = sub(sub(text, q("front")), q("div"), type="index")
    for point in t.index:
        div = sub(index, q("div"), type="point", synch=f"#{ids[_ms(point.time)]}")
        sub(div, q("head"), point.title)
        if point.title_alt:
            sub(div, q("head"), point.title_alt, **{XML_LANG: "en"})
        for name, kind in (("partial_transcript", "partial"), ("synopsis", "synopsis")):
            for value, lang in ((getattr(point, name), None), (getattr(point, f"{name}_alt"), "en")):
                if value:
                    sub(div, q("ab"), value, type=kind, **{XML_LANG: lang})
        for name in ("keywords", "subjects"):
            for values, lang in ((getattr(point, name), None), (getattr(point, f"{name}_alt"), "en")):
                if values:
                    listing = sub(div, q("list"), type=name, **{XML_LANG: lang})
                    for value in values:
                        sub(listing, q("item"), value)


def _ms(seconds: float) -> int:
    return max(0, round(float(seconds) * 1000))


def _timeline(t: Transcript, timeline: ET.Element) -> dict[int, str]:
    """A ``<when>`` for every distinct segment boundary and index point (to the millisecond); returns ms → xml:id."""
    sub(timeline, q("when"), **{XML_ID: "T0", "absolute": "00:00:00"})
    ids = {0: "T0"}
    moments = {_ms(x) for line in t.lines for x in (line.start, max(line.end, line.start))}
    moments |= {_ms(point.time) for point in t.index}
    for n, ms in enumerate(sorted(moments - {0}), 1):
        ids[ms] = f"T{n}"
        sub(timeline, q("when"), **{XML_ID: f"T{n}", "interval": f"{ms / 1000:.3f}", "since": "#T0"})
    return ids
