"""Fuzz: saved plans and schedules edited by hand (a field set to a wrong value or removed),
read back by ``fieldopt check``, ``replan`` and ``plan --schedule``. Exit 0 or 2 (the checker's
violations are exit 2), never a crash."""

from __future__ import annotations

import copy
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fuzz_support import REPO, TINY, TINY_DAY, assert_clean, fieldopt, fuzz_settings
from hypothesis import event, given
from hypothesis import strategies as st

pytestmark = pytest.mark.fuzz

PLAN = json.loads((REPO / "docs/examples/dispatch-plan.json").read_text())
SCHEDULE = json.loads((REPO / "docs/examples/schedule-tiny.json").read_text())
WRONG: list[Any] = [
    "abc",
    "",
    [1],
    {},
    None,
    True,
    -5,
    1e16,
    10**30,
    "2026-11-24T10:00+02:00",
    "J404",
    1.5,
]

Path_ = tuple[str | int, ...]


def paths(obj: Any, prefix: Path_ = ()) -> Iterator[Path_]:
    """Every key and list index of ``obj`` (the first 3 items of lists)."""
    items = obj.items() if isinstance(obj, dict) else enumerate(obj[:3])
    for key, value in items:
        yield (*prefix, key)
        if isinstance(value, dict | list):
            yield from paths(value, (*prefix, key))


@st.composite
def edited(draw: st.DrawFn, doc: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """``doc`` with one field set to a wrong value or removed (never its format tag)."""
    out = copy.deepcopy(doc)
    where = draw(st.sampled_from([p for p in paths(doc) if p != ("format",)]))
    target: Any = out
    for key in where[:-1]:
        target = target[key]
    if draw(st.booleans()):
        target[where[-1]] = draw(st.sampled_from(WRONG))
        how = "set"
    else:
        del target[where[-1]]
        how = "removed"
    event(f"{how} {where[0]}")
    return out, f"{how} {'.'.join(map(str, where))}"


def run_on(doc: dict[str, Any], what: str, *commands: tuple[str, ...]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "saved.json"
        path.write_text(json.dumps(doc))
        for command in commands:
            args = [str(path) if a == "{f}" else a for a in command]
            outcome = fieldopt(*args)
            assert_clean(outcome, allowed=(0, 2, 3), what=what)


@fuzz_settings(20)
@given(edited(PLAN))
def test_edited_dispatch_plan(case: tuple[dict[str, Any], str]) -> None:
    doc, what = case
    replan = ("replan", "{f}", "--now", "10:00", "--scenario", str(TINY), "--time-limit", "0.2")
    run_on(doc, what, ("check", "{f}", str(TINY)), replan)


@fuzz_settings(15)
@given(edited(SCHEDULE))
def test_edited_repair_schedule(case: tuple[dict[str, Any], str]) -> None:
    doc, what = case
    plan = ("plan", str(TINY), "--date", TINY_DAY, "--schedule", "{f}", "--time-limit", "0.2")
    run_on(doc, what, ("check", "{f}", str(TINY)), plan)
