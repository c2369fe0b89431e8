"""Removal operators: SISR's strings near a seed visit, and random visits.

String removal follows Christiaens & Vanden Berghe (*Slack induction by string removals for
vehicle routing problems*, Transportation Science 54(2), 2020): around a random served seed,
from ``k_s`` routes met in the seed's neighbourhood, one string of consecutive stops each,
of length at most ``min(L_max, average route length)``; on average ``c̄`` visits go.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from solvers.routing.engine.coupling import remove_visit
from solvers.routing.engine.instance import DEP, LEN, NODE, POS, ROUTE
from solvers.routing.engine.state import UNAS, UNAS_N

UNSERVED_SEED = 0.5
"""Share of string removals around a visit left out, while some are."""


@njit(cache=True)
def _remove(inst: Any, st: Any, v: int, q0: int, q1: int) -> None:
    """Remove the visits among stops ``q0..q1-1`` of route ``v``, each with its team (pick-ups
    stay: they go once no visit needs them)."""
    for q in range(min(q1, st.rt[v, LEN]) - 1, q0 - 1, -1):
        n = st.stops[v, q, NODE]
        if inst.nd[n, DEP] < 0:
            remove_visit(inst, st, n)


@njit(cache=True)
def random_served(inst: Any, st: Any) -> int:
    """A random served visit, or -1 if none is served."""
    n_vis = inst.visits.size
    served = n_vis - st.counts[UNAS_N]
    if served <= 0:
        return -1
    for _ in range(64):
        u = int(inst.visits[np.random.randint(n_vis)])
        if st.ns[u, ROUTE] >= 0:
            return u
    for i in range(n_vis):
        u = int(inst.visits[i])
        if st.ns[u, ROUTE] >= 0:
            return u
    return -1


@njit(cache=True)
def ruin_strings(inst: Any, st: Any, cbar: float, lmax: int, ruined: Any) -> None:
    """SISR string removal (``ruined`` is a scratch array of route ids). Half the time
    while visits are left out, the strings are cut next to one of them, which makes room
    where it is needed."""
    seed = -1
    if st.counts[UNAS_N] > 0 and np.random.random() < UNSERVED_SEED:
        seed = st.lists[UNAS, np.random.randint(st.counts[UNAS_N])]
    if seed < 0 or inst.neigh[seed, 0] < 0:
        seed = random_served(inst, st)
    if seed < 0:
        return
    served = inst.visits.size - st.counts[UNAS_N]
    routes = 0
    for v in range(st.rt.shape[0]):
        if st.rt[v, LEN] > 0:
            routes += 1
    if routes == 0:  # nothing served: nothing to ruin
        return
    ls_max = min(float(lmax), served / routes)
    ks_max = 4.0 * cbar / (1.0 + ls_max) - 1.0
    ks = int(np.random.random() * ks_max) + 1
    done = 0
    for k in range(-1, inst.neigh.shape[1]):
        w = seed if k < 0 else inst.neigh[seed, k]
        if w < 0:
            break
        v = st.ns[w, ROUTE]
        if v < 0:
            continue
        seen = False
        for i in range(done):
            if ruined[i] == v:
                seen = True
        if seen:
            continue
        length = st.rt[v, LEN]
        cap = min(float(length), ls_max)
        size = int(np.random.random() * cap) + 1
        q = st.ns[w, POS]
        first_lo = max(0, q - size + 1)
        first_hi = min(q, length - size)
        q0 = first_lo + np.random.randint(first_hi - first_lo + 1)
        _remove(inst, st, v, q0, q0 + size)
        ruined[done] = v
        done += 1
        if done >= ks:
            return


@njit(cache=True)
def ruin_random(inst: Any, st: Any, count: int) -> None:
    """Remove up to ``count`` random served visits."""
    for _ in range(count):
        u = random_served(inst, st)
        if u < 0:
            return
        q = st.ns[u, POS]
        _remove(inst, st, st.ns[u, ROUTE], q, q + 1)
