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

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from solvers.inventory.data import Method, StockingData
from solvers.inventory.distributions import (
    ebo_curve,
    negative_binomial_pmf,
    poisson_pmf,
    support_size,
)
from solvers.inventory.evaluate import (
    _local_mean,
    _root_share,
    base_curves,
    customer_share,
    pipeline_curves,
    root_moments,
    with_emergency,
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
    start_units: IntArray | None = None  # units per part at point 0 (min levels); None: 0

    def units_at(self, point: int) -> IntArray:
        """Units per part at frontier point ``point``."""
        n_parts = self.curves.ebo.shape[0]
        k = int(point)
        last = np.full(n_parts, -1, dtype=np.int64)  # each part's last step up to the point
        np.maximum.at(last, self.step_part[:k], np.arange(k, dtype=np.int64))
        units = np.zeros(n_parts, dtype=np.int64)
        if self.start_units is not None:
            units[:] = self.start_units
        done = last >= 0
        units[done] = self.step_units[last[done]]
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
    pre = None if deep else _pre(data, params)
    for start in range(0, n_parts, chunk):
        idx = np.arange(start, min(start + chunk, n_parts), dtype=np.int64)
        blocks.append(
            _tree_chunk_curves(data, idx, params) if deep else _chunk_curves(data, idx, params, pre)
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
    data: StockingData, idx: IntArray, params: FrontierParams, pre: _Pre | None = None
) -> tuple[Array, IntArray]:
    k = len(idx)
    pre = pre or _pre(data, params)
    if data.single_site:
        s0max = 0
    else:
        mu0 = (data.root_demand * data.root_time)[idx]
        s0max = _levels_needed(mu0, params.tail_ebo)
        e0 = pre.e0[idx, : s0max + 1]
    smax = _base_range(data, idx, params.tail_ebo, pre)
    n_bases = len(data.bases)
    width = s0max + n_bases * smax + 1
    best = np.full((k, width), np.inf)
    best_lvl = np.zeros((k, width), dtype=np.int64)
    for s0 in range(s0max + 1):
        # a part takes more root stock only while its root still has measurable backorders
        rows = np.arange(k) if s0 == 0 else np.flatnonzero(e0[:, s0 - 1] >= params.tail_ebo * 1e-3)
        if len(rows) == 0:
            break
        ebo = _base_ebo(
            data, idx[rows], np.full(len(rows), s0, dtype=np.int64), params.method, smax, pre
        )
        g, _ = _greedy(ebo)
        window = best[rows, s0 : s0 + g.shape[1]]
        better = g < window - 1e-15
        window[better] = g[better]
        best[rows, s0 : s0 + g.shape[1]] = window
        lvl = best_lvl[rows, s0 : s0 + g.shape[1]]
        lvl[better] = s0
        best_lvl[rows, s0 : s0 + g.shape[1]] = lvl
    return best, best_lvl


@dataclass(frozen=True)
class _Pre:
    """What every chunk of a two-echelon network shares, computed once: the bases' local
    pipeline means and root shares (``P x B``) and the root's backorder moments for every root
    level searched (``P x (S0+1)``)."""

    local: Array
    share: Array
    e0: Array
    v0: Array


def _pre(data: StockingData, params: FrontierParams, top: int | None = None) -> _Pre:
    local, f = _local_mean(data), _root_share(data)
    if data.single_site:
        zero = np.zeros((len(data.part_ids), 1))
        return _Pre(local, f, zero, zero)
    if top is None:
        top = _levels_needed(data.root_demand * data.root_time, params.tail_ebo)
    e0, v0 = root_moments(data, top)
    return _Pre(local, f, e0, v0)


def _base_range(data: StockingData, idx: IntArray, tail: float, pre: _Pre) -> int:
    """Levels 0..S searched at every base for the parts ``idx``: enough for the largest pipeline
    (no root stock) to leave less than ``tail`` backorders."""
    if data.single_site:
        return _levels_needed(pre.local[idx], tail)
    return _levels_needed(pre.local[idx] + pre.share[idx] * pre.e0[idx, :1], tail)


def _base_ebo(
    data: StockingData,
    idx: IntArray,
    root_level: IntArray,
    method: Method,
    smax: int,
    pre: _Pre,
) -> Array:
    """Base EBO curves ``[part, base, 0..smax]`` of the parts ``idx`` at root levels
    ``root_level`` (the same numbers as ``base_curves``, from the shared precomputation)."""
    if method == "exact" or root_level.max(initial=0) >= pre.e0.shape[1]:
        return base_curves(data, root_level, method, smax, idx).ebo
    local, f = pre.local[idx], pre.share[idx]
    e0, v0 = pre.e0[idx, root_level][:, None], pre.v0[idx, root_level][:, None]
    mean = local + f * e0
    # EBO(s) for s <= smax needs the pmf on 0..smax-1 only: the first points of the same
    # truncated pmf (support_size), so the same numbers at a fraction of the work
    if method == "metric":
        n = support_size(float(mean.max(initial=0.0)), 0.0)
        pmf = poisson_pmf(mean, max(min(n, smax), 1))
    else:
        var = local + f * (1.0 - f) * e0 + f * f * v0
        n = support_size(float(mean.max(initial=0.0)), float(var.max(initial=0.0)))
        pmf = negative_binomial_pmf(mean, var, max(min(n, smax), 1))
    return with_emergency(data, idx, data.bases, ebo_curve(pmf, mean, smax), None, mean)[0]


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
    ranked = np.sort(drops, axis=-1)[..., ::-1]  # largest first
    g = np.empty((*lead, drops.shape[-1] + 1))
    start = ebo[..., 0].sum(axis=-1)
    g[..., 0] = start
    g[..., 1:] = start[..., None] - np.cumsum(ranked, axis=-1)
    return np.maximum(g, 0.0, out=g), drops


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
    bases = data.bases
    g_direct, direct_drops = _greedy(
        with_emergency(data, idx, bases[d], cur.ebo, None, cur.mean)[0]
    )
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
        kid_ebo = with_emergency(data, idx, bases[kids], kc.ebo, None, kc.mean)[0]
        g_kids, drops = _greedy(kid_ebo)  # [k, smid+1, 1 + nk*smax]
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


_HULL_BLOCK = 500


def _lower_hulls(y: Array) -> tuple[IntArray, IntArray]:
    """Per row of ``y`` (``P x W``), the decreasing part of the lower convex hull of the points
    (n, y[n]) with finite y: ``hull[i, :count[i]]`` left to right.

    Andrew's monotone chain run on all rows in lock-step, column by column: a row pops its
    stack's top b while b lies on or above the segment from the point below it, a, to the new
    point n, i.e. ``(y_b - y_a)(n - a) >= (y_n - y_a)(b - a) - 1e-15``; then only the points
    that cut y by more than 1e-15 are kept (extra units that do not cut EBO are not efficient).
    The same arithmetic as the one-curve loop, so the same hulls, in O(W) numpy steps.
    """
    n_rows, width = y.shape
    finite = np.isfinite(y)
    if n_rows > _HULL_BLOCK:
        # rows are independent: blocks of rows, each only as wide as its last finite point
        hull = np.zeros((n_rows, width), dtype=np.int64)
        count = np.zeros(n_rows, dtype=np.int64)
        for begin in range(0, n_rows, _HULL_BLOCK):
            block = slice(begin, min(begin + _HULL_BLOCK, n_rows))
            cols = np.flatnonzero(finite[block].any(axis=0))
            upto = int(cols[-1]) + 1 if len(cols) else 0
            h, c = _lower_hulls(y[block, :upto])
            hull[block, :upto], count[block] = h, c
        return hull, count
    stack = np.zeros((n_rows, width), dtype=np.int64)
    height = np.zeros(n_rows, dtype=np.int64)
    for n in range(width):
        rows = np.flatnonzero(finite[:, n])
        if len(rows) == 0:
            continue
        act = rows
        while len(act):
            act = act[height[act] >= 2]
            if len(act) == 0:
                break
            h = height[act]
            a, b = stack[act, h - 2], stack[act, h - 1]
            ya, yb = y[act, a], y[act, b]
            pop = (yb - ya) * (n - a) >= (y[act, n] - ya) * (b - a) - 1e-15
            act = act[pop]
            height[act] -= 1
        stack[rows, height[rows]] = n
        height[rows] += 1
    # the decreasing part: keep a vertex only if it cuts y below the last kept one
    hull = np.zeros_like(stack)
    count = (height > 0).astype(np.int64)
    hull[:, 0] = stack[:, 0]
    rows_all = np.arange(n_rows)
    for k in range(1, int(height.max(initial=0))):
        rows = rows_all[height > k]
        cand = stack[rows, k]
        last = hull[rows, count[rows] - 1]
        ok = y[rows, cand] < y[rows, last] - 1e-15
        rows, cand = rows[ok], cand[ok]
        hull[rows, count[rows]] = cand
        count[rows] += 1
    return hull, count


def frontier(
    data: StockingData,
    params: FrontierParams,
    progress: Callable[[int], None] | None = None,
) -> Frontier:
    """The whole efficient frontier (cost, total base EBO), cheapest first."""
    t0 = time.perf_counter()
    curves = part_curves(data, params, progress)
    return _merge(curves, data.unit_cost, t0)


def _merge(curves: PartCurves, cost: Array, t0: float) -> Frontier:
    """The frontier from per-part curves: every part's hull steps (a -> b units), merged by
    decreasing EBO drop per unit of money; free steps first, ties in part then unit order.
    Point 0 holds each part's first finite point (0 units, or its min levels' sum)."""
    hull, count = _lower_hulls(curves.ebo)
    n_parts = curves.ebo.shape[0]
    start_pts = count > 0
    if not np.all(start_pts):
        i = int(np.flatnonzero(~start_pts)[0])
        raise ValueError(f"part index {i}: no allowed stock level (min above max?)")
    start = float(np.sum(curves.ebo[start_pts, hull[start_pts, 0]]))
    start_units = hull[:, 0].copy()
    start_cost = float(np.sum(cost * start_units))
    steps = np.maximum(count - 1, 0)
    part = np.repeat(np.arange(n_parts, dtype=np.int64), steps)
    # position of each step within its part's hull: 1..count-1
    first = np.concatenate([[0], np.cumsum(steps)[:-1]]) if n_parts else np.zeros(0, np.int64)
    pos = np.arange(len(part), dtype=np.int64) - np.repeat(first, steps) + 1
    b = hull[part, pos]
    a = hull[part, pos - 1]
    de = curves.ebo[part, a] - curves.ebo[part, b]
    dc = cost[part] * (b - a)
    # free units (cost 0) first, then by EBO drop per money; stable keeps each part's order
    ratio = np.where(dc > 0, de / np.where(dc > 0, dc, 1.0), np.inf)
    order = np.argsort(-ratio, kind="stable")
    ebo = np.concatenate([[start], start - np.cumsum(de[order])])
    total_cost = np.concatenate([[0.0], np.cumsum(dc[order])]) + start_cost
    return Frontier(
        curves,
        total_cost,
        np.maximum(ebo, 0.0),
        part[order],
        b[order],
        time.perf_counter() - t0,
        start_units if np.any(start_units) else None,
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
    params = FrontierParams(method=method, tail_ebo=curves.tail_ebo)
    pre = _pre(data, params, int(root_level.max(initial=0)))
    chunk = curves.chunk if curves.chunk > 0 else n_parts
    n_b = len(data.bases)
    for begin in range(0, n_parts, chunk):
        block = np.arange(begin, min(begin + chunk, n_parts), dtype=np.int64)
        active = block[k[block] > 0]
        if len(active) == 0:
            continue
        # the level range part_curves searched for this block; wider for parts beyond it
        smax = _base_range(data, block, curves.tail_ebo, pre)
        wide = k[active] > n_b * smax
        for group, top in ((active[~wide], smax), (active[wide], int(k[active].max()))):
            if len(group):
                _by_rank_all(data, stock, group, root_level, k, method, top, pre)
    return stock


def _by_rank_all(
    data: StockingData,
    stock: NDArray[np.int64],
    parts: IntArray,
    root_level: IntArray,
    k: IntArray,
    method: Method,
    smax: int,
    pre: _Pre,
) -> None:
    """Give each part ``k`` units over the bases in order of largest EBO drop (two echelons)."""
    ebo = _base_ebo(data, parts, root_level[parts], method, smax, pre)
    drops = (ebo[..., :-1] - ebo[..., 1:]).reshape(len(parts), -1)
    order = np.argsort(-drops, axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(drops.shape[1])[None, :], axis=1)
    chosen = rank < k[parts][:, None]
    stock[np.ix_(parts, data.bases)] = chosen.reshape(len(parts), len(data.bases), smax).sum(axis=2)


def least_cost_units(curves: PartCurves, unit_cost: Array, ebo_value: float) -> IntArray:
    """Units per part minimising  c_i n + v F_i(n)  (v = ``ebo_value``): exact per part, so the
    plan of least total cost when backorders cost v each per time unit. Exact within the level
    ranges ``curves`` searched; :func:`value_tail` sizes them so that no unit beyond pays."""
    n = np.arange(curves.ebo.shape[1], dtype=np.float64)
    with np.errstate(invalid="ignore"):
        total = unit_cost[:, None] * n[None, :] + ebo_value * curves.ebo
    total[~np.isfinite(curves.ebo)] = np.inf
    return np.asarray(np.argmin(total, axis=1), dtype=np.int64)


def value_tail(data: StockingData, unit_cost: Array, ebo_value: float, tail: float = 1e-4) -> float:
    """A ``tail_ebo`` small enough that, past the searched ranges, one more unit of any part
    saves less than it costs (the EBO left there is below c_i / v), for the curves' steepest
    multiplier (λ T_e at emergency sites)."""
    cost = unit_cost[unit_cost > 0]
    if len(cost):
        tail = min(tail, 0.5 * float(cost.min()) / ebo_value)
    wait = data.demand_rate * data.emergency_time[None, :]
    return max(tail / max(1.0, float(wait.max(initial=0.0))), 1e-12)
