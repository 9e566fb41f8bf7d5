"""The house rules a reader relies on: every module says its purpose, every public function what it returns."""

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
