"""Independent check of what a dispatch plan claims about the jobs it leaves out.

A job listed as ``no_feasible_position`` (or ``fits_by_displacing``, which says no position
fits without taking work out) must not fit anywhere in the plan as it stands. This module
tries it at every position of every technician on shift who qualifies, with its own simple
timing from the scenario (never the solver's): travel from the previous stop, the first window
that can still be met (release, pinned start), the service by the technician's level, then the
stops after it pushed later but never earlier, each still in its window, team members and
pinned jobs unmoved, predecessors still ending before their successors start, the lunch in its
window (one taken where the route has none), the return by shift end plus overtime; parts from
what the van has left, or from a pick-up right before the job at a depot the route does not
visit that still holds the units (``dispatch.pickup_min``). A team job needs distinct qualified
technicians (:func:`fieldopt.view.team_qualifies`) who can all start at one time, one of them
with the parts left on the van.

The timing is deliberately no more generous than the planner's: a lunch stays where it is, a
re-plan's routes leave no earlier than they do, a technician with nothing new in a re-plan is
not tried, and a van whose own stock covered the job but went to earlier jobs gets no pick-up.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from fieldopt.checks.violation import Violation
from fieldopt.dispatch.plan import DispatchPlan, Stop
from fieldopt.reasons import ReasonCode
from fieldopt.scenario import Scenario
from fieldopt.view import Record, has_value, service_seconds, team_qualifies

CLAIMS = (ReasonCode.NO_FEASIBLE_POSITION, ReasonCode.FITS_BY_DISPLACING)
RULE = "unassigned_claim"
PICKUP_MIN = 10  # minutes at a depot when dispatch.pickup_min is not set (docs/dispatch.md)
MAX_STARTS = 40  # common starts tried per team job
MAX_TEAMS = 2000  # teams tried per common start
NEVER = 10**9

Windows = tuple[tuple[int, int], ...]


def check_claims(plan: DispatchPlan, scenario: Scenario) -> list[Violation]:
    """A violation for each job claimed not to fit that does fit, or whose displaced job is
    not served as named."""
    claimed = sorted(j for j, r in plan.unassigned.items() if r.code in CLAIMS)
    if not claimed:
        return []
    out: list[Violation] = []
    known = [j for j in claimed if j in scenario.view.jobs]
    for job in sorted(set(claimed) - set(known)):
        out.append(Violation(RULE, job, "claim about an unknown job"))
    day = Day(plan, scenario, known)
    for job in known:
        r = plan.unassigned[job]
        if r.code == ReasonCode.FITS_BY_DISPLACING:
            wrong = day.displaced_wrong(job, r.facts)
            if wrong:
                out.append(Violation(RULE, job, wrong))
        where = day.fits(job)
        if where:
            out.append(Violation(RULE, job, f"claimed '{r.text}', but it fits {where}"))
    return out


def earliest(windows: Windows | None, t: int, pin: int | None = None) -> int | None:
    """The earliest start at or after ``t``: the pinned start, else in a window."""
    if pin is not None:
        return pin if t <= pin else None
    if windows is None:
        return t
    for a, b in windows:
        if t <= b:
            return max(a, t)
    return None


@dataclass(frozen=True)
class Item:
    """A stop as the timing sees it (seconds from midnight): its place, planned start (the
    floor: it never starts earlier), duration, the windows it must start in (``None``: any
    time), whether it must start exactly as planned (a team member, a pinned job) and when it
    must end by for its successors."""

    kind: str
    place: int
    start: int
    duration: int
    windows: Windows | None = None
    exact: bool = False
    end_by: int = NEVER
    pin: int | None = None


@dataclass
class Route:
    """One technician's day as the timing sees it: the stops, their items, an upper bound on
    each stop's start, where new work may go, the lunch and the latest return."""

    tech: str
    stops: list[Stop]
    items: list[Item]
    bound: list[int]
    first_gap: int
    lunch: tuple[int, int, int] | None
    has_break: bool
    latest_end: int
    free: list[int | None] = field(default_factory=list)  # per gap: when it may leave


