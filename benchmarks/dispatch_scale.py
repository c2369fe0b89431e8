"""``fieldopt bench scale``: dispatch on generated days of a given size.

Each run happens in a fresh process, so its peak memory is its own (``ru_maxrss`` only grows).
"""

from __future__ import annotations

import datetime as dt
import resource
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

from fieldopt.options import SolveOptions
from fieldopt.scenario import Scenario

DAY = dt.date(2026, 11, 24)


def generated_day(jobs: int, seed: int, day: dt.date = DAY) -> Scenario:
    """A generated one-day scenario: ``jobs`` jobs, technicians = jobs / 10 (at least 5)."""
    from fieldopt.generate import generate_scenario

    return generate_scenario(
        technicians=max(5, jobs // 10),
        jobs=jobs,
        parts=200,
        depots=4,
        seed=seed,
        start=day,
        days=1,
        name=f"day{jobs}-{seed}",
    )


def run_scale(jobs: int, time_limit: float, seed: int) -> dict[str, Any]:
    """Generate a one-day scenario (technicians = jobs / 10, at least 5), plan it and check it."""
    from fieldopt.check import check
    from fieldopt.dispatch.api import plan_routes

    scenario = generated_day(jobs, seed)
    t0 = time.perf_counter()
    options = SolveOptions(time_limit_s=time_limit, seed=seed)
    plan = plan_routes(scenario, DAY.isoformat(), options=options)
    total = time.perf_counter() - t0
    return {
        "engine": "day",
        "jobs": jobs,
        "seed": seed,
        "jobs_today": len(plan.served_jobs()) + len(plan.unassigned),
        "technicians": len(plan.routes()),
        "build_s": plan.details["build_s"],
        "first_feasible_s": plan.details["first_solution_s"],
        "first_solution": plan.details.get("first_solution"),
        "objective": plan.report.objective,
        "total_s": round(total, 2),
        "served": len(plan.served_jobs()),
        "violations": len(check(plan, scenario)),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def run_isolated(jobs: int, time_limit: float, seed: int) -> dict[str, Any]:
    """:func:`run_scale` in a fresh (spawned) process."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(run_scale, jobs, time_limit, seed).result()


def medians(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Median of each numeric field over runs of one size."""
    out: dict[str, Any] = {"jobs": rows[0]["jobs"], "runs": len(rows)}
    for key in rows[0]:
        values = [r[key] for r in rows]
        if key in ("jobs", "seed") or not all(isinstance(v, int | float) for v in values):
            continue
        out[key] = round(statistics.median(values), 3)
    return out
