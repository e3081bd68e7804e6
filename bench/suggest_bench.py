"""Names from the metadata: how often the right name is offered where the machine misheard one, and how many wrong
suggestions an editor meets per 10 minutes of audio.

A set built for it (in /tmp, never in the repository): --interviews made-up interviews, each a few sentences from
bench/made_up_interviews.py naming its witness, its commune (from 24 real commune names, in an order the seed draws) and
one of their people, spoken by espeak-ng (Vietnamese voice, two speeds), with sentences that name nobody in
between. Each is transcribed by the pipeline's own ``Transcriber`` (embedded Whisper base) and stored, with its
words, gaps and drafts as a run stores them (and the flags this code raises on a line's text and times), and
with its metadata (witness, commune, district, province) through ``database.apply_metadata``; every interview's
commune becomes one of the archive's places, so each line is matched against all 24 communes and the people of its
interview. With --neighbours, each interview has one sentence more naming another of the 24 communes (bare or as
"xã …"), so what a rule for the archive's other places loses is counted too. A gap's draft is taken as an editor would take it (``taking_drafts``), then the editor goes
through the lines in order and turns each wrong suggestion down as it comes (``met_by_an_editor``: turned down, it
goes from every line of the interview with the same words); what the editor meets is scored. With --audio, the
interviews' normalised audio is kept there (or read from there with --again), and the names are heard again against
their rivals (``desk.hearing``) once the drafts are taken, on that audio, as ``loike run`` and ``loike suggest`` do.

Scored per name spoken, where it was spoken (each sentence's time is known): misheard when no line overlapping
that sentence holds the name as written (NFC, any case); caught when a suggestion in such a line offers it (or a
phrase holding it, "chi bộ xã Bắc Cường" for "Bắc Cường"). A suggestion is wrong when what it offers holds none
of the names spoken in the sentences its line overlaps; the wrong ones offered before any is turned down are
counted too. Then the dev clips of ../shared/data/vi-speech-dev (real speech, naming none of these) stored as
interviews of the same archive: every suggestion there is wrong.

Goals (issue 17): the right suggestion for at least 60 % of the misheard names; at most 1 wrong suggestion per
10 minutes of audio.

    PYTHONPATH=$PWD .venv/bin/python bench/suggest_bench.py [--interviews 24] [--seed 17] [--keep /tmp/s.json]
    PYTHONPATH=$PWD .venv/bin/python bench/suggest_bench.py --again /tmp/s.json   # the same speech, scored again
    PYTHONPATH=$PWD .venv/bin/python bench/suggest_bench.py --neighbours --seed 71 --keep /tmp/n.json
    PYTHONPATH=$PWD .venv/bin/python bench/suggest_bench.py --neighbours --seed 71 --keep /tmp/n.json --audio /tmp/n
    PYTHONPATH=$PWD .venv/bin/python bench/suggest_bench.py --again /tmp/n.json --audio /tmp/n  # heard again
    PYTHONPATH=$PWD .venv/bin/python bench/suggest_bench.py --cost 2000           # how long 2,000 lines take
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402
from made_up_interviews import COMMUNES, GIVEN, MIDDLE, NAMING, PLAIN, SURNAMES, made_up, speak  # noqa: E402

WORD = re.compile(r"\w+")


def transcribed(args, rng: random.Random) -> tuple[list[dict], list[dict]]:
    """The made-up interviews and the dev clips, spoken and transcribed: their lines, times and lengths."""
    from pipeline import settings
    from pipeline.intake import audio, slicing
    from pipeline.options import TranscribeOptions
    from pipeline.speech.transcribe import Transcriber

    transcriber = Transcriber(TranscribeOptions(workers=1), settings.model_cache(None))
    communes = rng.sample(COMMUNES, len(COMMUNES))
    with tempfile.TemporaryDirectory(prefix="loike-suggest-") as tmp:
        work = Path(tmp)

        def transcribe(path: Path, code: str) -> dict:
            decoded = work / "decoded.f32"
            normalised = audio.normalise(path, args.audio / f"{code}.wav" if args.audio else work / "n.wav", decoded)
            found = transcriber.transcribe(slicing.read_chunks(decoded, 120.0))
            segments = [
                {
                    **{"start": s.start, "end": s.end, "text": s.text, "flags": s.flags, "heard_again": s.heard_again},
                    "words": [[w.start, w.end, w.text, w.probability, w.lowest] for w in s.words],
                }
                for s in found
            ]
            if args.audio:
                gains = args.audio / "gains.json"
                kept = json.loads(gains.read_text()) if gains.exists() else {}
                gains.write_text(json.dumps({**kept, code: normalised.gain_db}))
            return {"segments": segments, "seconds": normalised.duration}

        named = []
        for n in range(args.interviews):
            meta = made_up(n, communes, rng, args.neighbours)
            wav = work / f"named-{n:02d}.wav"
            meta["spans"] = speak([(line, rng.choice([140, 160])) for line in meta["lines"]], wav, work)
            named.append({**meta, **transcribe(wav, f"NAMED-{n:02d}"), "code": f"NAMED-{n:02d}"})
            print(f"  {named[-1]['code']}: {' '.join(s['text'] for s in named[-1]['segments'])}", file=sys.stderr)
        plain = [{**transcribe(wav, f"DEV-{wav.stem}"), "code": f"DEV-{wav.stem}"} for wav, _ in c.clips(args.data)]
    return named, plain


def store(db, interview: dict, gain_db: float | None = None) -> int:
    from pipeline import database
    from pipeline.database.heard import MachineSegment
    from pipeline.database.metadata_records import Consent, InterviewMeta, MetadataFound, PersonMeta
    from pipeline.database.models import Word
    from pipeline.speech import flags

    code = interview["code"]
    recording = database.add_recording(db, f"{abs(hash(code)):064x}", f"{code}.wav", 1000, code)
    database.update_recording(db, recording, decoded_duration=interview["seconds"], gain_db=gain_db)
    segments = [
        MachineSegment(
            s["start"],
            s["end"],
            s["text"],
            None,
            None,
            None,
            words=[Word(*w) for w in s.get("words", [])],
            flags=sorted(
                {*s.get("flags", []), *flags.codes(MachineSegment(s["start"], s["end"], s["text"], None, None, None))}
            ),
            heard_again=s.get("heard_again"),
        )
        for s in interview["segments"]
    ]
    run = {"model": "base", "settings": {}, "versions": {}, "started_at": "", "finished_at": "", "audio_seconds": 0}
    database.save_transcript(db, recording, segments, run)
    found = database.interview_for(db, recording)
    if "people" in interview:
        meta = InterviewMeta(
            title=code,
            commune=interview["commune"],
            district="Vũ Thư",
            province="Thái Bình",
            witnesses=[PersonMeta(full_name=name) for name in interview["people"] + interview.get("unspoken", [])],
            consent=Consent("allowed"),
        )
        database.apply_metadata(db, found.id, MetadataFound(f"{code}.wav", "x.yaml", meta, [], code))
    return found.id


def spoken(interview: dict) -> list[tuple[tuple[float, float], str]]:
    """Each name said in a made-up interview, with when the sentence saying it was said."""
    return [
        (span, name)
        for span, sentence in zip(interview["spans"], interview["lines"])
        for name in [interview["commune"], *interview["people"], *interview.get("others", [])]
        if name in sentence
    ]


def right(offered, interview: dict, lines: dict) -> bool:
    """A suggestion offers a name said in a sentence its line overlaps (``lines``: each line's (start, end) by id)."""
    from pipeline.text import fold

    return any(
        fold(name) in fold(offered.suggestion)
        for span, name in spoken(interview)
        if overlap(lines[offered.segment_id], span)
    )


def scored(interview: dict, offered: list, lines: dict, among: list | None = None) -> tuple[int, int, int]:
    """(names misheard, of them caught, wrong suggestions) in one made-up interview; ``lines`` holds each line's
    (start, end) by its id; ``among``: count only these names as misheard or caught."""
    from pipeline.desk.suggestions import HEARD_AGAIN
    from pipeline.text import fold

    misheard = caught = 0
    for span, name in spoken(interview):
        if among is not None and name not in among:
            continue
        said = [s["text"] for s in interview["segments"] if overlap((s["start"], s["end"]), span)]
        if any(name.lower() in text.lower() for text in said):
            continue
        misheard += 1
        caught += any(fold(name) in fold(o.suggestion) for o in offered if overlap(lines[o.segment_id], span))
    wrong = sum(not right(o, interview, lines) for o in offered if o.source != HEARD_AGAIN)
    return misheard, caught, wrong


def met_by_an_editor(db, archive, interview: dict, interview_id: int, lines: dict) -> list:
    """The suggestions an editor meets going through the lines in order and turning each wrong one down as it comes
    (which takes it from every line with the same words: ``suggestions.decline``)."""
    from pipeline.desk import suggestions

    met: list = []
    after = (-1, -1)
    while True:
        ahead = [o for o in suggestions.suggestions(db, archive, str(interview_id)) if (o.line, o.offset) > after]
        wrong = next((o for o in ahead if not right(o, interview, lines)), None)
        if wrong is None:
            return met + ahead
        met += [o for o in ahead if (o.line, o.offset) <= (wrong.line, wrong.offset)]
        suggestions.decline(db, wrong.segment_id, wrong.found, wrong.suggestion, "bench")
        after = (wrong.line, wrong.offset)


HEARD: list[tuple[int, float]] = []
"""(names weighed, seconds) for each interview whose names were heard again."""


def taking_drafts(db, archive, interview_id: int, listener=None, audio: Path | None = None) -> list:
    """Every gap's draft in an interview, taken as an editor takes it (one key each); then, given a ``listener`` and
    the interview's ``audio``, the names in its lines heard again."""
    from pipeline import database
    from pipeline.desk import hearing, suggestions

    drafts = [o for o in suggestions.suggestions(db, archive, str(interview_id)) if o.source == suggestions.HEARD_AGAIN]
    for o in drafts:
        suggestions.accept(db, o.segment_id, o.version, o.offset, o.found, o.suggestion, "bench")
    if listener and audio and audio.exists():  # as a run leaves it: the normalised WAV, its gain on the recording
        archive.audio_dir.mkdir(parents=True, exist_ok=True)
        (archive.audio_dir / f"{database.interview(db, str(interview_id)).code}.wav").symlink_to(audio)
        started = time.perf_counter()
        HEARD.append((hearing.hear_names(db, archive, str(interview_id), listener), time.perf_counter() - started))
    return drafts


def scoring(db, archive, named: list[dict], plain: list[dict], ids: list[int], drafts: list[list]) -> str:
    """What an editor meets in the made-up interviews (their drafts taken) and in the dev clips, in a sentence."""
    from pipeline import database
    from pipeline.desk import suggestions

    misheard = caught = wrong = wrong_offered = others_misheard = others_caught = 0
    for interview, found, taken in zip(named, ids, drafts):
        offered = taken + suggestions.suggestions(db, archive, str(found))
        interview["suggestions"] = [(o.found, o.suggestion, o.source) for o in offered]
        lines = {s.id: (s.start, s.end) for s in database.segments(db, found, with_words=False)}
        wrong_offered += scored(interview, offered, lines)[2]
        met = taken + met_by_an_editor(db, archive, interview, found, lines)
        counts = scored(interview, met, lines)
        misheard, caught, wrong = misheard + counts[0], caught + counts[1], wrong + counts[2]
        elsewhere = scored(interview, met, lines, among=interview.get("others", []))
        others_misheard, others_caught = others_misheard + elsewhere[0], others_caught + elsewhere[1]
    wrong_plain = sum(len(suggestions.suggestions(db, archive, str(found))) for found in ids[len(named) :])
    minutes = sum(i["seconds"] for i in named) / 60
    return (
        f"names misheard: {misheard}; right suggestion offered for {caught} ({caught / max(misheard, 1):.0%}); "
        f"wrong suggestions: {wrong} in {minutes:.1f} min of named speech ({wrong / max(minutes, 0.1) * 10:.2f} "
        f"per 10 min; {wrong_offered} offered before any is turned down), "
        f"{wrong_plain} in {sum(i['seconds'] for i in plain) / 60:.1f} min of the dev clips; "
        f"{sum(map(len, drafts))} drafts for gaps taken"
        + (f"; other communes: {others_misheard} misheard, {others_caught} caught" if others_misheard else "")
    )


def overlap(line: tuple[float, float], sentence: tuple[float, float]) -> bool:
    """A line and a sentence overlap, give or take 0.3 s (Whisper's times are not exact)."""
    return line[0] < sentence[1] + 0.3 and sentence[0] < line[1] + 0.3


def cost(lines: int, runs: int = 5) -> None:
    """Time ``suggestions.suggestions`` on an interview of ``lines`` lines of 18 syllables drawn from the words its
    names are made of (many near misses: harder than speech), in an archive of nine communes."""
    import statistics

    sys.path.insert(0, str(c.REPO / "tests"))
    import reviewdesk

    from pipeline import database
    from pipeline.desk import suggestions

    words = " ".join([*NAMING, *PLAIN]).replace("{commune}", "Bắc Cường").replace("{person}", "Nguyễn Văn Hùng")
    pool = WORD.findall(words.lower())
    rng = random.Random(1)
    text = [" ".join(rng.choice(pool) for _ in range(18)) for _ in range(lines)]
    with tempfile.TemporaryDirectory(prefix="loike-suggest-") as tmp:
        archive = reviewdesk.build(Path(tmp), lines=text, audio=False)
        for commune in COMMUNES[1:9]:
            reviewdesk.build(Path(tmp), lines=["Một dòng."], title=commune, commune=commune, audio=False)
        db = database.open_database(archive.database)
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            found = suggestions.suggestions(db, archive, "1")
            times.append(time.perf_counter() - started)
        db.close()
    print(f"{lines} lines: {len(found)} suggestions in {statistics.median(times):.3f} s (median of {runs})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interviews", type=int, default=24)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--data", type=Path, default=c.DEFAULT_DATA)
    parser.add_argument("--keep", type=Path, help="Write the interviews, their transcripts and suggestions here.")
    parser.add_argument("--again", type=Path, help="Score the interviews a --keep file holds (no speech made).")
    parser.add_argument(
        "--more-people", type=int, default=0, help="Name this many more people in each interview's metadata, unspoken."
    )
    parser.add_argument(
        "--neighbours",
        action="store_true",
        help="In each interview, one sentence more naming another commune of the archive.",
    )
    parser.add_argument(
        "--audio",
        type=Path,
        help="Keep the interviews' normalised WAVs and gains here (read them with --again): names are heard again.",
    )
    parser.add_argument(
        "--heard-better-by",
        type=lambda text: [float(bar) for bar in text.split(",")],
        default=None,
        help="Score at each of these bars for a rival heard better (comma-separated) [default: the desk's].",
    )
    parser.add_argument(
        "--cost", type=int, metavar="LINES", help="Only time the suggestions of a LINES-line interview."
    )
    args = parser.parse_args()
    if args.cost:
        return cost(args.cost)
    from pipeline import database, settings
    from pipeline.desk import suggestions

    args.heard_better_by = args.heard_better_by or [suggestions.HEARD_BETTER_BY]
    if args.audio:
        args.audio.mkdir(parents=True, exist_ok=True)
    if args.again:
        kept = json.loads(args.again.read_text(encoding="utf-8"))
        named, plain = kept["named"], kept["plain"]
    else:
        named, plain = transcribed(args, random.Random(args.seed))
    listener = None
    if args.audio:
        from pipeline.options import TranscribeOptions
        from pipeline.speech.transcribe import Transcriber

        listener = Transcriber(TranscribeOptions(workers=1), settings.model_cache(None))
    crowd = random.Random(args.seed + 1)
    for interview in named:
        interview["unspoken"] = [
            f"{crowd.choice(SURNAMES)} {crowd.choice(MIDDLE)} {crowd.choice(GIVEN)}" for _ in range(args.more_people)
        ]
    with tempfile.TemporaryDirectory(prefix="loike-suggest-") as tmp:
        archive = settings.archive(Path(tmp) / "archive")
        archive.recordings.mkdir(parents=True)
        db = database.open_database(archive.database)
        gains = json.loads((args.audio / "gains.json").read_text()) if args.audio else {}
        ids = [store(db, interview, gains.get(interview["code"])) for interview in [*named, *plain]]
        drafts = [
            taking_drafts(db, archive, found, listener, args.audio and args.audio / f"{interview['code']}.wav")
            for interview, found in zip(named, ids)
        ]
        for bar in args.heard_better_by:
            suggestions.HEARD_BETTER_BY = bar
            print(
                ("" if len(args.heard_better_by) == 1 else f"heard better by {bar}: ")
                + scoring(db, archive, named, plain, ids, drafts)
            )
            db.execute("DELETE FROM suggestions_declined")  # the next bar's editor starts afresh
            db.conn.commit()
        db.close()
    if HEARD:
        weighed, seconds = sum(n for n, _ in HEARD), sum(t for _, t in HEARD)
        print(f"names heard again: {weighed} in {seconds:.1f} s ({seconds / max(weighed, 1):.2f} s each)")
    if args.keep:
        args.keep.write_text(json.dumps({"named": named, "plain": plain}, ensure_ascii=False, indent=1), "utf-8")


if __name__ == "__main__":
    main()
