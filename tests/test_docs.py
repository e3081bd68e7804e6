"""The Vietnamese quick start and the demo's honesty: what a new user reads first holds together."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
GUIDES = REPO / "docs" / "vi"


def test_the_readme_sends_vietnamese_readers_to_the_quick_start_in_its_first_lines():
    head = "\n".join((REPO / "README.md").read_text(encoding="utf-8").splitlines()[:6])
    for guide in ("docs/vi/nguoi-phong-van.md", "docs/vi/bien-tap-vien.md"):
        assert f"]({guide})" in head
        assert (REPO / guide).is_file()


def test_every_screenshot_of_the_quick_start_is_there_and_shown():
    shown = {
        name
        for guide in GUIDES.glob("*.md")
        for name in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", guide.read_text(encoding="utf-8"))
    }
    made = {path.name for path in GUIDES.glob("*.png")}
    assert shown and shown == made  # scripts/make_screenshots.py makes them; none missing, none left over
    for name in made:
        assert (GUIDES / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_guides_give_the_windows_commands_beside_the_linux_ones():
    for guide in GUIDES.glob("*.md"):
        text = guide.read_text(encoding="utf-8")
        assert "| Linux | Windows |" in text and "`.venv\\Scripts\\activate`" in text, guide.name


def test_the_demo_says_its_voice_is_synthetic_and_has_its_script_beside_it():
    demo = REPO / "recordings" / "demo"
    sidecar = yaml.safe_load((demo / "phong-van-mau.yaml").read_text(encoding="utf-8"))
    assert "giọng máy" in sidecar["title"] and "không phải người thật" in sidecar["notes"]
    script = (demo / "phong-van-mau.txt").read_text(encoding="utf-8").split()
    assert len(script) > 50  # the reference `loike eval recordings/demo` scores the demo against
    assert "synthetic" in (REPO / "README.md").read_text(encoding="utf-8")
