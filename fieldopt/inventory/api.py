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

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from fieldopt.errors import InputError, NoPlanError, Problem
from fieldopt.inventory.forecast import (
    ForecastResult,
    forecast_frame,
    installed_base_rates,
)
from fieldopt.inventory.methods import METHOD_NAMES
from fieldopt.inventory.results import FrontierResult, RebalancePlan, StockingPlan, WhatifResult
from fieldopt.scenario import Scenario
from fieldopt.translate.inventory import (
    DAYS_PER_YEAR,
    Network,
    floats,
    network,
    rebalance_data,
    side_constraints,
)
from fieldopt.translate.stockout import POLICIES, POLICY_KEY, stockout_policy
from solvers.inventory.choice import choice_applies, solve_stocking_choice
from solvers.inventory.data import METHODS, Method, StockingData
from solvers.inventory.evaluate import evaluate
from solvers.inventory.lp import LpParams
from solvers.inventory.marginal import (
    Frontier,
    FrontierParams,
    allocate,
    least_cost_units,
    part_curves,
    value_tail,
)
from solvers.inventory.marginal import frontier as solve_frontier
from solvers.inventory.milp import solve_stocking_milp
from solvers.inventory.rebalance import largest_excess_to_largest_shortage, solve_rebalance
from solvers.result import SolveReport, Status

Progress = Callable[[int], None] | None


def forecast(
    scenario: Scenario,
    *,
    methods: Sequence[str] = METHOD_NAMES,
    holdout: int = 6,
    progress: Progress = None,
) -> ForecastResult:
    """Demand per year per part and location: history series by the method with the least
    rolling one-step MAE over the last ``holdout`` months; installed base where no history."""
    hist = forecast_frame(scenario.demand_history, methods, holdout, progress)
    ib = installed_base_rates(scenario.installed_base, hist)
    frames = [f for f in (hist, ib) if len(f)]
    rates = pd.concat(frames, ignore_index=True) if frames else hist
    return ForecastResult(rates)


def _method(method: str) -> Method:
    if method not in METHODS:
        raise InputError(
            [
                Problem(
                    "error",
                    "bad_option",
                    "options",
                    f"method {method!r}: one of {METHODS}",
                    field="method",
                )
            ]
        )
    return method


def _bad_option(message: str, field: str) -> InputError:
    return InputError([Problem("error", "bad_option", "options", message, field=field)])


def _network(
    scenario: Scenario, rates: pd.DataFrame, method: Method, policy: str | None = None
) -> Network:
    """The stocking network; an input error when the method cannot evaluate its depth.
    ``policy`` overrides the scenario's stock-out policy at every site serving customers."""
    net = network(scenario, rates)
    if policy is not None:
        if policy not in POLICIES:
            raise _bad_option(
                f"stock-out policy {policy!r}: one of {', '.join(POLICIES)}", "stockout_policy"
            )
        net = _with_policy(scenario, net, policy)
    if method == "exact" and net.data.echelons > 2:
        deep = net.data.site_ids[int(np.flatnonzero(net.data.depth > 1)[0])]
        raise InputError(
            [
                Problem(
                    "error",
                    "bad_option",
                    "options",
                    f"method 'exact' handles two echelons only, but {deep} is stocked below a "
                    "depot: use metric or vari-metric",
                    field="method",
                )
            ]
        )
    return net


def _rates(scenario: Scenario, rates: pd.DataFrame | ForecastResult | None) -> pd.DataFrame:
    if rates is None:
        return forecast(scenario).rates
    return rates.rates if isinstance(rates, ForecastResult) else rates


