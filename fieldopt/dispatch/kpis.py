"""KPIs of a dispatch plan, recomputed from its stops and the scenario (never from the solver)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from fieldopt.scenario import PRIORITY_NAMES

if TYPE_CHECKING:
    from fieldopt.dispatch.plan import DispatchPlan
    from fieldopt.scenario import Scenario


def compute_kpis(plan: DispatchPlan, scenario: Scenario) -> dict[str, Any]:
    """Summary, per-technician and per-stop KPIs (seconds, metres, minutes where named)."""
    jobs = scenario.view.jobs
    shifts = scenario.view.shifts_on(plan.day)
    served = plan.served_jobs()
    per_tech: dict[str, dict[str, Any]] = {}
    per_stop: list[dict[str, Any]] = []
    late_total = 0.0
    sla_jobs = sla_met = 0
    for tech, stops in plan.routes().items():
        travel = sum(s.travel_s for s in stops)
        dist = sum(s.distance_m for s in stops)
        wait = sum(s.wait_s for s in stops)
        service = sum(int((s.end - s.start).total_seconds()) for s in stops if s.kind == "job")
        first, last = stops[0].start, stops[-1].end
        shift = shifts.get(tech)
        overtime = max(0, int((last - shift[1]).total_seconds())) if shift else 0
        shift_s = int((shift[1] - shift[0]).total_seconds()) if shift else 0
        n_jobs = sum(s.kind == "job" for s in stops)
        per_tech[tech] = {
            "jobs": n_jobs,
            "travel_s": travel,
            "distance_m": dist,
            "wait_s": wait,
            "service_s": service,
            "overtime_s": overtime,
            "start": first.strftime("%H:%M"),
            "end": last.strftime("%H:%M"),
            "utilisation_pct": round(100 * service / shift_s, 1) if shift_s else 0.0,
        }
    for job_id, stops in served.items():
        s0 = min(stops, key=lambda s: s.start)
        deadline = jobs[job_id]["sla_deadline"] if job_id in jobs else None
        late = None
        if deadline is not None and not pd.isna(deadline):
            end = max(s.end for s in stops)
            late = max(0.0, (end - deadline.to_pydatetime()).total_seconds() / 60)
            sla_jobs += 1
            sla_met += late == 0
            late_total += late
        per_stop.append(
            {
                "job_id": job_id,
                "technicians": sorted(s.technician_id for s in stops),
                "start": s0.start.strftime("%H:%M"),
                "minutes_late": late,
            }
        )
    by_priority = {}
    for level, name in PRIORITY_NAMES.items():
        wanted = [j for j in served if j in jobs and int(jobs[j]["priority"]) == level]
        left = [j for j in plan.unassigned if j in jobs and int(jobs[j]["priority"]) == level]
        by_priority[name] = {"served": len(wanted), "unassigned": len(left)}
    tot_service = sum(t["service_s"] for t in per_tech.values())
    tot_shift = sum(int((b - a).total_seconds()) for t, (a, b) in shifts.items() if t in per_tech)
    summary = {
        "jobs_served": len(served),
        "jobs_unassigned": len(plan.unassigned),
        "jobs_by_priority": by_priority,
        "technicians_used": sum(1 for t in per_tech.values() if t["jobs"]),
        "travel_min": round(sum(t["travel_s"] for t in per_tech.values()) / 60, 1),
        "distance_km": round(sum(t["distance_m"] for t in per_tech.values()) / 1000, 1),
        "sla_jobs": sla_jobs,
        "sla_compliance_pct": round(100 * sla_met / sla_jobs, 1) if sla_jobs else 100.0,
        "minutes_late": round(late_total, 1),
        "overtime_min": round(sum(t["overtime_s"] for t in per_tech.values()) / 60, 1),
        "utilisation_pct": round(100 * tot_service / tot_shift, 1) if tot_shift else 0.0,
    }
    return {"summary": summary, "technicians": per_tech, "jobs": per_stop}
