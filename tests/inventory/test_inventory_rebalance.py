"""Rebalancing MILP on tiny named instances: each constraint family binding and not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from solvers.inventory.lp import LpParams
from solvers.inventory.rebalance import (
    RebalanceData,
    cost_of,
    largest_excess_to_largest_shortage,
    solve_rebalance,
)
from solvers.options import SolveOptions

FAST = LpParams(time_limit_s=10, seed=0, workers=1)
SAMPLE = Path(__file__).parents[2] / "data" / "sample"


def one_part_three_sites(**kw: object) -> RebalanceData:
    """Site 0 holds 6 (target 1), sites 1 and 2 are short by 3 and 2; lanes 0->1, 0->2, 1->2."""
    base: dict[str, object] = {
        "part_ids": ("A",),
        "site_ids": ("S0", "S1", "S2"),
        "on_hand": np.array([[6, 0, 0]]),
        "target": np.array([[1, 3, 2]]),
        "safety": np.array([[0, 0, 0]]),
        "penalty": np.array([100.0]),
        "volume": np.array([1.0]),
        "site_volume": np.full(3, np.nan),
        "lane_from": np.array([0, 0, 1]),
        "lane_to": np.array([1, 2, 2]),
        "lane_cost": np.array([1.0, 1.0, 1.0]),
        "lane_fixed": np.array([5.0, 5.0, 5.0]),
        "lane_capacity": np.array([-1, -1, -1]),
        "min_quantity": 1,
    }
    base.update(kw)
    return RebalanceData(**base)  # type: ignore[arg-type]


def moved(res: object, data: RebalanceData) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for a, q in zip(res.lane, res.quantity, strict=True):  # type: ignore[attr-defined]
        key = (data.site_ids[data.lane_from[a]], data.site_ids[data.lane_to[a]])
        out[key] = out.get(key, 0) + int(q)
    return out


def test_all_shortages_filled_when_nothing_binds() -> None:
    data = one_part_three_sites()
    res = solve_rebalance(data, FAST)
    assert moved(res, data) == {("S0", "S1"): 3, ("S0", "S2"): 2}
    assert res.units_short == 0
    assert res.total_cost == pytest.approx(sum(cost_of(data, res.lane, res.part, res.quantity)[:3]))


def test_source_safety_binds() -> None:
    data = one_part_three_sites(safety=np.array([[4, 0, 0]]))
    res = solve_rebalance(data, FAST)
    assert sum(moved(res, data).values()) == 2  # 6 on hand, safety 4
    assert res.units_short == 3


def test_lane_capacity_binds_and_does_not() -> None:
    tight = one_part_three_sites(lane_capacity=np.array([1, -1, -1]))
    assert moved(solve_rebalance(tight, FAST), tight)[("S0", "S1")] == 1
    loose = one_part_three_sites(lane_capacity=np.array([10, -1, -1]))
    assert moved(solve_rebalance(loose, FAST), loose)[("S0", "S1")] == 3


def test_minimum_quantity_binds_and_does_not() -> None:
    data = one_part_three_sites(min_quantity=3)
    got = moved(solve_rebalance(data, FAST), data)
    assert ("S0", "S2") not in got  # only 2 short there: below the minimum
    assert got[("S0", "S1")] == 3


def test_fixed_cost_not_worth_a_cheap_shortage() -> None:
    data = one_part_three_sites(penalty=np.array([1.0]))
    res = solve_rebalance(data, FAST)
    assert len(res.quantity) == 0  # 5 per lane + 1 per unit > 1 per unit short


def test_receiving_volume_binds() -> None:
    data = one_part_three_sites(site_volume=np.array([np.nan, 1.0, np.nan]))
    assert moved(solve_rebalance(data, FAST), data)[("S0", "S1")] == 1


def test_milp_never_costs_more_than_the_greedy_rule() -> None:
    rng = np.random.default_rng(3)
    target = rng.integers(0, 6, (5, 4))
    data = RebalanceData(
        part_ids=tuple(f"P{i}" for i in range(5)),
        site_ids=("S0", "S1", "S2", "S3"),
        on_hand=rng.integers(0, 8, (5, 4)),
        target=target,
        safety=target // 3,
        penalty=np.array([10.0, 100.0, 50.0, 10.0, 100.0]),
        volume=np.ones(5),
        site_volume=np.full(4, np.nan),
        lane_from=np.array([0, 0, 0, 1, 2, 3]),
        lane_to=np.array([1, 2, 3, 2, 3, 1]),
        lane_cost=np.array([1.0, 2.0, 3.0, 1.0, 1.0, 1.0]),
        lane_fixed=np.array([20.0, 20.0, 20.0, 5.0, 5.0, 5.0]),
        lane_capacity=np.array([4, -1, -1, 3, -1, -1]),
    )
    res = solve_rebalance(data, FAST)
    base = largest_excess_to_largest_shortage(data)
    assert res.total_cost <= base.total_cost + 1e-6
    again = solve_rebalance(data, FAST)
    assert np.array_equal(res.quantity, again.quantity)


def test_bad_lane_is_named() -> None:
    with pytest.raises(ValueError, match="lane 0"):
        one_part_three_sites(lane_to=np.array([0, 2, 2]))


def random_instance(seed: int, min_quantity: int, volumes: bool) -> RebalanceData:
    from dataclasses import replace

    from benchmarks.inventory.synthetic import rebalance_instance

    data = replace(rebalance_instance(25, 6, seed), min_quantity=min_quantity)
    if volumes:
        now = np.sum(data.on_hand * data.volume[:, None], axis=0)
        data = replace(data, site_volume=np.where(np.arange(6) % 2 == 1, now + 4.0, np.nan))
    return data


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(("min_quantity", "volumes"), [(1, False), (2, False), (1, True)])
def test_highs_arrays_and_pulp_cbc_agree(seed: int, min_quantity: int, volumes: bool) -> None:
    """The same array model solved straight in HiGHS and through PuLP/CBC."""
    from dataclasses import replace

    data = random_instance(seed, min_quantity, volumes)
    highs = solve_rebalance(data, FAST)
    cbc = solve_rebalance(data, replace(FAST, backend="cbc"))
    assert highs.report.status == cbc.report.status == "optimal"
    assert highs.total_cost == pytest.approx(cbc.total_cost, abs=1e-6)
    assert highs.report.objective == pytest.approx(cbc.report.objective, abs=1e-6)
    assert highs.total_cost == pytest.approx(
        sum(cost_of(data, highs.lane, highs.part, highs.quantity)[:3])
    )


def test_too_many_integers_give_the_rounded_lp_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    import solvers.inventory.rebalance as reb

    data = random_instance(4, 2, True)
    exact = solve_rebalance(data, FAST)
    monkeypatch.setattr(reb, "MAX_FREE_INTEGERS", 0)
    rounded = solve_rebalance(data, FAST)
    assert rounded.report.status in ("feasible", "optimal")
    assert "LP relaxation rounded down" in rounded.report.raw_status
    assert rounded.report.bound is not None and rounded.report.objective is not None
    assert rounded.report.bound <= exact.report.objective + 1e-6  # type: ignore[operator]
    assert exact.report.objective <= rounded.report.objective + 1e-6  # type: ignore[operator]
    assert np.all(rounded.quantity >= data.min_quantity)
    sent = np.zeros_like(data.on_hand)
    np.add.at(sent, (rounded.part, data.lane_from[rounded.lane]), rounded.quantity)
    assert np.all(data.on_hand - sent >= np.maximum(data.target, data.safety) * (sent > 0))


def test_rounded_lp_plan_passes_the_checker(monkeypatch: pytest.MonkeyPatch) -> None:
    import fieldopt.inventory as inv
    import solvers.inventory.rebalance as reb
    from fieldopt.check import check
    from fieldopt.scenario import read_scenario

    sample = read_scenario(SAMPLE)
    monkeypatch.setattr(reb, "MAX_FREE_INTEGERS", 0)
    plan = inv.rebalance(sample, options=SolveOptions(10, seed=0))
    assert "LP relaxation rounded down" in plan.report.raw_status
    assert check(plan, sample) == []


def test_milp_runs_from_the_rounded_lp_plan_and_never_does_worse(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An instance whose LP relaxation is fractional: the MILP (started from the rounded LP
    plan) proves optimality, at no more than the rounded plan's cost and no less than the LP
    bound."""
    import solvers.inventory.rebalance as reb

    data = random_instance(0, 1, False)
    milp = solve_rebalance(data, FAST)
    assert milp.report.raw_status == "highs: Optimal"
    monkeypatch.setattr(reb, "MAX_FREE_INTEGERS", 0)
    rounded = solve_rebalance(data, FAST)
    assert rounded.report.status == "feasible"
    assert rounded.report.bound is not None and rounded.report.objective is not None
    assert milp.report.objective is not None
    assert rounded.report.bound - 1e-6 <= milp.report.objective <= rounded.report.objective + 1e-6


