"""The checker entry point refuses what it cannot check instead of passing it silently."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fieldopt.check import Violation, check, load_result
from fieldopt.errors import InputError
from fieldopt.scenario import read_scenario


def test_unknown_result_type_is_refused(tiny_dir: Path) -> None:
    with pytest.raises(TypeError, match="no checker for dict"):
        check({}, read_scenario(tiny_dir))


def test_violation_reads_as_a_sentence() -> None:
    v = Violation("time_window", "J1", "starts 12 min after its window closes", 720.0)
    assert str(v) == "time_window: J1: starts 12 min after its window closes"


# Hand-edited saved files (found by tests/fuzz/test_fuzz_plan_files.py): a clean error or a
# violation, not a crash.
EXAMPLES = Path(__file__).parent.parent / "docs" / "examples"


def edited(tmp_path: Path, name: str, edit: Callable[[dict[str, Any]], None]) -> Path:
    doc = json.loads((EXAMPLES / name).read_text())
    edit(doc)
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


def test_schedule_naming_an_unknown_job_is_a_violation(tiny_dir: Path, tmp_path: Path) -> None:
    def unknown_job(doc: dict[str, Any]) -> None:
        doc["assignments"][0]["job_id"] = "J404"

    path = edited(tmp_path, "schedule-tiny.json", unknown_job)
    violations = check(load_result(path), read_scenario(tiny_dir))
    assert "unknown: J404: unknown job" in [str(v) for v in violations]


def test_plan_whose_kpi_summary_is_not_an_object_is_a_violation(
    tiny_dir: Path, tmp_path: Path
) -> None:
    def summary_true(doc: dict[str, Any]) -> None:
        doc["kpis"]["summary"] = True

    path = edited(tmp_path, "dispatch-plan.json", summary_true)
    violations = check(load_result(path), read_scenario(tiny_dir))
    assert [str(v) for v in violations] == ["kpi: summary: must be an object of KPIs, got True"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("distance_m", "abc", "stop T1#1: distance_m: expected int, got 'abc'"),
        ("fixed", 3, "stop T1#1: fixed: expected bool, got 3"),
        ("seq", True, "stop T1#True: seq: expected int, got True"),
        ("arrival", "2026-11-24T10:00+02:00", "arrival: local wall-clock time without a time"),
    ],
)
def test_plan_stop_of_the_wrong_type_is_bad_input(
    tmp_path: Path, field: str, value: object, message: str
) -> None:
    def wrong(doc: dict[str, Any]) -> None:
        doc["stops"][1][field] = value

    path = edited(tmp_path, "dispatch-plan.json", wrong)
    with pytest.raises(InputError, match=re.escape(message)):
        load_result(path)


def test_plan_stop_that_is_not_an_object_is_bad_input(tmp_path: Path) -> None:
    def text_stop(doc: dict[str, Any]) -> None:
        doc["stops"][0] = "x"

    path = edited(tmp_path, "dispatch-plan.json", text_stop)
    with pytest.raises(InputError, match=re.escape("dispatch-plan.json")):
        load_result(path)
