"""Benchmark instances as :class:`RoutingData`: Solomon/Gehring–Homberger VRPTW (DIMACS
convention) and Pillac TRSP; their independent evaluation (no OR-Tools); and the engines that
solve them (:func:`solve_vrptw`, :func:`solve_trsp`)."""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np

from benchmarks.loaders.trsp import TrspInstance, travel_time_matrix
from benchmarks.loaders.vrptw import VrptwInstance, dimacs_distance_matrix
from solvers.routing.data import NO_VALUE, RoutingData, RoutingParams, Vehicle
from solvers.routing.solve import solve_routing

TRSP_SCALE = 1000  # TRSP times are real numbers: the solver sees thousandths
TRSP_UNSERVED_PENALTY = 10**10  # ≫ any total duration (≤ 25 × 3390 × 1000)
VRPTW_ENGINES = ("day", "ortools", "pyvrp", "vroom")
TRSP_ENGINES = ("day", "ortools", "ruin_recreate")
"""``sisr``: the compiled engine of :mod:`solvers.routing.engine`, which is to replace the
OR-Tools path as the day engine (issue 21); measured here before plan_routes uses it."""


def vrptw_data(inst: VrptwInstance) -> RoutingData:
    """DIMACS VRPTW: times and distances in tenths (arc = truncated Euclidean), every customer
    served, up to ``num_vehicles`` routes from node 0, objective = total distance."""
    dist = dimacs_distance_matrix(inst)
    n = inst.num_customers + 1
    horizon = int(inst.due[0]) * 10
    veh = tuple(
        Vehicle(
            name=f"v{k}",
            start_node=0,
            end_node=0,
            shift_start=int(inst.ready[0]) * 10,
            shift_end=horizon,
            capacity=inst.capacity,
        )
        for k in range(inst.num_vehicles)
    )
    service = np.tile(inst.service * 10, (len(veh), 1))
    pairs = zip(inst.ready[1:].tolist(), inst.due[1:].tolist(), strict=True)
    windows = ((), *(((r * 10, d * 10),) for r, d in pairs))
    none = np.full(n, NO_VALUE, dtype=np.int64)
    return RoutingData(
        names=tuple(str(i) for i in range(n)),
        vehicles=veh,
        travel_time=dist,
        distance=dist,
        arc_cost=dist,
        service=service,
        allowed=np.ones((len(veh), n), dtype=bool),
        windows=windows,
        penalty=none,
        sla_deadline=none,
        sla_cost=np.zeros(n, dtype=np.int64),
        demand=inst.demand,
        fixed_start=none,
        horizon=horizon,
    )


def vrptw_distance(inst: VrptwInstance, routes: list[list[int]]) -> tuple[float, list[str]]:
    """Total DIMACS distance of ``routes`` (customer numbers) and every rule they break."""
    dist = dimacs_distance_matrix(inst)
    problems: list[str] = []
    seen = [c for r in routes for c in r]
    if sorted(seen) != list(range(1, inst.num_customers + 1)):
        problems.append("customers not served exactly once")
    if len([r for r in routes if r]) > inst.num_vehicles:
        problems.append(f"{len(routes)} routes > {inst.num_vehicles} vehicles")
    total = 0
    for r_no, route in enumerate(routes):
        if int(inst.demand[route].sum()) > inst.capacity:
            problems.append(f"route {r_no}: capacity exceeded")
        t, prev = int(inst.ready[0]) * 10, 0
        for c in [*route, 0]:
            total += int(dist[prev, c])
            t = max(t + int(inst.service[prev]) * 10 + int(dist[prev, c]), int(inst.ready[c]) * 10)
            if t > int(inst.due[c]) * 10:
                problems.append(
                    f"route {r_no}: node {c} starts at {t / 10} after due {inst.due[c]}"
                )
            prev = c
    return total / 10, problems


