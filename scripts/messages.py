"""Bring the code's messages into the Vietnamese catalog: ``python3 dev.py messages``.

Finds every message a user can read, adds the new ones to ``pipeline/locale/vi/LC_MESSAGES/messages.po`` with an
empty translation (or, when an old message is close, its translation marked fuzzy, to check), drops those no longer
used, and lists what still needs translating, file by file. ``tests/test_messages.py`` uses the same finder and
fails while a message is unmarked or untranslated.

What counts as a message (see pipeline/i18n.py for how they are translated):
- the text of ``_("…")``, ``N_("…")`` and ``ngettext("…", "…", n)`` anywhere in pipeline/;
- in pipeline/cli/, the docstring of every command and group and every ``help="…"``: click's help, marked by
  where it is, translated when shown;
- click's own messages ("Usage:", "Show this message and exit." …), taken from the installed click by this script
  only: a newer click's new ones fall back to English until translated.
A user-facing text left unmarked (in click.echo, an exception of pipeline.errors, a Problem or a Finding) is
reported by ``unmarked``, so that the test names it.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "pipeline"
CATALOG = PACKAGE / "locale" / "vi" / "LC_MESSAGES" / "messages.po"
MARKERS = {"_", "N_", "ngettext"}
SAYERS = {"echo", "secho", "ClickException", "UsageError", "BadParameter", "Problem", "Finding", "PassedOver", "notify"}
"""Calls whose text a user reads, besides the exceptions of pipeline.errors."""
NOT_FOR_USERS = {"ValueError", "TypeError", "RuntimeError", "debug", "info", "warning", "error", "exception"}
"""Programming errors and log lines: for developers, in English."""
WORDS = re.compile(r"[^\W\d_]{2,}")


@dataclass
class Message:
    msgid: str
    plural: str | None = None
    places: list[str] = field(default_factory=list)
    """Where it is said: "pipeline/cli/base.py:42"."""


def find_messages(package: Path = PACKAGE) -> dict[str, Message]:
    """Every message of the code, by msgid, with the places that say it."""
    found: dict[str, Message] = {}
    for path in sorted(package.rglob("*.py")):
        for line, msgid, plural in messages_in(path, in_cli=path.parent.name == "cli"):
            message = found.setdefault(msgid, Message(msgid, plural))
            message.places.append(f"{path.relative_to(ROOT).as_posix()}:{line}")
    return found


def messages_in(path: Path, in_cli: bool) -> list[tuple[int, str, str | None]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and called(node) in MARKERS and node.args:
            texts = [a.value for a in node.args[:2] if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if texts:
                found.append((node.lineno, texts[0], texts[1] if called(node) == "ngettext" else None))
        if not in_cli:
            continue
        if isinstance(node, ast.FunctionDef) and any(is_command(d) for d in node.decorator_list):
            docstring = ast.get_docstring(node)
            if docstring:
                found.append((node.lineno, docstring, None))
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == "help" and isinstance(keyword.value, ast.Constant):
                    found.append((keyword.value.lineno, keyword.value.value, None))
    return found


def unmarked(package: Path = PACKAGE) -> list[str]:
    """User-facing texts the catalog cannot see: "pipeline/cli/x.py:12: 'No passage matches.'", one a line."""
    errors = error_classes(package / "errors.py")
    found = []
    for path in sorted(package.rglob("*.py")):
        where = path.relative_to(ROOT).as_posix()
        if path == package / "i18n.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if path.parent.name == "cli":
            found += loose_fstrings(tree, where)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or called(node) == "InvalidEdit":
                continue  # the review app's own errors carry their Vietnamese for the page
            name = called(node)
            if name in MARKERS:
                found += [
                    f"{where}:{a.lineno}: {ast.unparse(a)} (an f-string cannot be translated: use .format)"
                    for a in node.args[:1]
                    if isinstance(a, ast.JoinedStr)
                ]
            elif name in SAYERS or name in errors or path.name == "errors.py":
                arguments = [*node.args, *(k.value for k in node.keywords if k.arg in ("message", "help"))]
                found += [f"{where}:{a.lineno}: {ast.unparse(a)}" for a in arguments if wordy(a)]
            if path.parent.name == "cli" and name not in MARKERS:
                found += [
                    f"{where}:{k.value.lineno}: {ast.unparse(k.value)} (help must be a plain string)"
                    for k in node.keywords
                    if k.arg == "help" and not plain(k.value) and not (isinstance(k.value, ast.Name))
                ]
    return found


def loose_fstrings(tree: ast.AST, where: str) -> list[str]:
    """In the commands, an f-string of words outside ``_()``: a message built on the side and left unmarked."""
    marked = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and called(node) in MARKERS | NOT_FOR_USERS
        for inner in ast.walk(node)
    }
    return [
        f"{where}:{node.lineno}: {ast.unparse(node)}"
        for node in ast.walk(tree)
        if isinstance(node, ast.JoinedStr) and id(node) not in marked and wordy(node)
    ]


def called(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def is_command(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    name = target.attr if isinstance(target, ast.Attribute) else target.id if isinstance(target, ast.Name) else ""
    return name in ("command", "group")


def plain(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def wordy(node: ast.expr) -> bool:
    """A literal text of words (an f-string counts by its fixed parts): a message left unmarked. A single word
    ("not_a_file") is a code, not a message."""
    if plain(node):
        return " " in node.value and bool(WORDS.search(node.value))  # type: ignore[attr-defined]
    if isinstance(node, ast.JoinedStr):
        return any(plain(part) and WORDS.search(part.value) for part in node.values)  # type: ignore[attr-defined]
    return False


def error_classes(errors: Path) -> set[str]:
    """The names of pipeline.errors' exceptions (LoikeError and every class below it)."""
    names = {"LoikeError"}
    classes = [n for n in ast.parse(errors.read_text(encoding="utf-8")).body if isinstance(n, ast.ClassDef)]
    grown = True
    while grown:
        before = len(names)
        names |= {c.name for c in classes if any(isinstance(b, ast.Name) and b.id in names for b in c.bases)}
        grown = len(names) > before
    return names


