"""Voices the archive knows: how often a run proposes a speaker label as the right person, how often as a wrong one,
at each threshold, and what the matching costs per interview.

    PYTHONPATH=$PWD /work/main/.venv/bin/python bench/voices.py [--data DIR] [--work /tmp/loike-voices]
        [--interviews 30] [--seed 2026]

Three pools of "people": each clip of vi-speech-dev (11 clips; the voice of a clip is a person, see --similar for
the clips whose voices are alike), 13 espeak-ng voices (a language voice, a variant, a pitch and a speed; each turn
a new sentence, so two interviews of one espeak person never share a word of audio, unlike the clips, whose turns
are all cut from the one clip), and *recorded*: the clips' interviews again, each as another recorder would have it
(as is, a telephone band, room reverb, a low-pass or high-pass filter, or noise at 20 dB SNR; with --pools
clips,espeak,recorded), so that one person's interviews no longer sound alike. Per pool, a sequence of interviews:
one of two interviewers (named in the metadata, so preferred) and one or two witnesses, a witness often one
interviewed before; 10–14 turns of 3–8 s, 0.3–1.0 s apart. Each interview goes the way a run takes it
(``audio.normalise``, Silero VAD, the voice windows, the turns with the count from the metadata, a print per label);
then the editor names every label (the person who speaks most of it), and its print joins that person's.

Two trials per label: *known*, against every print of the interviews before (right: the true person proposed;
wrong: someone else; none: no proposal), when the person has been named before; *unknown*, the same without the
true person's prints (any proposal is wrong: "a different voice gets no proposal"). The table gives, per threshold
pair (threshold / preferred threshold), the share of known trials right and wrong and the share of unknown trials
wrongly proposed; "wrong, all" is wrong proposals over all trials. Cost: label_prints + match per interview, and
on a made-up one-hour interview (9,000 windows) against 1,000 known prints. Nothing is copied into the repository.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import pickle
import random
import statistics
import subprocess
import sys
import time
import wave
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._common import DEFAULT_DATA, command_line, header  # noqa: E402
from bench.diarize import RATE, VOICES, clip, write_wav  # noqa: E402

CLIPS = [*VOICES, "ex_example", "ex_example_2", "ex_example_3", "ex_example_4", "ex_example_ngoc_huyen"]
ESPEAK = [  # (language voice, variant, pitch, words per minute)
    ("vi", "m1", 40, 145),
    ("vi", "m4", 55, 150),
    ("vi", "m8", 35, 160),
    ("vi", "klatt", 50, 150),
    ("vi", "klatt3", 45, 150),
    ("vi", "Mr serious", 35, 150),
    ("vi", "iven", 45, 150),
    ("vi", "Andy", 50, 150),
    ("vi", "f3", 55, 140),
    ("vi", "f1", 65, 150),
    ("vi", "grandma", 60, 130),
    ("vi", "anika", 70, 150),
    ("vi", "linda", 65, 150),
]
"""13 espeak-ng voices whose prints differ (cosine under 0.87 between any two, 12 s of each): chosen greedily from
24 variants; espeak's m1 and m3, or f2 and f5, are one voice to the encoder (0.95–0.97), as twins would be."""
SENTENCES = [
    "Thưa bác, năm một nghìn chín trăm bốn mươi lăm bác ở đâu ạ?",
    "Hồi đó chi bộ xã mình có bao nhiêu đảng viên hả bác?",
    "Thế bác vào Đảng năm nào, ai giới thiệu bác ạ?",
    "Bác còn nhớ trận càn năm năm mươi mốt thế nào không ạ?",
    "Hồi đó tôi ở làng Bắc Cường, làm liên lạc cho chi bộ, đêm nào cũng đi đưa thư qua cánh đồng.",
    "Lúc đầu chỉ có năm đồng chí thôi, họp bí mật trong nhà ông trưởng thôn, sau mới đông dần lên.",
    "Tôi vào Đảng năm một nghìn chín trăm bốn mươi chín, do đồng chí Hùng, bí thư chi bộ, giới thiệu.",
    "Nhớ chứ, giặc đốt gần hết làng, dân phải chạy ra bãi sông, chúng tôi đưa các cụ già đi trước.",
    "Mùa lũ năm ấy nước lên tận mái nhà, cả xóm phải dọn lên đồi ở tạm hơn một tháng.",
    "Hợp tác xã thành lập năm năm mươi chín, lúc đầu chỉ có hai mươi hộ xin vào.",
    "Bà cụ nhà tôi dệt vải suốt đêm để kịp gửi áo cho bộ đội ngoài mặt trận.",
    "Trường học đầu tiên của xã làm bằng tre nứa, mái lợp lá cọ, mưa là dột khắp nơi.",
    "Chúng tôi đắp đê ba tháng liền, ngày nào cũng gánh đất từ sáng sớm tới tối mịt.",
    "Năm ấy mất mùa, cả làng phải ăn độn khoai sắn, trẻ con đói lắm.",
    "Ông tôi kể rằng ngôi đình làng đã có từ thời vua Tự Đức, sau bị cháy mất một nửa.",
    "Đêm giao thừa năm đó pháo nổ khắp làng, ai cũng mong hòa bình sớm trở về.",
    "Cô giáo dạy bình dân học vụ là người làng bên, tối nào cũng đi bộ qua ba cánh đồng.",
    "Bác có nhớ tên những người cùng đi thanh niên xung phong với bác không ạ?",
    "Sau ngày giải phóng, tôi về làm kế toán cho hợp tác xã được mười hai năm.",
    "Con đường từ chợ huyện về xã ngày xưa chỉ là lối mòn, đi xe đạp cũng khó.",
    "Cái giếng đầu làng ấy là do cả làng cùng đào, nước trong và mát quanh năm.",
    "Bác kể thêm về những ngày ở chiến khu được không ạ?",
    "Tháng tám năm ấy trời mưa to, chúng tôi vẫn kéo nhau lên huyện mít tinh.",
    "Nhà tôi có bảy anh em, ba người đi bộ đội, chỉ có hai người trở về.",
]


