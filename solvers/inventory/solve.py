"""The inventory solvers' entry points: one call per question, each choosing its algorithm.

- :func:`solve_stocking`: stock levels for a budget, a fill-rate target or a value of EBO.
  Marginal analysis (``solvers.inventory.marginal``) first; with side constraints, the clipped
  marginal analysis when only min/max levels bind on two echelons (``solvers.inventory.choice``),
  the MILP otherwise (``solvers.inventory.milp``, started from the marginal plan).
- :func:`solve_frontier`: the efficient frontier of cost against EBO, with the stock at any point.
- :func:`solve_rebalancing`: least-cost transfers, and the "largest excess to largest shortage"
  rule on the same data for comparison.

Each takes a :class:`~solvers.options.SolveOptions`; its time limit covers the whole call
(marginal analysis checks the clock after every block of parts and gives up with status
``timeout-without-solution``; the MILP gets the time that is left). ``options.progress``
receives a :class:`~solvers.options.Progress` per block of parts (``done`` / ``total`` parts).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from solvers.inventory.choice import choice_applies, solve_stocking_choice
from solvers.inventory.data import Method, StockingData
from solvers.inventory.evaluate import evaluate
from solvers.inventory.lp import LpParams
from solvers.inventory.marginal import (
    Frontier,
    FrontierParams,
    PartCurves,
    _merge,
    allocate,
    least_cost_units,
    part_curves,
    value_tail,
)
from solvers.inventory.milp import SideConstraints, StockingResult, solve_stocking_milp
from solvers.inventory.rebalance import (
    RebalanceData,
    RebalanceResult,
    largest_excess_to_largest_shortage,
    solve_rebalance,
)
from solvers.options import Progress, SolveOptions, stop_requested
from solvers.result import SolveReport, Status

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]

MIN_MILP_TIME_S = 0.05
"""The least time the MILP is given when marginal analysis used up (nearly) all of the limit."""


def _empty_f() -> Array:
    return np.zeros(0)


def _empty_i() -> IntArray:
    return np.zeros((0, 0), dtype=np.int64)


@dataclass(frozen=True)
class StockingLimits:
    """What marginal analysis cannot carry, without the objective: ``volume[part]`` litres per
    unit with ``site_volume[site]`` litres (NaN: no cap), ``site_budget[site]`` money per site,
    ``min_level`` / ``max_level`` ``[part, site]`` (max -1 = none). Empty arrays mean "none"."""

    volume: Array = field(default_factory=_empty_f)
    site_volume: Array = field(default_factory=_empty_f)
    site_budget: Array = field(default_factory=_empty_f)
    min_level: IntArray = field(default_factory=_empty_i)
    max_level: IntArray = field(default_factory=_empty_i)

    @property
    def binding(self) -> bool:
        """True when any limit is set (a min level above 0, a max level, a finite cap)."""
        return bool(
            np.any(self.min_level > 0)
            or np.any(self.max_level >= 0)
            or np.any(np.isfinite(self.site_volume))
            or np.any(np.isfinite(self.site_budget))
        )

    def floor(self, unit_cost: Array) -> float:
        """What the min levels cost:  Σ_ij c_i m_ij."""
        if not self.min_level.size:
            return 0.0
        return float(np.sum(self.min_level * unit_cost[:, None]))


@dataclass(frozen=True)
class StockingParams:
    """What to optimise. Exactly one objective:

    - ``budget`` B: least total EBO with investment Σ c_i s_ij ≤ B;
    - ``target_fill_rate`` f: least investment whose demand-weighted fill rate reaches f (the
      first frontier point reaching it; with side constraints, no more EBO than that point);
    - ``ebo_value`` v: least Σ c_i h_i s_ij + v EBO (``holding_rate`` h per part; in the data's
      own time unit, e.g. v = money per backorder-year).

    ``limits``: side constraints (``None``: marginal analysis alone). ``tail_ebo``: stop stocking
    a part once its EBO is below this (the ``ebo_value`` mode narrows it so no unit beyond pays).
    """

    method: Method = "metric"
    budget: float | None = None
    target_fill_rate: float | None = None
    ebo_value: float | None = None
    holding_rate: Array = field(default_factory=_empty_f)
    limits: StockingLimits | None = None
    tail_ebo: float = 1e-4

    def __post_init__(self) -> None:
        given = [x is not None for x in (self.budget, self.target_fill_rate, self.ebo_value)]
        if sum(given) != 1:
            raise ValueError(
                "StockingParams: give exactly one of budget, target_fill_rate and ebo_value"
            )
        if self.budget is not None and not self.budget >= 0:
            raise ValueError(f"StockingParams: field budget: must be >= 0, got {self.budget}")
        if self.target_fill_rate is not None and not 0 < self.target_fill_rate < 1:
            raise ValueError(
                "StockingParams: field target_fill_rate: must be in (0, 1), "
                f"got {self.target_fill_rate}"
            )
        if self.ebo_value is not None and not (np.isfinite(self.ebo_value) and self.ebo_value > 0):
            raise ValueError(f"StockingParams: field ebo_value: must be > 0, got {self.ebo_value}")


class _OutOfTime(Exception):
    """Raised by the progress hook when the time limit has passed (caught in this module)."""


@dataclass
class _Clock:
    """The call's start and deadline; ``tick`` reports progress and stops past the deadline."""

    options: SolveOptions
    total: int
    t0: float = field(default_factory=time.perf_counter)
    done: int = 0

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.t0

    @property
    def left(self) -> float:
        return self.options.time_limit_s - self.elapsed

    def tick(self, n: int) -> None:
        self.done += n
        self.options.report(Progress(self.elapsed, done=self.done, total=self.total))
        if self.done < self.total and (self.left <= 0 or stop_requested()):
            raise _OutOfTime

    def report(self, status: Status, raw: str, objective: float | None = None) -> SolveReport:
        return SolveReport(
            status,
            raw,
            self.elapsed,
            objective=objective,
            seed=self.options.seed,
            workers=self.options.workers,
            time_limit_s=self.options.time_limit_s,
        )

    def lp_params(self) -> LpParams:
        """The MILP's limits: the time left (at least ``MIN_MILP_TIME_S``), seed, workers."""
        return LpParams(max(self.left, MIN_MILP_TIME_S), self.options.seed, self.options.workers)


