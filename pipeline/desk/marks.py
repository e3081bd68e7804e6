"""The confidence marks in the review app: the same words as on the sheet (``speech.confidence`` through
``publishing.review_sheets``), each with the number behind it and its time, so the desk can show it on hover, jump
to it and play only the uncertain stretches.

The page is shown first and the marks are fetched after it (``interview_marks``): reading a 2,000-line interview's
40,000 words costs more than the rest of the page, and an editor can start listening meanwhile.
"""

from __future__ import annotations

from pipeline import database
from pipeline.database import Database
from pipeline.publishing import review_sheets


def interview_marks(db: Database, interview_id: int) -> dict[int, list[tuple[int, int, float, float, float]]]:
    """By segment id: each marked word as (first character, end character in the line's text, the number behind
    the mark, start and end seconds). Lines with nothing marked, or whose words no longer spell them (edited),
    are left out."""
    found = {}
    texts = {segment.id: segment.text for segment in database.segments(db, interview_id, with_words=False)}
    for segment_id, words in database.desk_words(db, interview_id).items():
        marks = review_sheets.word_marks(words)
        if not any(mark is not None for mark in marks):
            continue
        spans = review_sheets.word_spans(texts.get(segment_id, ""), words)
        if spans is None:
            continue
        found[segment_id] = [
            (start, end, mark, word[4], word[5])
            for (start, end), mark, word in zip(spans, marks, words)
            if mark is not None and end > start
        ]
    return found
