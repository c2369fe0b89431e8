"""Ruin and recreate for span-cost routing (Pillac's TRSP and its kin), in numpy.

The search is SISR (Christiaens & Vanden Berghe, *Slack induction by string removals for vehicle
routing problems*, Transportation Science 54(2), 2020) on the data's own objective:

- **objective**: for each non-empty route, ``span_cost · D + Σ arc_cost`` over its arcs, where
  ``D`` is the route's *minimal* duration (return minus departure, the departure delayed as far
  as the windows allow without delaying the return); plus the penalty of every unserved node.
  ``D`` and the feasibility of a route come from the segment concatenation of Vidal et al.
  (*A hybrid genetic algorithm with adaptive diversity management for a large class of vehicle
  routing problems with time-windows*, Computers & OR 40(1), 2013): a segment σ is
  ``(D, TW, E, L)`` (duration, time warp, earliest and latest start of its first node); with
  ``t`` the travel from σ₁'s last node to σ₂'s first,

  .. math::
     Δ = D_1 - TW_1 + t,\\; w = \\max(E_2 - Δ - L_1, 0),\\; τ = \\max(E_1 + Δ - L_2, 0)

     D = D_1 + D_2 + t + w,\\; TW = TW_1 + TW_2 + τ,\\;
     E = \\max(E_2 - Δ, E_1) - w,\\; L = \\min(L_2 - Δ, L_1) + τ

  and a route is feasible iff its ``TW`` is 0. Each route keeps its prefix and suffix segments,
  so inserting a node at every position of every route is a handful of numpy operations.
- **pick-ups** (one per vehicle, free and optional): a node whose tools the van lacks, or whose
  parts would exceed the van's stock counted over the nodes before the pick-up, goes after the
  pick-up; a route without one may get ``[pick-up, node]`` inserted together. After every
  change a route's pick-up is moved to its best position, and dropped when nothing needs it.
- **ruin**: strings of consecutive visits removed from routes near a random seed visit
  (SISR's string removal, ``c̄ = 10`` visits on average, strings of at most 10);
- **recreate**: the removed and unserved visits, in one of SISR's orders (random, far, close,
  earliest due), each to its cheapest feasible position, a candidate position being skipped
  ("blink") with probability 1 %;
- **acceptance**: simulated annealing, temperature from ``T₀`` to ``T_f`` geometrically over
  the run (time, or iterations when an iteration limit is given).

Supported data (:func:`rr_unsupported` names what is not): one window or none per node, no
teams, precedences, breaks, overtime, pins, SLAs or capacities; each pick-up node allowed to
one vehicle, at most one per vehicle. With ``iterations`` set the run is deterministic for a
seed; with a time limit alone the number of iterations (hence the plan) depends on the machine.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from solvers.options import stop_requested
from solvers.result import SolveReport, Status
from solvers.routing.data import NO_VALUE, RoutingData, RoutingParams
from solvers.routing.result import RoutingResult, Visit

BIG = 1 << 60  # "no candidate" cost
MANDATORY_PENALTY = 10**13  # unserved mandatory node: any plan serving it is better
AVG_REMOVED = 10  # SISR c̄
MAX_STRING = 10  # SISR L_max
BLINK = 0.01  # SISR blink rate
T_START = 10.0  # temperatures, in mean travel times between visits (times the span cost)
T_END = 0.03


def rr_unsupported(data: RoutingData) -> str | None:
    """Why ruin and recreate cannot solve ``data``, or ``None`` if it can."""
    if data.teams:
        return "team jobs"
    if data.precedences:
        return "precedences"
    if any(v.break_duration for v in data.vehicles):
        return "breaks"
    if any(v.overtime_max or v.fixed_end_at_start for v in data.vehicles):
        return "overtime or fixed end"
    if (data.fixed_start != NO_VALUE).any():
        return "pinned starts"
    if (data.sla_deadline != NO_VALUE).any():
        return "SLA deadlines"
    if (data.demand != 0).any():
        return "capacities"
    if any(len(w) > 1 for w in data.windows):
        return "several windows per node"
    assert data.pickup_depot is not None and data.pickup_needed is not None
    assert data.pickup_supply is not None
    pickups = np.flatnonzero(data.pickup_depot != NO_VALUE)
    owners = data.allowed[:, pickups]
    if (owners.sum(axis=0) != 1).any() or (owners.sum(axis=1) > 1).any():
        return "pick-up nodes shared between vehicles"
    if (data.penalty[pickups] == NO_VALUE).any():
        return "mandatory pick-up nodes"
    for k in range(data.num_vehicles):
        own = pickups[owners[k]]
        need = np.flatnonzero(data.pickup_needed[k] & data.allowed[k])
        if need.size and (
            own.size == 0 or not data.pickup_supply[need, data.pickup_depot[own[0]]].all()
        ):
            return f"vehicle {data.vehicles[k].name}: needs a pick-up it cannot make"
    return None


@dataclass
class _Problem:
    k_n: int
    travel: np.ndarray
    arc: np.ndarray
    use_arc: bool
    service: np.ndarray
    ready: np.ndarray
    due: np.ndarray
    start: np.ndarray
    end: np.ndarray
    shift_start: np.ndarray
    shift_end: np.ndarray
    span: np.ndarray
    allowed: np.ndarray
    needed: np.ndarray
    pickup: np.ndarray  # (K,) pick-up node or -1
    is_pickup: np.ndarray
    use: np.ndarray  # (N, P)
    stock: np.ndarray  # (K, P)
    penalty: np.ndarray
    jobs: np.ndarray
    neighbours: dict[int, list[int]]

    def __post_init__(self) -> None:  # plain lists: the per-route recursions run in Python
        self.tt_l: list[list[int]] = self.travel.tolist()
        self.arc_l: list[list[int]] = self.arc.tolist()
        self.svc_l: list[list[int]] = self.service.tolist()
        self.ready_l: list[int] = self.ready.tolist()
        self.due_l: list[int] = self.due.tolist()
        self.start_l: list[int] = self.start.tolist()
        self.end_l: list[int] = self.end.tolist()
        self.s0_l: list[int] = self.shift_start.tolist()
        self.s1_l: list[int] = self.shift_end.tolist()
        self.use_l: list[list[int]] = self.use.tolist()
        self.stock_l: list[list[int]] = self.stock.tolist()
        self.needed_l: list[list[bool]] = self.needed.tolist()


def _problem(data: RoutingData) -> _Problem:
    assert data.pickup_depot is not None and data.pickup_needed is not None
    n, k_n = data.num_nodes, data.num_vehicles
    ready = np.zeros(n, dtype=np.int64)
    due = np.full(n, data.horizon, dtype=np.int64)
    for i, w in enumerate(data.windows):
        if w:
            ready[i], due[i] = w[0]
    is_pickup = data.pickup_depot != NO_VALUE
    pickup = np.full(k_n, -1, dtype=np.int64)
    for p in np.flatnonzero(is_pickup):
        pickup[int(np.flatnonzero(data.allowed[:, p])[0])] = p
    if data.part_use is not None and data.part_stock is not None:
        use, stock = np.asarray(data.part_use), np.asarray(data.part_stock)
    else:
        use, stock = np.zeros((n, 0), dtype=np.int64), np.zeros((k_n, 0), dtype=np.int64)
    terminals = data.terminals
    jobs = np.array(
        [
            i
            for i in range(n)
            if i not in terminals and not is_pickup[i] and data.allowed[:, i].any()
        ],
        dtype=np.int64,
    )
    penalty = np.where(data.penalty == NO_VALUE, MANDATORY_PENALTY, data.penalty).astype(np.int64)
    near = data.travel_time[np.ix_(jobs, jobs)] + data.travel_time[np.ix_(jobs, jobs)].T
    order = np.argsort(near, axis=1, kind="stable")
    neighbours = {int(jobs[a]): [int(jobs[b]) for b in order[a]] for a in range(jobs.size)}
    return _Problem(
        k_n=k_n,
        travel=np.asarray(data.travel_time),
        arc=np.asarray(data.arc_cost),
        use_arc=bool(np.asarray(data.arc_cost).any()),
        service=np.asarray(data.service),
        ready=ready,
        due=due,
        start=np.array([v.start_node for v in data.vehicles], dtype=np.int64),
        end=np.array([v.end_node for v in data.vehicles], dtype=np.int64),
        shift_start=np.array([v.shift_start for v in data.vehicles], dtype=np.int64),
        shift_end=np.array([v.shift_end for v in data.vehicles], dtype=np.int64),
        span=np.array([v.span_cost for v in data.vehicles], dtype=np.int64),
        allowed=np.asarray(data.allowed),
        needed=np.asarray(data.pickup_needed),
        pickup=pickup,
        is_pickup=is_pickup,
        use=use,
        stock=stock,
        penalty=penalty,
        jobs=jobs,
        neighbours=neighbours,
    )


def _cat(
    d1: Any, w1: Any, e1: Any, l1: Any, t: Any, d2: Any, w2: Any, e2: Any, l2: Any
) -> tuple[Any, Any, Any, Any]:
    """Vidal's segment concatenation, element-wise (see the module docstring)."""
    delta = d1 - w1 + t
    wait = np.maximum(e2 - delta - l1, 0)
    warp = np.maximum(e1 + delta - l2, 0)
    return (
        d1 + d2 + t + wait,
        w1 + w2 + warp,
        np.maximum(e2 - delta, e1) - wait,
        np.minimum(l2 - delta, l1) + warp,
    )


