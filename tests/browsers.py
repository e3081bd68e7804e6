"""What the browser tests share: a real `loike serve` on a free port, a headless Chromium (the Debian packages
chromium and chromium-driver, which `.ci/run` installs) and a wait for what the page does next."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
HAVE_CHROMIUM = os.path.exists(CHROMIUM) and os.path.exists(DRIVER)
WITHOUT_CHROMIUM = "needs the chromium and chromium-driver packages"


def start_server(root: Path) -> tuple[subprocess.Popen, str]:
    """`loike serve` over the archive at ``root`` on a free port: the process and its address."""
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "--root", str(root), "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    line = process.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:\d+", line)
    assert match, line + process.stdout.read() if process.poll() is not None else line
    return process, match.group(0)


@contextmanager
def serving(root: Path) -> Iterator[str]:
    """The address of a `loike serve` that runs while the block does."""
    process, base = start_server(root)
    try:
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def chromium(window: str = "1366,900", implicit_wait: float = 3.0):
    """A headless Chromium that plays audio without a gesture, ``window`` wide and high."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--mute-audio",
        "--autoplay-policy=no-user-gesture-required",
        f"--window-size={window}",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.implicitly_wait(implicit_wait)
    return driver


def wait_for(condition, timeout: float = 10.0):
    """What ``condition`` returns once it is true; an AssertionError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.1)
    raise AssertionError("timed out waiting")
