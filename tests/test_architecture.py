"""The package keeps its shape: each third-party library in one module, stages independent."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).parent.parent / "pipeline"
STAGES = {"ingest", "audio", "transcribe", "render", "export", "diarize"}
"""Stage modules; ``store`` is the data layer every stage may read and write through."""
ONLY_IN = {"click": "cli", "faster_whisper": "transcribe", "ctranslate2": "transcribe", "av": "audio",
           "jinja2": "render", "docx": "documents", "pydub": "clips", "bagit": "package",
           "resemblyzer": "diarize", "torch": "diarize", "scipy": "diarize", "ray": "cluster"}


def imports(module: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # from . import x / from .x import y
                found |= {node.module.split(".")[0]} if node.module else {a.name for a in node.names}
            else:
                found.add(node.module.split(".")[0])
    return found


MODULES = {path.stem: imports(path) for path in PACKAGE.glob("*.py")}


def test_each_library_is_imported_in_one_module():
    for library, home in ONLY_IN.items():
        users = {name for name, used in MODULES.items() if library in used}
        assert users <= {home}, f"{library} is imported in {users - {home}}; only {home} may"


def test_stages_do_not_import_each_other_and_nothing_imports_the_cli():
    for name, used in MODULES.items():
        assert "cli" not in used, f"{name} imports cli"
        if name in STAGES:
            assert not used & STAGES, f"{name} imports {used & STAGES}"
