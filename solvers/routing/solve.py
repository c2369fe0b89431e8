"""``solve_routing(data, params) -> RoutingResult``: one entry to the routing back-ends.

``params.backend`` picks the day engine (:mod:`solvers.routing.engine`, the default and what
dispatch uses), OR-Tools routing after our construction (this module), or the numpy ruin and
recreate for span-cost routing."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import numpy as np

from solvers.options import Progress, ProgressFn, stop_requested
from solvers.result import SolveReport, Status
from solvers.routing.construct import Construction, construct
from solvers.routing.data import NO_VALUE, RoutingData, RoutingParams, plain_vrptw_unsupported
from solvers.routing.model import Model, build_model
from solvers.routing.result import RoutingResult, Visit, no_plan

__all__ = ["RoutingResult", "Visit", "permuted", "solve_routing"]


_RAW_STATUS = {
    0: "ROUTING_NOT_SOLVED",
    1: "ROUTING_SUCCESS",
    2: "ROUTING_PARTIAL_SUCCESS_LOCAL_OPTIMUM_NOT_REACHED",
    3: "ROUTING_FAIL",
    4: "ROUTING_FAIL_TIMEOUT",
    5: "ROUTING_INVALID",
    6: "ROUTING_INFEASIBLE",
    7: "ROUTING_OPTIMAL",
}


def permuted(data: RoutingData, perm: np.ndarray) -> RoutingData:
    """The same instance with node ``p`` of the result being node ``perm[p]`` of ``data``."""
    inv = np.empty_like(perm)
    inv[perm] = np.arange(perm.size)
    assert data.pickup_depot is not None and data.pickup_supply is not None
    assert data.pickup_needed is not None
    return dataclasses.replace(
        data,
        names=tuple(data.names[p] for p in perm),
        vehicles=tuple(
            dataclasses.replace(v, start_node=int(inv[v.start_node]), end_node=int(inv[v.end_node]))
            for v in data.vehicles
        ),
        travel_time=data.travel_time[np.ix_(perm, perm)],
        distance=data.distance[np.ix_(perm, perm)],
        arc_cost=data.arc_cost[np.ix_(perm, perm)],
        service=data.service[:, perm],
        allowed=data.allowed[:, perm],
        windows=tuple(data.windows[p] for p in perm),
        penalty=data.penalty[perm],
        sla_deadline=data.sla_deadline[perm],
        sla_cost=data.sla_cost[perm],
        demand=data.demand[perm],
        fixed_start=data.fixed_start[perm],
        teams=tuple(tuple(int(inv[i]) for i in t) for t in data.teams),
        precedences=tuple((int(inv[a]), int(inv[b]), lag) for a, b, lag in data.precedences),
        pickup_depot=data.pickup_depot[perm],
        pickup_supply=data.pickup_supply[perm],
        pickup_needed=data.pickup_needed[:, perm],
        part_use=None if data.part_use is None else data.part_use[perm],
        stability=None
        if data.stability is None
        else dataclasses.replace(
            data.stability, vehicle=data.stability.vehicle[perm], start=data.stability.start[perm]
        ),
    )


def _search_parameters(params: RoutingParams) -> object:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    sp = pywrapcp.DefaultRoutingSearchParameters()
    sp.first_solution_strategy = getattr(
        routing_enums_pb2.FirstSolutionStrategy, params.first_solution
    )
    sp.local_search_metaheuristic = getattr(
        routing_enums_pb2.LocalSearchMetaheuristic, params.metaheuristic
    )
    sp.time_limit.FromMilliseconds(max(1, round(params.time_limit_s * 1000)))
    if params.lns_time_limit_s is not None:
        sp.lns_time_limit.FromMilliseconds(max(1, round(params.lns_time_limit_s * 1000)))
    if params.solution_limit:
        sp.solution_limit = params.solution_limit
    sp.log_search = params.log_search
    return sp


def _remaining(params: RoutingParams, t0: float) -> float:
    """Search time left: the limit covers build and construction too (a floor keeps a search)."""
    return max(0.05, params.time_limit_s - (time.perf_counter() - t0))


def _limit_search(sp: Any, seconds: float) -> None:
    sp.time_limit.FromMilliseconds(max(1, round(seconds * 1000)))


def solve_routing(
    data: RoutingData, params: RoutingParams, progress: ProgressFn | None = None
) -> RoutingResult:
    """Solve ``data`` within ``params.time_limit_s``, model build and construction included.

    The objective is in ``data``'s cost units: arc costs + penalties of unserved nodes + SLA,
    overtime and span costs. ``progress`` gets a :class:`Progress` at each improving
    solution. Team members served alone are dropped from the returned plan.
    """
    from solvers.routing.ruin_recreate import solve_ruin_recreate

    if params.backend == "ruin_recreate":
        return solve_ruin_recreate(data, params)
    if params.backend == "engine":
        from solvers.routing.engine.solve import solve_engine

        return solve_engine(data, params, progress, stop_requested)
    t0 = time.perf_counter()
    perm, inv, inner = _seeded_order(data, params.seed)
    m = build_model(inner)
    for interval in m.breaks.values():
        m.routing.AddIntervalToAssignment(interval)
    build_s = time.perf_counter() - t0
    first: list[float] = []
    best = [np.inf]

    def on_solution() -> None:
        obj = int(m.routing.CostVar().Value())
        if obj < best[0]:
            best[0] = obj
            elapsed = time.perf_counter() - t0
            if not first:
                first.append(elapsed)
            if progress is not None:
                progress(Progress(elapsed, objective=float(obj)))

    m.routing.AddAtSolutionCallback(on_solution)
    # Polled at every search node: a stop request ends the search with its best solution.
    # A Python callable (not a builtin) so the main thread runs its pending signal handlers.
    m.routing.AddSearchMonitor(m.solver.CustomLimit(lambda: stop_requested()))
    sp = _search_parameters(params)
    cons: Construction | None = None
    start_routes = params.initial_routes
    kind = "WARM_START" if start_routes is not None else params.first_solution
    # Plain VRPTW: OR-Tools' own strategy is fast and better there.
    if params.construct and (params.initial_routes is not None or plain_vrptw_unsupported(data)):
        cons = construct(data, params.initial_routes)
        start_routes = cons.routes
        kind = "CONSTRUCTION" if params.initial_routes is None else "WARM_START+CONSTRUCTION"
    cons_at = time.perf_counter() - t0
    if stop_requested():  # a construction cut short is no plan
        return _no_solution(data, "INTERRUPTED", _base(params, "INTERRUPTED", cons_at), build_s)
    solution = None
    if start_routes is not None and any(start_routes):
        solution = _search_from(m, sp, params, [[int(inv[i]) for i in r] for r in start_routes], t0)
    restored = solution is not None
    if solution is None:
        kind = params.first_solution
        left = _remaining(params, t0)
        if (cons is None or left > 0.05) and not stop_requested():
            _limit_search(sp, left)
            solution = m.routing.SolveWithParameters(sp)
    runtime = time.perf_counter() - t0
    raw = _RAW_STATUS.get(int(m.routing.status()), str(m.routing.status()))
    served_any = cons is not None and len(cons.unserved) < len(data.visit_nodes)
    if (
        cons is not None
        and served_any
        and (solution is None or (not restored and solution.ObjectiveValue() > cons.objective))
    ):
        return _constructed(data, cons, params, runtime, build_s, cons_at)
    if stop_requested():
        raw = f"INTERRUPTED ({raw})"
    base = _base(params, raw, runtime)
    if solution is None:
        return _no_solution(data, raw, base, build_s)
    first_s = first[0] if first else runtime
    if restored and cons is not None and served_any:
        first_s = min(first_s, cons_at)
    return dataclasses.replace(
        _extract(m, solution, perm, data, base, build_s, first_s),
        first_solution=kind,
        construct_s=None if cons is None else cons.seconds,
    )


def _base(params: RoutingParams, raw: str, runtime: float) -> dict[str, Any]:
    return dict(
        raw_status=raw,
        runtime_s=runtime,
        seed=params.seed,
        workers=params.workers,
        time_limit_s=params.time_limit_s,
    )


def _seeded_order(data: RoutingData, seed: int) -> tuple[np.ndarray, np.ndarray, RoutingData]:
    """The visit nodes relabelled by a seeded permutation (``perm``, its inverse, the data in
    that order): different seeds explore differently, one seed always the same way."""
    perm = np.arange(data.num_nodes)
    if seed:
        visits = np.array(data.visit_nodes, dtype=np.int64)
        perm[visits] = visits[np.random.default_rng(seed).permutation(visits.size)]
    inv = np.empty_like(perm)
    inv[perm] = np.arange(perm.size)
    return perm, inv, permuted(data, perm) if seed else data


def _search_from(
    m: Model, sp: Any, params: RoutingParams, routes_nodes: list[list[int]], t0: float
) -> Any:
    """Search from given routes (nodes of the model's order); ``None`` if OR-Tools could not
    restore them."""
    m.routing.CloseModelWithParameters(sp)
    # Routes go in as variable indices (manager.NodeToIndex), not node numbers.
    routes = [[m.index(i) for i in r] for r in routes_nodes]
    # RoutesToAssignment only sets the next variables; ReadAssignmentFromRoutes would also
    # restore them with the finalisers, unlimited (5-20 s on a 1,000-job day).
    initial = m.solver.Assignment()
    if not m.routing.RoutesToAssignment(routes, True, True, initial):
        return None
    # SolveFromAssignment restores the start within lns_time_limit (0.1 s by default: too
    # short for several hundred visits): 2 ms per visit, once x10 if that fails.
    lns = params.lns_time_limit_s
    if lns is None:
        lns = min(max(0.1, 0.002 * sum(len(r) for r in routes)), params.time_limit_s)
    solution = None
    for attempt in (lns, min(10 * lns, params.time_limit_s)):
        sp.lns_time_limit.FromMilliseconds(max(1, round(attempt * 1000)))
        _limit_search(sp, _remaining(params, t0))
        solution = m.routing.SolveFromAssignmentWithParameters(initial, sp)
        if solution is not None or params.lns_time_limit_s is not None or stop_requested():
            break
    return solution


def _no_solution(
    data: RoutingData, raw: str, base: dict[str, Any], build_s: float
) -> RoutingResult:
    status = Status.INFEASIBLE if raw == "ROUTING_INFEASIBLE" else Status.TIMEOUT
    if raw == "ROUTING_INVALID":
        status = Status.ERROR
    report = SolveReport(status=status, **base)
    return no_plan(report, data.num_vehicles, tuple(data.visit_nodes), build_s)


def _constructed(
    data: RoutingData,
    cons: Construction,
    params: RoutingParams,
    runtime: float,
    build_s: float,
    cons_at: float,
) -> RoutingResult:
    """The constructed plan as the result, when the search ended without a better one."""
    report = SolveReport(
        status=Status.FEASIBLE,
        raw_status="CONSTRUCTION_ONLY",
        runtime_s=runtime,
        objective=float(cons.objective),
        seed=params.seed,
        workers=params.workers,
        time_limit_s=params.time_limit_s,
    )
    return RoutingResult(
        report=report,
        routes=tuple(
            tuple(Visit(n, s) for n, s in zip(sch.nodes, sch.starts, strict=True))
            for sch in cons.schedules
        ),
        route_start=tuple(sch.depart for sch in cons.schedules),
        route_end=tuple(sch.end for sch in cons.schedules),
        break_start=tuple(sch.break_start for sch in cons.schedules),
        unserved=cons.unserved,
        build_s=build_s,
        first_solution_s=cons_at,
        first_solution="CONSTRUCTION",
        construct_s=cons.seconds,
    )


def _extract(
    m: Model,
    solution: object,
    perm: np.ndarray,
    data: RoutingData,
    base: dict[str, object],
    build_s: float,
    first_s: float,
) -> RoutingResult:
    sol = solution
    routes: list[list[Visit]] = []
    starts, ends, breaks = [], [], []
    for k in range(data.num_vehicles):
        idx = m.routing.Start(k)
        starts.append(int(sol.Min(m.time.CumulVar(idx))))  # type: ignore[attr-defined]
        route = []
        idx = sol.Value(m.routing.NextVar(idx))  # type: ignore[attr-defined]
        while not m.routing.IsEnd(idx):
            node = int(perm[m.manager.IndexToNode(idx)])
            route.append(Visit(node, int(sol.Min(m.time.CumulVar(idx)))))  # type: ignore[attr-defined]
            idx = sol.Value(m.routing.NextVar(idx))  # type: ignore[attr-defined]
        ends.append(int(sol.Min(m.time.CumulVar(idx))))  # type: ignore[attr-defined]
        routes.append(route)
        interval = m.breaks.get(k)
        breaks.append(None if interval is None else int(sol.StartMin(interval)))  # type: ignore[attr-defined]
    # A team member served without the rest of its team is not a plan: drop it.
    served = {v.node for r in routes for v in r}
    lone = {i for team in data.teams if not set(team) <= served for i in team}
    if lone:
        routes = [[v for v in r if v.node not in lone] for r in routes]
        served -= lone
    unserved = tuple(i for i in data.visit_nodes if i not in served)
    objective = float(sol.ObjectiveValue())  # type: ignore[attr-defined]
    status = Status.FEASIBLE if base["raw_status"] != "ROUTING_OPTIMAL" else Status.OPTIMAL
    return RoutingResult(
        report=SolveReport(status=status, objective=objective, **base),  # type: ignore[arg-type]
        routes=tuple(tuple(r) for r in routes),
        route_start=tuple(starts),
        route_end=tuple(ends),
        break_start=tuple(breaks),
        unserved=unserved,
        build_s=build_s,
        first_solution_s=first_s,
    )


__all__ = ["NO_VALUE", "RoutingResult", "Visit", "solve_routing"]
