"""Who is speaking: speaker turns from the voices (or the microphones) in the recording, and a speaker label on
every segment.

Offline throughout. Where the speech is comes from voice activity detection (Silero, which faster-whisper
bundles; the caller hands the regions in), not from Whisper's words, so speech Whisper left without text is
attributed too and a word only has to fall inside a turn. The voices are told apart with resemblyzer's speaker
encoder (a 17 MB model inside its PyPI package; the optional extra ``pip install .[diarize]`` brings it and CPU
torch): one 256-number voice print per 1.6 s window of speech, every 0.4 s, clustered by cosine distance. Every
0.1 s of speech takes the speaker its windows vote for; every word the speaker of the turn it falls in; a
segment is split where its words change speaker. A stereo recording with one microphone per channel needs no
model: the louder channel says who speaks (``microphones``). Without the extra and without such a recording the
labels stay empty and the run says so once.

torch and scipy are imported here only, and lazily; of resemblyzer only the weights file is read.
"""

from __future__ import annotations

import bisect
import contextlib
import ctypes
import importlib.util
import itertools
import logging
from dataclasses import dataclass, replace

import numpy as np

from pipeline.database.heard import MachineSegment
from pipeline.database.models import Word
from pipeline.speech.voice_encoder import WINDOW_SECONDS, Samples, VoiceEncoder

log = logging.getLogger(__name__)

LONGEST_STRETCH = 30.0  # seconds: longer stretches of speech are cut, so one spectrogram stays small


@dataclass(frozen=True)
class DiarizeOptions:
    """How speakers are told apart. Every default is documented here and only here."""

    step_seconds: float = 0.4
    """Hop between 1.6 s voice windows; smaller finds turns more precisely and costs more time."""
    threshold: float = 0.25
    """When the metadata does not say how many speak: if the two most different groups of windows (average
    linkage) are closer than this cosine distance, one person speaks; otherwise the number with the best
    silhouette, 2 to ``max_speakers``. Chosen on the benchmark dialogues (docs/benchmarks.md)."""
    max_speakers: int = 6
    min_share: float = 0.04
    """A cluster with less than this share of the speech is folded into the nearest one: a cough, a laugh."""
    whole_speech: float = 0.9
    """Only the windows of which at least this share is speech (VAD) are clustered; the others take the nearest
    cluster afterwards. A window across a pause mostly spans a change of speaker, its print is neither voice, and
    a handful of them made a cluster of their own where the metadata's count left two voices in one."""
    most_windows: int = 3000
    """At most this many voice prints are clustered, an even sample of a long recording; the others join the
    nearest cluster. Average linkage keeps n²/2 distances: 3,000 windows (20 minutes of speech) take 36 MB, so
    memory does not grow with the recording."""
    frame_seconds: float = 0.1
    """Resolution of the turns."""
    min_turn_seconds: float = 1.0
    """A run given another speaker for less than this, between two runs of one speaker, is that speaker's: a
    voice print over one or two words is unreliable."""
    gap_seconds: float = 0.5
    """Speech regions closer than this are one stretch for the voice windows."""
    vad_silence_seconds: float = 0.3
    """Silero VAD: a pause this long ends a speech region (faster-whisper's default for Whisper is 2 s, which
    would run the silence between two people's turns into one region)."""
    vad_pad_seconds: float = 0.1
    """Silero VAD: each speech region widened by this much either side, for soft word onsets and endings."""
    channel_db: float = 6.0
    """Stereo: the median level difference between the channels over the words must exceed this for the channel
    to decide the speaker (a mono recording copied to both channels differs by 0 dB)."""


@dataclass(frozen=True)
class Turn:
    start: float
    end: float
    speaker: str


def available() -> bool:
    """True when the optional voice model (``pip install .[diarize]``) is installed."""
    return all(importlib.util.find_spec(name) is not None for name in ("resemblyzer", "torch", "scipy"))


