"""Routing data packed for the compiled engine: flat integer arrays in one named tuple.

Every time is in the data's seconds, every cost in its cost units. ``NONE`` marks an absent
time (no SLA deadline, no earlier start, no window left); ``FAR`` is later than any time.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from solvers.routing.data import NO_VALUE, RoutingData

NONE = -(1 << 60)
FAR = 1 << 60
NO_BREAK = -2
"""``brk`` of a route without a break; ``-1`` is the leg from the start terminal."""
MANDATORY = 10**13
"""The cost of leaving a mandatory visit out: more than any plan serving it costs."""
NEIGHBOURS = 40


# Columns of Instance.veh (per vehicle)
VS, VE, S0, S1, OTM, OTC, BA, BB, BD, SPAN, CAP = range(11)
# Columns of Instance.nd (per node): windows win[W0:W1], penalty, insertion rank, SLA deadline
# and cost per second, the start a re-plan had, demand, travel from the nearest vehicle start,
# end of the last window, the depots that supply it (bit mask), the depot of a pick-up node
# (-1: not a pick-up)
W0, W1, PEN, PRIO, SLA, SLAC, PREV, DEM, DDIST, DUE, SUP, DEP = range(12)
# Layers of Instance.vn (per vehicle and node): service seconds, allowed (0/1), assignment
# cost, a pick-up needed before it (the van lacks its parts)
SVC, ALLOWED, ASSIGN, NEED = range(4)
# Entries of Instance.cfg
MOVE_SLACK, MOVE_COST, TIME_COSTS, FULL_SCAN, MAX_LEN = range(5)
# The search state's layout (:mod:`.state`): per stop of a route, per route, per node
NODE, START, FREE, LA, MASK = range(5)
LEN, BRK, BACK, BSTART, COST, LOAD, FP = range(7)
ROUTE, POS, LO, HI, EHI = range(5)


class Instance(NamedTuple):
    """The arrays the compiled engine reads (``N`` nodes, ``V`` vehicles, ``W`` windows).

    Few, wide arrays rather than many: the compiled code passes them to its functions one by
    one, and each array passed costs reference counting.
    """

    tt: np.ndarray  # (N, N) travel seconds
    arc: np.ndarray  # (N, N) arc cost
    vn: np.ndarray  # (V, N, 4) SVC, ALLOWED, ASSIGN, NEED
    veh: np.ndarray  # (V, 11) columns VS..CAP
    nd: np.ndarray  # (N, 12) columns W0..DEP
    win: np.ndarray  # (W, 2) window start, end
    cfg: np.ndarray  # (5,) MOVE_SLACK..MAX_LEN
    visits: np.ndarray  # (M,) the nodes to serve
    neigh: np.ndarray  # (N, K) nearest visit nodes, -1 padded
    near_veh: np.ndarray  # (N, V) allowed vehicles, nearest start first, -1 padded
    pick: np.ndarray  # (V, D) vehicle v's pick-up node at depot d, -1 without
    use: np.ndarray  # (N, P) units of part p a visit takes from the van (before a pick-up)
    stock: np.ndarray  # (V, P) units of part p the van carries
    team_of: np.ndarray  # (N,) the team job a node is a member of, -1 without
    team_nodes: np.ndarray  # (T, MT) each team's member nodes, -1 padded
    prec: np.ndarray  # (Q, 3) before, after, lag: after starts lag after before ends
    prec_ptr: np.ndarray  # (N + 1,) node i's precedences are prec_list[ptr[i]:ptr[i+1]]
    prec_list: np.ndarray  # (2Q,) precedence indices


FULL_SCAN_MAX = 250
"""Up to this many visits, insertion tries every position of every route."""


def pack(data: RoutingData) -> Instance:
    """:class:`Instance` of ``data``. Pinned starts become one-point windows; nodes no
    vehicle may serve are left out of ``visits``."""
    n, v = data.num_nodes, data.num_vehicles
    win_ptr, win = _windows(data)
    assert data.pickup_depot is not None and data.pickup_supply is not None
    assert data.pickup_needed is not None
    depot = np.asarray(data.pickup_depot)
    visits = np.array(
        [i for i in data.visit_nodes if data.allowed[:, i].any() and depot[i] == NO_VALUE],
        dtype=np.int64,
    )
    tt = np.ascontiguousarray(data.travel_time, dtype=np.int64)
    veh = _vehicles(data)
    nd = np.zeros((n, 12), dtype=np.int64)
    nd[:, W0], nd[:, W1] = win_ptr[:-1], win_ptr[1:]
    penalty = np.where(data.penalty == NO_VALUE, MANDATORY, data.penalty).astype(np.int64)
    nd[:, PEN] = penalty
    nd[:, PRIO] = np.searchsorted(np.unique(-penalty), -penalty)
    nd[:, SLA] = np.where(data.sla_deadline == NO_VALUE, NONE, data.sla_deadline)
    nd[:, SLAC] = data.sla_cost
    nd[:, PREV] = NONE
    nd[:, DEM] = data.demand
    nd[:, DDIST] = tt[veh[:, VS]].min(axis=0)
    nd[:, DUE] = win[win_ptr[1:] - 1, 1]
    nd[:, DEP] = np.where(depot == NO_VALUE, -1, depot)
    nd[depot != NO_VALUE, PEN] = 0  # pick-ups are stops a visit brings along, not visits
    nd[:, SUP] = _supply_masks(np.asarray(data.pickup_supply))
    vn = np.zeros((v, n, 4), dtype=np.int64)
    vn[:, :, SVC] = data.service
    vn[:, :, ALLOWED] = data.allowed
    vn[:, :, NEED] = data.pickup_needed
    cfg = np.zeros(5, dtype=np.int64)
    st = data.stability
    if st is not None:
        nd[:, PREV] = np.where(st.start == NO_VALUE, NONE, st.start)
        moved = (st.vehicle[None, :] != NO_VALUE) & (st.vehicle[None, :] != np.arange(v)[:, None])
        vn[:, :, ASSIGN] = np.where(moved, st.reassign_cost, 0)
        cfg[MOVE_SLACK], cfg[MOVE_COST] = st.move_slack, st.move_cost
    cfg[TIME_COSTS] = bool(
        (nd[:, SLAC][nd[:, SLA] != NONE] > 0).any()
        or (cfg[MOVE_COST] > 0 and (nd[:, PREV] != NONE).any())
        or (veh[:, OTC] > 0).any()
        or (veh[:, SPAN] > 0).any()
    )
    cfg[FULL_SCAN] = visits.size <= FULL_SCAN_MAX
    cfg[MAX_LEN] = _max_len(vn[:, :, SVC], veh, visits)
    allowed = np.asarray(data.allowed, dtype=bool)
    return Instance(
        tt=tt,
        arc=np.ascontiguousarray(data.arc_cost, dtype=np.int64),
        vn=vn,
        veh=veh,
        nd=nd,
        win=win,
        cfg=cfg,
        visits=visits,
        neigh=_neighbours(tt, visits, n),
        near_veh=_near_vehicles(tt, allowed, veh[:, VS], n),
        pick=_pick_nodes(depot, allowed),
        use=_parts(data.part_use, (n, 0)),
        stock=_parts(data.part_stock, (v, 0)),
        **_couplings(data),
    )


def _couplings(data: RoutingData) -> dict[str, np.ndarray]:
    """Teams and precedences as arrays (``after`` starts ``lag`` or more after ``before``
    ends)."""
    n = data.num_nodes
    team_of = np.full(n, -1, dtype=np.int64)
    width = max((len(t) for t in data.teams), default=1)
    team_nodes = np.full((max(len(data.teams), 1), width), -1, dtype=np.int64)
    for t, members in enumerate(data.teams):
        team_of[list(members)] = t
        team_nodes[t, : len(members)] = members
    prec = np.array([(a, b, lag) for a, b, lag in data.precedences], dtype=np.int64).reshape(-1, 3)
    touching: list[list[int]] = [[] for _ in range(n)]
    for q, (a, b, _) in enumerate(prec.tolist()):
        touching[a].append(q)
        touching[b].append(q)
    ptr = np.cumsum([0] + [len(x) for x in touching]).astype(np.int64)
    flat = np.array([q for x in touching for q in x], dtype=np.int64)
    return {
        "team_of": team_of,
        "team_nodes": team_nodes,
        "prec": prec,
        "prec_ptr": ptr,
        "prec_list": flat,
    }


MAX_DEPOTS = 62
"""Depots a supply mask can name (bits of an int64)."""


def _supply_masks(supply: np.ndarray) -> np.ndarray:
    if supply.shape[1] > MAX_DEPOTS:
        raise ValueError(f"day engine: at most {MAX_DEPOTS} depots, got {supply.shape[1]}")
    bits = np.int64(1) << np.arange(supply.shape[1], dtype=np.int64)
    masks: np.ndarray = (supply.astype(np.int64) * bits).sum(axis=1).astype(np.int64)
    return masks


def _pick_nodes(depot: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Each vehicle's pick-up node per depot (its only allowed pick-up there), -1 without."""
    n_dep = int(depot.max(initial=-1)) + 1
    pick = np.full((allowed.shape[0], max(n_dep, 1)), -1, dtype=np.int64)
    for i in np.flatnonzero(depot != NO_VALUE):
        for v in np.flatnonzero(allowed[:, i]):
            pick[v, depot[i]] = i
    return pick


