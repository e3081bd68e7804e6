"""How fast the search index builds and answers over a large archive (run by hand, not in pytest).

Builds a database with the real schema (``database.open_database``) holding --segments passages of generated
Vietnamese over --interviews interviews, with people, places, events, tags, dates and consent to filter on.
The text is made of syllables drawn with Zipf–Mandelbrot frequencies from a vocabulary of about 4,000:
some 200 common real syllables first, then syllables composed from Vietnamese onsets, rhymes and tones
(so that, as in real text, many spellings fold alike: đang/đảng/đáng → dang), ~15 to a passage, with set
phrases ("hợp tác xã", "cải cách ruộng đất", names of people and places) mixed in (bench/search_corpus.py).

Each build run writes a fresh database in the work folder and times the passage load (executemany, one
transaction) and the FTS5 index build, two ways: with the index triggers dropped during the load and a
'rebuild' after, and (once, with --with-triggers) with the triggers left on. Then it times --queries varied
queries through ``search.search`` (1–4 words, folded, with tones, exact, mixed, prefix; a quarter of them
filtered; see KINDS), each the median of --rounds rounds, wall clock and CPU, and ``database.reindex``
once, and reports medians, p50/p95 and the database size. --prefix-index tries FTS5 prefix indexes.

    /tmp/venv/bin/python bench/search_bench.py --runs 3 --with-triggers
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import _common as c  # noqa: E402
from search_corpus import PHRASES, Corpus  # noqa: E402

from pipeline import database
from pipeline.catalogue import search  # noqa: E402
from pipeline.text import fold  # noqa: E402

BUILD_BAR, P95_BAR = 120.0, 0.050


def build(path: Path, corpus: Corpus, interviews: int, triggers: bool, seed: int, prefix: str = "") -> dict:
    """A fresh database at ``path``; returns the load and index times in seconds.

    ``prefix`` (e.g. "2 3") recreates segments_fts with FTS5 prefix indexes, as a migration could.
    """
    rng = random.Random(seed)
    db = database.open_database(path)
    if prefix:
        db.execute("DROP TABLE segments_fts")
        db.execute(
            "CREATE VIRTUAL TABLE segments_fts USING FTS5 (text_folded, text, "
            f"tokenize='unicode61 remove_diacritics 0', content='segments', prefix='{prefix}')"
        )
    with db.atomic():
        places = _places(db)
        people = [db["people"].insert({"full_name": n, "name_folded": fold(n)}).last_pk for n in corpus.names]
        events = [db["events"].insert({"name": p, "name_folded": fold(p)}).last_pk for p in PHRASES[:30]]
        for n in range(interviews):
            place, witness = rng.choice(places), rng.choice(people)
            meta = " · ".join(
                [corpus.names[people.index(witness)], db["places"].get(place)["name"], rng.choice(PHRASES)]
            )
            db.execute(
                "INSERT INTO recordings (id, sha256, source_path, size, status, first_seen) "
                "VALUES (?, ?, ?, 1, 'transcribed', 'x')",
                [n + 1, f"{n:064d}", f"r{n}.wav"],
            )
            db.execute(
                "INSERT INTO interviews (id, recording_id, code, title, date, place_id, consent_status, "
                "search_text, search_folded) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    n + 1,
                    n + 1,
                    f"LK-2026-{n + 1:04d}",
                    f"Phỏng vấn {n + 1}",
                    f"{rng.randint(1990, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                    place,
                    rng.choice(["allowed"] * 8 + ["restricted", None]),
                    meta,
                    fold(meta),
                ],
            )
            db.execute("INSERT INTO interview_people VALUES (?, ?, 'witness')", [n + 1, witness])
            db.execute("INSERT INTO interview_events VALUES (?, ?)", [n + 1, rng.choice(events)])
            db.execute("INSERT INTO transcription_runs (id, interview_id, model) VALUES (?, ?, 'base')", [n + 1, n + 1])
    saved = [r[0] for r in db.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'segments'")]
    rows = _segment_rows(corpus, interviews)
    started = time.perf_counter()
    with db.atomic():
        if not triggers:
            for name in ("segments_ai", "segments_ad", "segments_au"):
                db.execute(f"DROP TRIGGER {name}")
        db.conn.executemany(
            'INSERT INTO segments (id, interview_id, run_id, idx, start, "end", text, text_folded, '
            "speaker, review_status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        loaded = time.perf_counter()
        if not triggers:
            db.execute("INSERT INTO segments_fts(segments_fts) VALUES('rebuild')")
            for sql in saved:
                db.execute(sql)
    indexed = time.perf_counter()
    with db.atomic():  # tags on 2% of passages, for the filters
        count = len(corpus.texts)
        db.conn.executemany(
            "INSERT OR IGNORE INTO segment_people VALUES (?, ?)",
            [(rng.randrange(count) + 1, rng.choice(people)) for _ in range(count // 50)],
        )
        db.conn.executemany(
            "INSERT OR IGNORE INTO segment_places VALUES (?, ?)",
            [(rng.randrange(count) + 1, rng.choice(places)) for _ in range(count // 50)],
        )
        db.conn.executemany(
            "INSERT OR IGNORE INTO segment_events VALUES (?, ?)",
            [(rng.randrange(count) + 1, rng.choice(events)) for _ in range(count // 50)],
        )
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return {"load": loaded - started, "index": indexed - loaded, "total": indexed - started}


def _segment_rows(corpus: Corpus, interviews: int):
    """Passages in order, each interview holding a run of them, five seconds apart."""
    count, previous, idx = len(corpus.texts), None, 0
    for i, (text, folded) in enumerate(zip(corpus.texts, corpus.folded)):
        interview = i * interviews // count + 1
        idx = idx + 1 if interview == previous else 0
        previous = interview
        yield (
            i + 1,
            interview,
            interview,
            idx,
            idx * 5.0,
            idx * 5.0 + 4.5,
            text,
            folded,
            f"SPEAKER_{i % 2}",
            "verified" if i % 10 == 0 else "machine",
        )


def _places(db) -> list[int]:
    """5 provinces × 6 districts × 10 communes, each commune with 2 hamlets; returns communes and hamlets."""
    found = []
    for p in range(5):
        province = db["places"].insert({"name": f"Tỉnh {p}", "name_folded": f"tinh {p}", "kind": "province"}).last_pk
        for d in range(6):
            district = (
                db["places"]
                .insert(
                    {
                        "name": f"Huyện {p}.{d}",
                        "name_folded": f"huyen {p}.{d}",
                        "kind": "district",
                        "parent_id": province,
                    }
                )
                .last_pk
            )
            for k in range(10):
                name = f"Xã {p}.{d}.{k}" if (p, d, k) != (0, 0, 0) else "Bắc Cường"
                commune = (
                    db["places"]
                    .insert({"name": name, "name_folded": fold(name), "kind": "commune", "parent_id": district})
                    .last_pk
                )
                found.append(commune)
                for h in range(2):
                    found.append(
                        db["places"]
                        .insert({"name": f"Xóm {h}", "name_folded": f"xom {h}", "kind": "place", "parent_id": commune})
                        .last_pk
                    )
    return found


KINDS = [
    "word",
    "phrase",
    "window",
    "exact",
    "word",
    "mixed",
    "prefix",
    "window",
    "word",
    "phrase",
    "exact",
    "common",
    "word",
    "window",
    "mixed",
    "phrase",
    "prefix",
    "exact",
    "word",
    "window",
]
"""Per 20 queries: 5 words and 1 of the 100 commonest; 3 set phrases or names; 3 exact; 2 mixed; 2 prefixes;
4 windows of 2–4 consecutive words cut from a passage (mostly function words: the hard case)."""


def queries(corpus: Corpus, count: int, seed: int) -> list[tuple[str, str, search.SearchFilters]]:
    """(kind, query, filters), a quarter of them filtered; see KINDS."""
    rng = random.Random(seed)

    def passage_words(with_extra: bool = False) -> list[str]:
        while True:
            n = rng.randrange(len(corpus.texts))
            if not with_extra or n in corpus.extra:
                return corpus.texts[n].rstrip(".,?…").split()

    def window(n: int) -> str:
        words = passage_words()
        at = rng.randrange(max(1, len(words) - n + 1))
        return " ".join(words[at : at + n])

    def content() -> str:
        return rng.choice(corpus.vocab[100:])

    made = []
    for i in range(count):
        kind = KINDS[i % len(KINDS)]
        if kind == "word":
            query = content() if rng.random() < 0.5 else fold(content())
        elif kind == "common":
            query = fold(rng.choice(corpus.vocab[:100]))
        elif kind == "phrase":
            query = rng.choice(PHRASES + corpus.names)
            query = query if rng.random() < 0.5 else fold(query)
        elif kind == "window":
            query = window(rng.randint(2, 4))
            query = query if rng.random() < 0.5 else fold(query)
        elif kind == "exact":
            query = f'"{rng.choice(PHRASES + corpus.names) if rng.random() < 0.67 else window(2)}"'
        elif kind == "mixed":  # a set phrase in quotes and another word of a passage that holds it
            n = rng.choice(list(corpus.extra))
            words = [w for w in corpus.texts[n].rstrip(".,?…").split() if w not in corpus.extra[n].split()]
            query = f'"{corpus.extra[n]}" {fold(rng.choice(words))}'
        else:  # a content word cut to its first 3 letters, as people type, after another word or alone
            stem = fold(rng.choice([w for w in corpus.vocab[100:] if len(fold(w)) > 3]))[:3] + "*"
            query = stem if rng.random() < 0.5 else f"{fold(content())} {stem}"
        filters = search.SearchFilters()
        if rng.random() < 0.25:
            choice = rng.choice(["person", "place", "commune", "event", "dates", "reviewed"])
            filters = search.SearchFilters(
                person=rng.choice(corpus.names) if choice == "person" else None,
                place=f"Huyện {rng.randrange(5)}.{rng.randrange(6)}" if choice == "place" else None,
                commune="Bắc Cường" if choice == "commune" else None,
                event=rng.choice(PHRASES[:30]) if choice == "event" else None,
                date_from="01/01/2000" if choice == "dates" else None,
                date_to="31/12/2010" if choice == "dates" else None,
                reviewed_only=choice == "reviewed",
            )
            kind += "+" + choice
        made.append((kind, query, filters))
    return made


def time_queries(path: Path, made: list, rounds: int) -> list[tuple[str, str, float, int, float]]:
    """(kind, query, wall seconds, hits, CPU seconds) per query: the median of ``rounds`` rounds, so that
    other work on a shared machine weighs less."""
    db = database.open_database(path)
    for _, query, filters in made[:20]:  # warm the page cache the way a first few searches would
        search.search(db, query, filters)
    walls, cpus, hits = [[] for _ in made], [[] for _ in made], [0] * len(made)
    for _ in range(rounds):
        for n, (kind, query, filters) in enumerate(made):
            started, cpu = time.perf_counter(), time.thread_time()
            hits[n] = len(search.search(db, query, filters))
            walls[n].append(time.perf_counter() - started)
            cpus[n].append(time.thread_time() - cpu)
    db.close()
    return [
        (kind, query, statistics.median(walls[n]), hits[n], statistics.median(cpus[n]))
        for n, (kind, query, _) in enumerate(made)
    ]


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--segments", type=int, default=1_000_000)
    parser.add_argument("--interviews", type=int, default=2_000)
    parser.add_argument("--words", type=int, default=4_000, help="vocabulary size (syllables)")
    parser.add_argument("--runs", type=int, default=3, help="build runs (the median is reported)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--with-triggers", action="store_true", help="also time one load with the triggers on")
    parser.add_argument(
        "--prefix-index",
        default="",
        metavar="SIZES",
        help="build segments_fts with FTS5 prefix indexes of these sizes, e.g. '2 3' (an experiment)",
    )
    parser.add_argument("--work", type=Path, default=None, help="folder for the databases [default: a temp dir]")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=3, help="times each query is run (its median is reported)")
    parser.add_argument("--reuse", action="store_true", help="time queries on WORK/bulk-0.db without building")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="loike-search-bench-"))
    work.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    corpus = Corpus(args.segments, args.words, args.seed)
    print(
        f"generated {len(corpus.texts):,} passages, {sum(len(t.split()) for t in corpus.texts):,} words, "
        f"{len(corpus.vocab):,}-syllable vocabulary in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    assert all(fold(t) == f for t, f in zip(corpus.texts[:2000], corpus.folded[:2000]))

    builds, path = [], work / "bulk-0.db"
    for run in range(0 if args.reuse and path.exists() else args.runs):
        target = work / f"bulk-{run}.db"
        target.unlink(missing_ok=True)
        builds.append(build(target, corpus, args.interviews, triggers=False, seed=args.seed, prefix=args.prefix_index))
        print(
            f"build {run + 1} (triggers off, then rebuild): "
            + ", ".join(f"{k} {v:.1f} s" for k, v in builds[-1].items()),
            flush=True,
        )
    size = path.stat().st_size
    kept = None
    if args.with_triggers:
        slow = work / "triggers.db"
        slow.unlink(missing_ok=True)
        kept = build(slow, corpus, args.interviews, triggers=True, seed=args.seed, prefix=args.prefix_index)
        print("build with triggers on: " + ", ".join(f"{k} {v:.1f} s" for k, v in kept.items()), flush=True)
        slow.unlink()

    load_before = os.getloadavg()[0]
    timed = time_queries(path, queries(corpus, args.queries, args.seed), args.rounds)
    load_after = os.getloadavg()[0]
    db = database.open_database(path)
    started = time.perf_counter()
    count = database.reindex(db)
    reindexed = time.perf_counter() - started
    db.close()
    report(args, builds, kept, size, timed, (load_before, load_after), reindexed, count)


def report(args, builds, kept, size, timed, load, reindexed, count) -> None:
    print(f"\n{c.header(c.command_line())}")
    print(
        f"Passages: {args.segments:,} over {args.interviews:,} interviews; database {size / 2**20:,.0f} MiB "
        f"(FTS5 indexes included{', prefix indexes ' + args.prefix_index if args.prefix_index else ''}).\n"
    )
    if builds:
        print(f"| build (median of {len(builds)}) | seconds |\n|---|---|")
        for key, label in (("load", "insert passages, triggers off"), ("index", "FTS5 rebuild"), ("total", "total")):
            print(
                f"| {label} | {statistics.median(b[key] for b in builds):.1f} (runs: "
                f"{', '.join(f'{b[key]:.1f}' for b in builds)}) |"
            )
        if kept:
            print(f"| insert with triggers on (one run) | {kept['total']:.1f} |")
        print(f"| `database.reindex` (refold + rebuild both, one run, {count:,} passages) | {reindexed:.1f} |")
        total = statistics.median(b["total"] for b in builds)
        print(f"\nBuild bar {BUILD_BAR:.0f} s: {'met' if total < BUILD_BAR else 'MISSED'}.")
    walls = [t[2] for t in timed]
    print(
        f"Query p95 bar {P95_BAR * 1000:.0f} ms (wall): {'met' if percentile(walls, 95) < P95_BAR else 'MISSED'}. "
        f"Each query's median of {args.rounds} rounds; load average {load[0]:.1f} before, {load[1]:.1f} after.\n"
    )
    print(
        "| queries | n | wall p50 ms | wall p95 ms | wall max ms | CPU p50 ms | CPU p95 ms | median hits |\n"
        "|---|---|---|---|---|---|---|---|"
    )
    groups = {"all": timed}
    for kind in sorted({t[0].split("+")[0] for t in timed}):
        groups[kind] = [t for t in timed if t[0].split("+")[0] == kind]
    groups["filtered"] = [t for t in timed if "+" in t[0]]
    for name, rows in groups.items():
        wall, cpu = [t[2] * 1000 for t in rows], [t[4] * 1000 for t in rows]
        print(
            f"| {name} | {len(rows)} | {percentile(wall, 50):.1f} | {percentile(wall, 95):.1f} | {max(wall):.1f} | "
            f"{percentile(cpu, 50):.1f} | {percentile(cpu, 95):.1f} | {statistics.median(t[3] for t in rows):.0f} |"
        )
    print("\nSlowest (wall):")
    for kind, query, seconds, hits, cpu in sorted(timed, key=lambda t: -t[2])[:8]:
        print(f"- {seconds * 1000:.0f} ms (CPU {cpu * 1000:.0f} ms) `{query}` ({kind}, {hits} hits)")


if __name__ == "__main__":
    main()
