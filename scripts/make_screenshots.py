"""The screenshots of the Vietnamese quick start (docs/vi/*.png): the demo transcribed by the real model, its review
sheet and index, and the editors' desk, in a real headless Chromium.

    python scripts/make_screenshots.py

Run it from a checkout where Lời Kể is installed (python3 dev.py demo), with the Debian packages chromium and
chromium-driver. It works in a temporary archive (recordings/ is only read) and overwrites the PNGs; they are kept
small (a narrow window, JPEG-like flat pages compress well as PNG): check their size before committing them.
"""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "vi"
WIDTH, HEIGHT = 1100, 720


def loike(archive: Path, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pipeline.cli", "--lang", "vi", "--root", str(archive), *args]
    return subprocess.run(command, check=True, capture_output=True, text=True)


def chromium() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={WIDTH},{HEIGHT}"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)


def shoot(driver: webdriver.Chrome, name: str, scroll_to: str | None = None) -> None:
    if scroll_to:
        driver.execute_script("document.querySelector(arguments[0]).scrollIntoView()", scroll_to)
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "optimizeForSpeed": False})
    path = OUT / name
    path.write_bytes(base64.b64decode(shot["data"]))
    print(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1024} KB")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        archive = Path(folder) / "luu-tru"
        shutil.copytree(ROOT / "recordings" / "demo", archive / "recordings" / "demo")
        loike(archive, "run")
        sheets = archive / "transcripts" / "sheets"
        sheet = next(sheets.glob("LK-*.html"))
        server = subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", "--lang", "vi", "--root", str(archive), "serve", "--port", "0"],
            stdout=subprocess.PIPE,
            text=True,
        )
        driver = chromium()
        try:
            address = re.search(r"http://127\.0\.0\.1:\d+/", server.stdout.readline()).group(0)
            driver.get((sheets / "index.html").as_uri())
            shoot(driver, "danh-sach-phong-van.png")
            driver.get(sheet.as_uri())
            shoot(driver, "trang-duyet.png")
            driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
            driver.get(sheet.as_uri())
            shoot(driver, "trang-duyet-khi-in.png")
            driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
            driver.get(address)
            driver.add_cookie({"name": "loike_editor", "value": quote("Mai")})
            driver.get(address)
            shoot(driver, "ban-bien-tap.png")
            driver.get(address + "interviews/" + sheet.stem)
            shoot(driver, "ban-bien-tap-phong-van.png")
        finally:
            driver.quit()
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