def kpis(net: Network, stock: np.ndarray, method: Method) -> dict[str, float]:
    """Investment, holding cost per year, total EBO, waiting days per demand, fill rate, and the
    emergency shipments per year with their cost (zero where every site backorders)."""
    data = net.data
    ev = evaluate(data, stock, method)
    lam = data.demand_rate[:, data.bases]
    total = float(lam.sum())
    holding = float(np.sum(stock * (data.unit_cost * net.holding_rate)[:, None]))
    shipped = lam * ev.emergency
    emergency_cost = float(np.sum(shipped * net.emergency_cost[data.bases]))
    return {
        "investment": float(np.sum(stock * data.unit_cost[:, None])),
        "holding_cost_per_year": holding,
        "total_ebo": ev.total_ebo,
        "waiting_days": ev.total_ebo / total * DAYS_PER_YEAR if total > 0 else 0.0,
        "fill_rate": float(np.sum(lam * ev.fill) / total) if total > 0 else 1.0,
        "emergency_per_year": float(shipped.sum()),
        "emergency_cost_per_year": emergency_cost,
        "total_cost_per_year": holding + emergency_cost,
    }


def levels_frame(net: Network, stock: np.ndarray, method: Method) -> pd.DataFrame:
    """One row per part and stocking site of the plan."""
    data = net.data
    ev = evaluate(data, stock, method)
    n_parts, n_sites = stock.shape
    ebo = np.zeros(stock.shape)
    fill = np.ones(stock.shape)
    emergency = np.zeros(stock.shape)
    ebo[:, data.bases] = ev.ebo
    fill[:, data.bases] = ev.fill
    emergency[:, data.bases] = ev.emergency
    lam = data.demand_rate
    frame = pd.DataFrame(
        {
            "part_id": np.repeat(data.part_ids, n_sites),
            "location_id": np.tile(data.site_ids, n_parts),
            "stock": stock.ravel(),
            "current": net.current.ravel(),
            "demand_per_year": lam.ravel(),
            "ebo": ebo.ravel(),
            "fill_rate": np.where(lam.ravel() > 0, fill.ravel(), np.nan),
            "waiting_days": np.where(
                lam.ravel() > 0,
                ebo.ravel() / np.where(lam > 0, lam, 1).ravel() * DAYS_PER_YEAR,
                np.nan,
            ),
            "emergency_share": np.where(lam.ravel() > 0, emergency.ravel(), np.nan),
            "unit_cost": np.repeat(data.unit_cost, n_sites),
        }
    )
    return frame[(frame["stock"] > 0) | (frame["demand_per_year"] > 0) | (frame["current"] > 0)]


def _holding_data(net: Network) -> StockingData:
    # the frontier trades EBO against holding cost per year, so "unit cost" is c_i x h_i there
    return replace(net.data, unit_cost=net.data.unit_cost * net.holding_rate)


def _frontier_frame(net: Network, fr: Frontier, method: Method, samples: int) -> pd.DataFrame:
    data = net.data
    units_cum = (
        np.zeros((len(fr.cost), data.demand_rate.shape[0]), dtype=np.int64)
        if len(fr.cost) < 2000
        else None
    )
    lam_total = float(data.demand_rate[:, data.bases].sum())
    frame = pd.DataFrame(
        {
            "holding_cost_per_year": fr.cost,
            "total_ebo": fr.ebo,
            "waiting_days": fr.ebo / lam_total * DAYS_PER_YEAR if lam_total > 0 else 0.0,
        }
    )
    del units_cum
    # investment along the path: each step moves one part to a new unit count (its previous
    # step's, or 0 before its first)
    by_part = np.argsort(fr.step_part, kind="stable")
    part_sorted = fr.step_part[by_part]
    units_sorted = fr.step_units[by_part]
    prev_sorted = np.concatenate([[0], units_sorted[:-1]]).astype(np.int64)
    prev_sorted[np.concatenate([[True], part_sorted[1:] != part_sorted[:-1]])] = 0
    delta = np.zeros(len(by_part), dtype=np.int64)
    delta[by_part] = units_sorted - prev_sorted
    step_cost = data.unit_cost[fr.step_part] * delta.astype(np.float64)
    invest = np.concatenate([[0.0], np.cumsum(step_cost)])
    frame.insert(0, "investment", invest)
    sampled = ("fill_rate", "emergency_per_year", "emergency_cost_per_year")
    for col in sampled:
        frame[col] = np.nan
    picks = np.unique(np.linspace(0, len(fr.cost) - 1, min(samples, len(fr.cost))).astype(int))
    for t in picks:
        stock = allocate(data, fr.curves, fr.units_at(int(t)), method)
        k = kpis(net, stock, method)
        for col in sampled:
            frame.loc[t, col] = k[col]
    return frame