class _State:
    """Routes plus, per route, prefix and suffix segments in ``(K, C)`` arrays: column ``i``
    describes inserting after the ``i``-th node of ``[start, *route, end]``."""

    def __init__(self, pb: _Problem, routes: list[list[int]]) -> None:
        self.pb = pb
        k_n = pb.k_n
        width = int(pb.jobs.size) + 3
        self.routes = routes
        self.fd = np.zeros((k_n, width), dtype=np.int64)
        self.fw = np.zeros_like(self.fd)
        self.fe = np.zeros_like(self.fd)
        self.fl = np.zeros_like(self.fd)
        self.bd = np.zeros_like(self.fd)
        self.bw = np.zeros_like(self.fd)
        self.be = np.zeros_like(self.fd)
        self.bl = np.zeros_like(self.fd)
        self.last = np.zeros_like(self.fd)
        self.first = np.zeros_like(self.fd)
        self.arcsum = np.zeros(k_n, dtype=np.int64)
        self.valid = np.zeros((k_n, width), dtype=bool)
        self.predep = np.zeros((k_n, width), dtype=bool)
        self.has_dep = np.zeros(k_n, dtype=bool)
        self.pre_parts = np.zeros_like(pb.stock)
        self.cost = np.zeros(k_n, dtype=np.int64)
        self.warp = np.zeros(k_n, dtype=np.int64)
        self.length = np.zeros(k_n, dtype=np.int64)
        self.where: dict[int, int] = {}
        for k in range(k_n):
            self.refresh(k)

    _ARRAYS = (
        "fd", "fw", "fe", "fl", "bd", "bw", "be", "bl", "last", "first", "arcsum", "valid",
        "predep", "has_dep", "pre_parts", "cost", "warp", "length",
    )  # fmt: skip

    def snapshot(self) -> tuple[list[np.ndarray], list[list[int]], dict[int, int]]:
        """Everything :meth:`restore` needs to undo the changes made after this call."""
        arrays = [getattr(self, a).copy() for a in self._ARRAYS]
        return arrays, [list(r) for r in self.routes], dict(self.where)

    def restore(self, snap: tuple[list[np.ndarray], list[list[int]], dict[int, int]]) -> None:
        arrays, routes, where = snap
        for name, arr in zip(self._ARRAYS, arrays, strict=True):
            setattr(self, name, arr)
        self.routes, self.where = routes, where

    def refresh(self, k: int) -> None:
        """Recompute route ``k``'s segments, cost and pick-up facts."""
        pb = self.pb
        route = self.routes[k]
        where = self.where
        for v in route:
            where[v] = k
        seq = [pb.start_l[k], *route, pb.end_l[k]]
        m = len(route)
        tt, svc, ready, due = pb.tt_l, pb.svc_l[k], pb.ready_l, pb.due_l
        s0, s1 = pb.s0_l[k], pb.s1_l[k]
        fd, fw, fe, fl = [0], [0], [s0], [s1]
        d, w, e, lt = 0, 0, s0, s1
        prev = seq[0]
        for i in range(1, m + 1):
            node = seq[i]
            t = tt[prev][node]
            delta = d - w + t
            ne, nl = ready[node], due[node]
            wait = ne - delta - lt
            if wait < 0:
                wait = 0
            warp = e + delta - nl
            if warp < 0:
                warp = 0
            d = d + svc[node] + t + wait
            w = w + warp
            e = (ne - delta if ne - delta > e else e) - wait
            lt = (nl - delta if nl - delta < lt else lt) + warp
            fd.append(d)
            fw.append(w)
            fe.append(e)
            fl.append(lt)
            prev = node
        t = tt[prev][seq[m + 1]]
        delta = d - w + t
        wait = max(s0 - delta - lt, 0)
        total_d, total_w = d + t + wait, w + max(e + delta - s1, 0)
        arcs = 0
        if pb.use_arc:
            arc = pb.arc_l
            arcs = sum(arc[a][b] for a, b in itertools.pairwise(seq))
        bd, bw, be, bl = [0] * (m + 1), [0] * (m + 1), [0] * (m + 1), [0] * (m + 1)
        d, w, e, lt = 0, 0, s0, s1
        nxt = seq[m + 1]
        for i in range(m, 0, -1):
            bd[i], bw[i], be[i], bl[i] = d, w, e, lt
            node = seq[i]
            nd = svc[node]
            ne, nl = ready[node], due[node]
            delta = nd + tt[node][nxt]
            wait = e - delta - nl
            if wait < 0:
                wait = 0
            warp = ne + delta - lt
            if warp < 0:
                warp = 0
            d = delta + d + wait
            w = w + warp
            e = (e - delta if e - delta > ne else ne) - wait
            lt = (lt - delta if lt - delta < nl else nl) + warp
            nxt = node
        bd[0], bw[0], be[0], bl[0] = d, w, e, lt
        sl = slice(0, m + 1)
        self.fd[k, sl], self.fw[k, sl], self.fe[k, sl], self.fl[k, sl] = fd, fw, fe, fl
        self.bd[k, sl], self.bw[k, sl], self.be[k, sl], self.bl[k, sl] = bd, bw, be, bl
        self.last[k, sl] = seq[: m + 1]
        self.first[k, sl] = seq[1 : m + 2]
        self.valid[k] = False
        self.valid[k, sl] = True
        self.arcsum[k] = arcs
        self.length[k] = m
        p = int(pb.pickup[k])
        dep = route.index(p) + 1 if p >= 0 and p in route else m + 1
        self.has_dep[k] = dep <= m
        self.predep[k] = False
        self.predep[k, :dep] = True
        self.pre_parts[k] = pb.use[seq[1:dep]].sum(axis=0)
        self.warp[k] = total_w
        self.cost[k] = 0 if m == 0 else int(pb.span[k]) * total_d + arcs

    def objective(self, unserved: set[int]) -> int:
        return int(self.cost.sum()) + sum(int(self.pb.penalty[j]) for j in unserved)

    def best_insertion(
        self, j: int, rng: np.random.Generator | None
    ) -> tuple[int, int, int, bool] | None:
        """Cheapest feasible ``(delta, vehicle, position, with_pickup)`` for node ``j``."""
        pb = self.pb
        cols = slice(0, int(self.length.max()) + 1)
        last, first = self.last[:, cols], self.first[:, cols]
        fd, fw, fe, fl = self.fd[:, cols], self.fw[:, cols], self.fe[:, cols], self.fl[:, cols]
        bd, bw, be, bl = self.bd[:, cols], self.bw[:, cols], self.be[:, cols], self.bl[:, cols]
        valid, predep = self.valid[:, cols], self.predep[:, cols]
        sj = pb.service[:, j, None]
        ej, lj = int(pb.ready[j]), int(pb.due[j])
        d1, w1, e1, l1 = _cat(fd, fw, fe, fl, pb.travel[last, j], sj, 0, ej, lj)
        t2 = pb.travel[j, first]
        d, w, _, _ = _cat(d1, w1, e1, l1, t2, bd, bw, be, bl)
        pre_ok = ~pb.needed[:, j] & (self.pre_parts + pb.use[j] <= pb.stock).all(axis=1)
        allowed = pb.allowed[:, j]
        ok = valid & (w == 0) & allowed[:, None] & (pre_ok[:, None] | ~predep)
        cost = pb.span[:, None] * d - self.cost[:, None]
        if pb.use_arc:
            cost += self.arcsum[:, None] + pb.arc[last, j] + pb.arc[j, first] - pb.arc[last, first]
        rows = allowed & ~pre_ok & ~self.has_dep & (pb.pickup >= 0)
        pair_cost = None
        if rows.any():
            pk = pb.pickup[:, None]
            zero = np.zeros_like(sj)
            big = np.asarray(pb.due[pk])
            pd, pw, pe, pl = _cat(
                fd,
                fw,
                fe,
                fl,
                pb.travel[last, pk],
                zero,
                zero,
                np.asarray(pb.ready[pk]),
                big,
            )
            pd, pw, pe, pl = _cat(pd, pw, pe, pl, pb.travel[pk, j], sj, 0, ej, lj)
            qd, qw, _, _ = _cat(pd, pw, pe, pl, t2, bd, bw, be, bl)
            pok = valid & (qw == 0) & rows[:, None]
            pair_cost = pb.span[:, None] * qd - self.cost[:, None]
            if pb.use_arc:
                pair_cost += (
                    self.arcsum[:, None]
                    + pb.arc[last, pk]
                    + pb.arc[pk, j]
                    + pb.arc[j, first]
                    - pb.arc[last, first]
                )
            if rng is not None:
                pok &= rng.random(pok.shape) >= BLINK
            pair_cost = np.where(pok, pair_cost, BIG)
        if rng is not None:
            ok &= rng.random(ok.shape) >= BLINK
        cost = np.where(ok, cost, BIG)
        flat = int(np.argmin(cost))
        best = int(cost.flat[flat])
        with_pickup = False
        if pair_cost is not None:
            pflat = int(np.argmin(pair_cost))
            if int(pair_cost.flat[pflat]) < best:
                flat, best, with_pickup = pflat, int(pair_cost.flat[pflat]), True
        if best >= BIG:
            return None
        width = cost.shape[1]
        return best, flat // width, flat % width, with_pickup

    def place_pickup(self, k: int, fresh: bool) -> None:
        """Move route ``k``'s pick-up to its best position, or drop it when nothing needs it;
        route ``k`` is up to date afterwards (``fresh``: it already is)."""
        pb = self.pb
        p = int(pb.pickup[k])
        route = self.routes[k]
        if p < 0 or p not in route:
            if not fresh:
                self.refresh(k)
            return
        at = route.index(p)
        route.remove(p)
        used = [0] * len(pb.stock_l[k])
        stock, needed = pb.stock_l[k], pb.needed_l[k]
        lim = 0
        for v in route:
            if needed[v]:
                break
            used = [a + b for a, b in zip(used, pb.use_l[v], strict=True)]
            if any(a > b for a, b in zip(used, stock, strict=True)):
                break
            lim += 1
        if lim == 0 and at == 0 and route:  # the first visit needs it: nothing to choose
            route.insert(0, p)
            if not fresh:
                self.refresh(k)
            return
        self.where.pop(p, None)
        self.refresh(k)
        if lim == len(route):
            return
        last, first = self.last[k, : lim + 1], self.first[k, : lim + 1]
        z = np.zeros(lim + 1, dtype=np.int64)
        d1, w1, e1, l1 = _cat(
            self.fd[k, : lim + 1],
            self.fw[k, : lim + 1],
            self.fe[k, : lim + 1],
            self.fl[k, : lim + 1],
            pb.travel[last, p],
            z,
            z,
            z + pb.ready[p],
            z + pb.due[p],
        )
        d, w, _, _ = _cat(
            d1,
            w1,
            e1,
            l1,
            pb.travel[p, first],
            self.bd[k, : lim + 1],
            self.bw[k, : lim + 1],
            self.be[k, : lim + 1],
            self.bl[k, : lim + 1],
        )
        cost = pb.span[k] * d
        if pb.use_arc:
            cost = cost + pb.arc[last, p] + pb.arc[p, first] - pb.arc[last, first]
        cost = np.where(w == 0, cost, BIG)
        i = int(np.argmin(cost))
        if cost[i] >= BIG:  # cannot happen from a feasible route: keep it first
            i = 0
        route.insert(i, p)
        self.refresh(k)

    def remove(self, j: int) -> int:
        k = self.where.pop(j)
        self.routes[k].remove(j)
        return k


