"""The package's import graph: arrows one way (no cycle, TYPE_CHECKING imports too) and imports without side effects."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "lstm_core"


def module_name(path: Path) -> str:
    """Return the dotted module name of a file of the package."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Return, for every module of lstm_core, the modules of lstm_core it imports anywhere in its file."""
    modules = {module_name(path): path for path in PACKAGE.rglob("*.py")}

    def known(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for name, path in modules.items():
        imported = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {known(alias.name) for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported |= {known(f"{node.module}.{alias.name}") or known(node.module) for alias in node.names}
        graph[name] = {target for target in imported if target and target != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return every cycle of the graph as the list of modules on it (a depth-first search)."""
    found, state, path = [], {}, []

    def visit(node: str) -> None:
        state[node] = "open"
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                found.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target)
        path.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_lstm_core_has_no_import_cycle():
    graph = import_graph()
    assert "lstm_core.training.job" in graph["lstm_core.training.pool"]
    assert cycles(graph) == []


def test_importing_the_training_pool_changes_nothing_until_a_pool_starts():
    probe = (
        "import multiprocessing.spawn as spawn, threading\n"
        "before = spawn.get_preparation_data\n"
        "import lstm_core.training.pool\n"
        "ours = [h for h in threading._threading_atexits if h.func.__module__ == 'lstm_core.training.pool']\n"
        "print(spawn.get_preparation_data is before, ours == [])\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["True", "True"], out.stderr[-2000:]


def documented_arrows() -> dict[str, set[str]]:
    """Return the parts of lstm_core and the parts each may import, as its package docstring lists them."""
    import lstm_core

    arrows: dict[str, set[str]] = {}
    last = None
    for line in lstm_core.__doc__.splitlines():
        part, arrow, targets = line.strip().partition("->")
        if arrow:
            last = part.strip()
            arrows[last] = {name.strip() for name in targets.split(",") if name.strip()}
        elif last is not None and line.startswith(" " * 19) and line.strip():  # a list carried on to the next line
            arrows[last] |= {name.strip() for name in line.split(",") if name.strip()}
        else:
            last = None
    return arrows


def part_of(module: str) -> str:
    """Return the part of lstm_core a module belongs to: its sub-package, or the top-level module itself."""
    return module.split(".")[1]


def test_parts_import_only_along_the_documented_arrows():
    arrows = documented_arrows()
    assert {"config", "data", "model", "glassbox", "training", "figures", "ui"} <= set(arrows)
    found = {}
    for module, imported in import_graph().items():
        if module == "lstm_core":
            continue
        for target in imported:
            if part_of(target) != part_of(module):
                found.setdefault(part_of(module), set()).add(part_of(target))
    assert set(found) <= set(arrows), "a part the docstring does not list"
    extra = {part: sorted(targets - arrows[part]) for part, targets in found.items() if targets - arrows[part]}
    assert extra == {}, "arrows the package docstring does not allow"
    assert cycles(arrows) == [], "the documented arrows themselves go one way"


def test_only_ui_imports_streamlit_and_only_the_builder_and_worker_import_keras():
    for path in PACKAGE.rglob("*.py"):
        module = module_name(path)
        imported = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module.split(".")[0])
        if "streamlit" in imported:
            assert module.startswith("lstm_core.ui."), module
        if imported & {"keras", "tensorflow"}:
            assert module in {"lstm_core.model.keras_model", "lstm_core.training.worker"}, module


def test_the_server_side_never_loads_tensorflow():
    import subprocess
    import sys

    # Every module of lstm_core: Keras is imported only inside the functions of the model builder and the worker.
    code = ("import importlib, pkgutil, sys, lstm_core\n"
            "for module in pkgutil.walk_packages(lstm_core.__path__, 'lstm_core.'):\n"
            "    importlib.import_module(module.name)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
