"""Re-planning benchmark: plan a day, then re-plan it at given times under standard events;
every plan checked by the independent checker, the wall time against the time limit, and how
much the plan changed (engine ``day``: what ``fieldopt replan`` runs)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import fieldopt
from fieldopt.dispatch import DispatchPlan
from fieldopt.options import SolveOptions
from fieldopt.scenario import Scenario

EVENT_SETS = ("none", "cancel", "mix")


def standard_events(
    plan: DispatchPlan, scenario: Scenario, now: dt.datetime, which: str
) -> list[dict[str, Any]]:
    """``none``; ``cancel``: the first one-technician job starting an hour after ``now`` is
    cancelled; ``mix``: a job under way runs 30 minutes long, that cancellation, a technician
    off from an hour later, and a new critical job at the first job's site (due at 17:00)."""
    if which == "none":
        return []
    served = plan.served_jobs()
    later = sorted(
        j for j, st in served.items() if len(st) == 1 and st[0].start > now + dt.timedelta(hours=1)
    )
    events: list[dict[str, Any]] = [{"type": "cancel", "job_id": later[0]}] if later else []
    if which == "cancel":
        return events
    running = sorted(
        j for j, st in served.items() if len(st) == 1 and st[0].start < now < st[0].end
    )
    if running:
        events.append({"type": "job_extended", "job_id": running[0], "minutes": 30})
    techs = sorted(plan.routes())
    off = (now + dt.timedelta(hours=1)).strftime("%H:%M")
    events.append(
        {"type": "technician_unavailable", "technician_id": techs[len(techs) // 2], "from": off}
    )
    job = {
        "id": "BENCH-EMERGENCY",
        "site_id": str(scenario.jobs["site_id"].iloc[0]),
        "duration_min": 45,
        "priority": 1,
        "sla_deadline": f"{plan.day} 17:00",
    }
    events.append({"type": "new_job", "job": job})
    return events


def replan_rows(
    scenario: Scenario,
    day: dt.date,
    nows: list[str],
    plan_limit: float,
    time_limit: float,
    seed: int,
) -> list[dict[str, Any]]:
    """One row per (now, event set): wall seconds, checker violations, served, changes."""
    t0 = time.perf_counter()
    plan = fieldopt.plan_routes(
        scenario, day, options=SolveOptions(time_limit_s=plan_limit, seed=seed)
    )
    rows = [
        _row(scenario.name, "plan", "-", plan_limit, time.perf_counter() - t0, plan, scenario, [])
    ]
    for now in nows:
        t_now = dt.datetime.combine(day, dt.time.fromisoformat(now))
        for which in EVENT_SETS:
            events = standard_events(plan, scenario, t_now, which)
            t0 = time.perf_counter()
            result = fieldopt.replan(
                plan,
                now,
                events,
                scenario,
                options=SolveOptions(time_limit_s=time_limit, seed=seed),
            )
            wall = time.perf_counter() - t0
            rows.append(
                _row(
                    scenario.name,
                    now,
                    which,
                    time_limit,
                    wall,
                    result.plan,
                    result.scenario,
                    result.diff,
                )
            )
    return rows


def _row(
    name: str,
    now: str,
    which: str,
    limit: float,
    wall: float,
    plan: DispatchPlan,
    scenario: Scenario,
    diff: list[dict[str, Any]],
) -> dict[str, Any]:
    def count(change: str, over: float | None = None) -> int:
        return sum(
            1
            for d in diff
            if d["change"] == change and (over is None or abs(d["minutes_later"] or 0) > over)
        )

    return {
        "engine": "day",
        "scenario": name,
        "now": now,
        "events": which,
        "time_limit_s": limit,
        "wall_s": round(wall, 2),
        "violations": len(fieldopt.check(plan, scenario)),
        "served": plan.kpis["summary"]["jobs_served"],
        "moved": count("moved"),
        "retimed": count("retimed"),
        "retimed_over_30_min": count("retimed", 30),
        "added": count("added"),
        "dropped": count("dropped"),
    }
