"""What the XML exports (OHMS, TEI, Dublin Core) share: a child element with only the attributes that have a value,
and the document as text. ElementTree escapes every text and attribute, so a transcript holding "<script>" or "&"
stays text."""

from __future__ import annotations

import xml.etree.ElementTree as ET

XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XSI = "http://www.w3.org/2001/XMLSchema-instance"


def sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str | None) -> ET.Element:
    """A child of ``parent``; attributes given None are left out."""
    element = ET.SubElement(parent, tag, {k: v for k, v in attributes.items() if v is not None})
    if text:
        element.text = text
    return element


def document(root: ET.Element) -> str:
    """The whole document, indented, with its XML declaration."""
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def namespaced(namespace: str):
    """``q("record")`` → "{namespace}record"."""
    return lambda tag: f"{{{namespace}}}{tag}"
