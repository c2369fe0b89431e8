"""Marginal analysis with the root-level loop, the stocking MILP and their agreement."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from benchmarks.inventory.cases import case_data
from solvers.inventory.data import StockingData
from solvers.inventory.evaluate import evaluate
from solvers.inventory.lp import LpParams
from solvers.inventory.marginal import FrontierParams, allocate, frontier
from solvers.inventory.milp import SideConstraints, solve_stocking_milp

CASES = Path(__file__).parents[2] / "data" / "inventory-cases"
FAST = LpParams(time_limit_s=20, seed=0, workers=1)


def load(name: str) -> StockingData:
    path = CASES / name
    case = json.loads(path.read_text())
    return case_data(case, case["flows"], path)


@pytest.fixture(scope="module")
def five_bases() -> StockingData:
    return load("case-two-echelon-5-bases.json")


@pytest.fixture(scope="module")
def four_parts() -> StockingData:
    return load("case-single-site-4-parts.json")


def naive_greedy(data: StockingData, units: int) -> float:
    """One unit at a time wherever it cuts total EBO most, across both echelons."""
    stock = np.zeros(data.demand_rate.shape, dtype=np.int64)
    for _ in range(units):
        best = None
        for j in range(stock.shape[1]):
            trial = stock.copy()
            trial[0, j] += 1
            e = evaluate(data, trial, "metric").total_ebo
            if best is None or e < best[0]:
                best = (e, j)
        assert best is not None
        stock[0, best[1]] += 1
    return evaluate(data, stock, "metric").total_ebo


def test_root_level_loop_beats_naive_greedy_across_echelons(five_bases: StockingData) -> None:
    fr = frontier(five_bases, FrontierParams())
    at6 = fr.ebo[fr.point_for_budget(6.0)]
    assert fr.cost[fr.point_for_budget(6.0)] == 6.0
    assert at6 < naive_greedy(five_bases, 6) - 0.1


@pytest.mark.parametrize("method", ["metric", "vari-metric"])
def test_milp_and_marginal_agree_on_frontier_points(five_bases: StockingData, method: str) -> None:
    fr = frontier(five_bases, FrontierParams(method=method))  # type: ignore[arg-type]
    for t in range(0, min(len(fr.cost), 12)):
        res = solve_stocking_milp(
            five_bases,
            SideConstraints(budget=float(fr.cost[t])),
            FAST,
            method,
            fr.curves,  # type: ignore[arg-type]
        )
        assert res.total_ebo == pytest.approx(fr.ebo[t], abs=1e-9)
        stock = allocate(five_bases, fr.curves, fr.units_at(t), method)  # type: ignore[arg-type]
        assert evaluate(five_bases, stock, method).total_ebo == pytest.approx(fr.ebo[t], abs=1e-9)  # type: ignore[arg-type]


def test_milp_and_marginal_agree_on_four_parts(four_parts: StockingData) -> None:
    fr = frontier(four_parts, FrontierParams())
    for t in range(len(fr.cost)):
        if fr.cost[t] > 3000:
            break
        res = solve_stocking_milp(four_parts, SideConstraints(budget=float(fr.cost[t])), FAST)
        assert res.total_ebo == pytest.approx(fr.ebo[t], abs=1e-9)
        assert res.investment <= fr.cost[t] + 1e-9


def test_milp_is_reproducible_with_the_same_seed(five_bases: StockingData) -> None:
    a = solve_stocking_milp(five_bases, SideConstraints(budget=11.0), FAST)
    b = solve_stocking_milp(five_bases, SideConstraints(budget=11.0), FAST)
    assert np.array_equal(a.stock, b.stock)


def two_parts_two_vans() -> StockingData:
    """A cheap fast mover and a dear slow mover, one central root and two vans."""
    return StockingData(
        part_ids=("fast", "slow"),
        site_ids=("C", "V1", "V2"),
        unit_cost=np.array([10.0, 50.0]),
        parent=np.array([-1, 0, 0]),
        demand_rate=np.array([[0.0, 12.0, 8.0], [0.0, 2.0, 1.0]]),
        local_repair_fraction=np.zeros((2, 3)),
        local_repair_time=np.zeros((2, 3)),
        resupply_time=np.full((2, 3), 0.05),
        root_time=np.array([0.1, 0.2]),
    )


def side(**kw: object) -> SideConstraints:
    base: dict[str, object] = {
        "budget": 400.0,
        "volume": np.array([2.0, 1.0]),
        "site_volume": np.full(3, np.nan),
        "site_budget": np.full(3, np.nan),
        "min_level": np.zeros((2, 3), dtype=np.int64),
        "max_level": np.full((2, 3), -1, dtype=np.int64),
    }
    base.update(kw)
    return SideConstraints(**base)  # type: ignore[arg-type]


def test_van_volume_binds_and_does_not() -> None:
    data = two_parts_two_vans()
    free = solve_stocking_milp(data, side(), FAST)
    used = float(free.stock[:, 1] @ np.array([2.0, 1.0]))
    loose = solve_stocking_milp(data, side(site_volume=np.array([np.nan, used + 10, np.nan])), FAST)
    assert loose.total_ebo == pytest.approx(free.total_ebo)
    tight = solve_stocking_milp(data, side(site_volume=np.array([np.nan, used - 3, np.nan])), FAST)
    assert float(tight.stock[:, 1] @ np.array([2.0, 1.0])) <= used - 3
    assert tight.total_ebo > free.total_ebo


def test_site_budget_binds_and_does_not() -> None:
    data = two_parts_two_vans()
    free = solve_stocking_milp(data, side(), FAST)
    spent_v1 = float(free.stock[:, 1] @ data.unit_cost)
    tight = solve_stocking_milp(
        data, side(site_budget=np.array([np.nan, spent_v1 - 10, np.nan])), FAST
    )
    assert float(tight.stock[:, 1] @ data.unit_cost) <= spent_v1 - 10
    loose = solve_stocking_milp(data, side(site_budget=np.array([np.nan, spent_v1, np.nan])), FAST)
    assert loose.total_ebo == pytest.approx(free.total_ebo)


def test_min_and_max_levels_bind_and_do_not() -> None:
    data = two_parts_two_vans()
    free = solve_stocking_milp(data, side(), FAST)
    hi = np.full((2, 3), -1, dtype=np.int64)
    hi[0, 1] = max(int(free.stock[0, 1]) - 1, 0)
    capped = solve_stocking_milp(data, side(max_level=hi), FAST)
    assert capped.stock[0, 1] <= hi[0, 1]
    lo = np.zeros((2, 3), dtype=np.int64)
    lo[1, 2] = int(free.stock[1, 2]) + 2
    forced = solve_stocking_milp(data, side(min_level=lo), FAST)
    assert forced.stock[1, 2] >= lo[1, 2]
    slack = solve_stocking_milp(data, side(min_level=np.minimum(free.stock, 0)), FAST)
    assert slack.total_ebo == pytest.approx(free.total_ebo)


def test_target_mode_spends_least_for_the_ebo() -> None:
    data = two_parts_two_vans()
    fr = frontier(data, FrontierParams())
    t = int(np.flatnonzero(fr.ebo <= fr.ebo[0] / 4)[0])  # a point where EBO still matters
    res = solve_stocking_milp(
        data, SideConstraints(target_ebo=float(fr.ebo[t])), FAST, curves=fr.curves
    )
    assert res.total_ebo <= fr.ebo[t] + 1e-6  # HiGHS feasibility tolerance
    assert res.investment <= fr.cost[t] + 1e-9


def test_side_constraints_reject_both_budget_and_target() -> None:
    with pytest.raises(ValueError, match="exactly one of budget, target_ebo and ebo_value"):
        SideConstraints(budget=1.0, target_ebo=1.0)
    with pytest.raises(ValueError, match="exactly one of"):
        SideConstraints(budget=1.0, ebo_value=5.0)
    with pytest.raises(ValueError, match="field ebo_value: must be > 0"):
        SideConstraints(ebo_value=0.0)
    data = two_parts_two_vans()
    with pytest.raises(ValueError, match="local_repair_fraction"):
        replace(data, local_repair_fraction=np.full((2, 3), 2.0))
