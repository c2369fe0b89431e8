"""The command line as a user runs it: exit codes by error class and readable messages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from fieldopt.errors import EXIT_BAD_INPUT, EXIT_OK


def fieldopt(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fieldopt", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
        check=False,
    )


def rewrite(folder: Path, table: str, row_id: str, column: str, value: str) -> None:
    path = folder / f"{table}.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[frame["id"] == row_id, column] = value
    frame.to_csv(path, index=False)


def test_help_lists_the_subcommands() -> None:
    result = fieldopt("--help")
    assert result.returncode == EXIT_OK
    for command in ("validate", "generate", "demo", "load", "export"):
        assert command in result.stdout


def test_validate_a_good_scenario_exits_0(tiny_dir: Path) -> None:
    result = fieldopt("validate", str(tiny_dir))
    assert result.returncode == EXIT_OK, result.stdout + result.stderr
    assert "valid — 0 error(s), 0 warning(s)" in result.stdout


def test_validate_duplicated_job_id_exits_2_naming_row_and_field(tiny_dir: Path) -> None:
    rewrite(tiny_dir, "jobs", "J2", "id", "J1")
    result = fieldopt("validate", str(tiny_dir))
    assert result.returncode == EXIT_BAD_INPUT
    assert "jobs.csv" in result.stdout
    assert "duplicated id (first at line 2)" in result.stdout
    line = next(row for row in result.stdout.splitlines() if "duplicated id" in row)
    assert "│ 3 " in line and "│ J1 " in line and "│ id " in line


def test_validate_negative_duration_exits_2_naming_row_and_field(tiny_dir: Path) -> None:
    rewrite(tiny_dir, "jobs", "J3", "duration_min", "-60")
    result = fieldopt("validate", str(tiny_dir), "--json")
    assert result.returncode == EXIT_BAD_INPUT
    import json

    problems = json.loads(result.stdout)
    assert [(p["file"], p["line"], p["row"], p["field"], p["message"]) for p in problems] == [
        ("jobs.csv", 4, "J3", "duration_min", "must be > 0, got -60")
    ]


def test_warnings_do_not_fail_unless_strict(tiny_dir: Path) -> None:
    path = tiny_dir / "job_skills.csv"
    path.write_text(path.read_text().replace("J1,electrical,3", "J1,electrical,5"))
    assert fieldopt("validate", str(tiny_dir)).returncode == EXIT_OK
    assert fieldopt("validate", str(tiny_dir), "--strict").returncode == EXIT_BAD_INPUT


def test_missing_folder_is_bad_input(tmp_path: Path) -> None:
    result = fieldopt("validate", str(tmp_path / "nowhere"))
    assert result.returncode == EXIT_BAD_INPUT
    assert "is not a folder" in result.stdout + result.stderr


def test_usage_error_is_bad_input() -> None:
    assert fieldopt("no-such-command").returncode == EXIT_BAD_INPUT


def test_load_export_roundtrip_and_bad_input_is_not_stored(tiny_dir: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert fieldopt("load", str(tiny_dir), "--db", url).returncode == EXIT_OK
    assert fieldopt("export", url, str(tmp_path / "back")).returncode == EXIT_OK
    for path in tiny_dir.glob("*.csv"):
        assert (tmp_path / "back" / path.name).read_text() == path.read_text()
    rewrite(tiny_dir, "jobs", "J1", "duration_min", "0")
    result = fieldopt("load", str(tiny_dir), "--db", url, "--name", "broken")
    assert result.returncode == EXIT_BAD_INPUT
    assert "broken" not in fieldopt("scenarios", url).stdout


def test_demo_runs_on_a_scenario(tiny_dir: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    result = fieldopt("demo", "--scenario", str(tiny_dir), "--db", url, "--out", str(tmp_path))
    assert result.returncode == EXIT_OK, result.stderr
    assert "demo finished" in result.stdout
    assert "1 critical" in result.stdout


def without(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``fieldopt ARGS`` in a process where ``module`` cannot be imported."""
    code = (
        f"import sys; sys.modules[{module!r}] = None; sys.argv = ['fieldopt', *sys.argv[1:]]; "
        "from fieldopt.cli import main; main()"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
        check=False,
    )


def test_bench_without_the_benchmarks_package_says_how_to_get_it() -> None:
    for args in (["bench"], ["bench", "vrptw", "C101.txt", "--time-limit", "1"]):
        run = without("benchmarks", *args)
        assert run.returncode == EXIT_BAD_INPUT, run.stderr
        assert "pip install -e '.[bench]'" in run.stderr
        assert "Traceback" not in run.stderr
    run = without("benchmarks", "--help")
    assert run.returncode == EXIT_OK and "bench" in run.stdout and "validate" in run.stdout
