"""Jobs the search left out, settled against the final plan: each is inserted where it fits,
or given a reason the checker can verify.

Every job left out by the search (``left_out_by_optimisation``, ``parts_taken``) is tried, most
urgent first, at every position of every technician allowed to do it in the final routes, with
the one route evaluator (:func:`solvers.routing.evaluate.simulate_route`): the other visits
keep their starts as floors (they may start later, never earlier), team members keep their
common start, predecessors still end in time for their successors, and a job whose parts are
not on the van may get a pick-up right before it at a depot that still holds the units (the
read-back's part allocation is rerun on the whole plan before a change is kept). Then:

- it fits: it is inserted (``details["claims"]["repaired"]``: jobs the search missed);
- it fits in the place of one job of an allowed route: when that job is less urgent the two
  are swapped (``swapped``) and that job is settled in its turn, else the reason is
  ``fits_by_displacing`` naming it;
- else ``no_feasible_position`` (the technicians tried), which the independent checker
  verifies on its own (:mod:`fieldopt.checks.claims`).

A job served while its predecessor is out (the checker refuses that) is taken out first and
settled after its predecessor (``orphans``). Jobs not reached by the deadline keep the search's
reason with a note (``not_examined``).

A team job is tried with its members on distinct allowed technicians at one common start (the
start of one member's earliest position); it is never displaced or displacing. A job whose
van units were used by earlier jobs and for which the day has no pick-up stop keeps
``parts_taken``, with the depots that still hold the units.
"""

from __future__ import annotations

import dataclasses
import heapq
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fieldopt.dispatch.plan import DispatchPlan, Stop
from fieldopt.reasons import Reason, ReasonCode, reason
from fieldopt.scenario import Scenario
from fieldopt.translate.routing.problem import PIN_PENALTY, DispatchProblem
from fieldopt.translate.routing.read import _allocate_parts, read_plan
from fieldopt.translate.routing.screen import covers
from solvers.routing.data import NO_VALUE
from solvers.routing.evaluate import NO_BREAK, RouteTimes, earliest_start, simulate_route
from solvers.routing.result import RoutingResult, Visit

SETTLED = (ReasonCode.LEFT_OUT_BY_OPTIMISATION, ReasonCode.PARTS_TAKEN)
"""The reasons of the search that this module replaces by a fit or a checked claim."""
MAX_TEAM_STARTS = 40  # common starts tried per team job (the members' earliest starts)
NOTE_LATE = "not examined: the time limit was reached"
BIG = 10**12


@dataclass
class Routes:
    """The plan's routes in node terms while jobs are inserted: visits per vehicle, their
    starts and ends (seconds), the break position per route (``break_after``), and the bounds
    of :func:`latest_starts` per route, kept until a route changes."""

    nodes: list[list[int]]
    start: dict[int, int]
    end: dict[int, int]
    breaks: list[int]
    bounds: dict[int, list[int]] = field(default_factory=dict)

    def copy(self) -> Routes:
        return Routes(
            [list(r) for r in self.nodes], dict(self.start), dict(self.end), [*self.breaks]
        )

    def put(self, k: int, route: Sequence[int], times: RouteTimes) -> None:
        """Route ``k`` becomes ``route`` with ``times``."""
        for i in self.nodes[k]:
            self.start.pop(i, None)
            self.end.pop(i, None)
        self.nodes[k] = list(route)
        self.start.update(zip(route, times.start, strict=True))
        self.end.update(zip(route, times.end, strict=True))
        self.breaks[k] = times.break_after
        self.bounds.clear()  # a start that moved may bound visits of other routes

    def served(self, problem: DispatchProblem) -> set[str]:
        return {j for r in self.nodes for i in r if (j := problem.node_job[i]) is not None}


@dataclass(frozen=True)
class Insertion:
    """A visit ``node`` put into route ``k``: the route becomes ``route`` (with a new pick-up
    before the visit, or without a job taken out, when so), timed as ``times``."""

    k: int
    route: tuple[int, ...]
    times: RouteTimes
    node: int
    added: int  # travel added (seconds), to rank the fits


