"""A repair schedule's day handed to dispatch: the day's visits become the day's jobs.

The schedule decides who does what on which day; dispatch then orders each technician's day
with travel, lunch and parts. :func:`day_scenario` gives dispatch only that day's work.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from fieldopt.errors import InputError
from fieldopt.scenario import Scenario, scenario_from_frames
from fieldopt.schedule.result import RepairSchedule

# Tables whose rows belong to a job (``job_id``); predecessors also name a second job.
JOB_TABLES = ("job_windows", "job_skills", "job_parts", "job_predecessors")


def day_scenario(scenario: Scenario, schedule: RepairSchedule, day: dt.date) -> Scenario:
    """``scenario`` reduced to the jobs ``schedule`` visits on ``day``, ready for dispatch.

    Each kept job lasts the minutes of its visits that day (the schedule's, for its team:
    ``level_factor_pct`` becomes 0, the level is in them already), is one visit (not
    splittable), has status ``scheduled`` and cannot be outsourced; a job done by one
    technician is pinned to them (a team job is staffed again by dispatch from the skills).
    Windows, skills, parts and predecessors between kept jobs stay. Raises ``InputError`` if
    the schedule names a job or technician the scenario does not have.
    """
    jobs = scenario.jobs
    known = set(jobs["id"].astype(str))
    techs = set(scenario.technicians["id"].astype(str))
    team: dict[str, set[str]] = defaultdict(set)
    for a in schedule.assignments:
        if a.job_id not in known:
            raise InputError(f"schedule: assignment of job {a.job_id!r}: not in the scenario")
        if a.technician_id not in techs:
            raise InputError(
                f"schedule: assignment of job {a.job_id!r}: technician {a.technician_id!r} "
                "is not in the scenario"
            )
        if a.start.date() == day:
            team[a.job_id].add(a.technician_id)
    minutes = {
        j: sum(int((b - a).total_seconds() // 60) for a, b in visits if a.date() == day)
        for j, visits in schedule.visits().items()
        if j in team
    }
    frames = scenario.to_frames()
    kept = frames["jobs"][frames["jobs"]["id"].astype(str).isin(minutes)].copy()
    ids = kept["id"].astype(str)
    kept["duration_min"] = ids.map(minutes).astype("int64")
    kept["level_factor_pct"] = 0.0
    kept["splittable"] = False
    kept["status"] = "scheduled"
    kept["outsource_cost"] = float("nan")
    alone = ids.map(lambda j: next(iter(team[j])) if len(team[j]) == 1 else None)
    kept["pin_technician_id"] = kept["pin_technician_id"].where(alone.isna(), alone)
    frames["jobs"] = kept.reset_index(drop=True)
    for name in JOB_TABLES:
        table = frames[name]
        mask = table["job_id"].astype(str).isin(minutes)
        if name == "job_predecessors":
            mask &= table["predecessor_id"].astype(str).isin(minutes)
        frames[name] = table[mask].reset_index(drop=True)
    return scenario_from_frames(
        frames, f"{scenario.name}@{day.isoformat()}", source=scenario.source
    )
