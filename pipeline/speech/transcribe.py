"""Speech to text with faster-whisper: find the model, load it once, transcribe audio piece by piece.

faster-whisper and CTranslate2 are imported here only, and lazily, so commands that do not
transcribe start fast.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from pipeline.database.heard import MachineSegment
from pipeline.database.models import Word
from pipeline.errors import ModelError
from pipeline.i18n import _
from pipeline.options import TranscribeOptions
from pipeline.speech import flags, model_catalogue, model_checks
from pipeline.speech.model_store import (  # noqa: F401  (their old home: bench scripts import them from here)
    EMBEDDED_NAME,
    EMBEDDED_SIZE,
    NAME,
    describe,
    embedded_model,
)
from pipeline.speech.token_probabilities import token_probability_model

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
SPEECH_CHECK = {"speech_pad_ms": 0}
"""Silero VAD options for checking where Whisper's segments fall (the rest are faster-whisper's ``VadOptions``
defaults: threshold 0.5, pauses under 2 s kept inside speech). Whisper itself hears the speech VAD found with
400 ms of padding each side; its segments' word times can still stretch across the silence between two bits of
speech, and that is where it makes text up. Without padding the check measures the speech itself."""
GAP_CHECK = {"speech_pad_ms": 0, "min_silence_duration_ms": 300}
"""Silero VAD options for finding speech Whisper wrote nothing for (``flags.unwritten_stretches``). Pauses from
0.3 s split the speech, as for speaker turns (``diarize.DiarizeOptions``): with ``SPEECH_CHECK``'s 2 s the pause
between two written sentences would count as speech nobody wrote."""


def resolve_model(name: str, cache: Path) -> str:
    """The model folder to hand to WhisperModel for ``--model NAME``, offline: "base", a name in the cache, or a
    folder. Only a catalogue name or a hub id that is not in the cache reaches for the hub, because the user asked
    for it (it is then downloaded into the cache), and where there is no internet that is one sentence saying how
    to bring the model over."""
    name = model_catalogue.ALIASES.get(name, name)
    if name == EMBEDDED_NAME:
        return str(embedded_model(cache))
    if NAME.fullmatch(name) and (cache / name / model_checks.MANIFEST).is_file():
        return str(cache / name)
    folder = Path(name).expanduser()
    if folder.is_dir():
        if not (folder / "model.bin").is_file():
            raise ModelError(
                _("{folder} holds no model.bin: point --model at a CTranslate2 Whisper model folder.").format(
                    folder=folder
                )
            )
        if not (folder / "tokenizer.json").is_file():  # faster-whisper would fetch one from the hub
            raise ModelError(
                _(
                    "{folder} has no tokenizer.json (without it faster-whisper goes to the internet for one): copy "
                    "the tokenizer.json of the model it was converted from beside model.bin, or convert it with "
                    "`loike models convert`."
                ).format(folder=folder)
            )
        return str(folder.resolve())
    if name in model_catalogue.CATALOGUE or model_catalogue.is_hub_id(name):
        from pipeline.speech import model_download  # huggingface_hub only when the user asked for the hub

        return str(model_download.download(name, cache).path)
    raise ModelError(
        _(
            "Unknown model {name!r}: `loike models` lists the models on this machine; use one of them, 'base' "
            "(embedded), a CTranslate2 model folder, or a model to download: {names}."
        ).format(name=name, names=", ".join(model_catalogue.CATALOGUE))
    )


DRAFT_MIN_SPEECH = 0.5
"""Speech shorter than this in a gap gets no draft: Whisper makes words up for a cough or a half-second "dạ"."""
DRAFT_PAD = 0.2
"""Seconds of the recording kept either side of the speech decoded for a draft: VAD cuts close to the words."""


SAMPLING_SEED = 1945
"""The seed of CTranslate2's random generators, for the windows Whisper decodes again by sampling."""


