"""Golden contract files and the CLI exit codes of plan / check / replan."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from fieldopt.check import check
from fieldopt.dispatch import DispatchPlan, replan
from fieldopt.errors import EXIT_BAD_INPUT
from fieldopt.options import SolveOptions
from fieldopt.scenario import read_scenario

DOCS = Path(__file__).parents[2] / "docs"
PLAN = DOCS / "examples" / "dispatch-plan.json"
EVENTS = DOCS / "examples" / "dispatch-events.json"


def fieldopt(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fieldopt", *args], capture_output=True, text=True, check=False
    )


def test_example_plan_round_trips_byte_for_byte(tmp_path: Path) -> None:
    plan = DispatchPlan.load(PLAN)
    assert plan.save(tmp_path / "p.json").read_text() == PLAN.read_text()


def test_example_plan_passes_the_checker() -> None:
    assert check(DispatchPlan.load(PLAN), read_scenario(DOCS / "examples" / "tiny")) == []


def test_example_events_replan_cleanly() -> None:
    scenario = read_scenario(DOCS / "examples" / "tiny")
    events = json.loads(EVENTS.read_text())
    result = replan(
        DispatchPlan.load(PLAN), "11:00", events, scenario, options=SolveOptions(time_limit_s=1)
    )
    assert check(result.plan, result.scenario) == []
    changes = {d["job_id"]: d["change"] for d in result.diff}
    assert changes["J4"] == "cancelled" and changes["J9"] == "added"
    assert "T2" not in {s.technician_id for s in result.plan.stops if s.end.hour >= 16}


def test_cli_check_exit_codes(tmp_path: Path) -> None:
    ok = fieldopt("check", str(PLAN), str(DOCS / "examples" / "tiny"))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    data = json.loads(PLAN.read_text())
    job = next(s for s in data["stops"] if s["job_id"] == "J3")
    job["start"] = job["start"].replace(job["start"][11:13], "07")
    bad_plan = tmp_path / "bad.json"
    bad_plan.write_text(json.dumps(data))
    bad = fieldopt("check", str(bad_plan), str(DOCS / "examples" / "tiny"))
    assert bad.returncode == EXIT_BAD_INPUT
    assert "time_window" in bad.stdout


def test_cli_plan_writes_plan_and_report(tmp_path: Path) -> None:
    out, report = tmp_path / "p.json", tmp_path / "p.html"
    res = fieldopt(
        "plan",
        str(DOCS / "examples" / "tiny"),
        "--date",
        "2026-11-24",
        "--time-limit",
        "1",
        "--out",
        str(out),
        "--report",
        str(report),
    )
    assert res.returncode == 0, res.stderr
    assert DispatchPlan.load(out).served_jobs() and report.stat().st_size > 1000


def test_cli_plan_bad_date_is_bad_input() -> None:
    res = fieldopt("plan", str(DOCS / "examples" / "tiny"), "--date", "24/11/2026")
    assert res.returncode == EXIT_BAD_INPUT
    assert "YYYY-MM-DD" in res.stderr
