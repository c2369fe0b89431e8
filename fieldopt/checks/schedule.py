"""Independent checker of repair schedules: every rule recomputed from the scenario tables.

One function per rule family; :func:`check_schedule` runs them in turn. A job's duration is the
sum of its visits; each visit lies inside one shift of every member; only a ``splittable`` job
has several, each at least ``MIN_VISIT_MIN`` long.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from fieldopt.checks.violation import Violation
from fieldopt.domain.schedule_rules import MIN_VISIT_MIN, SCHEDULABLE_STATUSES, job_minutes
from fieldopt.scenario import Scenario
from fieldopt.schedule.kpis import schedule_kpis
from fieldopt.schedule.result import RepairSchedule
from fieldopt.view import Levels, Requirement, holds, team_qualifies

Span = tuple[dt.datetime, dt.datetime]
Member = tuple[str, str | None, dt.datetime, dt.datetime]
"""A team member's visit of a job: technician, skill served, start, end."""


def _dt(value: object) -> dt.datetime | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).to_pydatetime()  # type: ignore[call-overload,arg-type]


@dataclass(frozen=True)
class _Tables:
    """The scenario's tables as the rules read them."""

    jobs: dict[str, Any]
    levels: Mapping[str, Levels]
    shifts: dict[str, list[Span]]
    needs: Mapping[str, tuple[Requirement, ...]]
    technicians: set[str]

    @classmethod
    def of(cls, scenario: Scenario) -> _Tables:
        shifts: dict[str, list[Span]] = defaultdict(list)
        for t, a, b in scenario.shifts[["technician_id", "start", "end"]].itertuples(index=False):
            shifts[str(t)].append(
                (pd.Timestamp(a).to_pydatetime(), pd.Timestamp(b).to_pydatetime())
            )
        return cls(
            jobs={str(r["id"]): r for r in scenario.jobs.to_dict("records")},
            levels=scenario.view.levels,
            shifts=shifts,
            needs=scenario.view.requirements,
            technicians=set(scenario.technicians["id"]),
        )


def check_schedule(schedule: RepairSchedule, scenario: Scenario) -> list[Violation]:
    """Violations of ``schedule``: team, skills, duration, visits (split), shifts, overlaps,
    release, windows, precedences, pins, outsourcing, horizon, completeness, and KPIs."""
    tables = _Tables.of(scenario)
    by_job: dict[str, list[Member]] = defaultdict(list)
    for a in schedule.assignments:
        by_job[a.job_id].append((a.technician_id, a.skill, a.start, a.end))
    out = list(_unknown_technicians(schedule, tables))
    out += _fates(schedule, tables)
    for j, members in by_job.items():
        if j in tables.jobs:
            out += _job(schedule, j, members, tables)
    out += _time_windows(schedule, scenario)
    out += _overlaps(schedule)
    out += _precedences(schedule, scenario, tables)
    out += _outsourcing(schedule, tables)
    out += _kpis(schedule, scenario)
    return out


def _unknown_technicians(schedule: RepairSchedule, tables: _Tables) -> Iterator[Violation]:
    for a in schedule.assignments:
        if a.technician_id not in tables.levels and a.technician_id not in tables.technicians:
            yield Violation("unknown", a.technician_id, "unknown technician")


def _fates(schedule: RepairSchedule, tables: _Tables) -> list[Violation]:
    """Each job to plan is in exactly one of scheduled, outsourced or unassigned; every job
    named is in the scenario."""
    out: list[Violation] = []
    seen = dict.fromkeys(schedule.jobs(), "scheduled")
    for j in schedule.outsourced:
        if j in seen:
            out.append(Violation("fate", j, "both scheduled and outsourced"))
        seen[j] = "outsourced"
    for j in schedule.unassigned:
        if j in seen:
            out.append(Violation("fate", j, f"{seen[j]} and listed unscheduled"))
        seen[j] = "unscheduled"
    for j, row in tables.jobs.items():
        if row["status"] in SCHEDULABLE_STATUSES and j not in seen:
            out.append(Violation("missing", str(j), "job neither scheduled, outsourced nor listed"))
    out += [Violation("unknown", j, "unknown job") for j in seen if j not in tables.jobs]
    return out


