"""Voice prints: resemblyzer's speaker encoder, run in torch from the weights its package ships, over mel
spectrograms computed in numpy (librosa is never imported).

A voice print is 256 numbers of unit length for 1.6 s of speech; two windows of one voice lie close together by
cosine distance. torch is imported here only, and lazily.
"""

from __future__ import annotations

import importlib.util
from typing import Protocol

import numpy as np

from pipeline.errors import DiarizeError
from pipeline.i18n import _

SAMPLE_RATE = 16_000
MEL_HOP = 160  # resemblyzer's 10 ms mel step
MEL_FFT = 400  # and its 25 ms mel window
MEL_BANDS = 40
MEL_WINDOW = 160  # frames in one partial utterance: the 1.6 s the encoder was trained on
WINDOW_SECONDS = MEL_WINDOW * MEL_HOP / SAMPLE_RATE


class Samples(Protocol):
    """16 kHz mono float32: an array, or anything sliced like one (``slicing.DecodedSamples``)."""

    def __len__(self) -> int: ...

    def __getitem__(self, where: slice, /) -> np.ndarray: ...


class VoiceEncoder:
    """resemblyzer's speaker encoder (a 3-layer LSTM over 40 mel bands), built here in torch from the weights
    its package ships, so that neither resemblyzer's own code nor librosa is imported: librosa's first mel
    spectrogram alone took 190 MB and 2 s. Torch and the model add about 200 MB; loaded once per run."""

    def __init__(self) -> None:
        import torch

        class Network(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.lstm = torch.nn.LSTM(MEL_BANDS, 256, 3, batch_first=True)
                self.linear = torch.nn.Linear(256, 256)

            def forward(self, mels):
                _, (hidden, _) = self.lstm(mels)
                raw = torch.relu(self.linear(hidden[-1]))
                return raw / torch.norm(raw, dim=1, keepdim=True)

        # One thread: with two, torch's threads wait for each other whenever another program wants the cores,
        # and the voice prints took 10× longer on a busy 2-core machine (docs/benchmarks.md).
        torch.set_num_threads(1)
        spec = importlib.util.find_spec("resemblyzer")
        if spec is None or not spec.submodule_search_locations:
            raise ModuleNotFoundError("resemblyzer, whose weights file the speaker model reads, is not installed")
        folder = spec.submodule_search_locations[0]
        weights = torch.load(f"{folder}/pretrained.pt", map_location="cpu", weights_only=True)["model_state"]
        self.torch = torch
        self.model = Network()
        self.model.load_state_dict({k: v for k, v in weights.items() if k.split(".")[0] in ("lstm", "linear")})
        self.model.eval()

    def windows(
        self, samples: Samples, stretches: list[tuple[float, float]], step: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Voice prints of 1.6 s windows every ``step`` s over the stretches of speech: (starts, embeddings).
        One stretch at a time, so memory does not grow with the recording."""
        hop = max(1, int(round(step * SAMPLE_RATE / MEL_HOP)))
        size = MEL_WINDOW * MEL_HOP
        starts, embeddings = [], []
        for start, end in stretches:
            a, b = int(start * SAMPLE_RATE), int(end * SAMPLE_RATE)
            if b - a < size:  # a stretch shorter than a window: centre one window on it
                a = max(0, a - (size - (b - a)) // 2)
                b = a + size
            piece = np.asarray(samples[a:b], dtype=np.float32)
            if len(piece) < size:
                piece = np.pad(piece, (0, size - len(piece)))
            mel = mel_spectrogram(_level(piece))
            firsts = list(range(0, max(1, len(mel) - MEL_WINDOW + 1), hop))
            if firsts[-1] + MEL_WINDOW < len(mel):  # one more window, so the stretch's end is heard too
                firsts.append(len(mel) - MEL_WINDOW)
            starts += [a / SAMPLE_RATE + first * MEL_HOP / SAMPLE_RATE for first in firsts]
            embeddings.append(self.embed(np.stack([mel[first : first + MEL_WINDOW] for first in firsts])))
        if not embeddings:
            return np.zeros(0), np.zeros((0, 256), np.float32)
        return np.array(starts), np.concatenate(embeddings)

    def embed(self, mels: np.ndarray) -> np.ndarray:
        """Voice prints (unit length) of mel windows shaped (windows, 160 frames, 40 bands)."""
        out = []
        with self.torch.no_grad():
            for i in range(0, len(mels), 64):
                out.append(self.model(self.torch.from_numpy(np.ascontiguousarray(mels[i : i + 64]))).numpy())
        return np.concatenate(out)


def mel_spectrogram(samples: np.ndarray) -> np.ndarray:
    """Mel power (not log) in 40 bands, 25 ms windows every 10 ms: (frames, 40), what resemblyzer computes with
    librosa (Hann window, centred frames, Slaney mel scale and norm), in numpy."""
    padded = np.pad(samples.astype(np.float32), MEL_FFT // 2)
    count = 1 + (len(padded) - MEL_FFT) // MEL_HOP
    frames = np.lib.stride_tricks.as_strided(padded, (count, MEL_FFT), (padded.strides[0] * MEL_HOP, padded.strides[0]))
    power = np.abs(np.fft.rfft(frames * _HANN, axis=1)) ** 2
    return (power @ _MEL_BASIS.T).astype(np.float32)


def _slaney_mel(hz: np.ndarray) -> np.ndarray:
    return np.where(hz >= 1000, 15 + np.log(np.maximum(hz, 1e-9) / 1000) * 27 / np.log(6.4), hz * 3 / 200)


def _slaney_hz(mel: np.ndarray) -> np.ndarray:
    return np.where(mel >= 15, 1000 * np.exp((mel - 15) * np.log(6.4) / 27), mel * 200 / 3)


def _mel_basis() -> np.ndarray:
    """Triangular filters evenly spaced on the Slaney mel scale, each of unit area (librosa.filters.mel)."""
    bins = np.linspace(0, SAMPLE_RATE / 2, 1 + MEL_FFT // 2)
    edges = _slaney_hz(np.linspace(0, _slaney_mel(np.array(SAMPLE_RATE / 2)), MEL_BANDS + 2))
    ramps = edges[:, None] - bins[None, :]
    widths = np.diff(edges)
    rising, falling = -ramps[:-2] / widths[:-1, None], ramps[2:] / widths[1:, None]
    return (np.maximum(0, np.minimum(rising, falling)) * (2 / (edges[2:] - edges[:-2]))[:, None]).astype(np.float32)


_HANN = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(MEL_FFT) / MEL_FFT)).astype(np.float32)
_MEL_BASIS = _mel_basis()


def _level(piece: np.ndarray, target_dbfs: float = -30.0) -> np.ndarray:
    """The encoder reads mel power, not log mel: bring each stretch to resemblyzer's training level."""
    rms = float(np.sqrt(np.mean(piece.astype(np.float64) ** 2)))
    return piece if rms < 1e-6 else piece * np.float32(10 ** (target_dbfs / 20) / rms)


_encoder: VoiceEncoder | None = None


def encoder() -> VoiceEncoder:
    """The voice encoder, loaded on first use and kept for the rest of the run."""
    global _encoder
    if _encoder is None:
        try:
            _encoder = VoiceEncoder()
        except Exception as error:  # torch and resemblyzer fail in many ways; all mean "no usable model"
            raise DiarizeError(
                _(
                    "The speaker model could not be loaded ({kind}: {error}): reinstall it with pip install "
                    ".[diarize], or uninstall resemblyzer to go without speaker labels."
                ).format(kind=type(error).__name__, error=error)
            ) from error
    return _encoder
