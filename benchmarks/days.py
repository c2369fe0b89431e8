"""``fieldopt bench days``: generated dispatch days, reduced to what VROOM can also plan.

:func:`reduce_day` keeps the features both engines support; :func:`day_row` turns a plan of
either engine into one JSON row scored the same way (served by priority, weighted score,
travel per served job, checker violations).
"""

from __future__ import annotations

import datetime as dt
import functools
import statistics
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

from fieldopt.dispatch.plan import DispatchPlan
from fieldopt.scenario import PRIORITY_NAMES, Scenario, scenario_from_frames

if TYPE_CHECKING:
    from benchmarks.compare.vroom_day import VroomParams

SCORE_WEIGHTS = {"critical": 1000, "high": 100, "normal": 10, "low": 1}
"""Weighted score of a served job by priority (issue 21)."""

KEPT_JOB_TABLES = ("job_windows", "job_skills")
DROPPED_JOB_TABLES = ("job_parts", "job_predecessors")


def reduce_day(scenario: Scenario, day: dt.date) -> Scenario:
    """``day``'s work of ``scenario`` with only the features VROOM can plan too.

    Kept: the day's candidate jobs (open or scheduled, released by the end of the day, with a
    window on the day when they have windows), skills with levels (level-dependent service
    times too), several time windows per job, release times (both engines get them as the
    translated windows), shifts, the lunch break in its window, and priorities.

    Dropped, because VROOM cannot express them or the issue's comparison leaves them out:

    - team jobs (``technicians_needed`` > 1), with their windows and skills;
    - precedences (every ``job_predecessors`` row; both jobs stay, unrelated);
    - part requirements (every ``job_parts`` row), so no van or depot stock is used and no
      pick-up is planned (the stock table itself stays: nothing reads it);
    - overtime (``overtime_max_min`` and its cost set to 0): routes end by the shift end;
    - SLA deadlines (VROOM has no soft deadline with a lateness cost);
    - pins (technician and start): not in the issue's list of shared features.
    """
    from fieldopt.translate.routing import candidate_jobs

    frames = scenario.to_frames()
    today = {str(j["id"]) for j in candidate_jobs(scenario.view, day)}
    jobs = frames["jobs"]
    jobs = jobs[jobs["id"].isin(today) & (jobs["technicians_needed"] == 1)].copy()
    jobs["sla_deadline"] = pd.NaT
    jobs["pin_technician_id"] = None
    jobs["pin_start"] = pd.NaT
    frames["jobs"] = jobs
    for name in KEPT_JOB_TABLES:
        frames[name] = frames[name][frames[name]["job_id"].isin(set(jobs["id"]))]
    for name in DROPPED_JOB_TABLES:
        frames[name] = frames[name].iloc[0:0]
    techs = frames["technicians"]
    techs["overtime_max_min"] = 0
    techs["overtime_cost_per_hour"] = 0.0
    shifts = frames["shifts"]
    frames["shifts"] = shifts[shifts["start"].dt.date == day]
    return scenario_from_frames(
        frames,
        name=f"{scenario.name}-reduced",
        source=scenario.source,
        base_dir=scenario.base_dir,
    )


def day_row(
    engine: str, jobs: int, seed: int, scenario: Scenario, plan: DispatchPlan, wall_s: float
) -> dict[str, Any]:
    """One JSON row: ``plan`` (by ``engine``) of a reduced day, scored and checked."""
    from fieldopt.check import check

    served = plan.served_jobs()
    by_priority = {name: 0 for name in PRIORITY_NAMES.values()}
    for job in served:
        by_priority[PRIORITY_NAMES[int(scenario.view.jobs[job]["priority"])]] += 1
    travel = sum(s.travel_s for s in plan.stops)
    return {
        "engine": engine,
        "jobs": jobs,
        "seed": seed,
        "jobs_today": len(scenario.jobs),
        "technicians": len(scenario.view.shifts_on(plan.day)),
        "served": len(served),
        "served_by_priority": by_priority,
        "weighted_score": sum(SCORE_WEIGHTS[p] * n for p, n in by_priority.items()),
        "travel_s": travel,
        "travel_s_per_served_job": round(travel / len(served), 1) if served else None,
        "wall_s": round(wall_s, 2),
        "violations": len(check(plan, scenario)),
        "error": None,
    }


