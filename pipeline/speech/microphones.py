"""Who is speaking, by microphone: a stereo recording with one microphone per speaker needs no voice model, the
louder channel says who speaks."""

from __future__ import annotations

import numpy as np

from pipeline.database.heard import MachineSegment
from pipeline.speech.diarize import DiarizeOptions, split_at_turns, words_of


def by_channel(
    segments: list[MachineSegment], levels: np.ndarray, frame_seconds: float, options: DiarizeOptions = DiarizeOptions()
) -> list[MachineSegment] | None:
    """Stereo with one microphone per channel: S1 is the left microphone, S2 the right. None when the channels
    do not tell the speakers apart (mono copied to both, a single stereo microphone, one person speaking)."""
    if levels.ndim != 2 or levels.shape[1] != 2 or not segments:
        return None
    differences, per_segment = [], []
    for segment in segments:
        ds = []
        for word in words_of(segment):
            a = int(word.start / frame_seconds)
            b = max(int(word.end / frame_seconds), a + 1)
            power = levels[a:b].mean(axis=0) if b <= len(levels) and a < b else levels[-1:].mean(axis=0)
            ds.append(float(10 * np.log10((power[0] + 1e-10) / (power[1] + 1e-10))))
        differences += ds
        per_segment.append(ds)
    spread = np.abs(np.array(differences))
    left = np.mean(np.array(differences) > 0)
    if np.median(spread) < options.channel_db or not 0.05 <= left <= 0.95:
        return None
    labels = [["S1" if d > 0 else "S2" for d in ds] for ds in per_segment]
    return split_at_turns(segments, smooth(segments, labels, options.min_turn_seconds))


def smooth(segments: list[MachineSegment], labels: list[list], min_turn: float) -> list[list]:
    """Runs of words shorter than ``min_turn`` seconds between runs of one speaker become that speaker's."""
    flat = [(w, label) for s, ls in zip(segments, labels) for w, label in zip(words_of(s), ls)]
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
        out.append(new[i : i + len(ls)])
        i += len(ls)
    return out
