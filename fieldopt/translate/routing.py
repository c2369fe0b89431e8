"""The one seam between a scenario's day and the routing solver.

Ids ↔ node indices, minutes → seconds (from midnight of the planned day), priorities → penalty
weights, and the pre-solve screening whose reasons are facts.

Objective weights (cost units; 1 unit = 1 second of travel), applied in this order of size:
leaving a job unplanned (``DROP_PENALTY`` by priority) ≫ SLA lateness (``SLA_COST`` per second
by priority) ≫ overtime (``OVERTIME_COST`` per second) ≫ travel (1 per second).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from fieldopt.errors import InputError, Problem
from fieldopt.scenario import Scenario
from solvers.routing.data import NO_VALUE, RoutingData, Vehicle

PLANNED_STATUSES = ("open", "scheduled")
DROP_PENALTY = {1: 1_000_000_000, 2: 100_000_000, 3: 10_000_000, 4: 1_000_000}
PIN_PENALTY = 10_000_000_000
SLA_COST = {1: 40, 2: 20, 3: 10, 4: 5}
OVERTIME_COST = 2
DEFAULT_PICKUP_MIN = 10
# Skipping a pick-up stop "costs" 30 min of travel: without this pull, insertion heuristics
# never add a pick-up (worth nothing on its own) and so never the job that needs it.
PICKUP_INCENTIVE = 1800

REASON_SKILLS = "no technician with the skills"
REASON_WINDOW = "no time window inside any shift"
REASON_PARTS = "part not obtainable in time"
REASON_REACH = "cannot reach and return within the shift"
REASON_PIN = "pinned technician not working or not qualified"
REASON_PREDECESSOR = "predecessor not done and not plannable today"
REASON_OPTIMISATION = "dropped by optimisation"


@dataclass(frozen=True)
class Start:
    """Where and when a technician becomes available (replanning: after the fixed work)."""

    location_id: str
    at: dt.datetime


@dataclass(frozen=True)
class DispatchProblem:
    """A day's routing instance in solver terms, with the maps back to the domain."""

    data: RoutingData
    day: dt.date
    origin: dt.datetime
    technicians: tuple[str, ...]
    node_kind: tuple[str, ...]  # start | end | job | pickup
    node_job: tuple[str | None, ...]
    node_location: tuple[str, ...]
    node_depot: tuple[str | None, ...]
    candidates: tuple[str, ...]
    screened: Mapping[str, str]
    job_nodes: Mapping[str, tuple[int, ...]] = field(default_factory=dict)

    def seconds(self, when: dt.datetime) -> int:
        return int((when - self.origin).total_seconds())

    def at(self, seconds: int) -> dt.datetime:
        return self.origin + dt.timedelta(seconds=int(seconds))


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` as plain dicts (typed for the checker and the translation)."""
    return frame.to_dict("records")  # type: ignore[return-value]


def _is(v: Any) -> bool:
    return (
        v is not None
        and not (isinstance(v, float) and math.isnan(v))
        and v is not pd.NaT
        and (not pd.isna(v) if not isinstance(v, list | tuple) else True)
    )


def day_shifts(scenario: Scenario, day: dt.date) -> dict[str, tuple[dt.datetime, dt.datetime]]:
    """Technician → (first start, last end) of the shifts starting on ``day``."""
    sh = scenario.shifts
    on_day = sh[sh["start"].dt.date == day]
    out: dict[str, tuple[dt.datetime, dt.datetime]] = {}
    for tech, grp in on_day.groupby("technician_id", sort=False):
        out[str(tech)] = (grp["start"].min().to_pydatetime(), grp["end"].max().to_pydatetime())
    return out


def job_duration_s(job: Mapping[str, Any], level: int | None) -> int:
    """Service seconds: ``duration_min`` at level 3, ± ``level_factor_pct`` % per level."""
    base = int(job["duration_min"]) * 60
    pct = float(job["level_factor_pct"] or 0.0)
    if level is None or pct == 0:
        return base
    return max(60, round(base * (1 - pct / 100 * (level - 3))))


def tech_levels(scenario: Scenario) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for row in records(scenario.technician_skills):
        out.setdefault(str(row["technician_id"]), {})[str(row["skill"])] = int(row["level"])
    return out


def job_requirements(scenario: Scenario) -> dict[str, list[tuple[str, int, int]]]:
    """Job → [(skill, min_level, technicians)]."""
    out: dict[str, list[tuple[str, int, int]]] = {}
    for row in records(scenario.job_skills):
        out.setdefault(str(row["job_id"]), []).append(
            (str(row["skill"]), int(row["min_level"]), int(row["technicians"]))
        )
    return out


def member_skills(reqs: list[tuple[str, int, int]], member: int) -> list[tuple[str, int]]:
    """Skills member ``member`` (0-based) of a team must hold: member 0 holds every skill,
    member ``c`` the skills needed by more than ``c`` technicians."""
    return [(s, lvl) for s, lvl, count in reqs if member == 0 or count > member]


def qualifies(levels: Mapping[str, int], skills: list[tuple[str, int]]) -> bool:
    return all(levels.get(s, 0) >= lvl for s, lvl in skills)


def lowest_level(levels: Mapping[str, int], reqs: list[tuple[str, int, int]]) -> int | None:
    if not reqs:
        return None
    return min(levels.get(s, 0) for s, _, _ in reqs)


def job_windows_on(
    scenario: Scenario, day: dt.date
) -> tuple[dict[str, list[tuple[dt.datetime, dt.datetime]]], set[str]]:
    """Windows per job clipped to ``day``, and the jobs that have windows at all."""
    jw = scenario.job_windows
    start_day = dt.datetime.combine(day, dt.time())
    end_day = start_day + dt.timedelta(days=1)
    out: dict[str, list[tuple[dt.datetime, dt.datetime]]] = {}
    has: set[str] = set()
    for row in records(jw):
        job = str(row["job_id"])
        has.add(job)
        a, b = row["start"].to_pydatetime(), row["end"].to_pydatetime()
        if b < start_day or a >= end_day:
            continue
        out.setdefault(job, []).append((max(a, start_day), min(b, end_day)))
    return out, has


def stock_at(scenario: Scenario) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for row in records(scenario.stock):
        out.setdefault(str(row["location_id"]), {})[str(row["part_id"])] = int(row["on_hand"])
    return out


def job_parts(scenario: Scenario) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for row in records(scenario.job_parts):
        out.setdefault(str(row["job_id"]), {})[str(row["part_id"])] = int(row["quantity"])
    return out


def covers(stock: Mapping[str, int], need: Mapping[str, int]) -> bool:
    return all(stock.get(p, 0) >= q for p, q in need.items())


def candidate_jobs(scenario: Scenario, day: dt.date) -> list[dict[str, Any]]:
    """Jobs that are today's work: open or scheduled, released by the end of the day, with a
    window on the day when they have windows, pinned to the day when pinned to a start."""
    windows, has_windows = job_windows_on(scenario, day)
    end_day = dt.datetime.combine(day, dt.time()) + dt.timedelta(days=1)
    out = []
    for job in records(scenario.jobs):
        jid = str(job["id"])
        if job["status"] not in PLANNED_STATUSES:
            continue
        if _is(job["release_at"]) and job["release_at"] >= end_day:
            continue
        if jid in has_windows and jid not in windows:
            continue
        if _is(job["pin_start"]) and job["pin_start"].date() != day:
            continue
        out.append(job)
    return out


def build_problem(
    scenario: Scenario,
    day: dt.date,
    starts: Mapping[str, Start] | None = None,
    pickup_min: int | None = None,
) -> DispatchProblem:
    """Translate ``scenario``'s ``day`` into a :class:`DispatchProblem` (with screening).

    ``starts`` overrides where and when technicians begin (replanning after fixed work).
    """
    origin = dt.datetime.combine(day, dt.time())

    def sec(x: dt.datetime) -> int:
        return int((x - origin).total_seconds())

    if pickup_min is None:
        pickup_min = int(scenario.settings.get("dispatch.pickup_min", DEFAULT_PICKUP_MIN))
    shifts = day_shifts(scenario, day)
    techs = scenario.technicians.set_index("id", drop=False)
    tech_ids = [t for t in techs.index if t in shifts]
    if starts is not None:  # replanning: only technicians still available
        tech_ids = [
            t
            for t in tech_ids
            if t in starts
            and starts[t].at
            < shifts[t][1] + dt.timedelta(minutes=int(techs.loc[t, "overtime_max_min"]))
        ]
    if not tech_ids:
        raise InputError(
            [Problem("error", "no_shift", "shifts", f"no technician has a shift on {day}")]
        )
    levels = tech_levels(scenario)
    reqs = job_requirements(scenario)
    windows, _ = job_windows_on(scenario, day)
    stock = stock_at(scenario)
    parts = job_parts(scenario)
    kinds = scenario.locations.set_index("id")["kind"]
    depot_ids = [str(i) for i, k in kinds.items() if k in ("depot", "central")]
    jobs = candidate_jobs(scenario, day)
    job_by_id = {str(j["id"]): j for j in jobs}
    all_status = dict(zip(scenario.jobs["id"], scenario.jobs["status"], strict=True))

    # Terminals and locations
    def tech_start(t: str) -> tuple[str, dt.datetime]:
        if starts and t in starts:
            return starts[t].location_id, max(starts[t].at, shifts[t][0])
        return str(techs.loc[t, "home_location_id"]), shifts[t][0]

    def tech_end(t: str) -> str:
        end = techs.loc[t, "end_location_id"]
        return str(end) if _is(end) and end else str(techs.loc[t, "home_location_id"])

    loc_ids: list[str] = []
    loc_index: dict[str, int] = {}

    def loc(i: str) -> int:
        if i not in loc_index:
            loc_index[i] = len(loc_ids)
            loc_ids.append(i)
        return loc_index[i]

    for t in tech_ids:
        loc(tech_start(t)[0])
        loc(tech_end(t))
    for j in jobs:
        loc(str(j["site_id"]))
    for d in depot_ids:
        loc(d)
    tm = scenario.travel_matrix(loc_ids)
    dur_l, dist_l = tm.duration_s, tm.distance_m

    # Screening: facts that make a job impossible for every technician
    screened: dict[str, str] = {}
    n_t = len(tech_ids)
    eligible: dict[str, list[set[int]]] = {}
    vans = [stock.get(str(techs.loc[t, "van_location_id"]), {}) for t in tech_ids]
    for j in jobs:
        jid = str(j["id"])
        need_n = int(j["technicians_needed"])
        r = reqs.get(jid, [])
        members: list[set[int]] = []
        for c in range(need_n):
            ok = {
                k
                for k, t in enumerate(tech_ids)
                if qualifies(levels.get(t, {}), member_skills(r, c))
            }
            members.append(ok)
        union = set().union(*members)
        if any(not m for m in members) or len(union) < need_n:
            screened[jid] = REASON_SKILLS
            continue
        pin = j["pin_technician_id"]
        if _is(pin) and pin:
            k_pin = tech_ids.index(pin) if pin in tech_ids else None
            if k_pin is None or k_pin not in members[0]:
                screened[jid] = REASON_PIN
                continue
            members[0] = {k_pin}
        wins = windows.get(jid)
        release = j["release_at"] if _is(j["release_at"]) else None
        site = loc_index[str(j["site_id"])]
        reach_ok: list[set[int]] = []
        window_hit = False
        for m_set in members:
            good = set()
            for k in m_set:
                t = tech_ids[k]
                s_loc, s_at = tech_start(t)
                ot = dt.timedelta(minutes=int(techs.loc[t, "overtime_max_min"]))
                latest_end = shifts[t][1] + ot
                spans = wins or [(origin, origin + dt.timedelta(days=1))]
                if _is(j["pin_start"]):
                    spans = [(j["pin_start"], j["pin_start"])]
                inside = [(a, b) for a, b in spans if b >= s_at and a <= latest_end]
                if release is not None:
                    inside = [(max(a, release), b) for a, b in inside if b >= release]
                if not inside:
                    continue
                window_hit = True
                svc = job_duration_s(j, lowest_level(levels.get(t, {}), reqs.get(jid, [])))
                arrive = s_at + dt.timedelta(seconds=int(dur_l[loc_index[s_loc], site]))
                for a, b in inside:
                    st = max(arrive, a)
                    back = st + dt.timedelta(seconds=svc + int(dur_l[site, loc_index[tech_end(t)]]))
                    if st <= b and back <= latest_end:
                        good.add(k)
                        break
            reach_ok.append(good)
        if not window_hit:
            screened[jid] = REASON_WINDOW
            continue
        if any(not g for g in reach_ok) or len(set().union(*reach_ok)) < need_n:
            screened[jid] = REASON_REACH
            continue
        need = parts.get(jid, {})
        if need:
            depots_ok = [d for d in depot_ids if covers(stock.get(d, {}), need)]
            if not depots_ok:
                reach_ok[0] = {k for k in reach_ok[0] if covers(vans[k], need)}
                if not reach_ok[0]:
                    screened[jid] = REASON_PARTS
                    continue
        eligible[jid] = reach_ok
    # Predecessors: a job waits for its predecessors to be done or planned with it today
    for row in records(scenario.job_predecessors):
        jid, pid = str(row["job_id"]), str(row["predecessor_id"])
        if jid in eligible and all_status.get(pid) != "done" and pid not in eligible:
            del eligible[jid]
            screened[jid] = REASON_PREDECESSOR

    # Nodes: per technician start and end, then job members, then pick-ups
    names: list[str] = []
    kind: list[str] = []
    node_job: list[str | None] = []
    node_loc: list[str] = []
    node_depot: list[str | None] = []

    def node(nm: str, kd: str, job: str | None, location: str, depot: str | None = None) -> int:
        names.append(nm)
        kind.append(kd)
        node_job.append(job)
        node_loc.append(location)
        node_depot.append(depot)
        return len(names) - 1

    vehicles_nodes = []
    for t in tech_ids:
        s = node(f"start:{t}", "start", None, tech_start(t)[0])
        e = node(f"end:{t}", "end", None, tech_end(t))
        vehicles_nodes.append((s, e))
    job_nodes: dict[str, tuple[int, ...]] = {}
    for jid, members in eligible.items():
        j = job_by_id[jid]
        job_nodes[jid] = tuple(
            node(jid if c == 0 else f"{jid}#{c + 1}", "job", jid, str(j["site_id"]))
            for c in range(len(members))
        )
    # pick-up nodes: technician k, depot d, when some job k may serve needs d
    need_pick: dict[tuple[int, str], bool] = {}
    for jid in eligible:
        need = parts.get(jid, {})
        if not need:
            continue
        for k in eligible[jid][0]:
            if covers(vans[k], need):
                continue
            for d in depot_ids:
                if covers(stock.get(d, {}), need):
                    need_pick[(k, d)] = True
    pick_nodes: dict[tuple[int, str], int] = {}
    for k, d in sorted(need_pick, key=lambda kd: (kd[0], depot_ids.index(kd[1]))):
        pick_nodes[(k, d)] = node(f"pickup:{d}@{tech_ids[k]}", "pickup", None, d, d)

    n = len(names)
    li = np.array([loc_index[x] for x in node_loc], dtype=np.int64)
    travel = dur_l[np.ix_(li, li)]
    distance = dist_l[np.ix_(li, li)]
    service = np.zeros((n_t, n), dtype=np.int64)
    allowed = np.zeros((n_t, n), dtype=bool)
    wins_t: list[tuple[tuple[int, int], ...]] = [()] * n
    penalty = np.full(n, NO_VALUE, dtype=np.int64)
    sla = np.full(n, NO_VALUE, dtype=np.int64)
    sla_cost = np.zeros(n, dtype=np.int64)
    fixed = np.full(n, NO_VALUE, dtype=np.int64)
    pickup_depot = np.full(n, NO_VALUE, dtype=np.int64)
    supply = np.zeros((n, len(depot_ids)), dtype=bool)
    needed = np.zeros((n_t, n), dtype=bool)
    teams: list[tuple[int, ...]] = []
    for k in range(n_t):
        allowed[k, vehicles_nodes[k][0]] = allowed[k, vehicles_nodes[k][1]] = True
    for jid, members in eligible.items():
        j = job_by_id[jid]
        nodes = job_nodes[jid]
        prio = int(j["priority"])
        pinned = (_is(j["pin_technician_id"]) and bool(j["pin_technician_id"])) or _is(
            j["pin_start"]
        )
        pen = PIN_PENALTY if pinned else DROP_PENALTY[prio]
        nominal = job_duration_s(j, None)
        wl = windows.get(jid)
        ws: list[tuple[int, int]] = [(sec(a), sec(b)) for a, b in sorted(wl)] if wl else []
        if _is(j["release_at"]):
            rel = sec(j["release_at"])
            ws = [(max(a, rel), b) for a, b in ws if b >= rel] if ws else [(rel, 86400 * 2)]
        ws = _merge(ws)
        for c, i in enumerate(nodes):
            penalty[i] = pen // len(nodes)
            wins_t[i] = tuple(ws)
            if _is(j["pin_start"]):
                fixed[i] = sec(j["pin_start"])
            if _is(j["sla_deadline"]):
                sla[i] = sec(j["sla_deadline"]) - nominal
                sla_cost[i] = SLA_COST[prio]
            for k in members[c]:
                allowed[k, i] = True
                t = tech_ids[k]
                service[k, i] = (
                    nominal
                    if len(nodes) > 1
                    else job_duration_s(j, lowest_level(levels.get(t, {}), reqs.get(jid, [])))
                )
        if len(nodes) > 1:
            teams.append(nodes)
        need = parts.get(jid, {})
        if need:
            i0 = nodes[0]
            for d_no, d in enumerate(depot_ids):
                supply[i0, d_no] = covers(stock.get(d, {}), need)
            for k in members[0]:
                needed[k, i0] = not covers(vans[k], need)
    for (k, d), i in pick_nodes.items():
        allowed[k, i] = True
        pickup_depot[i] = depot_ids.index(d)
        service[k, i] = pickup_min * 60
        penalty[i] = PICKUP_INCENTIVE
    part_use, part_stock = _van_quantities(eligible, job_nodes, parts, vans, n, n_t)
    precedences = []
    for row in records(scenario.job_predecessors):
        jid, pid = str(row["job_id"]), str(row["predecessor_id"])
        if jid in job_nodes and pid in job_nodes:
            precedences.append((job_nodes[pid][0], job_nodes[jid][0], int(row["lag_min"]) * 60))

    vehicles = []
    for k, t in enumerate(tech_ids):
        row = techs.loc[t]
        s_at = tech_start(t)[1]
        lunch = int(row["lunch_duration_min"] or 0)
        brk: dict[str, int] = {}
        if lunch and _is(row["lunch_earliest"]) and _is(row["lunch_latest"]):
            e = sec(dt.datetime.combine(day, row["lunch_earliest"]))
            lt = sec(dt.datetime.combine(day, row["lunch_latest"]))
            if lt >= sec(s_at):  # lunch not already behind us (replanning)
                brk = dict(
                    break_earliest=max(e, sec(s_at)), break_latest=lt, break_duration=lunch * 60
                )
        ot_s = int(row["overtime_max_min"]) * 60
        vehicles.append(
            Vehicle(
                name=t,
                start_node=vehicles_nodes[k][0],
                end_node=vehicles_nodes[k][1],
                shift_start=sec(s_at),
                shift_end=max(sec(shifts[t][1]), sec(s_at)),
                overtime_max=ot_s,
                overtime_cost=OVERTIME_COST if ot_s else 0,
                break_earliest=brk.get("break_earliest", 0),
                break_latest=brk.get("break_latest", 0),
                break_duration=brk.get("break_duration", 0),
            )
        )
    data = RoutingData(
        names=tuple(names),
        vehicles=tuple(vehicles),
        travel_time=travel,
        distance=distance,
        arc_cost=travel,
        service=service,
        allowed=allowed,
        windows=tuple(wins_t),
        penalty=penalty,
        sla_deadline=sla,
        sla_cost=sla_cost,
        demand=np.zeros(n, dtype=np.int64),
        fixed_start=fixed,
        teams=tuple(teams),
        precedences=tuple(precedences),
        pickup_depot=pickup_depot,
        pickup_supply=supply,
        pickup_needed=needed,
        part_use=part_use,
        part_stock=part_stock,
    )
    return DispatchProblem(
        data=data,
        day=day,
        origin=origin,
        technicians=tuple(tech_ids),
        node_kind=tuple(kind),
        node_job=tuple(node_job),
        node_location=tuple(node_loc),
        node_depot=tuple(node_depot),
        candidates=tuple(str(j["id"]) for j in jobs),
        screened=screened,
        job_nodes=job_nodes,
    )


def _van_quantities(
    eligible: Mapping[str, list[set[int]]],
    job_nodes: Mapping[str, tuple[int, ...]],
    parts: Mapping[str, Mapping[str, int]],
    vans: list[dict[str, int]],
    n: int,
    n_t: int,
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Van quantities for the parts a van could run out of today: those some technician
    carries (> 0) but fewer units than the jobs it may do need in total. Parts a van does not
    carry at all are handled by the per-job pick-up rule; others cannot run out."""
    risky: list[str] = []
    for k in range(n_t):
        demand: dict[str, int] = {}
        for jid, members in eligible.items():
            if k in members[0]:
                for p, q in parts.get(jid, {}).items():
                    demand[p] = demand.get(p, 0) + q
        for p, q in demand.items():
            if 0 < vans[k].get(p, 0) < q and p not in risky:
                risky.append(p)
    if not risky:
        return None, None
    use = np.zeros((n, len(risky)), dtype=np.int64)
    for jid, nodes in job_nodes.items():
        for c, p in enumerate(risky):
            use[nodes[0], c] = parts.get(jid, {}).get(p, 0)
    stock = np.array([[van.get(p, 0) for p in risky] for van in vans], dtype=np.int64)
    return use, stock


def _merge(ws: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(ws):
        if out and a <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out
