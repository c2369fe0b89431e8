"""``plan_routes``: scenario + day → :class:`DispatchPlan` (translate, solve, read back)."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fieldopt.dispatch.kpis import compute_kpis
from fieldopt.dispatch.plan import DispatchPlan, Stop
from fieldopt.errors import InputError, NoPlanError
from fieldopt.scenario import Scenario
from fieldopt.translate.routing import (
    REASON_OPTIMISATION,
    DispatchProblem,
    Start,
    build_problem,
    covers,
    job_parts,
    records,
    stock_at,
)
from solvers.routing import RoutingParams, RoutingResult, solve_routing

Progress = Callable[[float, int], None]
REASON_PARTS_TAKEN = "dropped by optimisation (parts taken by earlier jobs of this plan)"


def as_day(day: dt.date | str) -> dt.date:
    if isinstance(day, dt.date):
        return day
    try:
        return dt.date.fromisoformat(day)
    except ValueError as exc:
        raise InputError(f"day: expected YYYY-MM-DD, got {day!r}") from exc


def plan_routes(
    scenario: Scenario,
    day: dt.date | str,
    *,
    time_limit: float = 30.0,
    seed: int = 0,
    workers: int = 1,
    progress: Progress | None = None,
    starts: Mapping[str, Start] | None = None,
    warm_start: DispatchPlan | None = None,
    fixed_stops: Sequence[Stop] = (),
    solution_limit: int | None = None,
    construct: bool = True,
) -> DispatchPlan:
    """Plan ``day``'s routes of ``scenario`` within ``time_limit`` seconds.

    The same ``seed`` with ``workers=1`` gives the same plan when the search ends by
    convergence or by ``solution_limit`` (improving solutions) rather than by the clock.
    ``construct=False`` starts OR-Tools from its own first-solution strategy instead of the
    priority-ordered insertion (:mod:`solvers.routing.construct`).

    Raises :class:`~fieldopt.errors.NoPlanError` when the solver finds no plan at all.
    """
    t0 = time.perf_counter()
    the_day = as_day(day)
    problem = build_problem(scenario, the_day, starts=starts)
    initial = _initial_routes(problem, warm_start) if warm_start is not None else None
    params = RoutingParams(
        # The limit covers the whole call: translation is taken from it, and 2 % (at most 2 s)
        # is kept for reading the plan back and OR-Tools' overrun (0.1-0.8 s at 1,000 jobs).
        time_limit_s=max(
            0.1, time_limit - min(0.02 * time_limit, 2.0) - (time.perf_counter() - t0)
        ),
        seed=seed,
        workers=workers,
        initial_routes=initial,
        solution_limit=solution_limit,
        backend="ortools",
        construct=construct,
    )
    result = solve_routing(problem.data, params, progress)
    if not result.status.has_solution:
        raise NoPlanError(
            f"no dispatch plan for {the_day}: {result.report.status.value} "
            f"({result.report.raw_status})"
        )
    stops, dropped = result_to_stops(problem, result, scenario)
    unassigned = dict(problem.screened)
    served = {s.job_id for s in stops if s.kind == "job"}
    for job in problem.candidates:
        if job not in served and job not in unassigned:
            unassigned[job] = dropped.get(job, REASON_OPTIMISATION)
    stops = [*fixed_stops, *stops]
    stops = _renumber(stops)
    plan = DispatchPlan(
        scenario=scenario.name,
        day=the_day,
        status=result.status.value,
        stops=stops,
        unassigned=unassigned,
        solver={
            "status": result.report.status.value,
            "raw_status": result.report.raw_status,
            "objective": result.report.objective,
            "runtime_s": round(result.report.runtime_s, 3),
            "build_s": round(result.build_s, 3),
            "first_solution_s": None
            if result.first_solution_s is None
            else round(result.first_solution_s, 3),
            "first_solution": result.first_solution,
            "construct_s": None if result.construct_s is None else round(result.construct_s, 3),
            "time_limit_s": time_limit,
            "seed": seed,
            "workers": workers,
            "warm_start": warm_start is not None,
        },
        scenario_source=scenario.source,
        plan_id=f"dispatch-{the_day}-{uuid.uuid4().hex[:8]}",
    )
    plan.kpis = compute_kpis(plan, scenario)
    return plan


def _renumber(stops: list[Stop]) -> list[Stop]:
    import dataclasses

    out: list[Stop] = []
    by_tech: dict[str, list[Stop]] = {}
    for s in stops:
        by_tech.setdefault(s.technician_id, []).append(s)
    for tech in sorted(by_tech):
        seq = sorted(by_tech[tech], key=lambda s: (s.start, s.end, s.kind != "start"))
        out.extend(dataclasses.replace(s, seq=i) for i, s in enumerate(seq))
    return out


def _initial_routes(problem: DispatchProblem, plan: DispatchPlan) -> tuple[tuple[int, ...], ...]:
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
) -> tuple[list[Stop], dict[str, str]]:
    """Routes → stops with arrival, wait, travel and breaks; parts allocated to pick-ups.

    A job whose parts run out (van or depot units already used by earlier jobs of the plan) is
    removed, with its team and successors; the reason says so.
    """
    routes = [list(r) for r in result.routes]
    dropped: dict[str, str] = {}
    vans = {
        t: dict(stock_at(scenario).get(str(v), {}))
        for t, v in zip(
            scenario.technicians["id"], scenario.technicians["van_location_id"], strict=True
        )
    }
    depot_left = stock_at(scenario)
    needs = job_parts(scenario)
    picks: dict[tuple[int, int], dict[str, int]] = {}  # (vehicle, node) -> part units
    # Allocate in order of time across technicians: earlier pick-ups take depot stock first.
    events = sorted((v.start, k, pos) for k, r in enumerate(routes) for pos, v in enumerate(r))
    van_left = {k: dict(vans.get(problem.technicians[k], {})) for k in range(len(routes))}
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
        dropped[job] = REASON_PARTS_TAKEN
    # Remove dropped jobs with their teams and successors, and unused pick-ups.
    succ: dict[str, list[str]] = {}
    for row in records(scenario.job_predecessors):
        succ.setdefault(str(row["predecessor_id"]), []).append(str(row["job_id"]))
    stack = list(dropped)
    while stack:
        j = stack.pop()
        for s in succ.get(j, []):
            if s not in dropped:
                dropped[s] = REASON_PARTS_TAKEN
                stack.append(s)
    new_routes = []
    for k, r in enumerate(routes):
        keep = []
        for v in r:
            job = problem.node_job[v.node]
            if job is not None and job in dropped:
                continue
            if problem.node_kind[v.node] == "pickup" and not picks.get((k, v.node)):
                continue
            keep.append(v)
        new_routes.append(keep)
    stops: list[Stop] = []
    for k, r in enumerate(new_routes):
        stops.extend(_route_stops(problem, result, k, r, picks))
    return stops, dropped


def _route_stops(
    problem: DispatchProblem,
    result: RoutingResult,
    k: int,
    route: list[Any],
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
