"""Solver data for two-echelon (S-1, S) stocking: one root (central warehouse or depot) and sites
below it, or a single root with its own demand. Times and rates share one time unit (the caller's:
years in fieldopt); costs are in currency units.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

Method = Literal["metric", "vari-metric", "exact"]
METHODS: tuple[Method, ...] = ("metric", "vari-metric", "exact")


def _check(cond: bool, obj: str, fld: str, msg: str) -> None:
    if not cond:
        raise ValueError(f"{obj}: field {fld}: {msg}")


@dataclass(frozen=True)
class StockingData:
    """A two-echelon network and per-part flows.

    Arrays are indexed ``[part, site]`` (``P x L``) or ``[part]``; ``parent[site]`` is ``-1`` for
    the one root. ``demand_rate`` λ is zero on the root unless the network is a single site.
    ``local_repair_fraction`` r with ``local_repair_time`` Tb, the rest resupplied from the root in
    ``resupply_time`` O; ``root_time`` T0 is the root's repair or procurement lead time.
    ``emergency[site]``: demand finding no stock is met by an emergency shipment (Erlang loss)
    instead of being backordered.
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

    def __post_init__(self) -> None:
        p, sites = len(self.part_ids), len(self.site_ids)
        if self.emergency.shape == (0,) and sites:
            object.__setattr__(self, "emergency", np.zeros(sites, dtype=np.bool_))
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
        ):
            arr = getattr(self, name)
            _check(arr.shape == shape, "network", name, f"shape {arr.shape}, expected {shape}")
            if arr.dtype.kind == "f":
                bad = ~np.isfinite(arr) | (arr < 0)
                if np.any(bad):
                    idx = np.argwhere(bad)[0]
                    where = self._where(idx)
                    _check(False, where, name, f"must be finite and >= 0, got {arr[tuple(idx)]}")
            arr.setflags(write=False)
        roots = np.flatnonzero(self.parent < 0)
        _check(len(roots) == 1, "network", "parent", f"needs exactly one root, got {len(roots)}")
        for j in range(sites):
            par = int(self.parent[j])
            if par >= 0:
                _check(par < sites, f"site {self.site_ids[j]}", "parent", "index out of range")
                _check(
                    self.parent[par] < 0,
                    f"site {self.site_ids[j]}",
                    "parent",
                    "only two echelons are modelled: a site's parent must be the root",
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

    def _where(self, idx: NDArray[np.int64]) -> str:
        if len(idx) == 2:
            return f"part {self.part_ids[idx[0]]} at site {self.site_ids[idx[1]]}"
        return f"index {idx[0]}"

    @property
    def root(self) -> int:
        return int(np.flatnonzero(self.parent < 0)[0])

    @property
    def single_site(self) -> bool:
        return len(self.site_ids) == 1

    @property
    def bases(self) -> NDArray[np.int64]:
        """Sites where demand is served: the non-root sites, or the root of a single site."""
        if self.single_site:
            return np.array([0], dtype=np.int64)
        return np.flatnonzero(self.parent >= 0).astype(np.int64)

    @property
    def root_demand(self) -> NDArray[np.float64]:
        """λ0 = Σ_j λ_j (1 - r_j): what the sites send up to the root, per part."""
        if self.single_site:
            return np.asarray(self.demand_rate[:, 0], dtype=np.float64)
        return np.asarray(
            np.sum(self.demand_rate * (1.0 - self.local_repair_fraction), axis=1), dtype=np.float64
        )