def trsp_data(inst: TrspInstance, *, travel_cost: bool = True) -> RoutingData:
    """Pillac TRSP: every request served; skills hard; tools and parts from the van or after
    one free depot visit (a per-technician pick-up node of 0 duration); objective = total
    route duration (span), plus travel when ``travel_cost`` (a guide for OR-Tools' guided
    local search; the ruin-and-recreate back-end takes the exact objective without it), times
    in thousandths."""
    tt = travel_time_matrix(inst)
    k_n, r_n = inst.num_technicians, inst.num_requests
    # nodes: homes 0..K-1, depot copies K..2K-1, requests 2K..2K+R-1
    n = 2 * k_n + r_n
    src = np.concatenate(
        [np.arange(1, k_n + 1), np.zeros(k_n, dtype=np.int64), np.arange(k_n + 1, k_n + 1 + r_n)]
    )
    travel = np.rint(tt[np.ix_(src, src)] * TRSP_SCALE).astype(np.int64)
    req = np.arange(2 * k_n, n)
    service = np.zeros((k_n, n), dtype=np.int64)
    service[:, req] = inst.service[k_n + 1 :] * TRSP_SCALE
    allowed = np.zeros((k_n, n), dtype=bool)
    needed = np.zeros((k_n, n), dtype=bool)
    for k in range(k_n):
        allowed[k, k_n + k] = True
        skill_ok = ~(inst.req_skills & ~inst.tech_skills[k]).any(axis=1)
        tools_ok = ~(inst.req_tools & ~inst.tech_tools[k]).any(axis=1)
        allowed[k, req] = skill_ok
        needed[k, req] = ~tools_ok  # parts: cumulative, see part_use
    pickup_depot = np.full(n, NO_VALUE, dtype=np.int64)
    pickup_depot[k_n : 2 * k_n] = 0
    part_use = np.zeros((n, inst.num_part_types), dtype=np.int64)
    part_use[req] = inst.req_parts
    supply = np.zeros((n, 1), dtype=bool)
    supply[req, 0] = True
    h = int(inst.due[0]) * TRSP_SCALE
    vehicles = tuple(
        Vehicle(
            name=f"tech{k}",
            start_node=k,
            end_node=k,
            shift_start=int(inst.ready[k + 1]) * TRSP_SCALE,
            shift_end=int(inst.due[k + 1]) * TRSP_SCALE,
            span_cost=1,
        )
        for k in range(k_n)
    )
    windows = (
        tuple(() for _ in range(k_n))
        + tuple(((0, h),) for _ in range(k_n))
        + tuple(
            ((int(inst.ready[k_n + 1 + j]) * TRSP_SCALE, int(inst.due[k_n + 1 + j]) * TRSP_SCALE),)
            for j in range(r_n)
        )
    )
    # Requests are optional at a prohibitive penalty, so that the search always has a first
    # solution on tight instances and then works its way to serving everyone; the evaluation
    # (and the benchmark table) reports any request left out.
    penalty = np.full(n, TRSP_UNSERVED_PENALTY, dtype=np.int64)
    penalty[:k_n] = NO_VALUE
    penalty[k_n : 2 * k_n] = 0
    return RoutingData(
        names=tuple(
            [f"home{k}" for k in range(k_n)]
            + [f"depot@{k}" for k in range(k_n)]
            + [f"req{j}" for j in range(r_n)]
        ),
        vehicles=vehicles,
        travel_time=travel,
        distance=travel,
        # Travel as arc cost too: guided local search penalises arcs, and with zero arc costs
        # it has nothing to guide by (measured: gaps 12-24 % -> 10-20 % at 10 s). The solver
        # then minimises duration + distance; the evaluation reports the duration alone.
        arc_cost=travel if travel_cost else np.zeros_like(travel),
        service=service,
        allowed=allowed,
        windows=windows,
        penalty=penalty,
        sla_deadline=np.full(n, NO_VALUE, dtype=np.int64),
        sla_cost=np.zeros(n, dtype=np.int64),
        demand=np.zeros(n, dtype=np.int64),
        fixed_start=np.full(n, NO_VALUE, dtype=np.int64),
        pickup_depot=pickup_depot,
        pickup_supply=supply,
        pickup_needed=needed,
        part_use=part_use,
        part_stock=inst.tech_parts,
        horizon=h,
    )


