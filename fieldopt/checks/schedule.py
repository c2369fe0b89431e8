"""Independent checker of repair schedules: every rule recomputed from the scenario tables."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from typing import Any

import pandas as pd

from fieldopt.checks.violation import Violation
from fieldopt.scenario import Scenario
from fieldopt.schedule.kpis import schedule_kpis
from fieldopt.schedule.result import RepairSchedule
from fieldopt.schedule.rules import MIN_VISIT_MIN, SCHEDULABLE_STATUSES, job_minutes


def _dt(value: object) -> dt.datetime | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).to_pydatetime()  # type: ignore[call-overload,arg-type]


def check_schedule(schedule: RepairSchedule, scenario: Scenario) -> list[Violation]:
    """Violations of ``schedule``: team, skills, duration, visits (split), shifts, overlaps,
    release, windows, precedences, pins, outsourcing, horizon, completeness, and KPIs.

    A job's duration is the sum of its visits; each visit lies inside one shift of every
    member; only a ``splittable`` job has several, each at least ``MIN_VISIT_MIN`` long."""
    out: list[Violation] = []
    jobs: dict[str, Any] = {str(r["id"]): r for r in scenario.jobs.to_dict("records")}
    levels: dict[str, dict[str, int]] = defaultdict(dict)
    for t, s, lvl in scenario.technician_skills[["technician_id", "skill", "level"]].itertuples(
        index=False
    ):
        levels[str(t)][str(s)] = int(lvl)
    shifts: dict[str, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    for t, a, b in scenario.shifts[["technician_id", "start", "end"]].itertuples(index=False):
        shifts[str(t)].append((pd.Timestamp(a).to_pydatetime(), pd.Timestamp(b).to_pydatetime()))
    needs: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
    for j, s, lvl, k in scenario.job_skills[
        ["job_id", "skill", "min_level", "technicians"]
    ].itertuples(index=False):
        needs[str(j)].append((str(s), int(lvl), int(k)))

    planned = schedule.jobs()
    by_job: dict[str, list[tuple[str, str | None, dt.datetime, dt.datetime]]] = defaultdict(list)
    for a in schedule.assignments:
        by_job[a.job_id].append((a.technician_id, a.skill, a.start, a.end))
        if a.technician_id not in levels and a.technician_id not in set(scenario.technicians["id"]):
            out.append(Violation("unknown", a.technician_id, "unknown technician"))
    seen: dict[str, str] = {}
    for j in planned:
        seen[j] = "scheduled"
    for j in schedule.outsourced:
        if j in seen:
            out.append(Violation("fate", j, "both scheduled and outsourced"))
        seen[j] = "outsourced"
    for u in schedule.unscheduled:
        if u.job_id in seen:
            out.append(Violation("fate", u.job_id, f"{seen[u.job_id]} and listed unscheduled"))
        seen[u.job_id] = "unscheduled"
    for j, row in jobs.items():
        status = row["status"]
        if status in SCHEDULABLE_STATUSES and j not in seen:
            out.append(Violation("missing", str(j), "job neither scheduled, outsourced nor listed"))
    for j in seen:
        if j not in jobs:
            out.append(Violation("unknown", j, "unknown job"))

    end_h = schedule.horizon_end
    for j, members in by_job.items():
        if j not in jobs:
            continue
        job = jobs[j]
        visits_of: dict[str, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
        serves: dict[str, set[str | None]] = defaultdict(set)
        for t, sk, a, b in members:
            visits_of[t].append((a, b))
            serves[t].add(sk)
        visits = sorted({(a, b) for _, _, a, b in members})
        if any(sorted(v) != visits for v in visits_of.values()):
            out.append(Violation("team", j, "team members do not share the same visits"))
        if any(len(sks) > 1 for sks in serves.values()):
            out.append(Violation("team", j, "a technician serves different skills in its visits"))
        start, end = visits[0][0], max(b for _, b in visits)
        techs = list(visits_of)
        if any(len(set(v)) < len(v) for v in visits_of.values()):
            out.append(Violation("team", j, "a technician appears twice"))
        if len(visits) > 1 and not bool(job["splittable"]):
            out.append(Violation("split", j, f"{len(visits)} visits, the job is not splittable"))
        short = [(a, b) for a, b in visits if b - a < dt.timedelta(minutes=MIN_VISIT_MIN)]
        if len(visits) > 1 and short:
            out.append(
                Violation("split", j, f"visit {short[0][0]} shorter than {MIN_VISIT_MIN} min")
            )
        team = [(t, next(iter(serves[t]))) for t in techs]
        if len(techs) < int(job["technicians_needed"]):
            out.append(
                Violation(
                    "team",
                    j,
                    f"{len(techs)} technicians, needs {job['technicians_needed']}",
                    float(job["technicians_needed"] - len(techs)),
                )
            )
        for s, lvl, k in needs[j]:
            got = sum(1 for t, sk in team if sk == s and levels[t].get(s, 0) >= lvl)
            if got < k:
                out.append(
                    Violation(
                        "skill",
                        j,
                        f"{got} technicians serve {s} at level >= {lvl}, needs {k}",
                        float(k - got),
                    )
                )
        names = [s for s, _, _ in needs[j]]
        for t, sk in team:
            if sk is not None and sk not in names:
                out.append(Violation("skill", j, f"{t} serves {sk}, which the job does not need"))
        required = max(
            job_minutes(
                int(job["duration_min"]),
                float(job["level_factor_pct"]),
                min([levels[t][s] for s in names if s in levels[t]], default=None),
            )
            for t in techs
        )
        took = sum(int((b - a).total_seconds() // 60) for a, b in visits)
        if took < required:
            out.append(
                Violation(
                    "duration", j, f"{took} min, the team needs {required}", float(required - took)
                )
            )
        if start < schedule.origin or end > end_h:
            out.append(Violation("horizon", j, f"{start}–{end} outside the horizon"))
        release = _dt(job["release_at"])
        if release is not None and start < release:
            out.append(
                Violation(
                    "release",
                    j,
                    f"starts {start} before release {release}",
                    (release - start).total_seconds() / 60,
                )
            )
        pin_t, pin_s = job["pin_technician_id"], _dt(job["pin_start"])
        if isinstance(pin_t, str) and pin_t not in techs:
            out.append(Violation("pin", j, f"pinned to {pin_t}, not in the team"))
        if pin_s is not None and start != pin_s:
            out.append(Violation("pin", j, f"pinned to start {pin_s}, starts {start}"))
        for t in techs:
            for v0, v1 in visits:
                if not any(a <= v0 and v1 <= b for a, b in shifts[t]):
                    out.append(Violation("shift", j, f"{t} works {v0}–{v1} outside one shift"))
    windows: dict[str, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    for j, a, b in scenario.job_windows[["job_id", "start", "end"]].itertuples(index=False):
        windows[str(j)].append((pd.Timestamp(a).to_pydatetime(), pd.Timestamp(b).to_pydatetime()))
    for j, (start, _, _) in planned.items():
        if windows.get(j) and not any(a <= start <= b for a, b in windows[j]):
            out.append(Violation("time_window", j, f"starts {start} outside its windows"))

    per_tech: dict[str, list[tuple[dt.datetime, dt.datetime, str]]] = defaultdict(list)
    for a in schedule.assignments:
        per_tech[a.technician_id].append((a.start, a.end, a.job_id))
    for t, spans in per_tech.items():
        spans.sort()
        for (_, e1, j1), (s2, _, j2) in itertools.pairwise(spans):
            if s2 < e1:
                out.append(
                    Violation(
                        "overlap", t, f"{j1} and {j2} overlap", (e1 - s2).total_seconds() / 60
                    )
                )

    for j, p, lag in scenario.job_predecessors[["job_id", "predecessor_id", "lag_min"]].itertuples(
        index=False
    ):
        j, p = str(j), str(p)
        if jobs[p]["status"] not in SCHEDULABLE_STATUSES:
            continue
        if j in planned:
            if p not in planned:
                out.append(Violation("precedence", j, f"scheduled but predecessor {p} is not"))
                continue
            ready = planned[p][1] + dt.timedelta(minutes=int(lag))
            if planned[j][0] < ready:
                out.append(
                    Violation(
                        "precedence",
                        j,
                        f"starts before {p} ends + {lag} min",
                        (ready - planned[j][0]).total_seconds() / 60,
                    )
                )
        elif j in schedule.outsourced and p not in planned and p not in schedule.outsourced:
            out.append(Violation("precedence", j, f"outsourced but predecessor {p} is not done"))

    spent = 0.0
    for j in schedule.outsourced:
        if j in jobs and pd.isna(jobs[j]["outsource_cost"]):
            out.append(Violation("outsourcing", j, "cannot be outsourced"))
        elif j in jobs:
            spent += float(jobs[j]["outsource_cost"])
    budget = schedule.params.get("outsource_budget")
    if budget is not None and spent > float(budget) + 1e-6:
        out.append(
            Violation(
                "budget", "outsourcing", f"spends {spent}, budget {budget}", spent - float(budget)
            )
        )

    if schedule.kpis:
        kpis = schedule_kpis(schedule, scenario)
        for key, value in kpis.items():
            if key in schedule.kpis and schedule.kpis[key] != value:
                out.append(
                    Violation("kpi", key, f"reported {schedule.kpis[key]}, recomputed {value}")
                )
    return out
