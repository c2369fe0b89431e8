"""``fieldopt bench schedule-scale``: JSON shape, checked schedules, medians over the runs."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from benchmarks.scheduling.scale import medians
from fieldopt.cli import app


def test_schedule_scale_bench_writes_checked_runs_and_medians(tmp_path: Path) -> None:
    out = tmp_path / "scale.json"
    result = CliRunner().invoke(
        app,
        [
            "bench", "schedule-scale", "--jobs", "40", "--technicians", "6", "--days", "7",
            "--time-limit", "3", "--workers", "1", "--runs", "2", "--json", str(out),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    runs = data["runs"]
    assert [r["seed"] for r in runs] == [0, 1]
    for r in runs:
        assert r["engine"] == "cpsat"
        assert r["violations"] == 0
        assert r["scheduled"] > 0
        assert r["first_feasible_s"] is not None and r["first_feasible_s"] <= r["total_s"]
        assert r["bound"] <= r["objective"]
    assert data["median"]["runs"] == 2
    # the median of two runs is their mean
    assert abs(data["median"]["total_s"] - sum(r["total_s"] for r in runs) / 2) < 1e-3


def test_medians_skip_fields_that_are_not_numbers_in_every_run() -> None:
    rows = [
        {"seed": 0, "status": "optimal", "t": 1.0, "within": None},
        {"seed": 1, "status": "feasible", "t": 3.0, "within": 2.0},
        {"seed": 2, "status": "optimal", "t": 2.0, "within": 1.0},
    ]
    assert medians(rows) == {"runs": 3, "t": 2.0}
