"""Independent checks of stocking plans and transfers, from the scenario and the plan alone.

Stocking: integer levels, min/max, site volumes, the budget, and every METRIC metric recomputed
by summing the Poisson series directly (no solver code). Transfers: known parts, sites and
lanes, positive quantities at least the minimum, lane capacities, stock at the source, and no
source left below its safety level (``min_level``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from types import SimpleNamespace
from typing import Any

import pandas as pd

from fieldopt.check import Violation, check
from fieldopt.inventory.results import RebalancePlan, StockingPlan
from fieldopt.scenario import Scenario

TOL = 1e-6


def _rows(frame: pd.DataFrame) -> list[Any]:
    """Rows as attribute records (``Any``: validation already typed the columns)."""
    return [SimpleNamespace(**{str(k): v for k, v in r.items()}) for r in frame.to_dict("records")]


def poisson_ebo_fill(s: int, mean: float) -> tuple[float, float]:
    """``(E[(X - s)^+], P(X < s))`` for X ~ Poisson(mean), by direct summation."""
    if mean <= 0:
        return 0.0, 1.0 if s > 0 else 0.0
    p = math.exp(-mean)
    below = 0.0
    expect_below = 0.0  # E[min(X, s)] accumulated over x < s
    for x in range(s):
        below += p
        expect_below += x * p
        p *= mean / (x + 1)
    # E[(X - s)^+] = E[X] - E[min(X, s)] = mean - (Σ_{x<s} x p(x) + s P(X >= s))
    ebo = mean - (expect_below + s * (1.0 - below))
    return max(ebo, 0.0), below


def _times(scenario: Scenario) -> dict[str, dict[str, float]]:
    out = {}
    for row in _rows(scenario.parts):
        repairable = row.kind == "repairable"
        repair = 0.0 if pd.isna(row.repair_time_days) else float(row.repair_time_days) / 365.0
        out[str(row.id)] = {
            "r": float(row.local_repair_share) if repairable else 0.0,
            "tb": repair,
            "t0": repair if repairable and repair > 0 else float(row.lead_time_days) / 365.0,
        }
    return out


@check.register(StockingPlan)
def check_stocking(plan: StockingPlan, scenario: Scenario) -> list[Violation]:
    """Every broken rule of a stocking plan; METRIC metrics recomputed for METRIC plans."""
    out: list[Violation] = []
    lv = plan.levels
    for row in _rows(lv):
        if row.stock < 0 or int(row.stock) != row.stock:
            out.append(
                Violation("stock_level", f"{row.part_id}@{row.location_id}", "not an integer >= 0")
            )
    stock_of = {(r.part_id, r.location_id): int(r.stock) for r in _rows(lv)}
    for b in _rows(scenario.stock):
        part, loc = b.part_id, b.location_id
        s = stock_of.get((part, loc))
        if s is None:
            continue
        if not pd.isna(b.min_level) and s < int(b.min_level):
            out.append(
                Violation(
                    "min_level",
                    f"{part}@{loc}",
                    f"{s} below {int(b.min_level)}",
                    float(int(b.min_level) - s),
                )
            )
        if not pd.isna(b.max_level) and s > int(b.max_level):
            out.append(
                Violation(
                    "max_level",
                    f"{part}@{loc}",
                    f"{s} above {int(b.max_level)}",
                    float(s - int(b.max_level)),
                )
            )
    volume = scenario.parts.set_index("id")["volume_l"]
    cap = scenario.locations.set_index("id")["capacity_volume_l"]
    used: dict[str, float] = defaultdict(float)
    for (part, loc), s in stock_of.items():
        used[loc] += s * float(volume[part])
    for loc, v in used.items():
        c = cap.get(loc)
        if c is not None and not pd.isna(c) and v > float(c) + TOL:
            out.append(
                Violation(
                    "capacity", loc, f"{v:.1f} l stocked, capacity {float(c):.1f} l", v - float(c)
                )
            )
    cost = scenario.parts.set_index("id")["unit_cost"]
    investment = sum(s * float(cost[p]) for (p, _), s in stock_of.items())
    if plan.budget is not None and investment > plan.budget + TOL:
        out.append(
            Violation(
                "budget",
                "plan",
                f"investment {investment:,.2f} above budget {plan.budget:,.2f}",
                investment - plan.budget,
            )
        )
    if abs(investment - plan.kpis["investment"]) > 1e-6 * max(1.0, investment):
        out.append(
            Violation(
                "kpi",
                "investment",
                f"reported {plan.kpis['investment']:.2f}, recomputed {investment:.2f}",
            )
        )
    if plan.method == "metric":
        out.extend(_check_metric(plan, scenario))
    return out


def _check_metric(plan: StockingPlan, scenario: Scenario) -> list[Violation]:
    out: list[Violation] = []
    lv = plan.levels
    times = _times(scenario)
    demand = lv[lv["demand_per_year"] > 0]
    root = scenario.locations[scenario.locations["kind"] == "central"]["id"].iloc[0]
    transit = {r.to_id: float(r.transit_days) for r in _rows(scenario.lanes) if r.from_id == root}
    root_stock = {r.part_id: int(r.stock) for r in _rows(lv) if r.location_id == root}
    total = 0.0
    for part, grp in demand.groupby("part_id"):
        t = times[str(part)]
        single = set(grp["location_id"]) == {root}
        if single:
            ebo0, lam0 = 0.0, 1.0
        else:
            lam0 = float((grp["demand_per_year"] * (1 - t["r"])).sum())
            ebo0, _ = poisson_ebo_fill(root_stock.get(part, 0), lam0 * t["t0"])
        for row in _rows(grp):
            lam = float(row.demand_per_year)
            if single:
                mean = lam * t["t0"]
            else:
                o = transit.get(row.location_id, 1.0) / 365.0
                delay = ebo0 / lam0 if lam0 > 0 else 0.0
                mean = lam * (t["r"] * t["tb"] + (1 - t["r"]) * (o + delay))
            ebo, fill = poisson_ebo_fill(int(row.stock), mean)
            total += ebo
            where = f"{part}@{row.location_id}"
            if abs(ebo - float(row.ebo)) > TOL * max(1.0, ebo):
                out.append(
                    Violation(
                        "ebo",
                        where,
                        f"reported {row.ebo:.6g}, Poisson gives {ebo:.6g}",
                        abs(ebo - row.ebo),
                    )
                )
            if abs(fill - float(row.fill_rate)) > TOL:
                out.append(
                    Violation(
                        "fill_rate",
                        where,
                        f"reported {row.fill_rate:.6g}, Poisson gives {fill:.6g}",
                        abs(fill - row.fill_rate),
                    )
                )
    if abs(total - plan.kpis["total_ebo"]) > TOL * max(1.0, total):
        out.append(
            Violation(
                "kpi", "total_ebo", f"reported {plan.kpis['total_ebo']:.6g}, recomputed {total:.6g}"
            )
        )
    return out


@check.register(RebalancePlan)
def check_transfers(plan: RebalancePlan, scenario: Scenario) -> list[Violation]:
    """Every broken rule of a set of transfers against the scenario's stock and lanes."""
    out: list[Violation] = []
    parts = set(scenario.parts["id"])
    lanes = {(r.from_id, r.to_id): r for r in _rows(scenario.lanes)}
    stock = {(r.part_id, r.location_id): r for r in _rows(scenario.stock)}
    on_lane: dict[tuple[str, str], int] = defaultdict(int)
    out_of: dict[tuple[str, str], int] = defaultdict(int)
    for row in _rows(plan.transfers):
        subject = f"{row.part_id} {row.from_id}->{row.to_id}"
        if row.part_id not in parts:
            out.append(Violation("unknown_part", subject, "part not in parts.csv"))
        lane = lanes.get((row.from_id, row.to_id))
        if lane is None:
            out.append(Violation("lane", subject, "no lane between these locations"))
        elif abs(float(row.transport_cost) - float(lane.cost_per_unit) * int(row.quantity)) > 1e-6:
            out.append(Violation("kpi", subject, "transport cost is not cost_per_unit x quantity"))
        if int(row.quantity) != row.quantity or row.quantity <= 0:
            out.append(
                Violation("quantity", subject, f"quantity {row.quantity} is not a positive integer")
            )
        elif row.quantity < plan.min_quantity:
            out.append(
                Violation(
                    "min_quantity",
                    subject,
                    f"{row.quantity} below the minimum {plan.min_quantity}",
                    float(plan.min_quantity - row.quantity),
                )
            )
        on_lane[row.from_id, row.to_id] += int(row.quantity)
        out_of[row.part_id, row.from_id] += int(row.quantity)
    for key, qty in on_lane.items():
        lane = lanes.get(key)
        if lane is not None and not pd.isna(lane.capacity_units) and qty > int(lane.capacity_units):
            out.append(
                Violation(
                    "lane_capacity",
                    f"{key[0]}->{key[1]}",
                    f"{qty} units, capacity {int(lane.capacity_units)}",
                    float(qty - int(lane.capacity_units)),
                )
            )
    for (part, loc), qty in out_of.items():
        row = stock.get((part, loc))
        have = 0 if row is None else int(row.on_hand)
        safety = 0 if row is None or pd.isna(row.min_level) else int(row.min_level)
        if have - qty < safety:
            out.append(
                Violation(
                    "source_safety",
                    f"{part}@{loc}",
                    f"sends {qty} of {have} on hand, safety level {safety}",
                    float(safety - (have - qty)),
                )
            )
    return out
