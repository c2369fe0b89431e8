"""Inventory solver results -> plans: stock levels, KPIs, frontier points and transfers in the
scenario's terms (part and location ids, days, money per year).

KPIs (:func:`kpis`): investment Σ c_i s_ij, holding cost per year Σ c_i h_i s_ij, total EBO at the
sites where demand arises, waiting days per demand 365 x EBO / Σλ (Little), demand-weighted fill
rate, emergency shipments per year Σ λ B and their cost.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from fieldopt.inventory.results import FrontierResult, RebalancePlan, StockingPlan
from fieldopt.translate.inventory.network import DAYS_PER_YEAR, Network
from solvers.inventory.data import Method
from solvers.inventory.evaluate import evaluate
from solvers.inventory.milp import StockingResult
from solvers.inventory.rebalance import RebalanceData, RebalanceResult
from solvers.inventory.solve import Rebalancing, StockingFrontier
from solvers.result import SolveReport

SAMPLED = ("fill_rate", "emergency_per_year", "emergency_cost_per_year")
"""Frontier columns computed at sampled points only (an evaluation each)."""


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
    """One row per part and stocking site of the plan (those with stock, demand or stock today);
    fill rate, waiting days and emergency share are NaN where the site has no demand."""
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
    keep = (frame["stock"] > 0) | (frame["demand_per_year"] > 0) | (frame["current"] > 0)
    return frame[keep].reset_index(drop=True)


def stocking_plan(
    scenario_name: str,
    net: Network,
    res: StockingResult,
    method: Method,
    *,
    budget: float | None = None,
    target_fill_rate: float | None = None,
    waiting_cost_per_day: float | None = None,
    stockout_policy: str | None = None,
) -> StockingPlan:
    """The plan of ``res``: levels and KPIs evaluated on the network (not the valued data the
    least-cost optimisers saw), with the target's or the waiting cost's KPIs when asked."""
    k: dict[str, float] = kpis(net, res.stock, method)
    if target_fill_rate is not None:
        k["target_fill_rate"] = target_fill_rate
        k["target_met"] = float(k["fill_rate"] >= target_fill_rate - 1e-9)
    if waiting_cost_per_day is not None:
        waiting = waiting_cost_per_day * k["total_ebo"] * DAYS_PER_YEAR
        k["waiting_cost_per_day"] = waiting_cost_per_day
        k["waiting_cost_per_year"] = waiting
        k["cost_with_waiting_per_year"] = k["total_cost_per_year"] + waiting
    return StockingPlan(
        scenario=scenario_name,
        report=res.report,
        kpis=k,
        levels=levels_frame(net, res.stock, method),
        method=method,
        budget=budget,
        optimiser=res.optimiser or "marginal",
        stockout_policy=stockout_policy,
    )


def frontier_frame(net: Network, sol: StockingFrontier, samples: int) -> pd.DataFrame:
    """One row per frontier point: investment, holding cost per year, total EBO, waiting days;
    fill rate and emergency figures at ``samples`` evenly spread points (NaN elsewhere)."""
    fr = sol.frontier
    assert fr is not None
    data = net.data
    lam_total = float(data.demand_rate[:, data.bases].sum())
    frame = pd.DataFrame(
        {
            "holding_cost_per_year": fr.cost,
            "total_ebo": fr.ebo,
            "waiting_days": fr.ebo / lam_total * DAYS_PER_YEAR if lam_total > 0 else 0.0,
        }
    )
    frame.insert(0, "investment", _investment_path(net, sol))
    for col in SAMPLED:
        frame[col] = np.nan
    n = len(fr.cost)
    for t in np.unique(np.linspace(0, n - 1, min(samples, n)).astype(int)):
        k = kpis(net, sol.stock_at(int(t)), sol.method)
        for col in SAMPLED:
            frame.loc[t, col] = k[col]
    return frame


def _investment_path(net: Network, sol: StockingFrontier) -> np.ndarray:
    """Investment at every frontier point: each step moves one part to a new unit count (its
    previous step's, or 0 before its first)."""
    fr = sol.frontier
    assert fr is not None
    by_part = np.argsort(fr.step_part, kind="stable")
    part_sorted = fr.step_part[by_part]
    units_sorted = fr.step_units[by_part]
    prev_sorted = np.concatenate([[0], units_sorted[:-1]]).astype(np.int64)
    prev_sorted[np.concatenate([[True], part_sorted[1:] != part_sorted[:-1]])] = 0
    delta = np.zeros(len(by_part), dtype=np.int64)
    delta[by_part] = units_sorted - prev_sorted
    step_cost = net.data.unit_cost[fr.step_part] * delta.astype(np.float64)
    return np.concatenate([[0.0], np.cumsum(step_cost)])


def recommend(
    net: Network, sol: StockingFrontier, points: pd.DataFrame, current: dict[str, float]
) -> dict[str, float]:
    """The cheapest frontier point with waiting time no worse than ``current`` (the last point
    when none is), with its KPIs (evaluated there when the point was not sampled)."""
    ok = np.flatnonzero(points["waiting_days"].to_numpy() <= current["waiting_days"] + 1e-12)
    at = int(ok[0]) if len(ok) else len(points) - 1
    row = points.iloc[at]
    out = {
        k: float(row[k])
        for k in ("investment", "holding_cost_per_year", "total_ebo", "waiting_days")
    }
    sampled = {k: float(row[k]) for k in SAMPLED}
    if math.isnan(sampled["fill_rate"]):
        k = kpis(net, sol.stock_at(at), sol.method)
        sampled = {name: k[name] for name in SAMPLED}
    out.update(sampled)
    out["total_cost_per_year"] = out["holding_cost_per_year"] + out["emergency_cost_per_year"]
    out["point"] = float(at)
    return out


def frontier_result(net: Network, sol: StockingFrontier, samples: int) -> FrontierResult:
    """Points, today's stock's KPIs and the recommended point."""
    points = frontier_frame(net, sol, samples)
    current = kpis(net, net.current, sol.method)
    rec = recommend(net, sol, points, current)
    return FrontierResult(points, current, rec, sol.method, sol.report)


def whatif_row(text: str, points: pd.DataFrame, rec: dict[str, float]) -> dict[str, Any]:
    """A variant's frontier against the base's recommended point: the holding cost to match its
    waiting time, and the waiting time at its holding cost (NaN where the frontier does not
    reach)."""
    reach = points[points["waiting_days"] <= rec["waiting_days"] + 1e-12]
    at_cost = points[points["holding_cost_per_year"] <= rec["holding_cost_per_year"] + 1e-9]
    return {
        "variant": text,
        "holding_cost_for_base_waiting": float(reach["holding_cost_per_year"].iloc[0])
        if len(reach)
        else float("nan"),
        "waiting_days_at_base_cost": float(at_cost["waiting_days"].iloc[-1])
        if len(at_cost)
        else float("nan"),
    }


def _split(r: RebalanceResult) -> dict[str, float]:
    return {
        "total_cost": r.total_cost,
        "transport_cost": r.transport_cost,
        "fixed_cost": r.fixed_cost,
        "shortage_penalty": r.shortage_penalty,
        "units_short": r.units_short,
        "units_moved": int(r.quantity.sum()),
        "lanes_used": len(set(r.lane.tolist())),
    }


def rebalance_plan(scenario_name: str, data: RebalanceData, sol: Rebalancing) -> RebalancePlan:
    """Transfers in ids with their transport cost, the MILP's cost split and the baseline's."""
    res = sol.result
    frame = pd.DataFrame(
        {
            "part_id": [data.part_ids[i] for i in res.part],
            "from_id": [data.site_ids[data.lane_from[a]] for a in res.lane],
            "to_id": [data.site_ids[data.lane_to[a]] for a in res.lane],
            "quantity": res.quantity,
            "transport_cost": data.lane_cost[res.lane] * res.quantity,
        }
    )
    return RebalancePlan(
        scenario=scenario_name,
        report=res.report,
        kpis=_split(res),
        transfers=frame,
        baseline=_split(sol.baseline),
        min_quantity=data.min_quantity,
    )


def no_solution(report: SolveReport, what: str) -> str:
    """The message of a solve without a plan: what was solved, the status and the raw status."""
    return f"{what}: {report.status} ({report.raw_status})"