def stretches(
    speech: list[tuple[float, float]], gap: float, longest: float = LONGEST_STRETCH
) -> list[tuple[float, float]]:
    """Speech regions joined across pauses under ``gap`` s, and cut into pieces of at most ``longest`` s."""
    joined: list[list[float]] = []
    for start, end in sorted(speech):
        if joined and start - joined[-1][1] <= gap:
            joined[-1][1] = max(joined[-1][1], end)
        elif end > start:
            joined.append([start, end])
    out = []
    for start, end in joined:
        pieces = max(1, int(np.ceil((end - start) / longest)))
        edges = np.linspace(start, end, pieces + 1)
        out += [(float(a), float(b)) for a, b in zip(edges[:-1], edges[1:])]
    return out


# --- clustering ----------------------------------------------------------------------------------


def cluster(
    embeddings: np.ndarray,
    speakers: int | None = None,
    options: DiarizeOptions = DiarizeOptions(),
    among: np.ndarray | None = None,
) -> np.ndarray:
    """A cluster number (0, 1, …) per window: ``speakers`` clusters when known, else as many as the voices.

    Average-linkage agglomeration on cosine distance over at most ``options.most_windows`` windows (of those
    ``among`` marks, when at least half are marked), then every window is moved to its nearest centroid
    (agglomeration alone leaves stragglers on the wrong side), and clusters too small to be a person are folded
    into their nearest neighbour.
    """
    n = len(embeddings)
    if n < 2 or speakers == 1:
        return np.zeros(n, dtype=int)
    chosen = np.flatnonzero(among) if among is not None and 2 * among.sum() >= n else np.arange(n)
    picked = chosen[np.unique(np.linspace(0, len(chosen) - 1, min(len(chosen), options.most_windows)).astype(int))]
    sample = embeddings[picked]
    labels = _agglomerate(sample, speakers, options)
    if len(sample) < n:  # the windows left out join the nearest cluster
        ids, means = _centroids(sample, labels)
        labels = ids[np.argmax(embeddings @ means.T, axis=1)]
    labels = _to_nearest_centroid(embeddings, labels)
    if not speakers:
        labels = _fold_small(embeddings, labels, options.min_share)
    return _renumber(labels)


def _agglomerate(x: np.ndarray, speakers: int | None, options: DiarizeOptions) -> np.ndarray:
    from scipy.cluster.hierarchy import fcluster, linkage

    tree = linkage(x, method="average", metric="cosine")
    if speakers:
        return fcluster(tree, t=min(speakers, len(x)), criterion="maxclust") - 1
    if tree[-1, 2] < options.threshold:  # even the two most different groups are one voice
        return np.zeros(len(x), dtype=int)
    # the cut with the best silhouette: a fixed distance splits some voices and not others
    cuts = [fcluster(tree, t=k, criterion="maxclust") - 1 for k in range(2, min(options.max_speakers, len(x)) + 1)]
    return max(cuts, key=lambda cut: silhouette(x, cut))


def silhouette(embeddings: np.ndarray, labels: np.ndarray, most: int = 1500) -> float:
    """Mean silhouette on cosine distance (over an even sample of at most ``most`` windows, for long recordings)."""
    if len(np.unique(labels)) < 2:
        return -1.0
    pick = np.linspace(0, len(labels) - 1, min(most, len(labels))).astype(int)
    x, y = embeddings[pick], labels[pick]
    distance = 1.0 - x @ x.T
    scores = []
    for i in range(len(y)):
        own = y == y[i]
        if own.sum() < 2:
            scores.append(0.0)
            continue
        a = distance[i, own].sum() / (own.sum() - 1)
        b = min(distance[i, y == other].mean() for other in np.unique(y) if other != y[i])
        scores.append((b - a) / max(a, b, 1e-9))
    return float(np.mean(scores))


def _centroids(embeddings: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ids = np.unique(labels)
    means = np.stack([embeddings[labels == i].mean(axis=0) for i in ids])
    return ids, means / np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-9)


def _to_nearest_centroid(embeddings: np.ndarray, labels: np.ndarray, rounds: int = 3) -> np.ndarray:
    for _ in range(rounds):
        ids, means = _centroids(embeddings, labels)
        moved = ids[np.argmax(embeddings @ means.T, axis=1)]
        if np.array_equal(moved, labels):
            break
        labels = moved
    return labels


