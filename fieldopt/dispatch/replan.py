"""Re-planning during the day: fix what is done, started or driven to; apply the events
(:mod:`fieldopt.dispatch.events`: a job finished early or late, extended, a no-show, a new or
emergency job, a cancellation, a technician off from or until a time, a technician's position,
a dispatcher's pin and unpin); warm-start from the plan; check; diff with the reason for each
change.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from fieldopt.dispatch.api import plan_routes
from fieldopt.dispatch.events import (
    Cancel,
    JobExtended,
    JobFinished,
    NewJob,
    NoShow,
    Pin,
    TechnicianPosition,
    TechnicianUnavailable,
    Unpin,
    parse_events,
)
from fieldopt.dispatch.plan import DispatchPlan, Stop
from fieldopt.errors import InputError, Problem
from fieldopt.options import SolveOptions
from fieldopt.scenario import Scenario, read_scenario, scenario_from_frames
from fieldopt.translate.routing import Start

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


@dataclass
class _Events:
    """The events of a re-plan, validated (:mod:`fieldopt.dispatch.events`) and grouped."""

    late: dict[str, int] = field(default_factory=dict)
    finished: dict[str, dt.datetime] = field(default_factory=dict)
    no_show: dict[str, str] = field(default_factory=dict)
    cancelled: set[str] = field(default_factory=set)
    gone: dict[str, dt.datetime] = field(default_factory=dict)
    back_at: dict[str, dt.datetime] = field(default_factory=dict)
    position: dict[str, TechnicianPosition] = field(default_factory=dict)
    pins: dict[str, Pin] = field(default_factory=dict)
    unpins: set[str] = field(default_factory=set)
    new_jobs: list[NewJob] = field(default_factory=list)


@dataclass
class _Now:
    """The state at ``now``: work done or started (fixed), where each technician resumes, the
    jobs' new statuses and who already had lunch."""

    fixed: list[Stop] = field(default_factory=list)
    starts: dict[str, Start] = field(default_factory=dict)
    depot_stock: dict[str, dict[str, int]] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)
    lunch_taken: set[str] = field(default_factory=set)


def replan(
    plan: DispatchPlan,
    now: str | dt.datetime,
    events: object = (),
    scenario: Scenario | None = None,
    *,
    options: SolveOptions | None = None,
    iterations: int | None = None,
) -> ReplanResult:
    """Re-plan the rest of ``plan``'s day at ``now`` after ``events``, warm-started from
    ``plan`` (``iterations``: stop the search after so many, for a reproducible plan);
    ``options`` default to a 10 s limit."""
    t0 = time.perf_counter()
    opts = options or DEFAULT_REPLAN_OPTIONS
    if scenario is None:
        if not plan.scenario_source:
            raise InputError("plan: scenario_source is empty; pass the scenario")
        scenario = read_scenario(plan.scenario_source)
    _check_incoming(plan, scenario)
    t_now = _time(plan.day, now, "now")
    evs = _parse_events(plan, scenario, t_now, events)
    state = _state_at(plan, scenario, t_now, evs)
    for tech in evs.gone:
        if tech in state.starts and evs.gone[tech] <= state.starts[tech].at:
            del state.starts[tech]
    for tech, until in evs.back_at.items():
        if tech in state.starts:
            state.starts[tech] = dataclasses.replace(
                state.starts[tech], at=max(until, state.starts[tech].at)
            )
    new_scenario = _apply_events(scenario, plan.day, evs, state)
    new_plan = plan_routes(
        new_scenario,
        plan.day,
        # the limit covers the whole call: what the state and events took is taken from it
        options=dataclasses.replace(
            opts, time_limit_s=max(0.1, opts.time_limit_s - (time.perf_counter() - t0))
        ),
        starts=state.starts,
        depot_stock=state.depot_stock,
        warm_start=plan,
        fixed_stops=state.fixed,
        iterations=iterations,
    )
    diff = plan_diff(plan, new_plan, evs.cancelled, evs.gone, {e.job.id for e in evs.new_jobs})
    return ReplanResult(new_plan, new_scenario, diff)


def _check_incoming(plan: DispatchPlan, scenario: Scenario) -> None:
    """The plan to revise must itself pass the checker: an input error naming each fault."""
    from fieldopt.checks.dispatch import check_dispatch

    violations = check_dispatch(plan, scenario)
    if violations:
        raise InputError(
            [
                Problem("error", "invalid_plan", "plan", f"{v.rule}: {v.message}", row=v.subject)
                for v in violations
            ]
        )


