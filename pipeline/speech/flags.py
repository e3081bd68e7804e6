"""Flags on segments that are likely machine hallucinations (text Whisper invents on silence, music or noise), and
on speech Whisper heard but wrote nothing for.

A flag never removes anything: the segment is stored and shown as heard, with a mark and its reasons, and an
editor decides. Speech Whisper left unwritten becomes a segment of its own with no text
(``unwritten_stretches``), so it reaches the editor as a gap to fill instead of vanishing. Pure functions over a
``heard.MachineSegment``; matching is done on folded text (``text.fold``), so NFC, NFD and untoned spellings
match alike.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from pipeline.database.heard import MachineSegment
from pipeline.text import fold

KNOWN_PHRASES = (
    # Whisper was trained on subtitled video, so on silence and music it "hears" the closing lines of Vietnamese
    # YouTube channels. Nobody says these in an oral-history interview. Add new ones as editors find them,
    # written as people write them; they are folded before matching. Keep each one specific enough that a
    # witness would not say it.
    "Hãy subscribe cho kênh Ghiền Mì Gõ để không bỏ lỡ những video hấp dẫn",
    "Hẹn gặp lại các bạn trong những video tiếp theo",
    "cảm ơn các bạn đã theo dõi",
    "hãy đăng ký kênh",
    "like và subscribe",
    "nhớ bấm chuông",
    "để không bỏ lỡ",
    "video hấp dẫn",
    "các bạn đã xem video",
    "ghiền mì gõ",
    "thank you for watching",
    "subtitles by",
)

LOOP_RUN = 4
"""A word or n-gram said this many times in a row is a decoding loop, not speech ("cục cục cục cục")."""
LOOP_MAX_N = 4
"""Longest n-gram looked for, in words."""
DOMINANT_MIN_WORDS = 8
"""A segment this long or longer is also flagged when one n-gram makes up over half its words; shorter ones
("dạ, dạ, vâng") are too short to tell."""
COMPRESSION_RATIO = 2.4
"""faster-whisper's own ``compression_ratio_threshold``: text that gzips this well is repeating itself."""
TOO_FAST = 12.0
"""Words (syllables) a second nobody speaks at: a segment of ``TOO_FAST_MIN_WORDS`` words or more said faster is
text Whisper wrote again, not speech. Real speech measured at most 5.7 a second line by line (the dev clips);
over fifteen of bench/suggest_bench.py's sets (espeak-ng, 3.3 a second on the median line), 11 of 2,348 lines
came above 12, and each was made up: a known phrase, or a sentence said earlier written again, nine times in the
last second of a recording ("Chúng tôi đi bộ xuất mề kịp hộ." in 0.06 s, another in 0.02 s), once in a run of
copies ("Hồi bồ sốt mề kịp hộ." three times where "Hồi đó tôi làm liên lạc…" was said)."""
TOO_FAST_MIN_WORDS = 5
"""Fewer words than this are too few for their times to tell: Whisper's word times are a few tenths of a second off."""
# No "no_speech" flag is raised any more (stored ones keep their words in REASONS_VN). It fired when
# no_speech_prob > 0.6 and avg_logprob < -1, and faster-whisper itself drops every 30-second window meeting
# that rule (``no_speech_threshold``, ``log_prob_threshold`` in its ``TranscriptionOptions``) before a segment
# of it is returned: the flag could never fire. Whatever speech such a window held now comes back as a gap
# (``unwritten_stretches``). Switching faster-whisper's rule off instead wrote text for 3 or 7 of 8 such
# sentences on two runs (the fallback samples), at a character error rate of 0.39, none at a lower SNR
# (docs/benchmarks.md, "Speech VAD heard and Whisper did not write"): a gap marks the place for certain.
VAD_SPEECH_MIN = 0.2
"""A segment is flagged when under this share of its time lies in speech Silero VAD found (measured without
padding, see ``transcribe.SPEECH_CHECK``). Real speech measured 92–100 % on the espeak dialogue and 49–100 %
(5th percentile 67 %) over a 10-minute recording of the evaluation clips with 1–3 s pauses; the sentences
Whisper wrote across silence broken by short bursts of sound measured 4–7 % (docs/benchmarks.md, "Segments
where VAD found no speech"). 20 % still lets a slow witness fill one second of a five-second segment."""
UNWRITTEN_MIN_SPEECH = 1.0
"""Speech VAD heard where Whisper wrote nothing becomes a gap segment when it adds up to this many seconds.
Whisper's segments start and end a little inside or outside the speech VAD finds: over 10 minutes of clean speech
the uncovered bits were 0.09 s (median) to 0.44 s long, and joined into 4 gaps where nothing was missing with a
0.3 s minimum, 1 on the telephone band with 0.5 s, none with 1 s. The sentences faster-whisper dropped on noisy
telephone speech came back as the same gaps with 0.5 s or 1 s (median 2.8–3.6 s, up to 8.5 s; docs/benchmarks.md,
"Speech VAD heard and Whisper did not write"). A dropped answer under a second ("Vâng.") is not caught."""
UNWRITTEN_JOIN = 2.0
"""Unwritten bits of speech less than this far apart, with no written segment between them, are one gap: the
pause faster-whisper's own VAD lets run on inside speech (``VadOptions.min_silence_duration_ms``)."""
UNWRITTEN_VN = "có tiếng nói, máy không ghi được"
UNWRITTEN_TEXT = f"[{UNWRITTEN_VN}]"
"""What the sheet, the review app and the exports show in place of a gap's missing text."""


