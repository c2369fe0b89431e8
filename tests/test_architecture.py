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


# ---------------------------------------------------------------------------- the seam
FIELDOPT = SOLVERS.parent / "fieldopt"
VALUE_TYPES = ("solvers.result", "solvers.options")
"""Solver value types the plans and options re-export; every other solver module is behind
the seam."""


def module_name(path: Path) -> str:
    rel = path.relative_to(SOLVERS.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def runtime_imports(path: Path) -> set[str]:
    """Modules ``path`` imports at run time (anywhere, but not under ``if TYPE_CHECKING``)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for n in ast.walk(node))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def fieldopt_modules() -> dict[str, set[str]]:
    return {module_name(p): runtime_imports(p) for p in sorted(FIELDOPT.rglob("*.py"))}


def solver_imports(imports: set[str]) -> set[str]:
    return {
        m
        for m in imports
        if m.split(".")[0] == "solvers" and not m.startswith(VALUE_TYPES) and m.count(".") >= 1
    }


def may_import_solvers(module: str) -> bool:
    """Only the translators and each model's ``api`` cross the seam."""
    return module.startswith("fieldopt.translate") or module.endswith(".api")


def test_only_translate_and_model_apis_import_solvers() -> None:
    offenders = {
        m: sorted(solver_imports(imps))
        for m, imps in fieldopt_modules().items()
        if not may_import_solvers(m) and solver_imports(imps)
    }
    assert offenders == {}


def test_commands_and_batch_never_import_solvers_or_the_cli() -> None:
    offenders = {
        m: sorted(i for i in imps if i.split(".")[0] == "solvers" or i.startswith("fieldopt.cli"))
        for m, imps in fieldopt_modules().items()
        if m.startswith(("fieldopt.commands", "fieldopt.batch"))
    }
    offenders |= {
        m: sorted(i for i in imps if i.startswith(("fieldopt.commands", "fieldopt.cli")))
        for m, imps in fieldopt_modules().items()
        if m.startswith("fieldopt.batch")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_translate_checks_and_plans_keep_to_their_side() -> None:
    """Translators read the scenario and write plans, never a model's api, CLI or checker;
    checkers never use the translators or the solvers."""
    mods = fieldopt_modules()
    bad: dict[str, list[str]] = {}
    for m, imps in mods.items():
        if m.startswith("fieldopt.translate"):
            wrong = [
                i
                for i in imps
                if i.endswith(".api")
                or i.startswith(("fieldopt.commands", "fieldopt.cli", "fieldopt.checks"))
            ]
        elif m.startswith("fieldopt.checks"):
            wrong = [i for i in imps if i.startswith(("fieldopt.translate", "solvers"))]
        else:
            continue
        if wrong:
            bad[m] = sorted(wrong)
    assert bad == {}


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_fieldopt_has_no_import_cycles() -> None:
    mods = fieldopt_modules()
    graph = {m: {i for i in imps if i in mods and i != m} for m, imps in mods.items()}
    # A package's __init__ re-exporting its modules is not a cycle of the code itself.
    graph = {m: {i for i in e if not m.startswith(i + ".")} for m, e in graph.items()}
    assert import_cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert import_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
