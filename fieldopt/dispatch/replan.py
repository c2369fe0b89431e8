"""Re-planning during the day: fix what is done or running, apply events, warm-start, diff.

Events (JSON list of objects):

- ``{"type": "new_job", "job": {...jobs.csv columns...}, "skills": [{"skill", "min_level"}],
  "windows": [{"start", "end"}], "parts": [{"part_id", "quantity"}]}``
- ``{"type": "cancel", "job_id": "J1"}``
- ``{"type": "late", "job_id": "J1", "minutes": 30}``: a job in progress runs that much longer
- ``{"type": "technician_unavailable", "technician_id": "T1", "from": "HH:MM"}``
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence, Set
from dataclasses import dataclass
from typing import Any

import pandas as pd

from fieldopt.dispatch.api import plan_routes
from fieldopt.dispatch.plan import DispatchPlan, Stop
from fieldopt.errors import InputError
from fieldopt.options import SolveOptions
from fieldopt.scenario import Scenario, read_scenario, scenario_from_frames
from fieldopt.translate.routing import Start

EVENT_TYPES = ("new_job", "cancel", "late", "technician_unavailable")
DEFAULT_REPLAN_OPTIONS = SolveOptions(time_limit_s=10.0)


@dataclass(frozen=True)
class ReplanResult:
    """The new plan, the scenario it was planned on (statuses and events applied), and the diff:
    one row per job whose assignment changed (``change``: moved, retimed, added, dropped,
    cancelled) with old/new technicians and start and the shift in minutes."""

    plan: DispatchPlan
    scenario: Scenario
    diff: list[dict[str, Any]]


def _time(day: dt.date, text: str | dt.datetime, what: str) -> dt.datetime:
    if isinstance(text, dt.datetime):
        return text
    try:
        if len(text) <= 5:
            return dt.datetime.combine(day, dt.time.fromisoformat(text))
        return dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise InputError(f"{what}: expected HH:MM or YYYY-MM-DD HH:MM, got {text!r}") from exc


def replan(
    plan: DispatchPlan,
    now: str | dt.datetime,
    events: Sequence[dict[str, Any]] = (),
    scenario: Scenario | None = None,
    *,
    options: SolveOptions | None = None,
    solution_limit: int | None = None,
) -> ReplanResult:
    """Re-plan the rest of ``plan``'s day at ``now`` after ``events``, warm-started from
    ``plan`` (``solution_limit``: stop after that many improving solutions); ``options``
    default to a 10 s limit."""
    if scenario is None:
        if not plan.scenario_source:
            raise InputError("plan: scenario_source is empty; pass the scenario")
        scenario = read_scenario(plan.scenario_source)
    day = plan.day
    t_now = _time(day, now, "now")
    late: dict[str, int] = {}
    cancelled: set[str] = set()
    gone: dict[str, dt.datetime] = {}
    new_jobs: list[dict[str, Any]] = []
    for n, ev in enumerate(events):
        kind = ev.get("type")
        where = f"events[{n}]"
        if kind not in EVENT_TYPES:
            raise InputError(
                f"{where}: type: expected one of {', '.join(EVENT_TYPES)}, got {kind!r}"
            )
        try:
            if kind == "cancel":
                cancelled.add(str(ev["job_id"]))
            elif kind == "late":
                late[str(ev["job_id"])] = int(ev["minutes"])
            elif kind == "technician_unavailable":
                gone[str(ev["technician_id"])] = _time(day, ev["from"], f"{where}: from")
            else:
                new_jobs.append(ev)
                ev["job"]["id"]
        except KeyError as exc:
            raise InputError(f"{where}: missing field {exc}") from exc

    # Work that started before now is a fact; running-late jobs push their technician's day.
    fixed: list[Stop] = []
    starts: dict[str, Start] = {}
    status: dict[str, str] = {}
    lunch_taken: set[str] = set()
    for tech, stops in plan.routes().items():
        last: Stop | None = None
        for s in stops:
            if s.kind == "end" or s.start >= t_now:
                continue
            if s.kind == "start" and any(
                x.kind != "start" and x.start < t_now for x in stops if x.kind != "end"
            ):
                fixed.append(dataclasses.replace(s, fixed=True))
                continue
            if s.kind == "start":
                continue
            end = s.end
            if s.job_id in late:
                end = end + dt.timedelta(minutes=late[s.job_id])
            fixed.append(dataclasses.replace(s, end=end, fixed=True))
            if s.kind == "break":
                lunch_taken.add(tech)
            if s.job_id:
                status[s.job_id] = "done" if end <= t_now else "in_progress"
            last = dataclasses.replace(s, end=end)
        if last is not None:
            starts[tech] = Start(last.location_id, max(t_now, last.end))
        else:
            home = plan_home(scenario, tech)
            starts[tech] = Start(home, t_now)
    unknown_late = sorted(set(late) - {j for j, st in status.items() if st == "in_progress"})
    unknown_late = [j for j in unknown_late if not any(s.job_id == j and s.fixed for s in fixed)]
    if unknown_late:
        raise InputError(
            f"events: late: job(s) {', '.join(unknown_late)} not in progress at {t_now:%H:%M}"
        )
    for tech in gone:
        if tech in starts and gone[tech] <= starts[tech].at:
            del starts[tech]

    frames = scenario.to_frames()
    jobs = frames["jobs"]
    for job_id, st in status.items():
        jobs.loc[jobs["id"] == job_id, "status"] = st
    for job_id in cancelled:
        if not (jobs["id"] == job_id).any():
            raise InputError(f"events: cancel: unknown job {job_id!r}")
        jobs.loc[jobs["id"] == job_id, "status"] = "cancelled"
    extra = [ev["job"] for ev in new_jobs]
    if extra:
        frames["jobs"] = pd.concat([jobs, pd.DataFrame(extra)], ignore_index=True)
        for table, key in (
            ("job_skills", "skills"),
            ("job_windows", "windows"),
            ("job_parts", "parts"),
        ):
            rows = [dict(r, job_id=ev["job"]["id"]) for ev in new_jobs for r in ev.get(key, [])]
            if rows:
                frames[table] = pd.concat([frames[table], pd.DataFrame(rows)], ignore_index=True)
    shifts = frames["shifts"]
    for tech, when in gone.items():
        on_day = (shifts["technician_id"] == tech) & (shifts["start"].dt.date == day)
        shifts.loc[on_day & (shifts["start"] >= when), "start"] = pd.NaT
        shifts.loc[on_day, "end"] = shifts.loc[on_day, "end"].where(
            shifts.loc[on_day, "end"] <= when, when
        )
    frames["shifts"] = shifts[shifts["start"].notna()]
    techs = frames["technicians"]
    for tech in lunch_taken:
        techs.loc[techs["id"] == tech, "lunch_duration_min"] = 0
    new_scenario = scenario_from_frames(frames, name=scenario.name)
    new_scenario = dataclasses.replace(
        new_scenario, source=scenario.source, base_dir=scenario.base_dir
    )
    # technicians already home for good (past their shift) keep only their fixed work
    new_plan = plan_routes(
        new_scenario,
        day,
        options=options or DEFAULT_REPLAN_OPTIONS,
        starts=starts,
        warm_start=plan,
        fixed_stops=fixed,
        solution_limit=solution_limit,
    )
    return ReplanResult(new_plan, new_scenario, plan_diff(plan, new_plan, cancelled))


def plan_home(scenario: Scenario, tech: str) -> str:
    techs = scenario.technicians.set_index("id")
    return str(techs.at[tech, "home_location_id"])


def plan_diff(
    old: DispatchPlan, new: DispatchPlan, cancelled: Set[str] = frozenset()
) -> list[dict[str, Any]]:
    """Jobs whose technicians or start changed between two plans."""
    a, b = old.served_jobs(), new.served_jobs()
    out = []
    for job in sorted(set(a) | set(b) | set(cancelled)):
        sa, sb = a.get(job, []), b.get(job, [])
        ta = sorted(s.technician_id for s in sa)
        tb = sorted(s.technician_id for s in sb)
        start_a = min((s.start for s in sa), default=None)
        start_b = min((s.start for s in sb), default=None)
        if job in cancelled:
            change = "cancelled"
        elif not sa:
            change = "added"
        elif not sb:
            change = "dropped"
        elif ta != tb:
            change = "moved"
        elif start_a != start_b:
            change = "retimed"
        else:
            continue
        shift = None
        if start_a is not None and start_b is not None:
            shift = round((start_b - start_a).total_seconds() / 60, 1)
        out.append(
            {
                "job_id": job,
                "change": change,
                "from_technicians": ta,
                "to_technicians": tb,
                "from_start": None if start_a is None else start_a.strftime("%H:%M"),
                "to_start": None if start_b is None else start_b.strftime("%H:%M"),
                "minutes_later": shift,
            }
        )
    return out
