"""Reproducibility, JSON/DB/HTML round trips, the checker catching broken schedules, the CLI,
the MSPSP path and the golden contract example."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from benchmarks.loaders.mspsp import read_mspsp
from benchmarks.scheduling.mspsp_data import from_mspsp, mspsp_violations
from fieldopt.check import check
from fieldopt.cli import app
from fieldopt.errors import EXIT_BAD_INPUT, InputError
from fieldopt.io.files import dumps_strict
from fieldopt.reasons import ReasonCode
from fieldopt.scenario import read_scenario
from fieldopt.schedule.api import Progress, SolveOptions, schedule_repairs
from fieldopt.schedule.result import RepairSchedule
from fieldopt.schedule.store import load_schedule, save_schedule
from fieldopt.translate.scheduling import read_back, translate_schedule
from solvers.result import SolveReport, Status
from solvers.scheduling.data import SchedulingData, SchedulingParams
from solvers.scheduling.solve import SchedulingResult, solve_scheduling

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "docs" / "examples" / "tiny"
GOLDEN = ROOT / "docs" / "examples" / "schedule-tiny.json"
MSPSP = ROOT / "data/benchmarks/mspsp/instances/set-1/set-1a/inst_set1a_sf0.5_nc1.5_n20_m10_01.dzn"


@pytest.fixture(scope="module")
def tiny_schedule() -> RepairSchedule:
    return schedule_repairs(
        read_scenario(TINY), dt.date(2026, 11, 24), 2, options=SolveOptions(10, workers=1)
    )


def test_tiny_is_valid_and_reproducible(tiny_schedule: RepairSchedule) -> None:
    scen = read_scenario(TINY)
    assert check(tiny_schedule, scen) == []
    again = schedule_repairs(scen, dt.date(2026, 11, 24), 2, options=SolveOptions(10, workers=1))
    assert again.assignments == tiny_schedule.assignments
    assert again.outsourced == tiny_schedule.outsourced


def test_json_and_database_round_trip(tiny_schedule: RepairSchedule, tmp_path: Path) -> None:
    path = tiny_schedule.save(tmp_path / "s.json")
    loaded = RepairSchedule.load(path)
    assert loaded.to_json() == tiny_schedule.to_json()
    url = f"sqlite:///{tmp_path / 'p.db'}"
    pid = save_schedule(tiny_schedule, url)
    assert load_schedule(url, pid).to_json() == tiny_schedule.to_json()


def test_html_report(tiny_schedule: RepairSchedule, tmp_path: Path) -> None:
    out = tiny_schedule.to_html(tmp_path / "r.html")
    text = out.read_text(encoding="utf-8")
    assert "Per technician" in text and "Per intervention" in text


def test_checker_catches_overlap_and_shift(tiny_schedule: RepairSchedule) -> None:
    scen = read_scenario(TINY)
    first = tiny_schedule.assignments[0]
    moved = dataclasses.replace(
        first, start=first.start.replace(hour=20), end=first.end.replace(hour=21)
    )
    broken = dataclasses.replace(tiny_schedule, assignments=(moved, *tiny_schedule.assignments[1:]))
    rules = {v.rule for v in check(broken, scen)}
    assert "shift" in rules
    clash = dataclasses.replace(tiny_schedule.assignments[0], job_id="J4", skill=None)
    dup = dataclasses.replace(tiny_schedule, assignments=(*tiny_schedule.assignments, clash))
    assert "overlap" in {v.rule for v in check(dup, scen)}


def test_golden_contract_example(tiny_schedule: RepairSchedule) -> None:
    """``docs/examples/schedule-tiny.json`` is what the command in docs/contract-schedule.md
    writes: read and written again, and solved again, it is the same bytes (but the run time)."""
    text = GOLDEN.read_text(encoding="utf-8")
    golden = json.loads(text)
    assert golden["format"] == RepairSchedule.FORMAT
    assert check(RepairSchedule.from_json(golden), read_scenario(TINY)) == []
    assert dumps_strict(RepairSchedule.load(GOLDEN).to_json()) == text
    fresh = tiny_schedule.to_json()
    fresh["report"]["runtime_s"] = golden["report"]["runtime_s"]
    assert dumps_strict(fresh) == text


def test_cli_schedule(tmp_path: Path) -> None:
    out, report = tmp_path / "s.json", tmp_path / "s.html"
    result = CliRunner().invoke(
        app,
        [
            "schedule",
            str(TINY),
            "--days",
            "2",
            "--time-limit",
            "5",
            "--workers",
            "1",
            "--out",
            str(out),
            "--report",
            str(report),
        ],
    )
    assert result.exit_code == 0, result.output
    assert check(RepairSchedule.load(out), read_scenario(TINY)) == []
    assert report.exists()


def test_cli_bad_objective_is_bad_input() -> None:
    with pytest.raises(InputError, match="objective"):
        schedule_repairs(read_scenario(TINY), objective="cheapest")


def test_mspsp_instance_solves_feasibly() -> None:
    inst = read_mspsp(MSPSP)
    res = solve_scheduling(
        from_mspsp(inst), SchedulingParams(objective="makespan", time_limit_s=20, workers=1)
    )
    assert res.report.status.has_solution
    assert mspsp_violations(inst, res.start.tolist(), [list(t) for t in res.team]) == []
    assert res.report.objective >= inst.makespan_lower_bound  # type: ignore[operator]
    assert res.report.bound <= res.report.objective  # type: ignore[operator]


def test_redundant_cumulatives_keep_optimum() -> None:
    inst = read_mspsp(MSPSP)
    objs = [
        solve_scheduling(
            from_mspsp(inst),
            SchedulingParams(objective="makespan", time_limit_s=20, workers=1, redundant=r),
        ).report
        for r in (True, False)
    ]
    if all(o.status == "optimal" for o in objs):
        assert objs[0].objective == objs[1].objective


def test_data_error_names_object_and_field() -> None:
    with pytest.raises(ValueError, match="toy: activity 0: team_size"):
        SchedulingData(
            name="toy",
            horizon=10,
            duration=np.ones((1, 1), np.int64),
            sreq=np.array([[2]]),
            mastery=np.array([[True]]),
        )


def test_greedy_warm_start_is_feasible_on_mspsp() -> None:
    from solvers.scheduling.greedy import greedy_schedule

    inst = read_mspsp(MSPSP)
    g = greedy_schedule(from_mspsp(inst))
    assert min(g.start) >= 0
    assert mspsp_violations(inst, list(g.start), [list(t) for t in g.team]) == []


def test_rescheduling_from_previous(tiny_schedule: RepairSchedule) -> None:
    scen = read_scenario(TINY)
    again = schedule_repairs(
        scen, dt.date(2026, 11, 24), 2, options=SolveOptions(10, workers=1), previous=tiny_schedule
    )
    assert check(again, scen) == []
    assert again.report.objective == tiny_schedule.report.objective


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--time-limit", "nan"], "--time-limit"),
        (["--time-limit", "inf"], "--time-limit"),
        (["--time-limit", "0"], "--time-limit"),
        (["--time-limit", "-5"], "--time-limit"),
        (["--workers", "0"], "--workers"),
        (["--seed", "-1"], "--seed"),
        (["--budget", "-100"], "--budget"),
    ],
)
def test_cli_bad_solve_options_exit_2_naming_the_flag(flags: list[str], named: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "fieldopt", "schedule", str(TINY), "--days", "2", *flags],
        capture_output=True,
        text=True,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == EXIT_BAD_INPUT, result.stdout + result.stderr
    assert named in result.stderr and "Traceback" not in result.stderr


def test_other_formats_are_refused(tiny_schedule: RepairSchedule, tmp_path: Path) -> None:
    doc = tiny_schedule.to_json()
    with pytest.raises(InputError, match=r"format: expected 'fieldopt\.schedule/2'"):
        RepairSchedule.from_json({**doc, "format": "fieldopt.dispatch/1"})
    old = tmp_path / "old.json"
    old.write_text(json.dumps({**doc, "format": "fieldopt.schedule/1"}), encoding="utf-8")
    with pytest.raises(InputError, match="earlier fieldopt"):
        RepairSchedule.load(old)


def test_saved_json_is_strict(tiny_schedule: RepairSchedule, tmp_path: Path) -> None:
    # A budget of None and a gap are written as null, never NaN.
    text = tiny_schedule.save(tmp_path / "s.json").read_text(encoding="utf-8")

    def refuse(name: str) -> None:
        raise AssertionError(f"{name} in strict JSON")

    doc = json.loads(text, parse_constant=refuse)
    assert doc["params"]["outsource_budget"] is None


def test_no_solution_lists_every_job_with_the_status() -> None:
    scen = read_scenario(TINY)
    tr = translate_schedule(scen, dt.date(2026, 11, 24), 2)
    n = tr.data.num_activities
    nothing = SchedulingResult(
        report=SolveReport(Status.TIMEOUT, "UNKNOWN", 1.0),
        start=np.full(n, -1, np.int64),
        end=np.full(n, -1, np.int64),
        team=((),) * n,
        outsourced=np.zeros(n, np.bool_),
        dropped=np.zeros(n, np.bool_),
        pieces=((),) * n,
    )
    sched = read_back(tr, nothing, scen, "weighted_tardiness", {})
    assert sched.status is Status.TIMEOUT and not sched.assignments
    assert set(sched.unassigned) == set(tr.job_ids) == {"J1", "J2", "J3", "J4"}
    assert {r.code for r in sched.unassigned.values()} == {ReasonCode.NO_SOLUTION}
    assert sched.unassigned["J1"].facts == {"status": "timeout-without-solution"}
    assert check(sched, scen) == []  # every job accounted for


def test_progress_events_reach_the_callback() -> None:
    events: list[Progress] = []
    sched = schedule_repairs(
        read_scenario(TINY),
        dt.date(2026, 11, 24),
        2,
        options=SolveOptions(10, workers=1, progress=events.append),
    )
    assert events and all(isinstance(e, Progress) for e in events)
    assert all(e.elapsed_s >= 0 for e in events)
    solutions = [e.objective for e in events if e.objective is not None]
    assert solutions and solutions[-1] == sched.report.objective
