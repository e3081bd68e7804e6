"""Word documents (DOCX) for print: a transcript with its metadata header, and the quotes chosen for a book.

python-docx is imported here and nowhere else. Word picks a font per script: Latin text uses the ``ascii`` and
``hAnsi`` fonts, but a run Word classes as complex-script or East-Asian uses ``cs`` or ``eastAsia``, and a theme
font overrides all of them. Vietnamese letters with two marks (ệ, ở, ự …) then fall back to a font without them and
print as boxes, so every style names one font that has them for all four slots and no theme font.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor, Twips

from pipeline.publishing.quote_records import QuoteGroup, inner_quotes
from pipeline.publishing.transcript import CONSENT_VN, Transcript, clock, date_vn

FONT = "Times New Roman"
"""Ships with Windows, macOS and LibreOffice (as a metric twin) and has every Vietnamese letter."""
LANGUAGE = "vi-VN"
GREY = RGBColor(0x66, 0x66, 0x66)
RED = RGBColor(0xB0, 0x00, 0x20)
STYLES = ("Normal", "Title", "Heading 1", "Heading 2", "Quote", "Table Grid")


def _fonts(element, font: str = FONT) -> None:
    """Name ``font`` for every script of a style or run and drop the theme fonts that would override it."""
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in list(fonts.attrib):
        if attribute.endswith("Theme"):
            del fonts.attrib[attribute]
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), font)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    for slot in ("w:val", "w:eastAsia", "w:bidi"):
        lang.set(qn(slot), LANGUAGE)


def new_document(title: str, footer: str):
    """An A4 document whose every style prints Vietnamese, with ``footer`` and the page number at the foot."""
    doc = Document()
    for section in doc.sections:
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.left_margin = section.right_margin = Cm(2.5)
        section.top_margin = section.bottom_margin = Cm(2)
        paragraph = section.footer.paragraphs[0]
        add_text(paragraph, f"{footer} · trang ", size=9, colour=GREY)
        _page_number(paragraph)
    for name in STYLES:
        style = doc.styles[name]
        _fonts(style.element)
        style.font.name = FONT
        if style.font.color is not None and name != "Normal":
            style.font.color.rgb = RGBColor(0, 0, 0)
    doc.styles["Normal"].font.size = Pt(12)
    doc.core_properties.title = title
    doc.core_properties.language = LANGUAGE
    doc.core_properties.author = "Lời Kể"
    return doc


def _page_number(paragraph) -> None:
    run = add_text(paragraph, "", size=9, colour=GREY)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            node = OxmlElement("w:fldChar")
            node.set(qn("w:fldCharType"), kind)
        else:
            node = OxmlElement("w:instrText")
            node.set(qn("xml:space"), "preserve")
            node.text = text
        run._r.append(node)


def add_text(
    paragraph,
    text: str,
    bold: bool = False,
    italic: bool = False,
    size: float | None = None,
    colour: RGBColor | None = None,
):
    """A run of ``text`` at the end of ``paragraph``, in the font every Vietnamese letter prints in."""
    run = paragraph.add_run(text)
    run.bold, run.italic = bold or None, italic or None
    if size:
        run.font.size = Pt(size)
    if colour is not None:
        run.font.color.rgb = colour
    _fonts(run._r)
    return run


def _save(doc) -> bytes:
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


CELL_MARGIN = 108
"""Twips (0.19 cm) of space Table Grid keeps inside each cell, left and right."""


def _facts_table(doc, facts: list[tuple[str, str]]) -> None:
    """Two columns inside the margins: fixed widths (Word and LibreOffice otherwise size the grid themselves) and
    indented by the cell margin, so the left border sits on the margin whether the reader aligns tables by their
    text (Word 2010 and LibreOffice) or by their border (Word 2013 and later)."""
    section = doc.sections[-1]
    text_width = (section.page_width - section.left_margin - section.right_margin) // 635  # EMU → twips
    widths = [Cm(4.5).twips, text_width - 2 * CELL_MARGIN - Cm(4.5).twips]
    table = doc.add_table(rows=0, cols=2)
    table.style = doc.styles["Table Grid"]
    table.autofit = False
    width = table._tbl.tblPr.find(qn("w:tblW"))
    indent = OxmlElement("w:tblInd")
    width.addnext(indent)  # the schema's order: tblW, jc, tblCellSpacing, tblInd …
    for element, value in ((width, sum(widths)), (indent, CELL_MARGIN)):
        element.set(qn("w:w"), str(value))
        element.set(qn("w:type"), "dxa")
    for column, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths):
        column.set(qn("w:w"), str(width))
    for label, value in facts:
        cells = table.add_row().cells
        add_text(cells[0].paragraphs[0], label, bold=True, size=10)
        add_text(cells[1].paragraphs[0], value, size=10)
        for cell, width in zip(cells, widths):
            cell.width = Twips(width)


def transcript_facts(t: Transcript) -> list[tuple[str, str]]:
    i = t.interview
    witnesses = "; ".join(
        p.name + (f" (sinh năm {p.birth_year})" if p.birth_year else "") + "".join(f"; {r.title}" for r in p.roles)
        for p in t.witnesses
    )
    consent = CONSENT_VN.get(t.consent, t.consent) + (f" đến {date_vn(i.consent_until)}" if i.consent_until else "")
    facts = [
        ("Mã bản ghi", t.code),
        ("Nhân chứng", witnesses),
        ("Người phỏng vấn", "; ".join(p.name for p in t.interviewers)),
        ("Ngày phỏng vấn", date_vn(i.date) or ""),
        ("Nơi phỏng vấn", ", ".join(x for x in [i.place, *t.place_path] if x)),
        ("Sự kiện", "; ".join(e.name for e in t.events)),
        ("Thời lượng", clock(i.duration)),
        ("Tệp gốc", i.source_path or ""),
        ("Quyền công bố", consent),
    ]
    return [(label, value) for label, value in facts if value]


def transcript_docx(t: Transcript, speakers: bool = True) -> bytes:
    """A print-ready transcript: title, a table of the facts, what the text is, then one paragraph a segment."""
    title = t.interview.title or t.code
    doc = new_document(f"{t.code} — {title}", f"Lời Kể · {t.code}")
    doc.add_heading(title, level=0)
    if t.restricted:
        add_text(
            doc.add_paragraph(),
            f"{CONSENT_VN.get(t.consent, t.consent).upper()} — không công bố khi chưa được phép.",
            bold=True,
            colour=RED,
        )
    _facts_table(doc, transcript_facts(t))
    note = doc.add_paragraph()
    add_text(note, t.review_note(), italic=True, size=10)
    add_text(
        note, "\nĐoạn máy phiên âm chưa sửa in nghiêng, có ghi [máy]; đoạn đã sửa ghi [sửa].", italic=True, size=10
    )
    doc.add_heading("Lời kể", level=1)
    for line in t.lines:
        paragraph = doc.add_paragraph()
        paragraph.paragraph_format.left_indent = Cm(2.2)
        paragraph.paragraph_format.first_line_indent = Cm(-2.2)
        paragraph.paragraph_format.space_after = Pt(4)
        add_text(paragraph, clock(line.start) + "\t", size=9, colour=GREY)
        if speakers and line.speaker:
            add_text(paragraph, f"{line.speaker}: ", bold=True)
        add_text(paragraph, line.text, italic=line.machine)
        if line.review_status != "verified":
            mark = "máy" if line.machine else "sửa"
            add_text(paragraph, f" [{mark}]", size=8, colour=GREY)
    return _save(doc)


def quotes_docx(groups: list[QuoteGroup], title: str, subtitle: str) -> bytes:
    """The quotes for a manuscript, grouped under headings, each with its ready citation."""
    doc = new_document(title, "Lời Kể · trích dẫn")
    doc.add_heading(title, level=0)
    if subtitle:
        add_text(doc.add_paragraph(), subtitle, italic=True, size=10)
    for group in groups:
        doc.add_heading(group.heading, level=1)
        for quote in group.quotes:
            if quote.restricted:
                add_text(
                    doc.add_paragraph(),
                    f"[{CONSENT_VN.get(quote.consent, quote.consent).upper()}]",
                    bold=True,
                    size=9,
                    colour=RED,
                )
            add_text(doc.add_paragraph(style="Quote"), f"“{inner_quotes(quote.text)}”")
            add_text(doc.add_paragraph(), quote.citation, size=11)
            details = doc.add_paragraph()
            add_text(details, quote.details(), size=9, colour=GREY)
            if quote.comment:
                add_text(details, f"\nGhi chú: {quote.comment}", size=9, colour=GREY)
            details.add_run().add_break(WD_BREAK.LINE)
    return _save(doc)