def _timeout(clock: _Clock, n_parts: int, n_sites: int, what: str) -> StockingResult:
    raw = f"{what}: time limit {clock.options.time_limit_s:g} s reached after {clock.done} of "
    raw += f"{clock.total} parts"
    return StockingResult(
        np.zeros((n_parts, n_sites), dtype=np.int64),
        float("nan"),
        0.0,
        clock.report(Status.TIMEOUT, raw),
        optimiser="marginal",
    )


def fill_rate(data: StockingData, stock: IntArray, method: Method) -> float:
    """Demand-weighted fill rate over the sites where demand arises:  Σ λ_ij F_ij / Σ λ_ij."""
    ev = evaluate(data, stock, method)
    lam = data.demand_rate[:, data.bases]
    total = float(lam.sum())
    return float(np.sum(lam * ev.fill) / total) if total > 0 else 1.0


def _first_point_reaching(
    data: StockingData, fr: Frontier, method: Method, target: float
) -> tuple[int, float]:
    """The first frontier point whose fill rate reaches ``target`` (binary search: the fill rate
    grows along the frontier), or ``-1`` with the best fill rate when none does."""
    lo, hi = 0, len(fr.cost) - 1

    def fill(t: int) -> float:
        return fill_rate(data, allocate(data, fr.curves, fr.units_at(t), method), method)

    best = fill(hi)
    if best < target:
        return -1, best
    while lo < hi:
        mid = (lo + hi) // 2
        if fill(mid) >= target:
            hi = mid
        else:
            lo = mid + 1
    return lo, best


def _marginal(
    data: StockingData, params: StockingParams, clock: _Clock
) -> tuple[StockingResult, PartCurves, FrontierParams]:
    """The plan of marginal analysis alone: a frontier point (budget, fill rate) or each part's
    least-cost units on its exact curve (``ebo_value``)."""
    m = params.method
    if params.ebo_value is not None:
        yearly = data.unit_cost * params.holding_rate
        fp = FrontierParams(
            method=m, tail_ebo=value_tail(data, yearly, params.ebo_value, params.tail_ebo)
        )
        curves = part_curves(data, fp, clock.tick)
        stock = allocate(data, curves, least_cost_units(curves, yearly, params.ebo_value), m)
        how = "marginal analysis: least cost per part on its exact curve"
    else:
        fp = FrontierParams(method=m, tail_ebo=params.tail_ebo)
        curves = part_curves(data, fp, clock.tick)
        fr = _merge(curves, data.unit_cost, clock.t0)
        if params.budget is not None:
            point = fr.point_for_budget(params.budget)
        else:
            assert params.target_fill_rate is not None
            point, best = _first_point_reaching(data, fr, m, params.target_fill_rate)
            if point < 0:
                raw = f"no frontier point reaches fill rate {params.target_fill_rate} "
                raw += f"(best {best:.4f})"
                empty = np.zeros(data.demand_rate.shape, dtype=np.int64)
                res = StockingResult(
                    empty, float("nan"), 0.0, clock.report(Status.INFEASIBLE, raw), "marginal"
                )
                return res, curves, fp
        stock = allocate(data, curves, fr.units_at(point), m)
        how = "marginal analysis: frontier point"
    ev = evaluate(data, stock, m).total_ebo
    investment = float(np.sum(stock * data.unit_cost[:, None]))
    res = StockingResult(stock, ev, investment, clock.report(Status.OPTIMAL, how), "marginal")
    return res, curves, fp