def _parse_events(
    plan: DispatchPlan, scenario: Scenario, t_now: dt.datetime, events: object
) -> _Events:
    """Validate ``events`` (every problem at once, exit 2) and group them by what they do."""
    plan_start = min((s.start for s in plan.stops), default=t_now)
    parsed = parse_events(
        list(events) if isinstance(events, tuple) else events,
        day=plan.day,
        plan_start=min(plan_start, t_now),
        job_ids=scenario.view.jobs,
        technician_ids=scenario.view.technicians,
        location_ids=[str(x) for x in scenario.locations["id"]],
        part_ids=[str(x) for x in scenario.parts["id"]],
    )
    out = _Events()
    for ev in parsed:
        if isinstance(ev, JobExtended):
            out.late[ev.job_id] = out.late.get(ev.job_id, 0) + ev.minutes
        elif isinstance(ev, JobFinished):
            out.finished[ev.job_id] = ev.at
        elif isinstance(ev, NoShow):
            out.no_show[ev.job_id] = ev.then
        elif isinstance(ev, Cancel):
            out.cancelled.add(ev.job_id)
        elif isinstance(ev, TechnicianUnavailable):
            if ev.from_ <= t_now and ev.until is not None:
                out.back_at[ev.technician_id] = ev.until
            else:  # a return later the same day is not planned: the day ends at `from`
                out.gone[ev.technician_id] = max(ev.from_, t_now)
        elif isinstance(ev, TechnicianPosition):
            out.position[ev.technician_id] = ev
        elif isinstance(ev, Pin):
            out.pins[ev.job_id] = ev
        elif isinstance(ev, Unpin):
            out.unpins.add(ev.job_id)
        else:
            out.new_jobs.append(ev)
    return out


def _state_at(plan: DispatchPlan, scenario: Scenario, t_now: dt.datetime, evs: _Events) -> _Now:
    """Work done, started or driven to before ``now`` is a fact (fixed, with its real times;
    running-late jobs end later); each technician resumes where that work leaves them, with
    the parts then on the van; the depots hold what the morning's pick-ups left."""
    st = _Now()
    view = scenario.view
    st.depot_stock = {d: dict(view.stock.get(d, {})) for d in view.depots}
    parts_brought: set[str] = set()
    late = evs.late
    committed = _committed_with_teams(plan.routes(), t_now)
    for tech, at in evs.position.items():  # where the technician really is: work begun stays
        committed[tech] = [s for s in committed.get(tech, []) if s.start < at.at]
    committed = _whole_teams(plan.routes(), committed)
    for tech, stops in plan.routes().items():
        done = committed.get(tech, [])
        if not done or tech not in view.technicians:
            if tech in view.technicians:
                st.starts[tech] = Start(view.home(tech), t_now)
            continue
        st.fixed.append(dataclasses.replace(stops[0], fixed=True))
        van = view.van_stock(tech)
        for s in done:
            end = s.end + dt.timedelta(minutes=late.get(s.job_id or "", 0))
            end = evs.finished.get(s.job_id or "", end) if s.kind == "job" else end
            if s.kind == "job" and s.job_id in evs.no_show:  # nobody there: no work done
                st.fixed.append(
                    dataclasses.replace(
                        s, kind="no_show", start=s.arrival, end=s.arrival, fixed=True
                    )
                )
                continue
            st.fixed.append(dataclasses.replace(s, end=max(end, s.start), fixed=True))
            if s.kind == "break":
                st.lunch_taken.add(tech)
            if s.kind == "pickup":
                _pick(van, st.depot_stock.setdefault(s.location_id, {}), s.picks)
            if s.kind == "job" and s.job_id:
                st.status[s.job_id] = "done" if end <= t_now else "in_progress"
                if s.job_id not in parts_brought and _use(van, view.job_parts.get(s.job_id, {})):
                    parts_brought.add(s.job_id)
        if tech in evs.position:
            st.fixed.append(_position_stop(evs.position[tech], st.fixed[-1]))
        last = st.fixed[-1]
        st.starts[tech] = Start(last.location_id, max(t_now, last.end), van=van)
    begun = {s.job_id for s in st.fixed if s.kind in ("job", "no_show")}
    not_begun = sorted((set(late) | set(evs.finished)) - begun)
    if not_begun:
        raise InputError(
            f"events: job_extended / job_finished: job(s) {', '.join(not_begun)} not begun "
            f"at {t_now:%H:%M}"
        )
    for job in evs.no_show:  # the job comes back as open, or is cancelled
        st.status[job] = "open" if evs.no_show[job] == "reopen" else "cancelled"
    return st


