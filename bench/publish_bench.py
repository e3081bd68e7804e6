"""How long `loike publish` takes for a large archive, and how soon a published page of a long interview is
interactive in Chromium.

    PYTHONPATH=$PWD python bench/publish_bench.py site --interviews 1000 --work /tmp/publish
    PYTHONPATH=$PWD python bench/publish_bench.py page --segments 1440 --runs 7

site: builds (as bench/render_bench.py does) an archive of --interviews one-hour interviews (720 segments with
words), 4 in 5 cleared for publication; gives every interview the same one-hour listening WAV (a hard link: no disk
cost), encodes one MP3 access copy from it (timed: the cost, paid once, of each interview's copy) and links it as
every interview's access copy under the name `loike publish` looks for, so the run finds them made ("access audio
made once and reused"). Then times `loike publish DEST` as a subprocess: into an empty folder, and again over it
(nothing changed).

page: one interview of --segments segments (1440 ≈ two hours), published; a fresh headless Chromium opens its page
from disk (file://) --runs times; "interactive" is the `loike-ready` mark site.js sets once every handler is in
place (navigation start = 0). Bar: under 1.5 s. Needs chromium and chromium-driver.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402
import render_bench  # noqa: E402


def hour_wav(path: Path, seconds: int = 3600) -> Path:
    """A one-hour 16 kHz mono WAV of a quiet warbling tone (the encoder's cost does not depend on the words)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    second = b"".join(
        struct.pack("<h", int(3000 * math.sin(2 * math.pi * (300 + 50 * math.sin(n / 800)) * n / 16000)))
        for n in range(16000)
    )
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        for _ in range(seconds):
            out.writeframes(second)
    return path


def site(args) -> None:
    from pipeline import database, settings
    from pipeline.intake import access_copies
    from pipeline.publishing import access_audio, redaction

    root = Path(args.work)
    if not (root / "transcripts" / "loike.db").exists():
        render_bench.build(root, args.interviews, 720, seed=7)
    archive = settings.archive(root)
    wav = hour_wav(root / "one-hour.wav") if not (root / "one-hour.wav").exists() else root / "one-hour.wav"
    encoded = root / "one-hour.mp3"
    started = time.perf_counter()
    access_copies.encode(wav, encoded, "mp3")
    encode_seconds = time.perf_counter() - started
    db = database.open_database(archive.database)
    transcripts, _ = redaction.public_all(db, words=False)  # only the codes and hashes are needed here
    access_audio.access_dir(archive).mkdir(parents=True, exist_ok=True)
    archive.audio_dir.mkdir(parents=True, exist_ok=True)
    for t in transcripts:
        for target, source in (
            (archive.audio_dir / f"{t.code}.wav", wav),
            (access_audio.access_dir(archive) / access_audio.copy_name(t), encoded),
        ):
            if not target.exists():
                os.link(source, target)
    db.close()
    dest = Path(tempfile.mkdtemp(prefix="site-", dir=root))
    times = []
    for label in ("first", "again"):
        started = time.perf_counter()
        command = [sys.executable, "-m", "pipeline.cli", "--root", str(root), "publish", str(dest)]
        environment = {**os.environ, "PYTHONPATH": str(c.REPO)}  # this checkout, whatever is installed
        done = subprocess.run(command, capture_output=True, text=True, env=environment)
        times.append(time.perf_counter() - started)
        print(f"{label}: {times[-1]:.1f} s — {done.stdout.strip().splitlines()[0] if done.stdout else done.stderr}")
    size = sum(p.stat().st_size for p in dest.rglob("*") if p.is_file() and "audio" not in p.parts)
    print(
        f"encode one one-hour MP3 access copy: {encode_seconds:.1f} s ({encoded.stat().st_size / 1e6:.1f} MB); "
        f"publish {len(transcripts)} interviews: first {times[0]:.1f} s, again {times[1]:.1f} s; "
        f"pages and search data {size / 1e6:.0f} MB"
    )


def page(args) -> None:
    sys.path.insert(0, str(c.REPO / "tests"))
    from archive_data import add_interview
    from browsers import chromium
    from review_app import performance_mark

    from pipeline import database, settings
    from pipeline.database.metadata_records import Consent, InterviewMeta, PersonMeta
    from pipeline.publishing import site as site_module

    sentence = "năm một chín bốn lăm chi bộ xã Bắc Cường được thành lập, có năm đảng viên, ông kể lại"
    with tempfile.TemporaryDirectory() as folder:
        archive = settings.archive(Path(folder) / "archive")
        archive.recordings.mkdir(parents=True)
        db = database.open_database(archive.database)
        meta = InterviewMeta(witnesses=[PersonMeta("Nguyễn Văn A", 1932)], consent=Consent("allowed"), title="Dài")
        texts = [f"Đoạn {i}: {sentence}" for i in range(args.segments)]
        add_interview(db, archive, "dai.wav", texts, meta, seconds=args.segments * 5.0)
        report = site_module.publish(db, archive, Path(folder) / "site")
        url = (report.dest / f"{report.published[0]}.html").as_uri()
        times = []
        for _ in range(args.runs):
            browser = chromium()
            try:
                browser.get(url)
                ready = performance_mark(browser, "loike-ready")
                rows = browser.execute_script("return document.querySelectorAll('#lines li').length")
                times.append(ready / 1000)
                print(f"  interactive after {ready / 1000:.3f} s ({rows} lines)", flush=True)
            finally:
                browser.quit()
    print(
        f"page interactive, {args.segments} lines: median {statistics.median(times):.3f} s "
        f"(min {min(times):.3f}, max {max(times):.3f}, {len(times)} loads)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    one = sub.add_parser("site")
    one.add_argument("--interviews", type=int, default=1000)
    one.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "loike-publish-bench"))
    two = sub.add_parser("page")
    two.add_argument("--segments", type=int, default=1440)
    two.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print(c.header(c.command_line()), file=sys.stderr)
    {"site": site, "page": page}[args.what](args)


if __name__ == "__main__":
    main()
