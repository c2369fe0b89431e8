"""Three-echelon stocking (central → depots → vans): tree validation, METRIC and VARI-METRIC
against hand computations, marginal analysis against brute-force enumeration, the MILP.

Every solver answer is recomputed here without solver code: Poisson and negative-binomial sums
written out with ``math`` only.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import numpy as np
import pytest

from solvers.inventory.data import StockingData
from solvers.inventory.evaluate import evaluate
from solvers.inventory.lp import LpParams
from solvers.inventory.marginal import FrontierParams, allocate, frontier, part_curves
from solvers.inventory.milp import SideConstraints, solve_stocking_milp

FAST = LpParams(time_limit_s=30, seed=0, workers=1)


# ---------------------------------------------------------------- independent arithmetic


def pois(mean: float, x: int) -> float:
    return math.exp(-mean + x * math.log(mean) - math.lgamma(x + 1)) if mean > 0 else float(x == 0)


def negbin(mean: float, var: float, x: int) -> float:
    if var <= mean * (1 + 1e-9) + 1e-12:
        return pois(mean, x)
    p, r = mean / var, mean * mean / (var - mean)
    return math.exp(
        math.lgamma(r + x)
        - math.lgamma(r)
        - math.lgamma(x + 1)
        + r * math.log(p)
        + x * math.log1p(-p)
    )


def moments(pmf: list[float], s: int) -> tuple[float, float, float]:
    """EBO, VBO and P(X < s) of a pmf on 0..N-1, by direct summation."""
    ebo = sum((x - s) * q for x, q in enumerate(pmf) if x > s)
    sq = sum((x - s) ** 2 * q for x, q in enumerate(pmf) if x > s)
    return ebo, sq - ebo * ebo, sum(pmf[:s])


def poisson_moments(mean: float, s: int) -> tuple[float, float, float]:
    return moments([pois(mean, x) for x in range(200)], s)


def negbin_moments(mean: float, var: float, s: int) -> tuple[float, float, float]:
    return moments([negbin(mean, var, x) for x in range(400)], s)


def metric_by_hand(data: StockingData, stock: np.ndarray) -> float:
    """Total customer EBO of a tree under METRIC, written from the textbook recursion."""
    total = 0.0
    n_sites = len(data.site_ids)
    kids = {j: [c for c in range(n_sites) if data.parent[c] == j] for j in range(n_sites)}
    for i in range(len(data.part_ids)):
        lam = data.demand_rate[i]
        r = data.local_repair_fraction[i]

        def up(j: int, lam: np.ndarray = lam, r: np.ndarray = r) -> float:
            return float(lam[j] * (1 - r[j])) + sum(up(c) for c in kids[j])

        root = int(np.flatnonzero(data.parent < 0)[0])
        lam0 = sum(up(c) for c in kids[root])
        ebo = {root: poisson_moments(lam0 * data.root_time[i], int(stock[i, root]))[0]}
        intake = {root: lam0}
        order = sorted(range(n_sites), key=lambda j: (j != root, data.parent[j] != root))
        for j in order:
            if j == root:
                continue
            p = int(data.parent[j])
            intake[j] = float(lam[j]) + sum(up(c) for c in kids[j])
            mean = lam[j] * r[j] * data.local_repair_time[i, j] + up(j) * (
                data.resupply_time[i, j] + ebo[p] / intake[p]
            )
            ebo[j] = poisson_moments(float(mean), int(stock[i, j]))[0]
            if intake[j] > 0:
                total += lam[j] / intake[j] * ebo[j]
    return total


# ---------------------------------------------------------------- instances


def depot_two_vans() -> StockingData:
    """C → D (own demand) → V1, V2: the hand-computed instance."""
    return StockingData(
        part_ids=("A",),
        site_ids=("C", "D", "V1", "V2"),
        unit_cost=np.array([10.0]),
        parent=np.array([-1, 0, 1, 1]),
        demand_rate=np.array([[0.0, 1.0, 2.0, 1.0]]),
        local_repair_fraction=np.array([[0.0, 0.5, 0.0, 0.4]]),
        local_repair_time=np.array([[0.0, 0.1, 0.0, 0.02]]),
        resupply_time=np.array([[0.0, 0.2, 0.05, 0.1]]),
        root_time=np.array([0.5]),
    )


def two_depots_two_vans_each(parts: int = 1, depot_demand: float = 0.0) -> StockingData:
    """C → D1 → V11, V12 and C → D2 → V21, V22 (the brute-force instance)."""
    row = lambda *v: np.array([list(v)] * parts, dtype=np.float64)  # noqa: E731
    return StockingData(
        part_ids=tuple(f"A{i}" for i in range(parts)),
        site_ids=("C", "D1", "D2", "V11", "V12", "V21", "V22"),
        unit_cost=np.full(parts, 10.0),
        parent=np.array([-1, 0, 0, 1, 1, 2, 2]),
        demand_rate=row(0.0, depot_demand, 0.0, 3.0, 1.5, 2.0, 0.5),
        local_repair_fraction=row(0.0, 0.2, 0.0, 0.3, 0.0, 0.1, 0.0),
        local_repair_time=row(0.0, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05),
        resupply_time=row(0.0, 0.1, 0.15, 0.02, 0.03, 0.02, 0.04),
        root_time=np.full(parts, 0.4),
    )


# ---------------------------------------------------------------- data


def test_tree_flows_add_up_the_children() -> None:
    d = depot_two_vans()
    # u_V1 = 2, u_V2 = 1 x 0.6, u_D = 1 x 0.5 + 2.6; Λ_D = 1 + 2.6; λ0 = u_D
    assert d.resupply_demand[0].tolist() == pytest.approx([0.0, 3.1, 2.0, 0.6])
    assert d.child_demand[0].tolist() == pytest.approx([0.0, 2.6, 0.0, 0.0])
    assert d.intake[0].tolist() == pytest.approx([3.1, 3.6, 2.0, 1.0])
    assert d.root_demand[0] == pytest.approx(3.1)
    assert d.echelons == 3
    assert d.depth.tolist() == [0, 1, 2, 2]


def test_bad_trees_name_the_site_and_field() -> None:
    d = depot_two_vans()
    with pytest.raises(ValueError, match="field parent: parents form a cycle"):
        replace(d, parent=np.array([-1, 2, 1, 1]))
    with pytest.raises(ValueError, match="site V2: field parent: 3 levels below the root"):
        replace(d, parent=np.array([-1, 0, 1, 2]))
    with pytest.raises(ValueError, match="needs exactly one root"):
        replace(d, parent=np.array([-1, -1, 1, 1]))
    with pytest.raises(ValueError, match="site D: field emergency"):
        replace(d, emergency=np.array([False, True, False, False]))
    # children may precede their parent in the arrays
    shuffled = replace(
        d,
        site_ids=("V1", "V2", "D", "C"),
        parent=np.array([2, 2, 3, -1]),
        demand_rate=d.demand_rate[:, [2, 3, 1, 0]],
        local_repair_fraction=d.local_repair_fraction[:, [2, 3, 1, 0]],
        local_repair_time=d.local_repair_time[:, [2, 3, 1, 0]],
        resupply_time=d.resupply_time[:, [2, 3, 1, 0]],
    )
    a = evaluate(d, np.array([[1, 1, 1, 0]]), "vari-metric").total_ebo
    b = evaluate(shuffled, np.array([[1, 0, 1, 1]]), "vari-metric").total_ebo
    assert a == pytest.approx(b, rel=1e-12)


# ---------------------------------------------------------------- evaluators


def test_metric_three_echelons_matches_a_hand_computation() -> None:
    # root: λ0 = 3.1, pipeline 3.1 x 0.5 = 1.55, one unit
    ebo0 = poisson_moments(1.55, 1)[0]
    # depot: own repair 1 x 0.5 x 0.1 + everything sent up 3.1 x 0.2, plus the whole root delay
    # (the depot is the root's only child: f = 3.1 / 3.1); one unit
    ebo_d, _, fill_d = poisson_moments(0.05 + 0.62 + ebo0, 1)
    # vans: λ r Tb + u O + (u / Λ_D) EBO_D with Λ_D = 3.6
    ebo_v1, _, fill_v1 = poisson_moments(2 * 0.05 + 2 / 3.6 * ebo_d, 1)
    ebo_v2, _, fill_v2 = poisson_moments(0.008 + 0.06 + 0.6 / 3.6 * ebo_d, 0)
    # the depot's own customers hold 1 / 3.6 of its backorders
    expected = ebo_d / 3.6 + ebo_v1 + ebo_v2
    ev = evaluate(depot_two_vans(), np.array([[1, 1, 1, 0]]), "metric")
    assert ev.total_ebo == pytest.approx(expected, rel=1e-10)
    assert ev.ebo[0].tolist() == pytest.approx([ebo_d / 3.6, ebo_v1, ebo_v2], rel=1e-10)
    assert ev.site_ebo[0, 0] == pytest.approx(ebo_d, rel=1e-10)
    assert ev.fill[0].tolist() == pytest.approx([fill_d, fill_v1, fill_v2], abs=1e-12)
    assert ev.root_ebo[0] == pytest.approx(ebo0, rel=1e-10)


def test_vari_metric_three_echelons_matches_a_hand_computation() -> None:
    ebo0, vbo0, _ = poisson_moments(1.55, 1)
    # depot: f = 1, so variance = local + VBO0
    ebo_d, vbo_d, _ = negbin_moments(0.67 + ebo0, 0.67 + vbo0, 1)
    f1, f2 = 2 / 3.6, 0.6 / 3.6
    ebo_v1 = negbin_moments(0.1 + f1 * ebo_d, 0.1 + f1 * (1 - f1) * ebo_d + f1 * f1 * vbo_d, 1)[0]
    ebo_v2 = negbin_moments(0.068 + f2 * ebo_d, 0.068 + f2 * (1 - f2) * ebo_d + f2 * f2 * vbo_d, 0)[
        0
    ]
    expected = ebo_d / 3.6 + ebo_v1 + ebo_v2
    ev = evaluate(depot_two_vans(), np.array([[1, 1, 1, 0]]), "vari-metric")
    assert ev.total_ebo == pytest.approx(expected, rel=1e-9)
    assert ev.total_ebo > evaluate(depot_two_vans(), np.array([[1, 1, 1, 0]]), "metric").total_ebo


def test_depot_stock_cuts_van_backorders_and_more_root_stock_helps() -> None:
    d = depot_two_vans()
    for method in ("metric", "vari-metric"):
        e = [evaluate(d, np.array([[0, s, 1, 1]]), method).ebo[0, 1] for s in range(4)]
        assert all(a > b for a, b in itertools.pairwise(e))
        e0 = [evaluate(d, np.array([[s, 1, 1, 1]]), method).total_ebo for s in range(4)]
        assert all(a > b for a, b in itertools.pairwise(e0))


def test_exact_evaluator_refuses_three_echelons_naming_the_field() -> None:
    with pytest.raises(ValueError, match="field parent: the exact evaluator handles two echelons"):
        evaluate(depot_two_vans(), np.array([[1, 1, 1, 0]]), "exact")
    with pytest.raises(ValueError, match="field method"):
        frontier(depot_two_vans(), FrontierParams(method="exact"))


# ---------------------------------------------------------------- marginal analysis


def lower_hull(y: list[float]) -> list[int]:
    """Vertices of the lower convex hull of (n, y[n]) that still cut EBO, written afresh."""
    hull: list[int] = []
    for n in range(len(y)):
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            if (y[b] - y[a]) * (n - a) >= (y[n] - y[a]) * (b - a) - 1e-12:
                hull.pop()
            else:
                break
        hull.append(n)
    return [n for k, n in enumerate(hull) if k == 0 or y[n] < y[hull[k - 1]] - 1e-12]


@pytest.mark.parametrize("method", ["metric", "vari-metric"])
@pytest.mark.parametrize("depot_demand", [0.0, 0.8])
def test_marginal_matches_brute_force_on_three_echelons(method: str, depot_demand: float) -> None:
    """1 part, central + 2 depots + 2 vans each, every level 0..3 (4^7 allocations)."""
    one = two_depots_two_vans_each(1, depot_demand)
    combos = np.array(list(itertools.product(range(4), repeat=7)))
    every = two_depots_two_vans_each(len(combos), depot_demand)
    ebo = evaluate(every, combos, method).ebo.sum(axis=1)
    units = combos.sum(axis=1)
    top = 9  # with at most 9 units no optimum needs a level above 3 here
    brute = [float(ebo[units == n].min()) for n in range(top + 1)]
    curves = part_curves(one, FrontierParams(method=method))
    assert curves.ebo[0, : top + 1].tolist() == pytest.approx(brute, rel=1e-9, abs=1e-12)
    # every allocation realises its curve value, recomputed by hand under METRIC
    for n in range(top + 1):
        stock = allocate(one, curves, np.array([n]), method)
        assert stock.sum() == n
        assert evaluate(one, stock, method).total_ebo == pytest.approx(brute[n], rel=1e-9)
        if method == "metric":
            assert metric_by_hand(one, stock) == pytest.approx(brute[n], rel=1e-9)
    # the frontier's points are the brute-force hull's vertices (cost 10 per unit)
    fr = frontier(one, FrontierParams(method=method))
    reach = [int(c / 10) for c in fr.cost if c / 10 <= top]
    assert reach == [n for n in lower_hull(brute)]
    assert [fr.ebo[t] for t in range(len(reach))] == pytest.approx([brute[n] for n in reach])


def test_naive_greedy_over_all_sites_is_beaten_on_three_echelons() -> None:
    one = two_depots_two_vans_each(1, 0.8)
    stock = np.zeros((1, 7), dtype=np.int64)
    for _ in range(6):
        trials = []
        for j in range(7):
            t = stock.copy()
            t[0, j] += 1
            trials.append(metric_by_hand(one, t))
        stock[0, int(np.argmin(trials))] += 1
    curves = part_curves(one, FrontierParams())
    assert curves.ebo[0, 6] <= metric_by_hand(one, stock) + 1e-12


def test_frontier_on_many_parts_is_the_merge_of_per_part_curves() -> None:
    many = two_depots_two_vans_each(3, 0.8)
    many = replace(many, unit_cost=np.array([10.0, 3.0, 25.0]))
    fr = frontier(many, FrontierParams())
    for t in (0, 5, len(fr.cost) // 2, len(fr.cost) - 1):
        stock = allocate(many, fr.curves, fr.units_at(t), "metric")
        assert float(np.sum(stock * many.unit_cost[:, None])) == pytest.approx(fr.cost[t])
        assert metric_by_hand(many, stock) == pytest.approx(fr.ebo[t], rel=1e-8, abs=1e-12)


# ---------------------------------------------------------------- MILP


def test_milp_agrees_with_marginal_on_three_echelon_frontier_points() -> None:
    one = two_depots_two_vans_each(1, 0.8)
    fr = frontier(one, FrontierParams())
    for t in (2, 4, 6):
        res = solve_stocking_milp(one, SideConstraints(budget=float(fr.cost[t])), FAST)
        assert res.report.status.has_solution
        assert res.investment <= fr.cost[t] + 1e-9
        assert res.total_ebo == pytest.approx(fr.ebo[t], rel=1e-7)
        assert metric_by_hand(one, res.stock) == pytest.approx(res.total_ebo, rel=1e-9)


@pytest.mark.parametrize(("site", "budget"), [(1, 80.0), (5, 120.0)])
def test_site_volume_binds_on_three_echelons_and_does_not(site: int, budget: float) -> None:
    """A depot (D1) and a van under a depot (V21) that the free optimum stocks with 2 units."""
    one = two_depots_two_vans_each(1, 0.8)
    free = solve_stocking_milp(one, SideConstraints(budget=budget), FAST)
    assert free.stock[0, site] >= 2
    cap = np.full(7, np.nan)
    cap[site] = 1.0  # room for one unit of volume 1
    tight = solve_stocking_milp(
        one, SideConstraints(budget=budget, volume=np.ones(1), site_volume=cap), FAST
    )
    assert tight.stock[0, site] <= 1
    assert tight.total_ebo >= free.total_ebo - 1e-12
    assert metric_by_hand(one, tight.stock) == pytest.approx(tight.total_ebo, rel=1e-9)
    loose = cap.copy()
    loose[site] = 50.0
    same = solve_stocking_milp(
        one, SideConstraints(budget=budget, volume=np.ones(1), site_volume=loose), FAST
    )
    assert same.total_ebo == pytest.approx(free.total_ebo, rel=1e-9)


def test_depot_min_level_binds_on_three_echelons() -> None:
    one = two_depots_two_vans_each(1, 0.0)
    lo = np.zeros((1, 7), dtype=np.int64)
    lo[0, 2] = 3  # D2 must hold 3
    res = solve_stocking_milp(one, SideConstraints(budget=60.0, min_level=lo), FAST)
    assert res.stock[0, 2] >= 3
    assert res.investment <= 60.0 + 1e-9
    assert metric_by_hand(one, res.stock) == pytest.approx(res.total_ebo, rel=1e-9)


def test_milp_with_exact_evaluation_refuses_three_echelons() -> None:
    with pytest.raises(ValueError, match="field parent"):
        solve_stocking_milp(depot_two_vans(), SideConstraints(budget=10.0), FAST, "exact")


def test_allocation_beyond_the_searched_ranges_searches_wider() -> None:
    """Curves from wide ranges, allocation told of narrower ones: the wide per-part search still
    realises (at least) the curve's value."""
    one = two_depots_two_vans_each(1, 0.8)
    curves = part_curves(one, FrontierParams())
    narrow = replace(curves, tail_ebo=1e3)  # vans 0..8, depots 0..11: 54 units at most
    for n in (20, 40, 60):
        stock = allocate(one, narrow, np.array([n]), "metric")
        assert stock.sum() == n
        assert metric_by_hand(one, stock) <= curves.ebo[0, n] * (1 + 1e-9) + 1e-15


def test_depot_hint_outside_the_allowed_levels_is_moved_into_them() -> None:
    """A marginal hint of 5 units at D1 with D1 capped at 2: the MILP searches levels near 2,
    not only level 0 (it once did, and lost the budget's worth of depot stock)."""
    one = two_depots_two_vans_each(1, 0.8)
    hi = np.full((1, 7), -1, dtype=np.int64)
    hi[0, 1] = 2
    side = SideConstraints(budget=80.0, max_level=hi)
    exact = solve_stocking_milp(one, side, FAST)
    hint = np.array([[2, 5, 1, 1, 1, 1, 0]])
    hinted = solve_stocking_milp(one, side, FAST, root_hint=hint[:, 0], stock_hint=hint)
    assert hinted.stock[0, 1] == exact.stock[0, 1] == 2
    assert hinted.total_ebo == pytest.approx(exact.total_ebo, rel=1e-9)
    assert metric_by_hand(one, hinted.stock) == pytest.approx(hinted.total_ebo, rel=1e-9)
