"""A schedule's day handed to dispatch: the day's visits become the day's jobs, with the
schedule's minutes and technicians; dispatch plans them and the checker accepts the plan."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fieldopt.check import check
from fieldopt.cli import app
from fieldopt.dispatch import DispatchPlan, plan_routes
from fieldopt.errors import InputError
from fieldopt.options import SolveOptions
from fieldopt.reasons import ReasonCode
from fieldopt.scenario import read_scenario, scenario_from_frames
from fieldopt.schedule.api import schedule_repairs
from fieldopt.schedule.handoff import day_scenario
from fieldopt.schedule.result import RepairSchedule
from fieldopt.translate.routing.day import candidate_jobs, day_context, job_windows_on
from fieldopt.translate.routing.screen import screen_jobs

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "docs" / "examples" / "tiny"
SAMPLE = ROOT / "data" / "sample"
DAY1, DAY2 = dt.date(2026, 11, 24), dt.date(2026, 11, 25)


def schedule(scenario_dir: Path = TINY) -> RepairSchedule:
    scen = read_scenario(scenario_dir)
    sched = schedule_repairs(scen, DAY1, 2, options=SolveOptions(10, workers=1))
    assert check(sched, scen) == []
    return sched


def test_day_scenario_keeps_the_days_visits_with_their_minutes_and_technician() -> None:
    scen, sched = read_scenario(TINY), schedule()
    day = day_scenario(scen, sched, DAY1)
    visits = {
        j: (start, end, team)
        for j, (start, end, team) in sched.jobs().items()
        if start.date() == DAY1
    }
    assert visits, "the tiny schedule has work on its first day"
    jobs = day.jobs.set_index("id")
    assert set(jobs.index) == set(visits)
    for j, (start, end, team) in visits.items():
        assert jobs.loc[j, "duration_min"] == int((end - start).total_seconds() // 60)
        assert jobs.loc[j, "level_factor_pct"] == 0.0
        if len(team) == 1:
            assert jobs.loc[j, "pin_technician_id"] == team[0]
    # Predecessors and skills only between kept jobs.
    assert set(day.job_skills["job_id"]) <= set(visits)
    assert set(day.job_predecessors["predecessor_id"]) <= set(visits)


def test_dispatch_plans_the_days_visits_and_respects_their_technicians() -> None:
    scen, sched = read_scenario(TINY), schedule()
    day = day_scenario(scen, sched, DAY1)
    plan: DispatchPlan = plan_routes(day, DAY1, options=SolveOptions(time_limit_s=5, seed=0))
    assert check(plan, day) == []
    served = plan.served_jobs()
    pins = day.jobs.set_index("id")["pin_technician_id"].dropna().to_dict()
    for j, stops in served.items():
        if j in pins:
            assert [s.technician_id for s in stops] == [pins[j]]


def test_a_split_job_is_handed_over_visit_by_visit() -> None:
    # J3 (T2's, 10 h, its start window dropped) fits no shift: it is split over both days.
    frames = read_scenario(TINY).to_frames()
    jobs = frames["jobs"]
    jobs.loc[jobs["id"] == "J3", ["duration_min", "splittable"]] = [600, True]
    frames["job_windows"] = frames["job_windows"][frames["job_windows"]["job_id"] != "J3"]
    scen = scenario_from_frames(frames, "tiny-split")
    sched = schedule_repairs(scen, DAY1, 2, options=SolveOptions(10, workers=1))
    assert check(sched, scen) == []
    visits = sched.visits()["J3"]
    assert len(visits) == 2
    for (start, end), day in zip(visits, (DAY1, DAY2), strict=True):
        assert start.date() == day
        row = day_scenario(scen, sched, day).jobs.set_index("id").loc["J3"]
        assert row["duration_min"] == int((end - start).total_seconds() // 60)
        assert not row["splittable"]


def test_unknown_job_in_the_schedule_is_named() -> None:
    scen, sched = read_scenario(TINY), schedule()
    stray = dataclasses.replace(sched.assignments[0], job_id="J99")
    bad = dataclasses.replace(sched, assignments=(*sched.assignments, stray))
    with pytest.raises(InputError, match="J99"):
        day_scenario(scen, bad, DAY1)


def test_cli_plan_from_a_schedule(tmp_path: Path) -> None:
    path = schedule().save(tmp_path / "s.json")
    out = tmp_path / "plan.json"
    args = ["plan", str(TINY), "--date", DAY1.isoformat(), "--time-limit", "5"]
    result = CliRunner().invoke(app, [*args, "--schedule", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    plan = DispatchPlan.load(out)
    scheduled = {j for j, (s, _, _) in RepairSchedule.load(path).jobs().items() if s.date() == DAY1}
    assert set(plan.served_jobs()) | {u.job_id for u in plan.unassigned} == scheduled


SKILL_CODES = {ReasonCode.NO_QUALIFIED_TECHNICIAN, ReasonCode.PIN_UNAVAILABLE}


def test_every_visit_of_the_sample_schedule_passes_dispatch_screening_for_skills() -> None:
    """Scheduling and dispatch qualify teams by the same rule (fieldopt.view.team_qualifies):
    each team has ``technicians_needed`` members and no visit handed over is screened out for
    skills. 18 of the sample's jobs need one technician holding two skills: they used to be
    scheduled for two technicians each holding one, and handed over unpinned (dispatch then
    chose anyone holding both, if one worked that day); now each goes, pinned, to the one
    technician the schedule chose."""
    scen = read_scenario(SAMPLE)
    sched = schedule_repairs(scen, DAY1, 5, options=SolveOptions(5, workers=1))
    assert check(sched, scen) == []
    team: dict[str, set[str]] = {}
    for a in sched.assignments:
        team.setdefault(a.job_id, set()).add(a.technician_id)
    needed = scen.jobs.set_index("id")["technicians_needed"].to_dict()
    assert all(len(t) == needed[j] for j, t in team.items())
    two_skills = {j for j, r in scen.view.requirements.items() if len(r) > 1 and needed[j] == 1}
    days = sorted({s.date() for s, _, _ in sched.jobs().values()})
    assert len(days) >= 3
    alone = 0
    for day in days:
        part = day_scenario(scen, sched, day)
        jobs = candidate_jobs(part.view, day)
        ctx = day_context(part, day, jobs)
        eligible, screened = screen_jobs(ctx, jobs, job_windows_on(part.view, day))
        assert {j: r for j, r in screened.items() if r.code in SKILL_CODES} == {}, day
        for j in two_skills & set(eligible):
            (tech,) = team[j]
            assert [ctx.technicians[k] for k in eligible[j][0]] == [tech]
            alone += 1
    assert alone >= 5, "the sample's schedule hands over jobs needing one technician, two skills"