def _job(
    schedule: RepairSchedule, j: str, members: list[Member], tables: _Tables
) -> list[Violation]:
    """The rules of one scheduled job, from its team members' visits."""
    job = tables.jobs[j]
    visits_of: dict[str, list[Span]] = defaultdict(list)
    for t, _, a, b in members:
        visits_of[t].append((a, b))
    visits = sorted({(a, b) for _, _, a, b in members})
    return [
        *_team_shape(j, visits, visits_of),
        *_split(j, job, visits),
        *_staffing(j, job, list(visits_of), tables),
        *_duration(j, job, visits, list(visits_of), tables),
        *_horizon_and_release(schedule, j, job, visits),
        *_pins(j, job, visits, list(visits_of)),
        *_shifts(j, visits, list(visits_of), tables),
    ]


def _team_shape(
    j: str, visits: list[Span], visits_of: dict[str, list[Span]]
) -> Iterator[Violation]:
    """The team is at every visit, each member listed once per visit."""
    if any(sorted(v) != visits for v in visits_of.values()):
        yield Violation("team", j, "team members do not share the same visits")
    if any(len(set(v)) < len(v) for v in visits_of.values()):
        yield Violation("team", j, "a technician appears twice")


def _split(j: str, job: Any, visits: list[Span]) -> Iterator[Violation]:
    """Only a ``splittable`` job has several visits, each at least ``MIN_VISIT_MIN`` long."""
    if len(visits) > 1 and not bool(job["splittable"]):
        yield Violation("split", j, f"{len(visits)} visits, the job is not splittable")
    short = [(a, b) for a, b in visits if b - a < dt.timedelta(minutes=MIN_VISIT_MIN)]
    if len(visits) > 1 and short:
        yield Violation("split", j, f"visit {short[0][0]} shorter than {MIN_VISIT_MIN} min")


def _staffing(j: str, job: Any, team: list[str], tables: _Tables) -> Iterator[Violation]:
    """Team size (``technicians_needed``, no more, no fewer), and the team qualifies by the
    one rule (:func:`fieldopt.view.team_qualifies`): for each requirement, enough members
    hold the skill at the level, a member counting for every skill it holds. The
    assignments' ``skill`` labels are not read."""
    size = int(job["technicians_needed"])
    if len(team) != size:
        yield Violation(
            "team", j, f"{len(team)} technicians, needs {size}", float(abs(size - len(team)))
        )
    members = [tables.levels.get(t, {}) for t in team]
    for r in tables.needs.get(j, ()):
        if not team_qualifies(members, [r], size):
            got = sum(holds(m, r) for m in members)
            yield Violation(
                "skill",
                j,
                f"{got} technicians hold {r.skill} at level >= {r.min_level}, "
                f"needs {min(r.technicians, size)}",
                float(min(r.technicians, size) - got),
            )