def _search_routes(
    pb: _Problem, params: RoutingParams, t0: float
) -> tuple[list[list[int]], set[int], int, int]:
    """SISR from a greedy start (earliest due first); returns the best routes, their unserved
    nodes, objective and the number of iterations."""
    rng = np.random.default_rng(params.seed)
    st = _State(pb, [[] for _ in range(pb.k_n)])
    unserved: set[int] = set()
    order = sorted((int(j) for j in pb.jobs), key=lambda j: (int(pb.due[j]), j))
    _recreate(st, order, unserved, None)
    for k in range(pb.k_n):
        st.place_pickup(k, fresh=True)
    cur = st.objective(unserved)
    best, best_routes, best_unserved = cur, [list(r) for r in st.routes], set(unserved)
    jobs = pb.jobs
    scale = float(pb.travel[np.ix_(jobs, jobs)].mean()) if jobs.size else 1.0
    scale *= float(pb.span.max(initial=1) or 1)
    t_hi, t_lo = T_START * scale, T_END * scale
    used = sum(1 for r in st.routes if r)
    avg_len = max(1.0, jobs.size / max(1, used))
    limit, iters = params.time_limit_s, params.iterations
    done = 0
    while not stop_requested():
        if iters is not None:
            if done >= iters:
                break
            frac = done / iters
        else:
            frac = (time.perf_counter() - t0) / limit
            if frac >= 1.0:
                break
        temp = t_hi * (t_lo / t_hi) ** frac
        done += 1
        snap = st.snapshot()
        before = snap[1]
        removed = _ruin(st, rng, avg_len)
        for k in {k for k in range(pb.k_n) if st.routes[k] != before[k]}:
            st.place_pickup(k, fresh=False)
        new_unserved: set[int] = set()
        _recreate(st, _order(pb, removed + sorted(unserved), rng), new_unserved, rng)
        for k in range(pb.k_n):
            if st.routes[k] != before[k]:
                st.place_pickup(k, fresh=True)
        cand = st.objective(new_unserved)
        if cand < cur - temp * math.log(1.0 - rng.random()):
            cur, unserved = cand, new_unserved
            if cur < best:
                best, best_routes, best_unserved = cur, [list(r) for r in st.routes], set(unserved)
        else:
            st.restore(snap)
    return best_routes, best_unserved, best, done


