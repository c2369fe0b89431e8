"""The rebalancing MILP as numpy arrays: columns, and one small function per constraint family
returning its rows (coordinate form), so that the model goes to HiGHS in one ``passModel`` call
and, unchanged, to PuLP/CBC when HiGHS is missing or CBC is asked for.

Columns: integer transfers x_k (k = one part i on one lane a, from a site with spare stock of i
to a site short of it), 0 ≤ x_k ≤ U_k = min(spare_if, short_it); lane-use binaries y_a; with a
minimum quantity q > 1, binaries w_k; shortages u_it ≥ 0 at every (part, site) some lane can
fill. Objective  Σ_k c_a(k) x_k + Σ_a F_a y_a + Σ_it π_i u_it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class Rows:
    """A block of rows ``lower ≤ Σ value · col ≤ upper`` in coordinate form: entry e sits in
    row ``row[e]`` (0-based within the block) and column ``col[e]``."""

    row: IntArray
    col: IntArray
    value: Array
    lower: Array
    upper: Array
    name: str

    @property
    def count(self) -> int:
        return len(self.lower)


def _rows(
    row: IntArray, col: IntArray, value: Array, lower: Array, upper: Array, name: str
) -> Rows:
    return Rows(
        np.asarray(row, dtype=np.int64),
        np.asarray(col, dtype=np.int64),
        np.asarray(value, dtype=np.float64),
        np.asarray(lower, dtype=np.float64),
        np.asarray(upper, dtype=np.float64),
        name,
    )


def lane_use_rows(x: IntArray, y_of_x: IntArray, link: Array) -> Rows:
    """A transfer only on a used lane, one row per transfer:  x_k - L_k y_a(k) ≤ 0 with
    L_k = min(U_k, C_a) (C_a the lane's capacity, U_k when it has none). Per transfer rather
    than Σ_k x_k ≤ C y_a: the same integer points, a much tighter LP relaxation."""
    n = len(x)
    k = np.arange(n, dtype=np.int64)
    return _rows(
        np.concatenate([k, k]),
        np.concatenate([x, y_of_x]),
        np.concatenate([np.ones(n), -link]),
        np.full(n, -np.inf),
        np.zeros(n),
        "lane_use",
    )


def lane_capacity_rows(x: IntArray, lane_of_x: IntArray, y: IntArray, cap: Array) -> Rows:
    """Units on a lane within its capacity:  Σ_{k on a} x_k - C_a y_a ≤ 0, for the lanes whose
    capacity is below what their transfers could carry (``cap[a]`` NaN: no row)."""
    rows_of_lane = np.full(len(y), -1, dtype=np.int64)
    binding = np.flatnonzero(np.isfinite(cap))
    rows_of_lane[binding] = np.arange(len(binding))
    r = rows_of_lane[lane_of_x]
    on = r >= 0
    return _rows(
        np.concatenate([r[on], np.arange(len(binding))]),
        np.concatenate([x[on], y[binding]]),
        np.concatenate([np.ones(int(on.sum())), -cap[binding]]),
        np.full(len(binding), -np.inf),
        np.zeros(len(binding)),
        "lane_capacity",
    )


def min_quantity_rows(x: IntArray, w: IntArray, q: int, upper: Array) -> Rows:
    """A transfer is zero or at least the minimum quantity:  q w_k ≤ x_k ≤ U_k w_k."""
    n = len(x)
    k = np.arange(n, dtype=np.int64)
    return _rows(
        np.concatenate([k, k, n + k, n + k]),
        np.concatenate([x, w, x, w]),
        np.concatenate([np.ones(n), np.full(n, -float(q)), np.ones(n), -upper]),
        np.concatenate([np.zeros(n), np.full(n, -np.inf)]),
        np.concatenate([np.full(n, np.inf), np.zeros(n)]),
        "min_quantity",
    )


def shortage_rows(x: IntArray, sink_of_x: IntArray, u: IntArray, short: Array) -> Rows:
    """Shortage after transfers at every reachable (part, site):  u_it + Σ_{k into it} x_k ≥
    T_it - h_it (a short site has no spare stock, so nothing leaves it)."""
    n_u = len(u)
    return _rows(
        np.concatenate([np.arange(n_u), sink_of_x]),
        np.concatenate([u, x]),
        np.ones(n_u + len(x)),
        short,
        np.full(n_u, np.inf),
        "shortage",
    )


def _capped_sums(x: IntArray, group_of_x: IntArray, coef: Array, cap: Array, name: str) -> Rows:
    """One row per group with a finite cap:  Σ_{k in group} coef_k x_k ≤ cap (NaN: no row)."""
    rows_of = np.full(len(cap), -1, dtype=np.int64)
    keep = np.flatnonzero(np.isfinite(cap))
    rows_of[keep] = np.arange(len(keep))
    r = rows_of[group_of_x]
    on = r >= 0
    return _rows(r[on], x[on], coef[on], np.full(len(keep), -np.inf), cap[keep], name)


def source_safety_rows(x: IntArray, source_of_x: IntArray, spare: Array) -> Rows:
    """Never below the source's target and safety level:  Σ_{k out of (i, f)} x_k ≤ spare_if,
    for the sources whose transfers could together take more than their spare stock
    (``spare`` NaN: no row)."""
    return _capped_sums(x, source_of_x, np.ones(len(x)), spare, "source_safety")


def receiving_volume_rows(x: IntArray, site_of_x: IntArray, volume: Array, room: Array) -> Rows:
    """Receiving sites stay within their volume:  Σ_{k into l} v_i(k) x_k ≤ max(V_l, V_now) -
    V_now, for the sites with a volume (``room[l]`` NaN: no row)."""
    return _capped_sums(x, site_of_x, volume, room, "receiving_volume")


@dataclass(frozen=True)
class ArrayModel:
    """A MILP ``min cost·v`` over columns with bounds and integrality, rows in CSR form."""

    cost: Array
    col_lower: Array
    col_upper: Array
    integer: NDArray[np.bool_]
    row_lower: Array
    row_upper: Array
    start: IntArray
    index: IntArray
    value: Array
    families: tuple[tuple[str, int], ...]

    @property
    def row_names(self) -> list[str]:
        return [f"{name}_{r}" for name, count in self.families for r in range(count)]

    @property
    def n_cols(self) -> int:
        return len(self.cost)

    @property
    def n_rows(self) -> int:
        return len(self.row_lower)

    @property
    def free_integers(self) -> int:
        """Integer columns whose bounds leave a choice."""
        return int(np.sum(self.integer & (self.col_upper > self.col_lower)))


def assemble(
    cost: Array,
    col_lower: Array,
    col_upper: Array,
    integer: NDArray[np.bool_],
    blocks: list[Rows],
) -> ArrayModel:
    """Stack the row blocks (empty ones dropped) into one CSR matrix."""
    blocks = [b for b in blocks if b.count]
    none_i, none_f = np.zeros(0, dtype=np.int64), np.zeros(0)
    offsets = np.cumsum([0] + [b.count for b in blocks])
    row = np.concatenate([b.row + off for b, off in zip(blocks, offsets, strict=False)] or [none_i])
    col = np.concatenate([b.col for b in blocks] or [none_i]).astype(np.int64)
    val = np.concatenate([b.value for b in blocks] or [none_f]).astype(np.float64)
    n_rows = int(offsets[-1])
    order = np.argsort(row, kind="stable")
    start = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(row.astype(np.int64), minlength=n_rows), out=start[1:])
    return ArrayModel(
        np.asarray(cost, dtype=np.float64),
        np.asarray(col_lower, dtype=np.float64),
        np.asarray(col_upper, dtype=np.float64),
        np.asarray(integer, dtype=np.bool_),
        np.concatenate([b.lower for b in blocks] or [none_f]).astype(np.float64),
        np.concatenate([b.upper for b in blocks] or [none_f]).astype(np.float64),
        start,
        col[order],
        val[order],
        tuple((b.name, b.count) for b in blocks),
    )
