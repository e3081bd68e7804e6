"""The confidence marks in the review app: the same words as on the sheet (``speech.confidence`` through
``publishing.review_sheets``), each with the number behind it on hover and its time, so the desk can jump to it and
play only the uncertain stretches."""

from __future__ import annotations

from markupsafe import Markup, escape

from pipeline.publishing import review_sheets, templating


def marked_html(text: str, words: list[tuple]) -> Markup:
    """A line's text as HTML for its editable box: escaped, each uncertain word in a ``low-confidence`` span with
    its number as a title and its times as data; plain text when nothing is marked or the words no longer spell
    the line (it was edited). ``words``: rows of (segment id, text, probability, lowest, start, end), as
    ``database.desk_words`` gives them."""
    marks = review_sheets.word_marks(words)
    if not any(mark is not None for mark in marks):
        return escape(text)
    spans = review_sheets.word_spans(text, words)
    if spans is None:
        return escape(text)
    safe = escape if any(c in text for c in "<>&'\"") else str  # most lines have nothing to escape
    html, position = [], 0
    for (start, end), mark, word in zip(spans, marks, words):
        if mark is None or end <= start:
            continue
        html.append(safe(text[position:start]))
        html.append(
            f'<span class="low-confidence" title="Độ tin cậy thấp: {templating.percent(mark)}" '
            f'data-start="{word[4]:.2f}" data-end="{word[5]:.2f}">{safe(text[start:end])}</span>'
        )
        position = end
    html.append(safe(text[position:]))
    return Markup("".join(html))
