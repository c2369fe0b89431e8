"""Solver result → dispatch plan: stops with arrival, wait, travel and lunch; parts allocated
to pick-ups; every candidate job either served or listed with its reason. Also the other way
for warm starts: a previous plan's routes as this problem's nodes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from fieldopt.dispatch.plan import DispatchPlan, Stop
from fieldopt.reasons import Reason, ReasonCode, reason
from fieldopt.scenario import Scenario
from fieldopt.translate.routing.problem import DispatchProblem
from fieldopt.translate.routing.screen import covers
from solvers.result import SolveReport
from solvers.routing.evaluate import NO_BREAK, RouteTimes, simulate_route, time_routes
from solvers.routing.result import RoutingResult, Visit

LEFT_OUT = reason(ReasonCode.LEFT_OUT_BY_OPTIMISATION)
NOTE_UNTIMED = "did not fit its route once timed with the lunch at a stop"


def warm_start_routes(
    problem: DispatchProblem, plan: DispatchPlan, done: Sequence[Stop] = ()
) -> tuple[tuple[int, ...], ...]:
    """The warm start: the previous plan's job and pick-up order per technician, in this
    problem's nodes, without the stops already ``done`` (the fixed work of a re-plan)."""
    skip = {(s.technician_id, s.seq) for s in done}
    routes = {
        tech: [s for s in stops if (tech, s.seq) not in skip]
        for tech, stops in plan.routes().items()
    }
    used: set[int] = set()
    out = []
    pickup_node = {  # (technician, depot) -> its pick-up node (allowed to that one only)
        (int(problem.data.allowed[:, i].argmax()), problem.node_depot[i]): i
        for i, kind in enumerate(problem.node_kind)
        if kind == "pickup"
    }
    for k_tech, tech in enumerate(problem.technicians):
        route = []
        for s in routes.get(tech, []):
            if s.kind == "pickup" and not s.fixed:
                q = pickup_node.get((k_tech, s.location_id))
                if q is not None and q not in used:
                    used.add(q)
                    route.append(q)
                continue
            if s.kind != "job" or s.fixed or s.job_id is None or s.job_id not in problem.job_nodes:
                continue
            for i in problem.job_nodes[s.job_id]:
                if i not in used and problem.data.allowed[problem.technicians.index(tech), i]:
                    used.add(i)
                    route.append(i)
                    break
        out.append(tuple(route))
    return tuple(out)


def result_to_stops(
    problem: DispatchProblem, result: RoutingResult, scenario: Scenario
) -> tuple[list[Stop], dict[str, Reason]]:
    """Routes → stops timed by :func:`solvers.routing.evaluate.time_routes` (the one route
    evaluator: arrival, wait, travel and lunch), with parts allocated to pick-ups.

    A visit that does not fit its route once timed, or whose parts run out (van or depot
    units already used by earlier jobs of the plan), is removed with its team and
    successors; the reason says so.
    """
    data = problem.data
    timed = time_routes(
        data,
        [[v.node for v in r] for r in result.routes],
        [[v.start for v in r] for r in result.routes],
        result.break_after,
    )
    dropped: dict[str, Reason] = {}
    for i in timed.dropped:
        job = problem.node_job[i]
        if job is not None:
            dropped[job] = reason(ReasonCode.LEFT_OUT_BY_OPTIMISATION, note=NOTE_UNTIMED)
    view = scenario.view
    depot_left = {loc: dict(units) for loc, units in problem.depot_stock.items()}
    van_left = {k: dict(problem.van_stock[k]) for k in range(len(timed.routes))}
    visits = [
        [Visit(i, s) for i, s in zip(r, t.start, strict=True)]
        for r, t in zip(timed.routes, timed.times, strict=True)
    ]
    events = sorted((v.start, k, pos) for k, r in enumerate(visits) for pos, v in enumerate(r))
    priority = {j: int(r["priority"]) for j, r in view.jobs.items()}
    picks, short = _allocate_parts(
        problem, visits, events, van_left, depot_left, view.job_parts, priority
    )
    if short:
        _drop_successors(short, view.successors)
        dropped |= short
        keep = [[v for v in r if problem.node_job[v.node] not in short] for r in visits]
        whole = [len(a) == len(b) for a, b in zip(keep, visits, strict=True)]
        timed = time_routes(
            data,
            [[v.node for v in r] for r in keep],
            [[v.start for v in r] for r in keep],
            [b if w else NO_BREAK for b, w in zip(_breaks(result), whole, strict=True)],
        )
        for i in timed.dropped:
            job = problem.node_job[i]
            if job is not None and job not in dropped:
                dropped[job] = reason(ReasonCode.LEFT_OUT_BY_OPTIMISATION, note=NOTE_UNTIMED)
    stops: list[Stop] = []
    for k, (r, t) in enumerate(zip(timed.routes, timed.times, strict=True)):
        used = [i for i in r if problem.node_kind[i] != "pickup" or picks.get((k, i))]
        if len(used) != len(r):  # an unused pick-up: time the route without it
            t = simulate_route(data, k, used, [dict(zip(r, t.start, strict=True))[i] for i in used])
        stops.extend(_route_stops(problem, k, used, t, picks))
    return stops, dropped