@dataclass
class Context:
    """What every insertion of one settling needs: the problem, the links between nodes, the
    pick-up node per (vehicle, depot), the part needs and priorities."""

    problem: DispatchProblem
    scenario: Scenario
    preds: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    succs: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    team_of: dict[int, tuple[int, ...]] = field(default_factory=dict)
    pick_node: dict[tuple[int, str], int] = field(default_factory=dict)
    priority: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, problem: DispatchProblem, scenario: Scenario) -> Context:
        d = problem.data
        ctx = cls(problem, scenario)
        for a, b, lag in d.precedences:
            ctx.preds.setdefault(b, []).append((a, lag))
            ctx.succs.setdefault(a, []).append((b, lag))
        ctx.team_of = {i: t for t in d.teams for i in t}
        for i, kind in enumerate(problem.node_kind):
            depot = problem.node_depot[i]
            if kind == "pickup" and depot is not None:
                for k in d.allowed[:, i].nonzero()[0]:
                    ctx.pick_node[(int(k), depot)] = i
        ctx.priority = {j: int(r["priority"]) for j, r in scenario.view.jobs.items()}
        return ctx

    def need(self, job: str) -> Mapping[str, int]:
        return self.scenario.view.job_parts.get(job, {})

    def job(self, i: int) -> str:
        return str(self.problem.node_job[i])

    def movable(self, i: int) -> bool:
        """A visit that may be taken out of its route to make room: one technician, no
        precedence, no pin."""
        d = self.problem.data
        return (
            self.problem.node_kind[i] == "job"
            and i not in self.team_of
            and i not in self.preds
            and i not in self.succs
            and int(d.fixed_start[i]) == NO_VALUE
            and int(d.penalty[i]) < PIN_PENALTY
        )


# ---------------------------------------------------------------------- the plan as nodes
def routes_of(problem: DispatchProblem, result: RoutingResult, plan: DispatchPlan) -> Routes | None:
    """The final routes of ``plan`` (its new stops) as the nodes of ``result``'s routes, with
    the stops' times; ``None`` if a stop has no node (then nothing is settled)."""
    by_tech: dict[str, list[Stop]] = {}
    for s in sorted(plan.stops, key=lambda s: (s.technician_id, s.seq)):
        if not s.fixed:
            by_tech.setdefault(s.technician_id, []).append(s)
    out = Routes([], {}, {}, [])
    for k, tech in enumerate(problem.technicians):
        index: dict[str, int] = {}
        for v in result.routes[k]:
            i = v.node
            key = problem.node_job[i] or f"pickup:{problem.node_depot[i]}"
            index[key] = i
        route: list[int] = []
        brk = NO_BREAK
        for s in by_tech.get(tech, []):
            if s.kind == "break":
                brk = len(route) - 1
                continue
            if s.kind not in ("job", "pickup"):
                continue
            i_found = index.get(str(s.job_id) if s.kind == "job" else f"pickup:{s.location_id}")
            if i_found is None:
                return None
            route.append(i_found)
            out.start[i_found] = problem.seconds(s.start)
            out.end[i_found] = problem.seconds(s.end)
        out.nodes.append(route)
        out.breaks.append(brk if route else NO_BREAK)
    return out


def as_result(result: RoutingResult, routes: Routes) -> RoutingResult:
    """``result`` with ``routes`` as its routes (starts as the read-back's floors)."""
    return dataclasses.replace(
        result,
        routes=tuple(tuple(Visit(i, routes.start[i]) for i in r) for r in routes.nodes),
        break_after=tuple(routes.breaks),
    )


# ---------------------------------------------------------------------- parts
@dataclass(frozen=True)
class Parts:
    """The read-back's allocation of part units on some routes: units per pick-up, the jobs
    left short, and what vans and depots still hold."""

    picks: dict[tuple[int, int], dict[str, int]]
    short: frozenset[str]
    van_left: dict[int, dict[str, int]]
    depot_left: dict[str, dict[str, int]]

    def from_depot(self, k: int) -> bool:
        """Whether a job of route ``k`` takes units from a pick-up."""
        return any(units for (kk, _), units in self.picks.items() if kk == k)


def allocate(ctx: Context, routes: Routes) -> Parts:
    """Rerun the read-back's allocation (:mod:`fieldopt.translate.routing.read`) on
    ``routes``: van first in route order, then the last pick-up before the job."""
    p = ctx.problem
    visits = [[Visit(i, routes.start[i]) for i in r] for r in routes.nodes]
    events = sorted((v.start, k, pos) for k, r in enumerate(visits) for pos, v in enumerate(r))
    van_left = {k: dict(p.van_stock[k]) for k in range(len(visits))}
    depot_left = {loc: dict(units) for loc, units in p.depot_stock.items()}
    picks, short = _allocate_parts(
        p, visits, events, van_left, depot_left, ctx.scenario.view.job_parts, ctx.priority
    )
    return Parts(picks, frozenset(short), van_left, depot_left)


