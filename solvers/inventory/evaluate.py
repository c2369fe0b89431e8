"""METRIC, VARI-METRIC and exact evaluation of two-echelon base-stock levels.

Root pipeline: X0 ~ Poisson(λ0 T0), root backorders B0 = (X0 - s0)^+. A site j sends a share
f_j = λ_j (1 - r_j) / λ0 of the root's demand; its own pipeline has the local part
m_j = λ_j (r_j Tb_j + (1 - r_j) O_j) plus the delay caused by root backorders:

* METRIC (Sherbrooke 1968): X_j ~ Poisson(m_j + f_j EBO0(s0)).
* VARI-METRIC (Sherbrooke 1986, Graves 1985): mean m_j + f_j EBO0, variance
  m_j + f_j (1 - f_j) EBO0 + f_j^2 VBO0, fitted by a negative binomial.
* Exact (deterministic O, FCFS root): X_j = Poisson(m_j) + Binomial(B0, f_j), independent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from solvers.inventory.data import METHODS, Method, StockingData
from solvers.inventory.distributions import (
    backorder_curves,
    erlang_loss,
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
    return np.asarray(
        lam * (r * data.local_repair_time[:, b] + (1.0 - r) * data.resupply_time[:, b]),
        dtype=np.float64,
    )


def _root_share(data: StockingData) -> Array:
    if data.single_site:
        return np.zeros((len(data.part_ids), 1))
    b = data.bases
    lam0 = data.root_demand[:, None]
    sent = data.demand_rate[:, b] * (1.0 - data.local_repair_fraction[:, b])
    return np.asarray(np.divide(sent, lam0, out=np.zeros_like(sent), where=lam0 > 0))


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
    """
    if method not in METHODS:
        raise ValueError(f"method: must be one of {METHODS}, got {method!r}")
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
    return BaseCurves(ebo, fill, mean)


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

    ``ebo`` expected backorders, ``fill`` fill rate (share of demand met from stock at once),
    ``emergency`` share of demand met by emergency shipment (0 on backorder sites),
    ``waiting`` expected wait for a part per demand, EBO / λ.
    """

    bases: NDArray[np.int64]
    ebo: Array
    fill: Array
    emergency: Array
    pipeline: Array
    root_ebo: Array

    @property
    def total_ebo(self) -> float:
        return float(self.ebo.sum())


def evaluate(data: StockingData, stock: NDArray[np.int64], method: Method) -> Evaluation:
    """Evaluate base-stock levels ``stock[part, site]`` (``P x L``, integers >= 0)."""
    stock = np.asarray(stock)
    if stock.shape != data.demand_rate.shape:
        raise ValueError(f"stock: shape {stock.shape}, expected {data.demand_rate.shape}")
    if np.any(stock < 0):
        i, j = np.argwhere(stock < 0)[0]
        raise ValueError(f"part {data.part_ids[i]} at site {data.site_ids[j]}: stock < 0")
    bases = data.bases
    root_level = stock[:, data.root].astype(np.int64)
    levels = stock[:, bases].astype(np.int64)
    smax = int(levels.max(initial=0))
    curves = base_curves(data, root_level, method, smax)
    pick = levels[..., None]
    ebo = np.take_along_axis(curves.ebo, pick, axis=-1)[..., 0]
    fill = np.take_along_axis(curves.fill, pick, axis=-1)[..., 0]
    emergency = np.zeros_like(ebo)
    for col, site in enumerate(bases):
        if data.emergency[site]:
            for i in range(len(data.part_ids)):
                b = erlang_loss(int(levels[i, col]), float(curves.mean[i, col]))
                emergency[i, col], fill[i, col], ebo[i, col] = b, 1.0 - b, 0.0
    if data.single_site:
        root_ebo = np.zeros(len(data.part_ids))
    else:
        e0, _ = root_moments(data, int(root_level.max(initial=0)))
        root_ebo = e0[np.arange(len(root_level)), root_level]
    return Evaluation(bases, ebo, fill, emergency, curves.mean, root_ebo)
