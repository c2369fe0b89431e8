"""The efficient frontier by marginal analysis, with Sherbrooke's loop over root stock levels.

For a part i with the root level s0 fixed, base EBO curves are separable and convex, and every
unit costs c_i wherever it goes, so giving k units to the bases in order of largest EBO drop is
optimal for every k:  g_i(s0, k) = Σ_j EBO_ij(s0, 0) - (sum of the k largest drops).
The part's exact curve is F_i(n) = min_{s0 + k = n} g_i(s0, k) (the loop over root levels:
greedy over all sites at once is not optimal across echelons). The system frontier then merges
the lower convex hulls of the F_i by decreasing EBO drop per unit of money: each point on it is
optimal for its own cost (points between hull vertices need the MILP).

Three echelons (central → depots → vans). With s0 fixed, a depot m and the vans under it form a
subtree whose best EBO with n units is exact by the same idea one level down: for each depot
level s_m the vans' curves are separable and convex, so

    h_m(s0, n) = min_{s_m} [ w_m EBO_m(s0, s_m) + greedy over m's vans with n - s_m units ],

with w_m = λ_m / Λ_m the depot's own customers' share of its backorders. The h_m are not convex,
so the root's children (the greedy curve of the vans and depots without children straight under
the root, and one h_m per depot with children) are merged by exact min-plus convolution
(a knapsack over the subtrees), giving g(s0, n); then F_i(n) = min_{s0} g(s0, n - s0) as before.
F_i is therefore exact within the level ranges searched, in every echelon; the frontier is the
merge of the lower convex hulls of the F_i, exactly as for two echelons.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from solvers.inventory.data import Method, StockingData
from solvers.inventory.evaluate import (
    _local_mean,
    _root_share,
    base_curves,
    customer_share,
    pipeline_curves,
    root_moments,
)

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class FrontierParams:
    """``tail_ebo``: stop stocking a part once its EBO is below this; ``chunk``: parts per
    vectorised block (memory vs speed)."""

    method: Method = "metric"
    tail_ebo: float = 1e-4
    chunk: int = 500

    def __post_init__(self) -> None:
        if not self.tail_ebo > 0:
            raise ValueError(f"FrontierParams: field tail_ebo: must be > 0, got {self.tail_ebo}")
        if self.chunk < 1:
            raise ValueError(f"FrontierParams: field chunk: must be >= 1, got {self.chunk}")


@dataclass(frozen=True)
class PartCurves:
    """Exact per-part curves: ``ebo[i, n]`` = least total base EBO of part i with n units
    (``inf`` past the part's range), ``root_level[i, n]`` the root's share of those n units.
    ``chunk`` and ``tail_ebo``: how they were computed (parts per block, level-range tail), so
    that allocation on three echelons searches exactly the same level ranges."""

    ebo: Array
    root_level: IntArray
    chunk: int = 0
    tail_ebo: float = 1e-4


@dataclass(frozen=True)
class Frontier:
    """Points 0..K of the efficient frontier: ``cost[t]``, ``ebo[t]``; step t (1..K) sets part
    ``step_part[t-1]`` to ``step_units[t-1]`` units in total."""

    curves: PartCurves
    cost: Array
    ebo: Array
    step_part: IntArray
    step_units: IntArray
    runtime_s: float

    def units_at(self, point: int) -> IntArray:
        """Units per part at frontier point ``point``."""
        units = np.zeros(self.curves.ebo.shape[0], dtype=np.int64)
        k = int(point)
        units[self.step_part[:k]] = 0  # later steps of a part overwrite earlier ones
        for p, u in zip(self.step_part[:k], self.step_units[:k], strict=True):
            units[p] = u
        return units

    def point_for_budget(self, budget: float) -> int:
        """The last frontier point costing at most ``budget``."""
        return int(np.searchsorted(self.cost, budget + 1e-9, side="right") - 1)


def part_curves(
    data: StockingData,
    params: FrontierParams,
    progress: Callable[[int], None] | None = None,
) -> PartCurves:
    """F_i(n) and the root level achieving it, for every part (vectorised over part chunks)."""
    n_parts = len(data.part_ids)
    blocks: list[tuple[Array, IntArray]] = []
    deep = data.echelons > 2
    if deep and params.method not in ("metric", "vari-metric"):
        raise ValueError(
            f"FrontierParams: field method: {params.method!r} handles two echelons only; "
            "use metric or vari-metric on a three-echelon network"
        )
    chunk = max(1, params.chunk // 20) if deep else params.chunk
    for start in range(0, n_parts, chunk):
        idx = np.arange(start, min(start + chunk, n_parts), dtype=np.int64)
        blocks.append(
            _tree_chunk_curves(data, idx, params) if deep else _chunk_curves(data, idx, params)
        )
        if progress is not None:
            progress(len(idx))
    width = max(b[0].shape[1] for b in blocks)
    ebo = np.full((n_parts, width), np.inf)
    lvl = np.zeros((n_parts, width), dtype=np.int64)
    row = 0
    for e, s in blocks:
        ebo[row : row + len(e), : e.shape[1]] = e
        lvl[row : row + len(e), : e.shape[1]] = s
        row += len(e)
    return PartCurves(ebo, lvl, chunk, params.tail_ebo)


def _levels_needed(mean: Array, tail: float) -> int:
    top = float(mean.max(initial=0.0))
    return math.ceil(top + 6.0 * math.sqrt(top) + 3 - math.log10(tail))


def _chunk_curves(
    data: StockingData, idx: IntArray, params: FrontierParams
) -> tuple[Array, IntArray]:
    k = len(idx)
    if data.single_site:
        s0max = 0
    else:
        mu0 = (data.root_demand * data.root_time)[idx]
        s0max = _levels_needed(mu0, params.tail_ebo)
        e0, _ = root_moments(data, s0max)
        e0 = e0[idx]
    zero = np.zeros(k, dtype=np.int64)
    smax = _levels_needed(base_curves(data, zero, "metric", 0, idx).mean, params.tail_ebo)
    n_bases = len(data.bases)
    width = s0max + n_bases * smax + 1
    best = np.full((k, width), np.inf)
    best_lvl = np.zeros((k, width), dtype=np.int64)
    for s0 in range(s0max + 1):
        if s0 > 0 and not data.single_site and np.all(e0[:, s0 - 1] < params.tail_ebo * 1e-3):
            break  # more root stock cannot change anything measurable
        curves = base_curves(data, np.full(k, s0, dtype=np.int64), params.method, smax, idx)
        drops = (curves.ebo[..., :-1] - curves.ebo[..., 1:]).reshape(k, -1)
        drops = -np.sort(-drops, axis=1)
        g = curves.ebo[..., 0].sum(axis=1)[:, None] - np.concatenate(
            [np.zeros((k, 1)), np.cumsum(drops, axis=1)], axis=1
        )
        g = np.maximum(g, 0.0)
        window = best[:, s0 : s0 + g.shape[1]]
        better = g < window - 1e-15
        window[better] = g[better]
        best_lvl[:, s0 : s0 + g.shape[1]][better] = s0
    return best, best_lvl


@dataclass(frozen=True)
class _Tree:
    """Columns (into ``data.bases``) of the root's children without children (``direct``), of the
    depots with children (``middle``) and of each depot's children (``kids``)."""

    direct: IntArray
    middle: IntArray
    kids: tuple[IntArray, ...]


def _tree(data: StockingData) -> _Tree:
    col_of = {int(site): col for col, site in enumerate(data.bases)}
    direct, middle, kids = [], [], []
    for j in data.children(data.root):
        below = data.children(int(j))
        if len(below):
            middle.append(col_of[int(j)])
            kids.append(np.array([col_of[int(c)] for c in below], dtype=np.int64))
        else:
            direct.append(col_of[int(j)])
    return _Tree(np.array(direct, dtype=np.int64), np.array(middle, dtype=np.int64), tuple(kids))


def _greedy(ebo: Array) -> tuple[Array, Array]:
    """Least total EBO with ``n`` units over separable convex curves ``ebo[..., site, s]``
    (``n = 0..sites*S``) and the drops, for ranking units when allocating."""
    lead = ebo.shape[:-2]
    drops = (ebo[..., :-1] - ebo[..., 1:]).reshape(*lead, -1)
    g = ebo[..., 0].sum(axis=-1)[..., None] - np.concatenate(
        [np.zeros((*lead, 1)), np.cumsum(-np.sort(-drops, axis=-1), axis=-1)], axis=-1
    )
    return np.maximum(g, 0.0), drops


def _minplus(a: Array, b: Array) -> tuple[Array, IntArray]:
    """``c[k, n] = min_j a[k, n - j] + b[k, j]`` and the ``j`` achieving it (first on ties)."""
    k, wa = a.shape
    wb = b.shape[1]
    c = np.full((k, wa + wb - 1), np.inf)
    arg = np.zeros((k, wa + wb - 1), dtype=np.int64)
    for j in range(wb):
        cand = a + b[:, j : j + 1]
        window = c[:, j : j + wa]
        better = cand < window - 1e-15
        window[better] = cand[better]
        arg[:, j : j + wa][better] = j
    return c, arg


@dataclass(frozen=True)
class _Subtrees:
    """For parts with fixed root levels: ``g[k, n]`` least EBO with n units below the root,
    ``split[t][k, n]`` units given to subtree t+1 by the merge, the direct sites' drops, each
    depot's best own level ``arg_level[m][k, n]`` with n units in its subtree, and the curves
    needed to realise a split."""

    g: Array
    parts: list[Array]
    split: list[IntArray]
    direct_drops: Array
    arg_level: list[IntArray]
    kid_drops: list[Array]


def _subtrees(
    data: StockingData,
    idx: IntArray,
    e0: Array,
    v0: Array,
    method: Method,
    smax: int,
    smid: int,
) -> _Subtrees:
    """Least EBO below the root per part given the root's backorder moments ``e0, v0`` (``[k]``),
    vans up to ``smax`` units, depots up to ``smid``."""
    tree = _tree(data)
    local, f = _local_mean(data)[idx], _root_share(data)[idx]
    w = customer_share(data)[idx]
    k = len(idx)
    parts: list[Array] = []
    d = tree.direct
    cur = pipeline_curves(
        local[:, d],
        f[:, d],
        np.repeat(e0[:, None], len(d), 1),
        np.repeat(v0[:, None], len(d), 1),
        method,
        smax,
    )
    g_direct, direct_drops = _greedy(cur.ebo)
    parts.append(g_direct)
    arg_level: list[IntArray] = []
    kid_drops: list[Array] = []
    for m, kids in zip(tree.middle, tree.kids, strict=True):
        mid = pipeline_curves(local[:, m], f[:, m], e0, v0, method, smid)  # [k, smid+1]
        nk = len(kids)
        shape = (k, smid + 1, nk)
        kc = pipeline_curves(
            np.broadcast_to(local[:, None, kids], shape),
            np.broadcast_to(f[:, None, kids], shape),
            np.broadcast_to(mid.ebo[:, :, None], shape),
            np.broadcast_to(mid.vbo[:, :, None], shape),
            method,
            smax,
        )
        g_kids, drops = _greedy(kc.ebo)  # [k, smid+1, 1 + nk*smax]
        own = w[:, m, None] * mid.ebo  # [k, smid+1]
        width = smid + g_kids.shape[-1]
        h = np.full((k, width), np.inf)
        arg = np.zeros((k, width), dtype=np.int64)
        for s_m in range(smid + 1):
            cand = own[:, s_m, None] + g_kids[:, s_m, :]
            window = h[:, s_m : s_m + g_kids.shape[-1]]
            better = cand < window - 1e-15
            window[better] = cand[better]
            arg[:, s_m : s_m + g_kids.shape[-1]][better] = s_m
        parts.append(h)
        arg_level.append(arg)
        kid_drops.append(drops)
    g = parts[0]
    split: list[IntArray] = []
    for h in parts[1:]:
        g, how = _minplus(g, h)
        split.append(how)
    return _Subtrees(g, parts, split, direct_drops, arg_level, kid_drops)


def _tree_ranges(data: StockingData, idx: IntArray, tail: float) -> tuple[int, int]:
    """Level ranges of vans and depots: enough to cut the largest pipeline (every parent empty)
    below ``tail``."""
    tree = _tree(data)
    local, f = _local_mean(data)[idx], _root_share(data)[idx]
    mu0 = (data.root_demand * data.root_time)[idx]
    top = local + f * mu0[:, None]  # depth 1 with no root stock
    smid = _levels_needed(top[:, tree.middle], tail) if len(tree.middle) else 0
    leaf_top = [top[:, tree.direct]]
    for m, kids in zip(tree.middle, tree.kids, strict=True):
        leaf_top.append(local[:, kids] + f[:, kids] * top[:, m, None])
    smax = _levels_needed(np.concatenate(leaf_top, axis=1), tail)
    return smax, smid


def _tree_chunk_curves(
    data: StockingData, idx: IntArray, params: FrontierParams
) -> tuple[Array, IntArray]:
    k = len(idx)
    mu0 = (data.root_demand * data.root_time)[idx]
    s0max = _levels_needed(mu0, params.tail_ebo)
    e0, v0 = root_moments(data, s0max)
    e0, v0 = e0[idx], v0[idx]
    smax, smid = _tree_ranges(data, idx, params.tail_ebo)
    best: Array | None = None
    best_lvl: IntArray | None = None
    for s0 in range(s0max + 1):
        if s0 > 0 and np.all(e0[:, s0 - 1] < params.tail_ebo * 1e-3):
            break
        g = _subtrees(data, idx, e0[:, s0], v0[:, s0], params.method, smax, smid).g
        if best is None or best_lvl is None:
            best = np.full((k, s0max + g.shape[1]), np.inf)
            best_lvl = np.zeros((k, s0max + g.shape[1]), dtype=np.int64)
        window = best[:, s0 : s0 + g.shape[1]]
        better = g < window - 1e-15
        window[better] = g[better]
        best_lvl[:, s0 : s0 + g.shape[1]][better] = s0
    assert best is not None and best_lvl is not None
    return best, best_lvl


def _allocate_tree(
    data: StockingData, curves: PartCurves, units: IntArray, method: Method
) -> NDArray[np.int64]:
    """Stock levels of a three-echelon network: redo the subtree merge at each part's chosen root
    level, block by block with the level ranges ``part_curves`` used, and walk its choices back
    (vans by rank of EBO drop, as in the two-echelon case)."""
    n_parts = len(data.part_ids)
    stock = np.zeros((n_parts, len(data.site_ids)), dtype=np.int64)
    root_level = curves.root_level[np.arange(n_parts), units]
    stock[:, data.root] = root_level
    below = units - root_level
    chunk = curves.chunk if curves.chunk > 0 else n_parts
    for start in range(0, n_parts, chunk):
        block = np.arange(start, min(start + chunk, n_parts), dtype=np.int64)
        idx = block[below[block] > 0]
        if len(idx) == 0:
            continue
        smax, smid = _tree_ranges(data, block, curves.tail_ebo)
        e0, v0 = root_moments(data, int(root_level[idx].max()))
        sub = _subtrees(
            data, idx, e0[idx, root_level[idx]], v0[idx, root_level[idx]], method, smax, smid
        )
        for row, i in enumerate(idx.tolist()):
            n = int(below[i])
            if n < sub.g.shape[1] and np.isfinite(sub.g[row, n]):
                _walk_back(data, stock, sub, row, i, n, smax)
            else:  # beyond the searched ranges: search this part alone, as wide as its units
                one = np.array([i], dtype=np.int64)
                e1, v1 = e0[one, root_level[one]], v0[one, root_level[one]]
                wide = _subtrees(data, one, e1, v1, method, n, n)
                _walk_back(data, stock, wide, 0, i, n, n)
    return stock


def _walk_back(
    data: StockingData,
    stock: NDArray[np.int64],
    sub: _Subtrees,
    row: int,
    i: int,
    n: int,
    smax: int,
) -> None:
    """Undo the merges of ``sub`` (row ``row``) for ``n`` units below the root of part ``i``."""
    tree = _tree(data)
    bases = data.bases
    shares = [0] * len(sub.parts)
    left = n
    for t in range(len(sub.split) - 1, -1, -1):  # the last subtree's share first
        shares[t + 1] = int(sub.split[t][row, left])
        left -= shares[t + 1]
    shares[0] = left
    _by_rank(stock, i, bases[tree.direct], sub.direct_drops[row], shares[0], smax)
    for t, (m, kids) in enumerate(zip(tree.middle, tree.kids, strict=True)):
        got = shares[t + 1]
        s_m = int(sub.arg_level[t][row, got])
        stock[i, bases[m]] = s_m
        _by_rank(stock, i, bases[kids], sub.kid_drops[t][row, s_m], got - s_m, smax)


def _by_rank(
    stock: NDArray[np.int64], part: int, sites: IntArray, drops: Array, k: int, smax: int
) -> None:
    """Give ``k`` units to ``sites`` in order of largest EBO drop (``drops``: sites x smax)."""
    if k <= 0 or len(sites) == 0:
        return
    order = np.argsort(-drops, kind="stable")
    chosen = np.zeros(len(drops), dtype=bool)
    chosen[order[:k]] = True
    stock[part, sites] = chosen.reshape(len(sites), smax).sum(axis=1)


def _lower_hull(y: Array) -> list[int]:
    """Indices of the lower convex hull of points (n, y[n]) with finite y, left to right."""
    pts = [n for n in range(len(y)) if np.isfinite(y[n])]
    hull: list[int] = []
    for n in pts:
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            # drop b if it lies on or above the segment a-n
            if (y[b] - y[a]) * (n - a) >= (y[n] - y[a]) * (b - a) - 1e-15:
                hull.pop()
            else:
                break
        hull.append(n)
    # keep only the decreasing part: extra units that do not cut EBO are not efficient
    out = [hull[0]]
    for n in hull[1:]:
        if y[n] < y[out[-1]] - 1e-15:
            out.append(n)
    return out


def frontier(
    data: StockingData,
    params: FrontierParams,
    progress: Callable[[int], None] | None = None,
) -> Frontier:
    """The whole efficient frontier (cost, total base EBO), cheapest first."""
    t0 = time.perf_counter()
    curves = part_curves(data, params, progress)
    cost = data.unit_cost
    parts: list[int] = []
    units: list[int] = []
    d_ebo: list[float] = []
    d_cost: list[float] = []
    for i in range(curves.ebo.shape[0]):
        hull = _lower_hull(curves.ebo[i])
        for a, b in itertools.pairwise(hull):
            parts.append(i)
            units.append(b)
            d_ebo.append(float(curves.ebo[i, a] - curves.ebo[i, b]))
            d_cost.append(float(cost[i] * (b - a)))
    de, dc = np.array(d_ebo), np.array(d_cost)
    # free units (cost 0) first, then by EBO drop per money; stable keeps each part's order
    ratio = np.where(dc > 0, de / np.where(dc > 0, dc, 1.0), np.inf)
    order = np.argsort(-ratio, kind="stable")
    start = float(curves.ebo[:, 0].sum())
    ebo = np.concatenate([[start], start - np.cumsum(de[order])])
    total_cost = np.concatenate([[0.0], np.cumsum(dc[order])])
    return Frontier(
        curves,
        total_cost,
        np.maximum(ebo, 0.0),
        np.array(parts, dtype=np.int64)[order],
        np.array(units, dtype=np.int64)[order],
        time.perf_counter() - t0,
    )


def allocate(
    data: StockingData, curves: PartCurves, units: IntArray, method: Method
) -> NDArray[np.int64]:
    """Stock levels ``P x L`` realising ``curves.ebo[i, units[i]]`` for every part."""
    n_parts = len(data.part_ids)
    stock = np.zeros((n_parts, len(data.site_ids)), dtype=np.int64)
    root_level = curves.root_level[np.arange(n_parts), units]
    if data.single_site:
        stock[:, 0] = units
        return stock
    if data.echelons > 2:
        return _allocate_tree(data, curves, units, method)
    stock[:, data.root] = root_level
    k = units - root_level
    active = np.flatnonzero(k > 0)
    if len(active) == 0:
        return stock
    smax = int(k.max())
    cur = base_curves(data, root_level[active], method, smax, active.astype(np.int64))
    n_b = len(data.bases)
    drops = (cur.ebo[..., :-1] - cur.ebo[..., 1:]).reshape(len(active), -1)
    order = np.argsort(-drops, axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(drops.shape[1])[None, :], axis=1)
    chosen = rank < k[active][:, None]
    stock[np.ix_(active, data.bases)] = chosen.reshape(len(active), n_b, smax).sum(axis=2)
    return stock
