"""Pipeline distributions and their backorder moments, vectorised over any leading shape.

A base-stock level ``s`` facing a pipeline (units in repair or resupply) ``X`` has
``EBO(s) = E[(X - s)^+]``, ``VBO(s) = Var[(X - s)^+]`` and fill rate ``P(X < s)``. We compute
them for every ``s = 0..S`` at once from a truncated pmf on ``0..N-1``, using the exact identities

    EBO(s + 1) = EBO(s) - P(X > s),
    E[((X - s - 1)^+)^2] = E[((X - s)^+)^2] - 2 EBO(s) + P(X > s).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


def support_size(mean: float, var: float) -> int:
    """Points ``0..N-1`` that hold all but a negligible (< 1e-15) tail of the pipeline."""
    return math.ceil(mean + 14.0 * math.sqrt(max(var, mean, 1e-12)) + 40.0)


def log_factorials(n: int) -> Array:
    out = np.zeros(n)
    if n > 1:
        out[1:] = np.cumsum(np.log(np.arange(1, n, dtype=np.float64)))
    return out


def poisson_pmf(mean: Array, n: int) -> Array:
    """Poisson pmf on ``0..n-1`` for each mean; shape ``mean.shape + (n,)``."""
    mean = np.asarray(mean, dtype=np.float64)
    x = np.arange(n, dtype=np.float64)
    m = mean[..., None]
    log_m = np.log(np.where(m > 0, m, 1.0))
    pmf = np.exp(x * log_m - m - log_factorials(n))
    # a zero mean: all mass on 0 (log 0 avoided above)
    pmf = np.where(m > 0, pmf, (x == 0).astype(np.float64))
    return np.asarray(pmf, dtype=np.float64)


def negative_binomial_pmf(mean: Array, var: Array, n: int) -> Array:
    """Pmf on ``0..n-1`` with the given mean and variance: negative binomial when ``var > mean``,
    Poisson otherwise (VARI-METRIC's two-moment fit). Shape ``mean.shape + (n,)``."""
    mean = np.asarray(mean, dtype=np.float64)
    var = np.asarray(var, dtype=np.float64)
    over = var > mean * (1.0 + 1e-9) + 1e-12
    out = poisson_pmf(mean, n)
    if not np.any(over):
        return out
    m, v = mean[over], var[over]
    p = m / v  # success probability
    r = m * m / (v - m)  # number of successes (real)
    q = 1.0 - p
    pmf = np.empty((*m.shape, n))
    pmf[..., 0] = np.exp(r * np.log(p))
    for x in range(1, n):
        pmf[..., x] = pmf[..., x - 1] * (r + x - 1) / x * q
    out[over] = pmf
    return out


def _cdf_tail(pmf: Array, smax: int) -> tuple[Array, Array]:
    """The cdf and ``P(X > k)`` for ``k = 0..smax`` (padded with 1 and 0 past the support)."""
    n = pmf.shape[-1]
    cdf = np.cumsum(pmf, axis=-1)
    tail = np.clip(1.0 - cdf, 0.0, 1.0)  # P(X > k)
    if smax + 1 > n:
        pad = smax + 1 - n
        tail = np.concatenate([tail, np.zeros((*tail.shape[:-1], pad))], axis=-1)
        cdf = np.concatenate([cdf, np.ones((*cdf.shape[:-1], pad))], axis=-1)
    return cdf, tail[..., : smax + 1]


def _ebo_from_tail(tail: Array, mean: Array, smax: int) -> Array:
    ebo = np.empty(tail.shape)
    ebo[..., 0] = mean
    if smax > 0:
        ebo[..., 1:] = mean[..., None] - np.cumsum(tail[..., :-1], axis=-1)
    return np.maximum(ebo, 0.0)


def ebo_curve(pmf: Array, mean: Array, smax: int) -> Array:
    """EBO alone for ``s = 0..smax`` (the same numbers as ``backorder_curves``), shape
    ``pmf.shape[:-1] + (smax+1,)``. Needs the pmf on ``0..smax-1`` only: a shorter one is a
    truncated pmf whose tail past its support is 0, so EBO stays flat there."""
    m = min(pmf.shape[-1], smax)
    ebo = np.empty((*pmf.shape[:-1], smax + 1))
    ebo[..., 0] = mean
    if m > 0:
        tail = np.clip(1.0 - np.cumsum(pmf[..., :m], axis=-1), 0.0, 1.0)
        ebo[..., 1 : m + 1] = mean[..., None] - np.cumsum(tail, axis=-1)
        ebo[..., m + 1 :] = ebo[..., m : m + 1]
    return np.maximum(ebo, 0.0, out=ebo)


def backorder_curves(pmf: Array, mean: Array, smax: int) -> tuple[Array, Array, Array]:
    """``(EBO, VBO, fill)`` for ``s = 0..smax``; each of shape ``pmf.shape[:-1] + (smax+1,)``.

    ``mean`` is the exact pipeline mean (not the truncated one), so EBO(0) is exact.
    """
    n = pmf.shape[-1]
    cdf, tail = _cdf_tail(pmf, smax)
    ebo = _ebo_from_tail(tail, mean, smax)
    x = np.arange(n, dtype=np.float64)
    second = np.sum(pmf * x * x, axis=-1)
    sq = np.empty(tail.shape)
    sq[..., 0] = second
    for s in range(smax):
        sq[..., s + 1] = sq[..., s] - 2.0 * ebo[..., s] + tail[..., s]
    vbo = np.maximum(sq - ebo * ebo, 0.0)
    fill = np.zeros(tail.shape)
    if smax > 0:
        fill[..., 1:] = np.clip(cdf[..., :smax], 0.0, 1.0)  # P(X <= s-1)
    return ebo, vbo, fill


def erlang_loss(servers: int, offered: float) -> float:
    """Erlang-B blocking probability ``B(S, a)`` by the stable recursion
    ``B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1))``: the share of demand met by emergency shipment
    when ``S`` units circulate and the resupply pipeline offers ``a = λ T`` (any resupply-time
    distribution)."""
    if servers < 0:
        raise ValueError(f"erlang_loss: servers must be >= 0, got {servers}")
    if offered < 0:
        raise ValueError(f"erlang_loss: offered load must be >= 0, got {offered}")
    b = 1.0
    for k in range(1, servers + 1):
        b = offered * b / (k + offered * b)
    return b


def erlang_loss_curve(offered: Array, smax: int) -> Array:
    """``B(s, a)`` for ``s = 0..smax`` and every offered load in ``offered`` (shape
    ``offered.shape + (smax+1,)``), by the recursion of :func:`erlang_loss`. B is convex and
    decreasing in s (Messerli 1972), so marginal analysis and tangent cuts stay exact on it."""
    a = np.asarray(offered, dtype=np.float64)
    out = np.empty((*a.shape, smax + 1))
    out[..., 0] = 1.0
    for k in range(1, smax + 1):
        prev = a * out[..., k - 1]
        out[..., k] = prev / (k + prev)
    return out
