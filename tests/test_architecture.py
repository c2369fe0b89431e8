"""The one-way architecture: ``solvers/`` speaks indices and arrays, never the domain."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOLVERS = Path(__file__).parents[1] / "solvers"
FORBIDDEN = ("fieldopt", "sqlmodel", "pandas", "sqlalchemy")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_solvers_do_not_import_the_domain() -> None:
    files = sorted(SOLVERS.rglob("*.py"))
    assert files, "solvers/ has no modules"
    offenders = {
        str(path.relative_to(SOLVERS.parent)): sorted(
            m for m in imported_modules(path) if m.split(".")[0] in FORBIDDEN
        )
        for path in files
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_checker_itself_catches_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import numpy\nfrom pandas import DataFrame\nimport fieldopt.scenario\n")
    assert {"pandas", "fieldopt.scenario"} <= imported_modules(bad)


@pytest.mark.parametrize("package", ["fieldopt", "solvers"])
def test_packages_ship_py_typed(package: str) -> None:
    assert (SOLVERS.parent / package / "py.typed").exists()
