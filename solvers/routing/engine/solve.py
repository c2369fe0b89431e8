"""``solve_engine(data, params) -> RoutingResult``: the Python side of the day engine.

It packs the data, builds a first plan, then runs the compiled search in chunks of
iterations, between which it watches the clock (the limit covers the whole call), the stop
request, and reports progress. The temperature falls geometrically over the run from
``T_START`` to ``T_END`` times the mean arc cost from a visit to its five nearest neighbours,
over the time limit or, when ``params.iterations`` is set, over that many iterations (then the
plan depends only on the data, the seed and the count).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from solvers.options import Progress, ProgressFn
from solvers.result import SolveReport, Status
from solvers.routing.data import RoutingData, RoutingParams
from solvers.routing.engine.instance import (
    BACK,
    BRK,
    BSTART,
    LEN,
    MANDATORY,
    NO_BREAK,
    NODE,
    PEN,
    S0,
    SPAN,
    START,
    VS,
    Instance,
    pack,
)
from solvers.routing.engine.search import construct, run_chunk, seed_rng
from solvers.routing.engine.state import BEST_OBJ, OBJ, State, load_best, new_state
from solvers.routing.result import RoutingResult, Visit, no_plan

T_START = 10.0
T_END = 0.1
CBAR = 10.0  # SISR: visits removed per iteration on average
LMAX = 10  # SISR: longest string
BLINK = 0.01  # SISR: share of candidate positions skipped
CHUNK_S = 0.05  # seconds per compiled chunk: how often the clock and the stop flag are read
FIXED_CHUNK = 200  # iterations per chunk when an iteration count is given (reproducible)
RESERVE_S = 0.01  # kept for reading the plan back

StopFn = Callable[[], bool]


def solve_engine(
    data: RoutingData,
    params: RoutingParams,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
) -> RoutingResult:
    """Plan ``data`` within ``params.time_limit_s`` (packing and construction included)."""
    t0 = time.perf_counter()
    inst = pack(data)
    st = new_state(inst)
    seed_rng(params.seed)
    build_s = time.perf_counter() - t0
    if should_stop is not None and should_stop():  # no first plan yet: no plan at all
        return _interrupted(data, params, time.perf_counter() - t0, build_s)
    construct(inst, st, *_start_routes(params, inst.veh.shape[0]))
    first_s = time.perf_counter() - t0
    if progress is not None:
        progress(Progress(first_s, objective=float(st.counts[BEST_OBJ])))
    stats = _search(inst, st, params, t0, progress, should_stop)
    load_best(inst, st)
    stopped = should_stop is not None and should_stop()
    return _result(
        data, inst, st, params, time.perf_counter() - t0, build_s, first_s, stats, stopped
    )


def _interrupted(
    data: RoutingData, params: RoutingParams, runtime: float, build_s: float
) -> RoutingResult:
    """No plan: a stop was requested before the first plan was built."""
    report = SolveReport(
        status=Status.TIMEOUT,
        raw_status="INTERRUPTED",
        runtime_s=runtime,
        seed=params.seed,
        workers=params.workers,
        time_limit_s=params.time_limit_s,
    )
    return no_plan(report, data.num_vehicles, tuple(data.visit_nodes), build_s)


def _start_routes(params: RoutingParams, vehicles: int) -> tuple[np.ndarray, np.ndarray]:
    """``params.initial_routes`` (a warm start) flattened: nodes and per-vehicle offsets."""
    routes = params.initial_routes or ()
    sizes = [len(routes[v]) if v < len(routes) else 0 for v in range(vehicles)]
    nodes = [int(i) for r in routes[:vehicles] for i in r]
    ptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    return np.array(nodes, dtype=np.int64), ptr


def _temperatures(inst: Instance) -> tuple[float, float]:
    """Start and end temperatures: ``T_START`` and ``T_END`` times what a visit's link to
    one of its five nearest neighbours costs (arc cost, plus travel time at the vehicles'
    mean span cost)."""
    visits = inst.visits
    if visits.size < 2:
        return 1.0, 0.01
    near = inst.neigh[visits, :5]
    near = np.where(near < 0, visits[:, None], near)
    link = inst.arc[visits[:, None], near] + inst.tt[visits[:, None], near] * float(
        inst.veh[:, SPAN].mean()
    )
    scale = max(float(link.mean()), 1.0)
    return T_START * scale, T_END * scale


def _search(
    inst: Instance,
    st: State,
    params: RoutingParams,
    t0: float,
    progress: ProgressFn | None,
    should_stop: StopFn | None,
) -> np.ndarray:
    """Run chunks until the limit, the iteration count or a stop request."""
    todo = np.empty(inst.tt.shape[0], dtype=np.int64)
    ruined = np.empty(inst.veh.shape[0], dtype=np.int64)
    stats = np.zeros(3, dtype=np.int64)
    hot, cold = _temperatures(inst)
    budget = max(params.time_limit_s - RESERVE_S, 0.0)
    total = params.iterations
    chunk, per_it = 8, 0.0
    best = int(st.counts[BEST_OBJ])
    while inst.visits.size:
        elapsed = time.perf_counter() - t0
        if elapsed >= budget or (should_stop is not None and should_stop()):
            break
        if total is not None:
            if stats[0] >= total:
                break
            n_it = min(FIXED_CHUNK, total - int(stats[0]))
            frac, frac_to = stats[0] / total, (stats[0] + n_it) / total
        else:
            n_it = chunk
            frac = elapsed / budget
            frac_to = min(1.0, frac + n_it * per_it / budget) if per_it else frac
        began = time.perf_counter()
        run_chunk(
            inst,
            st,
            n_it,
            hot * (cold / hot) ** frac,
            hot * (cold / hot) ** frac_to,
            CBAR,
            LMAX,
            BLINK,
            todo,
            ruined,
            stats,
        )
        took = time.perf_counter() - began
        per_it = took / n_it
        left = budget - (time.perf_counter() - t0)
        chunk = int(max(1, min(CHUNK_S, max(left, 0.0) * 0.5) / max(per_it, 1e-7)))
        if progress is not None and int(st.counts[BEST_OBJ]) < best:
            best = int(st.counts[BEST_OBJ])
            progress(Progress(time.perf_counter() - t0, objective=float(best)))
    return stats


def _broken_units(data: RoutingData, served: set[int]) -> set[int]:
    """The served visits to drop: members of teams served in part and visits whose
    predecessors are not served (transitively)."""
    drop: set[int] = set()
    while True:
        kept = served - drop
        more = {i for t in data.teams if not set(t) <= kept for i in t} & kept
        more |= {b for a, b, _ in data.precedences if b in kept and a not in kept}
        if not more:
            return drop
        drop |= more


def _result(
    data: RoutingData,
    inst: Instance,
    st: State,
    params: RoutingParams,
    runtime: float,
    build_s: float,
    first_s: float,
    stats: np.ndarray,
    stopped: bool = False,
) -> RoutingResult:
    routes, departs, breaks, after = [], [], [], []
    for v in range(inst.veh.shape[0]):
        m = int(st.rt[v, LEN])
        nodes, starts = st.stops[v, :m, NODE].tolist(), st.stops[v, :m, START].tolist()
        routes.append(tuple(Visit(n, s) for n, s in zip(nodes, starts, strict=True)))
        depart = int(inst.veh[v, S0])
        brk = int(st.rt[v, BRK])
        if m and brk != -1:
            depart = max(depart, starts[0] - int(inst.tt[inst.veh[v, VS], nodes[0]]))
        departs.append(depart)
        breaks.append(None if brk == NO_BREAK or not m else int(st.rt[v, BSTART]))
        after.append(brk if m else NO_BREAK)
    served = {v.node for r in routes for v in r}
    # A team served in part, or a visit whose predecessor is not served, is not a plan (a
    # removal the travel matrix refused can leave one): they go, the rest of each route
    # keeps its times.
    partial = _broken_units(data, served)
    if partial:
        after = [
            b - sum(x.node in partial for x in r[: b + 1]) if b >= 0 else b
            for r, b in zip(routes, after, strict=True)
        ]
        routes = [tuple(x for x in r if x.node not in partial) for r in routes]
        served -= partial
    unserved = tuple(i for i in data.visit_nodes if i not in served)
    left_out = any(inst.nd[i, PEN] >= MANDATORY for i in unserved)
    raw = (
        f"ENGINE_{'MANDATORY_LEFT_OUT' if left_out else 'OK'} "
        f"iterations={int(stats[0])} accepted={int(stats[1])} improved={int(stats[2])}"
    )
    report = SolveReport(
        status=Status.FEASIBLE,
        raw_status=f"INTERRUPTED ({raw})" if stopped else raw,
        runtime_s=runtime,
        objective=float(st.counts[OBJ]),
        seed=params.seed,
        workers=params.workers,
        time_limit_s=params.time_limit_s,
    )
    return RoutingResult(
        report=report,
        routes=tuple(routes),
        route_start=tuple(departs),
        route_end=tuple(
            int(st.rt[v, BACK]) if st.rt[v, LEN] else departs[v] for v in range(len(routes))
        ),
        break_start=tuple(breaks),
        unserved=unserved,
        build_s=build_s,
        first_solution_s=first_s,
        first_solution=("WARM_START+" if params.initial_routes else "") + "ENGINE_CONSTRUCTION",
        break_after=tuple(after),
    )
