"""The inventory seam: only ``fieldopt/translate/inventory`` and ``fieldopt/inventory/api.py``
import the solvers (the API only their entry points); commands and batch runs never do."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_architecture import imported_modules

ROOT = Path(__file__).parents[2]
VALUE_TYPES = {"solvers.result", "solvers.options"}


def solver_imports(path: Path) -> set[str]:
    return {m for m in imported_modules(path) if m.split(".")[0] == "solvers"}


@pytest.mark.parametrize(
    "path",
    [
        "fieldopt/commands/inventory.py",
        *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "fieldopt" / "batch").glob("*.py")),
    ],
)
def test_commands_and_batch_do_not_import_solvers(path: str) -> None:
    assert solver_imports(ROOT / path) == set()


@pytest.mark.parametrize(
    "path",
    [
        "fieldopt/inventory/results.py",
        "fieldopt/inventory/forecast.py",
        "fieldopt/inventory/methods.py",
        "fieldopt/inventory/pictures.py",
        "fieldopt/checks/inventory.py",
    ],
)
def test_results_and_checks_import_only_value_types(path: str) -> None:
    assert solver_imports(ROOT / path) <= VALUE_TYPES


def test_the_api_imports_only_the_solvers_entry_points() -> None:
    allowed = VALUE_TYPES | {"solvers.inventory.solve", "solvers.inventory.data"}
    assert solver_imports(ROOT / "fieldopt" / "inventory" / "api.py") <= allowed
