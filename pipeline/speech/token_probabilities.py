"""Each word's lowest token probability, read from the alignment faster-whisper runs anyway.

faster-whisper gives a word the mean probability of its tokens; ``token_probability_model`` is its
``WhisperModel`` whose words also carry the lowest (``WordProbability``), which ``speech.confidence`` marks by.
"""

from __future__ import annotations

import threading


class WordProbability(float):
    """A word's probability as faster-whisper computes it (the mean over its tokens) that also carries ``lowest``,
    the lowest probability among its tokens: a float, so it passes unchanged through faster-whisper's word
    timing code, which copies the probability into each ``Word`` and drops anything else."""

    lowest: float

    def __new__(cls, mean: float, lowest: float) -> WordProbability:
        made = super().__new__(cls, mean)
        made.lowest = lowest
        return made


class AlignmentRecorder:
    """CTranslate2's Whisper model, passed through, keeping each thread's last ``align`` results (the
    probability of every token of the text) for ``find_alignment`` to read."""

    def __init__(self, model):
        self._model = model
        self._last = threading.local()

    def __getattr__(self, name: str):
        return getattr(self._model, name)

    def align(self, *args, **kwargs):
        self._last.results = self._model.align(*args, **kwargs)
        return self._last.results

    def last_token_probabilities(self) -> list[list[float]]:
        return [list(result.text_token_probs) for result in getattr(self._last, "results", [])]


def token_probability_model(whisper_model: type) -> type:
    """faster-whisper's ``WhisperModel`` (given: only speech.transcribe imports faster-whisper) whose words also
    carry their lowest token probability (``WordProbability``).

    faster-whisper computes a word's probability as the mean over its tokens (``find_alignment``); a Vietnamese
    syllable is often two or three tokens, and one unsure token (a tone mark, say) is diluted by the sure ones.
    The lowest token is the better sign of a wrong word (docs/benchmarks.md, "Corrections"). The alignment
    is run once, as before: its per-token results are read from the call faster-whisper makes.
    """

    class TokenProbabilityModel(whisper_model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.model = AlignmentRecorder(self.model)

        def find_alignment(self, tokenizer, text_tokens, encoder_output, num_frames, median_filter_width=7):
            alignments = super().find_alignment(tokenizer, text_tokens, encoder_output, num_frames, median_filter_width)
            if not alignments:
                return alignments
            for words, probabilities in zip(alignments, self.model.last_token_probabilities()):
                position = 0
                for word in words:
                    tokens = len(word["tokens"])
                    lowest = min(probabilities[position : position + tokens], default=word["probability"])
                    word["probability"] = WordProbability(word["probability"], float(lowest))
                    position += tokens
            return alignments

    return TokenProbabilityModel