REASONS_VN = {
    "known_phrase": "câu quen thuộc máy hay tự sinh",
    "repetition": "lặp lại",
    "compression": "lặp/nén bất thường",
    "too_fast": "quá nhiều chữ so với thời gian nói",
    "no_speech": "có thể không có tiếng nói",  # no longer raised (see above); stored ones still read
    "vad_no_speech": "không nghe thấy tiếng nói",
    "unwritten_speech": UNWRITTEN_VN,
}
"""Each flag's reason as the review sheets say it."""

_NOT_WORD = re.compile(r"[^\w]+")


@dataclass(frozen=True)
class Flag:
    code: str  # one of REASONS_VN
    reason: str  # what was found, for logs and tests


def words(text: str) -> list[str]:
    """Folded words without punctuation: "Cục, cục… CỤC" → ["cuc", "cuc", "cuc"]."""
    return _NOT_WORD.sub(" ", fold(text)).split()


_PHRASES = tuple(" ".join(words(phrase)) for phrase in KNOWN_PHRASES)


def known_phrase(text: str) -> str | None:
    """The first known hallucination phrase (folded) found in ``text`` as whole words, or None."""
    padded = f" {' '.join(words(text))} "
    return next((phrase for phrase in _PHRASES if f" {phrase} " in padded), None)


def _run_length(tokens: list[str], start: int, n: int) -> int:
    """How many times the n-gram at ``start`` repeats back to back from there."""
    gram = tokens[start : start + n]
    count = 1
    while tokens[start + count * n : start + (count + 1) * n] == gram:
        count += 1
    return count


def repetition(text: str) -> str | None:
    """What loops in ``text``: a run of one n-gram, or an n-gram covering over half a long segment; or None."""
    tokens = words(text)
    for n in range(1, LOOP_MAX_N + 1):
        for start in range(len(tokens) - n * LOOP_RUN + 1):
            if _run_length(tokens, start, n) >= LOOP_RUN:
                return f"{' '.join(tokens[start : start + n])!r} {LOOP_RUN}+ times in a row"
    if len(tokens) < DOMINANT_MIN_WORDS:
        return None
    for n in range(1, LOOP_MAX_N + 1):
        grams = Counter(tuple(tokens[i : i + n]) for i in range(0, len(tokens) - n + 1))
        for gram, count in grams.most_common(1):
            if count * n > len(tokens) / 2:
                return f"{' '.join(gram)!r} makes up over half of {len(tokens)} words"
    return None