class Transcriber:
    """A loaded model. Make one per run: loading costs seconds and hundreds of MB."""

    def __init__(self, options: TranscribeOptions, cache: Path):
        if options.workers > 1:
            tune_malloc_for_workers()
        self.options = options
        self.model_path = resolve_model(options.model, cache)
        self.model_info = describe(self.model_path, cache, options.model)
        try:
            import ctranslate2
            from faster_whisper import WhisperModel  # here only: loading it costs a second

            # Where every decode of a window fails Whisper's checks, faster-whisper samples at rising temperatures
            # and keeps the best try, so the words would change from run to run. Each decoding thread seeds its
            # generator from this at its first sample (docs/reproducibility.md).
            ctranslate2.set_random_seed(SAMPLING_SEED)
            self.model = token_probability_model(WhisperModel)(
                self.model_path,
                device=options.device,
                compute_type=options.compute_type,
                cpu_threads=options.cpu_threads,
                num_workers=max(1, options.workers),
            )
        except Exception as error:  # faster-whisper raises many kinds; all mean "no usable model"
            raise ModelError(_load_failure(options.model, error)) from error
        # At most ``workers`` pieces in the model at once, however many recordings are being transcribed:
        # each piece briefly needs a few hundred MB for VAD and features (docs/benchmarks.md).
        self._slots = threading.BoundedSemaphore(max(1, options.workers))
        # Silero VAD runs over a whole piece in one batch and briefly needs a few hundred MB: one piece at a
        # time goes through it (and through the feature extraction), while the decoders run side by side.
        self._vad = threading.Lock()

    def transcribe(
        self,
        pieces: Iterable[tuple[float, np.ndarray]],
        progress: Callable[[float], None] | None = None,
        hotwords: str | None = None,
    ) -> list[MachineSegment]:
        """Transcribe audio handed over in pieces of (offset seconds, 16 kHz float32 samples).

        ``hotwords``: names and terms likely to be said (witnesses, places, events), as a hint.
        Each segment comes with the share of its time in which VAD found speech, and its flags
        (``pipeline.flags``). Where VAD heard speech that Whisper wrote nothing for (faster-whisper drops a
        30-second window it takes for silence, and so may drop a quiet or telephone-quality answer), a segment
        with no text stands for it, flagged ``unwritten_speech``: nothing heard is left out of the transcript.
        Its speech is decoded once more, alone and without that rule, for a draft the desk offers the editor
        (``MachineSegment.heard_again``); the gap stays a gap until an editor takes the draft or types.
        """
        segments: list[MachineSegment] = []
        for offset, samples, found in self._in_parallel(pieces, hotwords):
            with self._vad:
                speech = speech_spans(samples)
                heard = speech_spans(samples, **GAP_CHECK)
            timed = [(s.start, s.end, _shifted(s, offset)) for s in found]
            timed += [
                (start, end, _unwritten(start, end, offset, self._heard_again(samples, heard, start, end)))
                for start, end in flags.unwritten_stretches(heard, [(s.start, s.end) for s in found])
            ]
            for start, end, record in sorted(timed, key=lambda t: (t[0], t[1])):
                record.speech_fraction = round(flags.speech_share(start, end, speech), 3)
                record.flags = flags.codes(record)
                segments.append(record)
                if progress:
                    progress(offset + end)
            if progress:
                progress(offset + len(samples) / SAMPLE_RATE)
        return segments

    def _heard_again(
        self, samples: np.ndarray, heard: list[tuple[float, float]], start: float, end: float
    ) -> str | None:
        """A draft for a gap: each stretch of the speech VAD heard in it decoded alone, without faster-whisper's
        no-speech rule (which dropped it) and without sampling (so the draft is the same on every run); a stretch
        whose text loops or is a known made-up phrase is left out. None when nothing usable was written."""
        texts = []
        for a, b in heard:
            a, b = max(a, start), min(b, end)
            if b - a < DRAFT_MIN_SPEECH:
                continue
            clip = samples[max(0, round((a - DRAFT_PAD) * SAMPLE_RATE)) : round((b + DRAFT_PAD) * SAMPLE_RATE)]
            text = self._decode_alone(clip)
            if text and not flags.repetition(text) and not flags.known_phrase(text):
                texts.append(text)
        return " ".join(texts) or None

    def _decode_alone(self, clip: np.ndarray) -> str:
        with self._slots:
            found = self._segments(clip, vad_filter=False, no_speech_threshold=None, temperature=0.0)
            return " ".join(segment.text.strip() for segment in found).strip()

    def _in_parallel(self, pieces: Iterable[tuple[float, np.ndarray]], hotwords: str | None):
        """(offset, samples, faster-whisper segments) for each piece, in order; up to ``workers`` pieces are
        transcribed at once (CTranslate2 releases the GIL) and no more are read ahead, to bound memory."""
        workers = max(1, self.options.workers)
        if workers == 1:
            for offset, samples in pieces:
                yield offset, samples, self._transcribe_piece(samples, hotwords)
            return
        with ThreadPoolExecutor(workers, thread_name_prefix="loike-whisper") as pool:
            running: deque = deque()
            for offset, samples in pieces:
                running.append((offset, samples, pool.submit(self._transcribe_piece, samples, hotwords)))
                if len(running) == workers:
                    offset, samples, future = running.popleft()
                    yield offset, samples, future.result()
            while running:
                offset, samples, future = running.popleft()
                yield offset, samples, future.result()

    def _transcribe_piece(self, samples: np.ndarray, hotwords: str | None) -> list:
        with self._slots:
            found = self._segments(samples, vad_filter=True, word_timestamps=True, hotwords=hotwords or None)
            return list(found)  # faster-whisper decodes as the generator is read

    def _segments(self, samples: np.ndarray, **how):
        """faster-whisper's segments of ``samples`` with the run's language and beam, ``how`` for the rest."""
        with self._vad:  # faster-whisper runs VAD and extracts features here; it decodes as ``found`` is read
            found, _info = self.model.transcribe(
                samples,
                language=self.options.language,
                beam_size=self.options.beam_size,
                condition_on_previous_text=False,
                **how,
            )
        return found

    def likelihoods(self, samples: np.ndarray, texts: list[str]) -> list[float]:
        """How likely Whisper finds each of ``texts`` for ``samples`` (a line's audio, at most 30 s): each text read
        whole against the audio, the sum of its tokens' log probabilities. ``desk.hearing`` weighs a name it would
        offer against the near names of its kind by these."""
        import ctranslate2
        from faster_whisper.audio import pad_or_trim
        from faster_whisper.tokenizer import Tokenizer

        whisper = self.model.model
        tokenizer = Tokenizer(
            self.model.hf_tokenizer, whisper.is_multilingual, task="transcribe", language=self.options.language
        )
        tokens = [tokenizer.encode(" " + text.strip()) for text in texts]
        with self._slots:
            with self._vad:  # the feature extraction, as in ``_segments``
                features = self.model.feature_extractor(samples)
            frames = min(features.shape[-1] - 1, self.model.feature_extractor.nb_max_frames)
            encoded = np.asarray(self.model.encode(pad_or_trim(features[:, :frames])))
            batch = ctranslate2.StorageView.from_array(np.ascontiguousarray(np.repeat(encoded, len(tokens), axis=0)))
            results = whisper.align(batch, tokenizer.sot_sequence, tokens, [frames] * len(tokens))
        return [float(np.log(np.maximum(result.text_token_probs, 1e-12)).sum()) for result in results]

    def versions(self) -> dict:
        import ctranslate2
        import faster_whisper

        from pipeline import __version__

        return {
            "loike": __version__,
            "faster_whisper": faster_whisper.__version__,
            "ctranslate2": ctranslate2.__version__,
            "model": self.model_info.name,
            "model_fingerprint": self.model_info.fingerprint,
        }