def pickup_options(
    ctx: Context, parts: Parts, k: int, route: Sequence[int], job: str
) -> tuple[list[int | None], bool]:
    """Pick-ups worth trying before ``job`` on route ``k`` (``None``: none, the van or an
    earlier pick-up supplies it), and whether a depot holds the units but the day has no
    pick-up stop there for ``k`` (then no position can be claimed impossible)."""
    need = ctx.need(job)
    if not need or covers(parts.van_left[k], need):
        return [None], False
    out: list[int | None] = [None]
    unmodelled = False
    for depot, left in parts.depot_left.items():
        if not covers(left, need):
            continue
        q = ctx.pick_node.get((k, depot))
        if q is None:
            unmodelled = True
        elif q not in route:
            out.append(q)
    return out, unmodelled


def parts_hold(
    ctx: Context, parts: Parts, before: Routes, after: Routes, fits: Sequence[Insertion]
) -> bool:
    """The read-back's allocation of ``after`` leaves no job short and every pick-up of the
    changed routes in use (one it would not use is dropped, re-timing the route). Rerun only
    when parts are at stake: a job that needs some, or a changed route with pick-ups."""
    if not all(on_van(ctx, parts, f) or depot_before(ctx, parts, f) for f in fits):
        return False
    changed = {f.k for f in fits}
    if all(on_van(ctx, parts, f) for f in fits) and not any(parts.from_depot(k) for k in changed):
        # The van covers a route's jobs in route order and has the new job's units left
        # after all of them: every job it covered it still covers; no pick-up is involved.
        return True
    new = allocate(ctx, after)
    if new.short:
        return False
    return all(
        new.picks.get((k, q))
        for k in changed
        for q in after.nodes[k]
        if ctx.problem.node_kind[q] == "pickup"
    )


def on_van(ctx: Context, parts: Parts, fit: Insertion) -> bool:
    """The inserted visit needs no parts, or its van has them left (and it brings none
    from a new pick-up)."""
    need = ctx.need(ctx.job(fit.node))
    if ctx.problem.job_nodes[ctx.job(fit.node)][0] != fit.node:
        need = {}  # the first member of a team brings the parts
    return not need or covers(parts.van_left[fit.k], need)


def depot_before(ctx: Context, parts: Parts, fit: Insertion) -> bool:
    """The last pick-up before the inserted visit is at a depot that still holds its parts
    (the allocation would leave it short otherwise)."""
    pos = fit.route.index(fit.node)
    picks = [q for q in fit.route[:pos] if ctx.problem.node_kind[q] == "pickup"]
    depot = ctx.problem.node_depot[picks[-1]] if picks else None
    return depot is not None and covers(
        parts.depot_left.get(depot, {}), ctx.need(ctx.job(fit.node))
    )


# ---------------------------------------------------------------------- one route
def latest_starts(ctx: Context, routes: Routes, k: int) -> list[int]:
    """An upper bound on the start of each visit of route ``k`` (and, last, on the return):
    its last window, its pin, its team's start, its successors, then what the visits after it
    need. A position is worth timing only if the job lets the next visit start by its bound."""
    if k in routes.bounds:
        return routes.bounds[k]
    d = ctx.problem.data
    veh = d.vehicles[k]
    route = routes.nodes[k]
    out = [0] * (len(route) + 1)
    nxt, bound = veh.end_node, veh.shift_end + veh.overtime_max
    out[len(route)] = bound
    for j in range(len(route) - 1, -1, -1):
        i = route[j]
        svc = int(d.service[k, i])
        bound = min(bound - int(d.travel_time[i, nxt]) - svc, own_latest(ctx, routes, k, i))
        out[j] = bound
        nxt = i
    routes.bounds[k] = out
    return out


def room(ctx: Context, routes: Routes, k: int) -> int:
    """The longest a new visit could last anywhere on route ``k``: between a visit's end
    (the shift start first) and the bound of the next one, travel not counted."""
    latest = latest_starts(ctx, routes, k)
    veh = ctx.problem.data.vehicles[k]
    ends = [veh.shift_start, *(routes.end[i] for i in routes.nodes[k])]
    return max(b - e for b, e in zip(latest, ends, strict=True))


