"""The vectorised frontier (lock-step hulls, merged increments) against the one-part-at-a-time
loop it replaced, and its allocations against METRIC recomputed by the independent checker's
Poisson sums."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from benchmarks.inventory.synthetic import stocking_instance
from fieldopt.checks.inventory import poisson_ebo_fill
from solvers.inventory.data import StockingData
from solvers.inventory.marginal import Frontier, FrontierParams, allocate, frontier


def loop_hull(y: np.ndarray) -> list[int]:
    """The former one-curve monotone chain (kept here as the reference)."""
    pts = [n for n in range(len(y)) if np.isfinite(y[n])]
    hull: list[int] = []
    for n in pts:
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            if (y[b] - y[a]) * (n - a) >= (y[n] - y[a]) * (b - a) - 1e-15:
                hull.pop()
            else:
                break
        hull.append(n)
    out = [hull[0]]
    for n in hull[1:]:
        if y[n] < y[out[-1]] - 1e-15:
            out.append(n)
    return out


def loop_frontier(fr: Frontier, cost: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """The former Python merge: every part's hull steps sorted by EBO drop per money."""
    parts, units, d_ebo, d_cost = [], [], [], []
    for i in range(fr.curves.ebo.shape[0]):
        hull = loop_hull(fr.curves.ebo[i])
        for a, b in itertools.pairwise(hull):
            parts.append(i)
            units.append(b)
            d_ebo.append(float(fr.curves.ebo[i, a] - fr.curves.ebo[i, b]))
            d_cost.append(float(cost[i] * (b - a)))
    de, dc = np.array(d_ebo), np.array(d_cost)
    ratio = np.where(dc > 0, de / np.where(dc > 0, dc, 1.0), np.inf)
    order = np.argsort(-ratio, kind="stable")
    start = float(fr.curves.ebo[:, 0].sum())
    ebo = np.maximum(np.concatenate([[start], start - np.cumsum(de[order])]), 0.0)
    total = np.concatenate([[0.0], np.cumsum(dc[order])])
    return total, ebo, [units[k] for k in order]


def checker_metric(data: StockingData, stock: np.ndarray) -> float:
    """Total customer EBO of a two-echelon plan from the checker's Poisson sums."""
    total = 0.0
    for i in range(len(data.part_ids)):
        lam = data.demand_rate[i]
        r = data.local_repair_fraction[i]
        up = lam * (1 - r)
        lam0 = float(up.sum())
        ebo0, _ = poisson_ebo_fill(int(stock[i, 0]), lam0 * float(data.root_time[i]))
        for j in range(1, len(data.site_ids)):
            delay = ebo0 / lam0 if lam0 > 0 else 0.0
            mean = lam[j] * r[j] * data.local_repair_time[i, j] + up[j] * (
                data.resupply_time[i, j] + delay
            )
            total += poisson_ebo_fill(int(stock[i, j]), float(mean))[0]
    return total


@pytest.mark.parametrize(("parts", "sites", "seed"), [(7, 4, 0), (40, 6, 1), (130, 5, 2)])
def test_vectorised_frontier_is_the_loop_frontier(parts: int, sites: int, seed: int) -> None:
    data = stocking_instance(parts, sites, seed)
    fr = frontier(data, FrontierParams(chunk=50))
    cost, ebo, units = loop_frontier(fr, data.unit_cost)
    assert np.array_equal(fr.cost, cost)
    assert np.array_equal(fr.ebo, ebo)
    assert fr.step_units.tolist() == units
    for t in (0, 1, len(fr.cost) // 3, len(fr.cost) - 1):
        got = fr.units_at(t)
        want = np.zeros(parts, dtype=np.int64)
        for p, u in zip(fr.step_part[:t], fr.step_units[:t], strict=True):
            want[p] = u
        assert np.array_equal(got, want)


@pytest.mark.parametrize("seed", [0, 3])
def test_allocation_realises_each_point_by_the_checker(seed: int) -> None:
    data = stocking_instance(60, 5, seed)
    fr = frontier(data, FrontierParams(chunk=25))
    for t in (1, len(fr.cost) // 10, len(fr.cost) // 4, len(fr.cost) // 2):
        stock = allocate(data, fr.curves, fr.units_at(t), "metric")
        assert float(np.sum(stock * data.unit_cost[:, None])) == pytest.approx(fr.cost[t])
        assert checker_metric(data, stock) == pytest.approx(fr.ebo[t], rel=1e-8, abs=1e-10)


def test_frontier_points_beat_every_allocation_of_their_cost() -> None:
    """Brute force on one part, a root and two bases, levels 0..4: no allocation with the
    units of a frontier point has less EBO (the checker's sums)."""
    data = stocking_instance(1, 3, 5)
    fr = frontier(data, FrontierParams())
    combos = list(itertools.product(range(5), repeat=3))
    for t in range(len(fr.cost)):
        n = int(fr.units_at(t)[0])
        if n > 4:
            break
        best = min(checker_metric(data, np.array([c])) for c in combos if sum(c) == n)
        assert fr.ebo[t] == pytest.approx(best, rel=1e-9, abs=1e-12)