def solve_stocking(
    data: StockingData, params: StockingParams, options: SolveOptions
) -> StockingResult:
    """Stock levels ``[part, site]`` for ``params``' objective, by the algorithm that fits:

    1. marginal analysis (every frontier point is optimal for its cost; with ``ebo_value`` each
       part's exact curve minimised on its own);
    2. with ``params.limits``: when only min/max levels bind on at most two echelons, marginal
       analysis on the clipped curves (``optimiser="choice"``); otherwise the MILP over convex
       piecewise-linear EBO curves, hinted with the marginal plan (``optimiser="milp"``). A
       fill-rate target becomes "no more EBO than the marginal plan reaching it".

    A result without a solution (``report.status.has_solution`` false) has zero stock and NaN EBO;
    its raw status says why (no point reaching the target, time limit, MILP status).
    """
    n_parts, n_sites = data.demand_rate.shape
    clock = _Clock(options, n_parts)
    try:
        res, curves, fp = _marginal(data, params, clock)
    except _OutOfTime:
        return _timeout(clock, n_parts, n_sites, "marginal analysis")
    if params.limits is None or not res.report.status.has_solution:
        return res
    target_ebo = None if params.target_fill_rate is None else res.total_ebo
    side = _side_constraints(params, params.limits, target_ebo)
    m = params.method
    if choice_applies(data, side):
        choice = solve_stocking_choice(data, side, m, fp)
        return replace(choice, optimiser="choice")
    milp = solve_stocking_milp(
        data,
        side,
        clock.lp_params(),
        m,
        curves,
        res.stock[:, data.root],
        stock_hint=res.stock,
    )
    return replace(milp, report=replace(milp.report, runtime_s=clock.elapsed), optimiser="milp")


def _side_constraints(
    params: StockingParams, limits: StockingLimits, target_ebo: float | None
) -> SideConstraints:
    value = params.ebo_value
    return SideConstraints(
        budget=params.budget,
        target_ebo=target_ebo,
        ebo_value=value,
        holding_rate=params.holding_rate if value is not None else np.zeros(0),
        volume=limits.volume,
        site_volume=limits.site_volume,
        site_budget=limits.site_budget,
        min_level=limits.min_level,
        max_level=limits.max_level,
    )


@dataclass(frozen=True)
class StockingFrontier:
    """The efficient frontier (``frontier.cost[t]``, ``frontier.ebo[t]``, cheapest first) and
    what is needed to read any point back as stock levels (:meth:`stock_at`). Without a
    solution (time limit) ``frontier`` is ``None``."""

    data: StockingData
    method: Method
    frontier: Frontier | None
    report: SolveReport

    def stock_at(self, point: int) -> IntArray:
        """Stock levels ``[part, site]`` at frontier point ``point``."""
        if self.frontier is None:
            raise ValueError("StockingFrontier: no frontier (the solve found none)")
        fr = self.frontier
        return allocate(self.data, fr.curves, fr.units_at(point), self.method)


def solve_frontier(
    data: StockingData, method: Method, options: SolveOptions, tail_ebo: float = 1e-4
) -> StockingFrontier:
    """The whole efficient frontier of ``data.unit_cost`` against total EBO by marginal
    analysis (give ``unit_cost`` x holding rate for holding cost per time unit)."""
    clock = _Clock(options, len(data.part_ids))
    fp = FrontierParams(method=method, tail_ebo=tail_ebo)
    try:
        curves = part_curves(data, fp, clock.tick)
    except _OutOfTime:
        raw = f"marginal analysis: time limit {options.time_limit_s:g} s reached after "
        raw += f"{clock.done} of {clock.total} parts"
        return StockingFrontier(data, method, None, clock.report(Status.TIMEOUT, raw))
    fr = _merge(curves, data.unit_cost, clock.t0)
    report = clock.report(Status.OPTIMAL, "marginal analysis: frontier")
    return StockingFrontier(data, method, fr, report)


@dataclass(frozen=True)
class Rebalancing:
    """The MILP's transfers and, on the same data, the "largest excess to largest shortage"
    rule's (for comparison)."""

    result: RebalanceResult
    baseline: RebalanceResult

    @property
    def report(self) -> SolveReport:
        return self.result.report


def solve_rebalancing(data: RebalanceData, options: SolveOptions) -> Rebalancing:
    """Least-cost transfers within ``options.time_limit_s`` (``solve_rebalance``), and the
    baseline rule's transfers on the same data."""
    params = LpParams(options.time_limit_s, options.seed, options.workers)
    return Rebalancing(solve_rebalance(data, params), largest_excess_to_largest_shortage(data))
