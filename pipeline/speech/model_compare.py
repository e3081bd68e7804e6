"""Models side by side on the team's own recordings (``loike eval FOLDER --model A --model B``): each model scored
as ``loike eval`` scores one (WER, CER, real-time factor), in a fresh process of its own so that its peak memory is
its own and one model's load does not slow the next.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

from pipeline.errors import EvaluationError
from pipeline.options import TranscribeOptions


def compare(folder: Path, options: TranscribeOptions, models: list[str], cache: Path) -> list[dict]:
    """``loike eval --json``'s report for each model, in order, each with ``peak_mb`` (the process's peak resident
    memory: model, decoding and the audio of the recordings transcribed at once)."""
    reports = []
    for model in models:
        chosen = dataclasses.replace(options, model=model)
        done = subprocess.run(
            [sys.executable, "-m", "pipeline.speech.model_compare", str(folder), str(cache)],
            input=json.dumps(dataclasses.asdict(chosen)),
            capture_output=True,
            text=True,
            env={**os.environ},
        )
        lines = done.stdout.strip().splitlines()
        report = json.loads(lines[-1]) if lines else {"error": (done.stderr.strip().splitlines() or ["no output"])[-1]}
        if "error" in report:
            raise EvaluationError(f"{model}: {report['error']}")
        reports.append({"model": model, **report})
    return reports


def _one(folder: Path, options: TranscribeOptions, cache: Path) -> dict:
    from pipeline.speech import evaluate, model_bench

    report = evaluate.evaluate(folder, options, cache).as_dict()
    return {**report, "peak_mb": model_bench.peak_rss_mb()}


if __name__ == "__main__":
    folder_arg, cache_arg = sys.argv[1:3]
    given = TranscribeOptions(**json.loads(sys.stdin.read()))
    try:
        print(json.dumps(_one(Path(folder_arg), given, Path(cache_arg)), ensure_ascii=False))
    except Exception as error:  # one sentence back to the parent, whatever went wrong
        print(json.dumps({"error": str(error)}, ensure_ascii=False))
