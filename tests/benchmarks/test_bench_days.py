"""``fieldopt bench days``: the reduction to what VROOM plans too, bad options, medians (VROOM's
plans and the command's rows: ``test_bench_days_vroom.py``)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from benchmarks.cli import MAX_DAY_JOBS, _counts
from benchmarks.days import medians, reduce_day
from benchmarks.dispatch_scale import DAY, generated_day
from fieldopt.errors import EXIT_BAD_INPUT, InputError
from fieldopt.scenario import Scenario


# ------------------------------------------------------------------------------ reduce_day
def test_reduce_day_drops_teams_precedences_parts_overtime_slas_and_pins(
    tiny: Scenario, reduced_tiny: Scenario
) -> None:
    # the tiny day has each of them: a team job J2, J4 after J3, parts, T1's overtime,
    # SLAs on J1 and J2, J3 pinned to T2
    assert (tiny.jobs["technicians_needed"] > 1).any() and len(tiny.job_predecessors)
    assert len(tiny.job_parts) and tiny.technicians["overtime_max_min"].max() > 0
    assert tiny.jobs["sla_deadline"].notna().any() and tiny.jobs["pin_technician_id"].notna().any()
    r = reduced_tiny
    assert list(r.jobs["id"]) == ["J1", "J3", "J4"]
    assert r.job_predecessors.empty and r.job_parts.empty
    assert set(r.job_skills["job_id"]) <= {"J1", "J3", "J4"}
    assert (r.technicians["overtime_max_min"] == 0).all()
    assert (r.technicians["overtime_cost_per_hour"] == 0).all()
    assert r.jobs["sla_deadline"].isna().all()
    assert r.jobs["pin_technician_id"].isna().all() and r.jobs["pin_start"].isna().all()


def test_reduce_day_keeps_skills_levels_windows_shifts_lunch_and_priorities(
    tiny: Scenario, reduced_tiny: Scenario
) -> None:
    r = reduced_tiny
    kept = ["J1", "J3", "J4"]
    assert r.job_windows.equals(tiny.job_windows)  # J1 keeps both of its windows
    assert (r.job_windows["job_id"] == "J1").sum() == 2
    skills = tiny.job_skills[tiny.job_skills["job_id"].isin(kept)]
    assert r.job_skills.reset_index(drop=True).equals(skills.reset_index(drop=True))
    assert r.technician_skills.equals(tiny.technician_skills)
    lunch = ["lunch_earliest", "lunch_latest", "lunch_duration_min"]
    assert r.technicians[lunch].equals(tiny.technicians[lunch])
    original = tiny.jobs.set_index("id").loc[kept]
    assert list(r.jobs["priority"]) == list(original["priority"])
    assert list(r.jobs["level_factor_pct"]) == list(original["level_factor_pct"])
    on_day = tiny.shifts[tiny.shifts["start"].dt.date == DAY]
    assert r.shifts.reset_index(drop=True).equals(on_day.reset_index(drop=True))


def test_reduce_day_of_a_generated_day_keeps_every_single_technician_job_of_the_day() -> None:
    day = generated_day(60, 1)
    r = reduce_day(day, DAY)
    today = day.jobs[day.jobs["status"].isin(["open", "scheduled"])]
    singles = set(today.loc[today["technicians_needed"] == 1, "id"])
    assert set(r.jobs["id"]) == singles
    assert (day.jobs["technicians_needed"] > 1).any()  # the reduction removed something
    assert r.summary()["multi_technician_jobs"] == r.summary()["jobs_needing_parts"] == 0
    assert r.summary()["jobs_with_sla"] == r.summary()["precedences"] == 0


# ---------------------------------------------------------------------------------- the CLI
@pytest.mark.parametrize(
    ("option", "value", "why"),
    [
        ("--jobs", ["20,x"], "expected integers separated by commas, got 'x'"),
        ("--jobs", ["0"], "each value from 1 to 100000, got 0"),
        ("--seeds", ["3", "-1"], "each value from 0 to 2147483647, got -1"),
        ("--jobs", [","], "give at least one value"),
    ],
)
def test_bad_sizes_and_seeds_are_bad_input_naming_the_option(
    option: str, value: list[str], why: str
) -> None:
    high = MAX_DAY_JOBS if option == "--jobs" else 2**31 - 1
    with pytest.raises(InputError, match=re.escape(f"{option}: {why}")):
        _counts(value, option, 1 if option == "--jobs" else 0, high)


def test_sizes_and_seeds_are_given_with_commas_or_repeated_each_once() -> None:
    assert _counts(["200,1000", "200", " 3000 "], "--jobs", 1, MAX_DAY_JOBS) == [200, 1000, 3000]


def test_a_bad_size_exits_as_bad_input_before_any_day_is_planned() -> None:
    code = (
        "import sys; sys.argv = ['fieldopt', *sys.argv[1:]]; from fieldopt.cli import main; main()"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, "bench", "days", "--jobs", "20,x"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == EXIT_BAD_INPUT, run.stderr
    assert "--jobs" in run.stderr and "Traceback" not in run.stderr


def test_medians_per_size_and_engine_skip_runs_without_a_plan() -> None:
    def row(engine: str, seed: int, served: int | None) -> dict[str, object]:
        by = None if served is None else {"critical": 1, "high": 0, "normal": served, "low": 0}
        return {
            "engine": engine,
            "jobs": 20,
            "seed": seed,
            "jobs_today": 19,
            "technicians": 5,
            "served": served,
            "served_by_priority": by,
            "weighted_score": None if served is None else 1000 + 10 * served,
            "travel_s": None,
            "travel_s_per_served_job": None,
            "wall_s": 1.0,
            "violations": 0,
        }

    m = medians([row("day", 1, 10), row("day", 2, None), row("day", 3, 14), row("vroom", 1, 9)])
    day, vroom = m
    assert (day["engine"], day["runs"], day["served"]) == ("day", 3, 12)
    assert day["served_by_priority"] == {"critical": 1, "high": 0, "normal": 12, "low": 0}
    assert day["travel_s_per_served_job"] is None
    assert (vroom["engine"], vroom["runs"], vroom["served"]) == ("vroom", 1, 9)