def trsp_evaluate(inst: TrspInstance, routes: list[list[int]]) -> tuple[float, float, list[str]]:
    """Independent TRSP evaluation (RULES.md): total duration with the latest departure,
    total distance, and every broken rule. ``routes[k]`` lists request indices (0-based) and
    ``-1`` for the depot visit."""
    tt = travel_time_matrix(inst)
    k_n = inst.num_technicians
    problems: list[str] = []
    served = sorted(j for r in routes for j in r if j >= 0)
    if served != list(range(inst.num_requests)):
        problems.append("requests not served exactly once")
    total_dur = total_dist = 0.0
    for k, route in enumerate(routes):
        if not route:
            continue
        home = k + 1
        nodes = [home] + [0 if j < 0 else k_n + 1 + j for j in route] + [home]
        if route.count(-1) > 1:
            problems.append(f"technician {k}: more than one depot visit")
        unlocked = False
        used = np.zeros(inst.num_part_types, dtype=np.int64)
        for j in route:
            if j < 0:
                unlocked = True
                continue
            if (inst.req_skills[j] & ~inst.tech_skills[k]).any():
                problems.append(f"technician {k}: request {j}: missing skill")
            used += inst.req_parts[j]
            if not unlocked and (
                (inst.req_tools[j] & ~inst.tech_tools[k]).any() or (used > inst.tech_parts[k]).any()
            ):
                problems.append(f"technician {k}: request {j}: tools/parts missing before depot")
        t0 = float(inst.ready[home])
        t, wait, f0, cum = t0, 0.0, math.inf, 0.0
        for a, b in itertools.pairwise(nodes):
            svc = 0.0 if a in (0, home) else float(inst.service[a])
            arrive = t + svc + tt[a, b]
            cum += svc + tt[a, b]
            total_dist += tt[a, b]
            f0 = min(f0, float(inst.due[b]) - (t0 + cum))
            if arrive > inst.due[b] + 1e-9:
                problems.append(
                    f"technician {k}: node {b} reached at {arrive:.3f} after due {inst.due[b]}"
                )
            start = max(arrive, float(inst.ready[b]))
            if b != home:
                wait += start - arrive
            t = start
        total_dur += t - (t0 + min(f0, wait))
    return total_dur, total_dist, problems


def solve_vrptw(
    inst: VrptwInstance, engine: str, time_limit_s: float, seed: int = 0
) -> tuple[list[list[int]], float]:
    """``engine`` on a DIMACS VRPTW instance: (routes as customer numbers, runtime seconds).

    ``day``: :func:`solve_routing` as dispatch calls it (the day engine); ``ortools``: the
    OR-Tools back-end that planned days before it; ``pyvrp``, ``vroom``: the comparisons
    (extra ``bench``), with the same time limit (and seed for PyVRP)."""
    if engine == "vroom":
        from benchmarks.compare.vroom import solve_vroom

        return solve_vroom(inst, time_limit_s)
    params = RoutingParams(time_limit_s=time_limit_s, seed=seed)
    if engine == "pyvrp":
        from benchmarks.compare.pyvrp import solve_pyvrp

        res = solve_pyvrp(vrptw_data(inst), params)
    elif engine in ("day", "ortools"):
        backend = "engine" if engine == "day" else "ortools"
        res = solve_routing(vrptw_data(inst), dataclasses.replace(params, backend=backend))
    else:
        raise ValueError(f"VRPTW engine {engine!r}: expected one of {', '.join(VRPTW_ENGINES)}")
    return [[v.node for v in r] for r in res.routes if r], res.report.runtime_s


def solve_trsp(
    inst: TrspInstance, engine: str, time_limit_s: float, seed: int = 0
) -> tuple[list[list[int]], float]:
    """``engine`` on a Pillac TRSP instance: (per technician the request indices in order,
    ``-1`` for the depot visit; runtime seconds).

    ``day``: the day engine on the exact objective (span cost); ``ortools``: the OR-Tools
    back-end with travel added to the objective as a guide (:func:`trsp_data`);
    ``ruin_recreate``: the numpy ruin-and-recreate back-end on the exact objective."""
    if engine not in TRSP_ENGINES:
        raise ValueError(f"TRSP engine {engine!r}: expected one of {', '.join(TRSP_ENGINES)}")
    backend = {"day": "engine"}.get(engine, engine)
    params = RoutingParams(time_limit_s=time_limit_s, seed=seed, backend=backend)
    res = solve_routing(trsp_data(inst, travel_cost=engine == "ortools"), params)
    k_n = inst.num_technicians
    routes = [[-1 if v.node < 2 * k_n else v.node - 2 * k_n for v in r] for r in res.routes]
    return routes, res.report.runtime_s
