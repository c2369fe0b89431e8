"""PyVRP (MIT, extra ``bench``) on plain VRPTW: the comparison ``bench vrptw --engine pyvrp``.

PyVRP's hybrid genetic search is far stronger than OR-Tools' local search on plain VRPTW
(measured in ``fieldopt bench vrptw``), but it has no lunch breaks, per-technician eligibility
or service times, team jobs, pick-up dependencies, precedences or pinned starts, so
:func:`solvers.routing.solve_routing` never uses it;
:func:`solvers.routing.data.plain_vrptw_unsupported` names the first feature that rules it out.
"""

from __future__ import annotations

import time

import numpy as np

from solvers.result import SolveReport, Status
from solvers.routing.data import NO_VALUE, RoutingData, RoutingParams, plain_vrptw_unsupported
from solvers.routing.solve import RoutingResult, Visit


def solve_pyvrp(data: RoutingData, params: RoutingParams) -> RoutingResult:
    """Solve plain VRPTW ``data`` with PyVRP within ``params.time_limit_s`` (``seed`` and the
    time limit are the only parameters read); ``ValueError`` beyond plain VRPTW."""
    import pyvrp
    from pyvrp.stop import MaxRuntime

    reason = plain_vrptw_unsupported(data)
    if reason is not None:
        raise ValueError(f"routing data: PyVRP back-end does not support {reason}")
    t0 = time.perf_counter()
    n = data.num_nodes
    terminals = sorted(data.terminals)
    visits = data.visit_nodes
    depot_of = {node: d for d, node in enumerate(terminals)}
    locations = [pyvrp.Location(0, 0) for _ in range(n)]
    depots = [pyvrp.Depot(location=t) for t in terminals]
    clients = []
    for i in visits:
        win = data.windows[i]
        early, late = win[0] if win else (0, int(data.horizon))
        optional = int(data.penalty[i]) != NO_VALUE
        clients.append(
            pyvrp.Client(
                location=i,
                delivery=[int(data.demand[i])],
                service_duration=int(data.service[0, i]),
                tw_early=early,
                tw_late=late,
                prize=int(data.penalty[i]) if optional else 0,
                required=not optional,
                name=data.names[i],
            )
        )
    groups: dict[tuple[int, int, int, int, int, int, int], list[int]] = {}
    for k, v in enumerate(data.vehicles):
        key = (
            v.start_node,
            v.end_node,
            v.shift_start,
            v.shift_end,
            v.capacity,
            v.overtime_max,
            v.overtime_cost,
        )
        groups.setdefault(key, []).append(k)
    types = []
    type_vehicles = []
    for key, ks in groups.items():
        start, end, early, late, cap, ot_max, _ot_cost = key
        types.append(
            pyvrp.VehicleType(
                num_available=len(ks),
                capacity=[cap if data.demand.any() else 0],
                start_depot=depot_of[start],
                end_depot=depot_of[end],
                tw_early=early,
                tw_late=late + ot_max,
                max_overtime=0,
                unit_overtime_cost=0,
            )
        )
        type_vehicles.append(ks)
    problem = pyvrp.ProblemData(
        locations,
        clients,
        depots,
        types,
        [np.asarray(data.distance, dtype=np.int64)],  # type: ignore[list-item]
        [np.asarray(data.travel_time, dtype=np.int64)],  # type: ignore[list-item]
    )
    build_s = time.perf_counter() - t0
    res = pyvrp.solve(
        problem, MaxRuntime(max(0.01, params.time_limit_s)), seed=params.seed, display=False
    )
    runtime = time.perf_counter() - t0
    best = res.best
    routes: list[list[Visit]] = [[] for _ in data.vehicles]
    starts = [v.shift_start for v in data.vehicles]
    ends = [v.shift_start for v in data.vehicles]
    free = [list(ks) for ks in type_vehicles]
    client_node = {c: visits[c] for c in range(len(visits))}
    for route in best.routes() if best.is_feasible() else []:
        k = free[route.vehicle_type()].pop(0)
        veh = data.vehicles[k]
        prev, t = veh.start_node, veh.shift_start
        for act in route.schedule():
            if not act.is_client():
                continue
            node = client_node[int(act.idx)]
            arrive = t + int(data.service[k, prev]) + int(data.travel_time[prev, node])
            t = max(arrive, data.windows[node][0][0] if data.windows[node] else 0)
            routes[k].append(Visit(node, t))
            prev = node
        ends[k] = t + int(data.service[k, prev]) + int(data.travel_time[prev, veh.end_node])
    served = {v.node for r in routes for v in r}
    status = Status.FEASIBLE if best.is_feasible() else Status.TIMEOUT
    return RoutingResult(
        report=SolveReport(
            status=status,
            raw_status=f"pyvrp feasible={best.is_feasible()}",
            runtime_s=runtime,
            objective=float(res.cost()) if best.is_feasible() else None,
            seed=params.seed,
            workers=params.workers,
            time_limit_s=params.time_limit_s,
        ),
        routes=tuple(tuple(r) for r in routes),
        route_start=tuple(starts),
        route_end=tuple(ends),
        break_start=(None,) * data.num_vehicles,
        unserved=tuple(i for i in visits if i not in served),
        build_s=build_s,
        first_solution_s=None,
    )
