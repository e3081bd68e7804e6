"""The confidence marks in the review app: the same words as on the sheet (``speech.confidence`` through
``publishing.review_sheets``), each with the number behind it on hover and its time, so the desk can jump to it and
play only the uncertain stretches."""

from __future__ import annotations

from markupsafe import Markup, escape

from pipeline.database.correction_records import DeskWord
from pipeline.publishing import review_sheets, templating


def marked_html(text: str, words: list[DeskWord]) -> Markup:
    """A line's text as HTML for its editable box: escaped, each uncertain word in a ``low-confidence`` span with
    its number as a title and its times as data; plain text when nothing is marked or the words no longer spell
    the line (it was edited)."""
    rows = [(w.segment_id, w.text, w.probability, w.lowest) for w in words]
    marks = review_sheets.word_marks(rows)
    if not any(mark is not None for mark in marks):
        return escape(text)
    spans = review_sheets.word_spans(text, rows)
    if spans is None:
        return escape(text)
    html, position = [], 0
    for (start, end), mark, word in zip(spans, marks, words):
        if mark is None or end <= start:
            continue
        html += [
            escape(text[position:start]),
            Markup(
                f'<span class="low-confidence" title="Độ tin cậy thấp: {templating.percent(mark)}" '
                f'data-start="{word.start:.2f}" data-end="{word.end:.2f}">'
            ),
            escape(text[start:end]),
            Markup("</span>"),
        ]
        position = end
    html.append(escape(text[position:]))
    return Markup("".join(html))