def _parts(arr: np.ndarray | None, empty: tuple[int, int]) -> np.ndarray:
    if arr is None:
        return np.zeros(empty, dtype=np.int64)
    return np.ascontiguousarray(arr, dtype=np.int64)


def _vehicles(data: RoutingData) -> np.ndarray:
    """The vehicle table (columns VS..CAP); capacity FAR when no node has demand."""
    rows = [
        (
            veh.start_node,
            veh.end_node,
            veh.shift_start,
            veh.shift_end,
            veh.overtime_max,
            veh.overtime_cost,
            veh.break_earliest,
            veh.break_latest,
            veh.break_duration,
            veh.span_cost,
            veh.capacity if data.demand.any() else FAR,
        )
        for veh in data.vehicles
    ]
    return np.array(rows, dtype=np.int64).reshape(len(rows), 11)


def _windows(data: RoutingData) -> tuple[np.ndarray, np.ndarray]:
    """Windows flattened; a pin is the one-point window at its start, no window is any time."""
    ptr, lo, hi = [0], [], []
    for i, wins in enumerate(data.windows):
        pinned = int(data.fixed_start[i])
        if pinned != NO_VALUE:
            wins = ((pinned, pinned),)
        elif not wins:
            wins = ((NONE, FAR),)
        for a, b in wins:
            lo.append(a)
            hi.append(b)
        ptr.append(len(lo))
    win = np.array([lo, hi], dtype=np.int64).T.copy()
    return np.array(ptr, dtype=np.int64), win


