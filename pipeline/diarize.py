"""Who is speaking: a speaker label on every segment, from the voices (or the microphones) in the recording.

Offline throughout. The voices are told apart with resemblyzer's speaker encoder (a 17 MB model inside its PyPI
package; the optional extra ``pip install .[diarize]`` brings it and CPU torch): one 256-number voice print per
1.6 s window of speech, clustered by cosine distance. Where the speech is comes from Whisper's own word times, so
every word gets a speaker and a segment is split where the speaker changes. A stereo recording with one
microphone per channel needs no model: the louder channel says who speaks. Without the extra and without such a
recording the labels stay empty and the run says so once.

resemblyzer, torch and scipy are imported here only, and lazily.
"""

from __future__ import annotations

import importlib.util
import itertools
import logging
from dataclasses import dataclass, replace

import numpy as np

from .errors import DiarizeError
from .records import Segment, Word

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
MEL_HOP = 160  # resemblyzer's 10 ms mel step
MEL_WINDOW = 160  # frames in one partial utterance: the 1.6 s the encoder was trained on


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
    min_turn_seconds: float = 1.0
    """A run of words given another speaker for less than this, between two runs of one speaker, is that
    speaker's: a voice print over one or two words is unreliable."""
    gap_seconds: float = 0.5
    """Words closer than this are one stretch of speech."""
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


# --- voices --------------------------------------------------------------------------------------


class VoiceEncoder:
    """resemblyzer's speaker encoder, loaded once (about 1 s and 70 MB with torch)."""

    def __init__(self) -> None:
        import torch
        from resemblyzer import VoiceEncoder as Encoder

        torch.set_num_threads(max(1, torch.get_num_threads()))
        self.torch = torch
        self.model = Encoder(device="cpu", verbose=False)

    def windows(self, samples: np.ndarray, stretches: list[tuple[float, float]], step: float
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Voice prints of 1.6 s windows over the stretches of speech: (starts, ends, embeddings)."""
        from resemblyzer.audio import wav_to_mel_spectrogram

        hop = max(1, int(round(step * SAMPLE_RATE / MEL_HOP)))
        starts, mels = [], []
        for start, end in stretches:
            a, b = int(start * SAMPLE_RATE), int(end * SAMPLE_RATE)
            short = MEL_WINDOW * MEL_HOP - (b - a)
            if short > 0:  # a stretch shorter than a window: centre one window on it
                a, b = max(0, a - short // 2), b + short - short // 2
            piece = np.asarray(samples[a:b], dtype=np.float32)
            if len(piece) < MEL_WINDOW * MEL_HOP:
                piece = np.pad(piece, (0, MEL_WINDOW * MEL_HOP - len(piece)))
            mel = wav_to_mel_spectrogram(_level(piece))
            for first in range(0, max(1, len(mel) - MEL_WINDOW + 1), hop):
                starts.append(a / SAMPLE_RATE + first * MEL_HOP / SAMPLE_RATE)
                mels.append(mel[first:first + MEL_WINDOW])
        if not mels:
            return np.zeros(0), np.zeros(0), np.zeros((0, 256), np.float32)
        embeddings = []
        with self.torch.no_grad():
            for i in range(0, len(mels), 64):
                batch = self.torch.from_numpy(np.stack(mels[i:i + 64]))
                embeddings.append(self.model(batch).numpy())
        begin = np.array(starts)
        return begin, begin + MEL_WINDOW * MEL_HOP / SAMPLE_RATE, np.concatenate(embeddings)


def _level(piece: np.ndarray, target_dbfs: float = -30.0) -> np.ndarray:
    """The encoder reads mel power, not log mel: bring each stretch to resemblyzer's training level."""
    rms = float(np.sqrt(np.mean(piece.astype(np.float64) ** 2)))
    return piece if rms < 1e-6 else piece * np.float32(10 ** (target_dbfs / 20) / rms)


def cluster(embeddings: np.ndarray, speakers: int | None = None, options: DiarizeOptions = DiarizeOptions()
            ) -> np.ndarray:
    """A cluster number (0, 1, …) per window: ``speakers`` clusters when known, else cut at ``options.threshold``.

    Average-linkage agglomeration on cosine distance, then every window is moved to its nearest centroid
    (agglomeration alone leaves stragglers on the wrong side), and clusters too small to be a person are folded
    into their nearest neighbour.
    """
    from scipy.cluster.hierarchy import fcluster, linkage

    n = len(embeddings)
    if n < 2 or speakers == 1:
        return np.zeros(n, dtype=int)
    tree = linkage(embeddings, method="average", metric="cosine")
    if speakers:
        labels = fcluster(tree, t=min(speakers, n), criterion="maxclust") - 1
    elif tree[-1, 2] < options.threshold:  # even the two most different groups are one voice
        labels = np.zeros(n, dtype=int)
    else:  # the cut with the best silhouette: a fixed distance splits some voices and not others
        cuts = [fcluster(tree, t=k, criterion="maxclust") - 1 for k in range(2, min(options.max_speakers, n) + 1)]
        labels = max(cuts, key=lambda cut: silhouette(embeddings, cut))
    labels = _to_nearest_centroid(embeddings, labels)
    if not speakers:
        labels = _fold_small(embeddings, labels, options.min_share)
    return _renumber(labels)


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


# --- words, turns and segments -------------------------------------------------------------------


def stretches(segments: list[Segment], gap: float) -> list[tuple[float, float]]:
    """Stretches of speech: the words' times (a segment's own times when it has no words), joined across short
    gaps."""
    spans = sorted((w.start, w.end) for s in segments for w in (s.words or [Word(s.start, s.end, s.text, 1.0)]))
    merged: list[list[float]] = []
    for start, end in spans:
        if merged and start - merged[-1][1] <= gap:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged if b > a]