def click_messages() -> dict[str, Message]:
    """click's own messages, from the installed click."""
    import click
    from babel.messages.extract import extract_from_dir

    found: dict[str, Message] = {}
    folder = Path(click.__file__).parent
    keywords = {"_": None, "ngettext": (1, 2)}
    for filename, line, text, _comments, _context in extract_from_dir(
        folder, method_map=[("**.py", "python")], keywords=keywords
    ):
        msgid, plural = (text, None) if isinstance(text, str) else (text[0], text[1])
        found.setdefault(msgid, Message(msgid, plural)).places.append(f"click/{filename}:{line}")
    return found


def update() -> list[str]:
    """Merge the messages into the catalog; the messages still untranslated, as lines to show."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    template = Catalog(locale="vi")
    for message in [*find_messages().values(), *click_messages().values()]:
        key = (message.msgid, message.plural) if message.plural else message.msgid
        template.add(key, locations=[(place.rsplit(":", 1)[0], None) for place in message.places])
    with CATALOG.open("rb") as source:
        catalog = read_po(source, locale="vi")
    catalog.update(template)
    with CATALOG.open("wb") as target:
        write_po(target, catalog, width=120, sort_output=True, ignore_obsolete=True, include_lineno=False)
    return untranslated(catalog)


def untranslated(catalog) -> list[str]:
    lines = []
    for message in catalog:
        if not message.id:
            continue
        texts = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(texts):
            where = ", ".join(path for path, _ in message.locations)
            lines.append(f"{where}: {message.id!r}" + (" (fuzzy: check it)" if message.fuzzy else ""))
    return lines


if __name__ == "__main__":
    problems = unmarked()
    for line in problems:
        print(f"unmarked: {line}")
    missing = update()
    for line in missing:
        print(f"to translate: {line}")
    print(f"{CATALOG.relative_to(ROOT)}: {len(missing)} message(s) to translate, {len(problems)} unmarked.")
    sys.exit(1 if problems else 0)
