"""METRIC, VARI-METRIC and exact evaluation of multi-echelon base-stock levels.

The network is a tree of at most three echelons (central → depots → vans; Sherbrooke, "Optimal
Inventory Modeling of Systems", ch. 4-5). A site j with own demand λ_j repairs r_j of it in Tb_j
and asks its parent p for the rest and for what its children ask of it:
u_j = λ_j (1 - r_j) + Σ_{c child of j} u_c. All demand on j's stock is Λ_j = λ_j + Σ_c u_c.

Root pipeline: X0 ~ Poisson(λ0 T0) with λ0 = Σ_j λ_j (1 - r_j), backorders B0 = (X0 - s0)^+.
Site j takes the share f_j = u_j / Λ_p of its parent's demand; its pipeline has the local part
m_j = λ_j (r_j Tb_j + (1 - r_j) O_j) + (Σ_c u_c) O_j plus the delay caused by the parent's
backorders B_p (by Little's law each request waits EBO_p / Λ_p on average):

* METRIC (Sherbrooke 1968): X_j ~ Poisson(m_j + f_j EBO_p(s_p)).
* VARI-METRIC (Sherbrooke 1986, Graves 1985): mean m_j + f_j EBO_p, variance
  m_j + f_j (1 - f_j) EBO_p + f_j^2 VBO_p, fitted by a negative binomial; a depot's own EBO and
  VBO come from its fitted pipeline, and so on down the tree.
* Exact (deterministic O, FCFS root; two echelons only): X_j = Poisson(m_j) + Binomial(B0, f_j).

Backorders count where customers wait: a site's customers hold the share λ_j / Λ_j of its
backorders (all of them at a site without children; none at a depot without own demand).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from solvers.inventory.data import METHODS, Method, StockingData
from solvers.inventory.distributions import (
    backorder_curves,
    erlang_loss_curve,
    log_factorials,
    negative_binomial_pmf,
    poisson_pmf,
    support_size,
)

Array = NDArray[np.float64]


def root_moments(data: StockingData, smax: int) -> tuple[Array, Array]:
    """``EBO0, VBO0`` of the root for ``s0 = 0..smax``, each ``P x (smax+1)``."""
    mu0 = data.root_demand * data.root_time
    n = support_size(float(mu0.max(initial=0.0)), 0.0)
    ebo, vbo, _ = backorder_curves(poisson_pmf(mu0, n), mu0, smax)
    return ebo, vbo


def _local_mean(data: StockingData) -> Array:
    if data.single_site:
        return np.asarray(data.demand_rate[:, :1] * data.root_time[:, None], dtype=np.float64)
    b = data.bases
    lam = data.demand_rate[:, b]
    r = data.local_repair_fraction[:, b]
    o = data.resupply_time[:, b]
    own = lam * (r * data.local_repair_time[:, b] + (1.0 - r) * o)
    return np.asarray(own + data.child_demand[:, b] * o, dtype=np.float64)


def _root_share(data: StockingData) -> Array:
    """f_j = u_j / Λ_p: each base's share of its parent's demand (``P x B``)."""
    if data.single_site:
        return np.zeros((len(data.part_ids), 1))
    b = data.bases
    lam_p = data.intake[:, data.parent[b]]
    sent = np.asarray(data.resupply_demand[:, b], dtype=np.float64)
    return np.asarray(np.divide(sent, lam_p, out=np.zeros_like(sent), where=lam_p > 0))


def customer_share(data: StockingData) -> Array:
    """w_j = λ_j / Λ_j: the share of a base's backorders its own customers hold (``P x B``);
    exactly 1 at sites without children."""
    b = data.bases
    lam = np.asarray(data.demand_rate[:, b], dtype=np.float64)
    down = data.child_demand[:, b]
    total = lam + down
    share = np.divide(lam, total, out=np.zeros_like(lam), where=total > 0)
    return np.asarray(np.where(down > 0, share, 1.0), dtype=np.float64)


def with_emergency(
    data: StockingData,
    parts: NDArray[np.int64],
    sites: NDArray[np.int64],
    ebo: Array,
    fill: Array | None,
    mean: Array,
) -> tuple[Array, Array | None]:
    """Curves ``[part, ..., site, s]`` with those of emergency-shipment sites replaced.

    ``mean[part, ..., site]`` is each pipeline's mean, ``parts`` and ``sites`` index its first and
    last axes. A stock-out there is met by an emergency shipment with probability B(s, mean)
    (Erlang loss); its customer waits T_e, so by Little's law the site's customers hold
    λ T_e B(s) waiting "backorders", and the fill rate is 1 - B(s). Other sites keep theirs.
    """
    cols = np.flatnonzero(data.emergency[sites])
    if len(cols) == 0:
        return ebo, fill
    at = sites[cols]
    b = erlang_loss_curve(mean[..., cols], ebo.shape[-1] - 1)
    wait = data.demand_rate[np.ix_(parts, at)] * data.emergency_time[at]
    wait = wait.reshape(wait.shape[0], *([1] * (mean.ndim - 2)), len(cols))
    ebo = ebo.copy()
    ebo[..., cols, :] = wait[..., None] * b
    if fill is not None:
        fill = fill.copy()
        fill[..., cols, :] = 1.0 - b
    return ebo, fill


def two_echelon_only(data: StockingData, what: str) -> None:
    """Refuse a deeper tree where only two echelons are implemented."""
    if data.echelons > 2:
        deep = data.site_ids[int(np.flatnonzero(data.depth > 1)[0])]
        raise ValueError(
            f"StockingData: field parent: {what} handles two echelons only, but site {deep} "
            f"sits {int(data.depth.max())} levels below the root"
        )


@dataclass(frozen=True)
class Curves:
    """Backorder moments and fill rate of pipelines for ``s = 0..smax``, with their means."""

    ebo: Array
    vbo: Array
    fill: Array
    mean: Array


def pipeline_curves(
    local: Array, f: Array, parent_ebo: Array, parent_vbo: Array, method: Method, smax: int
) -> Curves:
    """Curves of sites with local pipeline ``local``, parent share ``f`` and the parent's
    backorder moments (all the same shape): METRIC or VARI-METRIC (module docstring)."""
    mean = local + f * parent_ebo
    if method == "metric":
        n = support_size(float(mean.max(initial=0.0)), 0.0)
        pmf = poisson_pmf(mean, n)
    elif method == "vari-metric":
        var = local + f * (1.0 - f) * parent_ebo + f * f * parent_vbo
        n = support_size(float(mean.max(initial=0.0)), float(var.max(initial=0.0)))
        pmf = negative_binomial_pmf(mean, var, n)
    else:
        raise ValueError(f"method: {method!r} has no pipeline-moment form (metric, vari-metric)")
    ebo, vbo, fill = backorder_curves(pmf, mean, smax)
    return Curves(ebo, vbo, fill, mean)


def _binomial_mixture(b_pmf: Array, f: float, n: int) -> Array:
    """Pmf on ``0..n-1`` of Binomial(B, f) with B distributed as ``b_pmf``."""
    nb = len(b_pmf)
    out = np.zeros(n)
    if f <= 0.0:
        out[0] = 1.0
        return out
    b = np.arange(nb)[:, None]
    y = np.arange(min(n, nb))[None, :]
    valid = y <= b
    lf = log_factorials(nb + 1)
    logq = math.log1p(-f) if f < 1.0 else -np.inf
    rest = np.where(valid, b - y, 0)
    with np.errstate(invalid="ignore"):
        logterm = lf[b] - lf[y] - lf[rest] + y * math.log(f) + np.where(rest > 0, rest * logq, 0.0)
    binom = np.where(valid, np.exp(np.where(valid, logterm, -np.inf)), 0.0)
    out[: binom.shape[1]] = b_pmf @ binom
    return out


@dataclass(frozen=True)
class BaseCurves:
    """Per part and base site, for ``s = 0..smax``: EBO, fill rate, and the pipeline mean."""

    ebo: Array  # P x B x (smax+1)
    fill: Array
    mean: Array  # P x B


def base_curves(
    data: StockingData,
    root_level: NDArray[np.int64],
    method: Method,
    smax: int,
    parts: NDArray[np.int64] | None = None,
) -> BaseCurves:
    """EBO and fill-rate curves of every base given the root's stock ``root_level[part]``.

    ``parts`` restricts the computation to those part indices (``root_level`` is then per listed
    part). With the root level fixed, base curves are separable and convex in their own level.
    Two echelons only (a deeper tree: ``ValueError``).
    """
    if method not in METHODS:
        raise ValueError(f"method: must be one of {METHODS}, got {method!r}")
    two_echelon_only(data, "base_curves (curves given the root level alone)")
    idx = np.arange(len(data.part_ids)) if parts is None else parts
    local = _local_mean(data)[idx]
    f = _root_share(data)[idx]
    if data.single_site:
        ebo0 = vbo0 = np.zeros(len(idx))
    else:
        top = int(root_level.max(initial=0))
        e0, v0 = root_moments(data, top)
        rows = np.arange(len(idx))
        ebo0, vbo0 = e0[idx][rows, root_level], v0[idx][rows, root_level]
    mean = local + f * ebo0[:, None]
    if method == "metric":
        n = support_size(float(mean.max(initial=0.0)), 0.0)
        pmf = poisson_pmf(mean, n)
    elif method == "vari-metric":
        var = local + f * (1.0 - f) * ebo0[:, None] + f * f * vbo0[:, None]
        n = support_size(float(mean.max(initial=0.0)), float(var.max(initial=0.0)))
        pmf = negative_binomial_pmf(mean, var, n)
    else:
        pmf = _exact_pmf(data, idx, root_level, local, f)
    ebo, _, fill = backorder_curves(pmf, mean, smax)
    ebo, bfill = with_emergency(data, idx, data.bases, ebo, fill, mean)
    assert bfill is not None
    return BaseCurves(ebo, bfill, mean)


def _exact_pmf(
    data: StockingData,
    idx: NDArray[np.int64],
    root_level: NDArray[np.int64],
    local: Array,
    f: Array,
) -> Array:
    mu0 = (data.root_demand * data.root_time)[idx]
    n0 = support_size(float(mu0.max(initial=0.0)), 0.0)
    n = support_size(float(local.max(initial=0.0)), 0.0) + n0
    out = np.zeros((*local.shape, n))
    p0 = poisson_pmf(mu0, n0 + int(root_level.max(initial=0)) + 1)
    for k in range(len(idx)):
        s0 = int(root_level[k])
        b_pmf = np.concatenate([[p0[k, : s0 + 1].sum()], p0[k, s0 + 1 :]])
        for j in range(local.shape[1]):
            mix = _binomial_mixture(b_pmf, float(f[k, j]), n)
            pois = poisson_pmf(np.array(local[k, j]), n)
            out[k, j] = np.convolve(pois, mix)[:n]
    return out


@dataclass(frozen=True)
class Evaluation:
    """Metrics per part and base (columns follow ``StockingData.bases``).

    ``ebo`` expected backorders of the base's own customers (λ_j / Λ_j of the site's backorders),
    ``fill`` fill rate (share of demand met from stock at once), ``emergency`` share of demand
    met by emergency shipment (0 on backorder sites), ``pipeline`` the pipeline mean;
    ``site_ebo`` all backorders at the base (customers' and children's).
    """

    bases: NDArray[np.int64]
    ebo: Array
    fill: Array
    emergency: Array
    pipeline: Array
    root_ebo: Array
    site_ebo: Array

    @property
    def total_ebo(self) -> float:
        return float(self.ebo.sum())


def _check_stock(data: StockingData, stock: NDArray[np.int64]) -> None:
    if stock.shape != data.demand_rate.shape:
        raise ValueError(f"stock: shape {stock.shape}, expected {data.demand_rate.shape}")
    if np.any(stock < 0):
        i, j = np.argwhere(stock < 0)[0]
        raise ValueError(f"part {data.part_ids[i]} at site {data.site_ids[j]}: stock < 0")


def evaluate(data: StockingData, stock: NDArray[np.int64], method: Method) -> Evaluation:
    """Evaluate base-stock levels ``stock[part, site]`` (``P x L``, integers >= 0)."""
    stock = np.asarray(stock)
    _check_stock(data, stock)
    if method not in METHODS:
        raise ValueError(f"method: must be one of {METHODS}, got {method!r}")
    bases = data.bases
    root_level = stock[:, data.root].astype(np.int64)
    levels = stock[:, bases].astype(np.int64)
    if data.echelons > 2:
        if method == "exact":
            two_echelon_only(data, "the exact evaluator")
        curves = _tree_curves(data, stock, method)
        ebo, fill, mean = curves.ebo, curves.fill, curves.mean
    else:
        smax = int(levels.max(initial=0))
        bc = base_curves(data, root_level, method, smax)
        pick = levels[..., None]
        ebo = np.take_along_axis(bc.ebo, pick, axis=-1)[..., 0]
        fill = np.take_along_axis(bc.fill, pick, axis=-1)[..., 0]
        mean = bc.mean
    site_ebo = ebo.copy()
    ebo = ebo * customer_share(data)
    # emergency sites (curves already Erlang loss): no backorders, the lost share is shipped
    em = data.emergency[bases]
    emergency = np.where(em, 1.0 - fill, 0.0)
    site_ebo[:, em] = 0.0
    if data.single_site:
        root_ebo = np.zeros(len(data.part_ids))
    else:
        e0, _ = root_moments(data, int(root_level.max(initial=0)))
        root_ebo = e0[np.arange(len(root_level)), root_level]
    return Evaluation(bases, ebo, fill, emergency, mean, root_ebo, site_ebo)


def _tree_curves(data: StockingData, stock: NDArray[np.int64], method: Method) -> Curves:
    """Site EBO, VBO, fill and pipeline mean (``P x B``) at the given levels, top down."""
    n_parts = len(data.part_ids)
    rows = np.arange(n_parts)
    bases = data.bases
    col_of = {int(site): col for col, site in enumerate(bases)}
    local, f = _local_mean(data), _root_share(data)
    e_site = np.zeros(data.demand_rate.shape)
    v_site = np.zeros(data.demand_rate.shape)
    root_level = stock[:, data.root].astype(np.int64)
    e0, v0 = root_moments(data, int(root_level.max(initial=0)))
    e_site[:, data.root], v_site[:, data.root] = e0[rows, root_level], v0[rows, root_level]
    shape = (n_parts, len(bases))
    out = Curves(np.zeros(shape), np.zeros(shape), np.zeros(shape), np.zeros(shape))
    for d in range(1, int(data.depth.max()) + 1):
        sites = np.flatnonzero(data.depth == d)
        cols = np.array([col_of[int(j)] for j in sites], dtype=np.int64)
        par = data.parent[sites]
        lv = stock[:, sites].astype(np.int64)
        cur = pipeline_curves(
            local[:, cols], f[:, cols], e_site[:, par], v_site[:, par], method, int(lv.max())
        )
        ebo, fill = with_emergency(data, rows, sites, cur.ebo, cur.fill, cur.mean)
        assert fill is not None
        pick = lv[..., None]
        for name, arr in (("ebo", ebo), ("vbo", cur.vbo), ("fill", fill)):
            getattr(out, name)[:, cols] = np.take_along_axis(arr, pick, axis=-1)[..., 0]
        out.mean[:, cols] = cur.mean
        e_site[:, sites], v_site[:, sites] = out.ebo[:, cols], out.vbo[:, cols]
    return out
