"""Subtitles as people read them: each transcript line cut into cues of at most two lines of 42 characters (the
width captioning guidelines give, e.g. the BBC's and Netflix's), the speaker's name written in the text of a line's
first cue (browsers do not show WebVTT's ``<v>`` voice), the review mark only when asked.

SRT is written in ``exports`` with these cues; WebVTT here, because the OHMS export carries it too (one cue a line,
unwrapped: the OHMS viewer shows a transcript, not captions, and names the speaker from ``<v>``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.publishing.transcript import Line, Transcript

WIDTH = 42
ROWS = 2


@dataclass
class Cue:
    start: float
    end: float
    text: str
    """One or two rows, joined by a line break."""


def one_line(text: str) -> str:
    """A blank line ends a cue in SRT and WebVTT; the stored text has none, an edited one might."""
    return re.sub(r"\s*\n\s*", " ", text).strip()


def rows(text: str, width: int = WIDTH) -> list[str]:
    """``text`` in rows of at most ``width`` characters, broken between words (a longer word keeps its own row)."""
    out: list[str] = []
    for word in one_line(text).split(" "):
        if out and len(out[-1]) + 1 + len(word) <= width:
            out[-1] += " " + word
        else:
            out.append(word)
    return out or [""]


def line_cues(line: Line, name: str | None = None, mark: str | None = None, wrap: bool = True) -> list[Cue]:
    """A line as cues: "Name: " before its text, ``mark`` after it; wrapped, each cue holds two rows and gets the
    line's time in proportion to its characters."""
    text = one_line(line.text)
    text = f"{one_line(name)}: {text}" if name else text
    text = f"{text} {mark}" if mark else text
    start, end = line.start, max(line.end, line.start + 0.001)  # Whisper sometimes gives a segment no length
    if not wrap:
        return [Cue(start, end, text)]
    chunks = [rows(text)[i : i + ROWS] for i in range(0, len(rows(text)), ROWS)]
    total = sum(len(" ".join(chunk)) for chunk in chunks) or 1
    cues, at = [], start
    for chunk in chunks:
        share = (end - start) * len(" ".join(chunk)) / total
        cues.append(Cue(at, min(end, at + share), "\n".join(chunk)))
        at += share
    cues[-1].end = end
    return cues


def timestamp(seconds: float, separator: str) -> str:
    """12.3456 → "00:00:12,346" (SRT) or "00:00:12.346" (WebVTT), rounded to the millisecond."""
    ms = max(0, round(float(seconds) * 1000))
    hours, rest = divmod(ms, 3_600_000)
    return f"{hours:02d}:{rest // 60_000:02d}:{rest % 60_000 // 1000:02d}{separator}{rest % 1000:03d}"


def vtt_escape(text: str) -> str:
    """WebVTT cue text: &, < and > as character references (this also keeps "-->" out of a cue)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def vtt(
    t: Transcript,
    notes: Sequence[str] = (),
    names_in_text: bool = True,
    marks: dict[str, str] | None = None,
    wrap: bool = True,
    status_names: dict[str, str] | None = None,
) -> str:
    """WebVTT: a NOTE with ``notes``, then each line's cues, voiced ``<v Name>``; the review status in each cue's
    identifier ("3 verified", "3.2 verified" for its second cue; named as ``status_names`` says, e.g. "3 [duyệt]"),
    its mark in the text when ``marks`` are given."""
    blocks = ["WEBVTT"]
    if notes:
        blocks.append("NOTE\n" + "\n".join(one_line(note).replace("-->", "->") for note in notes))
    for line in t.lines:
        name = line.speaker if names_in_text else None
        mark = marks.get(line.review_status, line.review_status) if marks else None
        cues = line_cues(line, name, mark, wrap)
        for number, cue in enumerate(cues, 1):
            text = vtt_escape(cue.text)
            if line.speaker:
                text = f"<v {vtt_escape(one_line(line.speaker))}>{text}</v>"
            status = (status_names or {}).get(line.review_status, line.review_status)
            ident = f"{line.idx + 1}" + (f".{number}" if number > 1 else "") + f" {status}"
            blocks.append(f"{ident}\n{timestamp(cue.start, '.')} --> {timestamp(cue.end, '.')}\n{text}")
    return "\n\n".join(blocks) + "\n"