def espeak_turn(work: Path, person: int, sentence: int) -> np.ndarray:
    """One sentence in one espeak person's voice at 16 kHz, its leading and trailing silence trimmed (cached)."""
    voice, variant, pitch, speed = ESPEAK[person]
    # named after the voice, not its place in the list: a file made for an earlier list would be another voice
    out = work / f"espeak-{voice}-{variant.replace(' ', '_')}-{pitch}-{speed}-{sentence}.wav"
    if not out.exists():
        raw = out.with_suffix(".raw.wav")
        subprocess.run(
            ["espeak-ng", "-v", f"{voice}+{variant}", "-p", str(pitch), "-s", str(speed), "-w", str(raw)]
            + [SENTENCES[sentence]],
            check=True,
        )
        subprocess.run(
            ["sox", "-V1", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(out)]
            + ["silence", "1", "0.01", "0.5%", "reverse", "silence", "1", "0.01", "0.5%", "reverse"],
            check=True,
        )
    with wave.open(str(out)) as reader:
        return np.frombuffer(reader.readframes(reader.getnframes()), "<i2").astype(np.float32) / 32768


def speech_of(pool: str, args, person: int, rng: random.Random, want: float) -> np.ndarray:
    """At least ``want`` seconds of one person: espeak sentences, or the clip (other tempi, random starts)."""
    pieces: list[np.ndarray] = []
    while sum(len(p) for p in pieces) < want * RATE:
        if pieces:
            pieces.append(np.zeros(int(0.15 * RATE), np.float32))
        if pool == "espeak":
            pieces.append(espeak_turn(args.work, person, rng.randrange(len(SENTENCES))))
        else:
            take = clip(args.data, args.work, CLIPS[person], rng.choice([0.9, 0.95, 1.0, 1.05, 1.1]))
            pieces.append(take if not pieces else take[rng.randrange(0, len(take) // 2) :])
    return np.concatenate(pieces)


def interview(pool: str, args, people: list[int], rng: random.Random):
    """Samples and reference turns [(start, end, person)] of one made-up interview."""
    pieces, reference, t, last = [], [], 0.0, None
    turns = rng.randint(10, 14)
    order = [people[i % len(people)] for i in range(len(people))]  # everyone speaks at least once
    while len(order) < turns:
        order.append(rng.choice([p for p in people if p != order[-1]]))
    for person in order:
        if person == last:
            continue
        last = person
        speech = speech_of(pool, args, person, rng, rng.uniform(3.0, 8.0))
        gap = np.zeros(int(rng.uniform(0.3, 1.0) * RATE), np.float32)
        pieces += [gap, speech]
        t += len(gap) / RATE
        reference.append((t, t + len(speech) / RATE, person))
        t += len(speech) / RATE
    pieces.append(np.zeros(int(0.5 * RATE), np.float32))
    return np.concatenate(pieces), reference


RECORDERS = {  # how an interview may be recorded: sox effects, or noise at 20 dB SNR
    "as is": [],
    "telephone band": ["sinc", "300-3400"],
    "room reverb": ["reverb", "50"],
    "low-pass 2500 Hz": ["lowpass", "2500"],
    "high-pass 400 Hz": ["highpass", "400"],
    "noise 20 dB": None,
}


def record_otherwise(wav: Path, recorder: str, rng: random.Random) -> None:
    """The interview's audio as another recorder in another room would have it (the file is replaced)."""
    effect = RECORDERS[recorder]
    if effect is None:
        with wave.open(str(wav)) as reader:
            samples = np.frombuffer(reader.readframes(reader.getnframes()), "<i2").astype(np.float32) / 32768
        noise = np.random.default_rng(rng.randrange(2**32)).normal(size=len(samples)).astype(np.float32)
        write_wav(wav, samples + 0.1 * np.sqrt(np.mean(samples**2)) * noise)
    elif effect:
        changed = wav.with_suffix(".recorded.wav")
        subprocess.run(["sox", "-V1", str(wav), str(changed), *effect], check=True)
        changed.replace(wav)


def cast(pool_size: int, count: int, rng: random.Random) -> list[list[int]]:
    """Who is in each interview: interviewer 0 or 1, then one or two witnesses, often one seen before."""
    seen: list[int] = []
    fresh = list(range(2, pool_size))
    rng.shuffle(fresh)
    out = []
    for _ in range(count):
        witnesses: list[int] = []
        for _ in range(1 if rng.random() < 0.7 else 2):
            again = [p for p in seen if p not in witnesses]
            if fresh and (not again or rng.random() < 0.5):
                witnesses.append(fresh.pop())
            else:
                witnesses.append(rng.choice(again))
            if witnesses[-1] not in seen:
                seen.append(witnesses[-1])
        out.append([rng.choice([0, 1])] + witnesses)
    return out


def run_pool(pool: str, args) -> list[dict]:
    """Each interview as a run hears it: its speech regions and voice windows, and who truly speaks when."""
    from pipeline.intake import audio, slicing
    from pipeline.speech import diarize, speakers, voice_encoder

    rng = random.Random(f"{args.seed}-{'clips' if pool == 'recorded' else pool}")  # recorded: the clips' interviews
    recorders = random.Random(f"{args.seed}-recorders")
    size = len(ESPEAK) if pool == "espeak" else len(CLIPS)
    offset = {"clips": 0, "espeak": 100, "recorded": 200}[pool]  # one archive for the pools: a person number each
    out = []
    for k, people in enumerate(cast(size, args.interviews, rng)):
        samples, reference = interview(pool, args, people, rng)
        wav = args.work / f"{pool}-{k}.wav"
        write_wav(wav, samples)
        if pool == "recorded":
            record_otherwise(wav, recorders.choice(list(RECORDERS)), recorders)
        decoded = wav.with_suffix(".f32")
        audio.normalise(wav, wav.with_suffix(".normalised.wav"), decoded)
        heard = slicing.decoded_samples(decoded)
        speech = speakers.speech_regions(heard) or [(a, b) for a, b, _ in reference]
        out.append(
            {
                "pool": pool,
                "k": k,
                "people": [person + offset for person in people],
                "audio": len(heard) / RATE,
                "windows": diarize.voice_windows(heard, speech, voice_encoder.encoder()),
                "speech": speech,
                "reference": [(a, b, person + offset) for a, b, person in reference],
            }
        )
        print(f"{pool} {k}: heard, people {people}", flush=True)
    return out


def labelled(item: dict) -> dict:
    """The interview's turns (with the count from the metadata) and a print per label, by the code as it is now,
    and who each label truly is: the person who speaks most of it, and that person's share (purity)."""
    from pipeline.speech import diarize, voices

    windows, people = item["windows"], item["people"]
    found = diarize.turns_of(item["speech"], *windows, len(people))
    started = time.perf_counter()
    prints = voices.label_prints(*windows, [(t.start, t.end, t.speaker) for t in found])
    print_seconds = time.perf_counter() - started
    truth, purity = {}, {}
    for label in prints:
        overlap = dict.fromkeys(people, 0.0)
        for turn in (t for t in found if t.speaker == label):
            for a, b, p in item["reference"]:
                overlap[p] += max(0.0, min(b, turn.end) - max(a, turn.start))
        truth[label] = max(overlap, key=lambda p: overlap[p])
        purity[label] = overlap[truth[label]] / max(sum(overlap.values()), 1e-9)
    labels = list(truth.values())
    clean = len(set(labels)) == len(labels) and all(share >= 0.9 for share in purity.values())
    vectors = {label: vector for label, (vector, _) in prints.items()}
    turns = [(t.start, t.end, t.speaker) for t in found]
    return item | {
        "turns": turns,
        "prints": vectors,
        "truth": truth,
        "purity": purity,
        "clean": clean,
        "print_seconds": print_seconds,
    }


def cached_run(pool: str, args) -> list[dict]:
    """A pool's interviews as the encoder heard them, kept in the work folder (hearing them takes many minutes);
    the turns and prints are made again from the windows on every call, so a change in the code is measured.
    The file is named after the voices, so a changed voice list is heard again."""
    voices = ESPEAK if pool == "espeak" else CLIPS if pool == "clips" else (CLIPS, RECORDERS)
    signature = hashlib.sha1(repr(voices).encode()).hexdigest()[:8]
    cache = args.work / f"heard-{args.seed}-{args.interviews}-{pool}-{signature}.pickle"
    if not cache.exists():
        cache.write_bytes(pickle.dumps(run_pool(pool, args)))
    done = [labelled(item) for item in pickle.loads(cache.read_bytes())]
    for item in done:
        shown = {label: f"{item['truth'][label]} ({item['purity'][label]:.0%})" for label in item["truth"]}
        print(f"{pool} {item['k']}: people {item['people']}, labels {shown}")
    return done


def trials(done: list[dict], threshold: float, preferred: float, only_clean: bool = False) -> dict:
    """Replay the archive growing interview by interview, at one threshold pair; ``only_clean``: count the trials
    of the interviews whose labels are each one person (the prints of every interview are kept all the same)."""
    from pipeline.database import KnownPrint
    from pipeline.speech import voices

    options = voices.VoiceOptions(threshold=threshold, preferred_threshold=preferred)
    counts = {"right": 0, "wrong": 0, "none": 0, "known": 0, "unknown": 0, "false": 0}
    known: list[KnownPrint] = []
    match_seconds = []
    for item in done:
        started = time.perf_counter()
        full = voices.match(item["prints"], known, item["people"], (), options)
        match_seconds.append(time.perf_counter() - started)
        for label, person in item["truth"].items():
            if only_clean and not item["clean"]:
                continue
            if any(k.person_id == person for k in known):
                counts["known"] += 1
                got = full.get(label)
                counts["none" if got is None else "right" if got.person_id == person else "wrong"] += 1
            without = [k for k in known if k.person_id != person]
            counts["unknown"] += 1
            counts["false"] += label in voices.match(item["prints"], without, item["people"], (), options)
        for label, vector in item["prints"].items():  # the editor names every label
            print_id = len(known) + 1
            known.append(KnownPrint(print_id, item["truth"][label], item["k"], label, voices.to_bytes(vector), 10))
    counts["match_ms"] = 1000 * statistics.median(match_seconds)
    return counts


def cost_of_an_hour() -> dict:
    """label_prints over 9,000 windows (an hour of speech every 0.4 s) in two labels, and match against 1,000
    known prints of 100 people."""
    from pipeline.database import KnownPrint
    from pipeline.speech import voices

    rng = np.random.default_rng(0)
    windows = rng.normal(size=(9000, 256)).astype(np.float32)
    windows /= np.linalg.norm(windows, axis=1, keepdims=True)
    starts = np.arange(9000) * 0.4
    spans = [(a, a + 30.0, "S1" if i % 2 else "S2") for i, a in enumerate(np.arange(0, 3600, 30.0))]
    known = [
        KnownPrint(i, i % 100, i, "S1", voices.to_bytes(w), 60.0)
        for i, w in enumerate(rng.normal(size=(1000, 256)).astype(np.float32))
    ]
    started = time.perf_counter()
    prints = voices.label_prints(starts, windows, spans)
    middle = time.perf_counter()
    voices.match({k: v for k, (v, _) in prints.items()}, known, [1, 2])
    done = time.perf_counter()
    return {"label_prints_ms": 1000 * (middle - started), "match_ms": 1000 * (done - middle)}


def similar_clips(args) -> None:
    """The cosine similarity of every two clips' prints (a voice per clip), to see which clips share a voice."""
    from pipeline.speech import voice_encoder, voices

    prints = []
    for person in range(len(CLIPS)):
        samples = speech_of("clips", args, person, random.Random(person), 6.0)
        starts, embeddings = voice_encoder.encoder().windows(samples, [(0.0, len(samples) / RATE)], 0.4)
        prints.append(voices.label_prints(starts, embeddings, [(0.0, len(samples) / RATE, "x")])["x"][0])
    print("\n| clip | most alike other clip | cosine |\n|---|---|---|")
    for i, name in enumerate(CLIPS):
        scores = [(float(prints[i] @ prints[j]), CLIPS[j]) for j in range(len(CLIPS)) if j != i]
        best = max(scores)
        print(f"| {name} | {best[1]} | {best[0]:.3f} |")


def pool_options(description: str | None, pools: bool = True) -> argparse.ArgumentParser:
    """The options of every bench over these pools (this one, voice_cues, voices_norm, encoder_survey); ``pools``
    False for those that read all three."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--work", type=Path, default=Path("/tmp/loike-voices"))
    parser.add_argument("--interviews", type=int, default=30)
    parser.add_argument("--seed", default="2026")
    if pools:
        parser.add_argument("--pools", default="clips,espeak")
    return parser


def main() -> None:
    args = pool_options(__doc__).parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    print(header(command_line()))
    similar_clips(args)
    done = {pool: cached_run(pool, args) for pool in args.pools.split(",")}
    clean = sum(item["clean"] for items in done.values() for item in items)
    print(f"\nInterviews whose every label is one person (90 %+ of its speech) and no two labels the same: {clean}")
    done["both"] = [item for pool in args.pools.split(",") if pool != "recorded" for item in done[pool]]
    print(
        "\n| pool | interviews | threshold / preferred | known trials | right | wrong | none | unknown trials | "
        "proposed wrongly | wrong, all | match (median ms) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    grid = [(t, p) for t, p in itertools.product(np.arange(0.80, 0.96, 0.025), (0.0, 0.05))]
    for (pool, items), only_clean in itertools.product(done.items(), (False, True)):
        for threshold, lower in grid:
            c = trials(items, float(threshold), float(threshold - lower), only_clean)
            n = max(c["known"], 1)
            print(
                f"| {pool} | {'clean' if only_clean else 'all'} | {threshold:.3f} / {threshold - lower:.3f} | "
                f"{c['known']} | {c['right'] / n:.1%} | {c['wrong'] / n:.1%} | {c['none'] / n:.1%} | {c['unknown']} | "
                f"{c['false'] / max(c['unknown'], 1):.1%} | "
                f"{(c['wrong'] + c['false']) / max(c['known'] + c['unknown'], 1):.1%} | {c['match_ms']:.2f} |",
                flush=True,
            )
    audio = [item["audio"] for items in done.values() for item in items]
    seconds = [item["print_seconds"] for items in done.values() for item in items]
    print(
        f"\nInterviews: median {statistics.median(audio):.0f} s of audio; label prints median {1000 * statistics.median(seconds):.2f} ms."
    )
    print(f"One hour, 9,000 windows, 1,000 known prints: {cost_of_an_hour()}")


if __name__ == "__main__":
    main()
