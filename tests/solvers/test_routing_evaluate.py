"""The one route evaluator (``solvers.routing.evaluate``) and re-plan stability in the model,
on tiny hand-made instances: two vehicles on a line, each visit checked by hand."""

from __future__ import annotations

import dataclasses

import numpy as np

from solvers.routing import RoutingParams, solve_routing
from solvers.routing.data import NO_VALUE, RoutingData, Stability, Vehicle
from solvers.routing.evaluate import NO_BREAK, simulate_route, time_routes

HOUR = 3600


def line(
    positions: list[int], *, lunch: bool = False, windows: dict[int, tuple[int, int]] | None = None
) -> RoutingData:
    """Vehicles 0 and 1 start and end at nodes 0/1 and 2/3 (positions 0 and 100 min away);
    visits 4.. at ``positions`` (minutes along the line); service 30 min each."""
    pos = [0, 0, 100, 100, *positions]
    n = len(pos)
    travel = np.array([[abs(a - b) * 60 for b in pos] for a in pos], dtype=np.int64)
    brk = (
        dict(break_earliest=12 * HOUR, break_latest=13 * HOUR, break_duration=HOUR // 2)
        if lunch
        else {}
    )
    vehicles = tuple(
        Vehicle(
            name=f"v{k}",
            start_node=2 * k,
            end_node=2 * k + 1,
            shift_start=8 * HOUR,
            shift_end=17 * HOUR,
            **brk,
        )
        for k in range(2)
    )
    wins = [() for _ in range(n)]
    for i, w in (windows or {}).items():
        wins[i] = (w,)
    return RoutingData(
        names=tuple(f"n{i}" for i in range(n)),
        vehicles=vehicles,
        travel_time=travel,
        distance=travel,
        arc_cost=travel,
        service=np.full((2, n), 1800, dtype=np.int64),
        allowed=np.ones((2, n), dtype=bool),
        windows=tuple(wins),
        penalty=np.full(n, 10**7, dtype=np.int64),
        sla_deadline=np.full(n, NO_VALUE, dtype=np.int64),
        sla_cost=np.zeros(n, dtype=np.int64),
        demand=np.zeros(n, dtype=np.int64),
        fixed_start=np.full(n, NO_VALUE, dtype=np.int64),
    )


def test_visits_follow_travel_windows_and_service() -> None:
    d = line([10, 20], windows={5: (10 * HOUR, 11 * HOUR)})
    t = simulate_route(d, 0, [4, 5])
    assert t.feasible and t.break_after == NO_BREAK
    assert t.arrival[0] == t.depart + 600 and t.end[0] == t.start[0] + 1800
    assert t.start[1] == 10 * HOUR  # waits for its window
    assert t.back == t.end[1] + 20 * 60


def test_a_window_missed_is_the_failing_visit() -> None:
    d = line([10, 20], windows={5: (8 * HOUR, 8 * HOUR + 1800)})
    assert simulate_route(d, 0, [4, 5]).failed == 1
    assert simulate_route(d, 0, [5, 4]).feasible  # the other order fits


def test_lunch_goes_where_it_costs_nothing_or_where_it_must() -> None:
    # work from 11:00 to after 13:00 without a gap: lunch must come before the 13:00 limit
    d = line([10, 20, 30, 40], lunch=True, windows={4: (11 * HOUR, 11 * HOUR)})
    t = simulate_route(d, 0, [4, 5, 6, 7])
    assert t.feasible and t.break_start is not None
    assert 12 * HOUR <= t.break_start <= 13 * HOUR
    j = t.break_after + 1  # the visit after lunch starts after the drive and the whole break
    assert t.start[j] >= t.end[j - 1] + 600 + HOUR // 2
    # no lunch window crossed by the day: no lunch needed
    short = line([10], lunch=True)
    assert simulate_route(short, 0, [4]).break_after == NO_BREAK


def test_teams_start_together_and_a_visit_that_cannot_is_dropped() -> None:
    d = dataclasses.replace(line([50, 50]), teams=((4, 5),))
    timed = time_routes(d, [[4], [5]])
    s0, s1 = timed.times[0].start[0], timed.times[1].start[0]
    assert s0 == s1 and timed.dropped == ()
    tight = dataclasses.replace(d, windows=((), (), (), (), ((8 * HOUR, 8 * HOUR + 600),), ()))
    assert time_routes(tight, [[4], [5]]).dropped == (4, 5)  # together, or not at all


def stability(d: RoutingData, reassign: int) -> RoutingData:
    vehicle = np.full(d.num_nodes, NO_VALUE, dtype=np.int64)
    vehicle[4] = 1  # node 4 (next to vehicle 0) was served by vehicle 1 before
    start = np.full(d.num_nodes, NO_VALUE, dtype=np.int64)
    return dataclasses.replace(d, stability=Stability(vehicle, start, reassign, 0, 0))


def served_by(d: RoutingData) -> int:
    res = solve_routing(d, RoutingParams(time_limit_s=2, solution_limit=50))
    return next(k for k, r in enumerate(res.routes) if 4 in {v.node for v in r})


def test_a_job_keeps_its_technician_when_the_change_costs_more_than_it_saves() -> None:
    d = line([5])
    assert served_by(stability(d, 0)) == 0  # free to move: the near vehicle
    assert served_by(stability(d, 10**6)) == 1  # the saving (190 min of driving) < the cost
