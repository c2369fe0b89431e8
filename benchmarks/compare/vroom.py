"""VROOM (BSD, extra ``bench``) on the same VRPTW instances: ``bench vrptw --engine vroom``.

``solve_vroom`` runs VROOM with the DIMACS matrices, one thread and the same time limit.
Routes are returned as customer numbers per route, for the independent evaluation in
:func:`benchmarks.routing.vrptw_distance`.
"""

from __future__ import annotations

import datetime as dt
import time

from benchmarks.loaders.vrptw import VrptwInstance, dimacs_distance_matrix


def solve_vroom(
    inst: VrptwInstance, time_limit_s: float, exploration: int = 5
) -> tuple[list[list[int]], float]:
    """VROOM on a DIMACS VRPTW instance: (routes, runtime seconds)."""
    import vroom

    dist = dimacs_distance_matrix(inst)
    problem = vroom.Input()
    problem.set_durations_matrix(profile="car", matrix_input=dist)
    problem.set_costs_matrix(profile="car", matrix_input=dist)
    horizon = vroom.TimeWindow(int(inst.ready[0]) * 10, int(inst.due[0]) * 10)
    for k in range(inst.num_vehicles):
        problem.add_vehicle(
            vroom.Vehicle(k + 1, start=0, end=0, capacity=[inst.capacity], time_window=horizon)
        )
    for c in range(1, inst.num_customers + 1):
        problem.add_job(
            vroom.Job(
                c,
                location=c,
                default_service=int(inst.service[c]) * 10,
                delivery=[int(inst.demand[c])],
                time_windows=[vroom.TimeWindow(int(inst.ready[c]) * 10, int(inst.due[c]) * 10)],
            )
        )
    t0 = time.perf_counter()
    sol = problem.solve(
        exploration_level=exploration, nb_threads=1, timeout=dt.timedelta(seconds=time_limit_s)
    )
    runtime = time.perf_counter() - t0
    steps = sol.routes
    jobs = steps[steps["type"] == "job"]
    routes = [
        [int(x) for x in grp["id"].tolist()] for _, grp in jobs.groupby("vehicle_id", sort=True)
    ]
    return routes, runtime
