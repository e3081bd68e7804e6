#!/usr/bin/env python3
"""Set up Lời Kể from a fresh clone and run it; safe to run again and again.

    python3 dev.py demo           install into .venv, transcribe the demo in recordings/, then score it (WER)
    python3 dev.py test           install the test tools, Ray and the speaker model, then run the suite (args: pytest)
    python3 dev.py test --fast    the same without the slow, browser and Ray tests (about 80 s)
    python3 dev.py check          ruff (lint and format) and mypy over the code
    python3 dev.py messages       bring new messages into the Vietnamese catalog and list what needs translating

Uses only the standard library, so it runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def install(extras: str) -> None:
    """Create .venv and install the project into it, unless pyproject.toml is unchanged since last time."""
    if not PYTHON.exists():
        print(f"Creating {VENV} …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    spec = f".[{extras}]" if extras else "."
    fingerprint = hashlib.sha256((HERE / "pyproject.toml").read_bytes() + spec.encode()).hexdigest()
    stamp = VENV / ".loike-installed"
    if stamp.exists() and stamp.read_text() == fingerprint:
        return
    print(f"Installing Lời Kể and its dependencies ({spec}) …", flush=True)
    run(PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", spec)
    stamp.write_text(fingerprint)


def run(*command: str | Path) -> None:
    completed = subprocess.run([str(part) for part in command], cwd=HERE)
    if completed.returncode:
        sys.exit(completed.returncode)


def demo() -> None:
    install("")
    run(BIN / "loike", "--root", HERE, "run")
    # The demo is read by a synthetic voice, from the script beside it: say how well it was heard.
    run(BIN / "loike", "eval", HERE / "recordings" / "demo")


DEVELOPMENT = "test,cluster,dev,diarize"
"""The test tools, Ray (so the tests of `loike run --cluster` run: 80 MB, ~12 s to install), the speaker model (so
the speaker-label and voice tests run: torch's CPU build, which this machine kind keeps on disk, and resemblyzer),
ruff and mypy."""
FAST = "not slow and not browser and not ray"
"""What `test --fast` leaves out (the markers are in pyproject.toml)."""


def test(pytest_args: list[str]) -> None:
    install(DEVELOPMENT)
    if "--fast" in pytest_args:
        pytest_args = [arg for arg in pytest_args if arg != "--fast"] + ["-m", FAST]
    run(PYTHON, "-m", "pytest", *pytest_args)


def check() -> None:
    install(DEVELOPMENT)
    run(BIN / "ruff", "check", ".")
    run(BIN / "ruff", "format", "--check", ".")
    run(BIN / "mypy")


def messages() -> None:
    install(DEVELOPMENT)
    run(PYTHON, HERE / "scripts" / "messages.py")


def main() -> None:
    commands = {
        "demo": lambda: demo(),
        "test": lambda: test(sys.argv[2:]),
        "check": lambda: check(),
        "messages": lambda: messages(),
    }
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]]()


if __name__ == "__main__":
    main()