def words_from_windows(segments: list[Segment], starts: np.ndarray, ends: np.ndarray, labels: np.ndarray
                       ) -> list[list[int]]:
    """A cluster per word (per segment, word by word): the windows over the word vote, the nearer the window's
    centre the heavier the vote."""
    centres = (starts + ends) / 2
    k = int(labels.max()) + 1 if len(labels) else 1
    out = []
    for segment in segments:
        chosen = []
        for word in segment.words or [Word(segment.start, segment.end, segment.text, 1.0)]:
            middle = (word.start + word.end) / 2
            over = (starts <= middle) & (ends >= middle)
            if not over.any():
                over = np.abs(centres - middle) == np.abs(centres - middle).min() if len(centres) else over
            votes = np.zeros(k)
            if over.any():
                np.add.at(votes, labels[over], 1.0 / (0.2 + np.abs(centres[over] - middle)))
            chosen.append(int(np.argmax(votes)))
        out.append(chosen)
    return out


def smooth(segments: list[Segment], labels: list[list[int]], min_turn: float) -> list[list[int]]:
    """Runs shorter than ``min_turn`` seconds between runs of one speaker become that speaker's."""
    flat = [(w, label) for s, ls in zip(segments, labels) for w, label in zip(_words(s), ls)]
    runs: list[list] = []  # [label, first index, last index]
    for i, (_, label) in enumerate(flat):
        if runs and runs[-1][0] == label:
            runs[-1][2] = i
        else:
            runs.append([label, i, i])
    for r in range(1, len(runs) - 1):
        label, first, last = runs[r]
        if runs[r - 1][0] == runs[r + 1][0] != label and flat[last][0].end - flat[first][0].start < min_turn:
            runs[r][0] = runs[r - 1][0]
    new = [run[0] for run in runs for _ in range(run[1], run[2] + 1)]
    out, i = [], 0
    for ls in labels:
        out.append(new[i:i + len(ls)])
        i += len(ls)
    return out


def _words(segment: Segment) -> list[Word]:
    return segment.words or [Word(segment.start, segment.end, segment.text, 1.0)]


def split_at_turns(segments: list[Segment], labels: list[list[int]]) -> list[Segment]:
    """Segments with speaker labels S1, S2 …; a segment whose words change speaker is split there."""
    out = []
    for segment, ls in zip(segments, labels):
        if not segment.words:
            out.append(replace(segment, speaker=f"S{ls[0] + 1}"))
            continue
        groups = [list(g) for _, g in itertools.groupby(zip(segment.words, ls), key=lambda pair: pair[1])]
        if len(groups) == 1:
            out.append(replace(segment, speaker=f"S{ls[0] + 1}"))
            continue
        for n, group in enumerate(groups):  # the outer edges stay the segment's, the inner ones are word times
            words = [w for w, _ in group]
            out.append(replace(segment, start=segment.start if n == 0 else words[0].start,
                               end=segment.end if n == len(groups) - 1 else words[-1].end, words=words, flags=[],
                               text=" ".join(w.text for w in words), speaker=f"S{group[0][1] + 1}"))
    return out


def turns(segments: list[Segment], gap: float = 0.5) -> list[Turn]:
    """Who spoke when, from labelled segments: their words joined into turns across gaps under ``gap`` s."""
    found: list[Turn] = []
    for segment in segments:
        for word in _words(segment):
            last = found[-1] if found else None
            if last and last.speaker == segment.speaker and word.start - last.end <= gap:
                found[-1] = Turn(last.start, max(last.end, word.end), last.speaker)
            elif segment.speaker:
                found.append(Turn(word.start, word.end, segment.speaker))
    return found


# --- the two ways to decide --------------------------------------------------------------------


