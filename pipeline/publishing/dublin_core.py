"""A Dublin Core record per interview (the OAI-PMH ``oai_dc`` shape every repository harvests): what it is, who
speaks and asks, about what, where and when, in which language, who holds it and what may be done with it."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from pipeline.publishing import ohms
from pipeline.publishing.transcript import CONSENT_VN, Transcript, date_vn
from pipeline.publishing.xml_elements import XSI, document, namespaced, sub

OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
dc = namespaced(DC)


def dublin_core_xml(t: Transcript) -> str:
    i = t.interview
    ET.register_namespace("oai_dc", OAI_DC)
    ET.register_namespace("dc", DC)
    ET.register_namespace("xsi", XSI)
    root = ET.Element(f"{{{OAI_DC}}}dc", {f"{{{XSI}}}schemaLocation": f"{OAI_DC} {OAI_DC_SCHEMA}"})
    sub(root, dc("title"), i.title or t.code)
    for person in t.witnesses:
        sub(root, dc("creator"), person.name)
    for person in t.interviewers:
        sub(root, dc("contributor"), person.name)
    for subject in dict.fromkeys([e.name for e in t.events] + i.topic_list):
        sub(root, dc("subject"), subject)
    sub(root, dc("description"), " ".join(x for x in (i.notes, t.review_note()) if x))
    if i.date:
        sub(root, dc("date"), i.date)
    sub(root, dc("type"), "Sound")
    sub(root, dc("type"), "Oral history interview")
    sub(root, dc("format"), "audio/mpeg")
    sub(root, dc("identifier"), t.code)
    sub(root, dc("source"), ohms.access_name(t.code))
    sub(root, dc("language"), "vi")
    if t.place_path:
        sub(root, dc("coverage"), ", ".join(t.place_path))
    if t.holding_archive:
        sub(root, dc("publisher"), t.holding_archive)
    until = f" đến {date_vn(i.consent_until)}" if i.consent_until else ""
    sub(root, dc("rights"), f"Quyền công bố: {CONSENT_VN.get(t.consent, t.consent)}{until}")
    return document(root)