class Day:
    """The plan's day: routes, what vans and depots have left, travel between the places."""

    def __init__(self, plan: DispatchPlan, scenario: Scenario, jobs: Sequence[str]) -> None:
        self.plan, self.view = plan, scenario.view
        self.origin = dt.datetime.combine(plan.day, dt.time())
        self.shifts = {
            t: s for t, s in self.view.shifts_on(plan.day).items() if t in self.view.technicians
        }
        self.replan = any(s.fixed for s in plan.stops)
        self.stops = plan.routes()
        self.served = plan.served_jobs()
        places = {s.location_id for s in plan.stops}
        places |= {str(self.view.jobs[j]["site_id"]) for j in jobs}
        places |= set(self.view.depots)
        for t in self.shifts:
            places |= {self.view.home(t), self.view.end_location(t)}
        self.places = sorted(places & set(self.view.location_kind))
        self.index = {p: i for i, p in enumerate(self.places)}
        self.duration = scenario.travel_matrix(self.places).duration_s.tolist()
        self.van_left = {t: self.van_after(t, stops) for t, stops in self.stops.items()}
        self.depot_left = self.depots_after()
        self.pickup_s = self.view.settings_int("dispatch.pickup_min", PICKUP_MIN) * 60
        self.routes: dict[str, Route | None] = {}
        self.job_windows: dict[str, Windows | None] = {}
        self.jobs_seen: dict[str, tuple[int, Windows | None, int | None]] = {}

    # ------------------------------------------------------------------ facts of the plan
    def sec(self, when: dt.datetime) -> int:
        return int((when - self.origin).total_seconds())

    def van_after(self, tech: str, stops: Sequence[Stop]) -> dict[str, int]:
        """What the van holds after the route: its stock plus the picks, less every job's
        needs (a team job's from each member: whoever brought them)."""
        left = self.view.van_stock(tech) if tech in self.view.technicians else {}
        for s in stops:
            for p, q in s.picks.items():
                left[p] = left.get(p, 0) + q
            if s.kind == "job" and s.job_id:
                for p, q in self.view.job_parts.get(s.job_id, {}).items():
                    left[p] = left.get(p, 0) - q
        return left

    def depots_after(self) -> dict[str, dict[str, int]]:
        left = {d: dict(self.view.stock.get(d, {})) for d in self.view.depots}
        for s in self.plan.stops:
            for p, q in s.picks.items():
                units = left.setdefault(s.location_id, {})
                units[p] = units.get(p, 0) - q
        return left

    def displaced_wrong(self, job: str, facts: Mapping[str, object]) -> str:
        """What is wrong with a ``fits_by_displacing`` claim's named job, or ''."""
        other, tech = facts.get("job"), facts.get("technician")
        stops = self.served.get(str(other), [])
        if not any(s.technician_id == tech for s in stops):
            return f"names {other} on {tech}, which the plan does not serve so"
        mine = int(self.view.jobs[job]["priority"])
        if int(self.view.jobs[str(other)]["priority"]) > mine:
            return f"names {other}, less urgent than the job: displacing it serves more urgent work"
        return ""

    def windows(self, job: str) -> Windows | None:
        """The job's windows in seconds, from its release (``None``: any time)."""
        if job not in self.job_windows:
            j = self.view.jobs[job]
            wins = self.view.windows.get(job)
            out = [(self.sec(a), self.sec(b)) for a, b in sorted(wins)] if wins else None
            if has_value(j["release_at"]):
                rel = self.sec(j["release_at"].to_pydatetime())
                out = [(max(a, rel), b) for a, b in out if b >= rel] if out else [(rel, NEVER)]
            self.job_windows[job] = None if out is None else tuple(out)
        return self.job_windows[job]

    def new_job(self, job: str) -> tuple[int, Windows | None, int | None]:
        """A job to insert: its place, windows and pinned start (seconds)."""
        if job not in self.jobs_seen:
            j = self.view.jobs[job]
            pin = self.sec(j["pin_start"].to_pydatetime()) if has_value(j["pin_start"]) else None
            self.jobs_seen[job] = (self.index[str(j["site_id"])], self.windows(job), pin)
        return self.jobs_seen[job]

    # ------------------------------------------------------------------ one job
    def fits(self, job: str) -> str:
        """Where ``job`` fits in the plan as it stands ('' nowhere)."""
        j = self.view.jobs[job]
        floor = self.predecessors_end(job)
        if floor is None:
            return ""
        if int(j["technicians_needed"]) > 1:
            return self.team_fits(job, j, floor)
        reqs = self.view.requirements.get(job, ())
        pin = j["pin_technician_id"] if has_value(j["pin_technician_id"]) else None
        for tech in sorted(self.shifts):
            if (pin and tech != pin) or not team_qualifies(
                [self.view.levels.get(tech, {})], reqs, 1
            ):
                continue
            level = self.view.lowest_level(tech, job)
            svc = service_seconds(int(j["duration_min"]), float(j["level_factor_pct"] or 0), level)
            found = self.first_fit(tech, job, svc, floor, None)
            if found is not None:
                gap, depot = found
                via = f" after a pick-up at {depot}" if depot else ""
                return f"on {tech}'s route before stop {gap}{via}"
        return ""

    def predecessors_end(self, job: str) -> int | None:
        """When its predecessors are done (plus lag); ``None``: one is neither done nor served."""
        floor = 0
        for jid, pid, lag in self.view.predecessors:
            if jid != job:
                continue
            if pid in self.served:
                floor = max(floor, max(self.sec(s.end) for s in self.served[pid]) + lag * 60)
            elif self.view.jobs.get(pid, {}).get("status") != "done":
                return None
        return floor

    def parts_ways(self, route: Route, gap: int, job: str) -> list[str]:
        """How the technician gets the job's parts before stop ``gap``: '' without a new
        stop (the van has them left, or the last pick-up before is at a depot that still
        holds them), else a depot for a pick-up right before the job (one the route does not
        visit, when the van's own stock lacks them)."""
        need = self.view.job_parts.get(job, {})
        if not need:
            return [""]

        def holds(units: Mapping[str, int]) -> bool:
            return all(units.get(p, 0) >= q for p, q in need.items())

        tech = route.tech
        picks = [s.location_id for s in route.stops[:gap] if s.kind == "pickup"]
        if holds(self.van_left.get(tech, self.view.van_stock(tech))) or (
            picks and holds(self.depot_left.get(picks[-1], {}))
        ):
            return [""]
        if holds(self.view.van_stock(tech)):
            return []  # the van's own units went to earlier jobs: no pick-up is planned for it
        visited = {s.location_id for s in route.stops if s.kind == "pickup"}
        return [
            d for d, units in sorted(self.depot_left.items()) if d not in visited and holds(units)
        ]

    def first_fit(
        self, tech: str, job: str, svc: int, floor: int, exactly: int | None
    ) -> tuple[int, str] | None:
        """The first stop before which ``job`` fits on ``tech``'s route, and the depot of the
        pick-up it needs ('' none); ``None``: nowhere. A team member (``exactly`` given)
        brings no parts."""
        route = self.route(tech)
        if route is None:
            return None
        for gap in range(route.first_gap, len(route.stops)):
            ways = [""] if exactly is not None else self.parts_ways(route, gap, job)
            for depot in ways:
                if self.start_at(route, gap, job, svc, depot, floor, exactly) is not None:
                    return gap, depot
        return None

    # ------------------------------------------------------------------ one route
    def route(self, tech: str) -> Route | None:
        """The technician's route, built once; a technician without one starts at home at the
        shift start (not tried in a re-plan: where and when it would start is not in the
        plan)."""
        if tech not in self.routes:
            self.routes[tech] = self.build_route(tech)
        return self.routes[tech]

    def build_route(self, tech: str) -> Route | None:
        stops = self.stops.get(tech)
        if not stops:
            if self.replan:
                return None
            a = self.shifts[tech][0]
            stops = [
                Stop(tech, 0, "start", self.view.home(tech), a, a, a),
                Stop(tech, 1, "end", self.view.end_location(tech), a, a, a),
            ]
        if stops[-1].kind != "end" or any(s.location_id not in self.index for s in stops):
            return None
        first = max((n for n, s in enumerate(stops) if s.fixed or s.kind == "start"), default=0)
        lunch = self.lunch(tech)
        latest_end = self.sec(self.shifts[tech][1] + self.view.overtime(tech))
        items = [self.item(s) for s in stops]
        route = Route(
            tech,
            stops,
            items,
            self.bounds(items, lunch, latest_end),
            first + 1,
            lunch,
            any(s.kind == "break" for s in stops),
            latest_end,
        )
        route.free = [None, *(self.free_from(route, g) for g in range(1, len(stops)))]
        return route

    def item(self, s: Stop) -> Item:
        start = self.sec(s.start)
        it = Item(s.kind, self.index[s.location_id], start, self.sec(s.end) - start)
        if s.kind != "job" or not s.job_id or s.job_id not in self.view.jobs:
            return it
        j = self.view.jobs[s.job_id]
        exact = int(j["technicians_needed"]) > 1 or has_value(j["pin_start"])
        end_by = NEVER
        for succ in self.view.successors.get(s.job_id, []):
            if succ in self.served:
                lag = next(
                    lg for jj, p, lg in self.view.predecessors if jj == succ and p == s.job_id
                )
                first = min(self.sec(x.start) for x in self.served[succ])
                end_by = min(end_by, first - lag * 60)
        return Item(s.kind, it.place, start, it.duration, self.windows(s.job_id), exact, end_by)

    def bounds(
        self, items: Sequence[Item], lunch: tuple[int, int, int] | None, latest_end: int
    ) -> list[int]:
        """An upper bound on each stop's start: its windows, its fixed start, its successors,
        then what the stops after it need (a lunch: its latest start, travel not counted)."""
        out = [NEVER] * len(items)
        out[-1] = latest_end
        for n in range(len(items) - 2, -1, -1):
            it, nxt = items[n], items[n + 1]
            # through a lunch the travel is not counted: a new stop may come before it
            through = "break" in (it.kind, nxt.kind)
            gap = 0 if through else self.duration[it.place][nxt.place]
            bound = out[n + 1] - gap - it.duration
            if it.kind == "break":
                bound = min(bound, lunch[1] if lunch else NEVER)
            elif it.exact:
                bound = min(bound, it.start)
            elif it.windows:
                bound = min(bound, it.windows[-1][1])
            out[n] = min(bound, it.end_by - it.duration)
        return out

    def free_from(self, route: Route, gap: int) -> int | None:
        """When the technician may leave the stop before ``gap``: from a start at home, the
        shift start; in a re-plan, after the work done so far, no earlier than the route
        leaves now (``None`` when it has nothing new: when it could leave is not in the
        plan); else when the stop ends."""
        stops = route.stops
        prev = stops[gap - 1]
        if not self.replan:
            if prev.kind == "start" and prev.location_id == self.view.home(route.tech):
                return self.sec(self.shifts[route.tech][0])
            return self.sec(prev.end)
        if not (prev.fixed or prev.kind == "start"):
            return self.sec(prev.end)
        nxt = next((s for s in stops[gap:] if s.kind != "break"), None)
        if nxt is None or nxt.kind == "end":
            return None
        return max(self.sec(prev.end), self.sec(nxt.arrival) - nxt.travel_s)

    def start_at(
        self,
        route: Route,
        gap: int,
        job: str,
        svc: int,
        depot: str,
        floor: int,
        exactly: int | None,
    ) -> int | None:
        """The start of ``job`` inserted before stop ``gap`` of ``route`` (after a pick-up at
        ``depot`` when given), the route still valid; ``exactly``: the start it must have
        (team jobs). ``None``: it does not fit there."""
        t = route.free[gap]
        if t is None:
            return None
        prev = route.items[gap - 1]
        site, wins, pin = self.new_job(job)
        first = earliest(wins, max(t + self.duration[prev.place][site], floor), pin)
        if first is None or (exactly is not None and first > exactly):
            return None
        if exactly is not None and earliest(wins, max(exactly, floor), pin) != exactly:
            return None  # the common start is outside its windows
        nxt = route.items[gap]
        reach = 0 if nxt.kind == "break" else self.duration[site][nxt.place]
        if first + svc + reach > route.bound[gap]:
            return None  # cheap bound before timing the rest of the route
        if exactly is not None:
            first = exactly
        new = Item("job", site, max(floor, first), svc, wins, exactly is not None, pin=pin)
        added = [Item("pickup", self.index[depot], 0, self.pickup_s)] if depot else []
        items = [*added, new, *route.items[gap:]]
        return self.time_items(route, prev, t, items, new)

    def time_items(
        self, route: Route, prev: Item, t: int, items: Sequence[Item], new: Item
    ) -> int | None:
        """Time ``items`` after ``prev`` (free from ``t``); else with the lunch, if it comes
        after the gap, moved to another place among them; with a lunch added where the route
        has none and now needs one. The new job's start, or ``None``."""
        timed = self.time_run(route, prev, t, items, new)
        lunch = route.lunch
        if timed is not None and (lunch is None or route.has_break or timed[1] <= lunch[0]):
            return timed[0]
        moves = any(it.kind == "break" for it in items)  # a lunch after the gap may move
        if lunch is None or (timed is None and not moves):
            return None
        rest = [it for it in items if it.kind != "break"]
        for n in range(len(rest)):  # the lunch before item n, from its earliest start
            brk = Item("break", prev.place, lunch[0], lunch[2])
            timed = self.time_run(route, prev, t, [*rest[:n], brk, *rest[n:]], new)
            if timed is not None:
                return timed[0]
        return None

    def time_run(
        self, route: Route, prev: Item, t: int, items: Sequence[Item], new: Item
    ) -> tuple[int, int] | None:
        """(start of the new job, return time), or ``None`` if a stop does not fit."""
        place, start = prev.place, None
        lunch_end: int | None = None
        lunch_dur = 0
        for it in items:
            if it.kind == "break":
                b = max(it.start, t)
                if route.lunch is not None and b > route.lunch[1]:
                    return None
                lunch_end, lunch_dur = b + it.duration, it.duration
                continue
            arrive = t + self.duration[place][it.place]
            if lunch_end is not None:
                arrive = max(arrive + lunch_dur, lunch_end)
                lunch_end = None
            if it.kind == "end":
                ok = start is not None and arrive <= route.latest_end
                return (start, arrive) if ok and start is not None else None
            s = self.stop_start(it, arrive)
            if s is None:
                return None
            if it is new:
                start = s
            t, place = s + it.duration, it.place
        return None

    @staticmethod
    def stop_start(it: Item, arrive: int) -> int | None:
        """When a stop starts if the technician arrives at ``arrive``: no earlier than its
        floor, in a window; exactly then if it must; ending in time for its successors."""
        if it.exact:
            return it.start if arrive <= it.start else None
        s = earliest(it.windows, max(arrive, it.start), it.pin)
        if s is None or s + it.duration > it.end_by:
            return None
        return s

    def lunch(self, tech: str) -> tuple[int, int, int] | None:
        """(earliest, latest, duration) of the technician's lunch, seconds; ``None``: none."""
        t = self.view.technicians[tech]
        dur = int(t["lunch_duration_min"] or 0) * 60
        if not dur or not has_value(t["lunch_earliest"]) or not has_value(t["lunch_latest"]):
            return None
        lo = self.sec(dt.datetime.combine(self.plan.day, t["lunch_earliest"]))
        hi = self.sec(dt.datetime.combine(self.plan.day, t["lunch_latest"]))
        return lo, hi, dur

    # ------------------------------------------------------------------ team jobs
    def team_fits(self, job: str, j: Record, floor: int) -> str:
        """A team of distinct qualified technicians who can all start ``job`` at one time."""
        size = int(j["technicians_needed"])
        svc = service_seconds(int(j["duration_min"]), float(j["level_factor_pct"] or 0), None)
        options: dict[str, int] = {}  # technician -> earliest start over its positions
        for tech in sorted(self.shifts):
            route = self.route(tech)
            if route is None:
                continue
            starts = [
                self.start_at(route, g, job, svc, "", floor, None)
                for g in range(route.first_gap, len(route.stops))
            ]
            found = [s for s in starts if s is not None]
            if found:
                options[tech] = min(found)
        for common in sorted(set(options.values()))[:MAX_STARTS]:
            able = [
                t
                for t, s in options.items()
                if s <= common and self.first_fit(t, job, svc, floor, common) is not None
            ]
            team = self.qualified_team(job, j, able, size)
            if team:
                at = self.origin + dt.timedelta(seconds=common)
                return f"with {', '.join(team)} starting at {at:%H:%M}"
        return ""

    def qualified_team(self, job: str, j: Record, able: Sequence[str], size: int) -> list[str]:
        """A team from ``able`` that qualifies, includes the pinned technician and has the
        parts on a van (first found, at most :data:`MAX_TEAMS` tried)."""
        reqs = self.view.requirements.get(job, ())
        need = self.view.job_parts.get(job, {})
        pin = j["pin_technician_id"] if has_value(j["pin_technician_id"]) else None
        for team in itertools.islice(itertools.combinations(able, size), MAX_TEAMS):
            if pin and pin not in team:
                continue
            if not team_qualifies([self.view.levels.get(t, {}) for t in team], reqs, size):
                continue
            vans = [self.van_left.get(t, self.view.van_stock(t)) for t in team]
            if need and not any(all(v.get(p, 0) >= q for p, q in need.items()) for v in vans):
                continue
            return list(team)
        return []
