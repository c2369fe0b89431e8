"""Constraint families of the stocking MILP (PuLP), one function each.

Stocking: integer base levels s_ij, root level s_i0 = Σ_k k z_ik with binaries z_ik choosing one
candidate root level, and e_ij ≥ 0 the EBO of part i at base j. On three echelons a depot m's
level is s_im = Σ_{k,l} l y_imkl with binaries y_imkl choosing its level l under root level k,
and the vans below it have one EBO curve per pair (k, l). The rebalancing MILP's families are
numpy row blocks, in ``solvers.inventory.rebalance_model``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pulp
from numpy.typing import NDArray

Array = NDArray[np.float64]


def add_root_level_choice(prob: pulp.LpProblem, part: str, z: Sequence[pulp.LpVariable]) -> None:
    """Exactly one root level per part:  Σ_k z_ik = 1."""
    prob += pulp.lpSum(z) == 1, f"root_level_{part}"


def add_depot_level_choice(
    prob: pulp.LpProblem, name: str, z: pulp.LpVariable, y: Sequence[pulp.LpVariable]
) -> None:
    """One depot level per chosen root level:  Σ_l y_imkl = z_ik  (so Σ_{k,l} y_imkl = 1)."""
    prob += pulp.lpSum(y) == z, f"depot_level_{name}"


def add_ebo_curve(
    prob: pulp.LpProblem,
    name: str,
    e: pulp.LpVariable,
    s: pulp.LpVariable,
    curves: Array,
    z: Sequence[pulp.LpVariable] | None,
) -> None:
    """Convex piecewise-linear EBO of one base, one curve per candidate parent state k (a root
    level; on three echelons, under a depot, a (root level, depot level) pair):

        e ≥ E_k(n) + (E_k(n+1) - E_k(n)) (s - n) - E_k(0) (1 - z_k)   for n = 0..S-1.

    E_k is convex in s, so with integer s the tangents make e = E_k(s) at the optimum; the big-M
    E_k(0) bounds every tangent on s ≥ 0 and so switches off the curves of unchosen levels.
    """
    for k, curve in enumerate(curves):
        relax = 0 if z is None else curve[0] * (1 - z[k])
        for n in range(len(curve) - 1):
            if curve[n] < 1e-9:  # the rest of the curve is flat at ~0
                break
            d = curve[n + 1] - curve[n]
            prob += e >= float(curve[n]) + float(d) * (s - n) - relax, f"ebo_{name}_{k}_{n}"


def add_budget(prob: pulp.LpProblem, spend: pulp.LpAffineExpression, budget: float) -> None:
    """Investment within the budget:  Σ_i c_i (s_i0 + Σ_j s_ij) ≤ B."""
    prob += spend <= budget, "budget"


def add_service_target(prob: pulp.LpProblem, ebo: pulp.LpAffineExpression, target: float) -> None:
    """Total expected backorders at most the target:  Σ_ij e_ij ≤ EBO*."""
    prob += ebo <= target, "service_target"


def add_site_volume(
    prob: pulp.LpProblem,
    site: str,
    levels: Mapping[int, pulp.LpAffineExpression],
    volume: Array,
    cap: float,
) -> None:
    """Stock fits the site:  Σ_i v_i s_il ≤ V_l  (van or depot capacity, litres)."""
    prob += pulp.lpSum(float(volume[i]) * x for i, x in levels.items()) <= cap, f"volume_{site}"


def add_site_budget(
    prob: pulp.LpProblem,
    site: str,
    levels: Mapping[int, pulp.LpAffineExpression],
    cost: Array,
    cap: float,
) -> None:
    """Money held at one site within its own budget:  Σ_i c_i s_il ≤ B_l."""
    prob += pulp.lpSum(float(cost[i]) * x for i, x in levels.items()) <= cap, f"site_budget_{site}"
