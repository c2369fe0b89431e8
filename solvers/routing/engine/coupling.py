"""Team jobs and precedences: the visits whose times tie routes together.

A team job's members start together on distinct vehicles: they are inserted and removed as
one unit (:func:`insert_team`, :func:`remove_team`), and once served each is held at the
team's common start. A precedence ``(before, after, lag)`` holds when both are served:
``after`` starts ``lag`` or more after ``before`` ends. Its slack is split at a point ``t*``:
``before`` ends by ``t*`` and ``after`` starts from ``t* + lag``, so each route may change on
its own without breaking the link; ``t*`` is set where the served end is when the other is
inserted (:func:`tentative_link`) and moves to the middle of the slack at each iteration
(:func:`rebalance`). Routes stay independent to evaluate:
these are bounds on single visits (:func:`~.state.derive`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from solvers.routing.engine.insertion import candidates, parts_ok
from solvers.routing.engine.instance import (
    ALLOWED,
    ASSIGN,
    BD,
    BRK,
    CAP,
    COST,
    DEM,
    EHI,
    FREE,
    HI,
    LA,
    LEN,
    LO,
    LOAD,
    NO_BREAK,
    NODE,
    NONE,
    OTM,
    PEN,
    POS,
    ROUTE,
    S0,
    S1,
    START,
    SUP,
    SVC,
    VE,
    VS,
)
from solvers.routing.engine.state import OBJ, derive, insert, refresh, remove_range, touch
from solvers.routing.engine.timing import (
    INF,
    earliest_start,
    latest_leg_start,
    leg_arrival,
    node_cost,
)

TEAM_CHOICES = 12
"""Cheapest positions kept per team member when combining them."""


@njit(cache=True)
def rebound(inst: Any, st: Any, n: int) -> None:
    """Derive ``n``'s bounds again and, if it is served, its route's latest arrivals and
    cost (its times only move earlier: the bounds are met by the current plan)."""
    derive(inst, st, n)
    v = st.ns[n, ROUTE]
    if v < 0:
        return
    touch(st.stops, st.rt, st.bk_stops, st.bk_rt, st.vbook, st.counts, v)
    old = st.rt[v, COST]
    refresh(
        inst.tt, inst.arc, inst.vn, inst.veh, inst.nd, inst.win, inst.cfg, inst.use,
        inst.stock, st.stops, st.rt, st.ns, st.vused, v,
    )  # fmt: skip
    st.counts[OBJ] += st.rt[v, COST] - old


@njit(cache=True)
def tentative_link(inst: Any, st: Any, u: int) -> None:
    """Before trying to insert ``u``: split each of its precedences with a served partner
    where the partner is now (after a served ``before``: at its end; before a served
    ``after``: its start minus the lag) and bound both ends by it, so that no insertion of
    ``u`` can move the partner out of order. :func:`unlink` undoes it if ``u`` stays out."""
    ns = st.ns
    for k in range(inst.prec_ptr[u], inst.prec_ptr[u + 1]):
        q = inst.prec_list[k]
        a, b, lag = inst.prec[q, 0], inst.prec[q, 1], inst.prec[q, 2]
        if b == u and ns[a, ROUTE] >= 0:
            st.prec_t[q] = st.stops[ns[a, ROUTE], ns[a, POS], FREE]
            rebound(inst, st, a)
        elif a == u and ns[b, ROUTE] >= 0:
            st.prec_t[q] = st.stops[ns[b, ROUTE], ns[b, POS], START] - lag
            rebound(inst, st, b)
    derive(inst, st, u)


@njit(cache=True)
def unlink(inst: Any, st: Any, n: int) -> None:
    """After ``n`` was removed (or stayed out): its precedences no longer bind its
    partners."""
    for k in range(inst.prec_ptr[n], inst.prec_ptr[n + 1]):
        q = inst.prec_list[k]
        if st.prec_t[q] == NONE:
            continue
        st.prec_t[q] = NONE
        a, b = inst.prec[q, 0], inst.prec[q, 1]
        rebound(inst, st, b if a == n else a)
    derive(inst, st, n)


@njit(cache=True)
def rebalance(inst: Any, st: Any) -> None:
    """Move each split point to the middle of its precedence's slack."""
    ns = st.ns
    for q in range(st.prec_t.size):
        if st.prec_t[q] == NONE:
            continue
        a, b, lag = inst.prec[q, 0], inst.prec[q, 1], inst.prec[q, 2]
        end_a = st.stops[ns[a, ROUTE], ns[a, POS], FREE]
        start_b = st.stops[ns[b, ROUTE], ns[b, POS], START]
        mid = (end_a + start_b - lag) // 2
        if mid != st.prec_t[q]:
            st.prec_t[q] = mid
            rebound(inst, st, a)
            rebound(inst, st, b)


