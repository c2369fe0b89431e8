"""One route, simulated: when each visit starts and ends, where the break goes, when the
vehicle is back, or the first visit that does not fit.

The read-back of every engine times its routes with :func:`simulate_route`, so the times a
plan shows are times this one piece of code checked: windows, pinned starts, the shift end
plus overtime, and the break inside its window.

The break (lunch) is taken between two stops, from its earliest start once the previous stop
is done (on the road, or at either end of the leg): service at the next stop starts after the
drive and the whole break. It goes in the gap before a visit when it costs nothing there (the
vehicle would wait anyway) or when it can no longer wait (the visit would end after the
break's latest start); otherwise it waits for a later gap, and at the latest before the drive
back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from solvers.routing.data import NO_VALUE, RoutingData

NO_BREAK = -2
"""``break_after`` when the route takes no break."""


@dataclass(frozen=True)
class RouteTimes:
    """Times of one route (seconds). ``arrival``, ``start``, ``end`` per visit; the break
    starts at ``break_start`` after visit ``break_after`` (``-1``: before the first visit, at
    the start terminal; :data:`NO_BREAK`: none). ``failed`` is the index of the first visit
    that does not fit (``len(visits)``: the way back is too late), ``None`` when all fit."""

    depart: int
    arrival: tuple[int, ...]
    start: tuple[int, ...]
    end: tuple[int, ...]
    back: int
    break_start: int | None
    break_after: int
    failed: int | None

    @property
    def feasible(self) -> bool:
        return self.failed is None


def earliest_start(data: RoutingData, node: int, t: int) -> int | None:
    """The earliest start of service at ``node`` at or after ``t``: inside a window, at the
    pinned start; ``None`` if none is left."""
    pinned = int(data.fixed_start[node])
    if pinned != NO_VALUE:
        return pinned if t <= pinned else None
    windows = data.windows[node]
    if not windows:
        return t
    for a, b in windows:
        if t <= b:
            return max(a, t)
    return None


def simulate_route(
    data: RoutingData,
    k: int,
    visits: Sequence[int],
    not_before: Sequence[int] | None = None,
    break_after: int | None = None,
) -> RouteTimes:
    """Time vehicle ``k``'s ``visits`` in order, each starting no earlier than
    ``not_before[j]`` (the times a search agreed with teams and precedences).

    The break goes after visit ``break_after`` when given (where the search put it), else
    where the rule of this module puts it; if the route then fails, every other stop is tried
    for the break and the route that is back first is kept.
    """
    hint = None if break_after is None or break_after < -1 else break_after
    first = _simulate(data, k, visits, not_before, hint)
    if hint is not None and first.failed is not None:
        first = _simulate(data, k, visits, not_before, None)
    veh = data.vehicles[k]
    if first.failed is None or veh.break_duration == 0 or not visits:
        return first
    tries = [_simulate(data, k, visits, not_before, g) for g in range(-1, len(visits))]
    fits = [t for t in tries if t.failed is None]
    return min(fits, key=lambda t: (t.back, t.break_after)) if fits else first


def _simulate(
    data: RoutingData,
    k: int,
    visits: Sequence[int],
    not_before: Sequence[int] | None,
    break_after: int | None,
) -> RouteTimes:
    """:func:`simulate_route` with the break after visit ``break_after`` when given."""
    veh = data.vehicles[k]
    tt = data.travel_time
    t, prev = veh.shift_start, veh.start_node
    pending = veh.break_duration > 0 and bool(visits)
    brk_start: int | None = None
    brk_after = NO_BREAK
    arrival: list[int] = []
    start: list[int] = []
    end: list[int] = []
    for j, node in enumerate(visits):
        travel = int(tt[prev, node])
        floor = 0 if not_before is None else int(not_before[j])
        svc = int(data.service[k, node])
        s = earliest_start(data, node, max(t + travel, floor))
        arrive = t + travel
        if pending:
            b = max(t, veh.break_earliest)
            # The break starts in its window once the previous stop is done, on the road or
            # at either end of the leg: service starts after the drive and the whole break.
            arrive_brk = max(t + travel, b) + veh.break_duration
            s_brk = earliest_start(data, node, max(arrive_brk, floor))
            if break_after is None:
                must = s is None or s + svc > veh.break_latest
                take = must or (s is not None and s_brk == s)
            else:
                take = break_after == j - 1
            if b <= veh.break_latest and take:
                brk_start, brk_after, pending = b, j - 1, False
                s, arrive = s_brk, arrive_brk
        if s is None:
            return _failed(veh.shift_start, arrival, start, end, brk_start, brk_after, j)
        arrival.append(arrive)
        start.append(s)
        end.append(s + svc)
        t, prev = s + svc, node
    back = t + int(tt[prev, veh.end_node])
    if pending and break_after is not None and break_after < len(visits) - 1:
        return _failed(veh.shift_start, arrival, start, end, None, NO_BREAK, len(visits))
    if pending and back > veh.break_earliest:
        b = max(t, veh.break_earliest)
        if b > veh.break_latest:
            return _failed(veh.shift_start, arrival, start, end, None, NO_BREAK, len(visits))
        brk_start, brk_after = b, len(visits) - 1
        back = max(t + int(tt[prev, veh.end_node]), b) + veh.break_duration
    depart = veh.shift_start
    if visits and brk_after != -1:  # leave as late as the first visit allows
        depart = max(veh.shift_start, start[0] - int(tt[veh.start_node, visits[0]]))
        arrival[0] = max(arrival[0], depart + int(tt[veh.start_node, visits[0]]))
    failed = len(visits) if back > veh.shift_end + veh.overtime_max else None
    return RouteTimes(
        depart, tuple(arrival), tuple(start), tuple(end), back, brk_start, brk_after, failed
    )


def _failed(
    depart: int,
    arrival: list[int],
    start: list[int],
    end: list[int],
    brk_start: int | None,
    brk_after: int,
    at: int,
) -> RouteTimes:
    back = end[-1] if end else depart
    return RouteTimes(
        depart, tuple(arrival), tuple(start), tuple(end), back, brk_start, brk_after, at
    )


@dataclass(frozen=True)
class TimedRoutes:
    """Routes that fit, their times, and the visit nodes dropped because they did not."""

    routes: tuple[tuple[int, ...], ...]
    times: tuple[RouteTimes, ...]
    dropped: tuple[int, ...]


MAX_ROUNDS = 100


def time_routes(
    data: RoutingData,
    routes: Sequence[Sequence[int]],
    floors: Sequence[Sequence[int]] | None = None,
    breaks: Sequence[int] | None = None,
) -> TimedRoutes:
    """Time every route with :func:`simulate_route`; team members start together and
    precedences hold (a visit waits for its team and its predecessors), and a visit that does
    not fit is dropped with its team and everything that must follow it. ``breaks``: per
    route, where the search put the break (``break_after``), kept while the route is whole."""
    work = [list(r) for r in routes]
    hints = _BreakHints(work, breaks)
    floor: dict[int, int] = {}
    if floors is not None:
        for r, f in zip(routes, floors, strict=True):
            floor.update(zip(r, f, strict=True))
    dropped: set[int] = set()
    team_of = {i: t for t in data.teams for i in t}
    after: dict[int, list[int]] = {}
    for a, b, _ in data.precedences:
        after.setdefault(a, []).append(b)
    times = _simulate_all(data, work, floor, hints)
    for _ in range(MAX_ROUNDS):
        bad = [
            r[min(t.failed, len(r) - 1)]
            for r, t in zip(work, times, strict=True)
            if t.failed is not None and r
        ]
        if bad:
            _drop(work, bad, team_of, after, dropped)
        elif not _raise_floors(data, work, times, floor):
            break
        times = _simulate_all(data, work, floor, hints)
    else:  # no agreement within the rounds: drop the teams and successors still waiting
        start, _ = _start_end(work, times)
        late = [m for t in data.teams for m in t if len({start.get(x) for x in t}) > 1]
        late += [b for a, b, _ in data.precedences if a in start and b in start]
        _drop(work, late, team_of, after, dropped)
        times = _simulate_all(data, work, floor, hints)
    return TimedRoutes(tuple(tuple(r) for r in work), tuple(times), tuple(sorted(dropped)))


class _BreakHints:
    """The search's break position per route, for as long as the route is the one it timed."""

    def __init__(self, work: list[list[int]], breaks: Sequence[int] | None) -> None:
        self.routes = [tuple(r) for r in work]
        self.breaks: list[int | None] = [None] * len(work) if breaks is None else list(breaks)

    def get(self, k: int, route: Sequence[int]) -> int | None:
        return self.breaks[k] if tuple(route) == self.routes[k] else None