def own_latest(ctx: Context, routes: Routes, k: int, i: int) -> int:
    d = ctx.problem.data
    if int(d.fixed_start[i]) != NO_VALUE:
        return int(d.fixed_start[i])
    latest = d.windows[i][-1][1] if d.windows[i] else BIG
    if i in ctx.team_of:
        latest = min(latest, routes.start[i])
    for b, lag in ctx.succs.get(i, []):
        if b in routes.start:
            latest = min(latest, routes.start[b] - lag - int(d.service[k, i]))
    return latest


def job_floor(ctx: Context, routes: Routes, i: int) -> int | None:
    """The earliest start its predecessors allow ``i`` (``None``: one is not planned)."""
    floor = 0
    for a, lag in ctx.preds.get(i, []):
        if a not in routes.end:
            return None
        floor = max(floor, routes.end[a] + lag)
    return floor


def try_position(
    ctx: Context,
    routes: Routes,
    k: int,
    pos: int,
    i: int,
    pickup: int | None,
    floor: int,
    replace: bool = False,
) -> Insertion | None:
    """Visit ``i`` at ``pos`` of route ``k`` (after a new pick-up ``pickup``; in place of the
    visit at ``pos`` when ``replace``), starting no earlier than ``floor``, timed by the route
    evaluator; ``None`` when it does not fit or moves what must not move."""
    d = ctx.problem.data
    veh = d.vehicles[k]
    route = routes.nodes[k]
    tt = d.travel_time
    prev = route[pos - 1] if pos else veh.start_node
    t = routes.end[prev] if pos else veh.shift_start
    at, added = prev, 0
    if pickup is not None:
        t += int(tt[at, pickup]) + int(d.service[k, pickup])
        added += int(tt[at, pickup])
        at = pickup
    s = earliest_start(d, i, max(t + int(tt[at, i]), floor))
    after = pos + 1 if replace else pos
    nxt = route[after] if after < len(route) else veh.end_node
    latest = latest_starts(ctx, routes, k)
    if s is None or s + int(d.service[k, i]) + int(tt[i, nxt]) > latest[after]:
        return None  # cheap bound: the break only adds time
    new = [*route[:pos], *([pickup] if pickup is not None else []), i, *route[after:]]
    floors = [floor if n == i else routes.start.get(n, 0) for n in new]
    times = simulate_route(d, k, new, floors)
    if not times.feasible or not keeps_links(ctx, routes, new, times, i):
        return None
    added += int(tt[at, i]) + int(tt[i, nxt]) - int(tt[prev, nxt])
    return Insertion(k, tuple(new), times, i, added)


def keeps_links(
    ctx: Context, routes: Routes, new: Sequence[int], times: RouteTimes, i: int
) -> bool:
    """Team members other than ``i`` keep their start; every visit of the route still ends
    (plus lag) by its successors' starts."""
    start = dict(routes.start)
    start.update(zip(new, times.start, strict=True))
    for n, s, e in zip(new, times.start, times.end, strict=True):
        if n != i and n in ctx.team_of and s != routes.start.get(n):
            return False
        for b, lag in ctx.succs.get(n, []):
            if b in start and e + lag > start[b]:
                return False
    return True


def positions(
    ctx: Context, routes: Routes, parts: Parts, k: int, i: int, floor: int
) -> tuple[list[Insertion], bool]:
    """Every fitting position of visit ``i`` on route ``k``, and whether a pick-up the day
    does not model was needed (see :func:`pickup_options`)."""
    route = routes.nodes[k]
    job = ctx.job(i)
    pickups, unmodelled = pickup_options(ctx, parts, k, route, job)
    if ctx.problem.job_nodes[job][0] != i:
        pickups = [None]  # the first member brings the parts
    if room(ctx, routes, k) < int(ctx.problem.data.service[k, i]):
        return [], unmodelled
    out = []
    for pos in range(len(route) + 1):
        for q in pickups:
            fit = try_position(ctx, routes, k, pos, i, q, floor)
            if fit is not None:
                out.append(fit)
    return out, unmodelled


