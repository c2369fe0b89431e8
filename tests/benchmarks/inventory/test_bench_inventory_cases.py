"""Every reference case of data/inventory-cases answered within its stated tolerance, and
``fieldopt bench inventory`` as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.inventory.cases import comparison_rows, run_case
from fieldopt.errors import EXIT_OK

CASES = Path(__file__).parents[3] / "data" / "inventory-cases"


@pytest.mark.parametrize(
    "name",
    [
        "case-two-echelon-5-bases.json",
        "case-single-site-4-parts.json",
        "case-emergency-shipments.json",
        "case-intermittent-forecasts.json",
    ],
)
def test_reference_case_matches_expected(name: str) -> None:
    result = run_case(CASES / name)
    rows = comparison_rows(result)
    checked = [r for r in rows if r[4] is not None]
    assert checked, "the case has expected values"
    failures = [r for r in checked if not r[4]]
    assert failures == []


def test_optimise_queries_carry_stock_and_its_cost_fits_the_budget() -> None:
    result = run_case(CASES / "case-single-site-4-parts.json")
    cost = {p["id"]: p["unit_cost"] for p in result["parts"]}
    for q in result["optimise"]:
        spent = sum(cost[p] * sum(s.values()) for p, s in q["computed_stock"].items())
        assert spent <= q["budget"] + 1e-9


def test_bench_inventory_writes_the_case_with_computed_values(tmp_path: Path) -> None:
    case = CASES / "case-emergency-shipments.json"
    out = tmp_path / "out.json"
    run = subprocess.run(
        [sys.executable, "-m", "fieldopt", "bench", "inventory", str(case), "--json", str(out)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert run.returncode == EXIT_OK, run.stderr
    result = json.loads(out.read_text())
    original = json.loads(case.read_text())
    assert result["engine"] == "inventory"
    assert len(result["cases"]) == len(original["cases"])
    for q in result["cases"]:
        assert {"computed_total_ebo", "computed_emergency_fraction", "computed_fill_rate"} <= set(q)
        assert abs(q["computed_fill_rate"] - q["expected_fill_rate"]) <= original["tolerance_abs"]
