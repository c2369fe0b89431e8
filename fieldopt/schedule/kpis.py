"""Schedule KPIs recomputed from the assignments and the scenario (no solver)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from fieldopt.domain.schedule_rules import PRIORITY_WEIGHTS
from fieldopt.scenario import Scenario
from fieldopt.schedule.result import RepairSchedule


def schedule_kpis(schedule: RepairSchedule, scenario: Scenario) -> dict[str, Any]:
    """Weighted tardiness and completion (weighted minutes, weights by priority), late jobs,
    makespan (minutes from the origin), technician-minutes worked, outsourcing cost."""
    jobs, origin, outsourced = schedule.jobs(), schedule.origin, schedule.outsourced
    table = {str(r["id"]): r for r in scenario.jobs.to_dict("records")}
    tardiness = completion = late = 0
    makespan = 0
    for job_id, (_, end, _) in jobs.items():
        row = table[job_id]
        weight = PRIORITY_WEIGHTS[int(row["priority"])]
        end_min = int((end - origin).total_seconds() // 60)
        completion += weight * end_min
        makespan = max(makespan, end_min)
        if not pd.isna(row["sla_deadline"]):
            late_min = int((end - row["sla_deadline"].to_pydatetime()).total_seconds() // 60)
            if late_min > 0:
                tardiness += weight * late_min
                late += 1
    worked = sum(int((a.end - a.start).total_seconds() // 60) for a in schedule.assignments)
    cost = sum(float(table[j]["outsource_cost"]) for j in outsourced if j in table)
    return {
        "weighted_tardiness_min": tardiness,
        "late_jobs": late,
        "weighted_completion_min": completion,
        "makespan_min": makespan,
        "technician_minutes": worked,
        "outsourcing_cost": round(float(cost), 2),
    }
