"""Scenario → solver data: a day's jobs, technicians and pick-ups as routing nodes.

Ids ↔ node indices, minutes → seconds (from midnight of the planned day), priorities →
penalty weights (see :mod:`fieldopt.translate.routing.problem`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from fieldopt.scenario import Scenario
from fieldopt.translate.routing.day import DayContext, candidate_jobs, day_context, job_windows_on
from fieldopt.translate.routing.problem import (
    DEFAULT_PICKUP_MIN,
    DROP_PENALTY,
    MOVE_COST,
    MOVE_SLACK_MIN,
    OVERTIME_COST,
    PICKUP_INCENTIVE,
    PIN_PENALTY,
    REASSIGN_COST,
    SLA_COST,
    DispatchProblem,
    Previous,
    Start,
)
from fieldopt.translate.routing.screen import Slots, covers, screen_jobs
from fieldopt.view import Record, has_value
from solvers.routing.data import NO_VALUE, RoutingData, Stability, Vehicle

Windows = Mapping[str, list[tuple[dt.datetime, dt.datetime]]]


@dataclass
class _Nodes:
    """Routing nodes as they are added: per technician start and end, job members, pick-ups."""

    kind: list[str] = field(default_factory=list)
    job: list[str | None] = field(default_factory=list)
    location: list[str] = field(default_factory=list)
    depot: list[str | None] = field(default_factory=list)
    names: list[str] = field(default_factory=list)

    def add(
        self, name: str, kind: str, job: str | None, location: str, depot: str | None = None
    ) -> int:
        self.names.append(name)
        self.kind.append(kind)
        self.job.append(job)
        self.location.append(location)
        self.depot.append(depot)
        return len(self.names) - 1


def build_problem(
    scenario: Scenario,
    day: dt.date,
    starts: Mapping[str, Start] | None = None,
    pickup_min: int | None = None,
    depot_stock: Mapping[str, Mapping[str, int]] | None = None,
    previous: Mapping[str, Previous] | None = None,
) -> DispatchProblem:
    """Translate ``scenario``'s ``day`` into a :class:`DispatchProblem` (with screening).

    ``starts`` overrides where and when technicians begin and what their vans hold, and
    ``depot_stock`` what the depots hold (replanning after the work done so far), and
    ``previous`` who did each job when in the plan being revised (its stability costs).
    """
    if pickup_min is None:
        pickup_min = scenario.view.settings_int("dispatch.pickup_min", DEFAULT_PICKUP_MIN)
    view = scenario.view
    jobs = candidate_jobs(view, day)
    ctx = day_context(scenario, day, jobs, starts, depot_stock)
    windows = job_windows_on(view, day)
    eligible, screened = screen_jobs(ctx, jobs, windows)
    nodes = _Nodes()
    terminals = [
        (
            nodes.add(f"start:{t}", "start", None, ctx.starts[t].location_id),
            nodes.add(f"end:{t}", "end", None, ctx.ends[t]),
        )
        for t in ctx.technicians
    ]
    job_nodes = {
        jid: tuple(
            nodes.add(
                jid if c == 0 else f"{jid}#{c + 1}", "job", jid, str(view.jobs[jid]["site_id"])
            )
            for c in range(len(members))
        )
        for jid, members in eligible.items()
    }
    pick_nodes = _pickup_nodes(ctx, eligible, nodes)
    data = _routing_data(
        ctx, nodes, terminals, eligible, job_nodes, pick_nodes, windows, pickup_min
    )
    if previous is not None:
        data = dataclasses.replace(
            data,
            stability=_stability(ctx, job_nodes, previous, len(nodes.names)),
            penalty=_keep_critical(ctx, data.penalty, job_nodes, previous),
        )
    return DispatchProblem(
        data=data,
        day=day,
        origin=ctx.origin,
        technicians=ctx.technicians,
        node_kind=tuple(nodes.kind),
        node_job=tuple(nodes.job),
        node_location=tuple(nodes.location),
        node_depot=tuple(nodes.depot),
        candidates=tuple(str(j["id"]) for j in jobs),
        screened=screened,
        job_nodes=job_nodes,
        depot_stock=ctx.depot_stock,
        van_stock=ctx.vans,
    )


def _stability(
    ctx: DayContext,
    job_nodes: Mapping[str, tuple[int, ...]],
    previous: Mapping[str, Previous],
    n: int,
) -> Stability:
    """Who served each job node and when in the plan being revised, and the price of a change
    (:data:`REASSIGN_COST`, :data:`MOVE_COST` beyond :data:`MOVE_SLACK_MIN`)."""
    vehicle = np.full(n, NO_VALUE, dtype=np.int64)
    start = np.full(n, NO_VALUE, dtype=np.int64)
    index = {t: k for k, t in enumerate(ctx.technicians)}
    for job, nodes in job_nodes.items():
        before = previous.get(job)
        if before is None:
            continue
        techs = [index[t] for t in before.technicians if t in index]
        for c, i in enumerate(nodes):
            start[i] = ctx.sec(before.start)
            if c < len(techs):
                vehicle[i] = techs[c]
    slack = int(ctx.view.settings_int("dispatch.replan_move_slack_min", MOVE_SLACK_MIN)) * 60
    return Stability(vehicle, start, REASSIGN_COST, slack, MOVE_COST)


def _keep_critical(
    ctx: DayContext,
    penalty: np.ndarray,
    job_nodes: Mapping[str, tuple[int, ...]],
    previous: Mapping[str, Previous],
) -> np.ndarray:
    """A critical job the plan being revised served weighs like a pinned one: it stays unless
    the events make it impossible."""
    out = penalty.copy()
    for job, nodes in job_nodes.items():
        if job in previous and int(ctx.view.jobs[job]["priority"]) == 1:
            for i in nodes:
                out[i] = PIN_PENALTY // len(nodes)
    return out


def _pickup_nodes(
    ctx: DayContext, eligible: Mapping[str, Slots], nodes: _Nodes
) -> dict[tuple[int, str], int]:
    """A pick-up node per (technician, depot) when a job the technician may bring the parts
    for needs parts the van lacks and the depot holds."""
    view, vans = ctx.view, ctx.vans
    wanted: set[tuple[int, str]] = set()
    for jid, slots in eligible.items():
        need = view.job_parts.get(jid, {})
        if not need:
            continue
        for k in slots[0]:
            if not covers(vans[k], need):
                wanted.update((k, d) for d in view.depots if covers(ctx.depot(d), need))
    order = sorted(wanted, key=lambda kd: (kd[0], view.depots.index(kd[1])))
    return {
        (k, d): nodes.add(f"pickup:{d}@{ctx.technicians[k]}", "pickup", None, d, d)
        for k, d in order
    }


def _job_windows(ctx: DayContext, job: Record, windows: Windows) -> tuple[tuple[int, int], ...]:
    """The job's windows in seconds, clipped by its release and merged."""
    wl = windows.get(str(job["id"]))
    ws = [(ctx.sec(a), ctx.sec(b)) for a, b in sorted(wl)] if wl else []
    if has_value(job["release_at"]):
        rel = ctx.sec(job["release_at"])
        ws = [(max(a, rel), b) for a, b in ws if b >= rel] if ws else [(rel, 86400 * 2)]
    return tuple(_merge(ws))


