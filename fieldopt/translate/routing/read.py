"""Solver result → dispatch plan: stops with arrival, wait, travel and lunch; parts allocated
to pick-ups; every candidate job either served or listed with its reason. Also the other way
for warm starts: a previous plan's routes as this problem's nodes."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from fieldopt.dispatch.plan import DispatchPlan, Stop
from fieldopt.reasons import Reason, ReasonCode, reason
from fieldopt.scenario import Scenario
from fieldopt.translate.routing.problem import DispatchProblem
from fieldopt.translate.routing.screen import covers
from solvers.result import SolveReport
from solvers.routing.result import RoutingResult, Visit

LEFT_OUT = reason(ReasonCode.LEFT_OUT_BY_OPTIMISATION)


def warm_start_routes(problem: DispatchProblem, plan: DispatchPlan) -> tuple[tuple[int, ...], ...]:
    """The warm start: the previous plan's job and pick-up order per technician, in this
    problem's nodes."""
    routes = plan.routes()
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
    """Routes → stops with arrival, wait, travel and breaks; parts allocated to pick-ups.

    A job whose parts run out (van or depot units already used by earlier jobs of the plan) is
    removed, with its team and successors; the reason says so.
    """
    routes = [list(r) for r in result.routes]
    view = scenario.view
    depot_left = {loc: dict(units) for loc, units in view.stock.items()}
    needs = view.job_parts
    # Allocate in order of time across technicians: earlier pick-ups take depot stock first.
    events = sorted((v.start, k, pos) for k, r in enumerate(routes) for pos, v in enumerate(r))
    van_left = {k: view.van_stock(problem.technicians[k]) for k in range(len(routes))}
    picks, dropped = _allocate_parts(problem, routes, events, van_left, depot_left, needs)
    _drop_successors(dropped, view.successors)
    new_routes = [
        [
            v
            for v in r
            if not (problem.node_job[v.node] is not None and problem.node_job[v.node] in dropped)
            and not (problem.node_kind[v.node] == "pickup" and not picks.get((k, v.node)))
        ]
        for k, r in enumerate(routes)
    ]
    stops: list[Stop] = []
    for k, r in enumerate(new_routes):
        stops.extend(_route_stops(problem, result, k, r, picks))
    return stops, dropped


def _allocate_parts(
    problem: DispatchProblem,
    routes: list[list[Visit]],
    events: list[tuple[int, int, int]],
    van_left: dict[int, dict[str, int]],
    depot_left: dict[str, dict[str, int]],
    needs: Mapping[str, Mapping[str, int]],
) -> tuple[dict[tuple[int, int], dict[str, int]], dict[str, Reason]]:
    """Units per (vehicle, pick-up node), and the jobs whose parts ran out."""
    picks: dict[tuple[int, int], dict[str, int]] = {}  # (vehicle, node) -> part units
    dropped: dict[str, Reason] = {}
    last_pick: dict[int, int | None] = {k: None for k in range(len(routes))}
    for _, k, pos in events:
        v = routes[k][pos]
        kind = problem.node_kind[v.node]
        if kind == "pickup":
            last_pick[k] = v.node
            picks[(k, v.node)] = {}
            continue
        job = problem.node_job[v.node]
        if job is None or v.node != problem.job_nodes[job][0]:
            continue
        need = needs.get(job, {})
        if not need:
            continue
        if covers(van_left[k], need):
            for p, q in need.items():
                van_left[k][p] -= q
            continue
        pick = last_pick[k]
        depot = problem.node_depot[pick] if pick is not None else None
        if depot is not None and covers(depot_left.get(depot, {}), need):
            for p, q in need.items():
                depot_left[depot][p] -= q
                picks[(k, pick)][p] = picks[(k, pick)].get(p, 0) + q  # type: ignore[index]
            continue
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
    result: RoutingResult,
    k: int,
    route: list[Visit],
    picks: Mapping[tuple[int, int], Mapping[str, int]],
) -> list[Stop]:
    d = problem.data
    veh = d.vehicles[k]
    tech = problem.technicians[k]
    at = problem.at
    if not route:
        return []
    brk = result.break_start[k]
    brk_dur = veh.break_duration
    out: list[Stop] = []
    # leave as late as possible: the first visit's start minus travel (never before the shift)
    first = route[0]
    dep = max(veh.shift_start, result.route_start[k])
    dep = max(dep, first.start - int(d.travel_time[veh.start_node, first.node]))
    if brk is not None and brk < first.start and brk_dur:
        dep = min(dep, max(veh.shift_start, result.route_start[k]))
    start_loc = problem.node_location[veh.start_node]
    out.append(Stop(tech, 0, "start", start_loc, at(dep), at(dep), at(dep)))
    prev_node, prev_end = veh.start_node, dep
    placed = brk is None or brk_dur == 0
    for v in [*route, None]:
        node = veh.end_node if v is None else v.node
        travel = int(d.travel_time[prev_node, node])
        extra = 0
        if not placed and brk is not None and (v is None or brk < v.start):
            # The break falls in this gap: taken at the previous place or on the road; the
            # leg then needs travel + break before the next start.
            if v is None:  # lunch before the drive home
                b = max(prev_end, veh.break_earliest)
            else:
                latest_b = min(veh.break_latest, v.start - brk_dur)
                b = min(max(brk, prev_end, veh.break_earliest), max(latest_b, prev_end))
            loc = problem.node_location[prev_node]
            out.append(Stop(tech, 0, "break", loc, at(b), at(b), at(b + brk_dur)))
            placed = True
            extra = brk_dur if b < prev_end + travel else 0
            if v is None:
                extra = b + brk_dur - prev_end
        arrival = prev_end + travel + extra
        dist = int(d.distance[prev_node, node])
        if v is None:
            end_loc = problem.node_location[veh.end_node]
            out.append(
                Stop(
                    tech,
                    0,
                    "end",
                    end_loc,
                    at(arrival),
                    at(arrival),
                    at(arrival),
                    travel_s=travel,
                    distance_m=dist,
                )
            )
            break
        start = max(v.start, arrival)
        svc = int(d.service[k, node])
        out.append(
            Stop(
                tech,
                0,
                problem.node_kind[node],
                problem.node_location[node],
                at(arrival),
                at(start),
                at(start + svc),
                job_id=problem.node_job[node],
                travel_s=travel,
                distance_m=dist,
                wait_s=start - arrival,
                picks=dict(picks.get((k, node), {})),
            )
        )
        prev_node, prev_end = node, start + svc
    return out


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
        stops=renumber([*fixed_stops, *stops]),
        details=details,
        scenario_source=scenario.source,
        plan_id=f"dispatch-{problem.day}-{uuid.uuid4().hex[:8]}",
    )
