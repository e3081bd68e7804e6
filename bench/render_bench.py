"""How long the review sheets and subject pages take for a large archive (no model: the database is built directly).

Builds, in a work folder outside the repository, an archive database in the real schema
(``database.open_database``) holding --interviews transcribed interviews of --segments segments each (the
default 720 is a one-hour interview at Whisper's usual ~5 s per segment), 8–22 words a segment with word
timings and probabilities (a tenth under 0.5, so marked low-confidence), text drawn from the evaluation
clips' reference sentences, a fifth of segments mentioning a witness, commune or event by name. Metadata
goes through ``database.apply_metadata`` as `loike run` does: a witness (from 400) and an interviewer
(from 12) with years of birth, a date, a commune (60 in 6 districts of 2 provinces), one or two events
(from 30), consent. Then times, as subprocesses (Python start-up included):

  first     `loike rebuild --sheets` with no sheets yet: every sheet, the index and every subject page written
  again     the same over an unchanged archive: everything rendered, nothing rewritten

and, in-process, where the time goes (the interview list, the sheets and the index, gathering the subjects'
passages, the subject pages). Times are wall clock; CPU is user + system of the process and its workers;
peak memory is the largest resident size among them.
``--before DIR`` also times `loike rebuild --sheets` (no sheets yet) with the package in DIR (for instance
``git archive COMMIT | tar -x -C DIR``), alternating with this checkout's within each run, so load hits both.

    PYTHONPATH=$PWD /tmp/venv/bin/python bench/render_bench.py --interviews 1000 --work /tmp/render
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402

BAR_SECONDS = 30.0
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Hữu", "Quang", "Thanh", "Ngọc", "Xuân"]
GIVEN = [
    "Cường",
    "Lan",
    "Hùng",
    "Mai",
    "Tuấn",
    "Hoa",
    "Dũng",
    "Thảo",
    "Sơn",
    "Hương",
    "Bình",
    "Nga",
    "Toàn",
    "Yến",
    "Phúc",
    "Liên",
]
EVENTS = [
    "Cải cách ruộng đất",
    "Tổng khởi nghĩa",
    "Hợp tác hóa",
    "Kháng chiến chống Pháp",
    "Chiến dịch Điện Biên Phủ",
    "Thành lập chi bộ",
    "Phong trào thi đua",
    "Chống Mỹ cứu nước",
    "Đổi mới",
    "Lũ lụt năm 1971",
]
EVENTS += [f"{e} đợt {k}" for e in EVENTS[:10] for k in (2, 3)]


def build(root: Path, interviews: int, segments: int, seed: int) -> None:
    from pipeline import database
    from pipeline.catalogue.metadata import fingerprint
    from pipeline.database.metadata_records import Consent, InterviewMeta, MetadataFound, PersonMeta

    rng = random.Random(seed)
    sentences = [text for _, text in c.clips(c.DEFAULT_DATA)]
    people = list({f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}": None for _ in range(2000)})[:412]
    witnesses, interviewers = people[:400], people[400:412]
    communes = [
        (
            f"Xã {rng.choice(GIVEN)} {rng.choice(GIVEN)} {i}",
            f"Huyện {['Vũ Thư', 'Kiến Xương', 'Đông Hưng'][i % 3]} {i % 6}",
            ["Thái Bình", "Nam Định"][i % 2],
        )
        for i in range(60)
    ]
    db = database.open_database(root / "transcripts" / "loike.db")
    started = time.perf_counter()
    for n in range(interviews):
        recording_id = database.add_recording(
            db, f"{n:064x}", f"xa-{n % 60:02d}/phong-van-{n:04d}.mp3", 30_000_000, f"phong-van-{n:04d}"
        )
        interview_id = database.interview_id_of(db, recording_id)
        witness, commune = rng.choice(witnesses), rng.choice(communes)
        events = rng.sample(EVENTS, rng.randint(1, 2))
        meta = InterviewMeta(
            witnesses=[PersonMeta(witness, birth_year=rng.randint(1925, 1950))],
            interviewers=[PersonMeta(rng.choice(interviewers), birth_year=rng.randint(1970, 2000))],
            date=f"20{rng.randint(10, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            commune=commune[0],
            district=commune[1],
            province=commune[2],
            events=events,
            topics=["lịch sử Đảng bộ"],
            consent=Consent(rng.choice(["allowed"] * 4 + ["restricted"])),
        )
        database.apply_metadata(
            db, interview_id, MetadataFound(f"xa/{n}.mp3", f"xa/{n}.yaml", meta, [], fingerprint(meta))
        )
        _transcript(db, recording_id, interview_id, segments, rng, sentences, [witness, commune[0], *events])
    db.execute("ANALYZE")
    db.close()
    print(
        f"built {interviews} interviews × {segments} segments in {time.perf_counter() - started:.0f} s", file=sys.stderr
    )


def _transcript(db, recording_id: int, interview_id: int, count: int, rng, sentences, names) -> None:
    from pipeline import database
    from pipeline.text import fold

    with db.atomic():
        run_id = (
            db["transcription_runs"]
            .insert(
                {
                    "interview_id": interview_id,
                    "model": "base",
                    "settings": "{}",
                    "versions": "{}",
                    "started_at": database.now(),
                    "finished_at": database.now(),
                    "audio_seconds": count * 5.0,
                }
            )
            .last_pk
        )
        segment_rows, word_rows, t = [], [], 0.0
        first_id = (db.execute("SELECT max(id) FROM segments").fetchone()[0] or 0) + 1
        for idx in range(count):
            words = " ".join(rng.choice(sentences).split()[: rng.randint(8, 22)]).split()
            if rng.random() < 0.2:
                words[rng.randrange(len(words))] = rng.choice(names)
            text = " ".join(words)
            segment_rows.append(
                (
                    first_id + idx,
                    interview_id,
                    run_id,
                    idx,
                    round(t, 3),
                    round(t + 4.8, 3),
                    text,
                    fold(text),
                    -0.3,
                    0.05,
                    1.4,
                    "machine",
                    "hallucination" if rng.random() < 0.01 else None,
                )
            )
            for i, word in enumerate(words):
                word_rows.append(
                    (
                        first_id + idx,
                        i,
                        round(t + i * 0.3, 3),
                        round(t + i * 0.3 + 0.25, 3),
                        word,
                        rng.uniform(0.1, 0.5) if rng.random() < 0.1 else rng.uniform(0.5, 1.0),
                    )
                )
            t += 5.0
        db.conn.executemany(
            'INSERT INTO segments (id, interview_id, run_id, idx, start, "end", text, text_folded, '
            "avg_logprob, no_speech_prob, compression_ratio, review_status, flags) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            segment_rows,
        )
        db.conn.executemany(
            'INSERT INTO words (segment_id, idx, start, "end", text, probability) VALUES (?, ?, ?, ?, ?, ?)', word_rows
        )
        database.update_recording(
            db,
            recording_id,
            status="transcribed",
            decoded_duration=count * 5.0,
            container="mp3",
            codec="mp3",
            channels=1,
            sample_rate=44100,
        )


def timed(argv: list[str], package: Path | None = None) -> tuple[float, float, float]:
    """Wall and CPU seconds (user + system, the process and its workers) and peak memory (MB, the largest of
    them) of a command, with ``package`` first on the path."""
    env = {**os.environ, "PYTHONPATH": str(package or c.REPO)}
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        child = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(child.pid, 0)  # the child's own usage, its workers' included
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            out.seek(0)
            raise SystemExit(f"{' '.join(argv)} failed:\n{out.read().decode(errors='replace')}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def breakdown(root: Path) -> dict[str, float]:
    """The steps of ``process.write_sheets``, timed one by one, as it runs them."""
    from pipeline import database
    from pipeline.publishing import review_sheets, subject_pages
    from pipeline.settings import archive

    arch = archive(root)
    db = database.open_database(arch.database)
    out, t = {}, time.perf_counter()
    interviews = database.interviews(db)
    out["list the interviews (`database.interviews`)"], t = time.perf_counter() - t, time.perf_counter()
    workers = os.cpu_count() or 1
    segments = database.SheetSegments(arch.database)
    review_sheets.write_sheets(arch.root, arch.sheets_dir, interviews, segments, {}, workers=workers)
    segments.close()
    out[f"load segments, render and write {len(interviews)} sheets and the index (up to {workers} processes)"], t = (
        time.perf_counter() - t,
        time.perf_counter(),
    )
    subjects = database.subjects(db)
    out[f"gather {len(subjects)} subjects and their passages (`database.subjects`)"], t = (
        time.perf_counter() - t,
        time.perf_counter(),
    )
    subject_pages.write_subject_pages(arch.root, arch.sheets_dir, subjects)
    out["render and write the subject pages"] = time.perf_counter() - t
    db.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--interviews", type=int, default=1000, help="interviews (default 1000)")
    parser.add_argument("--segments", type=int, default=720, help="segments per interview (default 720: one hour)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each kind (default 3)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--work",
        type=Path,
        default=None,
        help="work folder (default a new folder in /tmp); an archive already there is reused",
    )
    parser.add_argument(
        "--before",
        type=Path,
        default=None,
        help="a source tree holding an earlier pipeline/ (and templates/) to time alongside",
    )
    args = parser.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix="loike-render-", dir="/tmp"))
    root = work / "archive"
    if not (root / "transcripts" / "loike.db").exists():
        (root / "recordings").mkdir(parents=True, exist_ok=True)
        build(root, args.interviews, args.segments, args.seed)
    sheets = root / "transcripts" / "sheets"
    rebuild = [str(c.LOIKE), "--root", str(root), "rebuild", "--sheets"]
    first, again, before = [], [], []
    for _ in range(args.runs):
        if args.before:
            shutil.rmtree(sheets, ignore_errors=True)
            before.append(timed(rebuild, args.before))
            print(f"before: {before[-1][0]:.1f} s ({before[-1][1]:.1f} CPU s)", file=sys.stderr)
        shutil.rmtree(sheets, ignore_errors=True)
        first.append(timed(rebuild))
        again.append(timed(rebuild))
        print(
            f"first {first[-1][0]:.1f} s ({first[-1][1]:.1f} CPU s), again {again[-1][0]:.1f} s; load "
            f"{os.getloadavg()[0]:.1f}",
            file=sys.stderr,
        )
    pages = sum(1 for _ in sheets.rglob("*.html"))
    size = sum(p.stat().st_size for p in sheets.rglob("*.html"))
    shutil.rmtree(sheets, ignore_errors=True)
    parts = breakdown(root)
    db_mb = (root / "transcripts" / "loike.db").stat().st_size / 1e6

    print(c.header(c.command_line()))
    print(
        f"{args.interviews} interviews × {args.segments} segments ({args.interviews * args.segments:,} segments), "
        f"database {db_mb:.0f} MB; {pages:,} HTML pages written ({size / 1e6:.0f} MB); "
        f"load average before the summary {os.getloadavg()[0]:.1f}\n"
    )
    print("| what | median wall (s) | runs, wall (s) | median CPU (s) | peak memory (MB) | bar |")
    print("|---|---|---|---|---|---|")

    def line(name: str, times: list[tuple[float, float, float]], bar: bool) -> None:
        wall = c.median([w for w, _, _ in times])
        verdict = f"< {BAR_SECONDS:.0f} s: {'pass' if wall < BAR_SECONDS else 'FAIL'}" if bar else ""
        print(
            f"| {name} | {wall:.1f} | {', '.join(f'{w:.1f}' for w, _, _ in times)} | "
            f"{c.median([u for _, u, _ in times]):.1f} | {max(m for _, _, m in times):.0f} | {verdict} |"
        )

    if before:
        line(f"before ({args.before}): `loike rebuild --sheets`, no sheets yet", before, True)
    line("`loike rebuild --sheets`, no sheets yet", first, True)
    line("the same, nothing changed", again, False)
    print(
        "\nIn-process, one run, sheets folder emptied first, the steps one after another (`process.write_sheets` "
        "gathers and writes the subject pages in a thread while the sheets render):\n"
    )
    print("| step | s |\n|---|---|")
    for name, seconds in parts.items():
        print(f"| {name} | {seconds:.1f} |")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