@dataclass
class _Arrays:
    """The per-node (and per technician × node) arrays of the routing data, as filled."""

    service: np.ndarray
    allowed: np.ndarray
    windows: list[tuple[tuple[int, int], ...]]
    penalty: np.ndarray
    sla: np.ndarray
    sla_cost: np.ndarray
    fixed: np.ndarray
    supply: np.ndarray
    needed: np.ndarray

    @classmethod
    def empty(cls, n: int, n_t: int, n_depots: int) -> _Arrays:
        return cls(
            service=np.zeros((n_t, n), dtype=np.int64),
            allowed=np.zeros((n_t, n), dtype=bool),
            windows=[()] * n,
            penalty=np.full(n, NO_VALUE, dtype=np.int64),
            sla=np.full(n, NO_VALUE, dtype=np.int64),
            sla_cost=np.zeros(n, dtype=np.int64),
            fixed=np.full(n, NO_VALUE, dtype=np.int64),
            supply=np.zeros((n, n_depots), dtype=bool),
            needed=np.zeros((n_t, n), dtype=bool),
        )


def _job_arrays(
    ctx: DayContext,
    a: _Arrays,
    jid: str,
    slots: Slots,
    members: tuple[int, ...],
    windows: Windows,
) -> None:
    """A job's nodes: penalty by priority (or pin), windows, pinned start, SLA, who may serve
    each member's place and how long they take, and where its parts may come from."""
    view = ctx.view
    j = view.jobs[jid]
    prio = int(j["priority"])
    pinned = (has_value(j["pin_technician_id"]) and bool(j["pin_technician_id"])) or has_value(
        j["pin_start"]
    )
    nominal = view.service_s(jid, None)
    for c, i in enumerate(members):
        a.penalty[i] = (PIN_PENALTY if pinned else DROP_PENALTY[prio]) // len(members)
        a.windows[i] = _job_windows(ctx, j, windows)
        if has_value(j["pin_start"]):
            a.fixed[i] = ctx.sec(j["pin_start"])
        if has_value(j["sla_deadline"]):
            a.sla[i] = ctx.sec(j["sla_deadline"]) - nominal
            a.sla_cost[i] = SLA_COST[prio]
        for k in slots[c]:
            a.allowed[k, i] = True
            alone = len(members) == 1
            a.service[k, i] = view.service_s(jid, ctx.technicians[k]) if alone else nominal
    need = view.job_parts.get(jid, {})
    if need:
        vans = ctx.vans
        for d_no, d in enumerate(view.depots):
            a.supply[members[0], d_no] = covers(ctx.depot(d), need)
        for k in slots[0]:
            a.needed[k, members[0]] = not covers(vans[k], need)


