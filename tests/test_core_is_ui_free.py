"""The core and the store import neither Textual nor aiohttp: the TUI, CLI and web are shells.

And the package's own imports point one way, with no circles beyond the known ones; inside the
TUI, screens and widgets never import the app, and what is behind the keys (the capturer, the
exporter, the remark and sync services) loads without Textual."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path


def test_core_and_store_load_without_the_ui_or_the_web():
    code = (
        "import sys, pkgutil, importlib, facilitator.core as core\n"
        "for m in pkgutil.iter_modules(core.__path__):\n"
        "    importlib.import_module('facilitator.core.' + m.name)\n"
        "import facilitator.store, facilitator.export\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in ('textual', 'aiohttp', 'qrcode'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_the_tuis_behaviour_objects_load_without_textual():
    code = (
        "import sys\n"
        "import facilitator.tui.capture, facilitator.tui.exporter, facilitator.tui.context\n"
        "import facilitator.tui.remark_service, facilitator.tui.sync_service\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in ('textual', 'aiohttp', 'qrcode'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


# -- the layering, read from the source ---------------------------------------------------------
# Dependencies point one way: the small base modules <- core <- store <- the shells (web, export,
# tui, then cli, demo and launch on top). Every import counts, a function-level one too; only
# the ones under `if TYPE_CHECKING:` do not (they never run).

PACKAGE = Path(__file__).resolve().parent.parent / "facilitator"

LAYERS = {  # part of the package -> the parts it may import (besides itself)
    "base": set(),  # i18n, paths, gcpause and the package itself
    "core": {"base"},
    "store": {"core", "base"},
    "web": {"store", "core", "base"},
    "export": {"store", "core", "base"},
    "sync": {"web", "store", "core", "base"},  # web.net: the venue address to announce
    "tui": {"web", "export", "sync", "store", "core", "base", "demo"},
    "demo": {"store", "core", "base"},
    "cli": {"tui", "web", "export", "sync", "store", "core", "base", "demo"},
    # tui: the bare `facilitator demo` starts without click (tui.demo_run; see launch.py).
    "launch": {"cli", "tui", "base"},
}
BASE = {"facilitator", "facilitator.i18n", "facilitator.paths", "facilitator.gcpause"}

# Known exceptions, each with its reason; the test fails when one is no longer needed, so the
# list only shrinks.
LAYER_EXCEPTIONS: dict[tuple[str, str], str] = {}
CYCLE_EXCEPTIONS: list[tuple[set[str], str]] = []


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, name: str, known: set[str]) -> set[str]:
    """The package's modules that `path` imports at run time."""
    found: set[str] = set()

    class Visitor(ast.NodeVisitor):
        def visit_If(self, node: ast.If) -> None:
            test = node.test
            if getattr(test, "id", None) == "TYPE_CHECKING" or getattr(test, "attr", None) == (
                "TYPE_CHECKING"
            ):
                for child in node.orelse:
                    self.visit(child)
                return
            self.generic_visit(node)

        def visit_Import(self, node: ast.Import) -> None:
            found.update(alias.name for alias in node.names)

        def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
            module = node.module or ""
            if node.level:
                base = name.split(".")[: None if path.name == "__init__.py" else -1]
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([module] if module else []))
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)

    Visitor().visit(ast.parse(path.read_text(encoding="utf-8")))
    out = set()
    for target in found:
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target and target != name:
            out.add(target)
    return out


def import_graph() -> dict[str, set[str]]:
    paths = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: imports_of(path, name, set(paths)) for name, path in paths.items()}


def layer(module: str) -> str:
    if module in BASE:
        return "base"
    return module.split(".")[1]


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The groups of modules that import one another (strongly connected, more than one)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.add(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(group)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_imports_point_down_the_layers():
    graph = import_graph()
    wrong = sorted(
        (a, b)
        for a, targets in graph.items()
        for b in targets
        if layer(b) != layer(a) and layer(b) not in LAYERS[layer(a)]
    )
    assert [w for w in wrong if w not in LAYER_EXCEPTIONS] == []
    assert sorted(set(LAYER_EXCEPTIONS) - set(wrong)) == [], "an exception no longer needed"


def test_no_import_circles_beyond_the_known_ones():
    found = cycles(import_graph())
    for group in found:
        assert any(group <= known for known, _ in CYCLE_EXCEPTIONS), sorted(group)
    for known, reason in CYCLE_EXCEPTIONS:
        assert any(group & known for group in found), f"an exception no longer needed: {reason}"
    # The command line, the console script and the app no longer import one another.
    assert not any({"facilitator.cli", "facilitator.launch"} & group for group in found)


def test_screens_and_widgets_never_import_the_app():
    """They get what they need in their constructor (tui/context.py), so the app may open any
    screen without a circle."""
    graph = import_graph()
    parts = ("facilitator.tui.screens.", "facilitator.tui.widgets.")
    wrong = sorted(
        a
        for a, targets in graph.items()
        if a.startswith(parts) and "facilitator.tui.app" in targets
    )
    assert wrong == []


# -- SQL lives in the store -----------------------------------------------------------------------
# The store is the one door to SQLite: below the shells, the other parts read and write through
# its repositories (`store.entries`, `store.sync`, ...), never with SQL or a connection of their
# own. (The store itself imports none of them: LAYERS above.)

SQL_FREE = ("base", "core", "web", "sync", "export", "tui", "cli", "demo", "launch")
SQL = re.compile(
    r"\bSELECT\b.*\bFROM\b|\bINSERT INTO\b|\bUPDATE \w+ SET\b|\bDELETE FROM\b|\bPRAGMA \w"
    r"|\bBEGIN IMMEDIATE\b|\bCREATE (TABLE|INDEX|TRIGGER|VIRTUAL)\b",
    re.S,
)
CONNECTION = {"conn", "execute", "executemany", "executescript", "transaction", "cursor"}


def test_sql_lives_in_the_store():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = module_name(path)
        if layer(name) not in SQL_FREE:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # Docstrings may name SQL they explain ("PRAGMA data_version moved"); code may not.
        docs = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if id(node) in docs:
                    continue
                if SQL.search(node.value):
                    found.append(f"{name}:{node.lineno}: {node.value[:50]!r}")
            elif isinstance(node, ast.Attribute) and node.attr in CONNECTION:
                found.append(f"{name}:{node.lineno}: .{node.attr}")
    assert found == []
