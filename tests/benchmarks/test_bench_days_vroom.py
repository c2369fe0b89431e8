"""VROOM on reduced days (``fieldopt bench days --compare vroom``): each feature given to
VROOM binds in its plan, the plans pass the independent checker, and the rows name engines."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from benchmarks.compare import vroom_day
from benchmarks.days import reduce_day
from benchmarks.dispatch_scale import DAY, generated_day
from fieldopt.check import check
from fieldopt.cli import app
from fieldopt.errors import EXIT_OK, InputError
from fieldopt.scenario import Scenario, scenario_from_frames

pytest.importorskip("vroom")

EditFn = Callable[[dict[str, pd.DataFrame]], None]


def edited(scenario: Scenario, edit: EditFn) -> Scenario:
    frames = scenario.to_frames()
    edit(frames)
    return scenario_from_frames(frames, scenario.name, base_dir=scenario.base_dir)


def at(hhmm: str) -> pd.Timestamp:
    return pd.Timestamp(f"{DAY} {hhmm}")


# ------------------------------------------------------------------------- the VROOM runner


def vroom_plan(scenario: Scenario) -> tuple[dict[str, list[object]], object]:
    """VROOM's plan of ``scenario``, checked: (stops per job, plan)."""
    plan = vroom_day.plan_with_vroom(scenario, DAY)
    assert check(plan, scenario) == []
    return plan.served_jobs(), plan


def test_vroom_plans_a_generated_day_that_passes_the_checker() -> None:
    scenario = reduce_day(generated_day(20, 1), DAY)
    plan = vroom_day.plan_with_vroom(scenario, DAY)
    assert check(plan, scenario) == []
    assert plan.details["engine"] == "vroom"
    served = set(plan.served_jobs())
    assert served and served.isdisjoint(plan.unassigned)
    assert served | set(plan.unassigned) == set(scenario.jobs["id"])
    for tech, stops in plan.routes().items():  # a technician with work has the lunch
        breaks = [s for s in stops if s.kind == "break"]
        assert len(breaks) == 1, tech
        assert dt.time(11, 30) <= breaks[0].start.time() <= dt.time(13, 30)
        assert (breaks[0].end - breaks[0].start).total_seconds() == 30 * 60


def test_a_day_with_teams_or_parts_is_refused_not_planned_under_other_rules(
    tiny: Scenario, reduced_tiny: Scenario
) -> None:
    with pytest.raises(InputError, match=r"team jobs.*precedences.*overtime.*SLA"):
        vroom_day.plan_with_vroom(tiny, DAY)
    vroom_day.plan_with_vroom(reduced_tiny, DAY)


@pytest.mark.parametrize(("held", "needed"), [(lv, m) for lv in range(1, 6) for m in range(1, 6)])
def test_skill_codes_give_a_job_to_a_technician_at_or_above_its_level(
    held: int, needed: int
) -> None:
    codes = vroom_day.SkillCodes()
    has = codes.held({"hvac": held, "gas": 5})
    assert (codes.code("hvac", needed) in has) == (held >= needed)


@pytest.mark.parametrize(("min_level", "technician"), [(3, "T2"), (2, "T1")])
def test_a_skill_level_above_a_technician_gives_the_job_to_one_who_holds_it(
    reduced_tiny: Scenario, min_level: int, technician: str
) -> None:
    # J3 alone, needing hvac at min_level: T1 (hvac 2) lives nearer than T2 (hvac 5)
    def only_j3(f: dict[str, pd.DataFrame]) -> None:
        f["jobs"] = f["jobs"][f["jobs"]["id"] == "J3"]
        for name in ("job_windows", "job_skills"):
            f[name] = f[name][f[name]["job_id"] == "J3"]
        f["job_skills"]["min_level"] = min_level

    jobs, _ = vroom_plan(edited(reduced_tiny, only_j3))
    assert [s.technician_id for s in jobs["J3"]] == [technician]  # type: ignore[attr-defined]