def _breaks(result: RoutingResult) -> tuple[int, ...]:
    """Where the search put each route's break (``NO_BREAK``: left to the evaluator)."""
    return result.break_after or (NO_BREAK,) * len(result.routes)


def _allocate_parts(
    problem: DispatchProblem,
    routes: list[list[Visit]],
    events: list[tuple[int, int, int]],
    van_left: dict[int, dict[str, int]],
    depot_left: dict[str, dict[str, int]],
    needs: Mapping[str, Mapping[str, int]],
    priority: Mapping[str, int] | None = None,
) -> tuple[dict[tuple[int, int], dict[str, int]], dict[str, Reason]]:
    """Units per (vehicle, pick-up node), and the jobs whose parts ran out.

    The van covers what it can in route order (as a technician uses it); the jobs it does not
    cover draw on the depot of the last pick-up before them, most urgent first, so a critical
    job never loses its units to a less urgent one.
    """
    picks: dict[tuple[int, int], dict[str, int]] = {}  # (vehicle, node) -> part units
    dropped: dict[str, Reason] = {}
    last_pick: dict[int, int | None] = {k: None for k in range(len(routes))}
    waiting: list[tuple[int, int, str, int | None]] = []  # (priority, start, job, pick-up)
    owner: dict[str, int] = {}
    for start, k, pos in events:
        v = routes[k][pos]
        if problem.node_kind[v.node] == "pickup":
            last_pick[k] = v.node
            picks[(k, v.node)] = {}
            continue
        job = problem.node_job[v.node]
        if job is None or v.node != problem.job_nodes[job][0] or not needs.get(job):
            continue
        need = needs[job]
        if covers(van_left[k], need):
            for p, q in need.items():
                van_left[k][p] -= q
        else:
            rank = (priority or {}).get(job, 9)
            waiting.append((rank, start, job, last_pick[k]))
            owner[job] = k
    for _, _, job, pick in sorted(waiting):
        need = needs[job]
        depot = problem.node_depot[pick] if pick is not None else None
        if depot is not None and covers(depot_left.get(depot, {}), need):
            k = owner[job]
            for p, q in need.items():
                depot_left[depot][p] -= q
                picks[(k, pick)][p] = picks[(k, pick)].get(p, 0) + q  # type: ignore[index]
        else:
            dropped[job] = reason(ReasonCode.PARTS_TAKEN, part=next(iter(sorted(need))))
    return picks, dropped


def _drop_successors(dropped: dict[str, Reason], successors: Mapping[str, list[str]]) -> None:
    """A job dropped takes its successors with it."""
    stack = list(dropped)
    while stack:
        j = stack.pop()
        for s in successors.get(j, []):
            if s not in dropped:
                dropped[s] = reason(ReasonCode.PREDECESSOR_UNPLANNABLE, predecessor=j)
                stack.append(s)