def _fold_small(embeddings: np.ndarray, labels: np.ndarray, min_share: float) -> np.ndarray:
    while True:
        ids, counts = np.unique(labels, return_counts=True)
        if len(ids) < 2 or counts.min() >= min_share * len(labels):
            return labels
        smallest = ids[np.argmin(counts)]
        keep = ids[ids != smallest]
        _, means = _centroids(embeddings, labels)
        means = means[ids != smallest]
        chosen = labels == smallest
        labels = labels.copy()
        labels[chosen] = keep[np.argmax(embeddings[chosen] @ means.T, axis=1)]


def _renumber(labels: np.ndarray) -> np.ndarray:
    """Clusters numbered in order of first appearance, so S1 is whoever speaks first."""
    order = {old: new for new, old in enumerate(dict.fromkeys(labels.tolist()))}
    return np.array([order[x] for x in labels.tolist()], dtype=int)


# --- turns ---------------------------------------------------------------------------------------


def speaker_turns(
    samples: Samples,
    speech: list[tuple[float, float]],
    speakers: int | None,
    encoder: VoiceEncoder,
    options: DiarizeOptions = DiarizeOptions(),
) -> list[Turn]:
    """Who speaks when, within the ``speech`` regions (seconds, from VAD); ``speakers`` from the metadata when
    known. ``samples``: 16 kHz mono float32, an array or anything sliced like one (``slicing.DecodedSamples``)."""
    starts, embeddings = voice_windows(samples, speech, encoder, options)
    return turns_of(speech, starts, embeddings, speakers, options)


def voice_windows(
    samples: Samples,
    speech: list[tuple[float, float]],
    encoder: VoiceEncoder,
    options: DiarizeOptions = DiarizeOptions(),
) -> tuple[np.ndarray, np.ndarray]:
    """The voice prints of the speech's 1.6 s windows: (starts in seconds, unit vectors)."""
    _give_back_freed_memory()
    return encoder.windows(samples, stretches(speech, options.gap_seconds), options.step_seconds)


def turns_of(
    speech: list[tuple[float, float]],
    starts: np.ndarray,
    embeddings: np.ndarray,
    speakers: int | None,
    options: DiarizeOptions = DiarizeOptions(),
) -> list[Turn]:
    """Who speaks when, from the windows' voice prints (``voice_windows``)."""
    if not len(embeddings):
        return []
    mostly_speech = _speech_in(starts, speech) >= options.whole_speech * WINDOW_SECONDS
    return turns_from_windows(speech, starts, cluster(embeddings, speakers, options, mostly_speech), options)


def _speech_in(starts: np.ndarray, speech: list[tuple[float, float]]) -> np.ndarray:
    """Seconds of each window [start, start + 1.6 s] that the speech regions cover."""
    covered = np.zeros(len(starts))
    for a, b in speech:
        covered += np.clip(np.minimum(starts + WINDOW_SECONDS, b) - np.maximum(starts, a), 0.0, None)
    return covered


def _give_back_freed_memory() -> None:
    """Transcribing leaves hundreds of MB freed but kept by glibc's allocator (a 10-minute piece: 263 MB of
    process memory, 139 MB after this); hand them back before torch adds its own, so that labelling speakers
    does not raise the run's peak. Only glibc has malloc_trim; elsewhere there is nothing to do."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def turns_from_windows(
    speech: list[tuple[float, float]],
    starts: np.ndarray,
    labels: np.ndarray,
    options: DiarizeOptions = DiarizeOptions(),
) -> list[Turn]:
    """Each frame of speech takes the speaker its windows vote for, the nearer the window's centre the heavier
    the vote; runs shorter than ``min_turn_seconds`` between two runs of one speaker become that speaker's."""
    step = options.frame_seconds
    width = int(round(WINDOW_SECONDS / step))
    frames = int(np.ceil(max(max(b for _, b in speech), starts.max() + WINDOW_SECONDS) / step)) + 1
    votes = np.zeros((frames, int(labels.max()) + 1))
    offsets = np.arange(width)
    weight = 1.0 / (0.2 + np.abs((offsets + 0.5) * step - WINDOW_SECONDS / 2))
    firsts = np.round(starts / step).astype(int)
    np.add.at(votes, ((firsts[:, None] + offsets).ravel(), np.repeat(labels, width)), np.tile(weight, len(firsts)))
    heard = np.flatnonzero(votes.any(axis=1))  # a frame no window covers takes the nearest one's speaker
    nearest = heard[np.clip(np.searchsorted(heard, np.arange(frames)), 0, len(heard) - 1)]
    chosen = votes[nearest].argmax(axis=1)
    runs: list[list] = []  # [cluster, start, end]
    for a, b in sorted(speech):
        first, last = int(a / step), max(int(a / step) + 1, int(np.ceil(b / step)))
        for label, frames_of_label in itertools.groupby(range(first, min(last, frames)), key=lambda f: chosen[f]):
            group = list(frames_of_label)
            runs.append([int(label), max(a, group[0] * step), min(b, (group[-1] + 1) * step)])
    for r in range(1, len(runs) - 1):
        if runs[r - 1][0] == runs[r + 1][0] != runs[r][0] and runs[r][2] - runs[r][1] < options.min_turn_seconds:
            runs[r][0] = runs[r - 1][0]
    names = {old: f"S{new + 1}" for new, old in enumerate(dict.fromkeys(run[0] for run in runs))}
    found: list[Turn] = []
    for label, start, end in runs:
        if found and found[-1].speaker == names[label] and start - found[-1].end < 1e-6:
            found[-1] = Turn(found[-1].start, end, found[-1].speaker)
        elif end > start:
            found.append(Turn(round(start, 3), round(end, 3), names[label]))
    return found