@njit(cache=True)
def predecessors_served(inst: Any, st: Any, n: int) -> bool:
    """Whether every visit that must come before ``n`` is served: a successor is served
    only with its predecessors."""
    for k in range(inst.prec_ptr[n], inst.prec_ptr[n + 1]):
        q = inst.prec_list[k]
        if inst.prec[q, 1] == n and st.ns[inst.prec[q, 0], ROUTE] < 0:
            return False
    return True


@njit(cache=True)
def remove_visit(inst: Any, st: Any, n: int) -> None:
    """Remove visit ``n`` (its whole team if it is a team member), release its links, and
    remove the served visits that must come after it, and theirs."""
    stack = np.empty(inst.tt.shape[0] + 1, dtype=np.int64)
    stack[0] = n
    top = 1
    while top > 0:  # a stack, not recursion: numba compiles mutual recursion badly
        top -= 1
        x = stack[top]
        t = inst.team_of[x]
        if t >= 0:
            if st.team_t[t] == NONE and not _any_served(inst, st, t):
                continue
            _drop_team(inst, st, t)
            for i in range(inst.team_nodes.shape[1]):
                m = inst.team_nodes[t, i]
                if m >= 0:
                    top = _push_successors(inst, st, m, stack, top)
            continue
        v = st.ns[x, ROUTE]
        if v < 0:
            continue
        if _remove_stop(inst, st, v, st.ns[x, POS]):
            unlink(inst, st, x)
            top = _push_successors(inst, st, x, stack, top)


@njit(cache=True)
def _push_successors(inst: Any, st: Any, n: int, stack: Any, top: int) -> int:
    """Push ``n``'s served successors on ``stack``; the new top."""
    for k in range(inst.prec_ptr[n], inst.prec_ptr[n + 1]):
        q = inst.prec_list[k]
        b = inst.prec[q, 1]
        if inst.prec[q, 0] == n and st.ns[b, ROUTE] >= 0 and top < stack.size:
            stack[top] = b
            top += 1
    return top


@njit(cache=True)
def _any_served(inst: Any, st: Any, t: int) -> bool:
    for i in range(inst.team_nodes.shape[1]):
        n = inst.team_nodes[t, i]
        if n >= 0 and st.ns[n, ROUTE] >= 0:
            return True
    return False


@njit(cache=True)
def _remove_stop(inst: Any, st: Any, v: int, q: int) -> bool:
    removed = remove_range(
        inst.tt, inst.arc, inst.vn, inst.veh, inst.nd, inst.win, inst.cfg, inst.use,
        inst.stock, st.stops, st.rt, st.ns, st.vused, st.bk_stops, st.bk_rt, st.vbook,
        st.nbook, st.lists, st.counts, st.scratch, v, q, q + 1,
    )  # fmt: skip
    return bool(removed)


@njit(cache=True)
def remove_team(inst: Any, st: Any, t: int) -> None:
    """Remove every member of team ``t``, free their common start, and remove the served
    visits that must come after it."""
    remove_visit(inst, st, inst.team_nodes[t, 0])


@njit(cache=True)
def _drop_team(inst: Any, st: Any, t: int) -> None:
    """Remove every member of team ``t`` and free their common start."""
    for i in range(inst.team_nodes.shape[1]):
        n = inst.team_nodes[t, i]
        if n >= 0 and st.ns[n, ROUTE] >= 0:
            _remove_stop(inst, st, st.ns[n, ROUTE], st.ns[n, POS])
    st.team_t[t] = NONE
    for i in range(inst.team_nodes.shape[1]):
        n = inst.team_nodes[t, i]
        if n >= 0:
            unlink(inst, st, n)