# ---------------------------------------------------------------------- one job
@dataclass(frozen=True)
class Outcome:
    """What settling one job gave: new routes (it was inserted; ``displaced``: the job
    swapped out for it), or the reason it stays out."""

    routes: Routes | None = None
    displaced: str | None = None
    why: Reason | None = None


def settle_job(ctx: Context, routes: Routes, parts: Parts, job: str) -> Outcome:
    """Insert ``job`` where it fits, swap it for less urgent work, or say why not."""
    nodes = ctx.problem.job_nodes[job]
    floor = job_floor(ctx, routes, nodes[0])
    if floor is None:
        pred = next(a for a, _ in ctx.preds[nodes[0]] if a not in routes.end)
        return Outcome(why=reason(ReasonCode.PREDECESSOR_UNPLANNABLE, predecessor=ctx.job(pred)))
    if len(nodes) > 1:
        return settle_team(ctx, routes, parts, job, floor)
    allowed = [int(k) for k in ctx.problem.data.allowed[:, nodes[0]].nonzero()[0]]
    fits: list[Insertion] = []
    unmodelled = False
    for k in allowed:
        found, missing = positions(ctx, routes, parts, k, nodes[0], floor)
        fits.extend(found)
        unmodelled |= missing
    inserted = first_kept(ctx, parts, routes, sorted(fits, key=lambda f: (f.added, f.k, f.route)))
    if inserted is not None:
        return Outcome(routes=inserted)
    swap = displacement(ctx, routes, parts, job, allowed, floor)
    if swap is not None:
        return swap
    if unmodelled:
        return Outcome(why=parts_taken(ctx, parts, job))
    return Outcome(why=reason(ReasonCode.NO_FEASIBLE_POSITION, technicians_tried=len(allowed)))


def first_kept(
    ctx: Context, parts: Parts, routes: Routes, fits: Sequence[Insertion]
) -> Routes | None:
    """The routes with the first of ``fits`` whose parts the allocation still covers."""
    for fit in fits:
        trial = routes.copy()
        trial.put(fit.k, fit.route, fit.times)
        if parts_hold(ctx, parts, routes, trial, [fit]):
            return trial
    return None


def parts_taken(ctx: Context, parts: Parts, job: str) -> Reason:
    """``parts_taken``, with the depots that still hold the units."""
    need = ctx.need(job)
    where = [d for d, left in sorted(parts.depot_left.items()) if covers(left, need)]
    return reason(
        ReasonCode.PARTS_TAKEN,
        part="+".join(sorted(need)),
        where=("held by " + ", ".join(where)) if where else None,
    )


def displacement(
    ctx: Context, routes: Routes, parts: Parts, job: str, allowed: Sequence[int], floor: int
) -> Outcome | None:
    """``job`` in the place of one movable job of an allowed route, the least urgent first:
    swapped when that job is less urgent, else named in ``fits_by_displacing``. Only that
    place is tried: the visits after it keep their starts, so it is where room is made."""
    i = ctx.problem.job_nodes[job][0]
    movable = sorted(
        (-ctx.priority[ctx.job(x)], k, pos, x)
        for k in allowed
        for pos, x in enumerate(routes.nodes[k])
        if ctx.movable(x)
    )
    pickups: dict[int, list[int | None]] = {}
    for neg_prio, k, pos, x in movable:  # the least urgent first: the first that fits is it
        if k not in pickups:
            pickups[k] = pickup_options(ctx, parts, k, routes.nodes[k], job)[0]
        fits = [
            f
            for q in pickups[k]
            if (f := try_position(ctx, routes, k, pos, i, q, floor, replace=True)) is not None
        ]
        kept = first_kept(ctx, parts, routes, fits)
        if kept is None:
            continue
        if -neg_prio > ctx.priority[job]:
            return Outcome(routes=kept, displaced=ctx.job(x))
        return Outcome(
            why=reason(
                ReasonCode.FITS_BY_DISPLACING,
                job=ctx.job(x),
                technician=ctx.problem.technicians[k],
                priority=-neg_prio,
            )
        )
    return None