def _route_stops(
    problem: DispatchProblem,
    k: int,
    route: Sequence[int],
    t: RouteTimes,
    picks: Mapping[tuple[int, int], Mapping[str, int]],
) -> list[Stop]:
    """One technician's stops from the evaluator's times: start, visits with the lunch at
    the stop before which it is taken, end."""
    if not route:
        return []
    d = problem.data
    veh = d.vehicles[k]
    tech, at, loc = problem.technicians[k], problem.at, problem.node_location
    out = [Stop(tech, 0, "start", loc[veh.start_node], at(t.depart), at(t.depart), at(t.depart))]
    prev = veh.start_node
    for j, node in enumerate([*route, veh.end_node]):
        if t.break_start is not None and t.break_after == j - 1:
            b = t.break_start
            out.append(Stop(tech, 0, "break", loc[prev], at(b), at(b), at(b + veh.break_duration)))
        travel, dist = int(d.travel_time[prev, node]), int(d.distance[prev, node])
        if j == len(route):
            back = at(t.back)
            out.append(
                Stop(tech, 0, "end", loc[node], back, back, back, travel_s=travel, distance_m=dist)
            )
            break
        arrival, start = t.arrival[j], t.start[j]
        out.append(
            Stop(
                tech,
                0,
                problem.node_kind[node],
                loc[node],
                at(arrival),
                at(start),
                at(t.end[j]),
                job_id=problem.node_job[node],
                travel_s=travel,
                distance_m=dist,
                wait_s=start - arrival,
                picks=dict(picks.get((k, node), {})),
            )
        )
        prev = node
    return out


def continue_after(
    fixed_stops: Sequence[Stop], stops: Sequence[Stop], scenario: Scenario
) -> list[Stop]:
    """The day's work done so far followed by the new routes: a technician with fixed work
    goes on from its last stop (no second start stop), and one with no new work drives to
    its end location."""
    if not fixed_stops:
        return list(stops)
    last: dict[str, Stop] = {}
    for s in sorted(fixed_stops, key=lambda s: (s.start, s.end, s.kind != "start")):
        last[s.technician_id] = s
    new = [s for s in stops if not (s.kind == "start" and s.technician_id in last)]
    routed = {s.technician_id for s in new}
    ends = [_drive_home(scenario, s) for tech, s in sorted(last.items()) if tech not in routed]
    return [*fixed_stops, *new, *ends]


def _drive_home(scenario: Scenario, last: Stop) -> Stop:
    """The end stop after ``last``: the drive to the technician's end location."""
    tech = last.technician_id
    home = scenario.view.end_location(tech)
    m = scenario.travel_matrix([last.location_id, home])
    travel, dist = int(m.duration_s[0, 1]), int(m.distance_m[0, 1])
    back = last.end + dt.timedelta(seconds=travel)
    return Stop(tech, 0, "end", home, back, back, back, travel_s=travel, distance_m=dist)


def renumber(stops: Sequence[Stop]) -> tuple[Stop, ...]:
    """Stops per technician in time order, numbered from 0."""
    out: list[Stop] = []
    by_tech: dict[str, list[Stop]] = {}
    for s in stops:
        by_tech.setdefault(s.technician_id, []).append(s)
    for tech in sorted(by_tech):
        seq = sorted(by_tech[tech], key=lambda s: (s.start, s.end, s.kind != "start"))
        out.extend(dataclasses.replace(s, seq=i) for i, s in enumerate(seq))
    return tuple(out)


def read_plan(
    problem: DispatchProblem,
    result: RoutingResult,
    scenario: Scenario,
    *,
    fixed_stops: Sequence[Stop] = (),
    report: SolveReport,
    details: Mapping[str, Any],
) -> DispatchPlan:
    """The solver result as a :class:`DispatchPlan` (KPIs still empty): fixed work first,
    every candidate job served or listed with its reason."""
    stops, dropped = result_to_stops(problem, result, scenario)
    stops = continue_after(fixed_stops, stops, scenario)
    unassigned: dict[str, Reason] = dict(problem.screened)
    served = {s.job_id for s in stops if s.kind == "job"}
    for job in problem.candidates:
        if job not in served and job not in unassigned:
            unassigned[job] = dropped.get(job, LEFT_OUT)
    return DispatchPlan(
        scenario=scenario.name,
        report=report,
        unassigned=unassigned,
        day=problem.day,
        stops=renumber(stops),
        details=details,
        scenario_source=scenario.source,
        plan_id=f"dispatch-{problem.day}-{uuid.uuid4().hex[:8]}",
    )