def _frontier_of(
    net: Network, method: Method, samples: int, progress: Progress
) -> tuple[Frontier, pd.DataFrame]:
    fr = solve_frontier(_holding_data(net), FrontierParams(method=method), progress)
    return fr, _frontier_frame(net, fr, method, samples)


def frontier(
    scenario: Scenario,
    *,
    rates: pd.DataFrame | ForecastResult | None = None,
    method: str = "metric",
    samples: int = 40,
    stockout_policy: str | None = None,
    progress: Progress = None,
) -> FrontierResult:
    """The efficient frontier of holding cost per year against waiting time for parts (and fill
    rate at ``samples`` points), today's stock and a recommended point on it."""
    t0 = time.perf_counter()
    m = _method(method)
    net = _network(scenario, _rates(scenario, rates), m, stockout_policy)
    _, points = _frontier_of(net, m, samples, progress)
    current = kpis(net, net.current, m)
    rec = _recommend(net, points, current, m)
    return FrontierResult(points, current, rec, m, time.perf_counter() - t0)


def _recommend(
    net: Network, points: pd.DataFrame, current: dict[str, float], method: Method
) -> dict[str, float]:
    ok = np.flatnonzero(points["waiting_days"].to_numpy() <= current["waiting_days"] + 1e-12)
    at = int(ok[0]) if len(ok) else len(points) - 1
    row = points.iloc[at]
    out = {
        k: float(row[k])
        for k in ("investment", "holding_cost_per_year", "total_ebo", "waiting_days")
    }
    sampled = {
        k: float(row[k]) for k in ("fill_rate", "emergency_per_year", "emergency_cost_per_year")
    }
    if math.isnan(sampled["fill_rate"]):
        fr = solve_frontier(_holding_data(net), FrontierParams(method=method))
        stock = allocate(net.data, fr.curves, fr.units_at(at), method)
        k = kpis(net, stock, method)
        sampled = {name: k[name] for name in sampled}
    out.update(sampled)
    out["total_cost_per_year"] = out["holding_cost_per_year"] + out["emergency_cost_per_year"]
    out["point"] = float(at)
    return out


