"""Solver data for multi-echelon (S-1, S) stocking on a tree of at most three echelons: one root
(central warehouse), sites below it (depots, or vans straight under the root), and sites below
those (vans under a depot); or a single root with its own demand. Times and rates share one time
unit (the caller's: years in fieldopt); costs are in currency units.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np
from numpy.typing import NDArray

Method = Literal["metric", "vari-metric", "exact"]
METHODS: tuple[Method, ...] = ("metric", "vari-metric", "exact")
MAX_DEPTH = 2  # edges from the root to the deepest site: three echelons


def _check(cond: bool, obj: str, fld: str, msg: str) -> None:
    if not cond:
        raise ValueError(f"{obj}: field {fld}: {msg}")


@dataclass(frozen=True)
class StockingData:
    """A tree network (at most three echelons) and per-part flows.

    Arrays are indexed ``[part, site]`` (``P x L``) or ``[part]``; ``parent[site]`` is ``-1`` for
    the one root and the index of the site's parent otherwise (any order, no cycles, at most
    ``MAX_DEPTH`` edges below the root). ``demand_rate`` λ is the site's own demand; it is zero on
    the root unless the network is a single site. A site repairs the share
    ``local_repair_fraction`` r of its *own* demand in ``local_repair_time`` Tb and asks its parent
    for the rest, and for everything its children ask of it, with ``resupply_time`` O from the
    parent; ``root_time`` T0 is the root's repair or procurement lead time.
    ``emergency[site]``: demand finding no stock is met by an emergency shipment (Erlang loss)
    instead of being backordered (sites without children only); the customer then waits
    ``emergency_time[site]`` for it, so the site's customers hold λ T_e B(s) "backorders" (Little).
    """

    part_ids: tuple[str, ...]
    site_ids: tuple[str, ...]
    unit_cost: NDArray[np.float64]
    parent: NDArray[np.int64]
    demand_rate: NDArray[np.float64]
    local_repair_fraction: NDArray[np.float64]
    local_repair_time: NDArray[np.float64]
    resupply_time: NDArray[np.float64]
    root_time: NDArray[np.float64]
    emergency: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=np.bool_))
    emergency_time: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))

    def __post_init__(self) -> None:
        p, sites = len(self.part_ids), len(self.site_ids)
        if self.emergency.shape == (0,) and sites:
            object.__setattr__(self, "emergency", np.zeros(sites, dtype=np.bool_))
        if self.emergency_time.shape == (0,) and sites:
            object.__setattr__(self, "emergency_time", np.zeros(sites))
        _check(sites > 0, "network", "site_ids", "needs at least one site")
        _check(len(set(self.part_ids)) == p, "network", "part_ids", "ids must be unique")
        _check(len(set(self.site_ids)) == sites, "network", "site_ids", "ids must be unique")
        for name, shape in (
            ("unit_cost", (p,)),
            ("parent", (sites,)),
            ("demand_rate", (p, sites)),
            ("local_repair_fraction", (p, sites)),
            ("local_repair_time", (p, sites)),
            ("resupply_time", (p, sites)),
            ("root_time", (p,)),
            ("emergency", (sites,)),
            ("emergency_time", (sites,)),
        ):
            arr = getattr(self, name)
            _check(arr.shape == shape, "network", name, f"shape {arr.shape}, expected {shape}")
            if arr.dtype.kind == "f":
                bad = ~np.isfinite(arr) | (arr < 0)
                if np.any(bad):
                    idx = np.argwhere(bad)[0]
                    where = self._where(idx, by_site=name == "emergency_time")
                    _check(False, where, name, f"must be finite and >= 0, got {arr[tuple(idx)]}")
            arr.setflags(write=False)
        roots = np.flatnonzero(self.parent < 0)
        _check(len(roots) == 1, "network", "parent", f"needs exactly one root, got {len(roots)}")
        for j in range(sites):
            par = int(self.parent[j])
            _check(par < sites, f"site {self.site_ids[j]}", "parent", "index out of range")
            _check(
                par != j, f"site {self.site_ids[j]}", "parent", "a site cannot be its own parent"
            )
        for j in range(sites):
            depth, at = 0, j
            while self.parent[at] >= 0:
                at = int(self.parent[at])
                depth += 1
                _check(depth <= sites, f"site {self.site_ids[j]}", "parent", "parents form a cycle")
            _check(
                depth <= MAX_DEPTH,
                f"site {self.site_ids[j]}",
                "parent",
                f"{depth} levels below the root: at most three echelons (central, depot, van) "
                "are modelled",
            )
        for e in np.flatnonzero(self.emergency).tolist():
            _check(
                not np.any(self.parent == e),
                f"site {self.site_ids[e]}",
                "emergency",
                "only sites without children can meet stock-outs by emergency shipment",
            )
        bad_r = self.local_repair_fraction > 1.0
        if np.any(bad_r):
            idx = np.argwhere(bad_r)[0]
            _check(False, self._where(idx), "local_repair_fraction", "must be <= 1")
        root = self.root
        if sites > 1 and np.any(self.demand_rate[:, root] > 0):
            i = int(np.flatnonzero(self.demand_rate[:, root] > 0)[0])
            _check(
                False,
                f"part {self.part_ids[i]} at root {self.site_ids[root]}",
                "demand_rate",
                "a root with sites below it cannot have its own demand here",
            )

    def _where(self, idx: NDArray[np.int64], by_site: bool = False) -> str:
        if len(idx) == 2:
            return f"part {self.part_ids[idx[0]]} at site {self.site_ids[idx[1]]}"
        return f"site {self.site_ids[idx[0]]}" if by_site else f"part {self.part_ids[idx[0]]}"

    @property
    def root(self) -> int:
        return int(np.flatnonzero(self.parent < 0)[0])

    @cached_property
    def depth(self) -> NDArray[np.int64]:
        """Edges from the root to each site (0 at the root)."""
        out = np.zeros(len(self.site_ids), dtype=np.int64)
        for j in range(len(self.site_ids)):
            at = j
            while self.parent[at] >= 0:
                at = int(self.parent[at])
                out[j] += 1
        out.setflags(write=False)
        return out

    @property
    def echelons(self) -> int:
        """Levels of the tree: 1 for a single site, 2 for root + sites, 3 with vans under depots."""
        return int(self.depth.max()) + 1

    def children(self, site: int) -> NDArray[np.int64]:
        return np.flatnonzero(self.parent == site).astype(np.int64)

    @cached_property
    def _flows(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        own = np.asarray(self.demand_rate * (1.0 - self.local_repair_fraction), dtype=np.float64)
        up = own.copy()
        down = np.zeros_like(own)
        for j in np.argsort(-self.depth, kind="stable").tolist():  # deepest first
            up[:, j] = own[:, j] + down[:, j]
            par = int(self.parent[j])
            if par >= 0 and self.depth[j] > 1:
                down[:, par] = down[:, par] + up[:, j]
        up.setflags(write=False)
        down.setflags(write=False)
        return up, down

    @property
    def resupply_demand(self) -> NDArray[np.float64]:
        """``P x L``: what each site asks of its parent per time unit, its own unrepaired demand
        plus everything its children ask of it:  u_j = λ_j (1 - r_j) + Σ_{c child of j} u_c."""
        return self._flows[0]

    @property
    def child_demand(self) -> NDArray[np.float64]:
        """``P x L``: Σ_{c child of j} u_c, what the children of each non-root site ask of it
        (zero at sites without children and at the root, whose intake is ``root_demand``)."""
        return self._flows[1]

    @property
    def intake(self) -> NDArray[np.float64]:
        """``P x L``: all demand on a site's stock, Λ_j = λ_j + Σ_{c child of j} u_c
        (``root_demand`` at the root of a tree)."""
        out = np.asarray(self.demand_rate + self.child_demand, dtype=np.float64)
        if not self.single_site:
            out[:, self.root] = self.root_demand
        return out

    @property
    def single_site(self) -> bool:
        return len(self.site_ids) == 1

    @property
    def bases(self) -> NDArray[np.int64]:
        """Stocking sites below the root (every non-root site, depots and vans alike), or the root
        of a single site."""
        if self.single_site:
            return np.array([0], dtype=np.int64)
        return np.flatnonzero(self.parent >= 0).astype(np.int64)

    @property
    def root_demand(self) -> NDArray[np.float64]:
        """λ0 = Σ_j λ_j (1 - r_j) over every site: what reaches the root, per part."""
        if self.single_site:
            return np.asarray(self.demand_rate[:, 0], dtype=np.float64)
        return np.asarray(
            np.sum(self.demand_rate * (1.0 - self.local_repair_fraction), axis=1), dtype=np.float64
        )
