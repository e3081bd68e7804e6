"""The review app with a long interview: how soon the page is interactive, and how long a save takes.

    python bench/review_app.py [--segments 2000] [--runs 7] [--saves 50]

Builds an archive in a temporary folder (one interview of N segments with words, metadata and a WAV), starts
`loike serve`, then:
- page: a fresh headless Chromium loads /interviews/CODE; "interactive" is the `loike-ready` performance mark
  app.js sets once every handler is in place (navigation start = 0); "marks in place" the `loike-marks` mark
  corrections.js sets once the confidence marks, fetched after the page, are on every line. Median of --runs loads.
- save: POST /api/segments/ID (a text edit, the same request the page sends), timed from the client over
  HTTP, --saves times on different segments; median and p95. Also one save timed inside Chromium (fetch).
Bars (issue 4): interactive < 1.5 s, save < 100 ms. Needs chromium and chromium-driver. --marked SHARE gives that
share of the words (seeded) a low lowest-token probability, so the page carries that many confidence marks (the
marks' bar, issue 17: still under 1.5 s).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

import httpx  # noqa: E402
import reviewdesk  # noqa: E402  (the tests' archive builder: library calls, no model)
from browsers import chromium, start_server  # noqa: E402  (the tests' server and Chromium)


def performance_mark(browser, name: str) -> float:
    """Milliseconds from navigation start to the page's performance mark ``name`` (waits up to 20 s for it)."""
    for _ in range(400):
        found = browser.execute_script(
            f"const m = performance.getEntriesByName('{name}'); return m.length ? m[0].startTime : null"
        )
        if found is not None:
            return found
        time.sleep(0.05)
    raise SystemExit(f"the page never set the performance mark {name}")


marks_times: list[float] = []


def page_load(base: str, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        browser = chromium()  # fresh each time: no warm cache
        try:
            browser.get(base + "/static/app.css")
            browser.add_cookie({"name": "loike_editor", "value": "Bench"})
            browser.get(base + "/interviews/LK-2026-001")
            ready = performance_mark(browser, "loike-ready")
            marked = performance_mark(browser, "loike-marks")
            rows = browser.execute_script("return document.querySelectorAll('li.seg').length")
            spans = browser.execute_script("return document.querySelectorAll('.low-confidence').length")
            times.append(ready / 1000)
            marks_times.append(marked / 1000)
            print(
                f"  interactive after {ready / 1000:.3f} s, marks in place after {marked / 1000:.3f} s "
                f"({rows} segments, {spans} marks)",
                flush=True,
            )
        finally:
            browser.quit()
    return times


def saves(base: str, count: int) -> list[float]:
    client = httpx.Client(base_url=base, headers={"Origin": base}, cookies={"loike_editor": "Bench"})
    page = client.get("/interviews/LK-2026-001").text
    token = re.search(r'name="csrf-token" content="(\w+)"', page).group(1)
    ids = [int(i) for i in re.findall(r'data-id="(\d+)" data-start', page)]
    times = []
    for n, segment_id in enumerate(ids[:count]):
        started = time.perf_counter()
        answer = client.post(
            f"/api/segments/{segment_id}",
            json={"version": 1, "text": f"đoạn đã sửa số {n}"},
            headers={"X-CSRF-Token": token},
        )
        times.append(time.perf_counter() - started)
        assert answer.status_code == 200, answer.text
    return times


def mark(path: Path, share: float) -> None:
    """Give ``share`` of the words (chosen at random, seeded) a lowest token probability that marks them."""
    import random
    import sqlite3

    chooser = random.Random(17)
    with sqlite3.connect(path) as db:
        ids = [row[0] for row in db.execute("SELECT id FROM words")]
        low = set(chooser.sample(ids, int(len(ids) * share)))
        db.executemany("UPDATE words SET lowest = ? WHERE id = ?", [(0.1 if i in low else 0.95, i) for i in ids])
    print(f"  {len(low)} of {len(ids)} words given a low lowest-token probability", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--saves", type=int, default=50)
    parser.add_argument("--marked", type=float, default=0.0, help="Share of the words given a confidence mark.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        lines = [
            f"Đoạn số {i}: năm một chín bốn lăm chi bộ xã Bắc Cường được thành lập, có năm đảng viên"
            for i in range(args.segments)
        ]
        archive = reviewdesk.build(Path(folder), lines=lines, spacing=4.0, audio=False)
        if args.marked:
            mark(archive.database, args.marked)
        process, base = start_server(Path(folder))
        try:
            page = page_load(base, args.runs)
            save = sorted(saves(base, args.saves))
        finally:
            process.terminate()
            process.wait()
    print(
        f"page interactive, {args.segments} segments: median {statistics.median(page):.3f} s "
        f"(min {min(page):.3f}, max {max(page):.3f}, {len(page)} loads)"
    )
    print(
        f"marks in place: median {statistics.median(marks_times):.3f} s "
        f"(min {min(marks_times):.3f}, max {max(marks_times):.3f})"
    )
    print(
        f"save: median {statistics.median(save) * 1000:.1f} ms, p95 {save[int(len(save) * 0.95) - 1] * 1000:.1f} ms "
        f"({len(save)} saves)"
    )


if __name__ == "__main__":
    main()