def _valued(net: Network, ebo_value: float) -> StockingData:
    """The data the least-total-cost optimisers see: at emergency sites T_e + cost / v, so that
    v x EBO carries both the customers' waiting and the shipments' cost (v λ B T_e + λ B cost)."""
    data = net.data
    extra = np.where(data.emergency, net.emergency_cost / ebo_value, 0.0)
    return replace(data, emergency_time=data.emergency_time + extra)


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
    time_limit_s: float = 30.0,
    seed: int = 0,
    workers: int = 1,
    progress: Progress = None,
) -> StockingPlan:
    """Least total EBO for an investment ``budget``; or the least investment reaching
    ``target_fill_rate`` (demand-weighted over all parts and sites); or the least total cost per
    year, holding + emergency shipments + ``waiting_cost_per_day`` for each day a customer waits
    for a part.

    Marginal analysis (Sherbrooke) gives a frontier point (for a waiting cost, each part's units
    minimising its own total cost on its exact curve); with side constraints (van/site volumes,
    min/max levels, must-stock) — ``side=None`` means "if the scenario has any" — marginal
    analysis on the min/max-clipped curves when those are the only side constraints on two
    echelons (``optimiser="choice"``), the MILP (HiGHS) otherwise. Marginal analysis and the
    MILP handle three echelons; the ``exact`` evaluator is two-echelon only (an input error on a
    deeper tree).
    """
    given = [x is not None for x in (budget, target_fill_rate, waiting_cost_per_day)]
    if sum(given) != 1:
        raise _bad_option(
            "give exactly one of budget, target fill rate and waiting cost per day", "budget"
        )
    if budget is not None and budget < 0:
        raise _bad_option(f"budget must be >= 0, got {budget}", "budget")
    if target_fill_rate is not None and not 0 < target_fill_rate < 1:
        raise _bad_option("target fill rate must be in (0, 1)", "target_fill_rate")
    if waiting_cost_per_day is not None and not (
        math.isfinite(waiting_cost_per_day) and waiting_cost_per_day > 0
    ):
        raise _bad_option(
            f"waiting cost per day must be > 0, got {waiting_cost_per_day}", "waiting_cost_per_day"
        )
    m = _method(method)
    net = _network(scenario, _rates(scenario, rates), m, stockout_policy)
    t0 = time.perf_counter()
    value = None if waiting_cost_per_day is None else waiting_cost_per_day * DAYS_PER_YEAR
    if value is not None:
        data = _valued(net, value)
        yearly = data.unit_cost * net.holding_rate
        params = FrontierParams(method=m, tail_ebo=value_tail(data, yearly, value))
        curves = part_curves(data, params, progress)
        stock = allocate(data, curves, least_cost_units(curves, yearly, value), m)
        how = "marginal analysis: least cost per part on its exact curve"
    else:
        data, params = net.data, FrontierParams(method=m)
        fr = solve_frontier(data, params, progress)
        if budget is not None:
            point = fr.point_for_budget(budget)
        else:
            assert target_fill_rate is not None
            point = _first_point_reaching(net, fr, m, target_fill_rate)
        curves = fr.curves
        stock = allocate(data, curves, fr.units_at(point), m)
        how = "marginal analysis: frontier point"
    report = SolveReport(Status.OPTIMAL, how, time.perf_counter() - t0)
    optimiser = "marginal"
    # a fill-rate target becomes "no more backorders than the marginal plan reaching it"
    target_ebo = None if target_fill_rate is None else evaluate(data, stock, m).total_ebo
    sc = side_constraints(
        scenario,
        net,
        budget=budget,
        target_ebo=target_ebo,
        ebo_value=value,
        must_stock_critical=must_stock_critical,
    )
    has_side = bool(
        np.any(sc.min_level > 0) or np.any(sc.max_level >= 0) or np.any(np.isfinite(sc.site_volume))
    )
    if side is None:
        side = has_side
    floor = float(np.sum(sc.min_level * net.data.unit_cost[:, None]))
    if side and budget is not None and floor > budget + 1e-9:
        raise InputError(
            [
                Problem(
                    "error",
                    "budget_below_min_levels",
                    "options",
                    f"budget {budget:,.2f} is below the {floor:,.2f} the min levels of "
                    "stock.csv already cost (use --no-side to ignore them)",
                    field="budget",
                )
            ]
        )
    if side and choice_applies(data, sc):
        # min/max levels only: marginal analysis on the clipped curves, no MILP needed
        res = solve_stocking_choice(data, sc, m, params)
        if not res.report.status.has_solution:
            raise NoPlanError(f"stocking choice: {res.report.status} ({res.report.raw_status})")
        stock, report, optimiser = res.stock, res.report, "choice"
    elif side:
        res = solve_stocking_milp(
            data,
            sc,
            LpParams(time_limit_s, seed, workers),
            m,
            curves,
            stock[:, data.root],
            stock_hint=stock,
        )
        if not res.report.status.has_solution:
            raise NoPlanError(f"stocking MILP: {res.report.status} ({res.report.raw_status})")
        stock, report, optimiser = res.stock, res.report, "milp"
    k = kpis(net, stock, m)
    if target_fill_rate is not None:
        k["target_fill_rate"] = target_fill_rate
        k["target_met"] = float(k["fill_rate"] >= target_fill_rate - 1e-9)
    if waiting_cost_per_day is not None:
        waiting = waiting_cost_per_day * k["total_ebo"] * DAYS_PER_YEAR
        k["waiting_cost_per_day"] = waiting_cost_per_day
        k["waiting_cost_per_year"] = waiting
        k["cost_with_waiting_per_year"] = k["total_cost_per_year"] + waiting
    levels = levels_frame(net, stock, m)
    return StockingPlan(levels, k, m, report, budget, optimiser, stockout_policy)


