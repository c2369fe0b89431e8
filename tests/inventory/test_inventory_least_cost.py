"""Least total cost per year — holding + emergency shipments + a value on every day a customer
waits — by marginal analysis (exact per part), the min/max choice and the MILP; and as users call
it (API, CLI), every plan checked by the independent checker."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from test_inventory_cli import REPO, fieldopt
from test_inventory_emergency import three_echelons, two_echelons
from test_inventory_stockout_policy import EMERGENCY, with_settings
from test_inventory_three_echelons import RATES

import fieldopt.inventory as inv
from fieldopt.check import check
from fieldopt.errors import EXIT_OK, InputError
from solvers.inventory.choice import solve_stocking_choice
from solvers.inventory.data import StockingData
from solvers.inventory.evaluate import evaluate
from solvers.inventory.lp import LpParams
from solvers.inventory.marginal import (
    FrontierParams,
    allocate,
    least_cost_units,
    part_curves,
    value_tail,
)
from solvers.inventory.milp import SideConstraints, solve_stocking_milp

FAST = LpParams(time_limit_s=20, seed=0, workers=1)
HOLDING = 0.25


def cost_of(data: StockingData, stock: np.ndarray, value: float) -> float:
    yearly = float(np.sum(stock * (data.unit_cost * HOLDING)[:, None]))
    return yearly + value * evaluate(data, stock, "metric").total_ebo


def marginal_plan(data: StockingData, value: float) -> np.ndarray:
    yearly = data.unit_cost * HOLDING
    curves = part_curves(data, FrontierParams(tail_ebo=value_tail(data, yearly, value)))
    return allocate(data, curves, least_cost_units(curves, yearly, value), "metric")


@pytest.mark.parametrize("value", [50.0, 2_000.0, 40_000.0])
def test_marginal_least_cost_is_the_brute_force_optimum(value: float) -> None:
    data = two_echelons()
    plan = marginal_plan(data, value)
    best = min(cost_of(data, np.array([s]), value) for s in itertools.product(range(14), repeat=3))
    assert cost_of(data, plan, value) == pytest.approx(best, rel=1e-12)
    assert plan.max() < 13  # the optimum lies inside the enumerated box


@pytest.mark.parametrize("data", [two_echelons(), three_echelons()], ids=["two", "three"])
@pytest.mark.parametrize("value", [300.0, 5_000.0])
def test_milp_agrees_with_marginal_on_least_cost(data: StockingData, value: float) -> None:
    plan = marginal_plan(data, value)
    side = SideConstraints(ebo_value=value, holding_rate=np.full(1, HOLDING))
    res = solve_stocking_milp(data, side, FAST)
    assert res.report.status.has_solution
    assert cost_of(data, res.stock, value) == pytest.approx(cost_of(data, plan, value), rel=1e-9)


def test_choice_least_cost_within_min_levels_matches_the_milp() -> None:
    data = two_echelons()
    lo = np.array([[0, 3, 0]])  # V1 must hold 3
    hi = np.array([[-1, -1, 1]])  # V2 at most 1
    side = SideConstraints(
        ebo_value=2_000.0, holding_rate=np.full(1, HOLDING), min_level=lo, max_level=hi
    )
    choice = solve_stocking_choice(data, side)
    milp = solve_stocking_milp(data, side, FAST)
    assert choice.stock[0, 1] >= 3 and choice.stock[0, 2] <= 1
    assert cost_of(data, choice.stock, 2_000.0) == pytest.approx(
        cost_of(data, milp.stock, 2_000.0), rel=1e-9
    )
    free = marginal_plan(data, 2_000.0)
    assert cost_of(data, choice.stock, 2_000.0) >= cost_of(data, free, 2_000.0) - 1e-9


def test_dearer_emergency_shipments_buy_stock_at_the_emergency_van() -> None:
    """The API folds the shipment cost into T_e: cost / v more years of waiting per shipment."""
    value = 1_000.0
    cheap, dear = (
        replace(two_echelons(), emergency_time=np.array([0.0, t, 0.0])) for t in (0.001, 0.3)
    )
    assert marginal_plan(dear, value)[0, 1] > marginal_plan(cheap, value)[0, 1]


def test_plan_is_cheapest_against_every_frontier_point(tiny_dir: Path) -> None:
    s = with_settings(tiny_dir, EMERGENCY)
    plan = inv.optimise(s, waiting_cost_per_day=20.0, rates=RATES, side=False)
    assert [v for v in check(plan, s) if v.rule not in ("min_level", "max_level")] == []
    k = plan.kpis
    assert k["cost_with_waiting_per_year"] == pytest.approx(
        k["holding_cost_per_year"] + k["emergency_cost_per_year"] + 20.0 * 365 * k["total_ebo"]
    )
    front = inv.frontier(s, rates=RATES, samples=60).points.dropna(subset=["fill_rate"])
    others = (
        front["holding_cost_per_year"]
        + front["emergency_cost_per_year"]
        + 20.0 * 365 * front["total_ebo"]
    )
    assert k["cost_with_waiting_per_year"] <= others.min() + 1e-6


def test_more_valuable_waiting_buys_more_stock(tiny_dir: Path) -> None:
    s = with_settings(tiny_dir, EMERGENCY)
    low, high = (
        inv.optimise(s, waiting_cost_per_day=v, rates=RATES, side=False) for v in (1.0, 500.0)
    )
    assert high.kpis["investment"] > low.kpis["investment"]
    assert high.kpis["waiting_days"] < low.kpis["waiting_days"]


def test_least_cost_with_side_constraints_passes_the_checker(tiny_dir: Path) -> None:
    s = with_settings(tiny_dir, EMERGENCY)
    plan = inv.optimise(s, waiting_cost_per_day=50.0, rates=RATES, must_stock_critical=True)
    assert plan.optimiser == "milp"  # three echelons with volumes and min/max levels
    assert check(plan, s) == []


@pytest.mark.parametrize(
    "kwargs",
    [
        {"budget": 100.0, "waiting_cost_per_day": 5.0},
        {"waiting_cost_per_day": 0.0},
        {"waiting_cost_per_day": float("nan")},
    ],
)
def test_bad_cost_options_are_input_errors(tiny_dir: Path, kwargs: dict[str, float]) -> None:
    s = with_settings(tiny_dir, EMERGENCY)
    with pytest.raises(InputError):
        inv.optimise(s, rates=RATES, **kwargs)  # type: ignore[arg-type]


def test_cli_least_cost(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    run = fieldopt(
        "inventory", "optimise", str(REPO / "data" / "sample"), "--waiting-cost-per-day", "80",
        "--json", str(out), cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == EXIT_OK, run.stderr
    got = json.loads(out.read_text())
    assert got["violations"] == []
    kpis = got["kpis"]
    assert kpis["waiting_cost_per_day"] == 80.0
    assert kpis["cost_with_waiting_per_year"] >= kpis["holding_cost_per_year"]
