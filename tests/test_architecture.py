"""The one-way architecture: ``solvers/`` speaks indices and arrays, never the domain; the
benchmarks live in ``benchmarks/``, which nothing shipped imports (but ``fieldopt bench``)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).parents[1]
SOLVERS = REPO / "solvers"
FORBIDDEN = ("fieldopt", "sqlmodel", "pandas", "sqlalchemy", "benchmarks")
SHIPPED = ("fieldopt", "solvers")
# ``fieldopt bench``: fieldopt/cli.py adds the benchmarks' commands when they are importable
BENCH_REGISTRATION = {"fieldopt/cli.py": {"benchmarks.cli"}}


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
    bad.write_text(
        "import numpy\nfrom pandas import DataFrame\nimport fieldopt.scenario\n"
        "def f():\n    from benchmarks.routing import vrptw_data\n"
    )
    assert {"pandas", "fieldopt.scenario", "benchmarks.routing"} <= imported_modules(bad)


def test_shipped_packages_do_not_import_the_benchmarks() -> None:
    offenders = {}
    for package in SHIPPED:
        for path in sorted((REPO / package).rglob("*.py")):
            name = str(path.relative_to(REPO))
            found = {m for m in imported_modules(path) if m.split(".")[0] == "benchmarks"}
            if found - BENCH_REGISTRATION.get(name, set()):
                offenders[name] = sorted(found)
    assert offenders == {}
    # the one exception is there (else ``fieldopt bench`` would be gone)
    assert "benchmarks.cli" in imported_modules(REPO / "fieldopt" / "cli.py")


def test_no_benchmark_modules_in_the_shipped_packages() -> None:
    named = [
        str(path.relative_to(REPO))
        for package in SHIPPED
        for path in (REPO / package).rglob("*")
        if "bench" in path.name.lower() and "__pycache__" not in path.parts
    ]
    assert named == []


@pytest.mark.parametrize("package", ["fieldopt", "solvers"])
def test_packages_ship_py_typed(package: str) -> None:
    assert (SOLVERS.parent / package / "py.typed").exists()
