"""``fieldopt bench schedule-scale``: repair scheduling on generated scenarios of a given size.

Measures, per seed, when CP-SAT reports its first schedule and when the objective first comes
within ``gap_pct`` of the proven bound, the final objective, bound and gap, and peak memory;
each schedule is checked by the independent checker.
"""

from __future__ import annotations

import datetime as dt
import resource
import statistics
import time
from typing import Any

from fieldopt.check import check
from fieldopt.generate import generate_scenario
from fieldopt.schedule.api import Progress, SolveOptions, schedule_repairs

START = dt.date(2026, 11, 23)  # a Monday: ``days`` calendar days hold whole working weeks


def run_scale(
    jobs: int,
    technicians: int,
    days: int,
    time_limit: float,
    workers: int,
    seed: int,
    gap_pct: float = 5.0,
) -> dict[str, Any]:
    """Generate (seeded), schedule and check one scenario; times are seconds from solve start."""
    scenario = generate_scenario(
        technicians=technicians,
        jobs=jobs,
        parts=200,
        depots=4,
        seed=seed,
        start=START,
        days=days,
        name=f"schedule-scale-{jobs}x{technicians}x{days}-{seed}",
    )
    first: list[float] = []
    within: list[float] = []

    def progress(event: Progress) -> None:
        objective, bound, seconds = event.objective, event.bound, event.elapsed_s
        if objective is None:
            return
        if not first:
            first.append(seconds)
        if not within and bound is not None and _gap(objective, bound) <= gap_pct:
            within.append(seconds)

    t0 = time.perf_counter()
    sched = schedule_repairs(
        scenario,
        START,
        days,
        options=SolveOptions(
            time_limit_s=time_limit, workers=workers, seed=seed, progress=progress
        ),
    )
    total = time.perf_counter() - t0
    summary = sched.summary()
    objective, bound = summary["objective_value"], summary["bound"]
    if (
        not within
        and objective is not None
        and bound is not None
        and _gap(objective, bound) <= gap_pct
    ):
        within.append(total)
    return {
        "engine": "cpsat",
        "seed": seed,
        "jobs": len(scenario.jobs),
        "technicians": technicians,
        "days": days,
        "status": summary["status"],
        "scheduled": summary["scheduled"],
        "unscheduled": summary["unscheduled"],
        "first_feasible_s": round(first[0], 2) if first else None,
        f"within_{gap_pct:g}pct_s": round(within[0], 2) if within else None,
        "total_s": round(total, 2),
        "objective": objective,
        "bound": bound,
        "gap_pct": summary["gap_pct"],
        "violations": len(check(sched, scenario)),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def medians(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Median of every numeric field over the runs (fields missing in any run: ``None``)."""
    out: dict[str, Any] = {"runs": len(rows)}
    for key in rows[0]:
        values = [r[key] for r in rows]
        if key == "seed" or not all(isinstance(v, int | float) for v in values):
            continue
        out[key] = round(statistics.median(values), 3)
    return out


def _gap(objective: float, bound: float) -> float:
    return 0.0 if objective <= bound else 100.0 * (objective - bound) / max(abs(objective), 1e-9)
