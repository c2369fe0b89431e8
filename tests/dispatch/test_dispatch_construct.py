"""First plans: the day engine's construction (teams and precedences as units, the re-planning
warm start kept), and the OR-Tools back-end's (``solvers/routing/construct.py``, its fallback
and ``construct=False``), kept as a comparison. Every plan goes through the independent
checker."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from fieldopt.check import check
from fieldopt.dispatch import DispatchPlan, plan_routes, replan
from fieldopt.generate import generate_scenario
from fieldopt.options import SolveOptions
from fieldopt.scenario import Scenario, read_scenario
from fieldopt.translate.routing import build_problem
from solvers.routing import RoutingParams, solve_routing
from solvers.routing.construct import construct
from solvers.routing.data import NO_VALUE, RoutingData
from solvers.routing.result import RoutingResult

DAY = "2026-11-24"


@pytest.fixture
def two_techs_four_jobs(tiny_dir: Path) -> Scenario:
    return read_scenario(tiny_dir)


@pytest.fixture(scope="module")
def six_techs_sixty_jobs() -> Scenario:
    return generate_scenario(
        technicians=6, jobs=60, parts=30, depots=2, seed=3, days=1, name="six_techs_sixty_jobs"
    )


def first_plan(s: Scenario, **kw: object) -> DispatchPlan:
    """The day engine's first plan: no search iteration after its construction."""
    plan = plan_routes(s, DAY, options=SolveOptions(time_limit_s=30, seed=0), iterations=0, **kw)  # type: ignore[arg-type]
    assert check(plan, s) == []
    return plan


def ortools_plan(s: Scenario, monkeypatch: pytest.MonkeyPatch, **params: object) -> DispatchPlan:
    """A plan from the OR-Tools back-end (a comparison, not what ``plan_routes`` uses),
    read back and checked as ``plan_routes`` does."""
    import fieldopt.dispatch.api as api

    def solve(data: RoutingData, given: RoutingParams, progress: object = None) -> RoutingResult:
        return solve_routing(data, dataclasses.replace(given, backend="ortools", **params))  # type: ignore[arg-type]

    monkeypatch.setattr(api, "solve_routing", solve)
    return plan_routes(s, DAY, options=SolveOptions(time_limit_s=30, seed=0))


def test_construction_is_the_first_plan_and_checks_clean(
    six_techs_sixty_jobs: Scenario,
) -> None:
    plan = first_plan(six_techs_sixty_jobs)
    assert plan.details["first_solution"] == "ENGINE_CONSTRUCTION"
    assert plan.report.raw_status.startswith("ENGINE_OK iterations=0 ")
    assert len(plan.served_jobs()) >= 15  # of 59 jobs for 6 technicians; about 22 fit
    for tech, stops in plan.routes().items():  # lunch in every working day
        if any(s.kind == "job" for s in stops):
            assert [s.kind for s in stops].count("break") == 1, tech


def test_constructed_routes_respect_windows_skills_shift_and_break(
    six_techs_sixty_jobs: Scenario,
) -> None:
    d = build_problem(six_techs_sixty_jobs, dt.date(2026, 11, 24)).data
    cons = construct(d)
    served = [i for r in cons.routes for i in r]
    assert served and len(served) == len(set(served))
    assert set(cons.unserved) | set(served) == set(d.visit_nodes)
    for k, sch in enumerate(cons.schedules):
        veh = d.vehicles[k]
        assert sch.end <= veh.shift_end + veh.overtime_max
        if sch.nodes and veh.break_duration:
            assert sch.break_start is not None
            assert veh.break_earliest <= sch.break_start <= veh.break_latest
        for i, s in zip(sch.nodes, sch.starts, strict=True):
            assert d.allowed[k, i]
            wins = d.windows[i]
            if d.fixed_start[i] != NO_VALUE:
                assert s == d.fixed_start[i]
            elif wins:
                assert any(a <= s <= b for a, b in wins)


def test_construction_serves_teams_and_precedences(two_techs_four_jobs: Scenario) -> None:
    plan = first_plan(two_techs_four_jobs)
    assert plan.served_jobs()["J1"][0].technician_id == "T1"  # only T1 holds electrical
    # J2 is a team job (with a part from a depot), J3 → J4 a precedence: inserted as units
    assert set(plan.served_jobs()) == {"J1", "J2", "J3", "J4"}


