"""The route evaluator: when each stop starts, whether the route fits, what it costs.

A route of vehicle ``v`` is its stops in order and ``brk``, the stop after which the break is
taken (``-1``: on the first leg, :data:`~.instance.NO_BREAK`: none). The break starts once the
previous stop is done, at its earliest start if later, and never after its latest start; it
may be taken on the road, so the next stop is reached at ``max(done + travel, break start) +
break duration``. A route that is back after the break's earliest start must take it.

A stop starts at the earliest time inside one of its windows at or after its arrival (and
its earliest start ``lo``), no later than ``hi``, and ends by ``ehi`` (``lo``, ``hi``,
``ehi``: a team's common start, precedences); the vehicle is back by ``shift end +
overtime``. The cost of a route: its arcs, the assignment costs of its stops, their SLA
lateness and re-plan moves, overtime, and the span cost times the route's shortest duration
(leaving as late as the return allows).

Backwards, ``LA`` is the latest arrival at a stop from which the rest of the route still
fits; an insertion before that stop fits when it reaches it by then, an O(1) test.

A route's rows are ``(M, 5)``: per stop its NODE, START, FREE (end of service), LA and
MASK, the depots picked up at it or before (bits). A visit whose van lacks its parts comes
after a pick-up at a depot that supplies it; before the route's first pick-up the van's stock
of each part covers the visits (after it, the depot supplies them: Pillac's TRSP rule).
"""

from __future__ import annotations

from typing import Any

from numba import njit

from solvers.routing.engine.instance import (
    ASSIGN,
    BA,
    BB,
    BD,
    DEM,
    DEP,
    EHI,
    FREE,
    HI,
    LA,
    LO,
    MASK,
    MOVE_COST,
    MOVE_SLACK,
    NEED,
    NO_BREAK,
    NODE,
    NONE,
    OTC,
    OTM,
    PREV,
    S0,
    S1,
    SLA,
    SLAC,
    SPAN,
    START,
    SUP,
    SVC,
    VE,
    VS,
    W0,
    W1,
)

INF = 1 << 62
"""The cost of something infeasible."""


@njit(cache=True)
def earliest_start(nd: Any, win: Any, n: int, t: int) -> int:
    """The earliest start in a window of ``n`` at or after ``t``; NONE if none is left."""
    for w in range(nd[n, W0], nd[n, W1]):
        if t <= win[w, 1]:
            a = win[w, 0]
            return a if a > t else t
    return NONE


@njit(cache=True)
def latest_arrival(nd: Any, win: Any, n: int, ls: int) -> int:
    """The latest arrival at ``n`` from which it starts by ``ls``; NONE if none."""
    best = NONE
    for w in range(nd[n, W0], nd[n, W1]):
        if win[w, 0] <= ls:
            m = win[w, 1] if win[w, 1] < ls else ls
            if m > best:
                best = m
    return best


@njit(cache=True)
def leg_arrival(veh: Any, v: int, t: int, d: int, brk: bool) -> int:
    """Arrival after a leg of ``d`` seconds started at ``t``, with the break on it when
    ``brk``; NONE when the break would start too late."""
    if not brk:
        return t + d
    b = t if t > veh[v, BA] else veh[v, BA]
    if b > veh[v, BB]:
        return NONE
    a = t + d
    return int((a if a > b else b) + veh[v, BD])


@njit(cache=True)
def latest_leg_start(veh: Any, v: int, la: int, d: int, brk: bool) -> int:
    """The latest start of a leg of ``d`` (break on it when ``brk``) that arrives by
    ``la``; NONE if none."""
    if la == NONE:
        return NONE
    if not brk:
        return la - d
    if veh[v, BA] + veh[v, BD] > la:
        return NONE
    t = la - veh[v, BD] - d
    return int(t if t < veh[v, BB] else veh[v, BB])


@njit(cache=True)
def node_cost(nd: Any, cfg: Any, n: int, s: int) -> int:
    """SLA lateness and re-plan move cost of starting ``n`` at ``s``."""
    c = 0
    dl = nd[n, SLA]
    if dl != NONE and s > dl:
        c += nd[n, SLAC] * (s - dl)
    p = nd[n, PREV]
    if p != NONE:
        dev = (s - p if s > p else p - s) - cfg[MOVE_SLACK]
        if dev > 0:
            c += cfg[MOVE_COST] * dev
    return c


