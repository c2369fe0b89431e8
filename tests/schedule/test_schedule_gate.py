"""``schedule_repairs`` checks its own schedule: one that fails the checker is never returned."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

import fieldopt.schedule.api as schedule_api
from fieldopt.errors import InvalidPlanError
from fieldopt.options import SolveOptions
from fieldopt.scenario import read_scenario
from fieldopt.schedule.result import RepairSchedule

TINY = Path(__file__).parents[2] / "docs" / "examples" / "tiny"
OPTS = SolveOptions(time_limit_s=10, workers=1)


def test_a_schedule_that_fails_the_checker_is_never_handed_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scenario = read_scenario(TINY)
    fine = schedule_api.schedule_repairs(scenario, days=2, options=OPTS)  # does not bind
    assert fine.assignments
    real = schedule_api.read_back

    def at_night(*args: object, **kwargs: object) -> RepairSchedule:
        sched = real(*args, **kwargs)  # type: ignore[arg-type]
        first = sched.assignments[0]
        night = first.start.replace(hour=2)
        moved = dataclasses.replace(first, start=night, end=night + dt.timedelta(hours=1))
        return dataclasses.replace(sched, assignments=(moved, *sched.assignments[1:]))

    monkeypatch.setattr(schedule_api, "read_back", at_night)
    with pytest.raises(InvalidPlanError) as err:  # binds
        schedule_api.schedule_repairs(scenario, days=2, options=OPTS)
    assert err.value.violations