def _simulate_all(
    data: RoutingData, work: list[list[int]], floor: dict[int, int], hints: _BreakHints
) -> list[RouteTimes]:
    return [
        simulate_route(data, k, r, [floor.get(i, 0) for i in r], hints.get(k, r))
        for k, r in enumerate(work)
    ]


def _start_end(
    work: list[list[int]], times: list[RouteTimes]
) -> tuple[dict[int, int], dict[int, int]]:
    start: dict[int, int] = {}
    end: dict[int, int] = {}
    for r, t in zip(work, times, strict=True):
        start.update(zip(r, t.start, strict=False))
        end.update(zip(r, t.end, strict=False))
    return start, end


def _raise_floors(
    data: RoutingData, work: list[list[int]], times: list[RouteTimes], floor: dict[int, int]
) -> bool:
    """Raise the floors of visits that start before their team or their predecessors allow;
    whether any was raised."""
    start, end = _start_end(work, times)
    raised = False
    for team in data.teams:
        if all(m in start for m in team):
            s = max(start[m] for m in team)
            for m in team:
                if start[m] < s:
                    floor[m], raised = s, True
    for a, b, lag in data.precedences:
        if a in start and b in start and start[b] < end[a] + lag:
            floor[b], raised = end[a] + lag, True
    return raised


def _drop(
    work: list[list[int]],
    nodes: Sequence[int],
    team_of: dict[int, tuple[int, ...]],
    after: dict[int, list[int]],
    dropped: set[int],
) -> None:
    stack = list(nodes)
    while stack:
        i = stack.pop()
        if i in dropped:
            continue
        dropped.add(i)
        stack.extend(team_of.get(i, ()))
        stack.extend(after.get(i, ()))
    for r in work:
        r[:] = [i for i in r if i not in dropped]
