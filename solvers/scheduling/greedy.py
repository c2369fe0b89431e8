"""A serial schedule-generation heuristic: the warm start of the CP-SAT search.

Activities in precedence order (earliest due date, then release, then heaviest weight first)
each take the earliest start at which a qualified team is free for the whole duration; an
activity that finds no team in the horizon (or whose predecessor has none) is left out. A split
activity that fits no working period whole is done in pieces: a team free at the earliest start
works every stretch it has in common until the work is done.
On large instances this gives CP-SAT a complete solution to improve from the first second.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from dataclasses import dataclass

import numpy as np

from solvers.scheduling.data import SchedulingData


@dataclass(frozen=True)
class GreedySchedule:
    """``start[i]`` (``-1``: left out) and the team ``[(resource, skill)]`` of each activity;
    ``pieces[i]`` its ``(start, end)`` stretches of work (one unless split)."""

    start: tuple[int, ...]
    end: tuple[int, ...]
    team: tuple[tuple[tuple[int, int], ...], ...]
    pieces: tuple[tuple[tuple[int, int], ...], ...] = ()


class _Busy:
    """Disjoint busy intervals of one resource, sorted by start."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def add(self, a: int, b: int) -> None:
        k = bisect_right(self.starts, a)
        self.starts.insert(k, a)
        self.ends.insert(k, b)

    def free(self, a: int, b: int) -> bool:
        k = bisect_right(self.starts, a) - 1
        if k >= 0 and self.ends[k] > a:
            return False
        return not (k + 1 < len(self.starts) and self.starts[k + 1] < b)

    def free_until(self, a: int) -> int:
        """End of the free stretch from ``a`` (``a`` itself when busy at ``a``)."""
        k = bisect_right(self.starts, a) - 1
        if k >= 0 and self.ends[k] > a:
            return a
        return self.starts[k + 1] if k + 1 < len(self.starts) else 1 << 62


def _order(data: SchedulingData) -> list[int]:
    n = data.num_activities
    indeg = np.bincount(data.succ, minlength=n).tolist() if len(data.succ) else [0] * n
    out: list[list[int]] = [[] for _ in range(n)]
    for a, b in zip(data.pred.tolist(), data.succ.tolist(), strict=True):
        out[a].append(b)
    big = data.horizon * 10 + 1

    def key(i: int) -> tuple[int, int, int, int]:
        due = int(data.due[i])
        return (due if due >= 0 else big, int(data.release[i]), -int(data.weight[i]), i)

    heap = [key(i) for i in range(n) if indeg[i] == 0]
    heapq.heapify(heap)
    order: list[int] = []
    while heap:
        i = heapq.heappop(heap)[3]
        order.append(i)
        for j in out[i]:
            indeg[j] -= 1
            if indeg[j] == 0:
                heapq.heappush(heap, key(j))
    return order


def greedy_schedule(data: SchedulingData) -> GreedySchedule:
    """Serial schedule generation (see the module docstring)."""
    n, m = data.num_activities, data.num_resources
    busy = [_Busy() for _ in range(m)]
    for r, a, b in zip(
        data.off_resource.tolist(), data.off_start.tolist(), data.off_end.tolist(), strict=True
    ):
        busy[r].add(a, b)
    windows: dict[int, list[tuple[int, int]]] = {}
    for i, a, b in zip(
        data.window_activity.tolist(),
        data.window_start.tolist(),
        data.window_end.tolist(),
        strict=True,
    ):
        windows.setdefault(i, []).append((a, b))
    preds: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for a, b, lag in zip(data.pred.tolist(), data.succ.tolist(), data.lag.tolist(), strict=True):
        preds[b].append((a, lag))
    start, end = [-1] * n, [-1] * n
    team: list[tuple[tuple[int, int], ...]] = [()] * n
    pieces: list[tuple[tuple[int, int], ...]] = [()] * n
    for i in _order(data):
        if any(start[p] < 0 for p, _ in preds[i]):
            continue
        est = max([int(data.release[i])] + [end[p] + lag for p, lag in preds[i]])
        found = _place(data, i, est, busy, windows.get(i))
        if found is None and int(data.pieces[i]) > 1:
            found = _place_split(data, i, est, busy, windows.get(i))
        if found is None:
            continue
        pieces[i], members = found
        start[i], end[i], team[i] = pieces[i][0][0], pieces[i][-1][1], members
        for r, _ in members:
            for a, b in pieces[i]:
                if b > a:
                    busy[r].add(a, b)
    return GreedySchedule(tuple(start), tuple(end), tuple(team), tuple(pieces))


Placement = tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]


def _start_times(
    data: SchedulingData,
    i: int,
    est: int,
    busy: list[_Busy],
    windows: list[tuple[int, int]] | None,
) -> list[int]:
    """Candidate starts: ``est``, then each time an eligible resource becomes free, or a
    window opens (only the pinned start, if there is one)."""
    pin_s = int(data.pin_start[i])
    if pin_s >= 0:
        return [pin_s] if pin_s >= est else []
    cand = {est}
    for r in data.eligible(i):
        k = bisect_right(busy[r].ends, est - 1)
        cand.update(e for e in busy[r].ends[k:] if e >= est)
    if windows:
        cand.update(a for a, _ in windows if a >= est)
    return [t for t in sorted(cand) if not windows or any(a <= t <= b for a, b in windows)]


