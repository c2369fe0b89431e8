"""The day engine (solvers.routing.engine): its O(1) insertion test agrees with simulating the
whole route, its plans keep every rule (checked here from the plan alone), and a seed with an
iteration count gives one plan."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.loaders.trsp import read_pillac
from benchmarks.loaders.vrptw import read_vrptw
from benchmarks.routing import trsp_data, trsp_evaluate, vrptw_data, vrptw_distance
from solvers.routing.data import NO_VALUE, RoutingData, RoutingParams, Vehicle
from solvers.routing.engine.insertion import best_insertion, eval_whole
from solvers.routing.engine.instance import LEN, PEN, ROUTE, pack
from solvers.routing.engine.search import construct, seed_rng
from solvers.routing.engine.solve import solve_engine
from solvers.routing.engine.state import OBJ, insert, new_state
from solvers.routing.engine.timing import INF
from solvers.routing.evaluate import time_routes
from solvers.routing.result import RoutingResult

HOUR = 3600
SOLOMON = Path(__file__).parents[2] / "data" / "benchmarks" / "vrptw" / "solomon"
TRSP = Path(__file__).parents[2] / "data" / "benchmarks" / "trsp"


def random_day(
    seed: int, jobs: int = 12, techs: int = 3, teams: int = 0, links: int = 0
) -> RoutingData:
    """A small day: homes, jobs with one or two windows (or none), lunch breaks, overtime,
    SLA deadlines, per-technician service times, eligibility and priorities; the last
    ``2 * teams`` jobs pair up into team jobs, and ``links`` precedences join other jobs."""
    rng = np.random.default_rng(seed)
    n = techs + jobs
    xy = rng.integers(0, 30, size=(n, 2))
    tt = (np.abs(xy[:, None, :] - xy[None, :, :]).sum(axis=2) * 60).astype(np.int64)
    lunch = rng.random(techs) < 0.7
    vehicles = tuple(
        Vehicle(
            name=f"t{k}",
            start_node=k,
            end_node=k,
            shift_start=8 * HOUR,
            shift_end=int(rng.integers(12, 17)) * HOUR,
            overtime_max=int(rng.choice([0, 2 * HOUR])),
            overtime_cost=int(rng.integers(0, 4)),
            break_earliest=12 * HOUR,
            break_latest=13 * HOUR,
            break_duration=1800 if lunch[k] else 0,
        )
        for k in range(techs)
    )
    windows: list[tuple[tuple[int, int], ...]] = [() for _ in range(techs)]
    for _ in range(jobs):
        kind = rng.integers(0, 3)
        if kind == 0:
            windows.append(())
        elif kind == 1:
            a = int(rng.integers(8, 15)) * HOUR
            windows.append(((a, a + int(rng.integers(1, 4)) * HOUR),))
        else:
            windows.append(((8 * HOUR, 10 * HOUR), (13 * HOUR, 15 * HOUR)))
    sla = np.full(n, NO_VALUE, dtype=np.int64)
    late = rng.random(n) < 0.3
    late[:techs] = False
    sla[late] = rng.integers(9, 14, size=int(late.sum())) * HOUR
    allowed = rng.random((techs, n)) < 0.8
    allowed[:, :techs] = True
    penalty = rng.choice([10**4, 10**5, 10**6], size=n).astype(np.int64)
    penalty[:techs] = NO_VALUE
    pairs = [(n - 2 * t - 2, n - 2 * t - 1) for t in range(teams)]
    for a, b in pairs:  # one job for two: same place, same windows
        tt[b], tt[:, b] = tt[a], tt[:, a]
        windows[b] = windows[a]
    singles = list(range(techs, n - 2 * teams))
    chosen = rng.choice(len(singles), size=(links, 2), replace=True) if singles else []
    prec = tuple(
        (singles[i], singles[j], int(rng.integers(0, 4)) * 600) for i, j in chosen if i < j
    )
    return RoutingData(
        names=tuple(f"n{i}" for i in range(n)),
        vehicles=vehicles,
        travel_time=tt,
        distance=tt,
        arc_cost=tt,
        service=rng.integers(20, 90, size=(techs, n)).astype(np.int64) * 60,
        allowed=allowed,
        windows=tuple(windows),
        penalty=penalty,
        sla_deadline=sla,
        sla_cost=np.ones(n, dtype=np.int64),
        demand=np.zeros(n, dtype=np.int64),
        fixed_start=np.full(n, NO_VALUE, dtype=np.int64),
        teams=tuple(pairs),
        precedences=prec,
    )


def violations(data: RoutingData, res: RoutingResult) -> list[str]:
    """Every rule the result breaks, found from the result and the data alone."""
    found: list[str] = []
    seen: set[int] = set()
    for k, route in enumerate(res.routes):
        veh = data.vehicles[k]
        brk = res.break_start[k]
        t, prev = res.route_start[k], veh.start_node
        if t < veh.shift_start:
            found.append(f"vehicle {k} leaves before its shift")
        took_break = False
        for visit in route:
            i = visit.node
            if i in seen:
                found.append(f"node {i} served twice")
            seen.add(i)
            if not data.allowed[k, i]:
                found.append(f"node {i} served by vehicle {k} not allowed")
            gap = int(data.travel_time[prev, i])
            if brk is not None and not took_break and brk < visit.start and brk >= t:
                gap += veh.break_duration
                took_break = True
            if visit.start < t + gap:
                found.append(f"node {i} starts at {visit.start} before {t + gap}")
            wins = data.windows[i]
            if wins and not any(a <= visit.start <= b for a, b in wins):
                found.append(f"node {i} starts at {visit.start} outside its windows")
            t, prev = visit.start + int(data.service[k, i]), i
        gap = int(data.travel_time[prev, veh.end_node])
        if route and brk is not None and not took_break:
            gap += veh.break_duration
            took_break = brk >= t
        if route and res.route_end[k] < t + gap:
            found.append(f"vehicle {k} back at {res.route_end[k]} before {t + gap}")
        if res.route_end[k] > veh.shift_end + veh.overtime_max:
            found.append(f"vehicle {k} back after its shift and overtime")
        if route and veh.break_duration and res.route_end[k] > veh.break_earliest:
            if brk is None or not veh.break_earliest <= brk <= veh.break_latest:
                found.append(f"vehicle {k}: break {brk} missing or outside its window")
            elif not took_break:
                found.append(f"vehicle {k}: break at {brk} overlaps a visit")
    found += coupling_violations(data, res)
    return found


def coupling_violations(data: RoutingData, res: RoutingResult) -> list[str]:
    """Team members all served or none, on distinct vehicles at one start; a successor
    served only with its predecessor, and then after it by the lag."""
    found: list[str] = []
    where = {v.node: (k, v.start) for k, r in enumerate(res.routes) for v in r}
    for team in data.teams:
        served = [where[i] for i in team if i in where]
        if served and len(served) < len(team):
            found.append(f"team {team}: only {len(served)} members served")
        if len({k for k, _ in served}) < len(served) or len({s for _, s in served}) > 1:
            found.append(f"team {team}: members {served} not on distinct vehicles together")
    for a, b, lag in data.precedences:
        if b in where and a not in where:
            found.append(f"precedence {a}->{b}: {b} served without its predecessor")
        if a in where and b in where:
            k, start = where[a]
            end = start + int(data.service[k, a])
            if where[b][1] < end + lag:
                found.append(f"precedence {a}->{b}: starts {where[b][1]} < {end} + {lag}")
    return found


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6))
def test_the_o1_insertion_test_agrees_with_simulating_the_whole_route(seed: int) -> None:
    inst = pack(random_day(seed))
    state = new_state(inst)
    seed_rng(seed)
    no_routes = np.zeros(inst.veh.shape[0] + 1, dtype=np.int64)
    construct(inst, state, np.zeros(0, dtype=np.int64), no_routes)
    best = np.empty(6, dtype=np.int64)
    arrays = (inst.tt, inst.arc, inst.vn, inst.veh, inst.nd, inst.win, inst.cfg)
    parts = (inst.use, inst.stock)
    rows = (state.stops, state.rt, state.ns)
    for u in inst.visits:
        if state.ns[u, ROUTE] >= 0:
            continue
        best_insertion(
            *arrays, *parts, inst.pick, *rows, state.vused, state.scratch, inst.neigh,
            inst.near_veh, state.cand, u, 0.0, best,
        )  # fmt: skip
        whole = min(
            (
                eval_whole(*arrays, *parts, *rows, state.scratch, v, u, p, -1, -1)[0]
                for v in range(inst.veh.shape[0])
                if inst.vn[v, u, 1]
                for p in range(int(state.rt[v, LEN]) + 1)
            ),
            default=INF,
        )
        assert best[0] == whole
        if best[0] < INF:
            before = int(state.counts[OBJ])
            book = (state.bk_stops, state.bk_rt, state.vbook, state.nbook, state.lists)
            place = (best[1], best[2], u, best[4], best[3])
            assert insert(*arrays, *parts, *rows, state.vused, *book, state.counts, *place)
            assert state.counts[OBJ] - before == best[0] - inst.nd[u, PEN]


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10**6))
def test_plans_keep_windows_breaks_shifts_and_eligibility(seed: int) -> None:
    data = random_day(seed)
    res = solve_engine(data, RoutingParams(time_limit_s=30, seed=seed, iterations=300))
    assert violations(data, res) == []
    served = {v.node for r in res.routes for v in r}
    assert served | set(res.unserved) == set(data.visit_nodes)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10**6))
def test_the_read_back_evaluator_keeps_every_visit_at_the_engines_times(seed: int) -> None:
    """The plan's times come from solvers/routing/evaluate.py (the read-back): timing the
    engine's routes with its starts and break positions drops nothing and moves nothing."""
    data = random_day(seed, jobs=14, techs=3, teams=1, links=2)
    res = solve_engine(data, RoutingParams(time_limit_s=30, seed=seed, iterations=200))
    routes = [[v.node for v in r] for r in res.routes]
    starts = [[v.start for v in r] for r in res.routes]
    timed = time_routes(data, routes, starts, res.break_after)
    assert timed.dropped == ()
    assert [list(t.start) for t in timed.times] == starts
    for k, t in enumerate(timed.times):  # the same lunch, or none when back before it
        if t.break_start is None:
            veh = data.vehicles[k]
            assert not routes[k] or not veh.break_duration or t.back <= veh.break_earliest
        else:
            assert t.break_start == res.break_start[k]


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10**6))
def test_teams_start_together_and_precedences_keep_their_lag(seed: int) -> None:
    data = random_day(seed, jobs=14, techs=4, teams=2, links=4)
    res = solve_engine(data, RoutingParams(time_limit_s=30, seed=seed, iterations=300))
    assert violations(data, res) == []