def by_voice(segments: list[Segment], samples: np.ndarray, speakers: int | None, encoder: VoiceEncoder,
             options: DiarizeOptions = DiarizeOptions()) -> list[Segment]:
    """Label (and split) segments by clustering voice prints; ``speakers`` from the metadata when known."""
    if not segments:
        return segments
    starts, ends, embeddings = encoder.windows(samples, stretches(segments, options.gap_seconds),
                                               options.step_seconds)
    if not len(embeddings):
        return segments
    labels = cluster(embeddings, speakers, options)
    words = smooth(segments, words_from_windows(segments, starts, ends, labels), options.min_turn_seconds)
    return split_at_turns(segments, words)


def by_channel(segments: list[Segment], levels: np.ndarray, frame_seconds: float,
               options: DiarizeOptions = DiarizeOptions()) -> list[Segment] | None:
    """Stereo with one microphone per channel: S1 is the left microphone, S2 the right. None when the channels
    do not tell the speakers apart (mono copied to both, a single stereo microphone, one person speaking)."""
    if levels.ndim != 2 or levels.shape[1] != 2 or not segments:
        return None
    differences, per_segment = [], []
    for segment in segments:
        ds = []
        for word in _words(segment):
            a, b = int(word.start / frame_seconds), max(int(word.end / frame_seconds), int(word.start / frame_seconds) + 1)
            power = levels[a:b].mean(axis=0) if b <= len(levels) and a < b else levels[-1:].mean(axis=0)
            ds.append(float(10 * np.log10((power[0] + 1e-10) / (power[1] + 1e-10))))
        differences += ds
        per_segment.append(ds)
    spread = np.abs(np.array(differences))
    left = np.mean(np.array(differences) > 0)
    if np.median(spread) < options.channel_db or not 0.05 <= left <= 0.95:
        return None
    labels = [[0 if d > 0 else 1 for d in ds] for ds in per_segment]
    labelled = split_at_turns(segments, smooth(segments, labels, options.min_turn_seconds))
    return labelled


_encoder: VoiceEncoder | None = None


def encoder() -> VoiceEncoder:
    """The voice encoder, loaded on first use and kept for the rest of the run."""
    global _encoder
    if _encoder is None:
        try:
            _encoder = VoiceEncoder()
        except Exception as error:  # torch and resemblyzer fail in many ways; all mean "no usable model"
            raise DiarizeError(f"The speaker model could not be loaded ({type(error).__name__}: {error}): "
                               "reinstall it with pip install .[diarize], or uninstall resemblyzer to go "
                               "without speaker labels.") from error
    return _encoder


# --- scoring -------------------------------------------------------------------------------------


def der(reference: list[Turn], hypothesis: list[Turn], collar: float = 0.25, step: float = 0.01
        ) -> dict[str, float]:
    """Diarisation error rate, the standard way: (missed speech + false alarm + speaker confusion) / reference
    speech, in 10 ms frames, after the mapping of hypothesis to reference speakers that maximises their overlap.
    ``collar`` seconds either side of every reference turn boundary are not scored (0.25 s is customary)."""
    end = max([t.end for t in reference + hypothesis] + [0.0])
    frames = int(np.ceil(end / step)) + 1
    scored = np.ones(frames, bool)
    for t in reference:
        for edge in (t.start, t.end):
            scored[max(0, int((edge - collar) / step)):int(np.ceil((edge + collar) / step))] = False

    def grid(turns_: list[Turn]) -> tuple[list[str], np.ndarray]:
        names = sorted({t.speaker for t in turns_})
        out = np.zeros((len(names), frames), bool)
        for t in turns_:
            out[names.index(t.speaker), int(round(t.start / step)):int(round(t.end / step))] = True
        return names, out[:, scored]

    ref_names, ref = grid(reference)
    hyp_names, hyp = grid(hypothesis)
    r, h = ref.sum(axis=0), hyp.sum(axis=0)
    overlap = ref.astype(np.int64) @ hyp.T.astype(np.int64)  # frames each pair speaks together
    best = 0
    if len(ref_names) and len(hyp_names):
        small, large = sorted((len(ref_names), len(hyp_names)))
        matrix = overlap if len(ref_names) <= len(hyp_names) else overlap.T
        best = max(sum(matrix[i, p] for i, p in enumerate(perm))
                   for perm in itertools.permutations(range(large), small))
    total = float(r.sum()) or 1.0
    missed = float(np.maximum(r - h, 0).sum())
    false_alarm = float(np.maximum(h - r, 0).sum())
    confusion = float(np.minimum(r, h).sum() - best)
    return {"der": (missed + false_alarm + confusion) / total, "missed": missed / total,
            "false_alarm": false_alarm / total, "confusion": confusion / total, "speech_seconds": total * step}