def failed_row(
    engine: str, jobs: int, seed: int, scenario: Scenario, wall_s: float, error: Exception
) -> dict[str, Any]:
    """The row of a run that gave no plan to score (its checker findings, if any, counted)."""
    return {
        "engine": engine,
        "jobs": jobs,
        "seed": seed,
        "jobs_today": len(scenario.jobs),
        "technicians": scenario.shifts["technician_id"].nunique(),
        "served": None,
        "served_by_priority": None,
        "weighted_score": None,
        "travel_s": None,
        "travel_s_per_served_job": None,
        "wall_s": round(wall_s, 2),
        "violations": len(getattr(error, "violations", [])),
        "error": f"{type(error).__name__}: {str(error).splitlines()[0]}",
    }


def engine_name(plan: DispatchPlan, default: str) -> str:
    """The engine the plan says made it (``details["engine"]``), ``default`` when silent."""
    return str(plan.details.get("engine") or default)


def run_ours(scenario: Scenario, day: dt.date, time_limit: float, seed: int) -> DispatchPlan:
    """``plan_routes`` on the reduced day: the code path users run."""
    from fieldopt.dispatch.api import plan_routes
    from fieldopt.options import SolveOptions

    return plan_routes(scenario, day, options=SolveOptions(time_limit_s=time_limit, seed=seed))


def timed_row(
    engine: str,
    jobs: int,
    seed: int,
    scenario: Scenario,
    solve: Callable[[], DispatchPlan],
) -> dict[str, Any]:
    """Run ``solve`` and score its plan, under the engine name the plan gives (``engine``
    if none); a run that fails (no plan, or ``plan_routes`` refusing a plan that fails the
    checker) gives a row saying so."""
    from fieldopt.errors import NoPlanError

    t0 = time.perf_counter()
    try:
        plan = solve()
    except NoPlanError as exc:
        return failed_row(engine, jobs, seed, scenario, time.perf_counter() - t0, exc)
    wall = time.perf_counter() - t0
    return day_row(engine_name(plan, engine), jobs, seed, scenario, plan, wall)


MEDIAN_KEYS = (
    "jobs_today",
    "technicians",
    "served",
    "weighted_score",
    "travel_s",
    "travel_s_per_served_job",
    "wall_s",
    "violations",
)


def medians(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Median of each figure per (size, engine), over the seeds that gave a plan."""
    groups: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault((r["jobs"], r["engine"]), []).append(r)
    out = []
    for (jobs, engine), group in groups.items():
        m: dict[str, Any] = {"jobs": jobs, "engine": engine, "runs": len(group)}
        for key in MEDIAN_KEYS:
            m[key] = _median([r[key] for r in group])
        planned = [r["served_by_priority"] for r in group if r["served_by_priority"]]
        m["served_by_priority"] = (
            {p: _median([b[p] for b in planned]) for p in planned[0]} if planned else None
        )
        out.append(m)
    return out


def run_day(
    jobs: int, seed: int, engines: list[str], time_limit: float, vroom: VroomParams | None = None
) -> list[dict[str, Any]]:
    """Generate the day of ``jobs`` jobs and ``seed``, reduce it, and plan it with each engine
    (``day``: ``plan_routes``; ``vroom``: :func:`plan_with_vroom`): one row per engine."""
    from benchmarks.dispatch_scale import DAY, generated_day

    scenario = reduce_day(generated_day(jobs, seed), DAY)
    rows = []
    for engine in engines:
        if engine == "vroom":
            from benchmarks.compare.vroom_day import plan_with_vroom

            solve = functools.partial(plan_with_vroom, scenario, DAY, vroom)
        else:
            solve = functools.partial(run_ours, scenario, DAY, time_limit, seed)
        rows.append(timed_row(engine, jobs, seed, scenario, solve))
    return rows


def _median(values: list[float | None]) -> float | None:
    """The median of the values given (a run without a plan gives none)."""
    known = [v for v in values if v is not None]
    return round(statistics.median(known), 2) if known else None
