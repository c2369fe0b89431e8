"""A user's question (evaluator, stock-out policy, objective, side constraints) as solver data
and parameters; every bad option is an :class:`InputError` naming the option."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from fieldopt.errors import InputError, Problem
from fieldopt.scenario import Scenario
from fieldopt.translate.inventory.network import (
    DAYS_PER_YEAR,
    Network,
    network,
    stocking_limits,
    valued,
    with_policy,
)
from fieldopt.translate.stockout import POLICIES
from solvers.inventory.data import METHODS, Method, StockingData
from solvers.inventory.solve import StockingParams
from solvers.options import SolveOptions


def bad_option(message: str, field: str, code: str = "bad_option") -> InputError:
    return InputError([Problem("error", code, "options", message, field=field)])


def method_of(method: str) -> Method:
    """``method`` as an evaluator name, or an input error listing them."""
    if method not in METHODS:
        raise bad_option(f"method {method!r}: one of {METHODS}", "method")
    return method


def solve_options(options: SolveOptions | None, default_time_limit_s: float = 30.0) -> SolveOptions:
    """``options``, or the model's default (``default_time_limit_s``, seed 0, one worker)."""
    return SolveOptions(default_time_limit_s) if options is None else options


def stocking_network(
    scenario: Scenario, rates: pd.DataFrame, method: Method, policy: str | None = None
) -> Network:
    """The stocking network; an input error when the method cannot evaluate its depth.
    ``policy`` overrides the scenario's stock-out policy at every site serving customers."""
    net = network(scenario, rates)
    if policy is not None:
        if policy not in POLICIES:
            raise bad_option(
                f"stock-out policy {policy!r}: one of {', '.join(POLICIES)}", "stockout_policy"
            )
        net = with_policy(scenario, net, policy)
    if method == "exact" and net.data.echelons > 2:
        deep = net.data.site_ids[int(np.flatnonzero(net.data.depth > 1)[0])]
        raise bad_option(
            f"method 'exact' handles two echelons only, but {deep} is stocked below a "
            "depot: use metric or vari-metric",
            "method",
        )
    return net


def check_objective(
    budget: float | None, target_fill_rate: float | None, waiting_cost_per_day: float | None
) -> None:
    """Exactly one objective, each within its range."""
    given = [x is not None for x in (budget, target_fill_rate, waiting_cost_per_day)]
    if sum(given) != 1:
        raise bad_option(
            "give exactly one of budget, target fill rate and waiting cost per day", "budget"
        )
    if budget is not None and not budget >= 0:
        raise bad_option(f"budget must be >= 0, got {budget}", "budget")
    if target_fill_rate is not None and not 0 < target_fill_rate < 1:
        raise bad_option("target fill rate must be in (0, 1)", "target_fill_rate")
    if waiting_cost_per_day is not None and not (
        math.isfinite(waiting_cost_per_day) and waiting_cost_per_day > 0
    ):
        raise bad_option(
            f"waiting cost per day must be > 0, got {waiting_cost_per_day}", "waiting_cost_per_day"
        )


def stocking_problem(
    scenario: Scenario,
    net: Network,
    method: Method,
    *,
    budget: float | None = None,
    target_fill_rate: float | None = None,
    waiting_cost_per_day: float | None = None,
    side: bool | None = None,
    must_stock_critical: bool = False,
) -> tuple[StockingData, StockingParams]:
    """The data and parameters of ``solve_stocking``. A waiting cost per day V becomes the
    value of a backorder-year 365 V, with emergency shipments priced into the waiting time
    (:func:`valued`). Side constraints (min/max levels, volumes, must-stock) apply when ``side``
    is true, or when ``side`` is ``None`` and the scenario has any; a budget below what the min
    levels already cost is an input error."""
    check_objective(budget, target_fill_rate, waiting_cost_per_day)
    value = None if waiting_cost_per_day is None else waiting_cost_per_day * DAYS_PER_YEAR
    data = net.data if value is None else valued(net, value)
    limits = stocking_limits(scenario, net, must_stock_critical=must_stock_critical)
    if side is None:
        side = limits.binding
    floor = limits.floor(net.data.unit_cost)
    if side and budget is not None and floor > budget + 1e-9:
        raise bad_option(
            f"budget {budget:,.2f} is below the {floor:,.2f} the min levels of "
            "stock.csv already cost (use --no-side to ignore them)",
            "budget",
            "budget_below_min_levels",
        )
    params = StockingParams(
        method=method,
        budget=budget,
        target_fill_rate=target_fill_rate,
        ebo_value=value,
        holding_rate=net.holding_rate,
        limits=limits if side else None,
    )
    return data, params