def position_location(tech: str) -> str:
    """The location id of a technician's reported position."""
    return f"gps:{tech}"


def _position_stop(ev: TechnicianPosition, last: Stop) -> Stop:
    """A fixed stop where the technician reported being (``technician_position``)."""
    at = max(ev.at, last.end)
    loc = position_location(ev.technician_id)
    return Stop(ev.technician_id, 0, "position", loc, at, at, at, fixed=True)


def _committed_with_teams(
    routes: Mapping[str, list[Stop]], t_now: dt.datetime
) -> dict[str, list[Stop]]:
    """:func:`_committed` per technician, and a team job committed for one member is
    committed for all, with the stops each member makes before it."""
    count = {tech: len(_committed(stops, t_now)) for tech, stops in routes.items()}
    changed = True
    while changed:
        changed = False
        jobs = {s.job_id for t, r in routes.items() for s in r[1 : 1 + count[t]] if s.job_id}
        for tech, stops in routes.items():
            for pos, s in enumerate(stops[1:], start=1):
                if s.kind == "job" and s.job_id in jobs and pos > count[tech]:
                    count[tech], changed = pos, True
    return {tech: stops[1 : 1 + count[tech]] for tech, stops in routes.items()}


def _whole_teams(
    routes: Mapping[str, list[Stop]], committed: dict[str, list[Stop]]
) -> dict[str, list[Stop]]:
    """``committed`` without the team jobs that are a fact for some members only (a
    reported position showed one member had not begun): each route's facts end before the
    first such job."""
    while True:
        members: dict[str, set[str]] = {}
        for tech, stops in routes.items():
            for s in stops:
                if s.kind == "job" and s.job_id:
                    members.setdefault(s.job_id, set()).add(tech)
        fixed: dict[str, set[str]] = {}
        for tech, stops in committed.items():
            for s in stops:
                if s.kind == "job" and s.job_id:
                    fixed.setdefault(s.job_id, set()).add(tech)
        partial = {j for j, techs in fixed.items() if techs != members[j]}
        if not partial:
            return committed
        for tech, stops in committed.items():
            cut = next((i for i, s in enumerate(stops) if s.job_id in partial), len(stops))
            committed[tech] = stops[:cut]


def _committed(stops: Sequence[Stop], t_now: dt.datetime) -> list[Stop]:
    """The stops after the start that began before ``now``, and the one the technician is
    driving to (left for it before ``now``)."""
    out: list[Stop] = []
    lunch: Stop | None = None  # a lunch not begun, on the leg to the next stop
    for s in stops[1:]:
        if s.kind == "end":
            break
        if s.start < t_now:
            out.append(s)
            continue
        if s.kind == "break" and lunch is None:
            lunch = s
            continue
        # A lunch on the leg interrupts the drive: the technician left its length earlier.
        on_leg = lunch.end - lunch.start if lunch is not None else dt.timedelta(0)
        left = s.arrival - dt.timedelta(seconds=s.travel_s) - on_leg
        if s.kind not in ("job", "pickup") or left >= t_now:
            break
        out.extend([lunch, s] if lunch is not None else [s])
        lunch = None
    return out


def _pick(van: dict[str, int], depot: dict[str, int], picks: Mapping[str, int]) -> None:
    for part, units in picks.items():
        van[part] = van.get(part, 0) + units
        depot[part] = depot.get(part, 0) - units


def _use(van: dict[str, int], need: Mapping[str, int]) -> bool:
    """Take ``need`` from the van if it holds it all (one member brings a team's parts)."""
    if not need or any(van.get(p, 0) < q for p, q in need.items()):
        return False
    for p, q in need.items():
        van[p] -= q
    return True


