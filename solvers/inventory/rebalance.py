"""Rebalancing transfers between stocking sites: a PuLP MILP (HiGHS), and the common rule
"largest excess to largest shortage" as a baseline on the same data.

Minimise  Σ_a Σ_i c_a x_ai + Σ_a F_a y_a + Σ_il π_i u_il
subject to shortage, source safety, lane capacity/use, minimum quantity and receiving-volume
families (``solvers.inventory.model``). A source only gives stock above both its target and its
safety level; a destination only receives while below its target.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pulp
from numpy.typing import NDArray

from solvers.inventory.lp import LpParams, new_var, solve_problem
from solvers.inventory.model import (
    add_flow_balance,
    add_lane_use,
    add_min_quantity,
    add_site_capacity_after,
    add_source_safety,
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


def solve_rebalance(data: RebalanceData, params: LpParams) -> RebalanceResult:
    """Least-cost transfers (MILP). Variables exist only for a part on a lane from a site with
    spare stock to a site short of it, so the model grows with the imbalance, not P x L^2."""
    spare, short = data.spare, data.short
    prob = pulp.LpProblem("rebalance", pulp.LpMinimize)
    x: dict[tuple[int, int], pulp.LpVariable] = {}
    by_lane: dict[int, list[pulp.LpVariable]] = defaultdict(list)
    inflow: dict[tuple[int, int], list[pulp.LpVariable]] = defaultdict(list)
    outflow: dict[tuple[int, int], list[pulp.LpVariable]] = defaultdict(list)
    objective: list[pulp.LpAffineExpression] = []
    q = data.min_quantity
    for a in range(len(data.lane_from)):
        f, t = int(data.lane_from[a]), int(data.lane_to[a])
        parts = np.flatnonzero((spare[:, f] > 0) & (short[:, t] > 0))
        if q > 1:
            parts = parts[np.minimum(spare[parts, f], short[parts, t]) >= q]
        for i in parts.tolist():
            upper = int(min(spare[i, f], short[i, t]))
            var = new_var(prob, f"x_{a}_{i}", 0, upper, "Integer")
            x[a, i] = var
            by_lane[a].append(var)
            inflow[i, t].append(var)
            outflow[i, f].append(var)
            objective.append(float(data.lane_cost[a]) * var)
            if q > 1:
                on = new_var(prob, f"w_{a}_{i}", None, None, "Binary")
                add_min_quantity(prob, f"{a}_{i}", var, on, q, upper)
    for a, flows in by_lane.items():
        used = new_var(prob, f"y_{a}", None, None, "Binary")
        cap = int(data.lane_capacity[a])
        total = sum(int(v.upBound) for v in flows)
        add_lane_use(prob, str(a), flows, used, total if cap < 0 else min(cap, total))
        objective.append(float(data.lane_fixed[a]) * used)
    for (i, t), flows in inflow.items():
        u = new_var(prob, f"u_{i}_{t}", 0, None)
        add_flow_balance(
            prob, f"{i}_{t}", int(data.on_hand[i, t]), int(data.target[i, t]), flows, [], u
        )
        objective.append(float(data.penalty[i]) * u)
    for (i, f), flows in outflow.items():
        add_source_safety(prob, f"{i}_{f}", int(spare[i, f]), flows)
    for t in range(len(data.site_ids)):
        site_cap = float(data.site_volume[t])
        if not np.isfinite(site_cap):
            continue
        incoming = [
            (float(data.volume[i]), v) for (i, tt), vs in inflow.items() if tt == t for v in vs
        ]
        if incoming:
            now = float(np.sum(data.on_hand[:, t] * data.volume))
            add_site_capacity_after(prob, data.site_ids[t], now, incoming, [], site_cap)
    # constant part of the shortage penalty: shortages no lane can reach
    prob += pulp.lpSum(objective)
    if not x:
        report = SolveReport(Status.OPTIMAL, "no candidate transfer", 0.0, objective=0.0)
        return _result(data, {}, report)
    report = solve_problem(prob, params)
    moves: dict[tuple[int, int], int] = {}
    if report.status.has_solution:
        moves = {k: round(v.value() or 0.0) for k, v in x.items()}
    return _result(data, moves, report)


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
