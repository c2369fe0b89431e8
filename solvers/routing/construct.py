"""Priority-ordered cheapest insertion: a first solution built in numpy, fed to OR-Tools.

OR-Tools' own first-solution strategies propagate every constraint family at each tentative
insertion; on dispatch days of a few hundred jobs they do not finish within a minute (the plan
then serves nothing). This construction checks the same rules directly on each route:

- jobs in order of penalty (priority, largest first), then deadline (SLA deadline, else the
  latest window end), then node number;
- each job goes to the cheapest position (arc cost detour, plus span and overtime cost) among
  the routes of the vehicles allowed to serve it whose schedule stays feasible: every start of
  service inside one of the node's windows (or at its pin), the return by
  ``shift_end + overtime_max``, the break inside ``[break_earliest, break_latest]`` between two
  stops (travel + break fit in the gap), the pick-up rule (a supplying depot's pick-up node
  before a job whose parts the van lacks, added before the job or at the route start when
  needed), van part quantities until the route's first pick-up, and capacity;
- a job that fits nowhere is left out. Team members and precedence-linked nodes are left to
  the search (their constraints couple routes).

Candidate positions are screened in numpy with necessary conditions (earliest start at the
predecessor, latest start at the successor computed backwards over window hulls, breaks
ignored); the cheapest survivors are then simulated exactly, one route at a time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from solvers.arrays import IntArray
from solvers.options import stop_requested
from solvers.routing.data import NO_VALUE, RoutingData

MAX_EXACT_TRIES = 40  # exact route simulations per job before it is left out


@dataclass(frozen=True)
class Schedule:
    """One vehicle's route as simulated: start of service per visit, break start, return."""

    nodes: tuple[int, ...]
    starts: tuple[int, ...]
    break_start: int | None
    depart: int
    end: int


@dataclass(frozen=True)
class Construction:
    """Constructed routes (visits only) with their schedules, left-out nodes, objective and
    the construction time."""

    schedules: tuple[Schedule, ...]
    unserved: tuple[int, ...]
    objective: int
    seconds: float

    @property
    def routes(self) -> tuple[tuple[int, ...], ...]:
        return tuple(s.nodes for s in self.schedules)


def _earliest(t: int, wins: tuple[tuple[int, int], ...]) -> int | None:
    """Earliest start of service at or after ``t`` inside ``wins`` (empty: any time)."""
    if not wins:
        return t
    for a, b in wins:
        if t <= b:
            return max(t, a)
    return None


class _Simulator:
    """Exact schedule of one route under every rule the construction handles."""

    def __init__(self, d: RoutingData) -> None:
        self.d = d
        self.tt = d.travel_time
        self.svc = d.service
        self.wins: list[tuple[tuple[int, int], ...]] = [
            ((int(f), int(f)),) if f != NO_VALUE else w
            for f, w in zip(d.fixed_start.tolist(), d.windows, strict=True)
        ]
        assert d.pickup_depot is not None and d.pickup_supply is not None
        assert d.pickup_needed is not None
        self.depot = d.pickup_depot.tolist()
        self.supply = d.pickup_supply
        self.needed = d.pickup_needed
        self.use = d.part_use
        self.stock = d.part_stock
        self.demand = d.demand.tolist()
        self.has_demand = bool(d.demand.any())

    def run(self, k: int, seq: list[int]) -> Schedule | None:
        veh = self.d.vehicles[k]
        tt, svc = self.tt, self.svc
        limit = veh.shift_end + veh.overtime_max
        taken = veh.break_duration <= 0
        b_e, b_l, b_d = veh.break_earliest, veh.break_latest, veh.break_duration
        brk: int | None = None
        t, prev = veh.shift_start, veh.start_node
        left = None if self.stock is None else self.stock[k].astype(np.int64).copy()
        picked: set[int] = set()
        load = 0
        starts: list[int] = []
        end_wins = ((veh.shift_start, limit),)
        n = len(seq)
        for pos in range(n + 1):
            last = pos == n
            node = veh.end_node if last else seq[pos]
            travel = int(tt[prev, node])
            wins = end_wins if last else self.wins[node]
            service = 0 if last else int(svc[k, node])
            s = _earliest(t + travel, wins)
            if not taken:
                b = max(t, b_e)
                s_b = None
                if b <= b_l:
                    s_b = _earliest(max(t + travel + b_d, b + b_d), wins)
                must = last or s is None or s + service > b_l
                if s_b is not None and (must or s_b == s):
                    s, brk, taken = s_b, b, True
                elif must:
                    return None
            if s is None:
                return None
            if last:
                return Schedule(tuple(seq), tuple(starts), brk, veh.shift_start, s)
            dep = self.depot[node]
            if dep >= 0:
                picked.add(dep)
                left = None
            else:
                if self.needed[k, node] and not any(self.supply[node, p] for p in picked):
                    return None
                if left is not None and self.use is not None:
                    left -= self.use[node]
                    if (left < 0).any():
                        return None
                if self.has_demand:
                    load += self.demand[node]
                    if load > veh.capacity:
                        return None
            starts.append(s)
            t, prev = s + service, node
        return None  # pragma: no cover - the loop returns at the end node

    def _departure_slack(self, k: int, sch: Schedule) -> int:
        return _slack_of(self, k, sch)

    def cost(self, k: int, sch: Schedule) -> int:
        """Arc costs + overtime + span + SLA lateness of one simulated route."""
        d, veh = self.d, self.d.vehicles[k]
        if not sch.nodes:
            return 0
        path = [veh.start_node, *sch.nodes, veh.end_node]
        arcs = int(d.arc_cost[path[:-1], path[1:]].sum())
        over = max(0, sch.end - veh.shift_end) * veh.overtime_cost
        span = 0
        if veh.span_cost:  # leave as late as the windows allow without a later return
            span = (sch.end - sch.depart - self._departure_slack(k, sch)) * veh.span_cost
        sla = 0
        for node, s in zip(sch.nodes, sch.starts, strict=True):
            dl = int(d.sla_deadline[node])
            if dl != NO_VALUE and s > dl:
                sla += (s - dl) * int(d.sla_cost[node])
        return arcs + over + span + sla


