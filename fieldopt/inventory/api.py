"""``fieldopt.inventory.forecast/frontier/optimise/rebalance/whatif`` on a scenario.

Units: demand per year, waiting time in days per demand, money in the scenario's currency.
Objective everywhere: total expected backorders (EBO) at the sites where demand arises, which by
Little's law is Σλ times the mean waiting time for a part (a depot with its own demand counts its
customers' share λ/Λ of its backorders; the rest delay its vans). The network is the stocking tree
of ``fieldopt.translate.inventory`` (central → depots → vans, up to three echelons). Cost is
holding cost per year (Σ unit_cost x holding_rate x units) on the frontier, investment
(Σ unit_cost x units) for budgets.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace

import pandas as pd

from fieldopt.errors import NoPlanError
from fieldopt.inventory.forecast import (
    ForecastResult,
    forecast_frame,
    installed_base_rates,
)
from fieldopt.inventory.methods import METHOD_NAMES
from fieldopt.inventory.results import FrontierResult, RebalancePlan, StockingPlan, WhatifResult
from fieldopt.scenario import Scenario
from fieldopt.translate.inventory.network import Network, holding_data, rebalance_data
from fieldopt.translate.inventory.plans import (
    frontier_frame,
    frontier_result,
    kpis,
    no_solution,
    rebalance_plan,
    recommend,
    stocking_plan,
    whatif_row,
)
from fieldopt.translate.inventory.problem import (
    method_of,
    solve_options,
    stocking_network,
    stocking_problem,
)
from fieldopt.translate.inventory.variants import apply_variant, parse_variant
from solvers.inventory.data import Method
from solvers.inventory.solve import (
    StockingFrontier,
    solve_frontier,
    solve_rebalancing,
    solve_stocking,
)
from solvers.options import Progress, ProgressFn, SolveOptions, stop_requested

__all__ = ["forecast", "frontier", "optimise", "parse_variant", "rebalance", "whatif"]

OPTIMISE_TIME_LIMIT_S = 30.0
"""``optimise`` and ``rebalance`` without options: 30 s for the whole call, seed 0, one worker."""
FRONTIER_TIME_LIMIT_S = 300.0
"""``frontier`` and ``whatif`` (marginal analysis only) without options: 300 s."""


def forecast(
    scenario: Scenario,
    *,
    methods: Sequence[str] = METHOD_NAMES,
    holdout: int = 6,
    progress: ProgressFn | None = None,
) -> ForecastResult:
    """Demand per year per part and location: history series by the method with the least
    rolling one-step MAE over the last ``holdout`` months; installed base where no history.
    ``progress`` receives a :class:`~solvers.options.Progress` per series (``done``/``total``)."""
    hist = forecast_frame(scenario.demand_history, methods, holdout, _counter(scenario, progress))
    ib = installed_base_rates(scenario.installed_base, hist)
    frames = [f for f in (hist, ib) if len(f)]
    rates = pd.concat(frames, ignore_index=True) if frames else hist
    return ForecastResult(rates)


def _counter(scenario: Scenario, progress: ProgressFn | None) -> Callable[[int], None] | None:
    """``advance(n)`` reporting ``Progress(done, total)`` over the history's series."""
    if progress is None:
        return None
    total = int(scenario.demand_history.groupby(["location_id", "part_id"]).ngroups)
    t0, done = time.perf_counter(), [0]

    def advance(n: int) -> None:
        done[0] += n
        progress(Progress(time.perf_counter() - t0, done=done[0], total=total))

    return advance


def _rates(scenario: Scenario, rates: pd.DataFrame | ForecastResult | None) -> pd.DataFrame:
    if rates is None:
        return forecast(scenario).rates
    return rates.rates if isinstance(rates, ForecastResult) else rates


def _frontier(net: Network, method: Method, options: SolveOptions) -> StockingFrontier:
    """The holding-cost frontier of ``net``; a :class:`NoPlanError` without one."""
    sol = solve_frontier(holding_data(net), method, options)
    if sol.frontier is None:
        raise NoPlanError(no_solution(sol.report, "frontier"))
    return sol


def frontier(
    scenario: Scenario,
    *,
    rates: pd.DataFrame | ForecastResult | None = None,
    method: str = "metric",
    samples: int = 40,
    stockout_policy: str | None = None,
    options: SolveOptions | None = None,
) -> FrontierResult:
    """The efficient frontier of holding cost per year against waiting time for parts (and fill
    rate at ``samples`` points), today's stock and a recommended point on it. ``options``: the
    time limit for the whole call (default 300 s) and a progress callback (parts done)."""
    opts = solve_options(options, FRONTIER_TIME_LIMIT_S)
    m = method_of(method)
    net = stocking_network(scenario, _rates(scenario, rates), m, stockout_policy)
    return frontier_result(net, _frontier(net, m, opts), samples)


