"""The scheduling seam, both ways: scenario → :class:`~solvers.scheduling.data.SchedulingData`
(with the screening facts, as reason codes), and :class:`~solvers.scheduling.solve.SchedulingResult`
→ :class:`~fieldopt.schedule.result.RepairSchedule` (:func:`read_back`).

Time is in whole minutes from 00:00 of the first day; skills become ``(skill, min_level)``
pairs so that "electrical at level 2" is one solver skill; a team is ``technicians_needed``
technicians that qualify by the one rule, :func:`fieldopt.view.team_qualifies` (solver data
with ``members_cover_several_skills``: a member counts for every skill it holds, so one
technician alone holds every skill of the job); objective units are weighted
minutes, with outsourcing costs converted at ``minutes_per_currency``. A ``splittable`` job
may be done in visits (solver pieces) of at least ``MIN_VISIT_MIN`` minutes, as many as it
needs to fit the longest working period plus one (so it may start late in a day).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from fieldopt.domain.schedule_rules import (
    MIN_VISIT_MIN,
    PRIORITY_WEIGHTS,
    SCHEDULABLE_STATUSES,
    job_minutes,
)
from fieldopt.errors import InputError, Problem
from fieldopt.reasons import Fact, Reason, ReasonCode, reason
from fieldopt.scenario import Scenario
from fieldopt.schedule.kpis import schedule_kpis
from fieldopt.schedule.result import Assignment, RepairSchedule
from fieldopt.view import Levels, Requirement, ScenarioView, holds, qualified_team_exists
from solvers.options import SolveOptions
from solvers.scheduling.data import Objective, SchedulingData, SchedulingParams
from solvers.scheduling.solve import SchedulingResult

DAY = 1440


@dataclass(frozen=True)
class SchedulingTranslation:
    """The solver data plus what is needed to read its result back in domain terms."""

    data: SchedulingData
    origin: dt.datetime
    days: int
    job_ids: tuple[str, ...]
    technician_ids: tuple[str, ...]
    skills: tuple[tuple[str, int], ...]
    screened: dict[str, Reason] = field(default_factory=dict)

    def minutes(self, when: dt.datetime) -> int:
        return int((when - self.origin).total_seconds() // 60)

    def when(self, minutes: int) -> dt.datetime:
        return self.origin + dt.timedelta(minutes=int(minutes))


def default_start(scenario: Scenario) -> dt.date:
    """The scenario's ``horizon_start`` setting, else its first shift day, else today."""
    text = scenario.settings.get("horizon_start")
    if text:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise InputError(
                [
                    Problem(
                        "error",
                        "bad_setting",
                        "settings",
                        f"expected a date YYYY-MM-DD, got {text!r}",
                        row="horizon_start",
                        field="value",
                    )
                ]
            ) from None
    if len(scenario.shifts):
        first: pd.Timestamp = scenario.shifts["start"].min()
        return first.date()
    return dt.date.today()


def _iso(ts: object) -> str | None:
    """A timestamp as ``YYYY-MM-DDTHH:MM`` (a reason's fact), ``None`` if missing."""
    if ts is None or pd.isna(ts):  # type: ignore[call-overload]
        return None
    return pd.Timestamp(ts).to_pydatetime().isoformat(timespec="minutes")  # type: ignore[arg-type]


