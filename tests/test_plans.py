"""The shapes the three models share: solve options, reasons, strict JSON, the plan base."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from fieldopt.check import load_result
from fieldopt.errors import EXIT_BAD_INPUT, InputError
from fieldopt.io.files import dumps_strict, strict, writable_file, write_json_atomic
from fieldopt.options import SolveOptions, cli_options
from fieldopt.reasons import Reason, ReasonCode, reason

EXAMPLE_PLAN = Path(__file__).parents[1] / "docs" / "examples" / "dispatch-plan.json"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"time_limit_s": -5}, "time_limit_s"),
        ({"time_limit_s": 0}, "time_limit_s"),
        ({"time_limit_s": math.nan}, "time_limit_s"),
        ({"time_limit_s": math.inf}, "time_limit_s"),
        ({"time_limit_s": 1, "workers": 0}, "workers"),
        ({"time_limit_s": 1, "seed": -1}, "seed"),
        ({"time_limit_s": 1, "seed": True}, "seed"),
    ],
)
def test_solve_options_refuse_out_of_range_values(kwargs: dict[str, float], field: str) -> None:
    with pytest.raises(ValueError, match=f"field {field}"):
        SolveOptions(**kwargs)  # type: ignore[arg-type]


def test_cli_options_name_the_option() -> None:
    assert cli_options(2.5, 3, 1).time_limit_s == 2.5
    with pytest.raises(InputError, match="--time-limit"):
        cli_options(math.nan)
    with pytest.raises(InputError, match="--workers"):
        cli_options(1, workers=0)


def test_reason_text_comes_from_code_and_facts() -> None:
    why = reason(ReasonCode.PART_UNAVAILABLE, part="P7", quantity=2, where="no depot")
    assert why.text == "part not obtainable in time (part P7, quantity 2, where no depot)"
    assert Reason.from_json(json.loads(json.dumps(why.to_json()))) == why
    assert reason(ReasonCode.LEFT_OUT_BY_OPTIMISATION).text == "left out by optimisation"


def test_reason_json_errors_name_the_field() -> None:
    with pytest.raises(ValueError, match="code: 'sunspots'"):
        Reason.from_json({"code": "sunspots"})
    with pytest.raises(ValueError, match="facts"):
        Reason.from_json({"code": "unreachable", "facts": {"x": [1, 2]}})


def test_strict_json_has_no_nan() -> None:
    text = dumps_strict({"a": math.nan, "b": [math.inf, 1.5], "c": (1, 2)})
    assert json.loads(text) == {"a": None, "b": [None, 1.5], "c": [1, 2]}
    assert "NaN" not in text and "Infinity" not in text
    with pytest.raises(TypeError, match="not JSON"):
        strict(object())


def test_atomic_write_replaces_whole_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "out.json"
    write_json_atomic(target, {"v": 1})
    write_json_atomic(target, {"v": 2})
    assert json.loads(target.read_text()) == {"v": 2}
    assert [p.name for p in target.parent.iterdir()] == ["out.json"]


def test_an_output_that_is_a_folder_is_refused_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a folder"):
        writable_file(tmp_path, "--out")


def test_load_result_picks_the_class_by_format(tmp_path: Path) -> None:
    plan = load_result(EXAMPLE_PLAN)
    assert type(plan).__name__ == "DispatchPlan"
    other = tmp_path / "x.json"
    other.write_text(json.dumps({"format": "fieldopt.nothing/9"}))
    with pytest.raises(InputError, match=r"format: 'fieldopt\.nothing/9'"):
        load_result(other)


def test_a_plan_with_a_broken_field_names_it(tmp_path: Path) -> None:
    data = json.loads(EXAMPLE_PLAN.read_text())
    data["stops"][1]["start"] = "noon"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(InputError, match="start: not a date-time"):
        load_result(bad)


@pytest.mark.parametrize("content", ["{not json", '{"format": "fieldopt.dispatch-plan/1"}', None])
def test_cli_check_refuses_bad_plan_files_cleanly(tmp_path: Path, content: str | None) -> None:
    path = tmp_path / "plan.json"
    if content is None:
        path.mkdir()
    else:
        path.write_text(content)
    tiny = Path(__file__).parents[1] / "docs" / "examples" / "tiny"
    run = subprocess.run(
        [sys.executable, "-m", "fieldopt", "check", str(path), str(tiny)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == EXIT_BAD_INPUT, run.stderr
    assert "Traceback" not in run.stderr and str(path) in run.stderr.replace("\n", "")


def run_check(plan: Path) -> subprocess.CompletedProcess[str]:
    tiny = Path(__file__).parents[1] / "docs" / "examples" / "tiny"
    return subprocess.run(
        [sys.executable, "-m", "fieldopt", "check", str(plan), str(tiny)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_cli_check_takes_every_kind_of_plan(tmp_path: Path) -> None:
    import fieldopt

    tiny = fieldopt.read_scenario(Path(__file__).parents[1] / "docs" / "examples" / "tiny")
    stock = fieldopt.inventory.optimise(tiny, budget=500, options=SolveOptions(time_limit_s=10))
    examples = EXAMPLE_PLAN.parent
    for path, kind in (
        (EXAMPLE_PLAN, "DispatchPlan"),
        (examples / "schedule-tiny.json", "RepairSchedule"),
        (stock.save(tmp_path / "stock.json"), "StockingPlan"),
    ):
        run = run_check(path)
        assert run.returncode == 0, run.stdout + run.stderr
        assert f"{kind} {path}: 0 violation(s)" in run.stdout.replace("\n", "")


def test_cli_check_flags_a_hand_edited_schedule(tmp_path: Path) -> None:
    data = json.loads((EXAMPLE_PLAN.parent / "schedule-tiny.json").read_text())
    first = data["assignments"][0]
    first["start"] = first["start"][:11] + "03:00"  # before any shift
    edited = tmp_path / "schedule.json"
    edited.write_text(json.dumps(data))
    run = run_check(edited)
    assert run.returncode == EXIT_BAD_INPUT
    assert "RepairSchedule" in run.stdout and "0 violation(s)" not in run.stdout


def test_strict_json_falls_back_to_a_default_for_other_objects() -> None:
    class Odd:
        def __str__(self) -> str:
            return "odd"

    assert strict({"x": Odd(), "y": math.nan}, str) == {"x": "odd", "y": None}
