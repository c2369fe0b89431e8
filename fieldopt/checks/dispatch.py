"""Independent checker of dispatch plans: every time and rule recomputed from the scenario.

It never imports the solver or the translation layer's node model: it reads the stops as a
dispatcher wrote them (who, where, when, which parts) and the scenario's tables, so it also
checks plans edited by hand. Travel times come from the scenario's travel provider.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fieldopt.check import Violation, check
from fieldopt.dispatch.kpis import compute_kpis
from fieldopt.dispatch.plan import STOP_KINDS, DispatchPlan
from fieldopt.scenario import Scenario
from fieldopt.translate.routing import records

TOLERANCE_S = 1  # rounding of seconds in hand-edited plans


def _secs(a: dt.datetime, b: dt.datetime) -> float:
    return (b - a).total_seconds()


@check.register(DispatchPlan)
def check_dispatch(plan: DispatchPlan, scenario: Scenario) -> list[Violation]:
    """Every violated rule of ``plan`` against ``scenario`` (empty list: the plan is valid)."""
    out: list[Violation] = []

    def bad(rule: str, subject: str, message: str, amount: float | None = None) -> None:
        out.append(Violation(rule, subject, message, amount))

    day = plan.day
    jobs = {str(j["id"]): j for j in records(scenario.jobs)}
    techs = {str(t["id"]): t for t in records(scenario.technicians)}
    locations = set(scenario.locations["id"])
    kinds = dict(zip(scenario.locations["id"], scenario.locations["kind"], strict=True))
    levels: dict[str, dict[str, int]] = {}
    for r in records(scenario.technician_skills):
        levels.setdefault(str(r["technician_id"]), {})[str(r["skill"])] = int(r["level"])
    reqs: dict[str, list[tuple[str, int, int]]] = {}
    for r in records(scenario.job_skills):
        reqs.setdefault(str(r["job_id"]), []).append(
            (str(r["skill"]), int(r["min_level"]), int(r["technicians"]))
        )
    windows: dict[str, list[tuple[dt.datetime, dt.datetime]]] = {}
    for r in records(scenario.job_windows):
        windows.setdefault(str(r["job_id"]), []).append(
            (r["start"].to_pydatetime(), r["end"].to_pydatetime())
        )
    parts: dict[str, dict[str, int]] = {}
    for r in records(scenario.job_parts):
        parts.setdefault(str(r["job_id"]), {})[str(r["part_id"])] = int(r["quantity"])
    stock: dict[str, dict[str, int]] = {}
    for r in records(scenario.stock):
        stock.setdefault(str(r["location_id"]), {})[str(r["part_id"])] = int(r["on_hand"])
    shifts: dict[str, tuple[dt.datetime, dt.datetime]] = {}
    for r in records(scenario.shifts):
        a, b = r["start"].to_pydatetime(), r["end"].to_pydatetime()
        if a.date() == day:
            old = shifts.get(str(r["technician_id"]))
            shifts[str(r["technician_id"])] = (min(a, old[0]), max(b, old[1])) if old else (a, b)

    used_locs = sorted({s.location_id for s in plan.stops if s.location_id in locations})
    matrix = scenario.travel_matrix(used_locs) if used_locs else None
    pos = {loc: i for i, loc in enumerate(used_locs)}

    def travel(a: str, b: str) -> tuple[int, int]:
        assert matrix is not None
        return int(matrix.duration_s[pos[a], pos[b]]), int(matrix.distance_m[pos[a], pos[b]])

    depot_used: dict[str, dict[str, int]] = {}
    team_parts: dict[str, bool] = {}
    served: dict[str, list[Any]] = {}
    for tech, stops in plan.routes().items():
        if tech not in techs:
            bad("technician", tech, "unknown technician")
            continue
        t = techs[tech]
        shift = shifts.get(tech)
        if shift is None:
            bad("shift", tech, f"has no shift on {day}")
            continue
        ot = dt.timedelta(minutes=int(t["overtime_max_min"]))
        for s in stops:
            if s.kind not in STOP_KINDS:
                bad("stop", f"{tech}#{s.seq}", f"unknown kind {s.kind!r}")
            if s.location_id not in locations:
                bad("location", f"{tech}#{s.seq}", f"unknown location {s.location_id!r}")
                return out
            if s.end < s.start or s.start < s.arrival:
                bad("order", f"{tech}#{s.seq}", "arrival ≤ start ≤ end does not hold")
        if stops[0].kind != "start" or stops[-1].kind != "end":
            bad("route", tech, "a route begins with a start stop and finishes with an end stop")
        end_loc = (
            t["end_location_id"]
            if isinstance(t["end_location_id"], str) and t["end_location_id"]
            else t["home_location_id"]
        )
        if stops[-1].kind == "end" and stops[-1].location_id != end_loc:
            bad("route", tech, f"ends at {stops[-1].location_id}, not at {end_loc}")
        if (
            stops[0].kind == "start"
            and not stops[0].fixed
            and stops[0].location_id != t["home_location_id"]
        ) and not any(s.fixed for s in stops):
            bad("route", tech, f"starts at {stops[0].location_id}, not at home")
        if stops[0].start < shift[0] - dt.timedelta(seconds=TOLERANCE_S):
            bad(
                "shift",
                tech,
                f"leaves at {stops[0].start:%H:%M}, before the shift starts",
                _secs(stops[0].start, shift[0]),
            )
        if stops[-1].end > shift[1] + ot + dt.timedelta(seconds=TOLERANCE_S):
            bad(
                "overtime",
                tech,
                f"returns at {stops[-1].end:%H:%M}, past shift end + allowed overtime",
                _secs(shift[1] + ot, stops[-1].end),
            )
        van = (
            dict(stock.get(str(t["van_location_id"]), {}))
            if isinstance(t["van_location_id"], str)
            else {}
        )
        picked: dict[str, int] = {}
        prev = stops[0]
        lunch_ok = False
        pending_break: Any = None
        for s in stops[1:]:
            if s.kind == "break":
                dur = _secs(s.start, s.end)
                lo = (
                    dt.datetime.combine(day, t["lunch_earliest"])
                    if t["lunch_earliest"] is not None
                    else None
                )
                hi = (
                    dt.datetime.combine(day, t["lunch_latest"])
                    if t["lunch_latest"] is not None
                    else None
                )
                if dur + TOLERANCE_S < int(t["lunch_duration_min"] or 0) * 60:
                    bad("break", tech, f"lunch of {dur / 60:.0f} min is shorter than required")
                if lo and hi and not (lo <= s.start <= hi):
                    bad(
                        "break",
                        tech,
                        f"lunch starts at {s.start:%H:%M}, outside {lo:%H:%M}-{hi:%H:%M}",
                    )
                if s.start < prev.end - dt.timedelta(seconds=TOLERANCE_S):
                    bad("overlap", tech, f"lunch at {s.start:%H:%M} overlaps the previous stop")
                lunch_ok = True
                pending_break = s
                continue
            tt, _dist = travel(prev.location_id, s.location_id)
            if not s.fixed and abs(s.travel_s - tt) > TOLERANCE_S:
                bad(
                    "travel",
                    f"{tech}#{s.seq}",
                    f"travel {s.travel_s}s recorded, {tt}s recomputed",
                    s.travel_s - tt,
                )
            earliest = prev.end + dt.timedelta(seconds=tt)
            tol = dt.timedelta(seconds=TOLERANCE_S)
            if not s.fixed and s.arrival < earliest - tol:
                bad(
                    "travel",
                    f"{tech}#{s.seq}",
                    f"arrives at {s.arrival:%H:%M:%S}, cannot before {earliest:%H:%M:%S}",
                    _secs(s.arrival, earliest),
                )
            if pending_break is not None:
                brk = pending_break.end - pending_break.start
                if pending_break.start < prev.end - tol or pending_break.end > s.start + tol:
                    bad(
                        "overlap",
                        tech,
                        f"lunch at {pending_break.start:%H:%M} is not between two stops",
                    )
                if s.start < earliest + brk - tol:
                    bad("break", tech, f"no time for travel and lunch before {s.start:%H:%M}")
                pending_break = None
            if s.kind == "pickup":
                if kinds.get(s.location_id) not in ("depot", "central"):
                    bad("parts", f"{tech}#{s.seq}", f"pick-up at {s.location_id}, not a depot")
                for p, q in s.picks.items():
                    picked[p] = picked.get(p, 0) + q
                    depot_used.setdefault(s.location_id, {})[p] = (
                        depot_used.get(s.location_id, {}).get(p, 0) + q
                    )
            if s.kind == "job":
                jid = s.job_id or ""
                served.setdefault(jid, []).append(s)
                j = jobs.get(jid)
                if j is None:
                    bad("job", jid, "unknown job")
                    prev = s
                    continue
                if s.location_id != j["site_id"]:
                    bad("site", jid, f"visited at {s.location_id}, the job is at {j['site_id']}")
                if not s.fixed:
                    _check_job_times(
                        bad, s, j, windows.get(jid), levels.get(tech, {}), reqs.get(jid, [])
                    )
                    need = parts.get(jid, {})
                    if int(j["technicians_needed"]) > 1:  # one member brings the parts
                        ok = all(van.get(p, 0) + picked.get(p, 0) >= q for p, q in need.items())
                        team_parts[jid] = team_parts.get(jid, False) or ok
                        need = need if ok else {}
                    for p, q in need.items():
                        have = van.get(p, 0) + picked.get(p, 0)
                        if have < q:
                            bad("parts", jid, f"{tech} has {have} of part {p}, needs {q}", q - have)
                        take_van = min(van.get(p, 0), q)
                        van[p] = van.get(p, 0) - take_van
                        picked[p] = picked.get(p, 0) - (q - take_van)
                if s.fixed is False and str(j["status"]) not in ("open", "scheduled"):
                    bad("status", jid, f"status {j['status']} is not plannable")
                pin = j["pin_technician_id"]
                if (
                    isinstance(pin, str)
                    and pin
                    and tech != pin
                    and int(j["technicians_needed"]) == 1
                ):
                    bad("pin", jid, f"pinned to {pin}, planned for {tech}")
                if (
                    j["pin_start"] is not None
                    and j["pin_start"] == j["pin_start"]
                    and abs(_secs(j["pin_start"].to_pydatetime(), s.start)) > TOLERANCE_S
                ):
                    bad("pin", jid, f"pinned at {j['pin_start']:%H:%M}, planned at {s.start:%H:%M}")
            prev = s
        has_work = any(s.kind == "job" and not s.fixed for s in stops)
        if (
            (
                has_work
                and int(t["lunch_duration_min"] or 0) > 0
                and not lunch_ok
                and t["lunch_earliest"] is not None
            )
            and stops[-1].end > dt.datetime.combine(day, t["lunch_earliest"])
            and not any(s.fixed for s in stops)
        ):
            bad("break", tech, "works through the lunch window without a break")
    for depot, used in depot_used.items():
        for p, q in used.items():
            on_hand = stock.get(depot, {}).get(p, 0)
            if q > on_hand:
                bad("stock", f"{depot}/{p}", f"{q} units picked, {on_hand} on hand", q - on_hand)
    for jid, stops in served.items():
        j = jobs.get(jid)
        if j is None:
            continue
        team_size = int(j["technicians_needed"])
        people = {s.technician_id for s in stops}
        if len(stops) != team_size or len(people) != len(stops):
            bad(
                "team",
                jid,
                f"served by {len(people)} technician(s) in {len(stops)} visit(s), "
                f"needs {team_size}",
            )
        if len({s.start for s in stops}) > 1:
            bad("team", jid, "team members start at different times")
        if stops[0].fixed:
            continue
        for skill, lvl, count in reqs.get(jid, []):
            holders = sum(levels.get(x, {}).get(skill, 0) >= lvl for x in people)
            if holders < min(count, team_size):
                bad(
                    "skill",
                    jid,
                    f"{holders} technician(s) hold {skill} at level {lvl}, needs {count}",
                )
    for r in records(scenario.job_predecessors):
        jid, pid = str(r["job_id"]), str(r["predecessor_id"])
        if jid in served and not served[jid][0].fixed:
            if pid in served:
                ready = max(s.end for s in served[pid]) + dt.timedelta(minutes=int(r["lag_min"]))
                if min(s.start for s in served[jid]) < ready - dt.timedelta(seconds=TOLERANCE_S):
                    bad("precedence", jid, f"starts before {pid} ends (+{r['lag_min']} min)")
            elif jobs.get(pid, {}).get("status") != "done":
                bad("precedence", jid, f"planned but predecessor {pid} is neither done nor planned")
    for jid, ok in team_parts.items():
        if not ok:
            bad("parts", jid, "no member of the team carries the parts")
    for jid in plan.unassigned:
        if jid in served:
            bad("unassigned", jid, "listed as unassigned but served")
    if plan.kpis:
        fresh = compute_kpis(plan, scenario)["summary"]
        for key, value in fresh.items():
            if plan.kpis.get("summary", {}).get(key) != value:
                bad(
                    "kpi",
                    key,
                    f"plan says {plan.kpis.get('summary', {}).get(key)!r}, recomputed {value!r}",
                )
    return out


def _check_job_times(
    bad: Any,
    s: Any,
    j: dict[str, Any],
    wins: list[tuple[dt.datetime, dt.datetime]] | None,
    levels: dict[str, int],
    reqs: list[tuple[str, int, int]],
) -> None:
    jid = str(j["id"])
    if wins and not any(a <= s.start <= b for a, b in wins):
        bad("time_window", jid, f"starts at {s.start:%H:%M}, outside its windows")
    rel = j["release_at"]
    if rel is not None and rel == rel and s.start < rel.to_pydatetime():
        bad("release", jid, f"starts at {s.start:%H:%M}, before release {rel:%H:%M}")
    base = int(j["duration_min"]) * 60
    pct = float(j["level_factor_pct"] or 0.0)
    expected = base
    if int(j["technicians_needed"]) == 1 and reqs and pct:
        lvl = min(levels.get(k, 0) for k, _, _ in reqs)
        expected = max(60, round(base * (1 - pct / 100 * (lvl - 3))))
    got = _secs(s.start, s.end)
    if got + TOLERANCE_S < expected:
        bad("duration", jid, f"lasts {got / 60:.1f} min, needs {expected / 60:.1f}", expected - got)
