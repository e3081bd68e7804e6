"""The Vietnamese quick start and the demo's honesty: what a new user reads first holds together."""

from __future__ import annotations

import re
from pathlib import Path

import click
import yaml

from pipeline.cli import cli

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


def _commands_shown(text: str) -> list[list[str]]:
    """Every `loike …` the guide shows, in a code span or a code block, as words (a `# comment` cut off)."""
    blocks = re.findall(r"^```\n(.*?)^```", text, flags=re.S | re.M)
    lines = [line.split("  #")[0] for block in blocks for line in block.splitlines()]
    spans = re.findall(r"`([^`\n]+(?:\n[^`\n]+)?)`", re.sub(r"^```\n.*?^```", "", text, flags=re.S | re.M))
    shown = []
    for piece in lines + spans:
        words = piece.split()
        if "loike" in words:
            shown.append(words[words.index("loike") + 1 :])
    return shown


def test_every_command_and_option_the_guides_and_the_readme_show_exists():
    """A guide or the README may not show a command, a subcommand or an option `loike` does not have."""

    def names(command: click.Command) -> set[str]:
        return {name for param in command.params for name in param.opts + param.secondary_opts} | {"--help"}

    checked = 0
    for guide in [*GUIDES.glob("*.md"), REPO / "README.md", *(REPO / "docs").glob("*.md")]:
        for words in _commands_shown(guide.read_text(encoding="utf-8")):
            command, known = cli, names(cli)
            while words and words[0].startswith("-"):  # loike --lang vi status, loike --root DIR …
                assert words[0] in known, (guide.name, words)
                words = words[2:] if words[0] in ("--lang", "--root") else words[1:]
            if not words or not re.fullmatch(r"[a-z][a-z-]*", words[0]):
                continue  # `loike LỆNH --help`, `loike --lang en …`: a placeholder, not a command
            while isinstance(command, click.Group) and words and words[0] in command.commands:
                command, words = command.commands[words[0]], words[1:]
            assert command is not cli, (guide.name, words)
            subcommand_missing = isinstance(command, click.Group) and words and not words[0].startswith("-")
            assert not subcommand_missing, (guide.name, words)  # `loike models list`: no such subcommand
            options = names(command)
            for word in words:
                if re.fullmatch(r"--?[a-z][a-z-]*", word.split("=")[0]):
                    assert word.split("=")[0] in options, (guide.name, command.name, word)
            checked += 1
    assert checked > 100