# ---------------------------------------------------------------------- team jobs
def settle_team(ctx: Context, routes: Routes, parts: Parts, job: str, floor: int) -> Outcome:
    """A team job: its members on distinct allowed technicians at one common start, tried at
    each member's earliest start; else ``no_feasible_position``."""
    d = ctx.problem.data
    members = ctx.problem.job_nodes[job]
    earliest: dict[int, list[Insertion]] = {}
    tried: set[int] = set()
    unmodelled = False
    for i in members:
        earliest[i] = []
        for k in d.allowed[:, i].nonzero()[0]:
            tried.add(int(k))
            found, missing = positions(ctx, routes, parts, int(k), i, floor)
            earliest[i].extend(found)
            unmodelled |= missing and i == members[0]
    starts = sorted({f.times.start[f.route.index(f.node)] for fs in earliest.values() for f in fs})
    for common in starts[:MAX_TEAM_STARTS]:
        at = {i: at_start(ctx, routes, i, common, fs) for i, fs in earliest.items()}
        for choice in distinct_choices(members, at):
            trial = routes.copy()
            for fit in choice:
                trial.put(fit.k, fit.route, fit.times)
            if parts_hold(ctx, parts, routes, trial, choice):
                return Outcome(routes=trial)
    if unmodelled:
        return Outcome(why=parts_taken(ctx, parts, job))
    return Outcome(why=reason(ReasonCode.NO_FEASIBLE_POSITION, technicians_tried=len(tried)))


def at_start(
    ctx: Context, routes: Routes, i: int, common: int, fits: Sequence[Insertion]
) -> list[Insertion]:
    """The positions among ``fits`` (member ``i``) where it can start exactly at ``common``."""
    out = []
    for fit in fits:
        pos = fit.route.index(i)
        if fit.times.start[pos] > common:
            continue
        floors = [common if n == i else routes.start.get(n, 0) for n in fit.route]
        times = simulate_route(ctx.problem.data, fit.k, fit.route, floors)
        if (
            times.feasible
            and times.start[pos] == common
            and keeps_links(ctx, routes, fit.route, times, i)
        ):
            out.append(Insertion(fit.k, fit.route, times, i, fit.added))
    return out


def distinct_choices(
    members: Sequence[int], at: Mapping[int, Sequence[Insertion]], limit: int = 50
) -> list[list[Insertion]]:
    """Up to ``limit`` ways to give each member one of its positions, on distinct routes."""
    out: list[list[Insertion]] = []

    def extend(c: int, chosen: list[Insertion], used: set[int]) -> None:
        if len(out) >= limit:
            return
        if c == len(members):
            out.append(list(chosen))
            return
        for fit in sorted(at[members[c]], key=lambda f: f.added):
            if fit.k not in used:
                extend(c + 1, [*chosen, fit], used | {fit.k})

    extend(0, [], set())
    return out


# ---------------------------------------------------------------------- the plan
@dataclass
class Tally:
    """What settling did, for ``plan.details["claims"]``."""

    repaired: int = 0
    swapped: int = 0
    not_examined: int = 0
    orphans: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    note: str = ""

    def as_details(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "repaired": self.repaired,
            "swapped": self.swapped,
            "not_examined": self.not_examined,
            "orphans": self.orphans,
            "reasons": dict(sorted(self.reasons.items())),
            "seconds": round(self.seconds, 3),
        }
        if self.note:
            out["note"] = self.note
        return out


def settle_left_out(
    problem: DispatchProblem,
    result: RoutingResult,
    scenario: Scenario,
    plan: DispatchPlan,
    *,
    fixed_stops: Sequence[Stop] = (),
    deadline: float | None = None,
) -> DispatchPlan:
    """``plan`` (read back from ``result``) with every job the search left out inserted where
    it fits, or given a reason to check; ``deadline`` (``time.perf_counter()``): jobs not
    reached by then keep the search's reason, with a note."""
    t0 = time.perf_counter()
    tally = Tally()
    left = [j for j, r in plan.unassigned.items() if r.code in SETTLED and j in problem.job_nodes]
    routes = routes_of(problem, result, plan) if left else None
    if routes is None:
        if left:
            tally.note = "the plan's stops are not the solver's nodes: nothing settled"
        return with_details(plan, plan.unassigned, tally, t0)
    ctx = Context.of(problem, scenario)
    orphans = drop_orphans(ctx, routes)
    tally.orphans = len(orphans)
    out = {**{j: plan.unassigned[j] for j in left}, **orphans}
    why, routes = settle_all(ctx, routes, out, tally, deadline)
    settled = plan
    if tally.repaired or tally.swapped or orphans:
        settled = read_plan(
            problem,
            as_result(result, routes),
            scenario,
            fixed_stops=fixed_stops,
            report=plan.report,
            details=plan.details,
        )
        if set(settled.served_jobs()) != routes.served(problem) | set(plan_fixed_jobs(plan)):
            tally.note = "the read-back of the settled routes differs: the plan is kept as solved"
            return with_details(plan, plan.unassigned, tally, t0)
    unassigned = {j: why.get(j, r) for j, r in settled.unassigned.items()}
    unassigned |= {j: why.get(j, r) for j, r in orphans.items() if j in settled.unassigned}
    for r in unassigned.values():
        tally.reasons[r.code.value] = tally.reasons.get(r.code.value, 0) + 1
    return with_details(settled, unassigned, tally, t0)


