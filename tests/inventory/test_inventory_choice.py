"""Marginal analysis on min/max-clipped curves (``solve_stocking_choice``): the unconstrained
frontier bit for bit without limits, the MILP's optimum on min/max cases, and the checker's
verdict on the sample's plan."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_inventory_vectorised import checker_metric

import fieldopt.inventory as inv
from benchmarks.inventory.synthetic import stocking_instance
from fieldopt.check import check
from fieldopt.scenario import Scenario, read_scenario
from solvers.inventory.choice import (
    choice_allocate,
    choice_applies,
    choice_frontier,
    solve_stocking_choice,
)
from solvers.inventory.lp import LpParams
from solvers.inventory.marginal import FrontierParams, allocate, frontier
from solvers.inventory.milp import SideConstraints, solve_stocking_milp
from solvers.options import SolveOptions

SAMPLE = Path(__file__).parents[2] / "data" / "sample"
FAST = LpParams(time_limit_s=20, seed=0, workers=1)


def limits(parts: int, sites: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    lo = rng.integers(0, 2, (parts, sites)) * (rng.random((parts, sites)) < 0.4)
    hi = np.where(rng.random((parts, sites)) < 0.4, lo + rng.integers(0, 3, (parts, sites)), -1)
    return lo.astype(np.int64), hi.astype(np.int64)


def test_without_limits_it_is_the_unconstrained_frontier() -> None:
    data = stocking_instance(120, 6, 1)
    lo = np.zeros((120, 6), dtype=np.int64)
    hi = np.full((120, 6), -1, dtype=np.int64)
    plain = frontier(data, FrontierParams(chunk=50))
    clipped = choice_frontier(data, lo, hi, FrontierParams(chunk=50))
    for name in ("cost", "ebo", "step_part", "step_units"):
        assert np.array_equal(getattr(plain, name), getattr(clipped, name))
    for t in (1, len(plain.cost) // 4, len(plain.cost) // 2):
        a = allocate(data, plain.curves, plain.units_at(t), "metric")
        b = choice_allocate(data, clipped.curves, clipped.units_at(t), lo, hi, "metric")
        assert np.array_equal(a, b)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_choice_and_milp_agree_on_min_max_cases(seed: int) -> None:
    data = stocking_instance(6, 4, seed)
    lo, hi = limits(6, 4, seed)
    fr = choice_frontier(data, lo, hi, FrontierParams())
    assert fr.cost[0] == pytest.approx(float(np.sum(lo * data.unit_cost[:, None])))
    for t in (0, 3, 8, 15):
        side = SideConstraints(budget=float(fr.cost[t]), min_level=lo, max_level=hi)
        got = solve_stocking_choice(data, side)
        milp = solve_stocking_milp(data, side, FAST)
        assert milp.report.status == "optimal"
        assert got.total_ebo == pytest.approx(milp.total_ebo, rel=1e-9, abs=1e-12)
        assert got.investment <= fr.cost[t] + 1e-9
        assert np.all(got.stock >= lo)
        assert np.all((hi < 0) | (got.stock <= hi))
        assert checker_metric(data, got.stock) == pytest.approx(got.total_ebo, rel=1e-9)


def test_target_mode_spends_no_more_than_the_milp() -> None:
    data = stocking_instance(6, 4, 4)
    lo, hi = limits(6, 4, 4)
    fr = choice_frontier(data, lo, hi, FrontierParams())
    target = float(fr.ebo[6])
    side = SideConstraints(target_ebo=target, min_level=lo, max_level=hi)
    got = solve_stocking_choice(data, side)
    milp = solve_stocking_milp(data, side, FAST)
    assert got.total_ebo <= target + 1e-12
    assert got.investment == pytest.approx(fr.cost[6])
    assert milp.investment >= got.investment - 1e-6 or milp.total_ebo > got.total_ebo


def test_budget_below_the_min_levels_is_infeasible() -> None:
    data = stocking_instance(6, 4, 0)
    lo, hi = limits(6, 4, 0)
    floor = float(np.sum(lo * data.unit_cost[:, None]))
    got = solve_stocking_choice(
        data, SideConstraints(budget=floor - 1.0, min_level=lo, max_level=hi)
    )
    assert got.report.status == "infeasible"


def test_volumes_and_three_echelons_stay_with_the_milp() -> None:
    data = stocking_instance(6, 4, 0)
    cap = np.array([np.nan, 10.0, np.nan, np.nan])
    side = SideConstraints(budget=100.0, volume=np.ones(6), site_volume=cap)
    assert not choice_applies(data, side)
    assert choice_applies(data, SideConstraints(budget=100.0))
    with pytest.raises(ValueError, match="need the stocking MILP"):
        solve_stocking_choice(data, side)


@pytest.fixture(scope="module")
def sample() -> Scenario:
    return read_scenario(SAMPLE)


def test_sample_min_max_plan_uses_the_choice_and_passes_the_checker(sample: Scenario) -> None:
    h = sample.demand_history
    rates = h.groupby(["location_id", "part_id"])["quantity"].mean().mul(12).reset_index()
    rates = rates.rename(columns={"quantity": "rate_per_year"})
    assert isinstance(rates, pd.DataFrame)
    plan = inv.optimise(
        sample, target_fill_rate=0.9, rates=rates, side=True, options=SolveOptions(30, seed=0)
    )
    assert plan.optimiser == "choice"
    assert plan.kpis["fill_rate"] >= 0.9 - 0.02
    assert check(plan, sample) == []