def _apply_events(scenario: Scenario, day: dt.date, evs: _Events, st: _Now) -> Scenario:
    """The scenario with the day's facts and events: statuses, new jobs, shorter shifts."""
    frames = scenario.to_frames()
    jobs = frames["jobs"]
    for job_id, status in st.status.items():
        jobs.loc[jobs["id"] == job_id, "status"] = status
    for job_id in evs.cancelled:
        if not (jobs["id"] == job_id).any():
            raise InputError(f"events: cancel: unknown job {job_id!r}")
        jobs.loc[jobs["id"] == job_id, "status"] = "cancelled"
    _add_new_jobs(frames, evs.new_jobs)
    _apply_pins(frames["jobs"], evs)
    for tech, ev in evs.position.items():
        row = {"id": position_location(tech), "kind": "site", "lat": ev.lat, "lon": ev.lon}
        row["name"] = f"{tech}'s position at {ev.at:%H:%M}"
        frames["locations"] = pd.concat(
            [frames["locations"], pd.DataFrame([row])], ignore_index=True
        )
    shifts = frames["shifts"]
    for tech, gone_at in evs.gone.items():
        # work already done or under way is finished, and the drive home is not overtime
        when = max(gone_at, _home_after_fixed(scenario, st, tech) or gone_at)
        on_day = (shifts["technician_id"] == tech) & (shifts["start"].dt.date == day)
        shifts.loc[on_day & (shifts["start"] >= when), "start"] = pd.NaT
        shifts.loc[on_day, "end"] = shifts.loc[on_day, "end"].where(
            shifts.loc[on_day, "end"] <= when, when
        )
    frames["shifts"] = shifts[shifts["start"].notna()]
    techs = frames["technicians"]
    for tech in st.lunch_taken:
        techs.loc[techs["id"] == tech, "lunch_duration_min"] = 0
    new_scenario = scenario_from_frames(frames, name=scenario.name)
    return dataclasses.replace(new_scenario, source=scenario.source, base_dir=scenario.base_dir)


def _home_after_fixed(scenario: Scenario, st: _Now, tech: str) -> dt.datetime | None:
    """When a technician is home after the work fixed so far (``None``: none fixed)."""
    mine = [s for s in st.fixed if s.technician_id == tech]
    if not mine or tech not in scenario.view.technicians:
        return None
    last = max(mine, key=lambda s: (s.end, s.start))
    home = scenario.view.end_location(tech)
    travel = int(scenario.travel_matrix([last.location_id, home]).duration_s[0, 1])
    return last.end + dt.timedelta(seconds=travel)


def _add_new_jobs(frames: dict[str, pd.DataFrame], new_jobs: list[NewJob]) -> None:
    if not new_jobs:
        return
    extra = pd.DataFrame([ev.job.model_dump() for ev in new_jobs]).dropna(axis=1, how="all")
    frames["jobs"] = pd.concat(
        [frames["jobs"].astype(object), extra.astype(object)], ignore_index=True
    )
    for table, key in (
        ("job_skills", "skills"),
        ("job_windows", "windows"),
        ("job_parts", "parts"),
    ):
        rows = [dict(r.model_dump(), job_id=ev.job.id) for ev in new_jobs for r in getattr(ev, key)]
        if rows:
            frames[table] = pd.concat([frames[table], pd.DataFrame(rows)], ignore_index=True)


def _apply_pins(jobs: pd.DataFrame, evs: _Events) -> None:
    """A dispatcher's pins (technician and/or start) and unpins."""
    for job in evs.unpins:
        jobs.loc[jobs["id"] == job, ["pin_technician_id", "pin_start"]] = None
    for job, pin in evs.pins.items():
        if pin.technician_id is not None:
            jobs.loc[jobs["id"] == job, "pin_technician_id"] = pin.technician_id
        if pin.start is not None:
            jobs.loc[jobs["id"] == job, "pin_start"] = pd.Timestamp(pin.start)


def plan_home(scenario: Scenario, tech: str) -> str:
    techs = scenario.technicians.set_index("id")
    return str(techs.at[tech, "home_location_id"])


def plan_diff(
    old: DispatchPlan,
    new: DispatchPlan,
    cancelled: Set[str] = frozenset(),
    gone: Mapping[str, dt.datetime] | None = None,
    created: Set[str] = frozenset(),
) -> list[dict[str, Any]]:
    """Jobs whose technicians or start changed between two plans, each with ``why``."""
    a, b = old.served_jobs(), new.served_jobs()
    gone = gone or {}
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
                "why": _why(change, job, ta, new, gone, created),
            }
        )
    return out


def _why(
    change: str,
    job: str,
    was: list[str],
    new: DispatchPlan,
    gone: Mapping[str, dt.datetime],
    created: Set[str],
) -> str:
    """Why a job changed: the event behind it, the reason it is left out, or the objective."""
    if change == "cancelled":
        return "cancelled"
    if change == "dropped" and job in new.unassigned:
        return new.unassigned[job].text
    off = [t for t in was if t in gone]
    if off:
        return f"technician {off[0]} unavailable from {gone[off[0]]:%H:%M}"
    if change == "added":
        return "new job" if job in created else "now fits: served in the re-plan"
    return "re-optimised: serves more or more urgent work (see the objective in docs/dispatch.md)"