# --- words and segments --------------------------------------------------------------------------


def label(segments: list[MachineSegment], found: list[Turn]) -> list[MachineSegment]:
    """Segments labelled from the turns: each word takes the speaker of the turn it overlaps most (the nearest
    turn when it falls in none); a segment whose words change speaker is split there. The turns are smoothed
    already; smoothing the words again would undo a real turn in which Whisper wrote only a word or two."""
    if not found or not segments:
        return segments
    ends = [t.end for t in found]
    return split_at_turns(segments, [[_speaker_at(found, ends, w.start, w.end) for w in words_of(s)] for s in segments])


def _speaker_at(found: list[Turn], ends: list[float], start: float, end: float) -> str:
    i = bisect.bisect_right(ends, start)  # the first turn that ends after the word starts
    overlap: dict[str, float] = {}
    for turn in itertools.takewhile(lambda t: t.start < end, found[i:]):
        overlap[turn.speaker] = overlap.get(turn.speaker, 0.0) + min(end, turn.end) - max(start, turn.start)
    if overlap:
        return max(overlap, key=lambda speaker: overlap[speaker])
    near = list(found[max(0, i - 1) : i + 1])
    return min(near, key=lambda t: max(t.start - end, start - t.end)).speaker


def words_of(segment: MachineSegment) -> list[Word]:
    return segment.words or [Word(segment.start, segment.end, segment.text, 1.0)]


def split_at_turns(segments: list[MachineSegment], labels: list[list[str]]) -> list[MachineSegment]:
    """Segments with their speaker labels (one per word); a segment whose words change speaker is split there."""
    out = []
    for segment, ls in zip(segments, labels):
        groups = [list(g) for _, g in itertools.groupby(zip(segment.words, ls), key=lambda pair: pair[1])]
        if len(groups) <= 1:
            out.append(replace(segment, speaker=ls[0]))
            continue
        for n, group in enumerate(groups):  # the outer edges stay the segment's, the inner ones are word times
            words = [w for w, _ in group]
            out.append(
                replace(
                    segment,
                    start=segment.start if n == 0 else words[0].start,
                    end=segment.end if n == len(groups) - 1 else words[-1].end,
                    words=words,
                    flags=[],
                    text=" ".join(w.text for w in words),
                    speaker=group[0][1],
                )
            )
    return out


def turns(segments: list[MachineSegment], gap: float = 0.5) -> list[Turn]:
    """Who spoke when, from labelled segments: their words joined into turns across gaps under ``gap`` s."""
    found: list[Turn] = []
    for segment in segments:
        for word in words_of(segment):
            last = found[-1] if found else None
            if last and last.speaker == segment.speaker and word.start - last.end <= gap:
                found[-1] = Turn(last.start, max(last.end, word.end), last.speaker)
            elif segment.speaker:
                found.append(Turn(word.start, word.end, segment.speaker))
    return found
