"""The dossier as a Word document (DOCX) to print and hand out at the workshop: A4, in the fonts and styles of
``publishing.word_documents`` (every Vietnamese letter prints), the questions first, then each witness's passages
with their time codes and what was read from them, then what the workshop settled and its history."""

from __future__ import annotations

import io

from docx.shared import Cm, RGBColor

from pipeline.publishing.word_documents import add_text, new_document
from pipeline.workshop.dossier_records import Dossier
from pipeline.workshop.pages import Links, dossier_view

GREY = RGBColor(0x66, 0x66, 0x66)
RED = RGBColor(0xB0, 0x00, 0x20)
NO_LINKS = Links(audio=lambda p: None, sheet=lambda p: None)


def dossier_docx(d: Dossier) -> bytes:
    """The dossier as DOCX bytes."""
    view = dossier_view(d, NO_LINKS)
    title = f"Hồ sơ {view['kind_vn']}: {view['name']}"
    doc = new_document(title, f"Lời Kể · hồ sơ {view['kind_vn']} · lập ngày {view['made_on']}")
    doc.add_heading(title, level=0)
    _facts(doc, view)
    if view["kind"] == "event":
        _questions(doc, view)
    doc.add_heading("Lời kể theo nhân chứng", level=1)
    for account in view["accounts"]:
        _account(doc, account)
    if view["history"]:
        _history(doc, view["history"])
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _facts(doc, view: dict) -> None:
    facts = [*view["facts"], ("Tư liệu", f"{view['passage_count']} đoạn lời kể từ {view['interview_count']} bản ghi")]
    if view["other_names"]:
        facts.insert(0, ("Tên khác", "; ".join(view["other_names"])))
    for label, value in [*facts, ("Lập ngày", view["made_on"])]:
        paragraph = doc.add_paragraph()
        add_text(paragraph, f"{label}: ", bold=True, size=11)
        add_text(paragraph, value, size=11)
    if view["withheld"]:
        left_out = ", ".join(f"{count} đoạn của {code}" for code, count in view["withheld"])
        add_text(doc.add_paragraph(), f"Không đưa vào hồ sơ (hạn chế hoặc chưa được công bố): {left_out}.", size=10)
    if view["restricted_count"]:
        add_text(
            doc.add_paragraph(),
            f"HỒ SƠ CÓ {view['restricted_count']} ĐOẠN HẠN CHẾ CÔNG BỐ, được đánh dấu: không trích dẫn, không công bố "
            "khi chưa được phép.",
            bold=True,
            colour=RED,
        )


def _questions(doc, view: dict) -> None:
    doc.add_heading("Những điểm các lời kể khác nhau", level=1)
    if not view["questions"]:
        add_text(doc.add_paragraph(), "Theo những gì đọc được, các nhân chứng không nói khác nhau.", italic=True)
    for question in view["questions"]:
        doc.add_heading(question["title"], level=2)
        for side in question["sides"]:
            paragraph = doc.add_paragraph(style="List Bullet")
            add_text(paragraph, f"{side['value']}: ", bold=True)
            add_text(paragraph, "; ".join(f"{w['name']} ({w['cited']})" for w in side["witnesses"]))
        settled = question["conclusion"]
        paragraph = doc.add_paragraph()
        if settled:
            add_text(paragraph, "Hội thảo kết luận: ", bold=True)
            add_text(paragraph, f"{settled['answer']} ({settled['decided_by']}, ngày {settled['decided_on']})")
        else:
            add_text(paragraph, "Kết luận của hội thảo: ", bold=True)
            add_text(paragraph, "." * 60, colour=GREY)


def _account(doc, account: dict) -> None:
    doc.add_heading(account["name"], level=2)
    who = " · ".join(x for x in (account["birth_note"], account["role_then"], ", ".join(account["interviews"])) if x)
    add_text(doc.add_paragraph(), who, italic=True, size=10, colour=GREY)
    for p in account["passages"]:
        where = doc.add_paragraph()
        add_text(where, f"{p['code']} · {p['clock']} · dòng {p['line']} · {p['review']}", size=9, colour=GREY)
        if not p["witness_speaks"]:
            add_text(where, f" · lời {p['speaker'] or 'người khác'}", size=9, colour=GREY)
        if p["restricted"]:
            add_text(where, f" · {p['consent'].upper()}", bold=True, size=9, colour=RED)
        # Indented by hand rather than in the Quote style: python-docx takes 3 ms to give a paragraph a style, a
        # second for a dossier of 200 passages, and 0.1 ms to indent it.
        quote = doc.add_paragraph()
        quote.paragraph_format.left_indent = Cm(1)
        add_text(quote, f"“{p['text']}”", italic=p["review_status"] == "machine")
        read = [
            *(["thời gian " + ", ".join(r["label"] for r in p["dates"])] if p["dates"] else []),
            *(["nơi " + ", ".join(p["places"])] if p["places"] else []),
            *(["người " + ", ".join(p["people"])] if p["people"] else []),
        ]
        if read:
            add_text(doc.add_paragraph(), "Đọc được: " + "; ".join(read), size=9)
        for problem in p["date_problems"]:
            add_text(doc.add_paragraph(), f"⚠ {problem}", size=9, colour=RED)


def _history(doc, history: list[dict]) -> None:
    doc.add_heading("Lịch sử kết luận", level=1)
    table = doc.add_table(rows=1, cols=4)
    table.style = doc.styles["Table Grid"]
    for cell, label in zip(table.rows[0].cells, ("Nội dung", "Kết luận", "Ai quyết định, ngày", "Người ghi")):
        add_text(cell.paragraphs[0], label, bold=True, size=10)
    for c in history:
        answer = (
            c["answer"] + (" (đã thay)" if c["replaced"] else "") + (f". Lý do: {c['reasons']}" if c["reasons"] else "")
        )
        values = (c["aspect_vn"], answer, f"{c['decided_by']}, {c['decided_on']}", f"{c['editor']}, {c['recorded_at']}")
        for cell, value in zip(table.add_row().cells, values):
            add_text(cell.paragraphs[0], value, size=10)