def test_a_successor_is_served_only_with_its_predecessor() -> None:
    data = random_day(11, jobs=4, techs=1)
    before, after = [i for i in data.visit_nodes if data.allowed[0, i]][:2]
    free = list(data.windows)
    free[before] = free[after] = ((9 * HOUR, 16 * HOUR),)
    linked = _replace(data, windows=tuple(free), precedences=((before, after, 0),))
    late = list(free)
    late[before] = ((23 * HOUR, 23 * HOUR + 60),)  # the predecessor is out of reach
    params = RoutingParams(time_limit_s=30, iterations=100)
    both = solve_engine(linked, params)
    assert not {before, after} & set(both.unserved)
    assert violations(linked, both) == []
    alone = solve_engine(_replace(linked, windows=tuple(late)), params)
    assert {before, after} <= set(alone.unserved)
    unlinked = solve_engine(_replace(linked, windows=tuple(late), precedences=()), params)
    assert after not in unlinked.unserved


def test_a_team_is_served_when_two_technicians_can_meet_and_not_by_one() -> None:
    pair = random_day(3, jobs=6, techs=2, teams=1)
    assert pair.pickup_needed is not None
    alone = _replace(
        pair,
        vehicles=pair.vehicles[:1],
        service=pair.service[:1],
        allowed=pair.allowed[:1],
        pickup_needed=pair.pickup_needed[:1],
    )
    team = pair.teams[0]
    params = RoutingParams(time_limit_s=30, iterations=200)
    assert not set(team) & set(solve_engine(pair, params).unserved)
    assert set(team) <= set(solve_engine(alone, params).unserved)


