"""The size rule: no module in search_app over 600 lines, no function over 80.

Past those sizes a module holds more than one job and a function more than one
idea; the rule keeps the engine package readable for the next maintainer.
"""

from __future__ import annotations

import ast
from pathlib import Path

import search_app

MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80
PACKAGE = Path(search_app.__file__).parent


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _long_functions(path: Path) -> list[tuple[str, int]]:
    """(qualified name, lines) of every function or method over the limit."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[str, int]] = []

    def walk(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = prefix + child.name
                lines = child.end_lineno - child.lineno + 1  # type: ignore[operator]
                if lines > MAX_FUNCTION_LINES:
                    found.append((name, lines))
                walk(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                walk(child, prefix + child.name + ".")
            else:
                walk(child, prefix)

    walk(tree, "")
    return found


def test_the_walk_sees_the_whole_package():
    names = {p.relative_to(PACKAGE).as_posix() for p in _modules()}
    assert {"pipeline.py", "engine/base.py", "web/api.py"} <= names


def test_the_long_function_finder_measures_a_real_function(tmp_path: Path):
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    sample = tmp_path / "m.py"
    sample.write_text(f"class C:\n  def short(self):\n    pass\n\ndef long():\n{body}\n")
    assert _long_functions(sample) == [("long", MAX_FUNCTION_LINES + 1)]


def test_no_module_over_600_lines():
    offenders = []
    for path in _modules():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            offenders.append(f"{path.relative_to(PACKAGE).as_posix()}: {lines} lines")
    assert not offenders, f"modules over {MAX_MODULE_LINES} lines: " + "; ".join(offenders)


def test_no_function_over_80_lines():
    offenders = []
    for path in _modules():
        module = path.relative_to(PACKAGE).as_posix()
        for name, lines in _long_functions(path):
            offenders.append(f"{module}: {name} ({lines} lines)")
    assert not offenders, f"functions over {MAX_FUNCTION_LINES} lines: " + "; ".join(offenders)