def _slack_of(sim: _Simulator, k: int, sch: Schedule) -> int:
    """Savelsbergh's forward slack of the departure, ``min(F0, W)``: how much later the
    vehicle can leave without violating a latest start; waiting ``W`` bounds the gain."""
    d, veh = sim.d, sim.d.vehicles[k]
    path = [*sch.nodes, veh.end_node]
    starts = [*sch.starts, sch.end]
    prev, ready = veh.start_node, sch.depart
    waited, f0 = 0, veh.shift_end + veh.overtime_max - sch.end
    for node, s in zip(path, starts, strict=True):
        arrival = ready + int(d.travel_time[prev, node])
        wins = sim.wins[node] if node != veh.end_node else ()
        latest = wins[-1][1] if wins else veh.shift_end + veh.overtime_max
        waited += max(0, s - arrival)
        f0 = min(f0, waited + latest - s)  # = waiting before q + latest - arrival
        prev, ready = node, s + (int(d.service[k, node]) if node != veh.end_node else 0)
    return max(0, min(f0, waited))


def _job_order(d: RoutingData, jobs: list[int]) -> list[int]:
    def deadline(i: int) -> int:
        if d.sla_deadline[i] != NO_VALUE:
            return int(d.sla_deadline[i])
        if d.fixed_start[i] != NO_VALUE:
            return int(d.fixed_start[i])
        return d.windows[i][-1][1] if d.windows[i] else d.horizon

    pen = d.penalty
    return sorted(
        jobs, key=lambda i: (-(int(pen[i]) if pen[i] != NO_VALUE else 1 << 62), deadline(i), i)
    )