def _duration(
    j: str, job: Any, visits: list[Span], techs: list[str], tables: _Tables
) -> Iterator[Violation]:
    """The visits add up to the slowest member's minutes (``job_minutes`` at their level)."""
    names = [r.skill for r in tables.needs.get(j, ())]

    def minutes(t: str) -> int:
        mine = tables.levels.get(t, {})
        held = [mine[s] for s in names if s in mine]
        return job_minutes(
            int(job["duration_min"]), float(job["level_factor_pct"]), min(held, default=None)
        )

    required = max(minutes(t) for t in techs)
    took = sum(int((b - a).total_seconds() // 60) for a, b in visits)
    if took < required:
        yield Violation(
            "duration", j, f"{took} min, the team needs {required}", float(required - took)
        )


def _horizon_and_release(
    schedule: RepairSchedule, j: str, job: Any, visits: list[Span]
) -> Iterator[Violation]:
    start, end = visits[0][0], max(b for _, b in visits)
    if start < schedule.origin or end > schedule.horizon_end:
        yield Violation("horizon", j, f"{start}–{end} outside the horizon")
    release = _dt(job["release_at"])
    if release is not None and start < release:
        yield Violation(
            "release",
            j,
            f"starts {start} before release {release}",
            (release - start).total_seconds() / 60,
        )


def _pins(j: str, job: Any, visits: list[Span], techs: list[str]) -> Iterator[Violation]:
    start = visits[0][0]
    pin_t, pin_s = job["pin_technician_id"], _dt(job["pin_start"])
    if isinstance(pin_t, str) and pin_t not in techs:
        yield Violation("pin", j, f"pinned to {pin_t}, not in the team")
    if pin_s is not None and start != pin_s:
        yield Violation("pin", j, f"pinned to start {pin_s}, starts {start}")


def _shifts(j: str, visits: list[Span], techs: list[str], tables: _Tables) -> Iterator[Violation]:
    """Each visit inside one shift of every member."""
    for t in techs:
        for v0, v1 in visits:
            if not any(a <= v0 and v1 <= b for a, b in tables.shifts[t]):
                yield Violation("shift", j, f"{t} works {v0}–{v1} outside one shift")


def _time_windows(schedule: RepairSchedule, scenario: Scenario) -> Iterator[Violation]:
    """A job with ``job_windows`` starts inside one of them."""
    windows: dict[str, list[Span]] = defaultdict(list)
    for j, a, b in scenario.job_windows[["job_id", "start", "end"]].itertuples(index=False):
        windows[str(j)].append((pd.Timestamp(a).to_pydatetime(), pd.Timestamp(b).to_pydatetime()))
    for j, (start, _, _) in schedule.jobs().items():
        if windows.get(j) and not any(a <= start <= b for a, b in windows[j]):
            yield Violation("time_window", j, f"starts {start} outside its windows")


def _overlaps(schedule: RepairSchedule) -> Iterator[Violation]:
    """A technician does one thing at a time."""
    per_tech: dict[str, list[tuple[dt.datetime, dt.datetime, str]]] = defaultdict(list)
    for a in schedule.assignments:
        per_tech[a.technician_id].append((a.start, a.end, a.job_id))
    for t, spans in per_tech.items():
        spans.sort()
        for (_, e1, j1), (s2, _, j2) in itertools.pairwise(spans):
            if s2 < e1:
                yield Violation(
                    "overlap", t, f"{j1} and {j2} overlap", (e1 - s2).total_seconds() / 60
                )


def _precedences(
    schedule: RepairSchedule, scenario: Scenario, tables: _Tables
) -> Iterator[Violation]:
    """A scheduled job starts after its (planned) predecessors end plus the lag; an outsourced
    one needs its predecessors scheduled or outsourced."""
    planned = schedule.jobs()
    for j, p, lag in scenario.job_predecessors[["job_id", "predecessor_id", "lag_min"]].itertuples(
        index=False
    ):
        j, p = str(j), str(p)
        if tables.jobs[p]["status"] not in SCHEDULABLE_STATUSES:
            continue
        if j in planned:
            if p not in planned:
                yield Violation("precedence", j, f"scheduled but predecessor {p} is not")
                continue
            ready = planned[p][1] + dt.timedelta(minutes=int(lag))
            if planned[j][0] < ready:
                yield Violation(
                    "precedence",
                    j,
                    f"starts before {p} ends + {lag} min",
                    (ready - planned[j][0]).total_seconds() / 60,
                )
        elif j in schedule.outsourced and p not in planned and p not in schedule.outsourced:
            yield Violation("precedence", j, f"outsourced but predecessor {p} is not done")


def _outsourcing(schedule: RepairSchedule, tables: _Tables) -> Iterator[Violation]:
    """Only jobs with an ``outsource_cost`` are outsourced, within the budget."""
    spent = 0.0
    for j in schedule.outsourced:
        if j in tables.jobs and pd.isna(tables.jobs[j]["outsource_cost"]):
            yield Violation("outsourcing", j, "cannot be outsourced")
        elif j in tables.jobs:
            spent += float(tables.jobs[j]["outsource_cost"])
    budget = schedule.params.get("outsource_budget")
    if budget is not None and spent > float(budget) + 1e-6:
        yield Violation(
            "budget", "outsourcing", f"spends {spent}, budget {budget}", spent - float(budget)
        )


def _kpis(schedule: RepairSchedule, scenario: Scenario) -> Iterator[Violation]:
    """The reported KPIs are the ones recomputed from the assignments (not recomputable when
    a job is not in the scenario: that is reported as ``unknown`` already)."""
    jobs = set(scenario.jobs["id"])
    if not schedule.kpis or any(j not in jobs for j in schedule.jobs()):
        return
    for key, value in schedule_kpis(schedule, scenario).items():
        if key in schedule.kpis and schedule.kpis[key] != value:
            yield Violation("kpi", key, f"reported {schedule.kpis[key]}, recomputed {value}")
