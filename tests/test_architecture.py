"""The invariants of ARCHITECTURE.md, read from the code: the import graph of the package (every
``import`` statement, at any depth, parsed with ``ast``) and the modules the CLI's check path
really loads."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "server" / "plan_lsp"
LAYERS = ("core", "features", "workspace", "lsp", "cli")
BELOW: dict[str, set[str]] = {
    "core": {"core"},
    "features": {"core", "features"},
    "workspace": {"core", "features", "workspace"},
    "lsp": {"core", "features", "workspace", "lsp"},
    "cli": set(LAYERS),
}
"""What each layer may import from the package: itself and the layers under it."""
PROTOCOL = {"pygls", "lsprotocol", "cattrs"}
SYSTEM = {
    "os",  # but for reading the environment (os.environ, os.getenv)
    "io",
    "shutil",
    "tempfile",
    "glob",
    "subprocess",
    "threading",
    "multiprocessing",
    "concurrent",
    "asyncio",
    "socket",
    "signal",
    "getpass",
    "sqlite3",
}
"""Modules for files, processes and threads: none of them in core/ or features/ (the server must
one day run under Pyodide)."""


def modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


ALL = modules()


def imports(path: Path) -> Iterator[tuple[str, int, bool]]:
    """(imported module or ``module.name``, line, only for type checking) for every import in the
    file; ``from m import n`` gives ``m.n`` (a module of the package, or a name of ``m``)."""
    tree = ast.parse(path.read_text("utf-8"))
    checking: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                checking.update(id(n) for n in ast.walk(inner))
    package = ".".join(path.relative_to(PACKAGE.parent).parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno, id(node) in checking
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, node.module] if node.module else up)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                yield (
                    (base if base in ALL and full not in ALL else full),
                    node.lineno,
                    id(node) in checking,
                )


def layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "plan_lsp" and parts[1] in LAYERS else None


@pytest.mark.parametrize("name", [n for n in ALL if layer(n)])
def test_each_layer_imports_only_itself_and_the_layers_under_it(name: str) -> None:
    mine = layer(name)
    assert mine is not None
    bad = [
        f"{ALL[name].name}:{line} imports {target}"
        for target, line, _ in imports(ALL[name])
        if (other := layer(target)) is not None and other not in BELOW[mine]
    ]
    assert bad == []


@pytest.mark.parametrize("name", list(ALL))
def test_only_the_protocol_layer_imports_pygls_or_lsprotocol(name: str) -> None:
    bad = [
        f"{ALL[name].name}:{line} imports {target}"
        for target, line, _ in imports(ALL[name])
        if target.split(".")[0] in PROTOCOL
    ]
    assert bad == [] or layer(name) == "lsp"


@pytest.mark.parametrize("name", [n for n in ALL if layer(n) in ("core", "features")])
def test_core_and_features_use_no_files_processes_or_threads(name: str) -> None:
    bad = [
        f"{ALL[name].name}:{line} imports {target}"
        for target, line, checking in imports(ALL[name])
        if (
            not checking
            and (
                target.split(".")[0] in SYSTEM or target in ("pathlib.Path", "importlib.resources")
            )
        )
        or target == "builtins.open"
    ]
    # importlib.resources reads the package's own data (the built-in template), not the disk.
    if name == "plan_lsp.core.resources":
        bad = [b for b in bad if not b.endswith("importlib.resources")]
    tree = ast.parse(ALL[name].read_text("utf-8"))
    # The environment is no file, process or thread: ``os.environ`` and ``os.getenv`` may be read.
    used = {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    }
    if used <= {"environ", "getenv"}:
        bad = [b for b in bad if not b.endswith(" imports os")]
    bad += [
        f"{ALL[name].name}:{node.lineno} calls open()"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "open"
    ]
    assert bad == []


def test_no_import_cycles() -> None:
    graph = {
        name: {t for t, _, checking in imports(path) if t in ALL and t != name and not checking}
        for name, path in ALL.items()
    }
    # A package imports its own modules when they are named in ``from package import module``.
    cycles = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)
    # ``pkg/__init__`` importing ``pkg.x`` that imports ``pkg`` is how packages work, not a cycle.
    real = [c for c in cycles if not all(c[0].startswith(n) or n.startswith(c[0]) for n in c)]
    assert real == []


def test_the_check_path_imports_neither_pygls_nor_lsprotocol(tmp_path: Path) -> None:
    plan = tmp_path / "x-plan.md"
    plan.write_text("# Implementation Plan: X\n", "utf-8")
    script = (
        "import sys\n"
        "from plan_lsp.cli.main import main\n"
        "try:\n"
        f"    main(['check', '--no-cache', {str(plan)!r}])\n"
        "except SystemExit:\n"
        "    pass\n"
        "loaded = {m.split('.')[0] for m in sys.modules}\n"
        "print(sorted(loaded & {'pygls', 'lsprotocol', 'cattrs'}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert "missing-section" in out.stdout  # it did check
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_every_handler_names_its_lsp_method() -> None:
    handlers = PACKAGE / "lsp" / "handlers"
    missing = []
    for path in sorted(handlers.glob("*.py")):
        if path.name in ("__init__.py", "guard.py"):
            continue
        for node in ast.parse(path.read_text("utf-8")).body:
            if isinstance(
                node, ast.FunctionDef | ast.AsyncFunctionDef
            ) and not node.name.startswith("_"):
                doc = ast.get_docstring(node) or ""
                if not doc.startswith("``"):
                    missing.append(f"{path.name}:{node.name}")
    assert missing == []


def test_the_code_map_names_every_module() -> None:
    text = (ROOT / "ARCHITECTURE.md").read_text("utf-8")
    missing = [
        str(path.relative_to(PACKAGE))
        for path in ALL.values()
        if path.name != "__init__.py" and f"`{path.relative_to(PACKAGE)}`" not in text
    ]
    assert missing == []
