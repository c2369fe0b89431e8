"""The routes of a search and the changes made to them, with undo.

Each route's rows hold its stops, their starts and ends of service and their latest
arrivals (:mod:`.timing`), kept exact after every change by :func:`refresh`. An iteration's
changes are undone by :func:`reject`: the first change of a route in an iteration copies its
rows aside (:func:`touch`).

The compiled functions take the arrays one by one (a named tuple passed between compiled
functions costs a reference count per member on every call): ``I7`` below is ``tt, arc, vn,
veh, nd, win, cfg`` of the instance, ``S3`` is ``stops, rt, ns`` and ``B6`` is ``bk_stops,
bk_rt, vbook, nbook, lists, counts`` of the state.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numba import njit

from solvers.routing.engine.instance import (
    BACK,
    BRK,
    BSTART,
    COST,
    DEP,
    EHI,
    FAR,
    FP,
    HI,
    LEN,
    LO,
    LOAD,
    MAX_LEN,
    NO_BREAK,
    NODE,
    NONE,
    PEN,
    POS,
    ROUTE,
    S0,
    Instance,
)
from solvers.routing.engine.timing import INF, route_cost

# counts
UNAS_N, N_CHANGED, N_TOUCHED, OBJ, OBJ0, BEST_OBJ = range(6)
# nbook columns, lists rows, vbook columns
UNAS_POS, IS_CHANGED = range(2)
UNAS, CHANGED = range(2)
TOUCHED, TOUCHED_LIST = range(2)


class State(NamedTuple):
    """Routes, where each node is, what changed in this iteration, and the best routes."""

    stops: np.ndarray  # (V, M, 5) NODE, START, FREE, LA, MASK per stop
    rt: np.ndarray  # (V, 7) LEN, BRK, BACK, BSTART, COST, LOAD, FP per route
    ns: np.ndarray  # (N, 5) ROUTE, POS, LO, HI (start), EHI (latest end) per node
    bk_stops: np.ndarray  # copies of the touched routes' rows
    bk_rt: np.ndarray
    vbook: np.ndarray  # (V, 2) TOUCHED flag, TOUCHED_LIST
    nbook: np.ndarray  # (N, 2) UNAS_POS (-1: served), IS_CHANGED
    lists: np.ndarray  # (2, N) UNAS (unserved visits), CHANGED (nodes moved this iteration)
    counts: np.ndarray  # (6,) UNAS_N, N_CHANGED, N_TOUCHED, OBJ, OBJ0, BEST_OBJ
    best_nodes: np.ndarray  # (V, M)
    best_rt: np.ndarray  # (V, 2) length, break
    vused: np.ndarray  # (V, P) units of each part the van gives before its first pick-up
    scratch: np.ndarray  # (M, 5) rows of a route being tried
    cand: np.ndarray  # (C, 2) vehicle and position of each insertion tried
    team_t: np.ndarray  # (T,) the common start of each team served, NONE otherwise
    prec_t: np.ndarray  # (Q,) where a precedence's slack is split (:mod:`.coupling`)
    bk_team_t: np.ndarray
    bk_prec_t: np.ndarray
    best_team_t: np.ndarray
    best_prec_t: np.ndarray


ROOM = 4


def new_state(inst: Instance) -> State:
    """Every route empty, every visit unserved."""
    v = inst.veh.shape[0]
    n = inst.tt.shape[0]
    # Room for the most visits a route can hold, a pick-up per depot, and the few spare
    # places the insertion tests keep free (a visit, its pick-up and the one they displace).
    m = int(inst.cfg[MAX_LEN]) + inst.pick.shape[1] + ROOM
    visits = inst.visits
    stops = np.zeros((v, m, 5), dtype=np.int64)
    stops[:, :, NODE] = -1
    rt = np.zeros((v, 7), dtype=np.int64)
    rt[:, BRK] = NO_BREAK
    rt[:, BACK] = inst.veh[:, S0]
    rt[:, BSTART] = NONE
    ns = np.zeros((n, 5), dtype=np.int64)
    ns[:, ROUTE] = ns[:, POS] = -1
    ns[:, LO], ns[:, HI], ns[:, EHI] = NONE, FAR, FAR
    team_t = np.full(inst.team_nodes.shape[0], NONE, dtype=np.int64)
    prec_t = np.full(inst.prec.shape[0], NONE, dtype=np.int64)
    nbook = np.zeros((n, 2), dtype=np.int64)
    nbook[:, UNAS_POS] = -1
    nbook[visits, UNAS_POS] = np.arange(visits.size)
    lists = np.full((2, n), -1, dtype=np.int64)
    lists[UNAS, : visits.size] = visits
    counts = np.zeros(6, dtype=np.int64)
    counts[UNAS_N] = visits.size
    counts[OBJ] = counts[OBJ0] = counts[BEST_OBJ] = int(inst.nd[visits, PEN].sum())
    best_rt = np.zeros((v, 2), dtype=np.int64)
    best_rt[:, 1] = NO_BREAK
    return State(
        stops=stops,
        rt=rt,
        ns=ns,
        bk_stops=stops.copy(),
        bk_rt=rt.copy(),
        vbook=np.zeros((v, 2), dtype=np.int64),
        nbook=nbook,
        lists=lists,
        counts=counts,
        best_nodes=np.full((v, m), -1, dtype=np.int64),
        best_rt=best_rt,
        vused=np.zeros(inst.stock.shape, dtype=np.int64),
        scratch=np.zeros((m, 5), dtype=np.int64),
        cand=np.zeros((visits.size + v + 2 * inst.neigh.shape[1] + 16 * m + 16, 2), np.int64),
        team_t=team_t,
        prec_t=prec_t,
        bk_team_t=team_t.copy(),
        bk_prec_t=prec_t.copy(),
        best_team_t=team_t.copy(),
        best_prec_t=prec_t.copy(),
    )


@njit(cache=True)
def refresh(
    tt: Any,
    arc: Any,
    vn: Any,
    veh: Any,
    nd: Any,
    win: Any,
    cfg: Any,
    use: Any,
    stock: Any,
    stops: Any,
    rt: Any,
    ns: Any,
    vused: Any,
    v: int,
) -> bool:
    """Recompute route ``v``'s times, latest arrivals, cost and van use; whether it fits."""
    cost, back, bstart, load, first_pick = route_cost(
        tt, arc, vn, veh, nd, win, cfg, ns, use, stock, v, stops[v], rt[v, LEN], rt[v, BRK]
    )
    if cost >= INF:
        return False
    rt[v, COST] = cost
    rt[v, BACK] = back
    rt[v, BSTART] = bstart
    rt[v, LOAD] = load
    rt[v, FP] = first_pick
    for c in range(use.shape[1]):
        total = 0
        for j in range(first_pick):
            total += use[stops[v, j, NODE], c]
        vused[v, c] = total
    return True


