"""Scenario tables -> inventory solver data (multi-echelon stocking, rebalancing).

Units: rates per year and times in years inside the solvers (days / 365 here); money as given.
The stocking network is a tree built from ``locations.parent_id``: the central warehouse (the
root), every location with demand, and every depot (or central-kind location) on the way from a
demand location up to the root. A stocking site's parent in the model is its nearest stocking
ancestor; at most three echelons (central → depot → van) are modelled. Resupply time from the
parent is the ``lanes`` transit time from that parent to the site (1 day without a lane). A depot
with demanding vans below it is a stocking point even without demand of its own; vans (and depots)
with no demand anywhere below them are not: their stock stays theirs and is not optimised.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from fieldopt.errors import InputError, Problem
from fieldopt.scenario import Scenario
from fieldopt.translate.stockout import POLICY_KEY, stockout_policy
from solvers.inventory.data import StockingData
from solvers.inventory.rebalance import RebalanceData
from solvers.inventory.solve import StockingLimits

DAYS_PER_YEAR = 365.0
DEFAULT_TRANSIT_DAYS = 1.0
SHORTAGE_PENALTY = {"A": 1000.0, "B": 100.0, "C": 10.0}
MAX_PIPELINE_UNITS = 10_000
"""Most units of a part expected in resupply at once (demand per year x the longest lead,
repair or transit time). The stocking model evaluates every stock level up to a few times
this, for every site at once, so its memory grows with it: each column is bounded on its
own (``docs/data-format.md``), and this bounds their product."""
MAX_POSITION_UNITS = 100_000
"""Most units of a part on hand plus on order across its stocking sites: today's stock is
evaluated level by level up to it, for every part at once."""


def floats(values: Any) -> NDArray[np.float64]:
    return np.asarray(values, dtype=np.float64)


def _rows(frame: pd.DataFrame) -> list[Any]:
    """Rows as attribute records (``Any``: validation already typed the columns)."""
    return [SimpleNamespace(**{str(k): v for k, v in r.items()}) for r in frame.to_dict("records")]


@dataclass(frozen=True)
class Network:
    """Solver data plus what is needed to map back: the scenario's parts and locations in solver
    order, the current position (on hand + on order) per ``[part, site]``."""

    data: StockingData
    parts: pd.DataFrame
    current: np.ndarray
    holding_rate: np.ndarray
    emergency_cost: np.ndarray  # per emergency shipment, per site (0 where sites backorder)


def _problem(table: str, message: str, row: str | None = None, field: str | None = None) -> Problem:
    return Problem("error", "inventory_network", table, message, row=row, field=field)


def root_id(scenario: Scenario) -> str:
    """The central warehouse: the one location of kind ``central`` (or with no parent)."""
    locs = scenario.locations
    central = locs[locs["kind"] == "central"]["id"].tolist()
    if len(central) != 1:
        raise InputError(
            [
                _problem(
                    "locations",
                    f"needs exactly one central location, found {len(central)}",
                    field="kind",
                )
            ]
        )
    return str(central[0])


STOCKING_KINDS = ("central", "depot")


def stocking_tree(scenario: Scenario, demand_sites: list[str]) -> tuple[list[str], list[int]]:
    """Sites (root first, then by depth and id) and their parent indices (``-1`` for the root):
    the root, the demand sites and every depot on the way up; each site hangs under its nearest
    stocking ancestor. Errors name demand locations not connected to the central warehouse and
    chains deeper than three echelons."""
    locs = scenario.locations
    up_of: dict[str, str | None] = {
        str(i): None if pd.isna(p) or p == "" else str(p)
        for i, p in zip(locs["id"], locs["parent_id"], strict=True)
    }
    kind_of = {str(i): str(k) for i, k in zip(locs["id"], locs["kind"], strict=True)}
    root = root_id(scenario)
    wanted = set(demand_sites)
    problems = []
    chains: dict[str, list[str]] = {}
    for site in demand_sites:
        if site not in up_of:
            problems.append(
                _problem("demand_history", f"unknown location {site}", site, "location_id")
            )
            continue
        chain: list[str] = []
        at, seen = site, {site}
        while True:
            par = up_of[at]
            if par is None or par not in up_of:
                problems.append(
                    _problem(
                        "locations",
                        f"has demand but is not connected to the central warehouse {root!r} "
                        f"(the chain of parent_id stops at {at!r})",
                        site,
                        "parent_id",
                    )
                )
                break
            if par in seen:
                problems.append(
                    _problem("locations", f"parent_id loops back to {par!r}", site, "parent_id")
                )
                break
            seen.add(par)
            if par == root:
                chains[site] = chain
                break
            chain.append(par)
            at = par
    if problems:
        raise InputError(problems)
    for chain in chains.values():
        wanted.update(a for a in chain if kind_of[a] in STOCKING_KINDS)
    parent_of: dict[str, str] = {}
    for site in wanted:
        chain = chains[site] if site in chains else _chain(up_of, site, root)
        parent_of[site] = next((a for a in chain if a in wanted), root)
    depth = {s: _depth(parent_of, s, root) for s in wanted}
    deep = sorted(s for s, d in depth.items() if d > 2)
    if deep:
        raise InputError(
            [
                _problem(
                    "locations",
                    f"{depth[s]} stocking levels below the central warehouse {root!r}: at most "
                    "three echelons (central, depot, van) are modelled",
                    s,
                    "parent_id",
                )
                for s in deep
            ]
        )
    sites = [root, *sorted(wanted, key=lambda s: (depth[s], s))]
    index = {s: j for j, s in enumerate(sites)}
    parent = [-1] + [index[parent_of[s]] for s in sites[1:]]
    return sites, parent


def _chain(up_of: dict[str, str | None], site: str, root: str) -> list[str]:
    """Ancestors of ``site`` below the root (the site is known to reach it)."""
    out: list[str] = []
    at = up_of[site]
    while at is not None and at != root:
        out.append(at)
        at = up_of[at]
    return out


def _depth(parent_of: dict[str, str], site: str, root: str) -> int:
    d = 0
    while site != root:
        site = parent_of[site]
        d += 1
    return d


def network(scenario: Scenario, rates: pd.DataFrame) -> Network:
    """Multi-echelon stocking data from the scenario and demand ``rates`` (columns
    ``location_id``, ``part_id``, ``rate_per_year``)."""
    root = root_id(scenario)
    rates = rates[rates["rate_per_year"] > 0]
    demand_sites = sorted(set(rates["location_id"]) - {root})
    sites, parent_idx = stocking_tree(scenario, demand_sites)
    policy = stockout_policy(scenario.settings, sites, parent_idx)
    parts = scenario.parts.reset_index(drop=True)
    p_index = {p: i for i, p in enumerate(parts["id"])}
    s_index = {s: j for j, s in enumerate(sites)}
    shape = (len(parts), len(sites))
    lam = np.zeros(shape)
    for row in _rows(rates):
        if row.part_id in p_index and row.location_id in s_index:
            lam[p_index[row.part_id], s_index[row.location_id]] += float(row.rate_per_year)
    repairable = (parts["kind"] == "repairable").to_numpy()
    repair = parts["repair_time_days"].astype(float).fillna(0.0).to_numpy() / DAYS_PER_YEAR
    lead = floats(parts["lead_time_days"]) / DAYS_PER_YEAR
    r_share = np.where(repairable, floats(parts["local_repair_share"]), 0.0)
    transit = np.full(len(sites), DEFAULT_TRANSIT_DAYS)
    for row in _rows(scenario.lanes):
        j = s_index.get(row.to_id)
        if j is not None and j > 0 and sites[parent_idx[j]] == row.from_id:
            transit[j] = float(row.transit_days)
    r = np.repeat(r_share[:, None], len(sites), axis=1)
    r[:, 0] = 0.0
    if len(sites) == 1:  # a single stocking point faces its own lead or repair time
        lam[:, 0] = (
            rates[rates["location_id"] == root]
            .groupby("part_id")["rate_per_year"]
            .sum()
            .reindex(parts["id"])
            .fillna(0.0)
            .to_numpy()
        )
    data = StockingData(
        part_ids=tuple(str(p) for p in parts["id"]),
        site_ids=tuple(sites),
        unit_cost=floats(parts["unit_cost"]),
        parent=np.array(parent_idx, dtype=np.int64),
        demand_rate=lam,
        local_repair_fraction=r,
        local_repair_time=np.repeat(repair[:, None], len(sites), axis=1),
        resupply_time=np.repeat(transit[None, :], len(parts), axis=0) / DAYS_PER_YEAR,
        root_time=np.where(repairable & (repair > 0), repair, lead),
        emergency=policy.emergency,
        emergency_time=policy.days / DAYS_PER_YEAR,
    )
    _check_pipeline(data)
    current = np.zeros(shape, dtype=np.int64)
    stock = scenario.stock
    for row in _rows(stock):
        if row.part_id in p_index and row.location_id in s_index:
            current[p_index[row.part_id], s_index[row.location_id]] = int(row.on_hand) + int(
                row.on_order
            )
    _check_position(data, current)
    return Network(data, parts, current, floats(parts["holding_rate"]), policy.cost)


def _check_pipeline(data: StockingData) -> None:
    """Refuse parts whose demand during resupply exceeds :data:`MAX_PIPELINE_UNITS`, naming
    the part, instead of letting the model try to allocate far more memory than exists."""
    longest = np.maximum(
        data.root_time,
        np.maximum(data.resupply_time, data.local_repair_time).max(axis=1, initial=0.0),
    )
    pipeline = data.demand_rate.sum(axis=1) * longest
    problems = [
        _problem(
            "parts",
            f"about {pipeline[i]:,.0f} units in resupply at once (demand "
            f"{data.demand_rate[i].sum():,.0f} per year over up to "
            f"{longest[i] * DAYS_PER_YEAR:g} days of lead, repair or transit time); the stocking "
            f"model handles at most {MAX_PIPELINE_UNITS:,}: lower the demand or the times",
            row=data.part_ids[i],
            field="lead_time_days",
        )
        for i in np.flatnonzero(pipeline > MAX_PIPELINE_UNITS)
    ]
    if problems:
        raise InputError(problems)


def _check_position(data: StockingData, current: np.ndarray) -> None:
    """Refuse parts with more than :data:`MAX_POSITION_UNITS` units on hand and on order."""
    total = current.sum(axis=1)
    problems = [
        _problem(
            "stock",
            f"part {data.part_ids[i]} has {int(total[i]):,} units on hand and on order across "
            f"its stocking sites; the stocking model handles at most {MAX_POSITION_UNITS:,}",
            row=data.part_ids[i],
            field="on_hand",
        )
        for i in np.flatnonzero(total > MAX_POSITION_UNITS)
    ]
    if problems:
        raise InputError(problems)


def stocking_limits(
    scenario: Scenario, net: Network, *, must_stock_critical: bool = False
) -> StockingLimits:
    """Volumes, site capacities, min/max levels from ``stock`` and must-stock of class A parts
    at every demand site (when asked)."""
    data = net.data
    p_index = {p: i for i, p in enumerate(data.part_ids)}
    s_index = {s: j for j, s in enumerate(data.site_ids)}
    shape = data.demand_rate.shape
    lo = np.zeros(shape, dtype=np.int64)
    hi = np.full(shape, -1, dtype=np.int64)
    for row in _rows(scenario.stock):
        i, j = p_index.get(row.part_id), s_index.get(row.location_id)
        if i is None or j is None:
            continue
        if not pd.isna(row.min_level):
            lo[i, j] = int(row.min_level)
        if not pd.isna(row.max_level):
            hi[i, j] = int(row.max_level)
    if must_stock_critical:
        critical = (net.parts["criticality"] == "A").to_numpy()
        demand = data.demand_rate > 0
        lo = np.where(critical[:, None] & demand, np.maximum(lo, 1), lo)
    locs = scenario.locations.set_index("id")
    cap = floats(locs["capacity_volume_l"].reindex(list(data.site_ids)))
    return StockingLimits(
        volume=floats(net.parts["volume_l"]),
        site_volume=cap,
        min_level=lo,
        max_level=hi,
    )


def with_policy(scenario: Scenario, net: Network, policy: str) -> Network:
    """Every site serving customers on ``policy`` (per-site policy settings dropped; emergency
    times and costs kept)."""
    settings = {k: v for k, v in scenario.settings.items() if not k.startswith(POLICY_KEY)}
    settings[POLICY_KEY] = policy
    pol = stockout_policy(settings, net.data.site_ids, net.data.parent.tolist())
    data = replace(net.data, emergency=pol.emergency, emergency_time=pol.days / DAYS_PER_YEAR)
    return replace(net, data=data, emergency_cost=pol.cost)


def valued(net: Network, ebo_value: float) -> StockingData:
    """The data the least-total-cost optimisers see: at emergency sites T_e + cost / v, so that
    v x EBO carries both the customers' waiting and the shipments' cost (v λ B T_e + λ B cost)."""
    data = net.data
    extra = np.where(data.emergency, net.emergency_cost / ebo_value, 0.0)
    return replace(data, emergency_time=data.emergency_time + extra)


def holding_data(net: Network) -> StockingData:
    """The data of the frontier, which trades EBO against holding cost per year: "unit cost" is
    c_i x h_i there."""
    return replace(net.data, unit_cost=net.data.unit_cost * net.holding_rate)


def rebalance_data(
    scenario: Scenario,
    min_quantity: int = 1,
    penalty: dict[str, float] | None = None,
) -> RebalanceData:
    """Every location holding stock, the scenario's lanes, targets (empty target = on hand, so
    no shortage) and safety levels (``min_level``, empty = 0)."""
    penalty = penalty or SHORTAGE_PENALTY
    stock = scenario.stock
    parts = scenario.parts.reset_index(drop=True)
    sites = sorted(
        set(stock["location_id"]) | set(scenario.lanes["from_id"]) | set(scenario.lanes["to_id"])
    )
    p_index = {p: i for i, p in enumerate(parts["id"])}
    s_index = {s: j for j, s in enumerate(sites)}
    shape = (len(parts), len(sites))
    on_hand = np.zeros(shape, dtype=np.int64)
    target = np.zeros(shape, dtype=np.int64)
    safety = np.zeros(shape, dtype=np.int64)
    i = stock["part_id"].map(p_index).to_numpy()
    j = stock["location_id"].map(s_index).to_numpy()
    on_hand[i, j] = stock["on_hand"].astype(int).to_numpy()
    tgt = stock["target"]
    target[i, j] = np.where(tgt.isna(), on_hand[i, j], tgt.fillna(0).astype(int).to_numpy())
    safety[i, j] = stock["min_level"].fillna(0).astype(int).to_numpy()
    locs = scenario.locations.set_index("id")
    lanes = scenario.lanes
    cap_col = locs["capacity_volume_l"].reindex(sites).astype(float).to_numpy()
    return RebalanceData(
        part_ids=tuple(str(p) for p in parts["id"]),
        site_ids=tuple(sites),
        on_hand=on_hand,
        target=target,
        safety=safety,
        penalty=floats(parts["criticality"].map(penalty)),
        volume=floats(parts["volume_l"]),
        site_volume=floats(cap_col),
        lane_from=lanes["from_id"].map(s_index).to_numpy(dtype=np.int64),
        lane_to=lanes["to_id"].map(s_index).to_numpy(dtype=np.int64),
        lane_cost=floats(lanes["cost_per_unit"]),
        lane_fixed=floats(lanes["fixed_cost"]),
        lane_capacity=np.asarray(lanes["capacity_units"].fillna(-1), dtype=np.int64),
        min_quantity=min_quantity,
    )
