"""``schedule_repairs``: plan the multi-day repair work of a scenario with CP-SAT."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fieldopt.errors import InputError
from fieldopt.scenario import Scenario
from fieldopt.schedule.kpis import schedule_kpis
from fieldopt.schedule.result import Assignment, RepairSchedule, Unscheduled
from fieldopt.translate.scheduling import (
    REASON_OPTIMISATION,
    REASON_PRED_OUTSOURCED,
    SchedulingTranslation,
    translate_schedule,
)
from solvers.scheduling.data import OBJECTIVES, Objective, SchedulingParams
from solvers.scheduling.solve import ProgressFn, SchedulingResult, solve_scheduling


def schedule_repairs(
    scenario: Scenario,
    start: dt.date | None = None,
    days: int = 10,
    objective: str = "weighted_tardiness",
    time_limit: float = 60.0,
    workers: int = 2,
    seed: int = 0,
    *,
    outsource_budget: float | None = None,
    minutes_per_currency: float = 1.0,
    previous: RepairSchedule | None = None,
    on_progress: ProgressFn | None = None,
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
    outsource_budget
        Most money spent on outsourcing (``None``: no limit).
    previous
        A schedule to start from (re-scheduling): its starts and teams become solver hints.
    on_progress
        Called with ``(objective, bound, seconds)`` as CP-SAT improves either.
    """
    if objective not in OBJECTIVES:
        raise InputError(f"objective: {objective!r} is not one of {', '.join(OBJECTIVES)}")
    tr = translate_schedule(
        scenario,
        start,
        days,
        minutes_per_currency=minutes_per_currency,
        outsource_budget=outsource_budget,
    )
    obj: Objective = objective
    hint_start, hint_team = _hints(tr, previous)
    params = SchedulingParams(
        objective=obj,
        time_limit_s=time_limit,
        seed=seed,
        workers=workers,
        hint_start=hint_start,
        hint_resources=hint_team,
    )
    result = solve_scheduling(tr.data, params, on_progress)
    return read_back(
        tr,
        result,
        scenario,
        objective,
        {
            "days": days,
            "objective": objective,
            "time_limit": time_limit,
            "workers": workers,
            "seed": seed,
            "outsource_budget": outsource_budget,
            "minutes_per_currency": minutes_per_currency,
        },
    )


def _hints(
    tr: SchedulingTranslation, previous: RepairSchedule | None
) -> tuple[tuple[int, ...] | None, tuple[tuple[int, ...], ...] | None]:
    if previous is None:
        return None, None
    jobs = previous.jobs()
    tech = {t: r for r, t in enumerate(tr.technician_ids)}
    starts, teams = [], []
    for j in tr.job_ids:
        if j in jobs:
            s, _, members = jobs[j]
            starts.append(tr.minutes(s))
            teams.append(tuple(tech[t] for t in members if t in tech))
        else:
            starts.append(-1)
            teams.append(())
    return tuple(starts), tuple(teams)


def read_back(
    tr: SchedulingTranslation,
    result: SchedulingResult,
    scenario: Scenario,
    objective: str,
    params: dict[str, Any],
) -> RepairSchedule:
    """The solver result in domain terms, with reasons for every job left out."""
    assignments: list[Assignment] = []
    outsourced: list[str] = []
    unscheduled = [Unscheduled(j, reason) for j, reason in tr.screened.items()]
    has_solution = result.report.status.has_solution
    outsourced_set = {tr.job_ids[i] for i in range(len(tr.job_ids)) if result.outsourced[i]}
    preds: dict[str, list[str]] = {}
    for j, p in scenario.job_predecessors[["job_id", "predecessor_id"]].itertuples(index=False):
        preds.setdefault(str(j), []).append(str(p))
    for i, job_id in enumerate(tr.job_ids):
        if has_solution and result.start[i] >= 0:
            for r, s in result.team[i]:
                skill = None if s < 0 else tr.skills[s][0]
                for a, b in result.pieces[i]:  # one visit unless the job is split
                    assignments.append(
                        Assignment(job_id, tr.technician_ids[r], tr.when(a), tr.when(b), skill)
                    )
        elif has_solution and result.outsourced[i]:
            outsourced.append(job_id)
        else:
            reason = REASON_OPTIMISATION
            if any(p in outsourced_set for p in preds.get(job_id, [])):
                reason = REASON_PRED_OUTSOURCED
            unscheduled.append(
                Unscheduled(
                    job_id,
                    reason if has_solution else f"no schedule found ({result.report.status})",
                )
            )
    schedule = RepairSchedule(
        scenario=scenario.name,
        origin=tr.origin,
        days=tr.days,
        objective=objective,
        report=result.report,
        assignments=tuple(assignments),
        outsourced=tuple(outsourced),
        unscheduled=tuple(unscheduled),
        params=params,
    )
    kpis = schedule_kpis(schedule, scenario)
    return RepairSchedule(**{**schedule.__dict__, "kpis": kpis})