def flags(segment: MachineSegment) -> list[Flag]:
    """Every reason to think ``segment`` was made up by the model rather than heard; [] for a clean one."""
    found = []
    phrase = known_phrase(segment.text)
    if phrase:
        found.append(Flag("known_phrase", f"contains {phrase!r}"))
    loop = repetition(segment.text)
    if loop:
        found.append(Flag("repetition", loop))
    if segment.compression_ratio is not None and segment.compression_ratio > COMPRESSION_RATIO:
        found.append(Flag("compression", f"compression ratio {segment.compression_ratio:.2f} > {COMPRESSION_RATIO}"))
    said = len(words(segment.text))
    if said >= TOO_FAST_MIN_WORDS and said > TOO_FAST * (segment.end - segment.start):
        found.append(Flag("too_fast", f"{said} words in {segment.end - segment.start:.2f} s (> {TOO_FAST:g} a second)"))
    if segment.speech_fraction is not None and segment.speech_fraction < VAD_SPEECH_MIN:
        found.append(
            Flag("vad_no_speech", f"VAD found speech in {segment.speech_fraction:.0%} of it (< {VAD_SPEECH_MIN:.0%})")
        )
    elif segment.speech_fraction is not None and not segment.text.strip():
        found.append(
            Flag(
                "unwritten_speech",
                f"VAD found speech in {segment.speech_fraction:.0%} of its "
                f"{segment.end - segment.start:.1f} s and it has no text",
            )
        )
    return found


def speech_share(start: float, end: float, speech: list[tuple[float, float]]) -> float:
    """The share (0–1) of [start, end] covered by the ``speech`` spans (seconds, sorted, not overlapping).

    A segment with no length counts as covered when its instant lies in speech.
    """
    if end <= start:
        return 1.0 if any(a <= start <= b for a, b in speech) else 0.0
    covered = sum(max(0.0, min(end, b) - max(start, a)) for a, b in speech)
    return min(1.0, covered / (end - start))


def unwritten_stretches(
    heard: list[tuple[float, float]],
    written: list[tuple[float, float]],
    minimum: float = UNWRITTEN_MIN_SPEECH,
    join: float = UNWRITTEN_JOIN,
) -> list[tuple[float, float]]:
    """Where VAD ``heard`` speech that no ``written`` segment covers, as (start, end) seconds: the uncovered bits
    of speech, joined across pauses under ``join`` s that hold no written segment, kept where they add up to
    ``minimum`` s of speech. ``heard``: sorted, not overlapping; ``written``: (start, end) in any order."""
    gaps: list[list[tuple[float, float]]] = []
    for bit in uncovered(heard, sorted(written)):
        last = gaps[-1][-1] if gaps else None
        if last and bit[0] - last[1] < join and not any(s < bit[0] and e > last[1] for s, e in written):
            gaps[-1].append(bit)
        else:
            gaps.append([bit])
    return [(gap[0][0], gap[-1][1]) for gap in gaps if sum(b - a for a, b in gap) >= minimum]


def uncovered(heard: list[tuple[float, float]], written: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The parts of the ``heard`` spans outside every ``written`` span (sorted by start)."""
    bits = []
    for start, end in heard:
        at = start
        for s, e in written:
            if e <= at or s >= end:
                continue
            if s > at:
                bits.append((at, s))
            at = max(at, e)
        if at < end:
            bits.append((at, end))
    return bits


def codes(segment: MachineSegment) -> list[str]:
    """The flag codes of ``segment``, as stored (``segments.flags``, comma-separated)."""
    return [flag.code for flag in flags(segment)]


def made_up(codes: list[str]) -> list[str]:
    """The codes that say the text may be made up by the model (all but ``unwritten_speech``, which says the
    opposite: there was speech and no text)."""
    return [code for code in codes if code != "unwritten_speech"]


def unwritten_gap(text: str | None, codes: list[str]) -> bool:
    """Whether a segment still stands for speech nobody has written: flagged ``unwritten_speech`` and without
    text. Once an editor types what was said it is an ordinary (edited) segment."""
    return "unwritten_speech" in codes and not (text or "").strip()


def standing(text: str | None, codes: list[str]) -> list[str]:
    """The codes that still hold for a segment with ``text``: ``unwritten_speech`` goes once the gap is filled."""
    return codes if unwritten_gap(text, codes) else made_up(codes)


def parse(value: str | list | None) -> list[str]:
    """Stored flags ("known_phrase,repetition" or NULL), or a list already, as a list of codes."""
    if isinstance(value, (list, tuple)):
        return [str(code) for code in value if code]
    return [code.strip() for code in str(value or "").split(",") if code.strip()]
