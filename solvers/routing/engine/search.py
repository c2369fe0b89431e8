"""Construction and the search loop: ruin, recreate in priority order, simulated annealing.

One iteration removes visits (:mod:`.ruin`), then inserts them again with a sample of the
visits left out, each at its cheapest position (:mod:`.insertion`) in an order drawn from
SISR's (random, largest demand, farthest, closest, earliest due), always the most important
visits first (largest penalty). The new plan replaces the current one when its objective is
below the current one plus ``T·ln(1/U)`` (simulated annealing, ``U`` uniform); the best
plan is kept. :func:`run_chunk` runs a given number of iterations so the Python driver can
watch the clock, the stop flag and report progress between chunks.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit

from solvers.routing.engine.coupling import (
    insert_team,
    predecessors_served,
    rebalance,
    tentative_link,
    unlink,
)
from solvers.routing.engine.insertion import best_insertion, build_sequence
from solvers.routing.engine.instance import (
    ALLOWED,
    BD,
    DDIST,
    DEM,
    DUE,
    LEN,
    NO_BREAK,
    NONE,
    PEN,
    PRIO,
    ROUTE,
)
from solvers.routing.engine.ruin import ruin_random, ruin_strings
from solvers.routing.engine.state import (
    BEST_OBJ,
    CHANGED,
    IS_CHANGED,
    N_CHANGED,
    N_TOUCHED,
    OBJ,
    OBJ0,
    TOUCHED_LIST,
    UNAS,
    UNAS_N,
    apply_sequence,
    begin,
    best_break,
    drop_idle_pickups,
    insert,
    reject,
    save_best,
)
from solvers.routing.engine.timing import INF, route_cost

ORDERS = np.array([4, 4, 2, 1, 2], dtype=np.float64)
"""Weights of the recreate orders: random, demand, far, close, due (SISR's, plus due)."""
STRING_SHARE = 0.9
"""Iterations that remove strings; the others remove random visits."""
SAMPLE_MIN = 5
"""Visits left out that each iteration tries to insert again, at least."""


@njit(cache=True)
def seed_rng(seed: int) -> None:
    """Seed the compiled code's random numbers (one stream per process and thread)."""
    np.random.seed(seed)


@njit(cache=True)
def _order(inst: Any, st: Any, todo: Any, count: int, kind: int) -> Any:
    """Indices of ``todo[:count]`` in insertion order: largest penalty first, then those
    left out before this iteration, then ``kind``."""
    nd = inst.nd
    top_demand, top_dist, top_due = 1.0, 1.0, 1.0
    for i in range(count):
        u = todo[i]
        top_demand = max(top_demand, float(nd[u, DEM]))
        top_dist = max(top_dist, float(nd[u, DDIST]))
        top_due = max(top_due, float(nd[u, DUE]))
    keys = np.empty(count)
    for i in range(count):
        u = todo[i]
        r = np.random.random()
        if kind == 0:
            sec = r
        elif kind == 1:
            sec = 1.0 - nd[u, DEM] / top_demand
        elif kind == 2:
            sec = 1.0 - nd[u, DDIST] / top_dist
        elif kind == 3:
            sec = nd[u, DDIST] / top_dist
        else:
            sec = min(max(nd[u, DUE] / top_due, 0.0), 1.0)
        waiting = 0.0 if st.nbook[u, IS_CHANGED] else -0.5  # left out before: first
        keys[i] = nd[u, PRIO] * 2.0 + waiting + 0.499 * sec + 1e-6 * r
    return np.argsort(keys)


@njit(cache=True)
def _draw_order() -> int:
    r = np.random.random() * ORDERS.sum()
    for k in range(ORDERS.size):
        r -= ORDERS[k]
        if r < 0:
            return k
    return 0


@njit(cache=True)
def recreate(inst: Any, st: Any, todo: Any, count: int, kind: int, blink: float) -> None:
    """Insert ``todo[:count]`` each at its cheapest position, when that costs less than
    leaving it out; a visit whose predecessors are not served waits until they are."""
    best = np.empty(6, dtype=np.int64)
    order = _order(inst, st, todo, count, kind)
    waiting = np.empty(count, dtype=np.int64)
    n_wait = 0
    for i in range(count):
        u = todo[order[i]]
        if st.ns[u, ROUTE] >= 0:
            continue
        if not _ready(inst, st, u):
            waiting[n_wait] = u
            n_wait += 1
            continue
        _insert_one(inst, st, u, blink, best)
    progress = True
    while n_wait and progress:  # successors whose predecessors went in meanwhile
        progress = False
        keep = 0
        for i in range(n_wait):
            u = waiting[i]
            if st.ns[u, ROUTE] >= 0:
                continue
            if _ready(inst, st, u):
                progress |= _insert_one(inst, st, u, blink, best)
            else:
                waiting[keep] = u
                keep += 1
        n_wait = keep
    pick = inst.pick
    if pick.shape[1] and pick.max() >= 0:
        for i in range(st.counts[N_TOUCHED]):
            drop_idle_pickups(inst, st, st.vbook[i, TOUCHED_LIST])


@njit(cache=True)
def _ready(inst: Any, st: Any, u: int) -> bool:
    """Whether ``u``'s predecessors (its whole team's) are served."""
    team = inst.team_of[u]
    if team < 0:
        return predecessors_served(inst, st, u)
    for j in range(inst.team_nodes.shape[1]):
        m = inst.team_nodes[team, j]
        if m >= 0 and not predecessors_served(inst, st, m):
            return False
    return True


@njit(cache=True)
def _insert_one(inst: Any, st: Any, u: int, blink: float, best: Any) -> bool:
    """Insert ``u`` (its team, if it is a member) at its cheapest position if that costs
    less than leaving it out; whether it was inserted."""
    tt, arc, vn, veh, nd, win, cfg = (
        inst.tt, inst.arc, inst.vn, inst.veh, inst.nd, inst.win, inst.cfg
    )  # fmt: skip
    stops, rt, ns, scratch, cand = st.stops, st.rt, st.ns, st.scratch, st.cand
    use, stock, pick, vused = inst.use, inst.stock, inst.pick, st.vused
    team = inst.team_of[u]
    if team >= 0:
        return st.team_t[team] == NONE and insert_team(inst, st, team, blink)
    tentative_link(inst, st, u)
    best_insertion(
        tt, arc, vn, veh, nd, win, cfg, use, stock, pick, stops, rt, ns, vused, scratch,
        inst.neigh, inst.near_veh, cand, u, blink, best,
    )  # fmt: skip
    if not (best[0] < INF and best[0] < nd[u, PEN]):
        unlink(inst, st, u)
        return False
    v = best[1]
    if best[4] >= 0:  # with a pick-up, new or moved
        m = build_sequence(stops, rt, scratch, v, u, best[2], best[4], best[5])
        apply_sequence(inst, st, v, m, best[3], u)
    elif not insert(
        tt, arc, vn, veh, nd, win, cfg, use, stock, stops, rt, ns, vused, st.bk_stops,
        st.bk_rt, st.vbook, st.nbook, st.lists, st.counts, v, best[2], u, -1, best[3],
    ):  # fmt: skip
        unlink(inst, st, u)
        return False
    if veh[v, BD] > 0:
        best_break(
            tt, arc, vn, veh, nd, win, cfg, use, stock, stops, rt, ns, vused, st.bk_stops,
            st.bk_rt, st.vbook, st.counts, scratch, v,
        )  # fmt: skip
    return True


@njit(cache=True)
def construct(inst: Any, st: Any, start_nodes: Any, start_ptr: Any) -> None:
    """A first plan: the given routes kept in order as far as they fit (vehicle ``v``'s
    are ``start_nodes[start_ptr[v]:start_ptr[v + 1]]``; team members are left to the
    insertion), then every other visit inserted, most important first, earliest due
    first."""
    begin(st)
    for v in range(start_ptr.size - 1):
        for k in range(start_ptr[v], start_ptr[v + 1]):
            _append(inst, st, v, start_nodes[k])
    todo = inst.visits.copy()
    recreate(inst, st, todo, todo.size, 4, 0.0)
    save_best(st)


@njit(cache=True)
def _append(inst: Any, st: Any, v: int, u: int) -> None:
    """Put ``u`` at the end of route ``v`` if it fits there, with the break wherever the
    route costs least."""
    if st.ns[u, ROUTE] >= 0 or inst.team_of[u] >= 0 or not inst.vn[v, u, ALLOWED]:
        return
    if not predecessors_served(inst, st, u):
        return
    tentative_link(inst, st, u)
    p = st.rt[v, LEN]
    m = build_sequence(st.stops, st.rt, st.scratch, v, u, p, -1, -1)
    best, brk = INF, NO_BREAK
    for b in range(NO_BREAK, m if inst.veh[v, BD] > 0 else NO_BREAK + 1):
        cost = route_cost(
            inst.tt, inst.arc, inst.vn, inst.veh, inst.nd, inst.win, inst.cfg, st.ns,
            inst.use, inst.stock, v, st.scratch, m, b,
        )[0]  # fmt: skip
        if cost < best:
            best, brk = cost, b
    fits = best < INF and insert(
        inst.tt, inst.arc, inst.vn, inst.veh, inst.nd, inst.win, inst.cfg, inst.use,
        inst.stock, st.stops, st.rt, st.ns, st.vused, st.bk_stops, st.bk_rt, st.vbook,
        st.nbook, st.lists, st.counts, v, p, u, -1, brk,
    )  # fmt: skip
    if not fits:
        unlink(inst, st, u)


@njit(cache=True)
def _gather(st: Any, todo: Any) -> int:
    """The visits this iteration removed, plus a sample of those left out before."""
    count = 0
    counts = st.counts
    for i in range(counts[N_CHANGED]):
        n = st.lists[CHANGED, i]
        if st.ns[n, ROUTE] < 0:
            todo[count] = n
            count += 1
    others = counts[UNAS_N] - count
    extra = min(others, max(count, SAMPLE_MIN))
    for _ in range(extra):
        n = st.lists[UNAS, np.random.randint(counts[UNAS_N])]
        if not st.nbook[n, IS_CHANGED]:
            todo[count] = n
            count += 1
    return count


@njit(cache=True)
def run_chunk(
    inst: Any,
    st: Any,
    iterations: int,
    temp_from: float,
    temp_to: float,
    cbar: float,
    lmax: int,
    blink: float,
    todo: Any,
    ruined: Any,
    stats: Any,
) -> None:
    """``iterations`` of ruin, recreate and acceptance, the temperature going geometrically
    from ``temp_from`` to ``temp_to``. ``stats``: iterations, accepted, new bests."""
    for it in range(iterations):
        temp = temp_from * (temp_to / temp_from) ** (it / max(iterations, 1))
        begin(st)
        if inst.prec.shape[0]:
            rebalance(inst, st)
        if np.random.random() < STRING_SHARE:
            ruin_strings(inst, st, cbar, lmax, ruined)
        else:
            ruin_random(inst, st, int(cbar))
        count = _gather(st, todo)
        recreate(inst, st, todo, count, _draw_order(), blink)
        stats[0] += 1
        counts = st.counts
        threshold = counts[OBJ0] + temp * math.log(1.0 / (1.0 - np.random.random()))
        if counts[OBJ] < threshold:
            stats[1] += 1
            if counts[OBJ] < counts[BEST_OBJ]:
                save_best(st)
                stats[2] += 1
        else:
            reject(inst, st)
