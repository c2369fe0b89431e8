"""``schedule_repairs``: plan the multi-day repair work of a scenario with CP-SAT.

Translate (scenario → solver data), solve, read back (solver result → schedule); the seam
both ways is :mod:`fieldopt.translate.scheduling`.
"""

from __future__ import annotations

import datetime as dt

from fieldopt.checks.schedule import check_schedule
from fieldopt.errors import InputError, InvalidPlanError
from fieldopt.scenario import Scenario
from fieldopt.schedule.result import RepairSchedule
from fieldopt.translate.scheduling import read_back, solver_params, translate_schedule
from solvers.options import Progress, ProgressFn, SolveOptions
from solvers.scheduling.data import OBJECTIVES, Objective
from solvers.scheduling.solve import solve_scheduling

DEFAULT_OPTIONS = SolveOptions(time_limit_s=60.0, workers=2)
"""The options of :func:`schedule_repairs` when none are given: a minute, two workers, seed 0."""


def schedule_repairs(
    scenario: Scenario,
    start: dt.date | None = None,
    days: int = 10,
    objective: str = "weighted_tardiness",
    *,
    options: SolveOptions | None = None,
    outsource_budget: float | None = None,
    minutes_per_currency: float = 1.0,
    previous: RepairSchedule | None = None,
) -> RepairSchedule:
    """Schedule the open jobs of ``scenario`` over ``days`` days from ``start``.

    Parameters
    ----------
    start
        First day (default: setting ``horizon_start``, else the first shift's day).
    objective
        ``weighted_tardiness`` (default), ``weighted_completion`` or ``makespan``; plus
        outsourcing costs (``minutes_per_currency`` weighted minutes per currency unit) and a
        penalty for each job left out that exceeds anything scheduling it could cost.
    options
        Time limit, seed, workers and a progress callback (:data:`DEFAULT_OPTIONS` when
        ``None``). The callback receives a :class:`~solvers.options.Progress` event (objective
        and bound in weighted minutes) each time CP-SAT improves either.
    outsource_budget
        Most money spent on outsourcing (``None``: no limit).
    previous
        A schedule to start from (re-scheduling): its starts and teams become solver hints.

    The schedule is checked by the independent checker before it is returned; one that fails
    raises :class:`~fieldopt.errors.InvalidPlanError` (exit 3) and is never handed out.
    """
    if objective not in OBJECTIVES:
        raise InputError(f"objective: {objective!r} is not one of {', '.join(OBJECTIVES)}")
    obj: Objective = objective
    opts = DEFAULT_OPTIONS if options is None else options
    tr = translate_schedule(
        scenario,
        start,
        days,
        minutes_per_currency=minutes_per_currency,
        outsource_budget=outsource_budget,
    )
    result = solve_scheduling(tr.data, solver_params(tr, obj, opts, previous), opts.progress)
    params = {"outsource_budget": outsource_budget, "minutes_per_currency": minutes_per_currency}
    schedule = read_back(tr, result, scenario, objective, params)
    if schedule.status.has_solution:
        violations = check_schedule(schedule, scenario)
        if violations:  # never hand out an invalid schedule
            raise InvalidPlanError("the repair schedule", violations)
    return schedule


__all__ = ["DEFAULT_OPTIONS", "Progress", "ProgressFn", "SolveOptions", "schedule_repairs"]
