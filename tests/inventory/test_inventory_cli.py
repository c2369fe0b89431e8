"""``fieldopt inventory`` as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from fieldopt.errors import EXIT_BAD_INPUT, EXIT_OK

REPO = Path(__file__).parents[2]


def fieldopt(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fieldopt", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
        check=False,
    )


def test_rebalance_command_reports_and_checks(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    html = tmp_path / "r.html"
    run = fieldopt(
        "inventory", "rebalance", str(REPO / "data" / "sample"), "--json", str(out),
        "--report", str(html), cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == EXIT_OK, run.stderr
    got = json.loads(out.read_text())
    assert got["violations"] == []
    assert got["total_cost"] <= got["baseline_largest_excess_to_largest_shortage"]["total_cost"]
    assert "Proposed transfers" in html.read_text()


def test_bad_variant_exits_with_bad_input(tmp_path: Path) -> None:
    run = fieldopt(
        "inventory", "whatif", str(REPO / "data" / "sample"), "--variant", "demand=lots",
        cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == EXIT_BAD_INPUT
    assert "variant" in run.stderr