def _minutes(ts: object, origin: dt.datetime) -> int | None:
    if ts is None or pd.isna(ts):  # type: ignore[call-overload]
        return None
    return int((pd.Timestamp(ts).to_pydatetime() - origin).total_seconds() // 60)  # type: ignore[arg-type]


def translate_schedule(
    scenario: Scenario,
    start: dt.date | None = None,
    days: int = 10,
    *,
    minutes_per_currency: float = 1.0,
    outsource_budget: float | None = None,
) -> SchedulingTranslation:
    """Build the solver data for the jobs to plan in ``days`` days from ``start``.

    Jobs that provably cannot be scheduled are left out of the data and listed in
    ``screened`` with their :class:`~fieldopt.reasons.Reason` (code and facts).
    """
    _check_arguments(days, minutes_per_currency, outsource_budget)
    day0 = start or default_start(scenario)
    origin = dt.datetime.combine(day0, dt.time())
    horizon = days * DAY
    techs = tuple(str(t) for t in scenario.technicians["id"])
    view = scenario.view
    periods = _working_periods(scenario, origin, horizon, {t: r for r, t in enumerate(techs)})
    rows, screened = _screen(scenario, origin, horizon, techs, periods)
    preds = [
        (str(j), str(p), int(lag))
        for j, p, lag in scenario.job_predecessors[
            ["job_id", "predecessor_id", "lag_min"]
        ].itertuples(index=False)
    ]
    planned = scenario.jobs[scenario.jobs["status"].isin(SCHEDULABLE_STATUSES)]
    _screen_successors(preds, {str(j) for j in planned["id"]}, screened)
    rows = [r for r in rows if r.id not in screened]
    job_ids = tuple(r.id for r in rows)
    idx = {j: i for i, j in enumerate(job_ids)}
    kept = [(idx[j], idx[p], lag) for j, p, lag in preds if j in idx and p in idx]
    skills = tuple(sorted({(q.skill, q.min_level) for r in rows for q in r.skills}))
    mastery = np.array(
        [[view.levels.get(t, {}).get(s, 0) >= lvl for (s, lvl) in skills] for t in techs],
        dtype=np.bool_,
    ).reshape(len(techs), len(skills))
    data = _solver_data(
        scenario.name,
        rows,
        skills,
        mastery,
        kept,
        periods,
        days,
        minutes_per_currency=minutes_per_currency,
        outsource_budget=outsource_budget,
    )
    return SchedulingTranslation(data, origin, days, job_ids, techs, skills, screened)


def _check_arguments(
    days: int, minutes_per_currency: float, outsource_budget: float | None
) -> None:
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise InputError(f"days: {days!r} must be an integer >= 1")
    if not (math.isfinite(minutes_per_currency) and minutes_per_currency >= 0):
        raise InputError(f"minutes_per_currency: {minutes_per_currency} must be finite, >= 0")
    if outsource_budget is not None and not (
        math.isfinite(outsource_budget) and outsource_budget >= 0
    ):
        raise InputError(f"outsource_budget: {outsource_budget} must be finite, >= 0 (or None)")


def _screen(
    scenario: Scenario,
    origin: dt.datetime,
    horizon: int,
    techs: tuple[str, ...],
    periods: dict[str, list[tuple[int, int, int]]],
) -> tuple[list[_JobRow], dict[str, Reason]]:
    """The solver row of every job to plan, and the proven reason of those that cannot be."""
    view = scenario.view
    levels = [view.levels.get(t, {}) for t in techs]
    windows: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for j, a, b in scenario.job_windows[["job_id", "start", "end"]].itertuples(index=False):
        windows[str(j)].append((_minutes(a, origin) or 0, _minutes(b, origin) or 0))
    screened: dict[str, Reason] = {}
    rows: list[_JobRow] = []
    jobs = scenario.jobs[scenario.jobs["status"].isin(SCHEDULABLE_STATUSES)]
    for job in jobs.to_dict("records"):
        jid = str(job["id"])
        why, row = _screen_job(
            job,
            view.requirements.get(jid, ()),
            windows.get(jid),
            levels,
            techs,
            periods,
            origin,
            horizon,
        )
        if why is not None:
            screened[jid] = why
        else:
            rows.append(row)
    return rows, screened


def _solver_data(
    name: str,
    rows: list[_JobRow],
    skills: tuple[tuple[str, int], ...],
    mastery: npt.NDArray[np.bool_],
    kept: list[tuple[int, int, int]],
    periods: dict[str, list[tuple[int, int, int]]],
    days: int,
    *,
    minutes_per_currency: float,
    outsource_budget: float | None,
) -> SchedulingData:
    """The solver data of the jobs that passed screening (``rows``, in activity order);
    ``kept`` the precedences between them as ``(successor, predecessor, lag)`` indices."""
    horizon = days * DAY
    kidx = {k: n for n, k in enumerate(skills)}
    n, m = len(rows), mastery.shape[0]
    sreq = np.zeros((n, len(skills)), np.int64)
    duration = np.zeros((n, m), np.int64)
    for i, r in enumerate(rows):
        for q in r.skills:
            sreq[i, kidx[q.skill, q.min_level]] = q.technicians
        duration[i] = r.durations
    weight = np.array([PRIORITY_WEIGHTS[r.priority] for r in rows], np.int64)
    costs = [r.outsource_cost for r in rows]
    win = [(i, a, b) for i, r in enumerate(rows) for a, b in r.windows]
    longest_period = max((b - a for _, a, b in periods["work"]), default=0)
    visits = [_visits(r, longest_period, days) for r in rows]
    budget = -1 if outsource_budget is None else round(outsource_budget * 100)
    return SchedulingData(
        name=name,
        horizon=horizon,
        duration=duration,
        sreq=sreq,
        mastery=mastery,
        team_size=np.array([r.needed for r in rows], np.int64),
        members_cover_several_skills=True,
        release=np.array([r.release for r in rows], np.int64),
        due=np.array([r.due for r in rows], np.int64),
        weight=weight,
        pred=np.array([p for _, p, _ in kept], np.int64),
        succ=np.array([j for j, _, _ in kept], np.int64),
        lag=np.array([lag for _, _, lag in kept], np.int64),
        off_resource=np.array([r for r, _, _ in periods["off"]], np.int64),
        off_start=np.array([a for _, a, _ in periods["off"]], np.int64),
        off_end=np.array([b for _, _, b in periods["off"]], np.int64),
        window_activity=np.array([w[0] for w in win], np.int64),
        window_start=np.array([w[1] for w in win], np.int64),
        window_end=np.array([w[2] for w in win], np.int64),
        outsource_cost=np.array(
            [-1 if c is None else round(c * minutes_per_currency) for c in costs], np.int64
        ),
        outsource_spend=np.array([0 if c is None else round(c * 100) for c in costs], np.int64),
        outsource_budget=budget,
        # Leaving a job out costs more than any in-house schedule of it (tardiness or
        # completion of a job is below the horizon): dropping is a last resort.
        drop_penalty=weight * (horizon + 1),
        pin_resource=np.array([r.pin_resource for r in rows], np.int64),
        pin_start=np.array([r.pin_start for r in rows], np.int64),
        pieces=np.array(visits, np.int64),
        min_piece=np.full(len(rows), MIN_VISIT_MIN, np.int64),
    )


def _visits(row: _JobRow, longest_period: int, days: int) -> int:
    """Most visits a job may take: 1 unless splittable; else enough to fit the longest
    working period, plus one (it may start late in a day), at most one a day."""
    if not row.splittable or longest_period <= 0:
        return 1
    return max(1, min(days, 1 + math.ceil(max(row.durations) / longest_period)))


def _working_periods(
    scenario: Scenario, origin: dt.datetime, horizon: int, tech_index: dict[str, int]
) -> dict[str, list[tuple[int, int, int]]]:
    """Shifts clipped to the horizon (``work``) and their complement (``off``), per technician,
    as ``(technician index, start, end)`` minutes; overlapping or touching shifts merge."""
    spans: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for t, a, b in scenario.shifts[["technician_id", "start", "end"]].itertuples(index=False):
        lo, hi = max(0, _minutes(a, origin) or 0), min(horizon, _minutes(b, origin) or 0)
        if hi > lo:
            spans[tech_index[str(t)]].append((lo, hi))
    work: list[tuple[int, int, int]] = []
    off: list[tuple[int, int, int]] = []
    for r in range(len(tech_index)):
        merged: list[list[int]] = []
        for lo, hi in sorted(spans.get(r, [])):
            if merged and lo <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        cursor = 0
        for lo, hi in merged:
            work.append((r, lo, hi))
            if lo > cursor:
                off.append((r, cursor, lo))
            cursor = hi
        if cursor < horizon:
            off.append((r, cursor, horizon))
    return {"work": work, "off": off}


@dataclass
class _JobRow:
    """A job that passed screening, in solver units."""

    id: str
    skills: tuple[Requirement, ...]
    durations: list[int]
    priority: int
    needed: int
    release: int
    due: int
    outsource_cost: float | None
    pin_resource: int = -1
    pin_start: int = -1
    windows: list[tuple[int, int]] = field(default_factory=list)
    splittable: bool = False


def _screen_successors(
    preds: list[tuple[str, str, int]], planned: set[str], screened: dict[str, Reason]
) -> None:
    """A job whose (planned) predecessor cannot be scheduled cannot be either; a done or
    cancelled predecessor is no obstacle."""
    changed = True
    while changed:
        changed = False
        for j, p, _ in preds:
            if j in planned and j not in screened and p in screened:
                screened[j] = reason(ReasonCode.PREDECESSOR_UNPLANNABLE, predecessor=p)
                changed = True


def _screen_job(
    job: dict[Any, Any],
    skills: tuple[Requirement, ...],
    windows: list[tuple[int, int]] | None,
    levels: Sequence[Levels],
    techs: tuple[str, ...],
    periods: dict[str, list[tuple[int, int, int]]],
    origin: dt.datetime,
    horizon: int,
) -> tuple[Reason | None, _JobRow]:
    """A proven reason the job cannot be scheduled (or ``None``), and its solver row;
    ``levels`` are the technicians' skill levels, in solver order."""
    names = [q.skill for q in skills]
    durations = []
    for mine in levels:
        held = [mine[s] for s in names if s in mine]
        durations.append(
            job_minutes(
                int(job["duration_min"]),
                float(job["level_factor_pct"]),
                min(held) if held else None,
            )
        )
    due = _minutes(job["sla_deadline"], origin)
    cost = job["outsource_cost"]
    pin_t = job["pin_technician_id"]
    pin_s = _minutes(job["pin_start"], origin)
    row = _JobRow(
        id=str(job["id"]),
        skills=skills,
        durations=durations,
        priority=int(job["priority"]),
        needed=int(job["technicians_needed"]),
        release=min(horizon, max(0, _minutes(job["release_at"], origin) or 0)),
        due=-1 if due is None else max(0, due),
        outsource_cost=None if pd.isna(cost) else float(cost),
        pin_resource=techs.index(pin_t) if isinstance(pin_t, str) and pin_t in techs else -1,
        pin_start=-1 if pin_s is None else max(0, pin_s),
        splittable=bool(job["splittable"]),
    )
    outsourceable = row.outsource_cost is not None
    horizon_end = (origin + dt.timedelta(minutes=horizon)).isoformat(timespec="minutes")
    if row.release >= horizon and not outsourceable:
        return reason(
            ReasonCode.RELEASE_AFTER_HORIZON,
            release=_iso(job["release_at"]),
            horizon_end=horizon_end,
        ), row
    if windows is not None:
        clipped = [(max(a, row.release), min(b, horizon)) for a, b in windows]
        clipped = [(a, b) for a, b in clipped if a <= b]
        if not clipped and not outsourceable:
            return reason(
                ReasonCode.WINDOWS_OUTSIDE_HORIZON,
                windows=len(windows),
                release=_iso(job["release_at"]),
                horizon_end=horizon_end,
            ), row
        # An outsourceable job without a usable window can only be outsourced.
        row.windows = clipped or [(horizon, horizon)]
    if outsourceable:
        if row.needed > len(levels):
            _outsource_only(row, len(levels), horizon)
        return None, row
    return _screen_team(row, levels, periods), row


def _outsource_only(row: _JobRow, workforce: int, horizon: int) -> None:
    """A job that needs more technicians than there are can only be outsourced: no window
    in the horizon, and a team the solver data accepts (it is never formed)."""
    team = max(1, workforce)
    row.needed = team
    row.skills = tuple(
        dataclasses.replace(r, technicians=min(r.technicians, team)) for r in row.skills
    )
    row.windows = [(horizon, horizon)]


def _screen_team(
    row: _JobRow,
    levels: Sequence[Levels],
    periods: dict[str, list[tuple[int, int, int]]],
) -> Reason | None:
    """Why no qualified team (:func:`fieldopt.view.team_qualifies`) can do the job in the
    working time (``None``: nothing proven); ``levels`` per technician, in solver order.

    ``no_qualified_technician``: fewer technicians than the team (``workforce``), a skill
    held at its level by too few (``qualified``), or no ``technicians`` of them hold the
    skills together (``skill`` ``a>=2+b>=1``). ``no_working_period``: the same among the
    technicians whose working time (see below) fits the job at their own pace
    (``long_enough``); a team is no faster than any of its members."""
    reqs, team = row.skills, row.needed
    if team > len(levels):
        return reason(ReasonCode.NO_QUALIFIED_TECHNICIAN, technicians=team, workforce=len(levels))
    if not qualified_team_exists(levels, reqs, team):
        short = _short_requirement(reqs, levels, "qualified")
        return reason(ReasonCode.NO_QUALIFIED_TECHNICIAN, **(short or _together(reqs, team)))
    # Working time a technician can give the job: its longest period after the release, or
    # all its periods after the release if the job may be done in several visits.
    longest: dict[int, int] = defaultdict(int)
    for r, a, b in periods["work"]:
        free = max(0, b - max(a, row.release))
        longest[r] = longest[r] + free if row.splittable else max(longest[r], free)
    fit = [lv for r, lv in enumerate(levels) if longest[r] >= row.durations[r]]
    if qualified_team_exists(fit, reqs, team):
        return None
    short = _short_requirement(reqs, fit, "long_enough")
    if short is None and len(fit) < team:
        short = {"technicians": team, "minutes": min(row.durations), "long_enough": len(fit)}
    return reason(ReasonCode.NO_WORKING_PERIOD, **(short or _together(reqs, team)))


def _short_requirement(
    reqs: tuple[Requirement, ...], candidates: Sequence[Levels], count: str
) -> dict[str, Fact] | None:
    """The facts of the first requirement fewer ``candidates`` hold than it needs (``skill``,
    ``min_level``, ``technicians``, and the holders as ``count``), ``None`` if none is."""
    for q in reqs:
        holders = sum(holds(lv, q) for lv in candidates)
        if holders < q.technicians:
            return {
                "skill": q.skill,
                "min_level": q.min_level,
                "technicians": q.technicians,
                count: holders,
            }
    return None


def _together(reqs: tuple[Requirement, ...], team: int) -> dict[str, Fact]:
    """Facts of "no ``team`` holds the skills together": ``skill`` ``a>=2+b>=1``."""
    return {"skill": "+".join(f"{q.skill}>={q.min_level}" for q in reqs), "technicians": team}


# --------------------------------------------------------------------------- solver options
def solver_params(
    tr: SchedulingTranslation,
    objective: Objective,
    options: SolveOptions,
    previous: RepairSchedule | None = None,
) -> SchedulingParams:
    """The solver's parameters: ``options`` (time limit, seed, workers) and, for
    re-scheduling, ``previous``'s starts and teams as hints."""
    hint_start, hint_team = _hints(tr, previous)
    return SchedulingParams(
        objective=objective,
        time_limit_s=float(options.time_limit_s),
        seed=options.seed,
        workers=options.workers,
        hint_start=hint_start,
        hint_resources=hint_team,
    )


def _hints(
    tr: SchedulingTranslation, previous: RepairSchedule | None
) -> tuple[tuple[int, ...] | None, tuple[tuple[int, ...], ...] | None]:
    """``previous``'s start (minutes, ``-1``: none) and team (technician indices) per job."""
    if previous is None:
        return None, None
    jobs = previous.jobs()
    tech = {t: r for r, t in enumerate(tr.technician_ids)}
    starts, teams = [], []
    for j in tr.job_ids:
        if j in jobs:
            s, _, members = jobs[j]
            starts.append(tr.minutes(s))
            teams.append(tuple(tech[t] for t in members if t in tech))
        else:
            starts.append(-1)
            teams.append(())
    return tuple(starts), tuple(teams)


# --------------------------------------------------------------------------- read back
def read_back(
    tr: SchedulingTranslation,
    result: SchedulingResult,
    scenario: Scenario,
    objective: str,
    params: Mapping[str, Any],
) -> RepairSchedule:
    """The solver result in domain terms, with a reason for every job left out and the KPIs
    recomputed from the assignments."""
    assignments: list[Assignment] = []
    outsourced: list[str] = []
    unassigned: dict[str, Reason] = dict(tr.screened)
    has_solution = result.report.status.has_solution
    done_elsewhere = {tr.job_ids[i] for i in range(len(tr.job_ids)) if result.outsourced[i]}
    preds: dict[str, list[str]] = defaultdict(list)
    for j, p in scenario.job_predecessors[["job_id", "predecessor_id"]].itertuples(index=False):
        preds[str(j)].append(str(p))
    for i, job_id in enumerate(tr.job_ids):
        if has_solution and result.start[i] >= 0:
            assignments += _visits_of(tr, result, i, scenario.view)
        elif has_solution and result.outsourced[i]:
            outsourced.append(job_id)
        elif has_solution:
            unassigned[job_id] = _left_out(preds[job_id], done_elsewhere)
        else:
            unassigned[job_id] = reason(ReasonCode.NO_SOLUTION, status=result.report.status.value)
    schedule = RepairSchedule(
        scenario=scenario.name,
        report=result.report,
        unassigned=unassigned,
        origin=tr.origin,
        days=tr.days,
        objective=objective,
        assignments=tuple(assignments),
        outsourced=tuple(outsourced),
        params=dict(params),
    )
    return dataclasses.replace(schedule, kpis=schedule_kpis(schedule, scenario))


def _visits_of(
    tr: SchedulingTranslation, result: SchedulingResult, i: int, view: ScenarioView
) -> list[Assignment]:
    """Activity ``i``'s team at each of its visits (one unless the job is split); each
    member's ``skill`` is the first of the job's requirements it holds (``None``: a spare
    seat) — a label, the team qualifies as a whole."""
    job = tr.job_ids[i]
    reqs = view.requirements.get(job, ())
    out = []
    for r, _ in result.team[i]:
        tech = tr.technician_ids[r]
        mine = view.levels.get(tech, {})
        skill = next((q.skill for q in reqs if holds(mine, q)), None)
        for a, b in result.pieces[i]:
            out.append(Assignment(job, tech, tr.when(a), tr.when(b), skill))
    return out


def _left_out(predecessors: list[str], outsourced: set[str]) -> Reason:
    """Why the solver left a job out: an outsourced predecessor (no known end, so no in-house
    successor), else optimisation (dropping costs more than any in-house schedule of it)."""
    for p in predecessors:
        if p in outsourced:
            return reason(ReasonCode.PREDECESSOR_OUTSOURCED, predecessor=p)
    return reason(ReasonCode.LEFT_OUT_BY_OPTIMISATION)


__all__ = [
    "DAY",
    "SchedulingTranslation",
    "default_start",
    "read_back",
    "solver_params",
    "translate_schedule",
]