def speech_spans(samples: np.ndarray, **vad) -> list[tuple[float, float]]:
    """Where Silero VAD hears speech in 16 kHz samples, as (start, end) seconds; about 470× real time on CPU.
    ``vad``: faster-whisper ``VadOptions`` fields other than ``SPEECH_CHECK``'s (speaker turns want shorter pauses)."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    found = get_speech_timestamps(samples, VadOptions(**{**SPEECH_CHECK, **vad}), sampling_rate=SAMPLE_RATE)
    return [(span["start"] / SAMPLE_RATE, span["end"] / SAMPLE_RATE) for span in found]


M_MMAP_THRESHOLD, M_ARENA_MAX = -3, -8  # glibc's mallopt parameter numbers
MMAP_THRESHOLD = 4 * 2**20


def tune_malloc_for_workers(arenas: int = 2, mmap_threshold: int = MMAP_THRESHOLD) -> None:
    """Keep what two workers free from piling up in glibc's heaps (docs/benchmarks.md, "Cost against length").

    By default each thread that allocates at the same time as another gets a heap (arena) of its own: at most
    ``arenas`` here. And glibc serves blocks of up to 32 MB from those heaps, where two decoders' freed
    buffers (encoder activations, beam states tiled five times) leave holes the next piece cannot reuse;
    blocks from ``mmap_threshold`` up are mapped on their own and handed back to the system when freed.
    Two workers on a 2-hour recording peaked at 690-699 MB instead of 800 MB, for the same CPU time (from
    2 MB up: 617 MB, but the kernel's zeroing of so many mappings made runs 10-16 % slower).
    Elsewhere than glibc this does nothing."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(M_ARENA_MAX, arenas)
        libc.mallopt(M_MMAP_THRESHOLD, mmap_threshold)
    except (OSError, AttributeError):
        pass


def _shifted(segment, offset: float) -> MachineSegment:
    """A faster-whisper segment as our record, moved onto the recording's timeline."""
    words = [
        Word(
            round(w.start + offset, 3),
            round(w.end + offset, 3),
            w.word.strip(),
            round(float(w.probability), 4),
            round(float(getattr(w.probability, "lowest", w.probability)), 4),
        )
        for w in segment.words or []
    ]
    return MachineSegment(
        start=round(segment.start + offset, 3),
        end=round(segment.end + offset, 3),
        text=segment.text.strip(),
        avg_logprob=float(segment.avg_logprob),
        no_speech_prob=float(segment.no_speech_prob),
        compression_ratio=float(segment.compression_ratio),
        words=words,
    )


def _unwritten(start: float, end: float, offset: float, heard_again: str | None = None) -> MachineSegment:
    """A segment with no text over speech Whisper did not write, on the recording's timeline, with the draft a
    second listen wrote (``Transcriber._heard_again``). No decode of the transcript stands behind it, so it has no
    scores."""
    return MachineSegment(
        start=round(start + offset, 3),
        end=round(end + offset, 3),
        text="",
        avg_logprob=None,
        no_speech_prob=None,
        compression_ratio=None,
        heard_again=heard_again,
    )


def _load_failure(model: str, error: Exception) -> str:
    return _("The model {model!r} could not be loaded ({error}): check --model, --device and --compute-type.").format(
        model=model, error=error
    )
