"""``fieldopt bench vrptw | trsp`` as a user runs them: the engine of every row, the former
``--backend`` names, comparisons, and bad engines as bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fieldopt.cli import app
from fieldopt.errors import EXIT_BAD_INPUT, EXIT_OK

DATA = Path(__file__).parents[2] / "data" / "benchmarks"
C101 = str(DATA / "vrptw" / "solomon" / "C101.txt")
TRSP = str(DATA / "trsp" / "pillac2013" / "crew25" / "C101.100_25-5-5-5.txt")


def bench(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["bench", *args])
    return result.exit_code, result.output


def fieldopt_bench(*args: str, hide: str = "") -> subprocess.CompletedProcess[str]:
    """``fieldopt bench ARGS`` as a user runs it (exit codes from ``main``), with the module
    ``hide`` made unimportable."""
    code = (
        f"import sys; sys.modules.update({{{hide!r}: None}} if {hide!r} else {{}}); "
        "sys.argv = ['fieldopt', 'bench', *sys.argv[1:]]; from fieldopt.cli import main; main()"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
        check=False,
    )


def rows(path: Path) -> list[dict[str, object]]:
    out: list[dict[str, object]] = json.loads(path.read_text(encoding="utf-8"))
    return out


def test_every_bench_command_is_there() -> None:
    code, output = bench("--help")
    assert code == EXIT_OK
    for name in ("vrptw", "trsp", "scale", "mspsp", "mspsp-table", "imopse", "schedule-scale"):
        assert name in output
    assert "inventory" in output and "batch" in output


def test_vrptw_rows_name_their_engine_day_by_default(tmp_path: Path) -> None:
    out = tmp_path / "v.json"
    code, output = bench(
        "vrptw", C101, "--time-limit", "1", "--compare", "vroom", "--json", str(out)
    )
    assert code == EXIT_OK, output
    [day] = rows(out)
    [vroom] = rows(tmp_path / "v.vroom.json")
    assert (day["engine"], vroom["engine"]) == ("day", "vroom")
    assert day["instance"] == vroom["instance"] == "C101"
    assert day["gap_pct"] is not None and vroom["gap_pct"] is not None
    assert "C101 day:" in output and "checked" in output


@pytest.mark.parametrize(
    ("args", "engine"),
    [
        (["--backend", "ortools"], "ortools"),
        (["--backend", "auto"], "pyvrp"),
        (["--engine", "sisr"], "day"),
        ([], "day"),
    ],
)
def test_former_backend_names_map_to_engines(tmp_path: Path, args: list[str], engine: str) -> None:
    out = tmp_path / "v.json"
    code, output = bench("vrptw", C101, "--time-limit", "1", *args, "--json", str(out))
    assert code == EXIT_OK, output
    assert [r["engine"] for r in rows(out)] == [engine]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--engine", "cplex"], "unknown engine 'cplex'"),
        (["--compare", "day,gurobi"], "unknown engine 'gurobi'"),
        (["--engine", "pyvrp", "--backend", "ortools"], "disagree"),
    ],
)
def test_bad_engines_are_bad_input(args: list[str], message: str) -> None:
    run = fieldopt_bench("vrptw", C101, "--time-limit", "1", *args)
    assert run.returncode == EXIT_BAD_INPUT, run.stderr
    assert message in run.stderr and "Traceback" not in run.stderr


def test_a_comparison_that_is_not_installed_names_the_extra() -> None:
    run = fieldopt_bench("vrptw", C101, "--time-limit", "1", "--compare", "pyvrp", hide="pyvrp")
    assert run.returncode == EXIT_BAD_INPUT, run.stderr
    assert "pyvrp is not installed" in run.stderr
    assert "pip install -e '.[bench]'" in run.stderr


@pytest.mark.parametrize("engine", ["day", "ortools", "ruin_recreate"])
def test_trsp_rows_name_their_engine(tmp_path: Path, engine: str) -> None:
    out = tmp_path / "t.json"
    code, output = bench("trsp", TRSP, "--time-limit", "2", "--engine", engine, "--json", str(out))
    assert code == EXIT_OK, output
    [row] = rows(out)
    assert row["engine"] == engine and row["instance"] == "C101.100_25-5-5-5"
    assert row["gap_pct"] is not None  # every request served, the evaluation passed


def test_trsp_refuses_pyvrp() -> None:
    run = fieldopt_bench("trsp", TRSP, "--time-limit", "1", "--engine", "pyvrp")
    assert run.returncode == EXIT_BAD_INPUT
    assert "unknown engine 'pyvrp'" in run.stderr


def test_missing_or_malformed_files_are_bad_input(tmp_path: Path) -> None:
    junk = tmp_path / "junk.txt"
    junk.write_text("not a benchmark\n", encoding="utf-8")
    cases = [
        (["vrptw", str(tmp_path / "none.txt")], "none.txt: No such file"),
        (["vrptw", C101, "--bks", str(tmp_path / "no-bks.csv")], "no-bks.csv: No such file"),
        (["vrptw", str(junk)], "junk.txt"),
        (["trsp", str(junk)], "junk.txt"),
        (["mspsp", str(tmp_path / "none.dzn")], "none.dzn: No such file"),
    ]
    for args, message in cases:
        run = fieldopt_bench(*args, "--time-limit", "1")
        assert run.returncode == EXIT_BAD_INPUT, (args, run.stderr)
        assert message in run.stderr and "Traceback" not in run.stderr, run.stderr


def test_replan_rows_name_their_engine_and_every_plan_is_checked(tmp_path: Path) -> None:
    tiny = str(Path(__file__).parents[2] / "docs" / "examples" / "tiny")
    out = tmp_path / "r.json"
    code, output = bench(
        "replan", tiny, "--now", "10:00", "--plan-time-limit", "1", "--time-limit", "1",
        "--json", str(out),
    )  # fmt: skip
    assert code == EXIT_OK, output
    got = rows(out)
    assert [(r["now"], r["events"]) for r in got] == [
        ("plan", "-"), ("10:00", "none"), ("10:00", "cancel"), ("10:00", "mix"),
    ]  # fmt: skip
    assert all(r["engine"] == "day" and r["violations"] == 0 for r in got)
