"""Peak memory and speed of `loike run` on one long recording.

Builds a recording of --minutes minutes by concatenating the evaluation clips (shuffled, cycled) with 1–3 s
pauses, writes it to a work folder outside the repository as a 16-bit WAV and, when PyAV can encode
libmp3lame, as an MP3; puts one of them (--format) in a fresh archive; runs the real `loike run` as a
subprocess and polls /proc/PID/status (VmRSS, VmHWM) while it runs; the kernel's ru_maxrss from wait4 is
reported as well. Prints a Markdown block: peak RSS overall and while normalising, wall time, real-time
factor, and the WER of the long transcript against the concatenated references (a check that chunking
does not lose or mangle speech).

    /tmp/venv/bin/python bench/memory.py --minutes 120
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402

BAR_MB = 800


def build(
    data_dir: Path, minutes: float, work: Path, seed: int, want_mp3: bool
) -> tuple[Path, Path | None, str, float]:
    """Write long.wav (and long.mp3) into ``work``; returns their paths, the reference text and the seconds."""
    loaded = [(c.read_pcm16(wav), text) for wav, text in c.clips(data_dir)]
    rates = {rate for (_, rate), _ in loaded}
    if len(rates) != 1:
        raise SystemExit(f"clips have different sample rates {rates}")
    rate = rates.pop()
    rng = random.Random(seed)
    target = int(minutes * 60 * rate)
    wav_path = work / "long.wav"
    mp3_path = work / "long.mp3" if want_mp3 else None
    encoder = c.Mp3(mp3_path, rate) if mp3_path else None
    written, reference, order = 0, [], []
    with wave.open(str(wav_path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        while written < target:
            if not order:
                order = list(range(len(loaded)))
                rng.shuffle(order)
            (samples, _), text = loaded[order.pop()]
            pause = np.zeros(int(rng.uniform(1.0, 3.0) * rate), np.int16)
            block = np.concatenate([samples, pause])
            out.writeframes(block.astype("<i2").tobytes())
            if encoder:
                encoder.write(block)
            written += len(block)
            reference.append(text)
    if encoder:
        encoder.close()
    return wav_path, mp3_path, " ".join(reference), written / rate


def can_encode_mp3() -> bool:
    try:
        import av

        av.codec.Codec("libmp3lame", "w")
        return True
    except Exception:  # noqa: BLE001 - any failure means no MP3
        return False


def status_kb(pid: int) -> dict[str, int]:
    values = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
    except (OSError, ValueError):
        pass
    return values


LIBRARY_RUN = (
    "import sys; from pipeline import archive, process_archive; from pipeline.options import TranscribeOptions; "
    "r = process_archive(archive(sys.argv[1]), TranscribeOptions(chunk_seconds=float(sys.argv[2]))); "
    "print(r); sys.exit(0 if r.ok else 1)"
)


def run_loike(root: Path, extra: list[str], log_path: Path, interval: float, chunk_seconds: float | None) -> dict:
    """`loike --root ROOT run EXTRA` (or process_archive with another chunk length) with memory polled."""
    env = dict(os.environ)
    audio_dir = root / "transcripts" / "audio"
    if chunk_seconds is None:
        argv = [str(c.LOIKE), "--root", str(root), "run", *extra]
    else:
        argv = [sys.executable, "-c", LIBRARY_RUN, str(root), str(chunk_seconds)]
    with open(log_path, "w") as log:
        started = time.monotonic()
        proc = subprocess.Popen(argv, stdout=log, stderr=log, env=env, cwd=root)  # not the repo: "" is on sys.path
        peak_rss = peak_hwm = normalise_peak = 0
        normalised_at = None
        timeline = []
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            values = status_kb(proc.pid)
            rss, hwm = values.get("VmRSS", 0), values.get("VmHWM", 0)
            peak_rss, peak_hwm = max(peak_rss, rss), max(peak_hwm, hwm)
            if normalised_at is None:
                if any(audio_dir.glob("LK-*.wav")):
                    normalised_at = time.monotonic() - started
                else:
                    normalise_peak = max(normalise_peak, hwm)
            elapsed = time.monotonic() - started
            if not timeline or elapsed - timeline[-1][0] >= 30:
                timeline.append((round(elapsed, 1), rss))
            time.sleep(interval)
        wall = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
    return {
        "wall": wall,
        "exit": proc.returncode,
        "peak_rss_polled_kb": peak_rss,
        "vmhwm_kb": peak_hwm,
        "ru_maxrss_kb": usage.ru_maxrss,
        "normalise_peak_kb": normalise_peak,
        "normalised_at": normalised_at,
        "user": usage.ru_utime,
        "sys": usage.ru_stime,
        "timeline": timeline,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=120.0, help="length of the recording (default 120)")
    parser.add_argument("--data", type=Path, default=c.DEFAULT_DATA, help=f"clips folder (default {c.DEFAULT_DATA})")
    parser.add_argument(
        "--format",
        choices=["mp3", "wav"],
        default=None,
        help="which file goes into recordings/ (default mp3 when PyAV can encode it, else wav)",
    )
    parser.add_argument(
        "--work",
        type=Path,
        default=None,
        help="work folder for the recording and the archive (default a new folder in /tmp)",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed for the clip order and pauses (default 1)")
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between /proc polls (default 0.2)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument(
        "--chunk-seconds",
        type=float,
        default=None,
        help="instead of `loike run`, run process_archive in a subprocess with "
        "TranscribeOptions(chunk_seconds=...) (the CLI has no such option; default 600)",
    )
    parser.add_argument(
        "loike_args", nargs="*", help="extra options for `loike run` (after --), e.g. -- --compute-type float32"
    )
    args = parser.parse_args()

    mp3 = can_encode_mp3()
    fmt = args.format or ("mp3" if mp3 else "wav")
    if fmt == "mp3" and not mp3:
        raise SystemExit("PyAV cannot encode libmp3lame here: use --format wav")
    work = args.work or Path(tempfile.mkdtemp(prefix="loike-memory-", dir="/tmp"))
    if c.REPO in work.resolve().parents or work.resolve() == c.REPO:
        raise SystemExit("the work folder must be outside the repository (the clips' licence)")
    work.mkdir(parents=True, exist_ok=True)
    print(f"work folder: {work}", file=sys.stderr)

    t0 = time.monotonic()
    wav_path, mp3_path, reference, seconds = build(args.data, args.minutes, work, args.seed, mp3)
    print(
        f"built {seconds / 60:.1f} min in {time.monotonic() - t0:.0f} s: {wav_path} "
        f"({wav_path.stat().st_size / 1e6:.0f} MB)"
        + (f", {mp3_path} ({mp3_path.stat().st_size / 1e6:.0f} MB)" if mp3_path else ""),
        file=sys.stderr,
    )
    root = work / "archive"
    (root / "recordings").mkdir(parents=True)
    chosen = mp3_path if fmt == "mp3" else wav_path
    shutil.move(str(chosen), root / "recordings" / chosen.name)
    old = time.time() - 3600  # settled long ago: ingest takes it on this run
    os.utime(root / "recordings" / chosen.name, (old, old))

    result = run_loike(root, args.loike_args, work / "loike.log", args.interval, args.chunk_seconds)
    (work / "result.json").write_text(json.dumps({**result, "seconds": seconds, "format": fmt}, indent=1))
    print(f"loike finished: {json.dumps({k: v for k, v in result.items() if k != 'timeline'})}", file=sys.stderr)
    found = c.transcripts_by_source(root).get(chosen.name, {})
    hyp = found.get("text", "")
    we, wn = c.word_errors(reference, hyp)
    ce, cn = c.char_errors(reference, hyp)
    mb = lambda kb: kb / 1024  # noqa: E731
    peak = max(result["vmhwm_kb"], result["ru_maxrss_kb"], result["peak_rss_polled_kb"])
    (work / "result.json").write_text(
        json.dumps(
            {**result, "seconds": seconds, "format": fmt, "wer": c.ratio(we, wn), "cer": c.ratio(ce, cn)}, indent=1
        )
    )

    print(c.header(c.command_line()))
    how = (
        f"`loike run {' '.join(args.loike_args)}`".replace(" `", "`")
        if args.chunk_seconds is None
        else f"process_archive(chunk_seconds={args.chunk_seconds:g})"
    )
    print(
        f"Recording: {seconds / 60:.1f} min {fmt.upper()} ({chosen.name}, {len(reference.split())} reference words), "
        f"{how} exit {result['exit']}, status {found.get('status')}, {len(found.get('segments', []))} segments\n"
    )
    print(
        "| minutes | format | peak RSS (MB) | peak while normalising (MB) | wall (s) | normalising (s) | RTF | "
        "CPU user+sys (s) | WER | CER | bar < 800 MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    norm = result["normalised_at"]
    verdict = "pass" if peak / 1024 < BAR_MB else "FAIL"
    print(
        f"| {seconds / 60:.1f} | {fmt} | {mb(peak):.0f} | {mb(result['normalise_peak_kb']):.0f} | "
        f"{result['wall']:.0f} | {'?' if norm is None else f'{norm:.0f}'} | {result['wall'] / seconds:.3f} | "
        f"{result['user'] + result['sys']:.0f} | {c.ratio(we, wn):.3f} | {c.ratio(ce, cn):.3f} | {verdict} |"
    )
    print(f"\nRSS timeline (s, MB): {', '.join(f'{t:.0f}:{kb / 1024:.0f}' for t, kb in result['timeline'])}")
    print(
        f"ru_maxrss {mb(result['ru_maxrss_kb']):.0f} MB, VmHWM {mb(result['vmhwm_kb']):.0f} MB, "
        f"polled VmRSS max {mb(result['peak_rss_polled_kb']):.0f} MB"
    )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