def test_a_warm_start_is_kept_when_it_still_fits() -> None:
    data = random_day(8, jobs=20, techs=3)
    first = solve_engine(data, RoutingParams(time_limit_s=30, seed=1, iterations=300))
    routes = tuple(tuple(v.node for v in r) for r in first.routes)
    params = RoutingParams(time_limit_s=30, seed=2, iterations=0, initial_routes=routes)
    again = solve_engine(data, params)
    assert tuple(tuple(v.node for v in r) for r in again.routes) == routes
    cold = solve_engine(data, RoutingParams(time_limit_s=30, seed=2, iterations=0))
    assert tuple(tuple(v.node for v in r) for r in cold.routes) != routes


def test_same_seed_and_iterations_give_the_same_plan() -> None:
    data = random_day(5, jobs=30, techs=4)
    params = RoutingParams(time_limit_s=60, seed=3, iterations=400)
    first, second = solve_engine(data, params), solve_engine(data, params)
    assert first.routes == second.routes
    assert first.report.objective == second.report.objective


def test_windows_bind_a_job_out_of_reach_and_not_when_reachable() -> None:
    data = random_day(11, jobs=4, techs=1)
    job = data.visit_nodes[0]
    late = list(data.windows)
    late[job] = ((23 * HOUR, 23 * HOUR + 60),)  # after every shift and overtime
    reachable = list(data.windows)
    reachable[job] = ((9 * HOUR, 16 * HOUR),)
    params = RoutingParams(time_limit_s=30, iterations=100)
    out = solve_engine(_replace(data, windows=tuple(late)), params)
    ok = solve_engine(_replace(data, windows=tuple(reachable)), params)
    assert job in out.unserved
    assert job not in ok.unserved


