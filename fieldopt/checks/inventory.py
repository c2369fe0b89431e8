"""Independent checks of stocking plans and transfers, from the scenario and the plan alone.

Stocking: integer levels, min/max, site volumes, the budget, and every METRIC metric recomputed
by summing the Poisson series directly on the stocking tree (central → depots → vans, rebuilt from
``locations.parent_id``; no solver code). Transfers: known parts, sites and
lanes, positive quantities at least the minimum, lane capacities, stock at the source, and no
source left below its safety level (``min_level``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from types import SimpleNamespace
from typing import Any

import pandas as pd

from fieldopt.checks.violation import Violation
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


def _model_parents(scenario: Scenario, demand_sites: set[str], root: str) -> dict[str, str]:
    """Each stocking site's parent: its nearest ancestor that has demand or is a depot (or
    central) location on the way up from a demand location; the root for the rest."""
    parent_of = scenario.locations.set_index("id")["parent_id"].to_dict()
    kind = scenario.locations.set_index("id")["kind"].to_dict()

    def ancestors(site: str) -> list[str]:
        out: list[str] = []
        at = site
        while at != root and isinstance(parent_of.get(at), str) and len(out) < len(parent_of):
            at = parent_of[at]
            out.append(at)
        return out

    stocking = set(demand_sites) | {root}
    for site in demand_sites:
        stocking.update(a for a in ancestors(site) if kind.get(a) in ("central", "depot"))
    return {
        s: next((a for a in ancestors(s) if a in stocking), root) for s in stocking if s != root
    }


def _check_metric(plan: StockingPlan, scenario: Scenario) -> list[Violation]:
    """METRIC on the tree, top down: a site's pipeline is λ r Tb + u (O + EBO_p / Λ_p) with
    u = λ (1 - r) + Σ children's u and Λ = λ + Σ children's u; its customers hold λ / Λ of its
    backorders."""
    out: list[Violation] = []
    lv = plan.levels
    times = _times(scenario)
    root = scenario.locations[scenario.locations["kind"] == "central"]["id"].iloc[0]
    demand_sites = set(lv.loc[lv["demand_per_year"] > 0, "location_id"])
    single = demand_sites <= {root}
    parent = {} if single else _model_parents(scenario, demand_sites - {root}, root)
    transit = {(r.from_id, r.to_id): float(r.transit_days) for r in _rows(scenario.lanes)}
    emergency = _emergency_sites(scenario, parent, demand_sites | {root}, plan.stockout_policy)
    total = shipments_cost = 0.0
    for part, grp in lv.groupby("part_id"):
        t = times[str(part)]
        lam = {str(r.location_id): float(r.demand_per_year) for r in _rows(grp)}
        stock = {str(r.location_id): int(r.stock) for r in _rows(grp)}
        if single:
            mean0 = lam.get(root, 0.0) * t["t0"]
            ebo_s, fill_s = poisson_ebo_fill(stock.get(root, 0), mean0)
            site_ebo, share, fill, mean = {root: ebo_s}, {root: 1.0}, {root: fill_s}, {root: mean0}
        else:
            site_ebo, share, fill, mean = _metric_tree(parent, root, lam, stock, t, transit)
        for row in _rows(grp[grp["demand_per_year"] > 0]):
            loc = str(row.location_id)
            ebo = share[loc] * site_ebo[loc]
            if loc in emergency:  # lost to a shipment taking `days`: its customers wait that long
                days, cost = emergency[loc]
                b = erlang_b(stock.get(loc, 0), mean[loc])
                ebo, fill[loc] = lam[loc] * b * days / 365.0, 1.0 - b
                shipments_cost += lam[loc] * b * cost
            total += ebo
            where = f"{part}@{loc}"
            if abs(ebo - float(row.ebo)) > TOL * max(1.0, ebo):
                out.append(
                    Violation(
                        "ebo",
                        where,
                        f"reported {row.ebo:.6g}, Poisson gives {ebo:.6g}",
                        abs(ebo - row.ebo),
                    )
                )
            if abs(fill[loc] - float(row.fill_rate)) > TOL:
                out.append(
                    Violation(
                        "fill_rate",
                        where,
                        f"reported {row.fill_rate:.6g}, Poisson gives {fill[loc]:.6g}",
                        abs(fill[loc] - row.fill_rate),
                    )
                )
    if abs(total - plan.kpis["total_ebo"]) > TOL * max(1.0, total):
        out.append(
            Violation(
                "kpi", "total_ebo", f"reported {plan.kpis['total_ebo']:.6g}, recomputed {total:.6g}"
            )
        )
    reported = plan.kpis.get("emergency_cost_per_year", 0.0)
    if abs(shipments_cost - reported) > TOL * max(1.0, shipments_cost):
        out.append(
            Violation(
                "kpi",
                "emergency_cost_per_year",
                f"reported {reported:.6g}, recomputed {shipments_cost:.6g}",
            )
        )
    return out


def erlang_b(s: int, a: float) -> float:
    """Erlang loss B(s, a) = P(X = s) / P(X <= s) for X ~ Poisson(a), by direct summation."""
    if a <= 0:
        return 0.0 if s > 0 else 1.0
    terms = [1.0]
    for k in range(1, s + 1):
        terms.append(terms[-1] * a / k)
    return terms[-1] / math.fsum(terms)


def _emergency_sites(
    scenario: Scenario, parent: dict[str, str], sites: set[str], forced: str | None
) -> dict[str, tuple[float, float]]:
    """Sites meeting stock-outs by emergency shipment (settings ``inventory.stockout_policy``,
    scenario-wide or ``.<location>``, unless the plan was made with one ``forced`` policy; never
    a site that resupplies others): days and cost."""
    settings = scenario.settings
    if forced is not None:
        policy = "inventory.stockout_policy"
        settings = {k: v for k, v in settings.items() if not k.startswith(policy)}
        settings[policy] = forced

    def value(key: str, site: str) -> str:
        own = str(settings.get(f"{key}.{site}", "")).strip()
        return own or str(settings.get(key, "")).strip()

    resupplies = set(parent.values())
    out = {}
    for site in sites:
        if site in resupplies or value("inventory.stockout_policy", site).lower() != "emergency":
            continue
        days = value("inventory.emergency_days", site)
        cost = value("inventory.emergency_cost", site)
        out[site] = (float(days or 0.0), float(cost or 0.0))
    return out


def _metric_tree(
    parent: dict[str, str],
    root: str,
    lam: dict[str, float],
    stock: dict[str, int],
    t: dict[str, float],
    transit: dict[tuple[str, str], float],
) -> tuple[dict[str, float], dict[str, float], dict[str, float], dict[str, float]]:
    """Per site: all its backorders, its customers' share of them, its fill rate and its
    pipeline mean."""

    def depth(s: str) -> int:
        return 0 if s == root else 1 + depth(parent[s])

    sites = sorted(parent, key=depth)
    up = {s: lam.get(s, 0.0) * (1 - t["r"]) for s in sites}
    for s in reversed(sites):  # deepest first
        if parent[s] != root:
            up[parent[s]] += up[s]
    intake = {s: up[s] - lam.get(s, 0.0) * (1 - t["r"]) + lam.get(s, 0.0) for s in sites}
    intake[root] = sum(lam.get(s, 0.0) * (1 - t["r"]) for s in sites)
    site_ebo: dict[str, float] = {}
    fill: dict[str, float] = {}
    mean_of: dict[str, float] = {root: intake[root] * t["t0"]}
    site_ebo[root], fill[root] = poisson_ebo_fill(stock.get(root, 0), intake[root] * t["t0"])
    for s in sites:
        p = parent[s]
        delay = site_ebo[p] / intake[p] if intake[p] > 0 else 0.0
        o = transit.get((p, s), 1.0) / 365.0
        mean_of[s] = lam.get(s, 0.0) * t["r"] * t["tb"] + up[s] * (o + delay)
        site_ebo[s], fill[s] = poisson_ebo_fill(stock.get(s, 0), mean_of[s])
    share = {s: lam.get(s, 0.0) / intake[s] if intake[s] > 0 else 1.0 for s in sites}
    return site_ebo, share, fill, mean_of


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
