"""Flags on segments that are likely machine hallucinations: text Whisper invents on silence, music or noise.

A flag never removes anything: the segment is stored and shown as heard, with a mark and its reasons, and an
editor decides. Pure functions over a ``models.MachineSegment``; matching is done on folded text (``text.fold``), so
NFC, NFD and untoned spellings match alike.
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
NO_SPEECH_PROB = 0.6
AVG_LOGPROB = -1.0
"""faster-whisper's ``no_speech_threshold`` and ``log_prob_threshold``: a window is taken as silence only when
the model both thinks there is no speech and is unsure of what it wrote; either alone happens on real speech
that is quiet or hard to make out (https://github.com/SYSTRAN/faster-whisper, ``TranscriptionOptions``)."""
VAD_SPEECH_MIN = 0.2
"""A segment is flagged when under this share of its time lies in speech Silero VAD found (measured without
padding, see ``transcribe.SPEECH_CHECK``). Real speech measured 92–100 % on the espeak dialogue and 49–100 %
(5th percentile 67 %) over a 10-minute recording of the evaluation clips with 1–3 s pauses; the sentences
Whisper wrote across silence broken by short bursts of sound measured 4–7 % (docs/benchmarks.md, "Segments
where VAD found no speech"). 20 % still lets a slow witness fill one second of a five-second segment."""


REASONS_VN = {
    "known_phrase": "câu quen thuộc máy hay tự sinh",
    "repetition": "lặp lại",
    "compression": "lặp/nén bất thường",
    "no_speech": "có thể không có tiếng nói",
    "vad_no_speech": "không nghe thấy tiếng nói",
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
    if (
        segment.no_speech_prob is not None
        and segment.avg_logprob is not None
        and segment.no_speech_prob > NO_SPEECH_PROB
        and segment.avg_logprob < AVG_LOGPROB
    ):
        found.append(
            Flag(
                "no_speech",
                f"no_speech_prob {segment.no_speech_prob:.2f} > {NO_SPEECH_PROB} and "
                f"avg_logprob {segment.avg_logprob:.2f} < {AVG_LOGPROB}",
            )
        )
    if segment.speech_fraction is not None and segment.speech_fraction < VAD_SPEECH_MIN:
        found.append(
            Flag("vad_no_speech", f"VAD found speech in {segment.speech_fraction:.0%} of it (< {VAD_SPEECH_MIN:.0%})")
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


def codes(segment: MachineSegment) -> list[str]:
    """The flag codes of ``segment``, as stored (``segments.flags``, comma-separated)."""
    return [flag.code for flag in flags(segment)]


def parse(value: str | list | None) -> list[str]:
    """Stored flags ("known_phrase,repetition" or NULL), or a list already, as a list of codes."""
    if isinstance(value, (list, tuple)):
        return [str(code) for code in value if code]
    return [code.strip() for code in str(value or "").split(",") if code.strip()]
