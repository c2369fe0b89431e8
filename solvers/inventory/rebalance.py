"""Rebalancing transfers between stocking sites: a MILP built as numpy arrays and passed
straight to HiGHS (PuLP/CBC as the fallback), and the common rule "largest excess to largest
shortage" as a baseline on the same data.

Minimise  Σ_a Σ_i c_a x_ai + Σ_a F_a y_a + Σ_il π_i u_il
subject to shortage, source safety, lane use/capacity, minimum quantity and receiving-volume
families (``solvers.inventory.rebalance_model``). A source only gives stock above both its
target and its safety level; a destination only receives while below its target.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from solvers.inventory.lp import LpParams, solve_arrays
from solvers.inventory.rebalance_model import (
    ArrayModel,
    assemble,
    lane_capacity_rows,
    lane_use_rows,
    min_quantity_rows,
    receiving_volume_rows,
    shortage_rows,
    source_safety_rows,
)
from solvers.result import SolveReport, Status

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class RebalanceData:
    """Stock ``on_hand``, ``target`` and ``safety`` per ``[part, site]``; ``penalty[part]`` per
    unit short after transfers; lanes ``lane_from -> lane_to`` with cost per unit, fixed cost
    per used lane and ``lane_capacity`` units (-1 = none); ``volume[part]`` litres per unit and
    ``site_volume[site]`` litres (NaN = none); transfers are 0 or at least ``min_quantity``."""

    part_ids: tuple[str, ...]
    site_ids: tuple[str, ...]
    on_hand: IntArray
    target: IntArray
    safety: IntArray
    penalty: Array
    volume: Array
    site_volume: Array
    lane_from: IntArray
    lane_to: IntArray
    lane_cost: Array
    lane_fixed: Array
    lane_capacity: IntArray
    min_quantity: int = 1

    def __post_init__(self) -> None:
        p, n = len(self.part_ids), len(self.site_ids)
        for name, shape in (
            ("on_hand", (p, n)),
            ("target", (p, n)),
            ("safety", (p, n)),
            ("penalty", (p,)),
            ("volume", (p,)),
            ("site_volume", (n,)),
        ):
            arr = getattr(self, name)
            if arr.shape != shape:
                raise ValueError(f"rebalance: field {name}: shape {arr.shape}, expected {shape}")
            if name != "site_volume" and np.any(arr < 0):
                raise ValueError(f"rebalance: field {name}: values must be >= 0")
        a = len(self.lane_from)
        for name in ("lane_to", "lane_cost", "lane_fixed", "lane_capacity"):
            if len(getattr(self, name)) != a:
                raise ValueError(
                    f"rebalance: field {name}: {len(getattr(self, name))} != {a} lanes"
                )
        for k in range(a):
            f, t = int(self.lane_from[k]), int(self.lane_to[k])
            if not (0 <= f < n and 0 <= t < n) or f == t:
                raise ValueError(
                    f"rebalance: lane {k}: field lane_from/lane_to: bad sites {f}->{t}"
                )
            if self.lane_cost[k] < 0 or self.lane_fixed[k] < 0:
                raise ValueError(
                    f"rebalance: lane {self.site_ids[f]}->{self.site_ids[t]}: costs < 0"
                )
        if self.min_quantity < 1:
            raise ValueError(
                f"rebalance: field min_quantity: must be >= 1, got {self.min_quantity}"
            )

    @property
    def spare(self) -> IntArray:
        """What a site can give: on hand above both its target and its safety level."""
        return np.asarray(
            np.maximum(self.on_hand - np.maximum(self.target, self.safety), 0), dtype=np.int64
        )

    @property
    def short(self) -> IntArray:
        return np.asarray(np.maximum(self.target - self.on_hand, 0), dtype=np.int64)


@dataclass(frozen=True)
class RebalanceResult:
    """Transfers ``(lane index, part index, quantity)`` and the cost split:
    transport (per unit), fixed (per used lane), shortage penalty and units still short."""

    lane: IntArray
    part: IntArray
    quantity: IntArray
    transport_cost: float
    fixed_cost: float
    shortage_penalty: float
    units_short: int
    report: SolveReport

    @property
    def total_cost(self) -> float:
        return self.transport_cost + self.fixed_cost + self.shortage_penalty


def cost_of(
    data: RebalanceData, lane: IntArray, part: IntArray, qty: IntArray
) -> tuple[float, float, float, int]:
    """Transport, fixed, shortage penalty and units short of a set of transfers."""
    transport = float(np.sum(data.lane_cost[lane] * qty))
    fixed = float(np.sum(data.lane_fixed[np.unique(lane)])) if len(lane) else 0.0
    after = data.on_hand.copy()
    np.add.at(after, (part, data.lane_to[lane]), qty)
    np.add.at(after, (part, data.lane_from[lane]), -qty)
    short = np.maximum(data.target - after, 0)
    return transport, fixed, float(np.sum(short * data.penalty[:, None])), int(short.sum())


def _result(
    data: RebalanceData, moves: dict[tuple[int, int], int], report: SolveReport
) -> RebalanceResult:
    keys = sorted(k for k, q in moves.items() if q > 0)
    lane = np.array([k[0] for k in keys], dtype=np.int64)
    part = np.array([k[1] for k in keys], dtype=np.int64)
    qty = np.array([moves[k] for k in keys], dtype=np.int64)
    t, f, s, u = cost_of(data, lane, part, qty)
    return RebalanceResult(lane, part, qty, t, f, s, u, report)


MAX_FREE_INTEGERS = 100_000


@dataclass(frozen=True)
class _Built:
    """The array model and what maps its columns back: transfers ``(lane, part)`` with their
    upper bounds, the lane of each lane-use column, and the column blocks."""

    model: ArrayModel
    lane: IntArray
    part: IntArray
    upper: IntArray
    used_lanes: IntArray
    x: IntArray
    y: IntArray
    u: IntArray
    short_at: IntArray


def build_rebalance_model(data: RebalanceData) -> _Built:
    """The rebalancing MILP as arrays (``solvers.inventory.rebalance_model``). Transfers exist
    only for a part on a lane from a site with spare stock to a site short of it (and, with a
    minimum quantity q, only where q units could move), so the model grows with the imbalance,
    not P x L^2. Columns: x (lane-major, then part), w (q > 1), y per lane with a transfer, u
    per (part, site) some transfer reaches."""
    spare, short = data.spare, data.short
    n_sites = spare.shape[1]
    q = data.min_quantity
    reach = np.minimum(spare[:, data.lane_from], short[:, data.lane_to])  # P x A
    lane_i, part_i = np.nonzero((reach >= q).T)
    lane = lane_i.astype(np.int64)
    part = part_i.astype(np.int64)
    upper = reach[part, lane].astype(np.int64)
    n_x = len(lane)
    used_lanes, y_of_x = np.unique(lane, return_inverse=True)
    src = part * n_sites + data.lane_from[lane]
    dst = part * n_sites + data.lane_to[lane]
    sinks, sink_of_x = np.unique(dst, return_inverse=True)
    n_w = n_x if q > 1 else 0
    n_y, n_u = len(used_lanes), len(sinks)
    x = np.arange(n_x, dtype=np.int64)
    w = n_x + np.arange(n_w, dtype=np.int64)
    y = n_x + n_w + np.arange(n_y, dtype=np.int64)
    u = n_x + n_w + n_y + np.arange(n_u, dtype=np.int64)
    cost = np.concatenate(
        [
            data.lane_cost[lane],
            np.zeros(n_w),
            data.lane_fixed[used_lanes],
            data.penalty[sinks // n_sites],
        ]
    ).astype(np.float64)
    lower = np.zeros(n_x + n_w + n_y + n_u)
    up = np.concatenate([upper, np.ones(n_w + n_y), np.full(n_u, np.inf)]).astype(np.float64)
    integer = np.concatenate([np.ones(n_x + n_w + n_y, dtype=bool), np.zeros(n_u, dtype=bool)])
    # lane capacities: per-transfer links use min(U_k, C_a); a row only where C_a < Σ U_k
    total = np.bincount(y_of_x, weights=upper, minlength=n_y)
    cap = data.lane_capacity[used_lanes].astype(np.float64)
    has_cap = cap >= 0
    link = np.where(has_cap[y_of_x], np.minimum(upper, cap[y_of_x]), upper).astype(np.float64)
    cap_row = np.where(has_cap & (cap < total), cap, np.nan)
    # sources: a row where the transfers could together take more than the spare stock
    sources, source_of_x = np.unique(src, return_inverse=True)
    out_total = np.bincount(source_of_x, weights=upper, minlength=len(sources))
    spare_flat = spare.ravel()[sources].astype(np.float64)
    safety = np.where(out_total > spare_flat, spare_flat, np.nan)
    # receiving volumes
    now = np.sum(data.on_hand * data.volume[:, None], axis=0)
    room = np.where(np.isfinite(data.site_volume), np.maximum(data.site_volume, now) - now, np.nan)
    blocks = [
        lane_use_rows(x, y[y_of_x], link),
        lane_capacity_rows(x, y_of_x, y, cap_row),
        shortage_rows(x, sink_of_x, u, short.ravel()[sinks].astype(np.float64)),
        source_safety_rows(x, source_of_x, safety),
        receiving_volume_rows(x, data.lane_to[lane], data.volume[part], room),
    ]
    if q > 1:
        blocks.append(min_quantity_rows(x, w, q, upper.astype(np.float64)))
    model = assemble(cost, lower, up, integer, blocks)
    return _Built(model, lane, part, upper, used_lanes, x, y, u, sinks)


def solve_rebalance(data: RebalanceData, params: LpParams) -> RebalanceResult:
    """Least-cost transfers (MILP), straight into HiGHS as arrays (PuLP/CBC as the fallback,
    the same model), within ``params.time_limit_s`` for the MILP.

    The LP relaxation comes first: its transfers rounded down keep every row (each is a ``≤``
    with non-negative coefficients on the transfers, or a shortage row whose u takes up the
    slack), then fractional ones are raised back where every row allows it and it pays
    (``_repair``). That plan is returned — status ``optimal`` when it costs no more than the LP
    optimum (within ``gap_rel``), else ``feasible``, the LP optimum as the bound, raw status
    ``LP relaxation rounded down (...)`` — when it meets the bound, when the model has more
    than ``MAX_FREE_INTEGERS`` free integer columns, or when the MILP (started from that plan)
    returns nothing better within its time limit. Without an LP solution in the limit, the plan
    of :func:`largest_excess_to_largest_shortage` is returned (``feasible``, no bound)."""
    built = build_rebalance_model(data)
    model = built.model
    if len(built.x) == 0:
        report = SolveReport(Status.OPTIMAL, "no candidate transfer", 0.0, objective=0.0)
        return _result(data, {}, report)
    t0 = time.perf_counter()
    lp = solve_arrays(model, params, relax=True)
    if lp.values is None:
        # No relaxation within the limit (huge models, short limits): the common rule's plan
        # keeps every row too, so the planner still gets transfers rather than an error.
        greedy = largest_excess_to_largest_shortage(data)
        report = SolveReport(
            Status.FEASIBLE,
            f"largest-excess rule (LP relaxation {lp.report.raw_status}: no solution)",
            time.perf_counter() - t0,
            objective=greedy.total_cost,
            seed=params.seed,
            workers=params.workers,
            time_limit_s=params.time_limit_s,
        )
        return replace(greedy, report=report)
    moves = _moves(built, lp.values, rounded=True, min_quantity=data.min_quantity)
    moves = _repair(data, built, lp.values, moves)
    objective = _objective(data, built, moves)
    bound = lp.report.objective if lp.report.status == Status.OPTIMAL else None
    # an integer plan as good as the relaxation's optimum is optimal (often so: the LP of this
    # transport structure tends to have integer vertices)
    proven = bound is not None and objective - bound <= max(params.gap_rel * abs(objective), 1e-6)
    if proven:
        why = "meets the LP bound"
    elif model.free_integers > MAX_FREE_INTEGERS:
        why = f"{model.free_integers} free integer columns > {MAX_FREE_INTEGERS}"
    else:
        left = max(params.time_limit_s - (time.perf_counter() - t0), 1.0)
        start = _columns(data, built, moves)
        sol = solve_arrays(model, replace(params, time_limit_s=left), start=start)
        better = sol.report.objective is not None and sol.report.objective < objective - 1e-9
        if sol.values is not None and (better or sol.report.status == Status.OPTIMAL):
            report = replace(sol.report, runtime_s=time.perf_counter() - t0)
            if report.bound is None or (bound is not None and bound > report.bound):
                report = replace(report, bound=bound)
            return _result(data, _moves(built, sol.values), report)
        why = f"MILP {sol.report.raw_status}: nothing better in the time limit"
    report = SolveReport(
        Status.OPTIMAL if proven else Status.FEASIBLE,
        f"LP relaxation rounded down ({why}; LP {lp.report.raw_status})",
        time.perf_counter() - t0,
        objective=objective,
        bound=bound,
        seed=params.seed,
        workers=params.workers,
        time_limit_s=params.time_limit_s,
    )
    return _result(data, moves, report)


def _columns(data: RebalanceData, built: _Built, moves: dict[tuple[int, int], int]) -> Array:
    """Every column's value at a set of transfers (a MILP start): x, w, y and u."""
    n_sites = len(data.site_ids)
    key = {(int(a), int(i)): k for k, (a, i) in enumerate(zip(built.lane, built.part, strict=True))}
    xv = np.zeros(len(built.x))
    for ai, q in moves.items():
        xv[key[ai]] = q
    n_w = len(built.model.cost) - len(built.x) - len(built.y) - len(built.u)
    wv = (xv > 0).astype(np.float64) if n_w else np.zeros(0)
    lane_used = np.zeros(len(data.lane_from), dtype=bool)
    lane_used[built.lane[xv > 0]] = True
    yv = lane_used[built.used_lanes].astype(np.float64)
    inflow = np.zeros(data.on_hand.size)
    np.add.at(inflow, built.part * n_sites + data.lane_to[built.lane], xv)
    uv = np.maximum(data.short.ravel()[built.short_at] - inflow[built.short_at], 0.0)
    return np.concatenate([xv, wv, yv, uv])


