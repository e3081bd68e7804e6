"""The package keeps its shape: layers that import one way, SQL only in the data layer, small modules, no import
circles, no private names used across modules, each third-party library in its one module.

Every module of ``pipeline/`` (and of ``bench/`` for circles) is read with ``ast``; imports inside functions count
too, since a lazy import is still a dependency.
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "pipeline"

LAYERS = {
    "base": 0,
    "database": 1,
    "catalogue": 2,
    "intake": 3,
    "speech": 4,
    "publishing": 5,
    "run": 6,
    "safekeeping": 6,
    "workshop": 6,
    "desk": 7,
    "cli": 8,
    "templates": 0,
}
"""Each sub-package's layer: a module imports only from its own package and from lower layers (the modules at the
top of ``pipeline/`` are the base: errors, text, settings, files, options, reports, crashtest). Two packages on
one layer (the run, safekeeping and the workshop) do not import each other."""
LONGEST = 400
ONLY_IN = {
    "click": {"cli"},
    "faster_whisper": {"speech.transcribe"},
    "ctranslate2": {"speech.transcribe", "speech.model_convert"},
    "huggingface_hub": {"speech.model_download"},
    "transformers": {"speech.model_convert"},
    "av": {"intake.audio", "intake.access_copies"},
    "jinja2": {"publishing.templating"},
    "docx": {"publishing.word_documents", "workshop.handout"},
    "pydub": {"publishing.clips"},
    "bagit": {"publishing.deposit"},
    "resemblyzer": {"speech.voice_encoder"},
    "torch": {"speech.voice_encoder"},
    "scipy": {"speech.diarize"},
    "ray": {"run.cluster", "run.transcribers"},
    "starlette": {"desk"},
    "uvicorn": {"desk"},
    "yaml": {"catalogue.sidecar", "workshop.gazetteer"},
    "openpyxl": {"catalogue.workbook", "catalogue.spreadsheets"},
    "sqlite_utils": {"database"},
    "babel": {"i18n"},
}
"""Where each third-party library may be imported: a module (``speech.transcribe``) or a whole package (``cli``)."""
SQL = re.compile(r"\.execute\(|\.executemany\(|\.query\(|\bdb\[|\.rows_where\(")


def module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = list(path.relative_to(package).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


SOURCES = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def package_of(module: str) -> str:
    head = module.split(".")[0]
    return head if head in LAYERS and "." in module or head in ("cli", "database") else "base"


def pipeline_imports(path: Path, name: str) -> set[str]:
    """The pipeline modules ``path`` imports (``from pipeline.x import y`` counts as x.y when that is a module)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name[len("pipeline.") :] for alias in node.names if alias.name.startswith("pipeline.")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "pipeline":
            base = node.module[len("pipeline.") :] if node.module != "pipeline" else ""
            for alias in node.names:
                candidate = f"{base}.{alias.name}" if base else alias.name
                found.add(candidate if candidate in SOURCES else base)
    return {module for module in found if module and module != name}


def third_party(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found - {"pipeline"}


GRAPH = {name: pipeline_imports(path, name) for name, path in SOURCES.items()}


def test_every_sub_package_says_what_it_is_for():
    for name, path in SOURCES.items():
        if path.name == "__init__.py" and name:
            docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
            assert docstring and len(docstring) > 40, f"pipeline/{name}/__init__.py needs a docstring"


@pytest.mark.parametrize("name", sorted(n for n in SOURCES if n))
def test_layers_import_one_way(name):
    if name == "cli.__main__":
        return
    mine = package_of(name)
    for used in GRAPH[name]:
        theirs = package_of(used)
        if theirs == mine:
            continue
        assert LAYERS[theirs] < LAYERS[mine], f"pipeline.{name} ({mine}) imports pipeline.{used} ({theirs})"


def test_the_package_facade_is_the_only_base_module_that_reaches_up():
    for name, used in GRAPH.items():
        if package_of(name) == "base" and name:
            assert all(package_of(u) == "base" for u in used), f"pipeline.{name} imports {used}"


def test_sql_only_in_the_data_layer():
    for name, path in SOURCES.items():
        if package_of(name) == "database":
            continue
        lines = [
            f"{i}: {line.strip()}"
            for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if SQL.search(line)
        ]
        assert not lines, f"pipeline/{path.relative_to(PACKAGE)} runs SQL:\n" + "\n".join(lines)


@pytest.mark.parametrize(
    "path",
    sorted([*PACKAGE.rglob("*.py"), *(ROOT / "bench").glob("*.py")]),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_no_module_over_400_lines(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= LONGEST


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), each as a sorted list."""
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in graph:
                continue
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_import_circles_in_the_package():
    # The package's __init__ only re-exports lazily (PEP 562) and imports nothing at load time.
    graph = {name: used - {""} for name, used in GRAPH.items() if name}
    assert cycles(graph) == []


def test_no_import_circles_in_the_benchmarks():
    bench = ROOT / "bench"
    names = {path.stem for path in bench.glob("*.py")}
    graph = {}
    for path in bench.glob("*.py"):
        graph[path.stem] = {n for n in third_party(path) | _bench_from(path) if n in names and n != path.stem}
    assert cycles(graph) == []


def _bench_from(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bench."):
            found.add(node.module.split(".")[1])
    return found


def test_no_private_name_is_used_from_another_module():
    for name, path in SOURCES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pipeline"):
                for alias in node.names:
                    private = alias.name.startswith("_") and not alias.name.startswith("__") and alias.name != "_"
                    assert not private, (  # "_" is gettext's, not a private name
                        f"pipeline.{name} imports the private {alias.name} from {node.module}"
                    )
                    if f"{node.module[len('pipeline.') :]}.{alias.name}".lstrip(".") in SOURCES:
                        modules.add(alias.asname or alias.name)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in modules
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                raise AssertionError(f"pipeline.{name} uses the private {node.value.id}.{node.attr}")


def test_no_two_modules_share_a_name():
    leaves = [name.rsplit(".", 1)[-1] for name in SOURCES if name and not name.endswith("__main__")]
    assert sorted(leaf for leaf in set(leaves) if leaves.count(leaf) > 1) == []


@pytest.mark.slow
def test_each_library_is_imported_in_its_one_place():
    for library, homes in ONLY_IN.items():
        users = {name for name, path in SOURCES.items() if library in third_party(path)}
        outside = {u for u in users if not any(u == home or u.startswith(home + ".") for home in homes)}
        assert not outside, f"{library} is imported in {sorted(outside)}; only {sorted(homes)} may"


@pytest.mark.parametrize("argv", [["--help"], ["status"]], ids=["help", "status"])
def test_commands_that_need_no_model_load_no_heavy_library(argv, tmp_path):
    import subprocess
    import sys

    (tmp_path / "recordings").mkdir()
    (tmp_path / "transcripts").mkdir()
    from pipeline import database

    database.open_database(tmp_path / "transcripts" / "loike.db").close()
    script = (
        "import sys\nfrom pipeline.cli import main\nsys.argv = ['loike', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = ('av', 'numpy', 'faster_whisper', 'ctranslate2', 'starlette', 'torch', 'ray')\n"
        "print(sorted(name for name in heavy if name in sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, "--root", str(tmp_path), *argv], capture_output=True, text=True, check=True
    )
    assert done.stderr.strip().splitlines()[-1] == "[]"