@njit(cache=True)
def _member_options(inst: Any, st: Any, n: int, cands: Any, count: int, out: Any) -> int:
    """For member ``n``, each candidate (vehicle, position) and break side with the range of
    start times it allows: rows of ``out`` = (cost, vehicle, position, break, earliest,
    latest, pick-up); their number. Where the member's parts are not on the van, the option
    drives to a supplying depot right before it (the pick-up column, -1 without)."""
    vn, veh, nd = inst.vn, inst.veh, inst.nd
    stops, rt = st.stops, st.rt
    m = 0
    for i in range(count):
        v, p = cands[i, 0], cands[i, 1]
        length = rt[v, LEN]
        if length + 3 >= stops.shape[1]:
            continue
        if vn[v, n, ALLOWED] == 0 or rt[v, LOAD] + nd[n, DEM] > veh[v, CAP]:
            continue
        if p == 0:
            t, prev = veh[v, S0], veh[v, VS]
        else:
            t, prev = stops[v, p - 1, FREE], stops[v, p - 1, NODE]
        if parts_ok(vn, nd, inst.use, inst.stock, stops, rt, st.vused, v, n, p):
            m = _options_at(inst, st, n, v, p, t, prev, -1, out, m)
            continue
        for d in range(inst.pick.shape[1]):
            pk = inst.pick[v, d]
            if pk >= 0 and (nd[n, SUP] >> d) & 1 and st.ns[pk, ROUTE] < 0:
                m = _options_at(inst, st, n, v, p, t, prev, pk, out, m)
    return m


@njit(cache=True)
def _options_at(
    inst: Any, st: Any, n: int, v: int, p: int, t: int, prev: int, pk: int, out: Any, m: int
) -> int:
    """:func:`_member_options` at one position: ``n`` before stop ``p`` of route ``v``
    (leaving ``prev`` at ``t``), after pick-up ``pk`` when ``pk >= 0``; the new count."""
    tt, arc, vn, veh, nd, win = inst.tt, inst.arc, inst.vn, inst.veh, inst.nd, inst.win
    stops, rt, ns = st.stops, st.rt, st.ns
    length, b = rt[v, LEN], rt[v, BRK]
    if p == length:
        nxt, la_next = veh[v, VE], veh[v, S1] + veh[v, OTM]
    else:
        nxt, la_next = stops[v, p, NODE], stops[v, p, LA]
    first = n if pk < 0 else pk  # the stop the leg from ``prev`` goes to
    arcs = arc[prev, first] + arc[n, nxt] + vn[v, n, ASSIGN]
    if pk >= 0:
        arcs += arc[pk, n]
    if length > 0:
        arcs -= arc[prev, nxt]
    added = 1 if pk < 0 else 2
    split = b == p - 1 or (b == NO_BREAK and veh[v, BD] > 0)
    for opt in range(2 if split else 1):
        on_first = split and opt == 0
        a = leg_arrival(veh, v, t, tt[prev, first], on_first)
        if a == NONE:
            continue
        if pk >= 0:
            s_pk = earliest_start(nd, win, pk, a)
            if s_pk == NONE:
                continue
            a = s_pk + vn[v, pk, SVC] + tt[pk, n]
        s = earliest_start(nd, win, n, max(a, ns[n, LO]))
        lf = latest_leg_start(veh, v, la_next, tt[n, nxt], split and opt == 1)
        if s == NONE or lf == NONE:
            continue
        latest = min(lf, ns[n, EHI]) - vn[v, n, SVC]
        latest = min(latest, ns[n, HI])
        if s > latest or m >= out.shape[0]:
            continue
        brk = _break_after(split, on_first, b, p, added)
        out[m, 0], out[m, 1], out[m, 2], out[m, 3] = arcs, v, p, brk
        out[m, 4], out[m, 5], out[m, 6] = s, latest, pk
        m += 1
    return m


@njit(cache=True)
def _break_after(split: bool, on_first: bool, b: int, p: int, added: int) -> int:
    """Where the break goes once ``added`` stops go in before stop ``p`` (``b`` before):
    on the new first leg, on the leg after the new stops, or where it was."""
    if split:
        return p - 1 if on_first else p + added - 1
    return b + added if b >= p else b


@njit(cache=True)
def _cheapest(opts: Any, count: int, keep: int) -> Any:
    order = np.argsort(opts[:count, 0])
    return opts[order[: min(keep, count)]].copy()