def _order(pb: _Problem, todo: list[int], rng: np.random.Generator) -> list[int]:
    pick = rng.random()
    if pick < 4 / 11:
        perm = rng.permutation(len(todo))
        return [todo[i] for i in perm]
    if pick < 6 / 11:
        return sorted(todo, key=lambda j: (int(pb.due[j]), j))
    if pick < 8 / 11:
        return sorted(todo, key=lambda j: (-int(pb.travel[pb.start[0], j]), j))
    if pick < 9 / 11:
        return sorted(todo, key=lambda j: (int(pb.travel[pb.start[0], j]), j))
    return sorted(todo, key=lambda j: (int(pb.due[j] - pb.ready[j]), j))


def _recreate(
    st: _State, order: list[int], unserved: set[int], rng: np.random.Generator | None
) -> None:
    pb = st.pb
    for j in order:
        best = st.best_insertion(j, rng)
        if best is None:
            unserved.add(j)
            continue
        _, k, pos, with_pickup = best
        route = st.routes[k]
        route.insert(pos, j)
        if with_pickup:
            route.insert(pos, int(pb.pickup[k]))
        st.refresh(k)


def _ruin(st: _State, rng: np.random.Generator, avg_len: float) -> list[int]:
    """SISR string removal around a random served visit."""
    pb = st.pb
    served = [int(j) for j in pb.jobs if int(j) in st.where]
    if not served:
        return []
    ls_max = min(float(MAX_STRING), avg_len)
    ks_max = 4.0 * AVG_REMOVED / (1.0 + ls_max) - 1.0
    ks = int(rng.uniform(1.0, ks_max + 1.0))
    seed = served[int(rng.integers(len(served)))]
    removed: list[int] = []
    ruined: set[int] = set()
    for c in pb.neighbours[seed]:
        if len(ruined) >= ks:
            break
        k = st.where.get(c)
        if k is None or k in ruined:
            continue
        jobs = [v for v in st.routes[k] if not pb.is_pickup[v]]
        l_max = min(len(jobs), ls_max)
        size = max(1, int(rng.uniform(1.0, l_max + 1.0)))
        idx = jobs.index(c)
        lo = max(0, idx - size + 1)
        hi = min(idx, len(jobs) - size)
        begin = int(rng.integers(lo, hi + 1))
        for v in jobs[begin : begin + size]:
            st.remove(v)
            removed.append(v)
        ruined.add(k)
    return removed