@pytest.mark.parametrize(("second_window", "served"), [(True, True), (False, False)])
def test_a_second_window_is_used_when_the_first_is_out_of_reach(
    reduced_tiny: Scenario, second_window: bool, served: bool
) -> None:
    # T1 (the only electrician) starts at 11:00: J1's 08-10 window is out of reach
    def late_shift(f: dict[str, pd.DataFrame]) -> None:
        shifts = f["shifts"]
        shifts.loc[shifts["technician_id"] == "T1", "start"] = at("11:00")
        if not second_window:
            w = f["job_windows"]
            f["job_windows"] = w[~((w["job_id"] == "J1") & (w["start"] == at("14:00")))]

    jobs, _ = vroom_plan(edited(reduced_tiny, late_shift))
    assert ("J1" in jobs) == served
    if served:
        assert at("14:00") <= jobs["J1"][0].start <= at("16:00")  # type: ignore[attr-defined]


@pytest.mark.parametrize(("factor", "minutes"), [(10.0, 40.5), (0.0, 45.0)])
def test_service_time_is_the_technicians_own(
    reduced_tiny: Scenario, factor: float, minutes: float
) -> None:
    # J1: 45 min at level 3; T1 holds electrical 4, so 10 % per level makes it 40.5 min
    def set_factor(f: dict[str, pd.DataFrame]) -> None:
        f["jobs"].loc[f["jobs"]["id"] == "J1", "level_factor_pct"] = factor

    jobs, _ = vroom_plan(edited(reduced_tiny, set_factor))
    [stop] = jobs["J1"]
    assert (stop.end - stop.start).total_seconds() == minutes * 60  # type: ignore[attr-defined]


@pytest.mark.parametrize(("j1", "j4", "winner"), [(1, 4, "J1"), (4, 1, "J4")])
def test_the_more_urgent_of_two_jobs_that_cannot_both_fit_is_served(
    reduced_tiny: Scenario, j1: int, j4: int, winner: str
) -> None:
    # T1 alone; J1 and J4 must both start 14:00-14:05 and last an hour
    def clash(f: dict[str, pd.DataFrame]) -> None:
        f["shifts"] = f["shifts"][f["shifts"]["technician_id"] == "T1"]
        jobs = f["jobs"]
        jobs = jobs[jobs["id"].isin(["J1", "J4"])].copy()
        jobs["duration_min"] = 60
        jobs["priority"] = [j1, j4]
        f["jobs"] = jobs
        f["job_skills"] = f["job_skills"][f["job_skills"]["job_id"] == "J1"]
        f["job_windows"] = pd.DataFrame(
            {"job_id": ["J1", "J4"], "start": [at("14:00")] * 2, "end": [at("14:05")] * 2}
        )

    jobs, _ = vroom_plan(edited(reduced_tiny, clash))
    assert list(jobs) == [winner]


# ---------------------------------------------------------------------------------- the CLI
def test_bench_days_writes_a_checked_row_per_day_and_engine(tmp_path: Path) -> None:
    out = tmp_path / "days.json"
    args = ["bench", "days", "--jobs", "20", "--seeds", "1,2", "--time-limit", "1"]
    result = CliRunner().invoke(app, [*args, "--compare", "vroom", "--json", str(out)])
    assert result.exit_code == EXIT_OK, result.output
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert [(r["jobs"], r["seed"]) for r in rows] == [(20, 1), (20, 1), (20, 2), (20, 2)]
    ours, vroom = rows[0]["engine"], rows[1]["engine"]
    assert vroom == "vroom" and ours and ours != "vroom"
    assert [r["engine"] for r in rows] == [ours, "vroom", ours, "vroom"]
    for r in rows:
        assert r["violations"] == 0 and r["error"] is None
        assert r["served"] == sum(r["served_by_priority"].values()) > 0
        by = r["served_by_priority"]
        score = 1000 * by["critical"] + 100 * by["high"] + 10 * by["normal"] + by["low"]
        assert r["weighted_score"] == score
        assert r["travel_s_per_served_job"] == round(r["travel_s"] / r["served"], 1)
    assert rows[0]["jobs_today"] == rows[1]["jobs_today"]  # the same reduced day
    assert "medians per size and engine" in result.output