@njit(cache=True)
def touch(stops: Any, rt: Any, bk_stops: Any, bk_rt: Any, vbook: Any, counts: Any, v: int) -> None:
    """Copy route ``v`` aside before its first change in this iteration."""
    if vbook[v, TOUCHED]:
        return
    vbook[v, TOUCHED] = 1
    vbook[counts[N_TOUCHED], TOUCHED_LIST] = v
    counts[N_TOUCHED] += 1
    m = rt[v, LEN] + 1
    bk_stops[v, :m] = stops[v, :m]
    bk_rt[v] = rt[v]


@njit(cache=True)
def _mark(nbook: Any, lists: Any, counts: Any, n: int) -> None:
    if not nbook[n, IS_CHANGED]:
        nbook[n, IS_CHANGED] = 1
        lists[CHANGED, counts[N_CHANGED]] = n
        counts[N_CHANGED] += 1


@njit(cache=True)
def add_unserved(nbook: Any, lists: Any, counts: Any, n: int) -> None:
    """Put visit ``n`` on the list of unserved visits."""
    if nbook[n, UNAS_POS] < 0:
        nbook[n, UNAS_POS] = counts[UNAS_N]
        lists[UNAS, counts[UNAS_N]] = n
        counts[UNAS_N] += 1


@njit(cache=True)
def del_unserved(nbook: Any, lists: Any, counts: Any, n: int) -> None:
    i = nbook[n, UNAS_POS]
    if i < 0:
        return
    last = lists[UNAS, counts[UNAS_N] - 1]
    lists[UNAS, i] = last
    nbook[last, UNAS_POS] = i
    counts[UNAS_N] -= 1
    nbook[n, UNAS_POS] = -1