def _first_point_reaching(net: Network, fr: Frontier, method: Method, target: float) -> int:
    lo, hi = 0, len(fr.cost) - 1

    def fill(t: int) -> float:
        return kpis(net, allocate(net.data, fr.curves, fr.units_at(t), method), method)["fill_rate"]

    if fill(hi) < target:
        raise NoPlanError(f"no frontier point reaches fill rate {target} (best {fill(hi):.4f})")
    while lo < hi:
        mid = (lo + hi) // 2
        if fill(mid) >= target:
            hi = mid
        else:
            lo = mid + 1
    return lo


def rebalance(
    scenario: Scenario,
    *,
    min_quantity: int = 1,
    penalty: dict[str, float] | None = None,
    time_limit_s: float = 30.0,
    seed: int = 0,
    workers: int = 1,
) -> RebalancePlan:
    """Transfers moving today's stock towards the targets of ``stock.csv`` at least cost."""
    data = rebalance_data(scenario, min_quantity, penalty)
    res = solve_rebalance(data, LpParams(time_limit_s, seed, workers))
    if not res.report.status.has_solution:
        raise NoPlanError(f"rebalancing MILP: {res.report.status} ({res.report.raw_status})")
    base = largest_excess_to_largest_shortage(data)
    frame = pd.DataFrame(
        {
            "part_id": [data.part_ids[i] for i in res.part],
            "from_id": [data.site_ids[data.lane_from[a]] for a in res.lane],
            "to_id": [data.site_ids[data.lane_to[a]] for a in res.lane],
            "quantity": res.quantity,
            "transport_cost": data.lane_cost[res.lane] * res.quantity,
        }
    )

    def split(r: Any) -> dict[str, float]:
        return {
            "total_cost": r.total_cost,
            "transport_cost": r.transport_cost,
            "fixed_cost": r.fixed_cost,
            "shortage_penalty": r.shortage_penalty,
            "units_short": r.units_short,
            "units_moved": int(r.quantity.sum()),
            "lanes_used": len(set(r.lane.tolist())),
        }

    return RebalancePlan(frame, split(res), split(base), res.report, min_quantity)


def parse_variant(text: str) -> tuple[str, str, float | str]:
    """``demand=+20%``, ``lead_time=x1.5``, ``repair_time=-10%``, ``close_depot=D3``,
    ``stockout_policy=emergency`` (or ``backorder``) at every site serving customers."""
    key, sep, value = text.partition("=")
    key, value = key.strip(), value.strip()
    keys = ("demand", "lead_time", "repair_time", "close_depot", "stockout_policy")
    if not sep or key not in keys:
        raise InputError(
            [
                Problem(
                    "error",
                    "bad_variant",
                    "options",
                    f"variant {text!r}: expected {'=, '.join(keys)}=",
                    field="variant",
                )
            ]
        )
    if key == "close_depot":
        return text, key, value
    if key == "stockout_policy":
        if value.lower() not in POLICIES:
            raise InputError(
                [
                    Problem(
                        "error",
                        "bad_variant",
                        "options",
                        f"variant {text!r}: policy one of {', '.join(POLICIES)}",
                        field="variant",
                    )
                ]
            )
        return text, key, value.lower()
    try:
        if value.endswith("%"):
            factor = 1.0 + float(value[:-1]) / 100.0
        elif value[:1] in "xX*":
            factor = float(value[1:])
        else:
            factor = float(value)
    except ValueError as exc:
        raise InputError(
            [
                Problem(
                    "error",
                    "bad_variant",
                    "options",
                    f"variant {text!r}: {value!r} is not +N%, -N% or xF",
                    field="variant",
                )
            ]
        ) from exc
    if factor < 0:
        raise InputError(
            [
                Problem(
                    "error",
                    "bad_variant",
                    "options",
                    f"variant {text!r}: factor below 0",
                    field="variant",
                )
            ]
        )
    return text, key, factor