def drop_orphans(ctx: Context, routes: Routes) -> dict[str, Reason]:
    """Take out of ``routes`` every job served while a predecessor is not (the search should
    never leave one; the checker refuses such a plan), with the reason; each is settled
    with the others, after its predecessor."""
    out: dict[str, Reason] = {}
    while True:
        orphan = next(
            (
                (b, a)
                for b, preds in ctx.preds.items()
                for a, _ in preds
                if b in routes.start and a not in routes.start
            ),
            None,
        )
        if orphan is None:
            return out
        b, a = orphan
        gone = set(ctx.problem.job_nodes[ctx.job(b)])
        for k, route in enumerate(routes.nodes):
            if gone & set(route):
                kept = [i for i in route if i not in gone]
                times = simulate_route(ctx.problem.data, k, kept, [routes.start[i] for i in kept])
                if times.feasible:
                    routes.put(k, kept, times)
                else:  # keep the starts: the read-back re-times the route
                    routes.nodes[k], routes.breaks[k] = kept, NO_BREAK
                    routes.bounds.clear()
                    for i in gone:
                        routes.start.pop(i, None)
                        routes.end.pop(i, None)
        out[ctx.job(b)] = reason(ReasonCode.PREDECESSOR_UNPLANNABLE, predecessor=ctx.job(a))


def plan_fixed_jobs(plan: DispatchPlan) -> set[str]:
    return {s.job_id for s in plan.stops if s.fixed and s.kind == "job" and s.job_id}


def settle_all(
    ctx: Context,
    routes: Routes,
    left: Mapping[str, Reason],
    tally: Tally,
    deadline: float | None,
) -> tuple[dict[str, Reason], Routes]:
    """Settle the jobs ``left`` out, most urgent first; a job swapped out is settled in its
    turn (each swap serves more urgent work, so this ends), and a job whose predecessor was
    not planned is tried once more after the others. Jobs not reached by ``deadline`` keep
    their reason, with a note."""
    why: dict[str, Reason] = {}
    pending = list(left)
    parts = allocate(ctx, routes)
    for _ in range(2):
        queue = [(ctx.priority[j], j) for j in pending]
        heapq.heapify(queue)
        pending, served = [], tally.repaired + tally.swapped
        while queue:
            _, job = heapq.heappop(queue)
            if deadline is not None and time.perf_counter() > deadline:
                old = why.get(job, left.get(job, reason(ReasonCode.LEFT_OUT_BY_OPTIMISATION)))
                why[job] = Reason(old.code, {**old.facts, "note": NOTE_LATE})
                tally.not_examined += 1
                continue
            outcome = settle_job(ctx, routes, parts, job)
            if outcome.routes is not None:
                routes = outcome.routes
                parts = allocate(ctx, routes)
                why.pop(job, None)
                tally.repaired += outcome.displaced is None
                if outcome.displaced is not None:
                    tally.swapped += 1
                    heapq.heappush(queue, (ctx.priority[outcome.displaced], outcome.displaced))
            elif outcome.why is not None:
                why[job] = outcome.why
                if outcome.why.code == ReasonCode.PREDECESSOR_UNPLANNABLE:
                    pending.append(job)
        if not pending or tally.repaired + tally.swapped == served:
            break
    return why, routes


def with_details(
    plan: DispatchPlan, unassigned: Mapping[str, Reason], tally: Tally, t0: float
) -> DispatchPlan:
    tally.seconds = time.perf_counter() - t0
    details = {**plan.details, "repaired": tally.repaired, "claims": tally.as_details()}
    return dataclasses.replace(plan, unassigned=dict(unassigned), details=details)