def _schedule(pb: _Problem, k: int, route: list[int]) -> tuple[int, list[int], int]:
    """Departure, starts of service and return of route ``k`` with the latest departure that
    does not delay the return (the minimal duration)."""
    seq = [int(pb.start[k]), *route, int(pb.end[k])]
    svc = pb.service[k]

    def forward(depart: int) -> tuple[list[int], int]:
        t, starts = depart, []
        for a, b in itertools.pairwise(seq):
            t += (int(svc[a]) if a != seq[0] else 0) + int(pb.travel[a, b])
            if b != seq[-1]:
                t = max(t, int(pb.ready[b]))
                starts.append(t)
        return starts, max(t, int(pb.shift_start[k]))

    s0 = int(pb.shift_start[k])
    _, end = forward(s0)
    lo, hi = s0, end  # the latest departure keeping this return: binary search (monotone)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        starts, e = forward(mid)
        ok = e <= end and all(s <= int(pb.due[v]) for s, v in zip(starts, route, strict=True))
        if ok:
            lo = mid
        else:
            hi = mid - 1
    starts, end = forward(lo)
    return lo, starts, end


def solve_ruin_recreate(data: RoutingData, params: RoutingParams) -> RoutingResult:
    """Solve ``data`` by SISR ruin and recreate within ``params.time_limit_s`` (or exactly
    ``params.iterations`` iterations); returns a ``RoutingResult``.

    Raises
    ------
    ValueError
        If ``data`` has a feature this search does not handle (see :func:`rr_unsupported`).
    """

    t0 = time.perf_counter()
    why = rr_unsupported(data)
    if why is not None:
        raise ValueError(f"routing data: ruin and recreate does not support {why}")
    pb = _problem(data)
    build_s = time.perf_counter() - t0
    routes, _, objective, iterations = _search_routes(pb, params, t0)
    visits: list[tuple[Visit, ...]] = []
    starts, ends = [], []
    for k, route in enumerate(routes):
        if not route:
            visits.append(())
            starts.append(int(pb.shift_start[k]))
            ends.append(int(pb.shift_start[k]))
            continue
        depart, times, end = _schedule(pb, k, route)
        visits.append(tuple(Visit(v, s) for v, s in zip(route, times, strict=True)))
        starts.append(depart)
        ends.append(end)
    served = {v for r in routes for v in r}
    report = SolveReport(
        status=Status.FEASIBLE,
        raw_status=f"RUIN_RECREATE ({iterations} iterations)",
        runtime_s=time.perf_counter() - t0,
        objective=float(objective),
        seed=params.seed,
        workers=params.workers,
        time_limit_s=params.time_limit_s,
    )
    return RoutingResult(
        report=report,
        routes=tuple(visits),
        route_start=tuple(starts),
        route_end=tuple(ends),
        break_start=(None,) * data.num_vehicles,
        unserved=tuple(i for i in data.visit_nodes if i not in served and not pb.is_pickup[i]),
        build_s=build_s,
        first_solution_s=build_s,
        first_solution="GREEDY_INSERTION",
    )