def optimise(
    scenario: Scenario,
    *,
    budget: float | None = None,
    target_fill_rate: float | None = None,
    waiting_cost_per_day: float | None = None,
    rates: pd.DataFrame | ForecastResult | None = None,
    method: str = "metric",
    side: bool | None = None,
    must_stock_critical: bool = False,
    stockout_policy: str | None = None,
    options: SolveOptions | None = None,
) -> StockingPlan:
    """Least total EBO for an investment ``budget``; or the least investment reaching
    ``target_fill_rate`` (demand-weighted over all parts and sites); or the least total cost per
    year, holding + emergency shipments + ``waiting_cost_per_day`` for each day a customer waits
    for a part.

    Marginal analysis (Sherbrooke) gives a frontier point (for a waiting cost, each part's units
    minimising its own total cost on its exact curve); with side constraints (van/site volumes,
    min/max levels, must-stock) — ``side=None`` means "if the scenario has any" — marginal
    analysis on the min/max-clipped curves when those are the only side constraints on two
    echelons (``optimiser="choice"``), the MILP (HiGHS) otherwise (``solve_stocking`` chooses).
    Marginal analysis and the MILP handle three echelons; the ``exact`` evaluator is two-echelon
    only (an input error on a deeper tree). ``options``: time limit for the whole call (default
    30 s), the MILP's seed and workers, progress (parts done by marginal analysis).
    """
    opts = solve_options(options, OPTIMISE_TIME_LIMIT_S)
    m = method_of(method)
    net = stocking_network(scenario, _rates(scenario, rates), m, stockout_policy)
    data, params = stocking_problem(
        scenario,
        net,
        m,
        budget=budget,
        target_fill_rate=target_fill_rate,
        waiting_cost_per_day=waiting_cost_per_day,
        side=side,
        must_stock_critical=must_stock_critical,
    )
    res = solve_stocking(data, params, opts)
    if not res.report.status.has_solution:
        raise NoPlanError(no_solution(res.report, f"stocking ({res.optimiser or 'marginal'})"))
    return stocking_plan(
        scenario.name,
        net,
        res,
        m,
        budget=budget,
        target_fill_rate=target_fill_rate,
        waiting_cost_per_day=waiting_cost_per_day,
        stockout_policy=stockout_policy,
    )


def rebalance(
    scenario: Scenario,
    *,
    min_quantity: int = 1,
    penalty: dict[str, float] | None = None,
    options: SolveOptions | None = None,
) -> RebalancePlan:
    """Transfers moving today's stock towards the targets of ``stock.csv`` at least cost.
    ``options``: the MILP's time limit (default 30 s), seed and workers."""
    opts = solve_options(options, OPTIMISE_TIME_LIMIT_S)
    data = rebalance_data(scenario, min_quantity, penalty)
    sol = solve_rebalancing(data, opts)
    if not sol.report.status.has_solution:
        raise NoPlanError(no_solution(sol.report, "rebalancing MILP"))
    return rebalance_plan(scenario.name, data, sol)


def whatif(
    scenario: Scenario,
    variants: Sequence[str],
    *,
    rates: pd.DataFrame | ForecastResult | None = None,
    method: str = "metric",
    samples: int = 25,
    stockout_policy: str | None = None,
    options: SolveOptions | None = None,
) -> WhatifResult:
    """The base frontier and one per variant (each variant applied alone), overlaid.
    ``options``: the time limit for all frontiers together (default 300 s), progress."""
    opts = solve_options(options, FRONTIER_TIME_LIMIT_S)
    t0 = time.perf_counter()
    m = method_of(method)
    r = _rates(scenario, rates)
    base = stocking_network(scenario, r, m, stockout_policy)
    parsed = [parse_variant(v) for v in variants]

    def frontier_of(net: Network) -> tuple[StockingFrontier, pd.DataFrame]:
        left = max(opts.time_limit_s - (time.perf_counter() - t0), 1e-3)
        sol = _frontier(net, m, replace(opts, time_limit_s=left))
        return sol, frontier_frame(net, sol, samples)

    base_sol, base_points = frontier_of(base)
    current = kpis(base, base.current, m)
    rec = recommend(base, base_sol, base_points, current)
    frontiers = {"base": base_points}
    rows = []
    for text, key, value in parsed:
        if stop_requested():  # the variants done so far; the command writes none of them
            break
        _, pts = frontier_of(apply_variant(scenario, base, r, key, value))
        frontiers[text] = pts
        rows.append(whatif_row(text, pts, rec))
    base_row = {
        "variant": "base",
        "holding_cost_for_base_waiting": rec["holding_cost_per_year"],
        "waiting_days_at_base_cost": rec["waiting_days"],
    }
    comparison = pd.DataFrame([base_row, *rows])
    return WhatifResult(
        frontiers, comparison, {"current stock": current, "recommended (base)": rec}
    )