def _place_split(
    data: SchedulingData,
    i: int,
    est: int,
    busy: list[_Busy],
    windows: list[tuple[int, int]] | None,
) -> Placement | None:
    """The earliest start from which a team free for a first piece can do all the work in
    at most ``pieces[i]`` stretches it has in common, each at least ``min_piece[i]`` (called
    when no team is free for all of it at once)."""
    elig, pin_r = data.eligible(i), int(data.pin_resource[i])
    shortest = max(1, int(data.min_piece[i]))
    for t in _start_times(data, i, est, busy, windows):
        members = _team_at(data, i, t, elig, busy, pin_r, shortest)
        if members is None:
            continue
        cal = [busy[r] for r, _ in members]
        left = max(int(data.duration[i, r]) for r, _ in members)
        done: list[tuple[int, int]] = []
        at = t
        while left > 0 and len(done) < int(data.pieces[i]) and at < data.horizon:
            until = min([b.free_until(at) for b in cal] + [data.horizon, at + left])
            size = until - at
            if 0 < left - size < shortest:  # leave the last piece long enough
                size = left - shortest
            if size >= shortest and all(b.free(at, at + size) for b in cal):
                done.append((at, at + size))
                left -= size
                at += size
            # On to the next time a member's busy interval ends (the team may be free again).
            at = min((e for b in cal for e in b.ends if e > at), default=data.horizon)
        if left == 0 and done and done[0][0] == t:
            return tuple(done), members
    return None


def _place(
    data: SchedulingData,
    i: int,
    est: int,
    busy: list[_Busy],
    windows: list[tuple[int, int]] | None,
) -> Placement | None:
    """The earliest start at which a team is free for the whole work, in one piece."""
    elig, pin_r = data.eligible(i), int(data.pin_resource[i])
    for t in _start_times(data, i, est, busy, windows):
        members = _team_at(data, i, t, elig, busy, pin_r)
        if members is not None:
            p = max((int(data.duration[i, r]) for r, _ in members), default=0)
            if t + p <= data.horizon:
                return ((t, t + p),), members
    return None


def _team_at(
    data: SchedulingData,
    i: int,
    t: int,
    elig: list[int],
    busy: list[_Busy],
    pin_r: int,
    length: int | None = None,
) -> tuple[tuple[int, int], ...] | None:
    """A team free from ``t`` for the whole (team-dependent) duration, or for ``length`` if
    given, or ``None``."""

    def need(r: int) -> int:
        return int(data.duration[i, r]) if length is None else length

    free = [r for r in elig if busy[r].free(t, t + need(r))]
    if pin_r >= 0 and pin_r not in free:
        return None
    pool = sorted(free, key=lambda r: (r != pin_r, int(data.mastery[r].sum()), r))
    if data.members_cover_several_skills:
        found = _holders(data, i, pool, pin_r)
    else:
        found = _servers(data, i, pool)
    if found is None:
        return None
    chosen = found
    spare = int(data.team_size[i]) - len(chosen)
    extra = [r for r in pool if r not in chosen][: max(spare, 0)]
    if len(extra) < spare:
        return None
    cover = data.members_cover_several_skills
    chosen.update((r, data.first_held_skill(i, r) if cover else -1) for r in extra)
    if pin_r >= 0 and pin_r not in chosen:
        return None
    p = max((need(r) for r in chosen), default=0)
    if any(not busy[r].free(t, t + p) for r in chosen):
        return None
    return tuple(sorted(chosen.items()))


def _servers(data: SchedulingData, i: int, pool: list[int]) -> dict[int, int] | None:
    """Resources serving activity ``i``'s skill units, one skill each (MSPSP): scarcest
    skill first, from ``pool`` in order (the pinned resource first, then fewest skills)."""
    chosen: dict[int, int] = {}
    needs = [(s, int(data.sreq[i, s])) for s in range(data.num_skills) if data.sreq[i, s] > 0]
    needs.sort(key=lambda sk: sum(1 for r in pool if data.mastery[r, sk[0]]))
    for s, k in needs:
        got = [r for r in pool if r not in chosen and data.mastery[r, s]][:k]
        if len(got) < k:
            return None
        chosen.update((r, s) for r in got)
    return chosen


def _holders(data: SchedulingData, i: int, pool: list[int], pin_r: int) -> dict[int, int] | None:
    """Resources holding activity ``i``'s skills when a member covers several: the pinned
    resource, then repeatedly the one of ``pool`` that masters the most skills still short of
    holders (then fewest skills), until every skill has ``sreq`` holders within
    ``team_size``. Each is labelled with the first required skill it masters (``-1``: none)."""
    need = {int(s): int(data.sreq[i, s]) for s in np.flatnonzero(data.sreq[i] > 0)}
    chosen: list[int] = [pin_r] if pin_r >= 0 else []
    while True:
        short = [s for s, k in need.items() if sum(bool(data.mastery[r, s]) for r in chosen) < k]
        if not short:
            break
        cand = [r for r in pool if r not in chosen and data.mastery[r, short].any()]
        if not cand or len(chosen) >= int(data.team_size[i]):
            return None
        chosen.append(max(cand, key=lambda r: int(data.mastery[r, short].sum())))
    return {r: data.first_held_skill(i, r) for r in chosen}
