"""Emergency shipments (Erlang loss) in the solvers: the curves, the evaluator, and optimisers that
stay exact with emergency sites (marginal analysis against brute force, MILP against marginal)."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest

from solvers.inventory.data import StockingData
from solvers.inventory.distributions import erlang_loss, erlang_loss_curve
from solvers.inventory.evaluate import evaluate
from solvers.inventory.lp import LpParams
from solvers.inventory.marginal import FrontierParams, allocate, frontier, part_curves
from solvers.inventory.milp import SideConstraints, solve_stocking_milp

FAST = LpParams(time_limit_s=20, seed=0, workers=1)
T_E = 2.0 / 365.0  # two days for an emergency shipment


def two_echelons(emergency: tuple[bool, bool] = (True, False), t_e: float = T_E) -> StockingData:
    """One part, a central root and two vans; van V1 (or as given) ships stock-outs by courier."""
    return StockingData(
        part_ids=("p",),
        site_ids=("C", "V1", "V2"),
        unit_cost=np.array([10.0]),
        parent=np.array([-1, 0, 0]),
        demand_rate=np.array([[0.0, 40.0, 25.0]]),
        local_repair_fraction=np.zeros((1, 3)),
        local_repair_time=np.zeros((1, 3)),
        resupply_time=np.full((1, 3), 10.0 / 365.0),
        root_time=np.array([30.0 / 365.0]),
        emergency=np.array([False, *emergency]),
        emergency_time=np.array([0.0, t_e, t_e]),
    )


def three_echelons() -> StockingData:
    """Central C, depot D with vans V1 (emergency) and V2 below it, van V3 (emergency) under C."""
    return StockingData(
        part_ids=("p",),
        site_ids=("C", "D", "V3", "V1", "V2"),
        unit_cost=np.array([5.0]),
        parent=np.array([-1, 0, 0, 1, 1]),
        demand_rate=np.array([[0.0, 6.0, 20.0, 30.0, 12.0]]),
        local_repair_fraction=np.zeros((1, 5)),
        local_repair_time=np.zeros((1, 5)),
        resupply_time=np.array([[0.0, 6.0, 8.0, 2.0, 3.0]]) / 365.0,
        root_time=np.array([20.0 / 365.0]),
        emergency=np.array([False, False, True, True, False]),
        emergency_time=np.array([0.0, 0.0, 1.0, 0.5, 0.0]) / 365.0,
    )


def brute_force(data: StockingData, n: int, method: str = "metric") -> float:
    """Least total EBO with exactly n units, by evaluating every split."""
    sites = len(data.site_ids)
    best = np.inf
    for split in itertools.product(range(n + 1), repeat=sites):
        if sum(split) != n:
            continue
        stock = np.array([split], dtype=np.int64)
        best = min(best, evaluate(data, stock, method).total_ebo)  # type: ignore[arg-type]
    return float(best)


def test_erlang_curve_matches_the_scalar_recursion_and_is_convex() -> None:
    loads = np.array([0.0, 0.3, 2.5, 11.0])
    curve = erlang_loss_curve(loads, 25)
    for a, row in zip(loads, curve, strict=True):
        assert row.tolist() == pytest.approx([erlang_loss(s, float(a)) for s in range(26)])
        drops = np.diff(row)
        assert np.all(drops <= 1e-15)  # decreasing
        assert np.all(np.diff(drops) >= -1e-15)  # convex: drops shrink


def test_evaluator_charges_emergency_waiting_only_where_the_policy_applies() -> None:
    data = two_echelons()
    stock = np.array([[3, 2, 2]])
    ev = evaluate(data, stock, "metric")
    backorder = evaluate(replace(data, emergency=np.zeros(3, dtype=np.bool_)), stock, "metric")
    b = erlang_loss(2, float(ev.pipeline[0, 0]))
    assert ev.emergency[0, 0] == pytest.approx(b)
    assert ev.fill[0, 0] == pytest.approx(1.0 - b)
    # Little: customers at V1 wait T_e for the share B of its 40 demands a year
    assert ev.ebo[0, 0] == pytest.approx(40.0 * T_E * b)
    assert ev.site_ebo[0, 0] == 0.0  # nobody is backordered there
    # the backorder van is untouched, and V1's waiting differs from its backorders
    assert ev.ebo[0, 1] == pytest.approx(backorder.ebo[0, 1])
    assert ev.emergency[0, 1] == 0.0
    assert ev.ebo[0, 0] != pytest.approx(backorder.ebo[0, 0])


def test_zero_emergency_time_means_no_waiting() -> None:
    ev = evaluate(two_echelons(t_e=0.0), np.array([[0, 0, 0]]), "metric")
    assert ev.ebo[0, 0] == 0.0
    assert ev.emergency[0, 0] == 1.0  # no stock: every demand ships by emergency


@pytest.mark.parametrize("method", ["metric", "vari-metric"])
def test_two_echelon_part_curve_is_exact_with_an_emergency_van(method: str) -> None:
    data = two_echelons()
    curves = part_curves(data, FrontierParams(method=method))  # type: ignore[arg-type]
    for n in range(9):
        assert curves.ebo[0, n] == pytest.approx(brute_force(data, n, method), abs=1e-12)


def test_three_echelon_part_curve_is_exact_with_emergency_vans() -> None:
    data = three_echelons()
    curves = part_curves(data, FrontierParams())
    for n in range(7):
        assert curves.ebo[0, n] == pytest.approx(brute_force(data, n), abs=1e-12)


@pytest.mark.parametrize("data", [two_echelons(), three_echelons()], ids=["two", "three"])
def test_milp_and_marginal_agree_with_emergency_sites(data: StockingData) -> None:
    fr = frontier(data, FrontierParams())
    for t in range(1, min(len(fr.cost), 8)):
        stock = allocate(data, fr.curves, fr.units_at(t), "metric")
        assert evaluate(data, stock, "metric").total_ebo == pytest.approx(fr.ebo[t], abs=1e-9)
        res = solve_stocking_milp(data, SideConstraints(budget=float(fr.cost[t])), FAST)
        assert res.total_ebo == pytest.approx(fr.ebo[t], abs=1e-9)


def test_emergency_changes_where_stock_goes() -> None:
    """Emergency shipments in two days hurt less than backorders: the emergency van gets less."""
    both = [two_echelons(emergency=(e, False)) for e in (True, False)]
    stocks = []
    for data in both:
        fr = frontier(data, FrontierParams())
        stocks.append(allocate(data, fr.curves, fr.units_at(fr.point_for_budget(60.0)), "metric"))
    assert stocks[0][0, 1] < stocks[1][0, 1]


def test_bad_emergency_time_names_the_site() -> None:
    with pytest.raises(ValueError, match="site V1: field emergency_time"):
        replace(two_echelons(), emergency_time=np.array([0.0, -1.0, 0.0]))
