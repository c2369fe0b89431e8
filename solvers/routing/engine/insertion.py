"""The cost of inserting a visit into a route, and the cheapest insertion of a visit.

Feasibility is O(1): the visit starts in a window after the previous stop (and the break, if
the break was on the leg that the insertion splits, before or after the visit), and the next
stop is reached by its latest arrival. The cost change is the arcs' change plus, when times
cost something (SLA, re-plan moves, overtime), the changed stops simulated onwards until the
route's times are as before. Routes whose break must be placed anew and span-cost routes are
simulated whole.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from solvers.routing.engine.instance import (
    ALLOWED,
    ASSIGN,
    BACK,
    BD,
    BRK,
    CAP,
    COST,
    DEM,
    EHI,
    FP,
    FREE,
    FULL_SCAN,
    HI,
    LA,
    LEN,
    LO,
    LOAD,
    MASK,
    NEED,
    NO_BREAK,
    NODE,
    NONE,
    OTC,
    OTM,
    POS,
    ROUTE,
    S0,
    S1,
    SPAN,
    START,
    SUP,
    SVC,
    TIME_COSTS,
    VE,
    VS,
)
from solvers.routing.engine.timing import (
    INF,
    earliest_start,
    leg_arrival,
    node_cost,
    route_cost,
)

EMPTY_TRIES = 3
"""Empty routes tried per visit, nearest vehicle start first."""
NEAR_ROUTES = 8
"""Beyond the routes of its neighbours, a visit tries every position of the routes of this
many vehicles whose starts are nearest (large instances)."""


@njit(cache=True)
def suffix_delta(
    tt: Any, vn: Any, veh: Any, nd: Any, win: Any, cfg: Any, stops: Any, rt: Any, ns: Any,
    v: int, p: int, a: int,
) -> int:  # fmt: skip
    """Change in time costs of route ``v`` when its stop ``p`` is reached at ``a``."""
    length = rt[v, LEN]
    brk = rt[v, BRK]
    delta = 0
    for j in range(p, length):
        n = stops[v, j, NODE]
        lo = ns[n, LO]
        s = earliest_start(nd, win, n, a if a > lo else lo)
        old = stops[v, j, START]
        if s == old:
            return delta
        delta += node_cost(nd, cfg, n, s) - node_cost(nd, cfg, n, old)
        nxt = stops[v, j + 1, NODE] if j + 1 < length else veh[v, VE]
        a = leg_arrival(veh, v, s + vn[v, n, SVC], tt[n, nxt], brk == j)
    s1 = veh[v, S1]
    new_ot = a - s1 if a > s1 else 0
    old_ot = rt[v, BACK] - s1 if rt[v, BACK] > s1 else 0
    return int(delta + veh[v, OTC] * (new_ot - old_ot))


@njit(cache=True)
def build_sequence(
    stops: Any, rt: Any, scratch: Any, v: int, u: int, p: int, pick: int, skip: int
) -> int:
    """Write into ``scratch`` route ``v`` with ``u`` inserted before stop ``p`` (after
    pick-up node ``pick`` when ``pick >= 0``) and stop ``skip`` left out (``-1``: none);
    the new length."""
    m = 0
    for j in range(rt[v, LEN] + 1):
        if j == p:
            if pick >= 0:
                scratch[m, NODE] = pick
                m += 1
            scratch[m, NODE] = u
            m += 1
        if j < rt[v, LEN] and j != skip:
            scratch[m, NODE] = stops[v, j, NODE]
            m += 1
    return m


@njit(cache=True)
def _break_option(cand: int, lone: bool, has_break: bool, b: int, p: int) -> bool:
    """Whether :func:`eval_whole` tries the break after stop ``cand``."""
    if not has_break:
        return cand == NO_BREAK
    if not lone:
        return True
    if b == NO_BREAK:
        return cand == NO_BREAK or p - 1 <= cand <= p
    if b == p - 1:
        return p - 1 <= cand <= p
    return cand == (b + 1 if b >= p else b)


@njit(cache=True)
def eval_whole(
    tt: Any, arc: Any, vn: Any, veh: Any, nd: Any, win: Any, cfg: Any, use: Any, stock: Any,
    stops: Any, rt: Any, ns: Any, scratch: Any, v: int, u: int, p: int, pick: int, skip: int,
) -> tuple[int, int]:  # fmt: skip
    """``(cost change, break position)`` of the route :func:`build_sequence` makes, by
    simulating it whole. A lone insertion keeps the break where it was or, on the leg it
    splits or when the route had none, tries it before and after the new stop (or nowhere);
    with a pick-up every break position is tried."""
    length = rt[v, LEN]
    if length + 3 >= stops.shape[1]:
        return INF, 0
    m = build_sequence(stops, rt, scratch, v, u, p, pick, skip)
    b = rt[v, BRK]
    best, best_b = INF, b
    lone = pick < 0 and skip < 0
    for cand in range(NO_BREAK, m):
        if not _break_option(cand, lone, veh[v, BD] > 0, b, p):
            continue
        c = route_cost(tt, arc, vn, veh, nd, win, cfg, ns, use, stock, v, scratch, m, cand)[0]
        if c < INF and c - rt[v, COST] < best:
            best, best_b = c - rt[v, COST], cand
    return best, best_b


@njit(cache=True)
def break_after(split: bool, on_first: bool, b: int, p: int) -> int:
    """Where the break goes once a visit is inserted before stop ``p`` (``b`` before)."""
    if split:
        return p - 1 if on_first else p
    return b + 1 if b >= p else b


@njit(cache=True)
def _add(cand: Any, count: int, v: int, first: int, last: int, blink: float) -> int:
    """Append positions ``first..last`` of route ``v``, each skipped with probability
    ``blink``; the new count."""
    for p in range(first, last + 1):
        if blink > 0.0 and np.random.random() < blink:
            continue
        cand[count, 0] = v
        cand[count, 1] = p
        count += 1
    return count


@njit(cache=True)
def candidates(
    vn: Any, veh: Any, nd: Any, cfg: Any, rt: Any, ns: Any, neigh: Any, near_veh: Any,
    cand: Any, u: int, blink: float,
) -> int:  # fmt: skip
    """Fill ``cand`` with the ``(vehicle, position)`` pairs to try for ``u``; their count.

    Every position of every route on small instances; else the positions next to ``u``'s
    neighbours and every position of the routes of the nearest vehicles. Then the first few
    empty routes, nearest vehicle start first."""
    count = 0
    dem = nd[u, DEM]
    if cfg[FULL_SCAN]:
        for v in range(rt.shape[0]):
            if rt[v, LEN] > 0 and vn[v, u, ALLOWED] and rt[v, LOAD] + dem <= veh[v, CAP]:
                count = _add(cand, count, v, 0, rt[v, LEN], blink)
    else:
        for k in range(neigh.shape[1]):
            w = neigh[u, k]
            if w < 0:
                break
            v = ns[w, ROUTE]
            if v >= 0 and vn[v, u, ALLOWED] and rt[v, LOAD] + dem <= veh[v, CAP]:
                count = _add(cand, count, v, ns[w, POS], ns[w, POS] + 1, blink)
        seen = 0
        for k in range(near_veh.shape[1]):
            v = near_veh[u, k]
            if v < 0 or seen >= NEAR_ROUTES:
                break
            if rt[v, LEN] > 0:
                seen += 1
                if rt[v, LOAD] + dem <= veh[v, CAP]:
                    count = _add(cand, count, v, 0, rt[v, LEN], blink)
    tried = 0
    for k in range(near_veh.shape[1]):
        v = near_veh[u, k]
        if v < 0 or tried >= EMPTY_TRIES:
            break
        if rt[v, LEN] == 0 and dem <= veh[v, CAP]:
            tried += 1
            cand[count, 0] = v
            cand[count, 1] = 0
            count += 1
    return count


@njit(cache=True)
def best_insertion(
    tt: Any, arc: Any, vn: Any, veh: Any, nd: Any, win: Any, cfg: Any, use: Any, stock: Any,
    pick: Any, stops: Any, rt: Any, ns: Any, vused: Any, scratch: Any, neigh: Any,
    near_veh: Any, cand: Any, u: int, blink: float, best: Any,
) -> None:  # fmt: skip
    """The cheapest insertion of ``u`` among its :func:`candidates`, into ``best`` =
    (cost change, vehicle, position, break position, pick-up, its old position): cost INF
    if none fits; the pick-up inserted or moved with ``u`` (-1: none) and where it was (-1:
    new). Where the van lacks ``u``'s parts before position ``p``, ``u`` goes there right
    after a pick-up at a depot that supplies it.

    The O(1) test is written out in this loop rather than called: a compiled call that
    takes the arrays costs several times the test itself."""
    best[0], best[1], best[2], best[3], best[4], best[5] = INF, -1, -1, NO_BREAK, -1, -1
    count = candidates(vn, veh, nd, cfg, rt, ns, neigh, near_veh, cand, u, blink)
    lo_u, hi_u, ehi_u = ns[u, LO], ns[u, HI], ns[u, EHI]
    time_costs = cfg[TIME_COSTS]
    room = stops.shape[1] - 2
    for i in range(count):
        v = cand[i, 0]
        p = cand[i, 1]
        length = rt[v, LEN]
        if length >= room:
            continue
        b = rt[v, BRK]
        if not parts_ok(vn, nd, use, stock, stops, rt, vused, v, u, p):
            _try_pickups(
                tt, arc, vn, veh, nd, win, cfg, use, stock, pick, stops, rt, ns, scratch,
                v, u, p, best,
            )  # fmt: skip
            continue
        if veh[v, SPAN] > 0 or (veh[v, BD] > 0 and b == NO_BREAK):
            c, bb = eval_whole(
                tt, arc, vn, veh, nd, win, cfg, use, stock, stops, rt, ns, scratch, v, u, p,
                -1, -1,
            )  # fmt: skip
            if c < best[0]:
                best[0], best[1], best[2], best[3], best[4], best[5] = c, v, p, bb, -1, -1
            continue
        if p == 0:
            t, prev = veh[v, S0], veh[v, VS]
        else:
            t, prev = stops[v, p - 1, FREE], stops[v, p - 1, NODE]
        if p == length:
            nxt, la_next = veh[v, VE], veh[v, S1] + veh[v, OTM]
        else:
            nxt, la_next = stops[v, p, NODE], stops[v, p, LA]
        arcs = arc[prev, u] + arc[u, nxt] + vn[v, u, ASSIGN]
        if length > 0:
            arcs -= arc[prev, nxt]
        if arcs >= best[0] and not time_costs:
            continue
        split = b == p - 1
        for opt in range(2 if split else 1):
            on_first = split and opt == 0
            a = leg_arrival(veh, v, t, tt[prev, u], on_first)
            if a == NONE:
                continue
            s = earliest_start(nd, win, u, a if a > lo_u else lo_u)
            if s == NONE or s > hi_u or s + vn[v, u, SVC] > ehi_u:
                continue
            an = leg_arrival(veh, v, s + vn[v, u, SVC], tt[u, nxt], split and opt == 1)
            if an == NONE or an > la_next:
                continue
            c = arcs + node_cost(nd, cfg, u, s)
            if time_costs:
                c += suffix_delta(tt, vn, veh, nd, win, cfg, stops, rt, ns, v, p, an)
            if c < best[0]:
                best[0], best[1], best[2] = c, v, p
                best[3] = break_after(split, on_first, b, p)
                best[4] = best[5] = -1


@njit(cache=True)
def parts_ok(
    vn: Any, nd: Any, use: Any, stock: Any, stops: Any, rt: Any, vused: Any,
    v: int, u: int, p: int,
) -> bool:  # fmt: skip
    """Whether ``u`` before stop ``p`` of route ``v`` has its parts: a supplying pick-up
    before it when the van lacks them, and the van's stock when it comes before the first
    pick-up."""
    if vn[v, u, NEED]:
        mask = stops[v, p - 1, MASK] if p > 0 else 0
        if not mask & nd[u, SUP]:
            return False
    if p <= rt[v, FP]:
        for c in range(use.shape[1]):
            if vused[v, c] + use[u, c] > stock[v, c]:
                return False
    return True


@njit(cache=True)
def _try_pickups(
    tt: Any, arc: Any, vn: Any, veh: Any, nd: Any, win: Any, cfg: Any, use: Any, stock: Any,
    pick: Any, stops: Any, rt: Any, ns: Any, scratch: Any, v: int, u: int, p: int, best: Any,
) -> None:  # fmt: skip
    """``u`` before stop ``p`` of route ``v`` right after a pick-up at each depot that
    supplies it, into ``best``: a new pick-up, or the route's own moved forward."""
    for d in range(pick.shape[1]):
        node = pick[v, d]
        if node < 0 or not (nd[u, SUP] >> d) & 1:
            continue
        skip = -1
        if ns[node, ROUTE] == v:
            skip = ns[node, POS]
            if skip < p:
                continue  # already before: the parts were not the problem
        elif ns[node, ROUTE] >= 0:
            continue
        c, bb = eval_whole(
            tt, arc, vn, veh, nd, win, cfg, use, stock, stops, rt, ns, scratch, v, u, p, node,
            skip,
        )  # fmt: skip
        if c < best[0]:
            best[0], best[1], best[2], best[3], best[4], best[5] = c, v, p, bb, node, skip