@njit(cache=True)
def _combine(inst: Any, members: Any, options: Any, sizes: Any, pick: Any, best_pick: Any) -> int:
    """The cheapest choice of one option per member on distinct vehicles with a common
    start: fills ``best_pick`` and returns that start (NONE if there is none)."""
    k = members.size
    best_cost, best_start = INF, NONE
    idx = np.zeros(k, dtype=np.int64)
    level = 0
    while level >= 0:
        if idx[level] >= sizes[level]:
            idx[level] = 0
            level -= 1
            if level >= 0:
                idx[level] += 1
            continue
        row = options[level, idx[level]]
        clash = False
        for j in range(level):
            if options[j, pick[j], 1] == row[1]:
                clash = True
        if clash:
            idx[level] += 1
            continue
        pick[level] = idx[level]
        if level < k - 1:
            level += 1
            continue
        start, cost = _common_start(inst, members, options, pick)
        if start != NONE and cost < best_cost:
            best_cost, best_start = cost, start
            best_pick[:] = pick
        idx[level] += 1
    return best_start


@njit(cache=True)
def _common_start(inst: Any, members: Any, options: Any, pick: Any) -> tuple[int, int]:
    """The earliest start all picked options allow (in every member's windows) and the
    choice's cost; (NONE, INF) if none."""
    lo, hi, cost = NONE, INF, 0
    for j in range(members.size):
        row = options[j, pick[j]]
        lo = max(lo, row[4])
        hi = min(hi, row[5])
        cost += row[0]
    start = lo
    for _ in range(4):  # windows may differ between members: settle on one they all allow
        moved = start
        for j in range(members.size):
            s = earliest_start(inst.nd, inst.win, members[j], moved)
            if s == NONE:
                return NONE, INF
            moved = max(moved, s)
        if moved == start:
            break
        start = moved
    if start > hi:
        return NONE, INF
    for j in range(members.size):
        cost += node_cost(inst.nd, inst.cfg, members[j], start)
    return start, cost


@njit(cache=True)
def insert_team(inst: Any, st: Any, t: int, blink: float) -> bool:
    """Serve team ``t``: one position per member on distinct vehicles, all starting
    together at the earliest time every chosen position allows, when that costs less than
    leaving the team out. Whether it was inserted."""
    width = inst.team_nodes.shape[1]
    k = 0
    while k < width and inst.team_nodes[t, k] >= 0:
        k += 1
    members = inst.team_nodes[t, :k].copy()
    options = np.zeros((k, TEAM_CHOICES, 7), dtype=np.int64)
    sizes = np.zeros(k, dtype=np.int64)
    scratch = np.zeros((st.cand.shape[0] * 2 * (1 + inst.pick.shape[1]), 7), dtype=np.int64)
    penalty = 0
    for j in range(k):
        n = members[j]
        penalty += inst.nd[n, PEN]
        tentative_link(inst, st, n)
        count = candidates(
            inst.vn, inst.veh, inst.nd, inst.cfg, st.rt, st.ns, inst.neigh, inst.near_veh,
            st.cand, n, blink,
        )  # fmt: skip
        m = _member_options(inst, st, n, st.cand, count, scratch)
        if m == 0:
            _release(inst, st, members, j + 1)
            return False
        kept = _cheapest(scratch, m, TEAM_CHOICES)
        sizes[j] = kept.shape[0]
        options[j, : kept.shape[0]] = kept
    pick = np.zeros(k, dtype=np.int64)
    chosen = np.zeros(k, dtype=np.int64)
    start = _combine(inst, members, options, sizes, pick, chosen)
    cost = INF
    if start != NONE:
        cost = 0
        for j in range(k):
            cost += options[j, chosen[j], 0]
    if cost >= penalty:
        _release(inst, st, members, k)
        return False
    st.team_t[t] = start
    for j in range(k):
        derive(inst, st, members[j])
    for j in range(k):
        row = options[j, chosen[j]]
        if not _insert_member(inst, st, row[1], row[2], members[j], row[6], row[3]):
            remove_team(inst, st, t)
            return False
    return True


@njit(cache=True)
def _release(inst: Any, st: Any, members: Any, count: int) -> None:
    for j in range(count):
        unlink(inst, st, members[j])


@njit(cache=True)
def _insert_member(inst: Any, st: Any, v: int, p: int, n: int, pk: int, brk: int) -> bool:
    inserted = insert(
        inst.tt, inst.arc, inst.vn, inst.veh, inst.nd, inst.win, inst.cfg, inst.use,
        inst.stock, st.stops, st.rt, st.ns, st.vused, st.bk_stops, st.bk_rt, st.vbook,
        st.nbook, st.lists, st.counts, v, p, n, pk, brk,
    )  # fmt: skip
    return bool(inserted)
