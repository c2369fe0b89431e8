"""Stocking with min/max levels only, by marginal analysis on clipped curves (no MILP).

Min and max levels keep every part separate and every base curve convex on its allowed range,
so the two-echelon argument of ``solvers.inventory.marginal`` holds unchanged: with the root
level s0 ∈ [m_i0, M_i0] fixed, start every base j at its min m_ij and give the next units in
order of largest EBO drop among the allowed steps (m_ij ≤ s < M_ij), so

    g_i(s0, Σ_j m_ij + k) = Σ_j EBO_ij(s0, m_ij) - (sum of the k largest allowed drops),

F_i(n) = min_{s0} g_i(s0, n - s0), and the frontier merges the lower convex hulls of the F_i
(starting from the min levels' cost). A budget picks the last frontier point within it, an EBO
target the first point reaching it: each is optimal for its own cost (as the unconstrained
frontier), found in seconds where the MILP needs its time limit. Volumes, per-site budgets and
three echelons stay with the MILP (``solvers.inventory.milp``). Without min or max levels the
curves, frontier and allocations are exactly those of ``solvers.inventory.marginal``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from solvers.inventory.data import Method, StockingData
from solvers.inventory.evaluate import evaluate
from solvers.inventory.marginal import (
    Frontier,
    FrontierParams,
    PartCurves,
    _base_ebo,
    _base_range,
    _levels_needed,
    _merge,
    _Pre,
    _pre,
    least_cost_units,
)
from solvers.inventory.milp import SideConstraints, StockingResult
from solvers.result import SolveReport, Status

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]


def choice_applies(data: StockingData, side: SideConstraints) -> bool:
    """True when only min/max levels (and the budget or EBO target) constrain the plan, on at
    most two echelons: the clipped marginal analysis solves it."""
    volume = side.site_volume.size and np.any(np.isfinite(side.site_volume))
    budget = side.site_budget.size and np.any(np.isfinite(side.site_budget))
    return data.echelons <= 2 and not volume and not budget


def _bounds(data: StockingData, side: SideConstraints) -> tuple[IntArray, IntArray]:
    shape = data.demand_rate.shape
    lo = side.min_level if side.min_level.size else np.zeros(shape, dtype=np.int64)
    hi = side.max_level if side.max_level.size else np.full(shape, -1, dtype=np.int64)
    return np.asarray(lo, dtype=np.int64), np.asarray(hi, dtype=np.int64)


def _allowed(lo: IntArray, hi: IntArray, smax: int) -> NDArray[np.bool_]:
    """``[part, base, s]``: may a base go from s to s + 1 units (s = 0..smax-1)?"""
    top = np.where(hi < 0, smax, np.minimum(hi, smax))
    top = np.maximum(top, lo)
    s = np.arange(smax)
    return (s >= lo[..., None]) & (s < top[..., None])


def _clipped_greedy(
    ebo: Array, lo: IntArray, allowed: NDArray[np.bool_]
) -> tuple[Array, Array, IntArray]:
    """Least EBO with the bases at their mins plus k units (k = 0..K) by largest allowed drop:
    ``g[part, k]`` (``inf`` past the allowed steps), the drops (disallowed: -inf) and the
    number of allowed steps per part."""
    k_parts = ebo.shape[0]
    drops = ebo[..., :-1] - ebo[..., 1:]
    drops = np.where(allowed, drops, -np.inf).reshape(k_parts, -1)
    start = np.take_along_axis(ebo, lo[..., None], axis=-1)[..., 0].sum(axis=1)
    ranked = -np.sort(-drops, axis=1)
    count = allowed.reshape(k_parts, -1).sum(axis=1)
    ranked = np.where(np.arange(ranked.shape[1])[None, :] < count[:, None], ranked, 0.0)
    g = start[:, None] - np.concatenate([np.zeros((k_parts, 1)), np.cumsum(ranked, axis=1)], axis=1)
    g = np.maximum(g, 0.0)
    g[np.arange(g.shape[1])[None, :] > count[:, None]] = np.inf
    return g, drops, count


def choice_curves(
    data: StockingData, lo: IntArray, hi: IntArray, params: FrontierParams
) -> PartCurves:
    """F_i(n) within the min/max levels (``inf`` outside them), two echelons or one site."""
    n_parts = len(data.part_ids)
    pre = _pre(data, params, _root_top(data, lo, hi, params))
    blocks: list[tuple[Array, IntArray]] = []
    for begin in range(0, n_parts, params.chunk):
        idx = np.arange(begin, min(begin + params.chunk, n_parts), dtype=np.int64)
        blocks.append(_choice_chunk(data, idx, lo, hi, params, pre))
    width = max(b[0].shape[1] for b in blocks)
    ebo = np.full((n_parts, width), np.inf)
    lvl = np.zeros((n_parts, width), dtype=np.int64)
    for begin, (e, s) in zip(range(0, n_parts, params.chunk), blocks, strict=True):
        ebo[begin : begin + len(e), : e.shape[1]] = e
        lvl[begin : begin + len(e), : e.shape[1]] = s
    return PartCurves(ebo, lvl, params.chunk, params.tail_ebo)


def _root_top(data: StockingData, lo: IntArray, hi: IntArray, params: FrontierParams) -> int:
    if data.single_site:
        return 0
    r = data.root
    s0max = _levels_needed(data.root_demand * data.root_time, params.tail_ebo)
    return int(max(s0max, int(lo[:, r].max(initial=0))))


def _root_range(
    data: StockingData, idx: IntArray, lo: IntArray, hi: IntArray, params: FrontierParams
) -> tuple[IntArray, IntArray]:
    """Root levels searched per part: its min to its max (or the unconstrained range)."""
    if data.single_site:
        zero = np.zeros(len(idx), dtype=np.int64)
        return zero, zero
    r = data.root
    s0max = _levels_needed((data.root_demand * data.root_time)[idx], params.tail_ebo)
    first = lo[idx, r]
    last = np.where(hi[idx, r] < 0, s0max, np.minimum(hi[idx, r], s0max))
    return first, np.maximum(last, first)


def _choice_chunk(
    data: StockingData,
    idx: IntArray,
    lo: IntArray,
    hi: IntArray,
    params: FrontierParams,
    pre: _Pre,
) -> tuple[Array, IntArray]:
    k = len(idx)
    bases = data.bases
    lo_b, hi_b = lo[np.ix_(idx, bases)], hi[np.ix_(idx, bases)]
    smax = max(_base_range(data, idx, params.tail_ebo, pre), int(lo_b.max(initial=0)))
    allowed = _allowed(lo_b, hi_b, smax)
    first, last = _root_range(data, idx, lo, hi, params)
    floor = lo_b.sum(axis=1)
    steps = allowed.reshape(k, -1).sum(axis=1)
    width = int((last + floor + steps).max(initial=0)) + 1
    best = np.full((k, width), np.inf)
    best_lvl = np.zeros((k, width), dtype=np.int64)
    e0 = pre.e0[idx]
    cut = params.tail_ebo * 1e-3
    for s0 in range(int(first.min(initial=0)), int(last.max(initial=0)) + 1):
        # as in the plain frontier: a part takes root stock above its min only while its root
        # still has measurable backorders
        active = (s0 >= first) & (s0 <= last)
        if s0 > 0 and not data.single_site:
            active &= (s0 <= first) | (e0[:, s0 - 1] >= cut)
        rows = np.flatnonzero(active)
        if len(rows) == 0:
            if s0 > int(first.max(initial=0)):
                break
            continue
        lv = np.full(len(rows), s0, dtype=np.int64)
        ebo = _base_ebo(data, idx[rows], lv, params.method, smax, pre)
        g, _, _ = _clipped_greedy(ebo, lo_b[rows], allowed[rows])
        cols = s0 + floor[rows, None] + np.arange(g.shape[1])[None, :]
        inside = cols < width
        cols = np.minimum(cols, width - 1)
        at = np.broadcast_to(rows[:, None], cols.shape)
        better = inside & (g < best[at, cols] - 1e-15)
        best[at[better], cols[better]] = g[better]
        best_lvl[at[better], cols[better]] = s0
    return best, best_lvl


def choice_frontier(
    data: StockingData, lo: IntArray, hi: IntArray, params: FrontierParams
) -> Frontier:
    """The efficient frontier within min/max levels (point 0: every part at its mins)."""
    t0 = time.perf_counter()
    curves = choice_curves(data, lo, hi, params)
    return _merge(curves, data.unit_cost, t0)


def choice_allocate(
    data: StockingData,
    curves: PartCurves,
    units: IntArray,
    lo: IntArray,
    hi: IntArray,
    method: Method,
) -> IntArray:
    """Stock levels realising ``curves.ebo[i, units[i]]`` within the min/max levels."""
    n_parts = len(data.part_ids)
    stock = np.zeros((n_parts, len(data.site_ids)), dtype=np.int64)
    if data.single_site:
        stock[:, 0] = units
        return stock
    bases = data.bases
    root_level = curves.root_level[np.arange(n_parts), units]
    stock[:, data.root] = root_level
    params = FrontierParams(method=method, tail_ebo=curves.tail_ebo, chunk=curves.chunk)
    pre = _pre(data, params, int(root_level.max(initial=0)))
    for begin in range(0, n_parts, params.chunk):
        idx = np.arange(begin, min(begin + params.chunk, n_parts), dtype=np.int64)
        lo_b, hi_b = lo[np.ix_(idx, bases)], hi[np.ix_(idx, bases)]
        smax = max(_base_range(data, idx, params.tail_ebo, pre), int(lo_b.max(initial=0)))
        allowed = _allowed(lo_b, hi_b, smax)
        ebo = _base_ebo(data, idx, root_level[idx], method, smax, pre)
        _, drops, _ = _clipped_greedy(ebo, lo_b, allowed)
        extra = units[idx] - root_level[idx] - lo_b.sum(axis=1)
        order = np.argsort(-drops, axis=1, kind="stable")
        rank = np.empty_like(order)
        np.put_along_axis(rank, order, np.arange(drops.shape[1])[None, :], axis=1)
        chosen = rank < extra[:, None]
        stock[np.ix_(idx, bases)] = lo_b + chosen.reshape(len(idx), len(bases), smax).sum(axis=2)
    return stock


def solve_stocking_choice(
    data: StockingData,
    side: SideConstraints,
    method: Method = "metric",
    params: FrontierParams | None = None,
) -> StockingResult:
    """Least EBO within the budget (or least investment reaching ``side.target_ebo``) under
    min/max levels, by marginal analysis on the clipped curves: the frontier point for the
    budget or target. Infeasible when the min levels cost more than the budget or no point
    reaches the target."""
    t0 = time.perf_counter()
    if not choice_applies(data, side):
        raise ValueError(
            "SideConstraints: volumes, site budgets or three echelons need the stocking MILP"
        )
    params = params or FrontierParams(method=method)
    lo, hi = _bounds(data, side)
    if side.ebo_value is not None:
        curves = choice_curves(data, lo, hi, params)
        yearly = side.yearly_cost(data.unit_cost)
        units = least_cost_units(curves, yearly, side.ebo_value)
        stock = choice_allocate(data, curves, units, lo, hi, method)
        value = side.ebo_value
        return _optimal(
            data,
            stock,
            method,
            "least cost plus valued EBO",
            t0,
            lambda ebo, _: float(np.sum(stock * yearly[:, None])) + value * ebo,
        )
    fr = choice_frontier(data, lo, hi, params)
    if side.budget is not None:
        point = fr.point_for_budget(side.budget)
        ok = point >= 0
    else:
        assert side.target_ebo is not None
        reach = np.flatnonzero(fr.ebo <= side.target_ebo + 1e-12)
        ok = len(reach) > 0
        point = int(reach[0]) if ok else -1
    n_parts, n_sites = data.demand_rate.shape
    if not ok:
        report = SolveReport(
            Status.INFEASIBLE,
            "stocking choice: no frontier point within the budget / reaching the target",
            time.perf_counter() - t0,
        )
        return StockingResult(np.zeros((n_parts, n_sites), dtype=np.int64), np.nan, 0.0, report)
    stock = choice_allocate(data, fr.curves, fr.units_at(point), lo, hi, method)
    by_budget = side.budget is not None
    return _optimal(
        data, stock, method, "frontier point", t0, lambda ebo, spend: ebo if by_budget else spend
    )


def _optimal(
    data: StockingData,
    stock: IntArray,
    method: Method,
    what: str,
    t0: float,
    objective: Callable[[float, float], float],
) -> StockingResult:
    """The result of a plan optimal for its mode; ``objective(total EBO, investment)``."""
    total = evaluate(data, stock, method).total_ebo
    investment = float(np.sum(stock * data.unit_cost[:, None]))
    report = SolveReport(
        Status.OPTIMAL,
        f"stocking choice: {what} within min/max levels",
        time.perf_counter() - t0,
        objective=objective(total, investment),
    )
    return StockingResult(stock, total, investment, report)