@njit(cache=True)
def insert(
    tt: Any, arc: Any, vn: Any, veh: Any, nd: Any, win: Any, cfg: Any, use: Any, stock: Any,
    stops: Any, rt: Any, ns: Any, vused: Any,
    bk_stops: Any, bk_rt: Any, vbook: Any, nbook: Any, lists: Any, counts: Any,
    v: int, p: int, u: int, pick: int, brk: int,
) -> bool:  # fmt: skip
    """Insert ``u`` before stop ``p`` of route ``v`` (after pick-up node ``pick`` inserted
    there too, when ``pick >= 0``) with the break after stop ``brk``; whether the route fits
    (if not, the route is as before)."""
    length = rt[v, LEN]
    k = 1 if pick < 0 else 2
    if length + k + 1 >= stops.shape[1]:
        return False
    touch(stops, rt, bk_stops, bk_rt, vbook, counts, v)
    old_brk, old_cost = rt[v, BRK], rt[v, COST]
    row = stops[v]
    for j in range(length + k - 1, p + k - 1, -1):
        row[j, NODE] = row[j - k, NODE]
    if pick >= 0:
        row[p, NODE] = pick
    row[p + k - 1, NODE] = u
    rt[v, LEN] = length + k
    rt[v, BRK] = brk
    if not refresh(tt, arc, vn, veh, nd, win, cfg, use, stock, stops, rt, ns, vused, v):
        for j in range(p, length):
            row[j, NODE] = row[j + k, NODE]
        rt[v, LEN] = length
        rt[v, BRK] = old_brk
        refresh(tt, arc, vn, veh, nd, win, cfg, use, stock, stops, rt, ns, vused, v)
        return False
    for j in range(p, length + k):
        ns[row[j, NODE], POS] = j
    for j in range(p, p + k):
        n = row[j, NODE]
        ns[n, ROUTE] = v
        _mark(nbook, lists, counts, n)
        del_unserved(nbook, lists, counts, n)
    counts[OBJ] += rt[v, COST] - old_cost - nd[u, PEN]
    return True


@njit(cache=True)
def apply_sequence(inst: Any, st: Any, v: int, length: int, brk: int, u: int) -> None:
    """Make ``st.scratch[:length]`` route ``v``'s stops with the break after ``brk``: the
    route :func:`~.insertion.eval_whole` found to fit, with visit ``u`` new in it."""
    stops, rt, ns = st.stops, st.rt, st.ns
    touch(stops, rt, st.bk_stops, st.bk_rt, st.vbook, st.counts, v)
    old_cost = rt[v, COST]
    for j in range(length):
        n = st.scratch[j, NODE]
        stops[v, j, NODE] = n
        if ns[n, ROUTE] != v:
            ns[n, ROUTE] = v
            _mark(st.nbook, st.lists, st.counts, n)
        ns[n, POS] = j
    rt[v, LEN] = length
    rt[v, BRK] = brk
    refresh(
        inst.tt, inst.arc, inst.vn, inst.veh, inst.nd, inst.win, inst.cfg, inst.use,
        inst.stock, stops, rt, ns, st.vused, v,
    )  # fmt: skip
    del_unserved(st.nbook, st.lists, st.counts, u)
    st.counts[OBJ] += rt[v, COST] - old_cost - inst.nd[u, PEN]


@njit(cache=True)
def remove_range(
    tt: Any, arc: Any, vn: Any, veh: Any, nd: Any, win: Any, cfg: Any, use: Any, stock: Any,
    stops: Any, rt: Any, ns: Any, vused: Any,
    bk_stops: Any, bk_rt: Any, vbook: Any, nbook: Any, lists: Any, counts: Any, scratch: Any,
    v: int, q0: int, q1: int,
) -> bool:  # fmt: skip
    """Remove stops ``q0..q1-1`` of route ``v``; whether the route still fits (if not, it
    is as before: a travel matrix without the triangle inequality, or a pick-up others
    need, can make that happen). Removed visits become unserved; pick-ups do not."""
    touch(stops, rt, bk_stops, bk_rt, vbook, counts, v)
    length = rt[v, LEN]
    k = q1 - q0
    row = stops[v]
    for j in range(length):
        scratch[j, NODE] = row[j, NODE]
    old_brk, old_cost = rt[v, BRK], rt[v, COST]
    for j in range(q0, length - k):
        row[j, NODE] = row[j + k, NODE]
    rt[v, LEN] = length - k
    if old_brk >= q1:
        rt[v, BRK] = old_brk - k
    elif old_brk >= q0:
        rt[v, BRK] = q0 - 1
    if rt[v, LEN] == 0:
        rt[v, BRK] = NO_BREAK
    if not refresh(tt, arc, vn, veh, nd, win, cfg, use, stock, stops, rt, ns, vused, v):
        for j in range(length):
            row[j, NODE] = scratch[j, NODE]
        rt[v, LEN] = length
        rt[v, BRK] = old_brk
        refresh(tt, arc, vn, veh, nd, win, cfg, use, stock, stops, rt, ns, vused, v)
        return False
    for j in range(q0, length - k):
        ns[row[j, NODE], POS] = j
    gained = 0
    for j in range(q0, q1):
        n = scratch[j, NODE]
        ns[n, ROUTE] = -1
        ns[n, POS] = -1
        _mark(nbook, lists, counts, n)
        if nd[n, DEP] < 0:
            add_unserved(nbook, lists, counts, n)
            gained += nd[n, PEN]
    counts[OBJ] += rt[v, COST] - old_cost + gained
    return True


