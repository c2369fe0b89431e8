"""Compile the day engine once (``python -m solvers.routing.engine.warmup``).

numba compiles the engine on its first use and caches the machine code next to the sources;
``make`` runs this after installing, so that no solve pays the compilation (about a minute)
inside its time limit.

numba checks a cached function against its own source file only, not against the functions
it calls in other modules: so the warm-up first deletes every cached entry of the engine and
compiles all of it again (after an edit, run it before measuring).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from solvers.routing.data import NO_VALUE, RoutingData, RoutingParams, Vehicle
from solvers.routing.engine.solve import solve_engine


def tiny_day() -> RoutingData:
    """Two technicians with a lunch break and overtime, five jobs with windows and an SLA:
    every code path of the engine is compiled on it."""
    n = 7
    xy = np.array([[0, 0], [0, 0], [10, 0], [0, 10], [10, 10], [5, 5], [20, 5]])
    tt = (np.abs(xy[:, None, :] - xy[None, :, :]).sum(axis=2) * 60).astype(np.int64)
    vehicles = tuple(
        Vehicle(
            name=f"t{k}",
            start_node=0,
            end_node=1,
            shift_start=8 * 3600,
            shift_end=17 * 3600,
            overtime_max=3600,
            overtime_cost=1,
            break_earliest=12 * 3600,
            break_latest=13 * 3600,
            break_duration=1800,
            span_cost=k,
        )
        for k in range(2)
    )
    none = np.full(n, NO_VALUE, dtype=np.int64)
    sla = none.copy()
    sla[2] = 10 * 3600
    return RoutingData(
        names=("home", "end", "a", "b", "c", "d", "e"),
        vehicles=vehicles,
        travel_time=tt,
        distance=tt,
        arc_cost=tt,
        service=np.full((2, n), 3600, dtype=np.int64),
        allowed=np.ones((2, n), dtype=bool),
        windows=((), (), ((9 * 3600, 11 * 3600),), (), ((14 * 3600, 15 * 3600),), (), ()),
        penalty=np.full(n, 10**6, dtype=np.int64),
        sla_deadline=sla,
        sla_cost=np.ones(n, dtype=np.int64),
        demand=np.zeros(n, dtype=np.int64),
        fixed_start=none,
    )


def clear_cache() -> int:
    """Delete the engine's numba cache files (``.nbi`` index, ``.nbc`` code); how many."""
    gone = 0
    for path in Path(__file__).parent.glob("__pycache__/*.nb[ic]"):
        path.unlink(missing_ok=True)
        gone += 1
    return gone


def main() -> None:
    clear_cache()
    began = time.perf_counter()
    solve_engine(tiny_day(), RoutingParams(time_limit_s=60.0, iterations=50))
    print(f"day engine compiled and cached in {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
