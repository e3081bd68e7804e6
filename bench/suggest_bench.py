"""Names from the metadata: how often the right name is offered where the machine misheard one, and how many wrong
suggestions an editor meets per 10 minutes of audio.

A set built for it (in /tmp, never in the repository): --interviews made-up interviews, each a few sentences from
the templates below naming its witness, its commune (from 24 real commune names) and one of their people, spoken by
espeak-ng (Vietnamese voice, two speeds), with sentences that name nobody in between. Each is transcribed by the
pipeline's own ``Transcriber`` (embedded Whisper base) and stored with its metadata (witness, commune, district,
province, events) through ``database.apply_metadata``; every interview's commune becomes one of the archive's
places, so each line is matched against all 24 communes and the people of its interview.

Scored per name spoken: misheard when the transcript does not hold it as written (NFC, any case); caught when a
suggestion of that interview offers it (or a phrase holding it, "chi bộ xã Bắc Cường" for "Bắc Cường"). A
suggestion is wrong when what it offers holds none of the names spoken in that interview. Then the same with
the dev clips of ../shared/data/vi-speech-dev (real speech, naming none of these) stored as interviews of the same
archive: every suggestion there is wrong.

Goals (issue 17): the right suggestion for at least 60 % of the misheard names; at most 1 wrong suggestion per
10 minutes of audio.

    PYTHONPATH=$PWD .venv/bin/python bench/suggest_bench.py [--interviews 24] [--keep /tmp/suggest.json]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402

COMMUNES = [
    "Bắc Cường", "Đông Hưng", "Vũ Lạc", "Tân Phong", "Minh Khai", "Hồng Phong", "Quang Trung", "Thái Sơn",
    "Nam Hà", "Vũ Tiến", "Đông Kinh", "Trung An", "Hòa Bình", "Thanh Nê", "Quốc Tuấn", "An Ninh",
    "Bình Minh", "Tây Sơn", "Nghĩa Hưng", "Phúc Thành", "Hải Triều", "Kim Trung", "Đình Phùng", "Song Lãng",
]  # fmt: skip
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Hữu", "Quang"]
GIVEN = ["Cường", "Lan", "Hùng", "Mai", "Tuấn", "Hoa", "Dũng", "Thảo", "Sơn", "Hương", "Bình", "Nga"]
NAMING = [
    "Năm một nghìn chín trăm bốn mươi lăm, chi bộ xã {commune} được thành lập.",
    "Ông {person} là bí thư đầu tiên của chi bộ.",
    "Hồi đó tôi làm liên lạc cho đồng chí {person} ở xã {commune}.",
    "Đảng bộ xã {commune} lãnh đạo nhân dân chống càn.",
    "Bà {person} nuôi giấu cán bộ trong nhà suốt ba năm.",
]
PLAIN = [
    "Những năm kháng chiến rất gian khổ, bà con góp gạo nuôi bộ đội.",
    "Chúng tôi đi bộ suốt đêm để kịp họp.",
    "Thanh niên trong làng đi dân công hỏa tuyến.",
]


def speak(sentences: list[tuple[str, int]], target: Path, work: Path) -> None:
    parts = []
    for n, (sentence, speed) in enumerate(sentences):
        part = work / f"{target.stem}-{n:02d}.wav"
        subprocess.run(["espeak-ng", "-v", "vi", "-s", str(speed), "-w", str(part), sentence], check=True)
        pause = work / f"{target.stem}-{n:02d}-pause.wav"
        subprocess.run(["sox", "-n", "-r", "22050", "-c", "1", str(pause), "trim", "0", "0.8"], check=True)
        parts += [part, pause]
    subprocess.run(["sox", *map(str, parts), "-r", "16000", str(target)], check=True)


def made_up(n: int, rng: random.Random) -> dict:
    commune = COMMUNES[n % len(COMMUNES)]
    people = [f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}" for _ in range(2)]
    lines = []
    for template in rng.sample(NAMING, 3):
        lines.append(template.format(commune=commune, person=rng.choice(people)))
        lines.append(rng.choice(PLAIN))
    spoken = sorted({name for name in [commune, *people] if any(name in line for line in lines)})
    return {"commune": commune, "people": people, "lines": lines, "spoken": spoken}


def store(db, code: str, segments, meta: dict | None, seconds: float) -> int:
    from pipeline import database
    from pipeline.database.metadata_records import Consent, InterviewMeta, MetadataFound, PersonMeta

    recording = database.add_recording(db, f"{abs(hash(code)):064x}", f"{code}.wav", 1000, code)
    database.update_recording(db, recording, decoded_duration=seconds)
    run = {"model": "base", "settings": {}, "versions": {}, "started_at": "", "finished_at": "", "audio_seconds": 0}
    database.save_transcript(db, recording, segments, run)
    interview = database.interview_for(db, recording)
    if meta:
        found = InterviewMeta(
            title=code,
            commune=meta["commune"],
            district="Vũ Thư",
            province="Thái Bình",
            witnesses=[PersonMeta(full_name=name) for name in meta["people"]],
            consent=Consent("allowed"),
        )
        database.apply_metadata(db, interview.id, MetadataFound(f"{code}.wav", "x.yaml", found, [], code))
    return interview.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interviews", type=int, default=24)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--data", type=Path, default=c.DEFAULT_DATA)
    parser.add_argument("--keep", type=Path, help="Write every interview, transcript and suggestion here as JSON.")
    args = parser.parse_args()
    from pipeline import database, settings
    from pipeline.desk import suggestions
    from pipeline.intake import audio, slicing
    from pipeline.options import TranscribeOptions
    from pipeline.speech.transcribe import Transcriber
    from pipeline.text import fold

    rng = random.Random(args.seed)
    transcriber = Transcriber(TranscribeOptions(workers=1), settings.model_cache(None))
    with tempfile.TemporaryDirectory(prefix="loike-suggest-") as tmp:
        work = Path(tmp)
        archive = settings.archive(work / "archive")
        archive.recordings.mkdir(parents=True)
        db = database.open_database(archive.database)
        made, seconds_named, seconds_plain = [], 0.0, 0.0

        def transcribe(path: Path):
            decoded = work / "decoded.f32"
            normalised = audio.normalise(path, work / "n.wav", decoded)
            return transcriber.transcribe(slicing.read_chunks(decoded, 120.0)), normalised.duration

        for n in range(args.interviews):
            meta = made_up(n, rng)
            wav = work / f"named-{n:02d}.wav"
            speak([(line, rng.choice([140, 160])) for line in meta["lines"]], wav, work)
            segments, seconds = transcribe(wav)
            seconds_named += seconds
            meta["code"] = code = f"NAMED-{n:02d}"
            meta["id"] = store(db, code, segments, meta, seconds)
            meta["transcript"] = " ".join(s.text for s in segments)
            made.append(meta)
            print(f"  {code}: {meta['transcript']}", file=sys.stderr, flush=True)
        plain = []
        for wav, _ in c.clips(args.data):
            segments, seconds = transcribe(wav)
            seconds_plain += seconds
            plain.append(store(db, f"DEV-{wav.stem}", segments, None, seconds))

        misheard = caught = wrong_named = 0
        for meta in made:
            offered = suggestions.suggestions(db, archive, str(meta["id"]))
            meta["suggestions"] = [(s.found, s.suggestion, s.source) for s in offered]
            said = meta["transcript"].lower()
            for name in meta["spoken"]:
                if name.lower() in said:
                    continue
                misheard += 1
                caught += any(fold(name) in fold(s.suggestion) for s in offered)
            wrong_named += sum(not any(fold(n) in fold(s.suggestion) for n in meta["spoken"]) for s in offered)
        wrong_plain = sum(len(suggestions.suggestions(db, archive, str(i))) for i in plain)
        db.close()
    print(
        f"names misheard: {misheard}; right suggestion offered for {caught} ({caught / max(misheard, 1):.0%}); "
        f"wrong suggestions: {wrong_named} in {seconds_named / 60:.1f} min of named speech "
        f"({wrong_named / max(seconds_named, 1) * 600:.2f} per 10 min), {wrong_plain} in "
        f"{seconds_plain / 60:.1f} min of the dev clips"
    )
    if args.keep:
        args.keep.write_text(json.dumps(made, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