@njit(cache=True)
def best_break(
    tt: Any, arc: Any, vn: Any, veh: Any, nd: Any, win: Any, cfg: Any, use: Any, stock: Any,
    stops: Any, rt: Any, ns: Any, vused: Any,
    bk_stops: Any, bk_rt: Any, vbook: Any, counts: Any, scratch: Any, v: int,
) -> None:  # fmt: skip
    """Move route ``v``'s break to where the route costs least (or drop it when the route is
    back before it could start)."""
    length = rt[v, LEN]
    if length == 0:
        return
    for j in range(length):
        scratch[j, NODE] = stops[v, j, NODE]
    best, choice = rt[v, COST], rt[v, BRK]
    for b in range(-2, length):
        if b != rt[v, BRK]:
            c = route_cost(tt, arc, vn, veh, nd, win, cfg, ns, use, stock, v, scratch, length, b)[0]
            if c < best:
                best, choice = c, b
    if choice != rt[v, BRK]:
        touch(stops, rt, bk_stops, bk_rt, vbook, counts, v)
        old = rt[v, COST]
        rt[v, BRK] = choice
        refresh(tt, arc, vn, veh, nd, win, cfg, use, stock, stops, rt, ns, vused, v)
        counts[OBJ] += rt[v, COST] - old


@njit(cache=True)
def drop_idle_pickups(inst: Any, st: Any, v: int) -> None:
    """Remove the pick-ups of route ``v`` that no visit needs: the route fits and costs no
    more without them."""
    q = st.rt[v, LEN] - 1
    while q >= 0:
        if inst.nd[st.stops[v, q, NODE], DEP] >= 0 and _fits_without(inst, st, v, q):
            remove_range(
                inst.tt, inst.arc, inst.vn, inst.veh, inst.nd, inst.win, inst.cfg, inst.use,
                inst.stock, st.stops, st.rt, st.ns, st.vused, st.bk_stops, st.bk_rt, st.vbook,
                st.nbook, st.lists, st.counts, st.scratch, v, q, q + 1,
            )  # fmt: skip
        q -= 1


@njit(cache=True)
def _fits_without(inst: Any, st: Any, v: int, q: int) -> bool:
    """Whether route ``v`` fits, at no more cost, without its stop ``q``."""
    length = st.rt[v, LEN]
    for j in range(length - 1):
        st.scratch[j, NODE] = st.stops[v, j + (j >= q), NODE]
    b = st.rt[v, BRK]
    if b >= q:
        b -= 1
    if length == 1:
        b = NO_BREAK
    cost = route_cost(
        inst.tt, inst.arc, inst.vn, inst.veh, inst.nd, inst.win, inst.cfg, st.ns, inst.use,
        inst.stock, v, st.scratch, length - 1, b,
    )[0]  # fmt: skip
    return bool(cost <= st.rt[v, COST])


@njit(cache=True)
def derive(inst: Any, st: Any, n: int) -> None:
    """Node ``n``'s bounds from its team's common start and its precedences' split points:
    a team member starts at the team's start; ``after`` starts ``lag`` after the split
    point, ``before`` ends by it."""
    lo, hi, ehi = NONE, FAR, FAR
    t = inst.team_of[n]
    if t >= 0 and st.team_t[t] != NONE:
        lo = hi = st.team_t[t]
    for k in range(inst.prec_ptr[n], inst.prec_ptr[n + 1]):
        q = inst.prec_list[k]
        split = st.prec_t[q]
        if split == NONE:
            continue
        if inst.prec[q, 1] == n:
            lo = max(lo, split + inst.prec[q, 2])
        if inst.prec[q, 0] == n:
            ehi = min(ehi, split)
    st.ns[n, LO], st.ns[n, HI], st.ns[n, EHI] = lo, hi, ehi


