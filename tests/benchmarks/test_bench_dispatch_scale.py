"""``fieldopt bench scale``: one row per (size, seed), checked plans, medians printed."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from benchmarks.dispatch_scale import medians
from fieldopt.cli import app


def test_scale_bench_rows_per_size_and_seed_with_checked_plans(tmp_path: Path) -> None:
    out = tmp_path / "scale.json"
    args = ["bench", "scale", "--jobs", "20", "--jobs", "30", "--time-limit", "1", "--runs", "2"]
    result = CliRunner().invoke(app, [*args, "--json", str(out)])
    assert result.exit_code == 0, result.output
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert [(r["jobs"], r["seed"]) for r in rows] == [(20, 0), (20, 1), (30, 0), (30, 1)]
    for r in rows:
        assert r["engine"] == "day"
        assert r["violations"] == 0
        assert 0 < r["served"] <= r["jobs_today"]
        assert r["first_solution"] == "ENGINE_CONSTRUCTION"
        assert r["peak_rss_mb"] > 0
    assert "median" in result.output


def test_scale_medians_per_size() -> None:
    rows = [
        {"jobs": 10, "seed": 0, "served": 4, "first_solution": "CONSTRUCTION"},
        {"jobs": 10, "seed": 1, "served": 8, "first_solution": "CONSTRUCTION"},
        {"jobs": 10, "seed": 2, "served": 5, "first_solution": "WARM_START"},
    ]
    assert medians(rows) == {"jobs": 10, "runs": 3, "served": 5}