def _routing_data(
    ctx: DayContext,
    nodes: _Nodes,
    terminals: list[tuple[int, int]],
    eligible: Mapping[str, Slots],
    job_nodes: Mapping[str, tuple[int, ...]],
    pick_nodes: Mapping[tuple[int, str], int],
    windows: Windows,
    pickup_min: int,
) -> RoutingData:
    view = ctx.view
    n, n_t, depots = len(nodes.names), len(ctx.technicians), view.depots
    li = np.array([ctx.loc_index[x] for x in nodes.location], dtype=np.int64)
    a = _Arrays.empty(n, n_t, len(depots))
    for k, (s, e) in enumerate(terminals):
        a.allowed[k, s] = a.allowed[k, e] = True
    for jid, slots in eligible.items():
        _job_arrays(ctx, a, jid, slots, job_nodes[jid], windows)
    service, allowed, wins, penalty = a.service, a.allowed, a.windows, a.penalty
    sla, sla_cost, fixed, supply, needed = a.sla, a.sla_cost, a.fixed, a.supply, a.needed
    pickup_depot = np.full(n, NO_VALUE, dtype=np.int64)
    for (k, d), i in pick_nodes.items():
        allowed[k, i] = True
        pickup_depot[i] = depots.index(d)
        service[k, i] = pickup_min * 60
        penalty[i] = PICKUP_INCENTIVE
    part_use, part_stock = _van_quantities(ctx, eligible, job_nodes, n)
    travel = ctx.duration[np.ix_(li, li)]
    return RoutingData(
        names=tuple(nodes.names),
        vehicles=tuple(_vehicle(ctx, k, terminals[k]) for k in range(n_t)),
        travel_time=travel,
        distance=ctx.distance[np.ix_(li, li)],
        arc_cost=travel,
        service=service,
        allowed=allowed,
        windows=tuple(wins),
        penalty=penalty,
        sla_deadline=sla,
        sla_cost=sla_cost,
        demand=np.zeros(n, dtype=np.int64),
        fixed_start=fixed,
        teams=tuple(m for m in job_nodes.values() if len(m) > 1),
        precedences=tuple(
            (job_nodes[p][0], job_nodes[j][0], lag * 60)
            for j, p, lag in view.predecessors
            if j in job_nodes and p in job_nodes
        ),
        pickup_depot=pickup_depot,
        pickup_supply=supply,
        pickup_needed=needed,
        part_use=part_use,
        part_stock=part_stock,
    )


def _vehicle(ctx: DayContext, k: int, terminal: tuple[int, int]) -> Vehicle:
    """Technician ``k``'s shift, overtime and lunch (dropped when already behind ``start``)."""
    t = ctx.technicians[k]
    row = ctx.view.technicians[t]
    s_at = ctx.starts[t].at
    lunch = int(row["lunch_duration_min"] or 0)
    brk = (0, 0, 0)
    if lunch and has_value(row["lunch_earliest"]) and has_value(row["lunch_latest"]):
        e = ctx.sec(dt.datetime.combine(ctx.day, row["lunch_earliest"]))
        lt = ctx.sec(dt.datetime.combine(ctx.day, row["lunch_latest"]))
        if lt >= ctx.sec(s_at):  # lunch not already behind us (replanning)
            brk = (max(e, ctx.sec(s_at)), lt, lunch * 60)
    ot_s = int(row["overtime_max_min"]) * 60
    return Vehicle(
        name=t,
        start_node=terminal[0],
        end_node=terminal[1],
        shift_start=ctx.sec(s_at),
        shift_end=max(ctx.sec(ctx.shifts[t][1]), ctx.sec(s_at)),
        overtime_max=ot_s,
        overtime_cost=OVERTIME_COST if ot_s else 0,
        break_earliest=brk[0],
        break_latest=brk[1],
        break_duration=brk[2],
    )


def _van_quantities(
    ctx: DayContext,
    eligible: Mapping[str, Slots],
    job_nodes: Mapping[str, tuple[int, ...]],
    n: int,
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Van quantities for the parts a van could run out of today: those some technician
    carries (> 0) but fewer units than the jobs it may do need in total. Parts a van does not
    carry at all are handled by the per-job pick-up rule; others cannot run out."""
    parts, vans = ctx.view.job_parts, ctx.vans
    risky: list[str] = []
    for k in range(len(ctx.technicians)):
        demand: dict[str, int] = {}
        for jid, slots in eligible.items():
            if k in slots[0]:
                for p, q in parts.get(jid, {}).items():
                    demand[p] = demand.get(p, 0) + q
        for p, q in demand.items():
            if 0 < vans[k].get(p, 0) < q and p not in risky:
                risky.append(p)
    if not risky:
        return None, None
    use = np.zeros((n, len(risky)), dtype=np.int64)
    for jid, nodes in job_nodes.items():
        for c, p in enumerate(risky):
            use[nodes[0], c] = parts.get(jid, {}).get(p, 0)
    stock = np.array([[van.get(p, 0) for p in risky] for van in vans], dtype=np.int64)
    return use, stock


def _merge(ws: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(ws):
        if out and a <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out
