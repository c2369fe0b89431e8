"""Issue 19's acceptance run on the shipped sample: re-planning at 09:00, 11:20 and 14:00 with
each event type gives plans the checker accepts, and no planned critical job is dropped by an
event that does not concern it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from fieldopt.check import check
from fieldopt.dispatch import DispatchPlan, plan_routes, replan
from fieldopt.options import SolveOptions
from fieldopt.scenario import Scenario, read_scenario

SAMPLE = Path(__file__).parents[2] / "data" / "sample"
DAY = dt.date(2026, 11, 24)
NOWS = ("09:00", "11:20", "14:00")


@pytest.fixture(scope="module")
def sample() -> Scenario:
    return read_scenario(SAMPLE)


@pytest.fixture(scope="module")
def morning(sample: Scenario) -> DispatchPlan:
    plan = plan_routes(sample, DAY, options=SolveOptions(time_limit_s=5, seed=0))
    assert check(plan, sample) == []
    return plan


def events_at(
    plan: DispatchPlan, sample: Scenario, now: dt.datetime
) -> dict[str, list[dict[str, Any]]]:
    """One event of each type that makes sense at ``now``, on jobs and technicians of the plan."""
    served = plan.served_jobs()
    begun = sorted(j for j, st in served.items() if st[0].start < now < st[0].end and len(st) == 1)
    later = sorted(
        j
        for j, st in served.items()
        if st[0].start > now + dt.timedelta(minutes=40) and len(st) == 1
    )
    techs = sorted(plan.routes())
    hh = now.strftime("%H:%M")
    site = str(sample.jobs["site_id"].iloc[0])
    # a position near the technician's last stop before now
    last = [x for x in plan.routes()[techs[3]] if x.start <= now][-1]
    loc = sample.locations.set_index("id").loc[last.location_id]
    lat, lon = float(loc["lat"]) + 0.01, float(loc["lon"]) + 0.01
    out: dict[str, list[dict[str, Any]]] = {
        "cancel": [{"type": "cancel", "job_id": later[0]}],
        "new_job": [
            {
                "type": "new_job",
                "job": {
                    "id": "JNEW",
                    "site_id": site,
                    "duration_min": 45,
                    "priority": 1,
                    "sla_deadline": f"{DAY} 17:00",
                },
            }
        ],
        "technician_unavailable": [
            {
                "type": "technician_unavailable",
                "technician_id": techs[2],
                "from": (now + dt.timedelta(hours=1)).strftime("%H:%M"),
            }
        ],
        "technician_position": [
            {
                "type": "technician_position",
                "technician_id": techs[3],
                "at": hh,
                "lat": lat,
                "lon": lon,
            }
        ],
        "pin": [
            {"type": "pin", "job_id": later[1], "technician_id": served[later[1]][0].technician_id}
        ],
        "unpin": [{"type": "unpin", "job_id": later[2]}],
    }
    if begun:
        out["job_extended"] = [{"type": "job_extended", "job_id": begun[0], "minutes": 30}]
        out["job_finished"] = [{"type": "job_finished", "job_id": begun[0], "at": hh}]
        out["no_show"] = [{"type": "no_show", "job_id": begun[-1]}]
    return out


@pytest.mark.parametrize("now", NOWS)
def test_every_event_type_replans_checker_clean(
    sample: Scenario, morning: DispatchPlan, now: str
) -> None:
    t_now = dt.datetime.combine(DAY, dt.time.fromisoformat(now))
    for kind, events in events_at(morning, sample, t_now).items():
        result = replan(morning, now, events, sample, options=SolveOptions(time_limit_s=2, seed=0))
        assert check(result.plan, result.scenario) == [], (now, kind)


def test_no_planned_critical_job_is_dropped_by_an_event_elsewhere(
    sample: Scenario, morning: DispatchPlan
) -> None:
    critical = {j for j in morning.served_jobs() if sample.view.jobs[j]["priority"] == 1}
    for now in NOWS:
        t_now = dt.datetime.combine(DAY, dt.time.fromisoformat(now))
        for kind, events in events_at(morning, sample, t_now).items():
            result = replan(
                morning, now, events, sample, options=SolveOptions(time_limit_s=2, seed=0)
            )
            concerned = {str(e.get("job_id")) for e in events}
            for e in events:  # a technician's event concerns the work on their route
                if "technician_id" in e and e["type"] != "pin":
                    concerned |= {x.job_id or "" for x in morning.routes()[e["technician_id"]]}
            dropped = {d["job_id"] for d in result.diff if d["change"] == "dropped"}
            assert not (critical - concerned) & dropped, (now, kind)


def test_one_cancellation_moves_no_job_off_another_route(
    sample: Scenario, morning: DispatchPlan
) -> None:
    """Stability: cancelling one job frees its route; jobs elsewhere keep their technician
    (a move would have to serve more or more urgent work to pay its cost)."""
    now = dt.datetime.combine(DAY, dt.time(11, 20))
    served = morning.served_jobs()
    victim = sorted(j for j, st in served.items() if st[0].start > now + dt.timedelta(hours=1))[0]
    route = {s.job_id for s in morning.routes()[served[victim][0].technician_id] if s.job_id}
    cancel = [{"type": "cancel", "job_id": victim}]
    result = replan(morning, "11:20", cancel, sample, options=SolveOptions(time_limit_s=2, seed=0))
    assert check(result.plan, result.scenario) == []
    moved = {d["job_id"] for d in result.diff if d["change"] == "moved"}
    if not moved <= route:  # then the move pays: more or more urgent work is served
        weight = {1: 1000, 2: 100, 3: 10, 4: 1}

        def served_weight(plan: DispatchPlan) -> int:
            return sum(weight[int(sample.view.jobs[j]["priority"])] for j in plan.served_jobs())

        assert (
            served_weight(result.plan)
            > served_weight(morning) - weight[int(sample.view.jobs[victim]["priority"])]
        )