def test_no_lp_solution_in_the_limit_gives_the_rules_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    """When HiGHS returns no relaxation within the limit, the planner still gets transfers: the
    common rule's plan, marked feasible without a bound, and the checker accepts it."""
    import fieldopt.inventory as inv
    import solvers.inventory.rebalance as reb
    from fieldopt.check import check
    from fieldopt.scenario import read_scenario
    from solvers.inventory.lp import ArraySolution
    from solvers.result import SolveReport, Status

    def timed_out(*args: object, **kw: object) -> ArraySolution:
        return ArraySolution(None, SolveReport(Status.TIMEOUT, "Time limit reached", 1.0))

    data = random_instance(4, 2, True)
    monkeypatch.setattr(reb, "solve_arrays", timed_out)
    res = solve_rebalance(data, FAST)
    rule = largest_excess_to_largest_shortage(data)
    assert res.report.status == "feasible" and res.report.bound is None
    assert "largest-excess rule" in res.report.raw_status
    assert res.report.objective == pytest.approx(rule.total_cost)
    assert moved(res, data) == moved(rule, data)
    sample = read_scenario(SAMPLE)
    plan = inv.rebalance(sample, options=SolveOptions(10, seed=0))
    assert plan.report.status == "feasible"
    assert check(plan, sample) == []