def one_job_day(drive_min: int, depots: int = 0) -> RoutingData:
    """One technician with a lunch, one job ``drive_min`` away with a 2-hour window, and a
    pick-up node at the last of ``depots`` depots (the van lacks the job's part; only that
    depot holds it)."""
    n = 3 + (1 if depots else 0)
    tt = np.zeros((n, n), dtype=np.int64)
    tt[0, 2] = tt[2, 0] = tt[2, 1] = tt[1, 2] = drive_min * 60
    if depots:  # the depot sits next to home
        tt[3, 2] = tt[2, 3] = drive_min * 60
        tt[0, 3] = tt[3, 0] = tt[3, 1] = tt[1, 3] = 300
    veh = Vehicle("t", 0, 1, 8 * HOUR, 17 * HOUR, 0, 0, 11 * HOUR + 1800, 13 * HOUR + 1800, 1800)
    none = np.full(n, NO_VALUE, dtype=np.int64)
    penalty = none.copy()
    penalty[2] = 10**6
    extra: dict[str, object] = {}
    if depots:
        pickup_depot = none.copy()
        pickup_depot[3] = depots - 1
        supply = np.zeros((n, depots), dtype=bool)
        supply[2, depots - 1] = True
        needed = np.zeros((1, n), dtype=bool)
        needed[0, 2] = True
        penalty[3] = 1
        extra = {"pickup_depot": pickup_depot, "pickup_supply": supply, "pickup_needed": needed}
    return RoutingData(
        names=tuple(f"n{i}" for i in range(n)),
        vehicles=(veh,),
        travel_time=tt,
        distance=tt,
        arc_cost=tt,
        service=np.full((1, n), HOUR, dtype=np.int64),
        allowed=np.ones((1, n), dtype=bool),
        windows=((), (), ((8 * HOUR + 1800, 10 * HOUR + 1800),)) + ((),) * (n - 3),
        penalty=penalty,
        sla_deadline=none,
        sla_cost=np.zeros(n, dtype=np.int64),
        demand=np.zeros(n, dtype=np.int64),
        fixed_start=none,
        **extra,  # type: ignore[arg-type]
    )


def test_a_one_job_day_serves_the_job_when_it_fits_and_not_when_out_of_reach() -> None:
    # once a route of one visit had no room left for the lunch on the way back
    params = RoutingParams(time_limit_s=30, iterations=20)
    near, far = solve_engine(one_job_day(100), params), solve_engine(one_job_day(200), params)
    assert near.unserved == () and violations(one_job_day(100), near) == []
    assert far.unserved == (2,)


def test_a_pick_up_at_one_of_several_depots_serves_a_job_the_van_cannot() -> None:
    # the supply table has a column per depot, the day's pick-up nodes name only some
    data = one_job_day(60, depots=3)
    res = solve_engine(data, RoutingParams(time_limit_s=30, iterations=20))
    assert [v.node for v in res.routes[0]] == [3, 2]
    assert violations(data, res) == []
    without = _replace(data, pickup_needed=np.zeros((1, 4), dtype=bool))
    assert [
        v.node
        for v in solve_engine(without, RoutingParams(time_limit_s=30, iterations=20)).routes[0]
    ] == [2]


def test_solomon_plan_is_valid_by_the_benchmark_evaluation() -> None:
    inst = read_vrptw(SOLOMON / "R101.txt")
    res = solve_engine(vrptw_data(inst), RoutingParams(time_limit_s=30, iterations=500))
    routes = [[v.node for v in r] for r in res.routes if r]
    _, problems = vrptw_distance(inst, routes)
    assert problems == []


def test_trsp_plan_keeps_skills_tools_parts_and_windows() -> None:
    inst = read_pillac(next((TRSP / "pillac2013" / "crew25").glob("*.txt")))
    data = trsp_data(inst, travel_cost=False)
    res = solve_engine(data, RoutingParams(time_limit_s=60, iterations=300))
    k_n = inst.num_technicians
    routes = [[-1 if v.node < 2 * k_n else v.node - 2 * k_n for v in r] for r in res.routes]
    _, _, problems = trsp_evaluate(inst, routes)
    assert problems == []


def _replace(data: RoutingData, **changes: object) -> RoutingData:
    import dataclasses

    return dataclasses.replace(data, **changes)  # type: ignore[arg-type]
