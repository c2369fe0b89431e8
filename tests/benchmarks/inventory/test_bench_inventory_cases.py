"""Every reference case of data/inventory-cases answered within its stated tolerance."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.inventory.cases import comparison_rows, run_case

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