@njit(cache=True)
def forward(
    tt: Any,
    arc: Any,
    vn: Any,
    veh: Any,
    nd: Any,
    win: Any,
    cfg: Any,
    ns: Any,
    use: Any,
    stock: Any,
    v: int,
    rows: Any,
    length: int,
    brk: int,
) -> tuple[int, int, int, int, int]:
    """Time the stops ``rows[:length, NODE]`` of vehicle ``v`` with the break after stop
    ``brk``, writing START, FREE and MASK; ``(cost without span, back, break start, load,
    first pick-up)``, cost INF if the route does not fit."""
    t = veh[v, S0]
    prev = veh[v, VS]
    cost = 0
    load = 0
    bstart = NONE
    mask = 0
    first_pick = length
    for j in range(length):
        n = rows[j, NODE]
        dep = nd[n, DEP]
        if dep >= 0:
            mask |= 1 << dep
            if first_pick == length:
                first_pick = j
        elif vn[v, n, NEED] and not mask & nd[n, SUP]:
            return INF, 0, NONE, 0, 0
        rows[j, MASK] = mask
        on = brk == j - 1
        a = leg_arrival(veh, v, t, tt[prev, n], on)
        if a == NONE:
            return INF, 0, NONE, 0, 0
        if on:
            bstart = t if t > veh[v, BA] else veh[v, BA]
        lo = ns[n, LO]
        s = earliest_start(nd, win, n, a if a > lo else lo)
        if s == NONE or s > ns[n, HI] or s + vn[v, n, SVC] > ns[n, EHI]:
            return INF, 0, NONE, 0, 0
        rows[j, START] = s
        t = s + vn[v, n, SVC]
        rows[j, FREE] = t
        cost += arc[prev, n] + vn[v, n, ASSIGN] + node_cost(nd, cfg, n, s)
        load += nd[n, DEM]
        prev = n
    if length == 0:
        return 0, t, NONE, 0, 0
    if not van_covers(use, stock, v, rows, first_pick):
        return INF, 0, NONE, 0, 0
    end = veh[v, VE]
    on = brk == length - 1
    back = leg_arrival(veh, v, t, tt[prev, end], on)
    if back == NONE or back > veh[v, S1] + veh[v, OTM]:
        return INF, 0, NONE, 0, 0
    if on:
        bstart = t if t > veh[v, BA] else veh[v, BA]
    if veh[v, BD] > 0 and brk == NO_BREAK and back > veh[v, BA]:
        return INF, 0, NONE, 0, 0  # back after the break could start: it must be taken
    cost += arc[prev, end]
    if back > veh[v, S1]:
        cost += veh[v, OTC] * (back - veh[v, S1])
    return cost, back, bstart, load, first_pick


@njit(cache=True)
def van_covers(use: Any, stock: Any, v: int, rows: Any, first_pick: int) -> bool:
    """Whether van ``v`` carries every part the stops before its first pick-up take."""
    for c in range(use.shape[1]):
        total = 0
        for j in range(first_pick):
            total += use[rows[j, NODE], c]
        if total > stock[v, c]:
            return False
    return True


@njit(cache=True)
def latest_arrivals(
    tt: Any,
    vn: Any,
    veh: Any,
    nd: Any,
    win: Any,
    ns: Any,
    v: int,
    rows: Any,
    length: int,
    brk: int,
    back_by: int,
) -> int:
    """Write LA, the latest arrival at each stop from which the rest is back by ``back_by``;
    return the latest departure from the start terminal (NONE if none)."""
    la = back_by
    nxt = veh[v, VE]
    for j in range(length - 1, -1, -1):
        n = rows[j, NODE]
        lf = latest_leg_start(veh, v, la, tt[n, nxt], brk == j)
        if lf == NONE:
            la = NONE
        else:
            ls = min(lf, ns[n, EHI]) - vn[v, n, SVC]
            if ls > ns[n, HI]:
                ls = ns[n, HI]
            la = latest_arrival(nd, win, n, ls)
            if la < ns[n, LO]:
                la = NONE  # arriving earlier still starts at lo, which is too late
        rows[j, LA] = la
        nxt = n
    return latest_leg_start(veh, v, la, tt[veh[v, VS], nxt], brk == -1)


@njit(cache=True)
def route_cost(
    tt: Any,
    arc: Any,
    vn: Any,
    veh: Any,
    nd: Any,
    win: Any,
    cfg: Any,
    ns: Any,
    use: Any,
    stock: Any,
    v: int,
    rows: Any,
    length: int,
    brk: int,
) -> tuple[int, int, int, int, int]:
    """The whole cost of a route (INF if it does not fit), its return, break start, load and
    first pick-up; START, FREE, LA and MASK of ``rows`` are rewritten (LA against the return
    when the vehicle has a span cost, else against its latest return)."""
    cost, back, bstart, load, first_pick = forward(
        tt, arc, vn, veh, nd, win, cfg, ns, use, stock, v, rows, length, brk
    )
    if cost >= INF:
        return INF, 0, NONE, 0, 0
    if veh[v, SPAN] > 0 and length > 0:
        depart = latest_arrivals(tt, vn, veh, nd, win, ns, v, rows, length, brk, back)
        if depart < veh[v, S0]:
            depart = veh[v, S0]
        cost += veh[v, SPAN] * (back - depart)
    latest_arrivals(tt, vn, veh, nd, win, ns, v, rows, length, brk, veh[v, S1] + veh[v, OTM])
    return cost, back, bstart, load, first_pick
