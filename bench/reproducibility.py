"""Do the words depend on who transcribes? The same clips under several thread counts and instruction sets.

Each variant is one `loike eval DATA --json` in a subprocess of its own (oneDNN reads its ISA cap once, when it
starts), with the environment and options the variant names:

  default          what `loike run` does: one CTranslate2 thread per worker, two workers
  w1               --workers 1 (one thread)
  omp1, omp4       OMP_NUM_THREADS=1 / 4 in the environment (as Ray sets it in an actor)
  t2, t4           --cpu-threads 2 / 4 with one worker (the old behaviour of --workers 1 on this machine)
  isa-avx2, isa-avx512-core
                   ONEDNN_MAX_CPU_ISA capped, as on a processor without AVX-512 VNNI/BF16 or without AVX-512

For each variant: clips whose words equal the default's, and corpus WER.

    .venv/bin/python bench/reproducibility.py ../shared/data/vi-speech-dev
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402

VARIANTS = {
    "default": ({}, []),
    "w1": ({}, ["--workers", "1"]),
    "omp1": ({"OMP_NUM_THREADS": "1"}, []),
    "omp4": ({"OMP_NUM_THREADS": "4"}, []),
    "t2": ({}, ["--workers", "1", "--cpu-threads", "2"]),
    "t4": ({}, ["--workers", "1", "--cpu-threads", "4"]),
    "isa-avx512-core": ({"ONEDNN_MAX_CPU_ISA": "AVX512_CORE"}, []),
    "isa-avx2": ({"ONEDNN_MAX_CPU_ISA": "AVX2"}, []),
}


def run(data: Path, env: dict, options: list[str]) -> dict:
    done = subprocess.run(
        [str(c.LOIKE), "eval", str(data), "--json", *options],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", type=Path, nargs="?", default=c.DEFAULT_DATA)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    args = parser.parse_args()
    results = {name: run(args.data, *VARIANTS[name]) for name in args.variants.split(",")}
    base = {f["file"]: f["hypothesis"] for f in results["default"]["files"]}
    print(c.header(c.command_line()))
    print("| variant | clips with the default's words | corpus WER |")
    print("|---|---|---|")
    for name, result in results.items():
        same = sum(base.get(f["file"]) == f["hypothesis"] for f in result["files"])
        print(f"| {name} | {same}/{len(base)} | {result['corpus']['wer']:.3f} |")


if __name__ == "__main__":
    main()