def _moves(
    built: _Built, values: Array, rounded: bool = False, min_quantity: int = 1
) -> dict[tuple[int, int], int]:
    """Transfers from column values: rounded to the nearest integer (a MILP solution), or down
    (the LP relaxation; then transfers left below the minimum quantity are dropped)."""
    xv = values[built.x]
    qty = np.floor(xv + 1e-6) if rounded else np.round(xv)
    qty = np.minimum(qty, built.upper).astype(np.int64)
    if rounded:
        qty[qty < min_quantity] = 0
    return {
        (int(a), int(i)): int(v)
        for a, i, v in zip(built.lane[qty > 0], built.part[qty > 0], qty[qty > 0], strict=True)
    }


def _repair(
    data: RebalanceData,
    built: _Built,
    values: Array,
    moves: dict[tuple[int, int], int],
) -> dict[tuple[int, int], int]:
    """Give back what rounding down took: the transfers the LP had fractional, largest fraction
    first, each raised to its LP value rounded up where the source's spare stock, the
    destination's shortage, the lane's capacity and the receiving volume still allow it and a
    unit saves more shortage penalty than it costs (plus the lane's fixed cost on an unused
    lane). Every row stays satisfied, so the plan stays feasible."""
    xv = values[built.x]
    frac = xv - np.floor(xv + 1e-6)
    cand = np.flatnonzero(frac > 1e-6)
    if len(cand) == 0:
        return moves
    cand = cand[np.argsort(-frac[cand], kind="stable")]
    out = dict(moves)
    n_sites = len(data.site_ids)
    spare = data.spare.astype(np.int64).ravel().copy()
    short = data.short.astype(np.int64).ravel().copy()
    lane_left = np.where(data.lane_capacity >= 0, data.lane_capacity, np.iinfo(np.int64).max)
    lane_left = lane_left.astype(np.int64)
    used = np.zeros(len(data.lane_from), dtype=bool)
    now = np.sum(data.on_hand * data.volume[:, None], axis=0)
    room = np.where(np.isfinite(data.site_volume), np.maximum(data.site_volume, now) - now, np.inf)
    for (a, i), q in out.items():
        spare[i * n_sites + data.lane_from[a]] -= q
        short[i * n_sites + data.lane_to[a]] -= q
        lane_left[a] -= q
        used[a] = True
        room[data.lane_to[a]] -= q * data.volume[i]
    lanes, parts = built.lane[cand].tolist(), built.part[cand].tolist()
    tops = np.ceil(xv[cand] - 1e-6).astype(np.int64).tolist()
    for a, i, top in zip(lanes, parts, tops, strict=True):
        have = out.get((a, i), 0)
        src, dst = i * n_sites + int(data.lane_from[a]), i * n_sites + int(data.lane_to[a])
        t = int(data.lane_to[a])
        vol = float(data.volume[i])
        add = min(top - have, int(spare[src]), int(short[dst]), int(lane_left[a]))
        if vol > 0 and np.isfinite(room[t]):
            add = min(add, int(max(float(room[t]), 0.0) // vol))
        if add <= 0 or have + add < data.min_quantity:
            continue
        gain = add * (float(data.penalty[i]) - float(data.lane_cost[a]))
        if gain <= (0.0 if used[a] else float(data.lane_fixed[a])):
            continue
        out[a, i] = have + add
        spare[src] -= add
        short[dst] -= add
        lane_left[a] -= add
        used[a] = True
        room[t] -= add * vol
    return out


def _objective(data: RebalanceData, built: _Built, moves: dict[tuple[int, int], int]) -> float:
    """The model's objective at a set of transfers (shortages only where a transfer reaches)."""
    if len(moves):
        keys = np.array(list(moves), dtype=np.int64)
        qty = np.array(list(moves.values()), dtype=np.int64)
    else:
        keys, qty = np.zeros((0, 2), dtype=np.int64), np.zeros(0, dtype=np.int64)
    lane, part = keys[:, 0], keys[:, 1]
    n_sites = len(data.site_ids)
    inflow = np.zeros(data.on_hand.size)
    np.add.at(inflow, part * n_sites + data.lane_to[lane], qty)
    short = data.short.ravel()[built.short_at] - inflow[built.short_at]
    penalty = data.penalty[built.short_at // n_sites]
    return float(
        np.sum(data.lane_cost[lane] * qty)
        + np.sum(data.lane_fixed[np.unique(lane)])
        + np.sum(penalty * np.maximum(short, 0.0))
    )


def largest_excess_to_largest_shortage(data: RebalanceData) -> RebalanceResult:
    """The common rule, per part: repeatedly send from the site with the largest excess to the
    site with the largest shortage that has a lane from it, as much as the lane, the source's
    excess, the shortage and the receiving volume allow (transfers below the minimum skipped)."""
    lane_of = {
        (int(f), int(t)): a
        for a, (f, t) in enumerate(zip(data.lane_from, data.lane_to, strict=True))
    }
    left = data.lane_capacity.astype(np.float64)
    left[left < 0] = np.inf
    volume_left = data.site_volume - np.sum(data.on_hand * data.volume[:, None], axis=0)
    spare, short = data.spare.copy(), data.short.copy()
    moves: dict[tuple[int, int], int] = defaultdict(int)
    for i in range(len(data.part_ids)):
        while True:
            sources = [int(s) for s in np.argsort(-spare[i], kind="stable") if spare[i, s] > 0]
            sinks = [int(s) for s in np.argsort(-short[i], kind="stable") if short[i, s] > 0]
            moved = False
            for f in sources[:1]:
                for t in sinks:
                    a = lane_of.get((f, t))
                    if a is None:
                        continue
                    room = np.inf
                    if np.isfinite(volume_left[t]) and data.volume[i] > 0:
                        room = max(volume_left[t], 0.0) // data.volume[i]
                    qty = int(min(spare[i, f], short[i, t], left[a], room))
                    if qty < data.min_quantity:
                        continue
                    moves[a, i] += qty
                    spare[i, f] -= qty
                    short[i, t] -= qty
                    left[a] -= qty
                    if np.isfinite(volume_left[t]):
                        volume_left[t] -= qty * data.volume[i]
                    moved = True
                    break
            if not moved:
                break
    return _result(data, dict(moves), SolveReport(Status.FEASIBLE, "greedy", 0.0))
