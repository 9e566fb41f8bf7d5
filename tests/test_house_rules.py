"""The house rules a reader relies on: every module says its purpose, every public function what it returns, and
every public name of lstm_core is read by the product, not by tests or benches alone."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [*sorted((ROOT / "lstm_core").rglob("*.py")), *sorted((ROOT / "pages").glob("*.py")), ROOT / "app.py"]


def test_every_module_opens_with_a_one_line_purpose():
    missing = []
    for path in SOURCES:
        docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        if path.name != "__init__.py" or path.parent.name == "lstm_core":
            if not docstring or not docstring.splitlines()[0].strip():
                missing.append(str(path.relative_to(ROOT)))
    assert missing == []


def test_every_public_function_and_class_of_a_module_has_a_docstring():
    missing = []
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        classes = [node for node in tree.body if isinstance(node, ast.ClassDef) and not node.name.startswith("_")]
        members = [item for cls in classes for item in cls.body if isinstance(item, ast.FunctionDef)]
        for node in [*tree.body, *members]:
            public = isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_")
            if public and not ast.get_docstring(node):
                missing.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert missing == []


# Public names of lstm_core that nothing in the product reads, each kept for a reason stated here.
UNREAD_BY_DESIGN = {
    # A frozen schema keeps every table and the version number it was written with, whether a migration reads them
    # or not: the tests build a genuine old store from its metadata.
    "lstm_core.store.schema_v1.VERSION",
    "lstm_core.store.schema_v1.schema_info",
    "lstm_core.store.schema_v2.VERSION",
    # The query string of a link to some settings, as a learner's browser opens it: the browser tests, the
    # topology's checks and the load clients in bench/ write their links with it, in the format the app reads.
    "lstm_core.ui.links.share_query",
}
PRODUCT = [*sorted((ROOT / "lstm_core").rglob("*.py")), *sorted((ROOT / "pages").rglob("*.py")),
           *sorted((ROOT / "deploy").rglob("*.py")), ROOT / "app.py"]


def _module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _public_names(tree: ast.Module) -> list[str]:
    """Return the module-level functions, classes and constants of a module whose names do not start with _."""
    names = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [name.id for target in targets for name in ast.walk(target) if isinstance(name, ast.Name)]
    return [name for name in names if not name.startswith("_")]


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return base and f"{base}.{node.attr}"
    return None


def _names_read(path: Path, modules: set[str], root: Path = ROOT) -> set[tuple[str, str]]:
    """Return (module, name) of every module-level name this file reads: imported by name, as module.name, or at home.

    A definition is not a read: a function's own def and an assignment's target are not counted.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = _module_name(path, root)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    module_aliases: dict[str, str] = {}  # a local name -> the module it is bound to
    read: set[tuple[str, str]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                local = alias.asname or alias.name.split(".")[0]
                module_aliases[local] = alias.name if alias.asname else local
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parents = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*parents, *([base] if base else [])])
            for alias in node.names:
                if f"{base}.{alias.name}" in modules:
                    module_aliases[alias.asname or alias.name] = f"{base}.{alias.name}"
                else:
                    read.add((base, alias.name))
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Store):
            read.add((here, node.id))
        elif isinstance(node, ast.Attribute) and (chain := _dotted(node.value)):
            first, _, rest = chain.partition(".")
            if first in module_aliases:
                read.add((".".join(filter(None, [module_aliases[first], rest])), node.attr))
    return read


def test_every_public_name_of_lstm_core_is_read_by_the_product_not_only_by_tests_or_benches():
    sources = sorted((ROOT / "lstm_core").rglob("*.py"))
    modules = {_module_name(path) for path in sources}
    read = set().union(*(_names_read(path, modules) for path in PRODUCT))
    unread = {f"{_module_name(path)}.{name}" for path in sources
              for name in _public_names(ast.parse(path.read_text(encoding="utf-8")))
              if (_module_name(path), name) not in read}
    assert unread - UNREAD_BY_DESIGN == set(), "read only by tests or benches, or by nothing: delete or move to tests/"
    assert UNREAD_BY_DESIGN <= unread, "a name of the allow-list is read now: take it off the list"


def test_the_unread_name_scan_counts_each_way_of_reading_and_finds_a_name_only_a_test_reads(tmp_path):
    (tmp_path / "lstm_core").mkdir()
    (tmp_path / "lstm_core" / "__init__.py").write_text("")
    parts = tmp_path / "lstm_core" / "parts.py"
    parts.write_text("LIMIT = 3\n\ndef by_name():\n    return LIMIT\n\ndef by_attribute():\n    return 2\n\n"
                     "def tested_only():\n    return 1\n")
    app = tmp_path / "app.py"
    app.write_text("from lstm_core import parts\nfrom lstm_core.parts import by_name\n\nparts.by_attribute()\n")
    modules = {"lstm_core", "lstm_core.parts"}
    read = _names_read(parts, modules, tmp_path) | _names_read(app, modules, tmp_path)
    public = _public_names(ast.parse(parts.read_text()))
    assert public == ["LIMIT", "by_name", "by_attribute", "tested_only"]
    assert [name for name in public if ("lstm_core.parts", name) not in read] == ["tested_only"]


def test_every_chart_is_drawn_with_its_summary():
    # show_chart draws the chart and its words; a bare st.plotly_chart would leave a screen reader with a picture.
    bare = [f"{path.relative_to(ROOT)}:{number}" for path in SOURCES if path.name != "charts.py"
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
            if "st.plotly_chart(" in line]
    assert bare == []