@njit(cache=True)
def derive_all(inst: Any, st: Any) -> None:
    """:func:`derive` for every team member and linked visit."""
    for t in range(st.team_t.size):
        for i in range(inst.team_nodes.shape[1]):
            if inst.team_nodes[t, i] >= 0:
                derive(inst, st, inst.team_nodes[t, i])
    for q in range(st.prec_t.size):
        derive(inst, st, inst.prec[q, 0])
        derive(inst, st, inst.prec[q, 1])


@njit(cache=True)
def begin(st: Any) -> None:
    """Start an iteration: nothing touched, nothing changed."""
    counts = st.counts
    for i in range(counts[N_TOUCHED]):
        st.vbook[st.vbook[i, TOUCHED_LIST], TOUCHED] = 0
    counts[N_TOUCHED] = 0
    for i in range(counts[N_CHANGED]):
        st.nbook[st.lists[CHANGED, i], IS_CHANGED] = 0
    counts[N_CHANGED] = 0
    counts[OBJ0] = counts[OBJ]
    st.bk_team_t[:] = st.team_t
    st.bk_prec_t[:] = st.prec_t


@njit(cache=True)
def reject(inst: Any, st: Any) -> None:
    """Undo every change of this iteration."""
    counts, ns = st.counts, st.ns
    st.team_t[:] = st.bk_team_t
    st.prec_t[:] = st.bk_prec_t
    derive_all(inst, st)
    for i in range(counts[N_TOUCHED]):
        v = st.vbook[i, TOUCHED_LIST]
        m = st.bk_rt[v, LEN] + 1
        st.stops[v, :m] = st.bk_stops[v, :m]
        st.rt[v] = st.bk_rt[v]
    for i in range(counts[N_CHANGED]):
        n = st.lists[CHANGED, i]
        ns[n, ROUTE] = -1
        ns[n, POS] = -1
    for i in range(counts[N_TOUCHED]):
        v = st.vbook[i, TOUCHED_LIST]
        for j in range(st.rt[v, LEN]):
            n = st.stops[v, j, NODE]
            ns[n, ROUTE] = v
            ns[n, POS] = j
    for i in range(counts[N_CHANGED]):
        n = st.lists[CHANGED, i]
        if ns[n, ROUTE] < 0:
            if inst.nd[n, DEP] < 0:
                add_unserved(st.nbook, st.lists, counts, n)
        else:
            del_unserved(st.nbook, st.lists, counts, n)
    counts[OBJ] = counts[OBJ0]


@njit(cache=True)
def save_best(st: Any) -> None:
    """Keep the current routes as the best."""
    for v in range(st.rt.shape[0]):
        m = max(st.rt[v, LEN], st.best_rt[v, 0])
        for j in range(m):
            st.best_nodes[v, j] = st.stops[v, j, NODE]
        st.best_rt[v, 0] = st.rt[v, LEN]
        st.best_rt[v, 1] = st.rt[v, BRK]
    st.counts[BEST_OBJ] = st.counts[OBJ]
    st.best_team_t[:] = st.team_t
    st.best_prec_t[:] = st.prec_t


@njit(cache=True)
def load_best(inst: Any, st: Any) -> None:
    """Make the best routes current (times and costs recomputed)."""
    ns, counts = st.ns, st.counts
    st.team_t[:] = st.best_team_t
    st.prec_t[:] = st.best_prec_t
    derive_all(inst, st)
    ns[:, ROUTE] = -1
    ns[:, POS] = -1
    counts[UNAS_N] = 0
    st.nbook[:, UNAS_POS] = -1
    total = 0
    for v in range(st.rt.shape[0]):
        m = st.best_rt[v, 0]
        for j in range(m):
            st.stops[v, j, NODE] = st.best_nodes[v, j]
            ns[st.best_nodes[v, j], ROUTE] = v
            ns[st.best_nodes[v, j], POS] = j
        st.rt[v, LEN] = m
        st.rt[v, BRK] = st.best_rt[v, 1]
        refresh(
            inst.tt, inst.arc, inst.vn, inst.veh, inst.nd, inst.win, inst.cfg, inst.use,
            inst.stock, st.stops, st.rt, ns, st.vused, v,
        )  # fmt: skip
        total += st.rt[v, COST]
    for i in range(inst.visits.size):
        n = inst.visits[i]
        if ns[n, ROUTE] < 0:
            add_unserved(st.nbook, st.lists, counts, n)
            total += inst.nd[n, PEN]
    counts[OBJ] = total