def _neighbours(tt: np.ndarray, visits: np.ndarray, n: int) -> np.ndarray:
    """Per node its nearest visits by travel both ways (itself excluded), ``-1`` padded."""
    k = min(NEIGHBOURS, max(visits.size - 1, 0))
    out = np.full((n, max(k, 1)), -1, dtype=np.int64)
    if k == 0:
        return out
    both = tt[np.ix_(visits, visits)] + tt[np.ix_(visits, visits)].T
    np.fill_diagonal(both, np.iinfo(np.int64).max)
    nearest = np.argsort(both, axis=1, kind="stable")[:, :k]
    out[visits] = visits[nearest]
    return out


def _near_vehicles(tt: np.ndarray, allowed: np.ndarray, v_start: np.ndarray, n: int) -> np.ndarray:
    """Per node the allowed vehicles, nearest start first, ``-1`` padded."""
    dist = np.where(allowed, tt[v_start], np.iinfo(np.int64).max)  # (V, N)
    order = np.argsort(dist, axis=0, kind="stable").T  # (N, V)
    ok = np.take_along_axis(allowed.T, order, axis=1)
    return np.where(ok, order, -1).astype(np.int64)


def _max_len(svc: np.ndarray, veh: np.ndarray, visits: np.ndarray) -> int:
    """An upper bound on the stops of one route: what fits in the longest shift at the
    shortest service (every visit when services may be zero)."""
    if visits.size == 0:
        return 1
    shortest = int(svc[:, visits].min())
    longest = int((veh[:, S1] + veh[:, OTM] - veh[:, S0]).max())
    if shortest <= 0:
        return int(visits.size)
    return int(min(visits.size, longest // shortest + 1))
