"""A stop request (solvers.options.request_stop) ends each search with the best it has,
checked as usual."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from benchmarks.dispatch_scale import generated_day
from fieldopt.dispatch import plan_routes
from fieldopt.errors import NoPlanError
from fieldopt.options import Progress, SolveOptions
from fieldopt.schedule.api import schedule_repairs
from solvers.options import clear_stop, on_stop, request_stop, stop_requested

DAY = dt.date(2026, 11, 24)
LONG = 600.0  # a limit no test waits for: only the stop request can end these searches


@pytest.fixture(autouse=True)
def _no_stop_left_over() -> Iterator[None]:
    clear_stop()
    yield
    clear_stop()


def stop_at_first_solution(event: Progress) -> None:
    if event.objective is not None:
        request_stop()


def test_on_stop_calls_back_at_once_when_a_stop_is_pending_and_forgets_the_callback() -> None:
    calls: list[str] = []
    request_stop()
    with on_stop(lambda: calls.append("now")):
        assert calls == ["now"]
    request_stop()
    assert calls == ["now"] and stop_requested()


def test_routing_search_stops_at_the_request_with_a_checked_plan() -> None:
    scenario = generated_day(60, 1, DAY)
    options = SolveOptions(time_limit_s=LONG, progress=stop_at_first_solution)
    plan = plan_routes(scenario, DAY, options=options)  # the checker ran inside
    assert plan.report.raw_status.startswith("INTERRUPTED")
    assert plan.report.runtime_s < LONG
    assert plan.served_jobs()


def test_routing_stopped_before_the_search_has_no_plan() -> None:
    request_stop()
    with pytest.raises(NoPlanError, match="INTERRUPTED"):
        plan_routes(generated_day(60, 1, DAY), DAY, options=SolveOptions(time_limit_s=LONG))


def test_cp_sat_stops_at_the_request_with_its_best_schedule() -> None:
    scenario = generated_day(80, 2, DAY)
    options = SolveOptions(time_limit_s=LONG, workers=2, progress=stop_at_first_solution)
    sched = schedule_repairs(scenario, DAY, 3, "weighted_completion", options=options)
    assert sched.status.has_solution
    assert sched.report.runtime_s < LONG
