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


def test_cli_replan_names_the_events_file_and_every_bad_event(tmp_path: Path) -> None:
    events = tmp_path / "today.json"
    events.write_text(
        json.dumps(
            [
                {"type": "late", "job_id": "J1", "minutes": "abc"},
                {"type": "late", "job_id": "J1", "minutes": [1, 2]},
                {"type": "technician_unavailable", "technician_id": "T9", "from": "12:00"},
                {"type": "cancel", "job_id": "J99"},
                {"type": "new_job", "job": {"id": "J9", "site_id": "NOWHERE", "duration_min": 30}},
                {"type": "job_finished", "job_id": "J1", "at": "11:00+01:00"},
            ]
        )
    )
    out = tmp_path / "new.json"
    args = ("replan", str(PLAN), "--now", "11:00", "--events", str(events), "--out", str(out))
    result = subprocess.run(
        [sys.executable, "-m", "fieldopt", *args],
        capture_output=True,
        text=True,
        check=False,
        env={"COLUMNS": "300", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == EXIT_BAD_INPUT, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    for where in (
        "id events[0], field minutes",
        "id events[1], field minutes",
        "id events[2], field technician_id",
        "id events[3], field job_id",
        "id events[4], field job.site_id",
        "id events[5], field at",
    ):
        assert f"{events}, {where}" in result.stderr, where
    assert "6 error(s)" in result.stderr
    assert not out.exists()
    latin = tmp_path / "latin.json"
    latin.write_bytes('[{"type": "cancel", "job_id": "J\xe9"}]'.encode("latin-1"))
    bad_file = fieldopt("replan", str(PLAN), "--now", "11:00", "--events", str(latin))
    assert bad_file.returncode == EXIT_BAD_INPUT and "Traceback" not in bad_file.stderr