def test_ortools_construction_only_fallback_checks_clean(
    six_techs_sixty_jobs: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ortools.constraint_solver import pywrapcp

    # OR-Tools cannot restore the start and no time is left: the constructed plan is returned
    monkeypatch.setattr(pywrapcp.RoutingModel, "RoutesToAssignment", lambda *_a, **_k: False)
    plan = ortools_plan(six_techs_sixty_jobs, monkeypatch, time_limit_s=0.01)
    assert plan.report.raw_status == "CONSTRUCTION_ONLY"
    assert len(plan.served_jobs()) >= 20
    assert check(plan, six_techs_sixty_jobs) == []


def test_ortools_construct_false_uses_its_own_strategy(
    six_techs_sixty_jobs: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = ortools_plan(six_techs_sixty_jobs, monkeypatch, construct=False, solution_limit=1)
    assert plan.details["first_solution"] == "PARALLEL_CHEAPEST_INSERTION"
    assert plan.details["construct_s"] is None
    assert check(plan, six_techs_sixty_jobs) == []


def test_same_seed_same_construction(six_techs_sixty_jobs: Scenario) -> None:
    a = first_plan(six_techs_sixty_jobs)
    b = first_plan(six_techs_sixty_jobs)
    assert [s.to_json() for s in a.stops] == [s.to_json() for s in b.stops]


def test_warm_start_routes_are_read_as_given(six_techs_sixty_jobs: Scenario) -> None:
    # The routes are node numbers; OR-Tools wants variable indices (they differ: the
    # terminals come first). Read correctly, the first solution is exactly these routes.
    d = build_problem(six_techs_sixty_jobs, dt.date(2026, 11, 24)).data
    routes = construct(d).routes
    params = RoutingParams(
        time_limit_s=30, backend="ortools", construct=False, initial_routes=routes, solution_limit=1
    )
    res = solve_routing(d, params)
    assert res.first_solution == "WARM_START"
    assert tuple(tuple(v.node for v in r) for r in res.routes) == routes


def test_replan_warm_starts_from_the_morning_plan(six_techs_sixty_jobs: Scenario) -> None:
    morning = plan_routes(six_techs_sixty_jobs, DAY, options=SolveOptions(time_limit_s=2, seed=0))
    assert check(morning, six_techs_sixty_jobs) == []
    cancelled = sorted(morning.served_jobs())[0]
    result = replan(
        morning,
        "07:00",
        [{"type": "cancel", "job_id": cancelled}],
        six_techs_sixty_jobs,
        options=SolveOptions(time_limit_s=30),
        iterations=0,
    )
    assert check(result.plan, result.scenario) == []
    assert result.plan.details["warm_start"] is True
    assert result.plan.details["first_solution"] == "WARM_START+ENGINE_CONSTRUCTION"
    # the first solution keeps the morning's other jobs with their technician, in order
    before = {t: [s.job_id for s in r if s.kind == "job"] for t, r in morning.routes().items()}
    after = {t: [s.job_id for s in r if s.kind == "job"] for t, r in result.plan.routes().items()}
    for tech, jobs in before.items():
        kept = [j for j in after.get(tech, []) if j in jobs]  # freed time may take more jobs
        assert kept == [j for j in jobs if j != cancelled]


def test_service_classes_share_where_technicians_agree(six_techs_sixty_jobs: Scenario) -> None:
    from solvers.routing.model import service_classes

    d = build_problem(six_techs_sixty_jobs, dt.date(2026, 11, 24)).data
    rows, of_vehicle = service_classes(d)
    assert len(rows) < d.num_vehicles  # here 2 classes for 6 technicians
    for k, veh in enumerate(d.vehicles):  # each class row agrees wherever its vehicle may go
        row = rows[of_vehicle[k]][0]
        rel = d.allowed[k].copy()
        rel[[veh.start_node, veh.end_node]] = True
        assert (row[rel] == d.service[k][rel]).all()
    # two vehicles with different service on a node both may visit never share a class
    for a in range(d.num_vehicles):
        for b in range(a + 1, d.num_vehicles):
            both = d.allowed[a] & d.allowed[b]
            if (d.service[a][both] != d.service[b][both]).any():
                assert of_vehicle[a] != of_vehicle[b]
