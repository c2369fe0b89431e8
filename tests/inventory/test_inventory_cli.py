"""``fieldopt inventory`` as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fieldopt.errors import EXIT_BAD_INPUT, EXIT_OK
from fieldopt.inventory import FrontierResult, RebalancePlan, StockingPlan

REPO = Path(__file__).parents[2]
# the code under test, when it is not the installed package (a worktree on PYTHONPATH)
PYTHONPATH = {k: v for k, v in os.environ.items() if k == "PYTHONPATH"}


def fieldopt(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fieldopt", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", **PYTHONPATH},
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
    assert got["kpis"]["total_cost"] <= got["baseline"]["total_cost"]
    assert "Proposed transfers" in html.read_text()


def test_bad_variant_exits_with_bad_input(tmp_path: Path) -> None:
    run = fieldopt(
        "inventory", "whatif", str(REPO / "data" / "sample"), "--variant", "demand=lots",
        cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == EXIT_BAD_INPUT
    assert "variant" in run.stderr


def _no_constant(name: str) -> Any:
    raise AssertionError(f"not strict JSON: {name}")


@pytest.mark.parametrize(
    ("command", "options", "result"),
    [
        ("optimise", ["--budget", "30000"], StockingPlan),
        ("frontier", [], FrontierResult),
        ("rebalance", ["--time-limit", "10"], RebalancePlan),
    ],
)
def test_json_outputs_are_strict_and_tagged(
    tmp_path: Path, command: str, options: list[str], result: Any
) -> None:
    out = tmp_path / "out" / f"{command}.json"
    run = fieldopt(
        "inventory", command, str(REPO / "data" / "sample"), *options, "--json", str(out),
        cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == EXIT_OK, run.stderr
    text = out.read_text()
    assert "NaN" not in text and "Infinity" not in text
    got = json.loads(text, parse_constant=_no_constant)
    assert got["format"] == result.FORMAT
    assert got.get("violations", []) == []
    assert not list(out.parent.glob(".*.tmp"))  # the atomic write left no temporary file
    loaded = result.load(out)
    assert loaded.to_json()["format"] == result.FORMAT


def test_whatif_json_is_strict_and_tagged(tmp_path: Path) -> None:
    out = tmp_path / "w.json"
    run = fieldopt(
        "inventory", "whatif", str(REPO / "data" / "sample"), "--variant", "demand=+20%",
        "--json", str(out), cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == EXIT_OK, run.stderr
    got = json.loads(out.read_text(), parse_constant=_no_constant)
    assert got["format"] == "fieldopt.whatif/1"
    assert [v["variant"] for v in got["variants"]] == ["base", "demand=+20%"]


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--time-limit", "0"),
        ("--time-limit", "-5"),
        ("--time-limit", "nan"),
        ("--time-limit", "inf"),
        ("--workers", "0"),
    ],
)
def test_bad_solve_options_exit_with_bad_input(tmp_path: Path, option: str, value: str) -> None:
    run = fieldopt(
        "inventory", "optimise", str(REPO / "data" / "sample"), "--budget", "1000",
        option, value, cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == EXIT_BAD_INPUT, run.stderr
    assert option in run.stderr
    assert "Traceback" not in run.stderr
