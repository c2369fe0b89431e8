"""Stocking with side constraints: a PuLP MILP over convex piecewise-linear EBO curves (HiGHS).

Marginal analysis cannot carry van volumes or per-site budgets; this model can (min/max levels
and must-stock rules alone, on two echelons, are marginal analysis on clipped curves:
``solvers.inventory.choice``). Candidate root levels per part are those the exact per-part
curve uses (plus the root's min level); with no side constraints the MILP is exact for any
budget, and it agrees with marginal analysis on the frontier's points.

Three echelons: each depot with vans below it gets one binary per (candidate root level, depot
level) pair, tied to the root's choice (``add_depot_level_choice``); the depot's own customers'
EBO is linear in those binaries and each van below it has one convex EBO curve per pair. Depot
levels range over 0..S (the part's largest useful total), or ``stock_hint ± hint_window`` when a
hint is given. Exact within those candidate levels; ``exact`` evaluation is two-echelon only.
The big-M curves make the model hard past a few parts x a dozen sites: on two echelons as on
three, 20 synthetic parts on 13-16 sites reached the 60 s limit with a feasible plan 15-90 %
above the marginal frontier's EBO at the same budget. Use it for side constraints on small
networks, marginal analysis otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pulp
from numpy.typing import NDArray

from solvers.inventory.data import Method, StockingData
from solvers.inventory.evaluate import (
    _local_mean,
    _root_share,
    base_curves,
    customer_share,
    pipeline_curves,
    root_moments,
    two_echelon_only,
    with_emergency,
)
from solvers.inventory.lp import LpParams, new_var, solve_problem
from solvers.inventory.marginal import (
    FrontierParams,
    PartCurves,
    _levels_needed,
    _tree,
    part_curves,
)
from solvers.inventory.model import (
    add_budget,
    add_depot_level_choice,
    add_ebo_curve,
    add_root_level_choice,
    add_service_target,
    add_site_budget,
    add_site_volume,
)
from solvers.result import SolveReport

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]


def _empty_f() -> Array:
    return np.zeros(0)


def _empty_i() -> IntArray:
    return np.zeros((0, 0), dtype=np.int64)


@dataclass(frozen=True)
class SideConstraints:
    """What marginal analysis cannot carry. Empty arrays mean "none"; NaN caps mean "no cap".

    Exactly one objective: ``budget`` total investment (least EBO within it), ``target_ebo``
    (least investment reaching it) or ``ebo_value`` (least Σ unit_cost x ``holding_rate`` x units
    + ebo_value x EBO: holding cost per year plus the value of a customer waiting for a year;
    ``holding_rate[part]``, empty for 1);
    ``volume[part]`` litres per unit with ``site_volume[site]`` litres; ``site_budget[site]``
    money per site; ``min_level``/``max_level`` ``[part, site]`` (max -1 = none).
    """

    budget: float | None = None
    target_ebo: float | None = None
    ebo_value: float | None = None
    holding_rate: Array = field(default_factory=_empty_f)
    volume: Array = field(default_factory=_empty_f)
    site_volume: Array = field(default_factory=_empty_f)
    site_budget: Array = field(default_factory=_empty_f)
    min_level: IntArray = field(default_factory=_empty_i)
    max_level: IntArray = field(default_factory=_empty_i)

    def __post_init__(self) -> None:
        if sum(x is not None for x in (self.budget, self.target_ebo, self.ebo_value)) != 1:
            raise ValueError(
                "SideConstraints: give exactly one of budget, target_ebo and ebo_value"
            )
        if self.ebo_value is not None and not self.ebo_value > 0:
            raise ValueError(f"SideConstraints: field ebo_value: must be > 0, got {self.ebo_value}")
        if self.budget is not None and self.budget < 0:
            raise ValueError(f"SideConstraints: field budget: must be >= 0, got {self.budget}")
        if self.target_ebo is not None and self.target_ebo < 0:
            raise ValueError(
                f"SideConstraints: field target_ebo: must be >= 0, got {self.target_ebo}"
            )
        if self.min_level.size and self.max_level.size:
            bad = (self.max_level >= 0) & (self.max_level < self.min_level)
            if np.any(bad):
                i, j = np.argwhere(bad)[0]
                raise ValueError(f"SideConstraints: field max_level: [{i}, {j}] below min_level")

    def yearly_cost(self, unit_cost: Array) -> Array:
        """Cost per unit per year in the ``ebo_value`` objective: unit cost x holding rate."""
        return unit_cost * self.holding_rate if self.holding_rate.size else unit_cost


@dataclass(frozen=True)
class StockingResult:
    """Stock levels ``[part, site]``, their total base EBO (evaluated, not the MILP's estimate),
    investment, the solve report, and which optimiser made the plan (``marginal``, ``choice``
    or ``milp``; set by ``solvers.inventory.solve.solve_stocking``)."""

    stock: IntArray
    total_ebo: float
    investment: float
    report: SolveReport
    optimiser: str = ""


def solve_stocking_milp(
    data: StockingData,
    side: SideConstraints,
    params: LpParams,
    method: Method = "metric",
    curves: PartCurves | None = None,
    root_hint: IntArray | None = None,
    hint_window: int = 2,
    stock_hint: IntArray | None = None,
) -> StockingResult:
    """Least total EBO within a budget (or least investment for a target EBO, or least cost
    plus valued EBO), with side constraints; exact for the given candidate root levels.

    ``root_hint[part]`` (e.g. the marginal solution's root levels) limits each part's candidate
    root levels to ``hint ± hint_window``: a much smaller model, exact only within that window;
    ``stock_hint[part, site]`` does the same for the depot levels of a three-echelon network.
    """
    from solvers.inventory.evaluate import evaluate

    if data.echelons > 2 and method == "exact":
        two_echelon_only(data, "the stocking MILP with exact evaluation")
    n_parts, n_sites = data.demand_rate.shape
    curves = curves or part_curves(data, FrontierParams(method=method))
    root_range = np.zeros(n_parts, dtype=np.int64)
    if not data.single_site:  # the root levels marginal analysis searches (same tail)
        mu0 = data.root_demand * data.root_time
        root_range = np.array([_levels_needed(m, curves.tail_ebo) for m in mu0], dtype=np.int64)
    lo = side.min_level if side.min_level.size else np.zeros((n_parts, n_sites), dtype=np.int64)
    hi = side.max_level if side.max_level.size else np.full((n_parts, n_sites), -1, dtype=np.int64)
    prob = pulp.LpProblem("stocking", pulp.LpMinimize)
    root, bases = data.root, data.bases
    level: dict[tuple[int, int], pulp.LpAffineExpression] = {}
    ebo_terms: list[pulp.LpVariable | pulp.LpAffineExpression] = []
    spend: list[pulp.LpAffineExpression] = []
    for i in range(n_parts):
        finite = np.isfinite(curves.ebo[i])
        top = int(np.flatnonzero(finite).max())
        cands = _root_candidates(
            data, curves, i, int(root_range[i]), lo, hi, root_hint, hint_window
        )
        smax = max(top, int(lo[i].max()), 1)
        z = None
        if not data.single_site:
            z = [new_var(prob, f"z_{i}_{k}", None, None, "Binary") for k in cands]
            add_root_level_choice(prob, str(i), z)
            level[i, root] = pulp.lpSum(int(k) * zk for k, zk in zip(cands, z, strict=True))
        if data.echelons > 2:
            assert z is not None
            window = None if stock_hint is None else (stock_hint[i], hint_window)
            ebo_terms.extend(
                _tree_part(prob, data, i, cands, z, smax, lo[i], hi[i], method, level, window)
            )
            spend.append(
                float(data.unit_cost[i])
                * pulp.lpSum(level[i, int(j)] for j in range(n_sites) if (i, int(j)) in level)
            )
            continue
        cur = base_curves(data, cands, method, smax, np.full(len(cands), i, dtype=np.int64))
        for col, j in enumerate(bases):
            upper = smax if hi[i, j] < 0 else int(min(hi[i, j], smax))
            s = new_var(prob, f"s_{i}_{j}", int(lo[i, j]), max(upper, int(lo[i, j])), "Integer")
            e = new_var(prob, f"e_{i}_{j}", 0, None)
            add_ebo_curve(prob, f"{i}_{j}", e, s, cur.ebo[:, col, :], z)
            level[i, int(j)] = pulp.lpSum([s])
            ebo_terms.append(e)
        spend.append(
            float(data.unit_cost[i])
            * pulp.lpSum(level[i, int(j)] for j in range(n_sites) if (i, int(j)) in level)
        )
    _objective_and_limits(prob, data, side, level, pulp.lpSum(ebo_terms), pulp.lpSum(spend))
    report = solve_problem(prob, params)
    stock = np.zeros((n_parts, n_sites), dtype=np.int64)
    if report.status.has_solution:
        for (i, j), expr in level.items():
            stock[i, j] = round(pulp.value(expr) or 0.0)
        ev = evaluate(data, stock, method).total_ebo
    else:
        ev = float("nan")
    investment = float(np.sum(stock * data.unit_cost[:, None]))
    return StockingResult(stock, ev, investment, report)


def _tree_part(
    prob: pulp.LpProblem,
    data: StockingData,
    i: int,
    cands: IntArray,
    z: list[pulp.LpVariable],
    smax: int,
    lo: IntArray,
    hi: IntArray,
    method: Method,
    level: dict[tuple[int, int], pulp.LpAffineExpression],
    window: tuple[IntArray, int] | None,
) -> list[pulp.LpAffineExpression]:
    """Variables and constraints of part ``i`` on a three-echelon network; its EBO terms."""
    tree = _tree(data)
    bases = data.bases
    local, f = _local_mean(data)[i], _root_share(data)[i]
    w = customer_share(data)[i]
    e0, v0 = root_moments(data, int(cands.max()))
    e0, v0 = e0[i, cands], v0[i, cands]
    part = np.full(len(cands), i, dtype=np.int64)  # one curve row per candidate root level
    terms: list[pulp.LpAffineExpression] = []

    def base_var(col: int, curves: Array, sel: list[pulp.LpVariable]) -> None:
        j = int(bases[col])
        upper = smax if hi[j] < 0 else int(min(hi[j], smax))
        s = new_var(prob, f"s_{i}_{j}", int(lo[j]), max(upper, int(lo[j])), "Integer")
        e = new_var(prob, f"e_{i}_{j}", 0, None)
        add_ebo_curve(prob, f"{i}_{j}", e, s, curves, sel)
        level[i, j] = pulp.lpSum([s])
        terms.append(pulp.lpSum([e]))

    d = tree.direct
    if len(d):
        k = len(cands)
        cur = pipeline_curves(
            np.broadcast_to(local[d], (k, len(d))),
            np.broadcast_to(f[d], (k, len(d))),
            np.repeat(e0[:, None], len(d), 1),
            np.repeat(v0[:, None], len(d), 1),
            method,
            smax,
        )
        ebo_d = with_emergency(data, part, bases[d], cur.ebo, None, cur.mean)[0]
        for n, col in enumerate(d):
            base_var(int(col), ebo_d[:, n, :], z)
    for m, kids in zip(tree.middle, tree.kids, strict=True):
        jm = int(bases[m])
        top = smax if hi[jm] < 0 else int(min(hi[jm], smax))
        levels = np.arange(int(lo[jm]), max(top, int(lo[jm])) + 1)
        if window is not None:
            # the hint moved into the allowed levels (min/max may exclude the hint itself)
            h = int(np.clip(window[0][jm], levels[0], levels[-1]))
            levels = levels[np.abs(levels - h) <= window[1]]
        mid = pipeline_curves(local[m], f[m], e0, v0, method, int(levels.max()))
        ebo_m, vbo_m = mid.ebo[:, levels], mid.vbo[:, levels]  # [K, L]
        y = [
            [new_var(prob, f"y_{i}_{jm}_{a}_{lv}", None, None, "Binary") for lv in levels]
            for a in range(len(cands))
        ]
        for a in range(len(cands)):
            add_depot_level_choice(prob, f"{i}_{jm}_{a}", z[a], y[a])
        flat = [v for row in y for v in row]
        level[i, jm] = pulp.lpSum(
            int(lv) * y[a][b] for a in range(len(cands)) for b, lv in enumerate(levels)
        )
        terms.append(
            pulp.lpSum(
                float(w[m] * ebo_m[a, b]) * y[a][b]
                for a in range(len(cands))
                for b in range(len(levels))
            )
        )
        shape = (len(cands), len(levels), len(kids))
        kc = pipeline_curves(
            np.broadcast_to(local[kids], shape),
            np.broadcast_to(f[kids], shape),
            np.broadcast_to(ebo_m[:, :, None], shape),
            np.broadcast_to(vbo_m[:, :, None], shape),
            method,
            smax,
        )
        ebo_k = with_emergency(data, part, bases[kids], kc.ebo, None, kc.mean)[0]
        for n, col in enumerate(kids):
            base_var(int(col), ebo_k[:, :, n, :].reshape(len(flat), smax + 1), flat)
    return terms


def _root_candidates(
    data: StockingData,
    curves: PartCurves,
    i: int,
    root_range: int,
    lo: IntArray,
    hi: IntArray,
    root_hint: IntArray | None,
    hint_window: int,
) -> IntArray:
    """Part ``i``'s candidate root levels: every level its curve searched (side constraints
    can make any of them best, not only those on the unconstrained curve), or the hint's
    window; within the part's min/max at the root."""
    root = data.root
    if data.single_site:
        return np.array([0], dtype=np.int64)
    finite = np.isfinite(curves.ebo[i])
    top0 = max(int(curves.root_level[i, finite].max()), root_range)
    used = set(range(top0 + 1)) | {int(lo[i, root])}
    if root_hint is not None:
        h = int(root_hint[i])
        used = {k for k in used if abs(k - h) <= hint_window} | {h, int(lo[i, root])}
    cands = np.array(
        sorted(k for k in used if k >= lo[i, root] and (hi[i, root] < 0 or k <= hi[i, root])),
        dtype=np.int64,
    )
    return cands if len(cands) else np.array([int(lo[i, root])], dtype=np.int64)


def _objective_and_limits(
    prob: pulp.LpProblem,
    data: StockingData,
    side: SideConstraints,
    level: dict[tuple[int, int], pulp.LpAffineExpression],
    total_ebo: pulp.LpAffineExpression,
    total_spend: pulp.LpAffineExpression,
) -> None:
    """The objective (valued EBO, least EBO in a budget, or least spend for a target) and the
    per-site volume and budget limits."""
    if side.ebo_value is not None:
        rate = side.yearly_cost(data.unit_cost)
        yearly = pulp.lpSum(float(rate[i]) * expr for (i, _), expr in level.items())
        prob += yearly + side.ebo_value * total_ebo
    elif side.budget is not None:
        prob += total_ebo
        add_budget(prob, total_spend, side.budget)
    else:
        assert side.target_ebo is not None
        prob += total_spend
        add_service_target(prob, total_ebo, side.target_ebo)
    n_parts, n_sites = data.demand_rate.shape
    for j in range(n_sites):
        at_site = {i: level[i, j] for i in range(n_parts) if (i, j) in level}
        if side.site_volume.size and np.isfinite(side.site_volume[j]):
            add_site_volume(
                prob, data.site_ids[j], at_site, side.volume, float(side.site_volume[j])
            )
        if side.site_budget.size and np.isfinite(side.site_budget[j]):
            add_site_budget(
                prob, data.site_ids[j], at_site, data.unit_cost, float(side.site_budget[j])
            )