def _apply(
    scenario: Scenario, net: Network, rates: pd.DataFrame, key: str, value: float | str
) -> Network:
    data = net.data
    if key == "demand":
        return network(scenario, rates.assign(rate_per_year=rates["rate_per_year"] * float(value)))
    if key == "stockout_policy":
        return _with_policy(scenario, net, str(value))
    consumable = (net.parts["kind"] != "repairable").to_numpy()
    if key == "lead_time":
        return replace(
            net,
            data=replace(
                data, root_time=np.where(consumable, data.root_time * float(value), data.root_time)
            ),
        )
    if key == "repair_time":
        return replace(
            net,
            data=replace(
                data,
                root_time=np.where(consumable, data.root_time, data.root_time * float(value)),
                local_repair_time=data.local_repair_time * float(value),
            ),
        )
    # close a depot: its demand moves to the nearest remaining demand site
    site = str(value)
    # sites with own demand (a depot stocked only for its vans has none to move)
    with_demand = [
        s
        for j, s in enumerate(data.site_ids)
        if j != data.root and data.demand_rate[:, j].sum() > 0
    ]
    if site not in with_demand:
        raise InputError(
            [
                Problem(
                    "error",
                    "bad_variant",
                    "options",
                    f"close_depot={site}: not a stocking site with demand "
                    f"({', '.join(with_demand)})",
                    field="variant",
                )
            ]
        )
    others = [s for s in with_demand if s != site]
    if not others:
        raise InputError(
            [
                Problem(
                    "error",
                    "bad_variant",
                    "options",
                    f"close_depot={site}: the last site cannot close",
                    field="variant",
                )
            ]
        )
    locs = scenario.locations.set_index("id")

    lat, lon = floats(locs["lat"]), floats(locs["lon"])
    pos = {str(k): n for n, k in enumerate(locs.index)}

    def dist(o: str) -> float:
        a, b = pos[o], pos[site]
        return float((lat[a] - lat[b]) ** 2 + (lon[a] - lon[b]) ** 2)

    nearest = min(others, key=dist)
    moved = rates.assign(location_id=rates["location_id"].replace({site: nearest}))
    return network(scenario, moved)


def _with_policy(scenario: Scenario, net: Network, policy: str) -> Network:
    """Every site serving customers on ``policy`` (per-site policy settings dropped; emergency
    times and costs kept)."""
    settings = {k: v for k, v in scenario.settings.items() if not k.startswith(POLICY_KEY)}
    settings[POLICY_KEY] = policy
    pol = stockout_policy(settings, net.data.site_ids, net.data.parent.tolist())
    data = replace(net.data, emergency=pol.emergency, emergency_time=pol.days / DAYS_PER_YEAR)
    return replace(net, data=data, emergency_cost=pol.cost)


def whatif(
    scenario: Scenario,
    variants: Sequence[str],
    *,
    rates: pd.DataFrame | ForecastResult | None = None,
    method: str = "metric",
    samples: int = 25,
    stockout_policy: str | None = None,
) -> WhatifResult:
    """The base frontier and one per variant (each variant applied alone), overlaid."""
    m = _method(method)
    r = _rates(scenario, rates)
    base = _network(scenario, r, m, stockout_policy)
    parsed = [parse_variant(v) for v in variants]
    _, base_points = _frontier_of(base, m, samples, None)
    current = kpis(base, base.current, m)
    rec = _recommend(base, base_points, current, m)
    frontiers = {"base": base_points}
    rows = []
    for text, key, value in parsed:
        net = _apply(scenario, base, r, key, value)
        _, pts = _frontier_of(net, m, samples, None)
        frontiers[text] = pts
        reach = pts[pts["waiting_days"] <= rec["waiting_days"] + 1e-12]
        at_cost = pts[pts["holding_cost_per_year"] <= rec["holding_cost_per_year"] + 1e-9]
        rows.append(
            {
                "variant": text,
                "holding_cost_for_base_waiting": float(reach["holding_cost_per_year"].iloc[0])
                if len(reach)
                else float("nan"),
                "waiting_days_at_base_cost": float(at_cost["waiting_days"].iloc[-1])
                if len(at_cost)
                else float("nan"),
            }
        )
    comparison = pd.DataFrame(
        [
            {
                "variant": "base",
                "holding_cost_for_base_waiting": rec["holding_cost_per_year"],
                "waiting_days_at_base_cost": rec["waiting_days"],
            },
            *rows,
        ]
    )
    return WhatifResult(
        frontiers, comparison, {"current stock": current, "recommended (base)": rec}
    )
