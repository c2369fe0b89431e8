"""Independent checker of dispatch plans: every time and rule recomputed from the scenario.

It never imports the solver or the translation layer's node model: it reads the stops as a
dispatcher wrote them (who, where, when, which parts) and the scenario's lookups, so it also
checks plans edited by hand. Travel times come from the scenario's travel provider.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from fieldopt.checks.claims import check_claims
from fieldopt.checks.violation import Violation
from fieldopt.dispatch.kpis import compute_kpis
from fieldopt.dispatch.plan import STOP_KINDS, DispatchPlan, Stop
from fieldopt.scenario import Scenario
from fieldopt.view import Record, has_value, service_seconds, team_qualifies

TOLERANCE_S = 1  # rounding of seconds in hand-edited plans
TOL = dt.timedelta(seconds=TOLERANCE_S)


def _secs(a: dt.datetime, b: dt.datetime) -> float:
    return (b - a).total_seconds()


def check_dispatch(plan: DispatchPlan, scenario: Scenario) -> list[Violation]:
    """Every violated rule of ``plan`` against ``scenario`` (empty list: the plan is valid)."""
    c = _Check(plan, scenario)
    for tech, stops in plan.routes().items():
        if c.route_frame(tech, stops):
            c.route_stops(tech, stops)
            c.lunch_taken(tech, stops)
        if c.stop_now:
            return c.out
    c.depot_stock()
    c.teams_and_skills()
    c.precedences()
    for jid, ok in c.team_parts.items():
        if not ok:
            c.bad("parts", jid, "no member of the team carries the parts")
    for jid in plan.unassigned:
        if jid in c.served:
            c.bad("unassigned", jid, "listed as unassigned but served")
    c.kpis()
    c.out.extend(check_claims(plan, scenario))
    return c.out


class _Check:
    """The state of one check: violations found, parts used, jobs served."""

    def __init__(self, plan: DispatchPlan, scenario: Scenario) -> None:
        self.plan, self.scenario, self.view = plan, scenario, scenario.view
        self.out: list[Violation] = []
        self.shifts = self.view.shifts_on(plan.day)
        self.locations = set(self.view.location_kind)
        used = sorted({s.location_id for s in plan.stops if s.location_id in self.locations})
        self.matrix = scenario.travel_matrix(used) if used else None
        self.pos = {loc: i for i, loc in enumerate(used)}
        self.depot_used: dict[str, dict[str, int]] = {}
        self.team_parts: dict[str, bool] = {}
        self.served: dict[str, list[Stop]] = {}
        self.stop_now = False

    def bad(self, rule: str, subject: str, message: str, amount: float | None = None) -> None:
        self.out.append(Violation(rule, subject, message, amount))

    def travel(self, a: str, b: str) -> int:
        assert self.matrix is not None
        return int(self.matrix.duration_s[self.pos[a], self.pos[b]])

    # ------------------------------------------------------------------ one route
    def route_frame(self, tech: str, stops: Sequence[Stop]) -> bool:
        """Who, which stops, where it begins and ends, inside the shift; False: stop here."""
        t = self.view.technicians.get(tech)
        if t is None:
            self.bad("technician", tech, "unknown technician")
            return False
        shift = self.shifts.get(tech)
        if shift is None:
            self.bad("shift", tech, f"has no shift on {self.plan.day}")
            return False
        for s in stops:
            if s.kind not in STOP_KINDS:
                self.bad("stop", f"{tech}#{s.seq}", f"unknown kind {s.kind!r}")
            if s.location_id not in self.locations:
                self.bad("location", f"{tech}#{s.seq}", f"unknown location {s.location_id!r}")
                self.stop_now = True
                return False
            if s.end < s.start or s.start < s.arrival:
                self.bad("order", f"{tech}#{s.seq}", "arrival ≤ start ≤ end does not hold")
        first, last = stops[0], stops[-1]
        if first.kind != "start" or last.kind != "end":
            self.bad(
                "route", tech, "a route begins with a start stop and finishes with an end stop"
            )
        end_loc = self.view.end_location(tech)
        if last.kind == "end" and last.location_id != end_loc:
            self.bad("route", tech, f"ends at {last.location_id}, not at {end_loc}")
        home = self.view.home(tech)
        moved = first.kind == "start" and not first.fixed and first.location_id != home
        if moved and not any(s.fixed for s in stops):
            self.bad("route", tech, f"starts at {first.location_id}, not at home")
        if first.start < shift[0] - TOL:
            msg = f"leaves at {first.start:%H:%M}, before the shift starts"
            self.bad("shift", tech, msg, _secs(first.start, shift[0]))
        latest = shift[1] + self.view.overtime(tech)
        if last.end > latest + TOL:
            msg = f"returns at {last.end:%H:%M}, past shift end + allowed overtime"
            self.bad("overtime", tech, msg, _secs(latest, last.end))
        return True

    def route_stops(self, tech: str, stops: Sequence[Stop]) -> None:
        """Travel, lunch placement, pick-ups and jobs, stop after stop."""
        van = self.view.van_stock(tech)
        picked: dict[str, int] = {}
        prev = stops[0]
        pending_break: Stop | None = None
        for s in stops[1:]:
            if s.kind == "break":
                self.break_stop(tech, s, prev)
                pending_break = s
                continue
            earliest = self.arrival(tech, prev, s)
            if pending_break is not None:
                self.break_between(tech, pending_break, prev, s, earliest)
                pending_break = None
            if s.kind == "pickup":
                self.pickup(tech, s, picked)
            if s.kind == "job":
                self.job(tech, s, van, picked)
            prev = s

    def arrival(self, tech: str, prev: Stop, s: Stop) -> dt.datetime:
        """Recorded travel and arrival against the recomputed ones; the earliest arrival."""
        tt = self.travel(prev.location_id, s.location_id)
        if not s.fixed and abs(s.travel_s - tt) > TOLERANCE_S:
            msg = f"travel {s.travel_s}s recorded, {tt}s recomputed"
            self.bad("travel", f"{tech}#{s.seq}", msg, s.travel_s - tt)
        earliest = prev.end + dt.timedelta(seconds=tt)
        if not s.fixed and s.arrival < earliest - TOL:
            msg = f"arrives at {s.arrival:%H:%M:%S}, cannot before {earliest:%H:%M:%S}"
            self.bad("travel", f"{tech}#{s.seq}", msg, _secs(s.arrival, earliest))
        return earliest

    def lunch_bounds(self, tech: str) -> tuple[dt.datetime | None, dt.datetime | None]:
        t = self.view.technicians[tech]
        day = self.plan.day
        lo = (
            dt.datetime.combine(day, t["lunch_earliest"])
            if has_value(t["lunch_earliest"])
            else None
        )
        hi = dt.datetime.combine(day, t["lunch_latest"]) if has_value(t["lunch_latest"]) else None
        return lo, hi

    def break_stop(self, tech: str, s: Stop, prev: Stop) -> None:
        """A lunch: long enough, in its window, after the previous stop."""
        dur = _secs(s.start, s.end)
        if dur + TOLERANCE_S < int(self.view.technicians[tech]["lunch_duration_min"] or 0) * 60:
            self.bad("break", tech, f"lunch of {dur / 60:.0f} min is shorter than required")
        lo, hi = self.lunch_bounds(tech)
        if lo and hi and not (lo <= s.start <= hi):
            msg = f"lunch starts at {s.start:%H:%M}, outside {lo:%H:%M}-{hi:%H:%M}"
            self.bad("break", tech, msg)
        if s.start < prev.end - TOL:
            self.bad("overlap", tech, f"lunch at {s.start:%H:%M} overlaps the previous stop")

    def break_between(
        self, tech: str, brk: Stop, prev: Stop, s: Stop, earliest: dt.datetime
    ) -> None:
        """A lunch sits between two stops, with time for the travel and the lunch."""
        if brk.start < prev.end - TOL or brk.end > s.start + TOL:
            self.bad("overlap", tech, f"lunch at {brk.start:%H:%M} is not between two stops")
        if s.start < earliest + (brk.end - brk.start) - TOL:
            self.bad("break", tech, f"no time for travel and lunch before {s.start:%H:%M}")

    def lunch_taken(self, tech: str, stops: Sequence[Stop]) -> None:
        """A technician with work across the lunch window takes the lunch."""
        t = self.view.technicians[tech]
        has_work = any(s.kind == "job" and not s.fixed for s in stops)
        lo, _ = self.lunch_bounds(tech)
        if (
            has_work
            and int(t["lunch_duration_min"] or 0) > 0
            and not any(s.kind == "break" for s in stops)
            and lo is not None
            and stops[-1].end > lo
            and not any(s.fixed for s in stops)
        ):
            self.bad("break", tech, "works through the lunch window without a break")

    def pickup(self, tech: str, s: Stop, picked: dict[str, int]) -> None:
        if self.view.location_kind.get(s.location_id) not in ("depot", "central"):
            self.bad("parts", f"{tech}#{s.seq}", f"pick-up at {s.location_id}, not a depot")
        for p, q in s.picks.items():
            picked[p] = picked.get(p, 0) + q
            used = self.depot_used.setdefault(s.location_id, {})
            used[p] = used.get(p, 0) + q

    # ------------------------------------------------------------------ one job visit
    def job(self, tech: str, s: Stop, van: dict[str, int], picked: dict[str, int]) -> None:
        jid = s.job_id or ""
        self.served.setdefault(jid, []).append(s)
        j = self.view.jobs.get(jid)
        if j is None:
            self.bad("job", jid, "unknown job")
            return
        if s.location_id != j["site_id"]:
            self.bad("site", jid, f"visited at {s.location_id}, the job is at {j['site_id']}")
        self.job_parts(tech, jid, j, van, picked, flag=not s.fixed)
        if not s.fixed:
            self.job_times(tech, s, j)
            if str(j["status"]) not in ("open", "scheduled"):
                self.bad("status", jid, f"status {j['status']} is not plannable")
        pin = j["pin_technician_id"]
        if has_value(pin) and pin and tech != pin and int(j["technicians_needed"]) == 1:
            self.bad("pin", jid, f"pinned to {pin}, planned for {tech}")
        pin_at = j["pin_start"]
        if has_value(pin_at) and abs(_secs(pin_at.to_pydatetime(), s.start)) > TOLERANCE_S:
            self.bad("pin", jid, f"pinned at {pin_at:%H:%M}, planned at {s.start:%H:%M}")

    def job_parts(
        self,
        tech: str,
        jid: str,
        j: Record,
        van: dict[str, int],
        picked: dict[str, int],
        flag: bool = True,
    ) -> None:
        """The units the job needs come from the van, then from what was picked up (work
        already done, ``flag`` False, uses them up without being judged)."""
        need = self.view.job_parts.get(jid, {})
        if int(j["technicians_needed"]) > 1:  # one member brings the parts
            ok = all(van.get(p, 0) + picked.get(p, 0) >= q for p, q in need.items())
            need = need if ok and not self.team_parts.get(jid, False) else {}
            self.team_parts[jid] = self.team_parts.get(jid, False) or ok or not flag
        for p, q in need.items():
            have = van.get(p, 0) + picked.get(p, 0)
            if have < q and flag:
                self.bad("parts", jid, f"{tech} has {have} of part {p}, needs {q}", q - have)
            take_van = min(van.get(p, 0), q)
            van[p] = van.get(p, 0) - take_van
            picked[p] = picked.get(p, 0) - (q - take_van)

    def job_times(self, tech: str, s: Stop, j: Record) -> None:
        """Inside a window, after the release, long enough for the technician's level."""
        jid = str(j["id"])
        wins = self.view.windows.get(jid)
        if wins and not any(a <= s.start <= b for a, b in wins):
            self.bad("time_window", jid, f"starts at {s.start:%H:%M}, outside its windows")
        rel = j["release_at"]
        if has_value(rel) and s.start < rel.to_pydatetime():
            self.bad("release", jid, f"starts at {s.start:%H:%M}, before release {rel:%H:%M}")
        alone = int(j["technicians_needed"]) == 1
        level = self.view.lowest_level(tech, jid) if alone else None
        expected = service_seconds(int(j["duration_min"]), float(j["level_factor_pct"] or 0), level)
        got = _secs(s.start, s.end)
        if got + TOLERANCE_S < expected:
            msg = f"lasts {got / 60:.1f} min, needs {expected / 60:.1f}"
            self.bad("duration", jid, msg, expected - got)

    # ------------------------------------------------------------------ across routes
    def depot_stock(self) -> None:
        for depot, used in self.depot_used.items():
            for p, q in used.items():
                on_hand = self.view.stock.get(depot, {}).get(p, 0)
                if q > on_hand:
                    msg = f"{q} units picked, {on_hand} on hand"
                    self.bad("stock", f"{depot}/{p}", msg, q - on_hand)

    def teams_and_skills(self) -> None:
        """Each job served by its team size, together, and the team qualifies
        (:func:`fieldopt.view.team_qualifies`)."""
        for jid, stops in self.served.items():
            j = self.view.jobs.get(jid)
            if j is None:
                continue
            size = int(j["technicians_needed"])
            people = sorted({s.technician_id for s in stops})
            if len(stops) != size or len(people) != len(stops):
                msg = (
                    f"served by {len(people)} technician(s) in {len(stops)} visit(s), needs {size}"
                )
                self.bad("team", jid, msg)
            if len({s.start for s in stops}) > 1:
                self.bad("team", jid, "team members start at different times")
            if stops[0].fixed or len(people) < size:
                continue
            members = [self.view.levels.get(x, {}) for x in people]
            for r in self.view.requirements.get(jid, ()):
                if not team_qualifies(members, [r], size):
                    holders = sum(m.get(r.skill, 0) >= r.min_level for m in members)
                    msg = (
                        f"{holders} technician(s) hold {r.skill} at level {r.min_level}, "
                        f"needs {r.technicians}"
                    )
                    self.bad("skill", jid, msg)

    def precedences(self) -> None:
        for jid, pid, lag in self.view.predecessors:
            if jid not in self.served or self.served[jid][0].fixed:
                continue
            if pid in self.served:
                ready = max(s.end for s in self.served[pid]) + dt.timedelta(minutes=lag)
                if min(s.start for s in self.served[jid]) < ready - TOL:
                    self.bad("precedence", jid, f"starts before {pid} ends (+{lag} min)")
            elif self.view.jobs.get(pid, {}).get("status") != "done":
                msg = f"planned but predecessor {pid} is neither done nor planned"
                self.bad("precedence", jid, msg)

    def kpis(self) -> None:
        """The plan's summary KPIs are those recomputed from its stops."""
        if not self.plan.kpis:
            return
        told = self.plan.kpis.get("summary", {})
        if not isinstance(told, Mapping):  # a hand-edited file
            self.bad("kpi", "summary", f"must be an object of KPIs, got {told!r}")
            return
        for key, value in compute_kpis(self.plan, self.scenario)["summary"].items():
            if told.get(key) != value:
                self.bad("kpi", key, f"plan says {told.get(key)!r}, recomputed {value!r}")
