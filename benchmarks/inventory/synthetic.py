"""Seeded synthetic two-echelon instances for the scale benchmarks (numpy only)."""

from __future__ import annotations

import numpy as np

from solvers.inventory.data import StockingData
from solvers.inventory.rebalance import RebalanceData


def stocking_instance(parts: int, sites: int, seed: int) -> StockingData:
    """``parts`` x ``sites`` (one central root + ``sites - 1`` bases): skewed demand (most parts
    slow movers), a third repairable, lead/repair times of days to weeks, years as time unit."""
    rng = np.random.default_rng(seed)
    bases = sites - 1
    rate_part = rng.lognormal(mean=0.0, sigma=1.3, size=parts)  # units per year, whole network
    share = rng.dirichlet(np.ones(bases), size=parts)
    lam = np.zeros((parts, sites))
    lam[:, 1:] = rate_part[:, None] * share
    repairable = rng.random(parts) < 0.33
    r = np.zeros((parts, sites))
    r[:, 1:] = np.where(repairable, rng.uniform(0.1, 0.5, parts), 0.0)[:, None]
    tb = np.zeros((parts, sites))
    tb[:, 1:] = rng.uniform(3, 10, parts)[:, None] / 365
    o = np.zeros((parts, sites))
    o[:, 1:] = rng.uniform(1, 4, bases)[None, :] / 365
    return StockingData(
        part_ids=tuple(f"P{i:05d}" for i in range(parts)),
        site_ids=("C", *(f"B{j:02d}" for j in range(bases))),
        unit_cost=np.round(rng.lognormal(4.0, 1.2, parts), 2),
        parent=np.array([-1] + [0] * bases, dtype=np.int64),
        demand_rate=lam,
        local_repair_fraction=r,
        local_repair_time=tb,
        resupply_time=o,
        root_time=rng.uniform(10, 60, parts) / 365,
    )


def rebalance_instance(parts: int, sites: int, seed: int, neighbours: int = 4) -> RebalanceData:
    """Stock scattered around its targets; lanes from the root to every site and from each site
    to its ``neighbours`` nearest, with capacities on a third of them."""
    rng = np.random.default_rng(seed)
    target = rng.poisson(rng.lognormal(0.0, 1.0, parts)[:, None] * np.ones(sites))
    on_hand = np.maximum(target + rng.integers(-2, 3, (parts, sites)), 0)
    safety = np.minimum(target // 2, on_hand)
    xy = rng.random((sites, 2))
    frm, to = [], []
    for j in range(1, sites):
        frm.append(0)
        to.append(j)
    d = np.linalg.norm(xy[:, None] - xy[None], axis=2)
    for j in range(1, sites):
        for k in np.argsort(d[j])[1 : neighbours + 1]:
            if k != 0:
                frm.append(j)
                to.append(int(k))
    a = len(frm)
    dist = d[np.array(frm), np.array(to)]
    cap = np.where(rng.random(a) < 0.33, rng.integers(50, 500, a), -1)
    return RebalanceData(
        part_ids=tuple(f"P{i:05d}" for i in range(parts)),
        site_ids=("C", *(f"B{j:02d}" for j in range(1, sites))),
        on_hand=on_hand.astype(np.int64),
        target=target.astype(np.int64),
        safety=safety.astype(np.int64),
        penalty=rng.choice([10.0, 100.0, 1000.0], parts, p=[0.5, 0.35, 0.15]),
        volume=rng.uniform(0.1, 5.0, parts),
        site_volume=np.full(sites, np.nan),
        lane_from=np.array(frm, dtype=np.int64),
        lane_to=np.array(to, dtype=np.int64),
        lane_cost=np.round(0.2 + 2.0 * dist, 2),
        lane_fixed=np.round(20 + 50 * dist, 2),
        lane_capacity=cap.astype(np.int64),
    )