def construct(
    d: RoutingData, initial_routes: tuple[tuple[int, ...], ...] | None = None
) -> Construction:
    """Build routes for ``d`` by priority-ordered cheapest insertion.

    ``initial_routes`` (per vehicle, terminals excluded) are kept first, in their order, as far
    as they stay feasible (a node that breaks its route is skipped); the remaining nodes are
    then inserted. Deterministic: no randomness, ties broken by node number.
    """
    t0 = time.perf_counter()
    sim = _Simulator(d)
    n_veh = d.num_vehicles
    coupled = {i for team in d.teams for i in team}
    coupled |= {i for a, b, _ in d.precedences for i in (a, b)}
    assert d.pickup_depot is not None
    is_pick = d.pickup_depot >= 0
    jobs = [
        i for i in d.visit_nodes if not is_pick[i] and i not in coupled and d.allowed[:, i].any()
    ]
    routes: list[list[int]] = [[] for _ in range(n_veh)]
    scheds: list[Schedule] = [sim.run(k, []) or Schedule((), (), None, 0, 0) for k in range(n_veh)]
    used: set[int] = set()
    # picks[k]: the vehicle's pick-up nodes
    picks: list[list[int]] = [
        [int(q) for q in np.flatnonzero(is_pick & d.allowed[k])] for k in range(n_veh)
    ]
    if initial_routes is not None:
        for k, r in enumerate(initial_routes):
            for node in r:
                if node in used or node in coupled or not d.allowed[k, node]:
                    continue
                tries = [[*routes[k], node]]
                if not is_pick[node]:  # a missing pick-up, at any earlier position
                    r_k = routes[k]
                    for q in (q for q in picks[k] if q not in r_k):
                        tries += [[*r_k[:a], q, *r_k[a:], node] for a in range(len(r_k), -1, -1)]
                for seq in tries:
                    sch = sim.run(k, seq)
                    if sch is not None:
                        routes[k] = seq
                        scheds[k] = sch
                        used.update(seq)
                        break
    base = [sim.cost(k, scheds[k]) for k in range(n_veh)]
    span = np.array([v.span_cost for v in d.vehicles], dtype=np.int64)
    ac = d.arc_cost
    tt = d.travel_time
    lo = np.array([(w[0][0] if w else 0) for w in sim.wins], dtype=np.int64)
    hi = np.array([(w[-1][1] if w else d.horizon) for w in sim.wins], dtype=np.int64)

    def arcs_of(k: int) -> tuple[IntArray, IntArray, IntArray, IntArray]:
        """Per insertion position of route ``k``: predecessor, successor, the predecessor's
        ready time (start + service) and the successor's latest start (window hulls)."""
        veh = d.vehicles[k]
        path = [veh.start_node, *routes[k], veh.end_node]
        sch = scheds[k]
        st = [veh.shift_start, *sch.starts]
        ready = [s + int(d.service[k, p]) for s, p in zip(st, path[:-1], strict=True)]
        latest = [0] * len(path)
        latest[-1] = veh.shift_end + veh.overtime_max
        for p in range(len(path) - 2, 0, -1):
            node = path[p]
            latest[p] = min(
                int(hi[node]), latest[p + 1] - int(d.service[k, node]) - int(tt[node, path[p + 1]])
            )
        return (
            np.array(path[:-1], dtype=np.int64),
            np.array(path[1:], dtype=np.int64),
            np.array(ready, dtype=np.int64),
            np.array(latest[1:], dtype=np.int64),
        )

    per_route = [arcs_of(k) for k in range(n_veh)]

    def flat() -> tuple[IntArray, IntArray, IntArray, IntArray, IntArray, IntArray]:
        prev = np.concatenate([a[0] for a in per_route])
        nxt = np.concatenate([a[1] for a in per_route])
        ready = np.concatenate([a[2] for a in per_route])
        latest = np.concatenate([a[3] for a in per_route])
        veh = np.concatenate(
            [np.full(a[0].size, k, dtype=np.int64) for k, a in enumerate(per_route)]
        )
        pos = np.concatenate([np.arange(a[0].size, dtype=np.int64) for a in per_route])
        return prev, nxt, ready, latest, veh, pos

    arrays = flat()
    for i in _job_order(d, [j for j in jobs if j not in used]):
        if stop_requested():  # the caller discards a construction cut short
            break
        prev, nxt, ready, latest, veh, pos = arrays
        ok = d.allowed[veh, i]
        if not ok.any():
            continue
        prev, nxt, ready, latest, veh, pos = (
            prev[ok],
            nxt[ok],
            ready[ok],
            latest[ok],
            veh[ok],
            pos[ok],
        )
        s_i = d.service[veh, i]
        start = np.maximum(ready + tt[prev, i], lo[i])
        feas = (start <= hi[i]) & (start + s_i + tt[i, nxt] <= latest)
        if not feas.any():
            continue
        detour_t = tt[prev, i] + s_i + tt[i, nxt] - tt[prev, nxt]
        est = ac[prev, i] + ac[i, nxt] - ac[prev, nxt] + span[veh] * detour_t
        cand = np.flatnonzero(feas)
        cand = cand[np.lexsort((pos[cand], veh[cand], est[cand]))][:MAX_EXACT_TRIES]
        best: tuple[int, int, list[int], Schedule] | None = None
        for c in cand.tolist():
            k, p = int(veh[c]), int(pos[c])
            if best is not None and int(est[c]) >= best[0]:
                break
            seq = [*routes[k][:p], i, *routes[k][p:]]
            found = [(seq, sim.run(k, seq))]
            if found[0][1] is None:
                # maybe a pick-up is missing: add one before the job, or at the route start
                for q in (q for q in picks[k] if q not in routes[k]):
                    for alt in ([*routes[k][:p], q, i, *routes[k][p:]], [q, *found[0][0]]):
                        found.append((alt, sim.run(k, alt)))
            for seq, sch in found:
                if sch is None:
                    continue
                delta = sim.cost(k, sch) - base[k]
                if best is None or delta < best[0]:
                    best = (delta, k, seq, sch)
        if best is None:
            continue
        _, k, seq, sch = best
        routes[k] = seq
        scheds[k] = sch
        base[k] = sim.cost(k, sch)
        used.update(seq)
        per_route[k] = arcs_of(k)
        arrays = flat()
    served = {i for r in routes for i in r}
    unserved = tuple(i for i in d.visit_nodes if i not in served)
    penalties = sum(int(d.penalty[i]) for i in unserved if d.penalty[i] != NO_VALUE)
    objective = sum(base) + penalties
    return Construction(tuple(scheds), unserved, objective, time.perf_counter() - t0)


__all__ = ["Construction", "Schedule", "construct"]
