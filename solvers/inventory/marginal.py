"""The efficient frontier by marginal analysis, with Sherbrooke's loop over root stock levels.

For a part i with the root level s0 fixed, base EBO curves are separable and convex, and every
unit costs c_i wherever it goes, so giving k units to the bases in order of largest EBO drop is
optimal for every k:  g_i(s0, k) = Σ_j EBO_ij(s0, 0) - (sum of the k largest drops).
The part's exact curve is F_i(n) = min_{s0 + k = n} g_i(s0, k) (the loop over root levels:
greedy over all sites at once is not optimal across echelons). The system frontier then merges
the lower convex hulls of the F_i by decreasing EBO drop per unit of money: each point on it is
optimal for its own cost (points between hull vertices need the MILP).
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from solvers.inventory.data import Method, StockingData
from solvers.inventory.evaluate import base_curves, root_moments

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class FrontierParams:
    """``tail_ebo``: stop stocking a part once its EBO is below this; ``chunk``: parts per
    vectorised block (memory vs speed)."""

    method: Method = "metric"
    tail_ebo: float = 1e-4
    chunk: int = 500

    def __post_init__(self) -> None:
        if not self.tail_ebo > 0:
            raise ValueError(f"FrontierParams: field tail_ebo: must be > 0, got {self.tail_ebo}")
        if self.chunk < 1:
            raise ValueError(f"FrontierParams: field chunk: must be >= 1, got {self.chunk}")


@dataclass(frozen=True)
class PartCurves:
    """Exact per-part curves: ``ebo[i, n]`` = least total base EBO of part i with n units
    (``inf`` past the part's range), ``root_level[i, n]`` the root's share of those n units."""

    ebo: Array
    root_level: IntArray


@dataclass(frozen=True)
class Frontier:
    """Points 0..K of the efficient frontier: ``cost[t]``, ``ebo[t]``; step t (1..K) sets part
    ``step_part[t-1]`` to ``step_units[t-1]`` units in total."""

    curves: PartCurves
    cost: Array
    ebo: Array
    step_part: IntArray
    step_units: IntArray
    runtime_s: float

    def units_at(self, point: int) -> IntArray:
        """Units per part at frontier point ``point``."""
        units = np.zeros(self.curves.ebo.shape[0], dtype=np.int64)
        k = int(point)
        units[self.step_part[:k]] = 0  # later steps of a part overwrite earlier ones
        for p, u in zip(self.step_part[:k], self.step_units[:k], strict=True):
            units[p] = u
        return units

    def point_for_budget(self, budget: float) -> int:
        """The last frontier point costing at most ``budget``."""
        return int(np.searchsorted(self.cost, budget + 1e-9, side="right") - 1)


def part_curves(
    data: StockingData,
    params: FrontierParams,
    progress: Callable[[int], None] | None = None,
) -> PartCurves:
    """F_i(n) and the root level achieving it, for every part (vectorised over part chunks)."""
    n_parts = len(data.part_ids)
    blocks: list[tuple[Array, IntArray]] = []
    for start in range(0, n_parts, params.chunk):
        idx = np.arange(start, min(start + params.chunk, n_parts), dtype=np.int64)
        blocks.append(_chunk_curves(data, idx, params))
        if progress is not None:
            progress(len(idx))
    width = max(b[0].shape[1] for b in blocks)
    ebo = np.full((n_parts, width), np.inf)
    lvl = np.zeros((n_parts, width), dtype=np.int64)
    row = 0
    for e, s in blocks:
        ebo[row : row + len(e), : e.shape[1]] = e
        lvl[row : row + len(e), : e.shape[1]] = s
        row += len(e)
    return PartCurves(ebo, lvl)


def _levels_needed(mean: Array, tail: float) -> int:
    top = float(mean.max(initial=0.0))
    return math.ceil(top + 6.0 * math.sqrt(top) + 3 - math.log10(tail))


def _chunk_curves(
    data: StockingData, idx: IntArray, params: FrontierParams
) -> tuple[Array, IntArray]:
    k = len(idx)
    if data.single_site:
        s0max = 0
    else:
        mu0 = (data.root_demand * data.root_time)[idx]
        s0max = _levels_needed(mu0, params.tail_ebo)
        e0, _ = root_moments(data, s0max)
        e0 = e0[idx]
    zero = np.zeros(k, dtype=np.int64)
    smax = _levels_needed(base_curves(data, zero, "metric", 0, idx).mean, params.tail_ebo)
    n_bases = len(data.bases)
    width = s0max + n_bases * smax + 1
    best = np.full((k, width), np.inf)
    best_lvl = np.zeros((k, width), dtype=np.int64)
    for s0 in range(s0max + 1):
        if s0 > 0 and not data.single_site and np.all(e0[:, s0 - 1] < params.tail_ebo * 1e-3):
            break  # more root stock cannot change anything measurable
        curves = base_curves(data, np.full(k, s0, dtype=np.int64), params.method, smax, idx)
        drops = (curves.ebo[..., :-1] - curves.ebo[..., 1:]).reshape(k, -1)
        drops = -np.sort(-drops, axis=1)
        g = curves.ebo[..., 0].sum(axis=1)[:, None] - np.concatenate(
            [np.zeros((k, 1)), np.cumsum(drops, axis=1)], axis=1
        )
        g = np.maximum(g, 0.0)
        window = best[:, s0 : s0 + g.shape[1]]
        better = g < window - 1e-15
        window[better] = g[better]
        best_lvl[:, s0 : s0 + g.shape[1]][better] = s0
    return best, best_lvl


def _lower_hull(y: Array) -> list[int]:
    """Indices of the lower convex hull of points (n, y[n]) with finite y, left to right."""
    pts = [n for n in range(len(y)) if np.isfinite(y[n])]
    hull: list[int] = []
    for n in pts:
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            # drop b if it lies on or above the segment a-n
            if (y[b] - y[a]) * (n - a) >= (y[n] - y[a]) * (b - a) - 1e-15:
                hull.pop()
            else:
                break
        hull.append(n)
    # keep only the decreasing part: extra units that do not cut EBO are not efficient
    out = [hull[0]]
    for n in hull[1:]:
        if y[n] < y[out[-1]] - 1e-15:
            out.append(n)
    return out


def frontier(
    data: StockingData,
    params: FrontierParams,
    progress: Callable[[int], None] | None = None,
) -> Frontier:
    """The whole efficient frontier (cost, total base EBO), cheapest first."""
    t0 = time.perf_counter()
    curves = part_curves(data, params, progress)
    cost = data.unit_cost
    parts: list[int] = []
    units: list[int] = []
    d_ebo: list[float] = []
    d_cost: list[float] = []
    for i in range(curves.ebo.shape[0]):
        hull = _lower_hull(curves.ebo[i])
        for a, b in itertools.pairwise(hull):
            parts.append(i)
            units.append(b)
            d_ebo.append(float(curves.ebo[i, a] - curves.ebo[i, b]))
            d_cost.append(float(cost[i] * (b - a)))
    de, dc = np.array(d_ebo), np.array(d_cost)
    # free units (cost 0) first, then by EBO drop per money; stable keeps each part's order
    ratio = np.where(dc > 0, de / np.where(dc > 0, dc, 1.0), np.inf)
    order = np.argsort(-ratio, kind="stable")
    start = float(curves.ebo[:, 0].sum())
    ebo = np.concatenate([[start], start - np.cumsum(de[order])])
    total_cost = np.concatenate([[0.0], np.cumsum(dc[order])])
    return Frontier(
        curves,
        total_cost,
        np.maximum(ebo, 0.0),
        np.array(parts, dtype=np.int64)[order],
        np.array(units, dtype=np.int64)[order],
        time.perf_counter() - t0,
    )


def allocate(
    data: StockingData, curves: PartCurves, units: IntArray, method: Method
) -> NDArray[np.int64]:
    """Stock levels ``P x L`` realising ``curves.ebo[i, units[i]]`` for every part."""
    n_parts = len(data.part_ids)
    stock = np.zeros((n_parts, len(data.site_ids)), dtype=np.int64)
    root_level = curves.root_level[np.arange(n_parts), units]
    if data.single_site:
        stock[:, 0] = units
        return stock
    stock[:, data.root] = root_level
    k = units - root_level
    active = np.flatnonzero(k > 0)
    if len(active) == 0:
        return stock
    smax = int(k.max())
    cur = base_curves(data, root_level[active], method, smax, active.astype(np.int64))
    n_b = len(data.bases)
    drops = (cur.ebo[..., :-1] - cur.ebo[..., 1:]).reshape(len(active), -1)
    order = np.argsort(-drops, axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(drops.shape[1])[None, :], axis=1)
    chosen = rank < k[active][:, None]
    stock[np.ix_(active, data.bases)] = chosen.reshape(len(active), n_b, smax).sum(axis=2)
    return stock
