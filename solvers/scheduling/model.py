"""The CP-SAT model, one function per constraint family.

Symbols: activity ``i``, resource ``r``, skill ``s``; ``S_i``, ``P_i``, ``C_i`` its start,
processing time and end; ``u_i`` (in-house), ``o_i`` (outsourced), ``d_i`` (dropped) its
fate; ``x_ic`` members of class ``c`` (interchangeable resources) in its team; ``y_ics``
members of class ``c`` serving skill ``s`` (one skill per member, MSPSP). A split activity
(``pieces_i > 1``) does its work in pieces ``k``: ``[s_ik, e_ik)`` of length ``l_ik``,
present iff ``z_ik``.

Two ways a team meets ``sreq`` (``SchedulingData.members_cover_several_skills``): each member
serves one skill unit (:func:`add_skill_coverage`, MSPSP), or each member counts for every
skill it masters (:func:`add_skill_holders`, the field-service rule). The redundant families
count a skill set's demand accordingly (``SchedulingData.skill_demand``) and test staffing by
:func:`staffable_together`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from solvers.scheduling.data import Objective, SchedulingData


@dataclass
class Piece:
    """A stretch of an activity's work, present iff ``present``; ``members[c]`` is the
    presence of class ``c``'s piece interval (pieces after the first only)."""

    start: cp_model.IntVar
    size: cp_model.IntVar
    end: cp_model.IntVar
    present: cp_model.IntVar
    interval: cp_model.IntervalVar
    members: dict[int, cp_model.IntVar] = field(default_factory=dict)


@dataclass
class Variables:
    """The decision variables, indexed as in the data."""

    start: list[cp_model.IntVar]
    size: list[cp_model.IntVar]
    end: list[cp_model.IntVar]
    inhouse: list[cp_model.IntVar]
    outsourced: list[cp_model.IntVar]
    dropped: list[cp_model.IntVar]
    interval: list[cp_model.IntervalVar]
    team: list[dict[int, cp_model.IntVar]]
    # Per activity and class of one resource: its interval for each piece of work.
    team_interval: list[dict[int, list[cp_model.IntervalVar]]]
    serves: list[dict[tuple[int, int], cp_model.IntVar]]
    cost_terms: list[cp_model.LinearExprT] = field(default_factory=list)
    classes: list[tuple[int, ...]] = field(default_factory=list)
    # Objective variables (T_i or F_i by activity, and Cmax), so hints can cover them too.
    late: dict[int, cp_model.IntVar] = field(default_factory=dict)
    cmax: cp_model.IntVar | None = None
    # The work of each activity: one piece (the activity's interval) unless it is split.
    pieces: list[list[Piece]] = field(default_factory=list)
    # Elapsed time ``C_i - S_i`` of split activities (their work ``P_i`` is ``size``).
    span: dict[int, cp_model.IntVar] = field(default_factory=dict)
    # Pairwise overlap literals ``(ov_ij, i before j, j before i)`` by pair ``(i, j)``, i < j.
    overlap: dict[tuple[int, int], tuple[cp_model.IntVar, ...]] = field(default_factory=dict)

    def work(self, i: int) -> list[cp_model.IntervalVar]:
        """The intervals in which activity ``i``'s team is at work on it."""
        return [p.interval for p in self.pieces[i]]


def add_activities(model: cp_model.CpModel, data: SchedulingData) -> Variables:
    """Activity intervals and their fate.

    ``u_i + o_i + d_i = 1``; ``0 <= S_i``, ``C_i = S_i + P_i <= H``; ``S_i >= release_i``
    (release dates: the part arrives). ``o_i = 0`` if the activity cannot be outsourced,
    ``d_i = 0`` if it is mandatory. The interval ``[S_i, C_i)`` is present iff ``u_i``; it
    lasts ``P_i`` unless the activity is split (:func:`add_pieces`).
    """
    h = data.horizon
    v = Variables([], [], [], [], [], [], [], [], [], [])
    for i in range(data.num_activities):
        elig = data.eligible(i)
        durs = [int(data.duration[i, r]) for r in elig] or [int(data.duration[i].min(initial=0))]
        lo, hi = min(durs), max(durs)
        release = int(data.release[i])
        start = model.new_int_var(release, max(release, h - lo), f"S{i}")
        size = model.new_constant(lo) if lo == hi else model.new_int_var(lo, hi, f"P{i}")
        end = model.new_int_var(release + lo, max(h, release + lo), f"C{i}")
        u = model.new_bool_var(f"u{i}")
        o = model.new_bool_var(f"o{i}")
        d = model.new_bool_var(f"d{i}")
        model.add_exactly_one(u, o, d)
        if int(data.outsource_cost[i]) < 0:
            model.add(o == 0)
        if int(data.drop_penalty[i]) < 0:
            model.add(d == 0)
        model.add(end <= h).only_enforce_if(u)
        v.start.append(start)
        v.size.append(size)
        v.end.append(end)
        v.inhouse.append(u)
        v.outsourced.append(o)
        v.dropped.append(d)
        if int(data.pieces[i]) > 1 and hi > 0:
            span = v.span[i] = model.new_int_var(lo, max(lo, h), f"W{i}")
            v.interval.append(model.new_optional_interval_var(start, span, end, u, f"I{i}"))
            v.pieces.append(add_pieces(model, data, i, v))
        else:
            v.interval.append(model.new_optional_interval_var(start, size, end, u, f"I{i}"))
            v.pieces.append([Piece(start, size, end, u, v.interval[i])])
    return v


def add_pieces(model: cp_model.CpModel, data: SchedulingData, i: int, v: Variables) -> list[Piece]:
    """The pieces of split activity ``i``, in order: ``z_i0 = u_i``, ``z_ik => z_i,k-1``;
    ``s_i0 = S_i``; ``z_ik => s_ik > e_i,k-1`` (pieces that touch would be one);
    ``z_ik => l_ik >= 1``, ``z_i1 => l_ik >= min_piece_i`` for every ``k`` (the work may be
    shorter in one piece, not in several), ``not z_ik => l_ik = 0, s_ik = e_ik``;
    ``u_i => sum_k l_ik = P_i``; ``C_i = e_ik`` for the last present piece."""
    h = data.horizon
    start, size, end, u = v.start[i], v.size[i], v.end[i], v.inhouse[i]
    shortest = max(1, int(data.min_piece[i]))
    hi = int(data.duration[i].max(initial=0))
    pieces: list[Piece] = []
    for k in range(int(data.pieces[i])):
        z = u if k == 0 else model.new_bool_var(f"z{i}_{k}")
        s = start if k == 0 else model.new_int_var(0, h, f"s{i}_{k}")
        length = model.new_int_var(0, hi, f"l{i}_{k}")
        e = model.new_int_var(0, h, f"e{i}_{k}")
        model.add(length >= 1).only_enforce_if(z)
        if k:
            model.add(length >= shortest).only_enforce_if(z)
        if k == 1:
            model.add(pieces[0].size >= shortest).only_enforce_if(z)
        model.add(length == 0).only_enforce_if(~z)
        model.add(e == s).only_enforce_if(~z)
        if pieces:
            prev = pieces[-1]
            model.add_implication(z, prev.present)
            model.add(s >= prev.end + 1).only_enforce_if(z)
            model.add(s == prev.end).only_enforce_if(~z)
            model.add(end == prev.end).only_enforce_if([prev.present, ~z])
        interval = model.new_optional_interval_var(s, length, e, z, f"I{i}_{k}")
        pieces.append(Piece(s, length, e, z, interval))
    model.add(end == pieces[-1].end).only_enforce_if(pieces[-1].present)
    model.add(sum(p.size for p in pieces) == size).only_enforce_if(u)
    return pieces


def resource_classes(data: SchedulingData, group: bool = True) -> list[tuple[int, ...]]:
    """Interchangeable resources: same skills, same durations, same forbidden intervals, never
    pinned. Classes are ordered by their first member; a pinned resource is a class alone, and
    so is every resource with ``group=False``, and every resource that may work on a split
    activity (counting members is exact for intervals, not for pieces with gaps)."""
    if not group:
        return [(r,) for r in range(data.num_resources)]
    alone = {int(r) for r in data.pin_resource.tolist() if r >= 0}
    for i in np.flatnonzero(data.pieces > 1).tolist():
        alone.update(data.eligible(i))
    off: dict[int, list[tuple[int, int]]] = {}
    for r, a, b in zip(
        data.off_resource.tolist(), data.off_start.tolist(), data.off_end.tolist(), strict=True
    ):
        off.setdefault(r, []).append((a, b))
    groups: dict[object, list[int]] = {}
    for r in range(data.num_resources):
        key: object = (
            ("alone", r)
            if r in alone
            else (
                data.mastery[r].tobytes(),
                data.duration[:, r].tobytes(),
                tuple(sorted(off.get(r, []))),
            )
        )
        groups.setdefault(key, []).append(r)
    return sorted((tuple(g) for g in groups.values()), key=lambda g: g[0])


def add_team_intervals(
    model: cp_model.CpModel, data: SchedulingData, v: Variables, group: bool = True
) -> None:
    """Team members counted per class of interchangeable resources (:func:`resource_classes`).

    ``x_ic`` in ``[0, min(|c|, team_i)]`` members of class ``c`` in activity ``i``'s team;
    ``sum_c x_ic = team_i * u_i``; ``x_ic >= 1 => P_i >= p_ic`` (the slowest member sets the
    duration). A class of one resource is a Boolean with an optional interval sharing
    ``S_i``, ``C_i`` (for a split activity, one per piece, present iff ``x_ic and z_ik``).
    Counting members instead of naming them removes the symmetry between identical
    resources; :func:`assign_members` names them in the solution.
    """
    v.classes = resource_classes(data, group)
    of_class = {r: c for c, members in enumerate(v.classes) for r in members}
    for i in range(data.num_activities):
        team: dict[int, cp_model.IntVar] = {}
        intervals: dict[int, list[cp_model.IntervalVar]] = {}
        elig: dict[int, int] = {}
        for r in data.eligible(i):
            elig[of_class[r]] = elig.get(of_class[r], 0) + 1
        cap = int(data.team_size[i])
        pace = {int(data.duration[i, v.classes[c][0]]) for c in elig}
        for c, k in elig.items():
            p = int(data.duration[i, v.classes[c][0]])
            if k == 1:
                x = model.new_bool_var(f"x{i}_c{c}")
                intervals[c] = [
                    _member_piece(model, piece, n == 0, c, x, f"I{i}_{n}_c{c}")
                    for n, piece in enumerate(v.pieces[i])
                ]
                model.add_implication(x, v.inhouse[i])
                if len(pace) > 1:
                    model.add(v.size[i] >= p).only_enforce_if(x)
            else:
                assert len(v.pieces[i]) == 1, "a split activity's classes are single resources"
                x = model.new_int_var(0, min(k, cap), f"x{i}_c{c}")
                if len(pace) > 1 and p > min(pace):
                    used = model.new_bool_var(f"x{i}_c{c}_used")
                    model.add(x <= k * used)
                    model.add(v.size[i] >= p).only_enforce_if(used)
            team[c] = x
        model.add(sum(team.values()) == cap * v.inhouse[i])
        v.team.append(team)
        v.team_interval.append(intervals)


def _member_piece(
    model: cp_model.CpModel, piece: Piece, first: bool, c: int, x: cp_model.IntVar, name: str
) -> cp_model.IntervalVar:
    """Class ``c``'s interval for ``piece``, present iff ``x`` (the resource is in the team)
    for the first piece (``x => u_i = z_i0``), else iff its own literal ``b = x and z_ik``,
    kept in ``piece.members[c]``."""
    if first:
        return model.new_optional_interval_var(piece.start, piece.size, piece.end, x, name)
    b = piece.members[c] = model.new_bool_var(f"b{name}")
    model.add_bool_and([x, piece.present]).only_enforce_if(b)
    model.add_bool_or([~x, ~piece.present, b])
    return model.new_optional_interval_var(piece.start, piece.size, piece.end, b, name)


def add_skill_coverage(model: cp_model.CpModel, data: SchedulingData, v: Variables) -> None:
    """Each skill is covered by enough team members, each serving one skill.

    ``y_ics`` members of class ``c`` (which masters ``s``) serving ``s`` in activity ``i``;
    ``sum_c y_ics = sreq_is * u_i``; ``sum_s y_ics <= x_ic`` (with ``=`` when the team has no
    spare seat).
    """
    for i in range(data.num_activities):
        skills = [int(s) for s in range(data.num_skills) if data.sreq[i, s] > 0]
        serves: dict[tuple[int, int], cp_model.IntVar] = {}
        for s in skills:
            for c in v.team[i]:
                if data.mastery[v.classes[c][0], s]:
                    hi = min(int(data.sreq[i, s]), len(v.classes[c]), int(data.team_size[i]))
                    serves[c, s] = (
                        model.new_bool_var(f"y{i}_c{c}_{s}")
                        if hi == 1
                        else model.new_int_var(0, hi, f"y{i}_c{c}_{s}")
                    )
            cover = [y for (c, s2), y in serves.items() if s2 == s]
            model.add(sum(cover) == int(data.sreq[i, s]) * v.inhouse[i])
        exact = int(data.team_size[i]) == int(data.sreq[i].sum())
        for c, x in v.team[i].items():
            mine = [y for (c2, _), y in serves.items() if c2 == c]
            if exact:
                model.add(sum(mine) == x)
            elif mine:
                model.add(sum(mine) <= x)
        v.serves.append(serves)


def add_skill_holders(model: cp_model.CpModel, data: SchedulingData, v: Variables) -> None:
    """Each skill is held by enough team members; a member counts for every skill it masters
    (used when ``members_cover_several_skills``).

    ``sum_{c masters s} x_ic >= sreq_is * u_i`` for every skill ``s`` of activity ``i``. No
    ``y`` variables: a member is not assigned to one skill."""
    for i in range(data.num_activities):
        for s in np.flatnonzero(data.sreq[i] > 0).tolist():
            holders = [x for c, x in v.team[i].items() if data.mastery[v.classes[c][0], s]]
            model.add(sum(holders) >= int(data.sreq[i, s]) * v.inhouse[i])
        v.serves.append({})


def calendar_intervals(
    model: cp_model.CpModel, data: SchedulingData
) -> list[list[cp_model.IntervalVar]]:
    """Calendars as forbidden intervals: fixed intervals ``[a, b)`` per resource (nights, days
    off), added to the resource's no-overlap and to the cumulatives of its skills."""
    off: list[list[cp_model.IntervalVar]] = [[] for _ in range(data.num_resources)]
    for k, (r, a, b) in enumerate(
        zip(data.off_resource.tolist(), data.off_start.tolist(), data.off_end.tolist(), strict=True)
    ):
        off[r].append(model.new_fixed_size_interval_var(a, b - a, f"off{k}_r{r}"))
    return off


def add_no_overlap(
    model: cp_model.CpModel,
    data: SchedulingData,
    v: Variables,
    off: list[list[cp_model.IntervalVar]],
) -> None:
    """A resource does one thing at a time, and nothing in its forbidden intervals. For a class
    of one resource ``r``: ``NoOverlap({[S_i, C_i) : x_ir} ∪ off_r)``; for a larger class
    ``c``: ``Cumulative({([S_i, C_i), x_ic)} ∪ {(off_c, |c|)}, |c|)`` — its members share one
    calendar. An intervention thus fits inside one working period (it cannot straddle a
    night). The cumulative is exact: intervals on a line can always be given distinct members
    when no more than ``|c|`` are needed at any time (:func:`assign_members`)."""
    for c, members in enumerate(v.classes):
        calendar = off[members[0]]
        if len(members) == 1:
            mine = [x for iv in v.team_interval if c in iv for x in iv[c]]
            if len(mine) + len(calendar) > 1 and mine:
                model.add_no_overlap(mine + calendar)
            continue
        users = [i for i in range(data.num_activities) if c in v.team[i]]
        if not users:
            continue
        intervals = [v.interval[i] for i in users] + calendar
        demands: list[cp_model.LinearExprT] = [v.team[i][c] for i in users]
        demands += [len(members)] * len(calendar)
        model.add_cumulative(intervals, demands, len(members))


def assign_members(
    classes: list[tuple[int, ...]],
    start: list[int],
    end: list[int],
    counts: list[dict[int, int]],
    skills: list[dict[tuple[int, int], int]],
) -> list[tuple[tuple[int, int], ...]]:
    """Name the members of each team from the solved counts: per class, activities in order
    of start take the lowest-numbered members free at that time (released when their activity
    ends). Returns ``(resource, skill)`` pairs per activity (skill ``-1``: a spare seat).

    Raises ``RuntimeError`` if a class is over-subscribed (the counts break the model)."""
    n = len(start)
    team: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for c, members in enumerate(classes):
        users = sorted(
            (i for i in range(n) if counts[i].get(c, 0) > 0), key=lambda i: (start[i], i)
        )
        busy_until = dict.fromkeys(members, -1)
        for i in users:
            k = counts[i][c]
            # A class of one is exact (its no-overlap); its split activities have gaps.
            unchecked = end[i] <= start[i] or len(members) == 1
            free = [r for r in members if unchecked or busy_until[r] <= start[i]][:k]
            if len(free) < k:
                raise RuntimeError(f"class {c}: {k} members needed at {start[i]}, fewer free")
            seats = [s for (c2, s), y in sorted(skills[i].items()) if c2 == c for _ in range(y)]
            seats += [-1] * (k - len(seats))
            for r, s in zip(free, seats, strict=True):
                if not unchecked:
                    busy_until[r] = end[i]
                team[i].append((r, s))
    return [tuple(sorted(t)) for t in team]


def hall_skill_sets(
    data: SchedulingData, max_sets: int = 64, max_enumerated: int = 12
) -> list[tuple[list[int], list[int]]]:
    """Skill sets ``Q`` worth a redundant cumulative, with the resources ``R_Q`` mastering a
    skill of ``Q``: ``[(Q, R_Q), ...]``.

    Every set of skills is enumerated (singletons and pairs beyond ``max_enumerated`` skills);
    for each distinct ``R`` only its closure ``Q(R) = {s : masters(s) ⊆ R}`` is kept (the
    largest demand against the same capacity dominates), and ``R`` = every resource is left
    to the head-count cumulative. The ``max_sets`` sets with the largest energy bound
    ``sum_i p_i d_iQ / |R|`` are returned, in that order (``d_iQ``:
    ``SchedulingData.skill_demand``, ``sum_{s in Q} sreq_is`` with one skill per member)."""
    from itertools import combinations

    skills = [s for s in range(data.num_skills) if data.sreq[:, s].any()]
    masks = {s: sum(1 << int(r) for r in np.flatnonzero(data.mastery[:, s])) for s in skills}
    full = (1 << data.num_resources) - 1
    top = len(skills) if len(skills) <= max_enumerated else min(2, len(skills))
    found: set[int] = set()
    for k in range(1, top + 1):
        for subset in combinations(skills, k):
            mask = 0
            for s in subset:
                mask |= masks[s]
            if mask and mask != full:
                found.add(mask)
    # Shortest duration over the resources (``initial=0`` would make every energy 0).
    p = data.duration.min(axis=1) if data.num_resources else np.zeros(data.num_activities)
    scored = []
    for mask in found:
        closure = [s for s in skills if masks[s] & ~mask == 0]
        masters = [r for r in range(data.num_resources) if mask >> r & 1]
        energy = int((p * data.skill_demand(closure)).sum())
        scored.append((-energy / len(masters), closure, masters))
    scored.sort()
    return [(q, rs) for _, q, rs in scored[:max_sets]]


def add_skill_cumulatives(
    model: cp_model.CpModel,
    data: SchedulingData,
    v: Variables,
    off: list[list[cp_model.IntervalVar]],
) -> None:
    """Redundant: for each set ``Q`` of skills of :func:`hall_skill_sets`,
    ``Cumulative({(I_i, d_iQ)} ∪ {(off_r, 1) : r in R_Q}, |R_Q|)`` with ``R_Q`` the
    resources mastering a skill of ``Q`` and ``d_iQ`` the members of ``R_Q`` activity ``i``'s
    team has at least: ``sum_{s in Q} sreq_is`` when a resource serves one skill at a time,
    ``max_{s in Q} sreq_is`` when a member covers several (``SchedulingData.skill_demand``).
    Implied by the rest; the sets beyond single skills are what lifts the makespan bound
    (Hall's condition)."""
    for cols, masters in hall_skill_sets(data):
        demand = data.skill_demand(cols)
        users = [int(i) for i in np.flatnonzero(demand > 0)]
        if not users:
            continue
        intervals = [x for i in users for x in v.work(i)]
        demands = [int(demand[i]) for i in users for _ in v.pieces[i]]
        for r in masters:
            intervals += off[r]
            demands += [1] * len(off[r])
        model.add_cumulative(intervals, demands, len(masters))


def add_headcount_cumulative(
    model: cp_model.CpModel,
    data: SchedulingData,
    v: Variables,
    off: list[list[cp_model.IntervalVar]],
) -> None:
    """Redundant: ``Cumulative({(I_i, team_i)} ∪ {(off_r, 1)}, m)`` — teams at work never
    outnumber the resources at work."""
    users = [i for i in range(data.num_activities) if int(data.team_size[i]) > 0]
    if not users:
        return
    intervals = [x for i in users for x in v.work(i)]
    demands = [int(data.team_size[i]) for i in users for _ in v.pieces[i]]
    for r in range(data.num_resources):
        intervals += off[r]
        demands += [1] * len(off[r])
    model.add_cumulative(intervals, demands, data.num_resources)


def staffable_together(data: SchedulingData, acts: list[int]) -> bool:
    """Whether activities ``acts`` can be staffed at the same time from distinct resources.

    One skill per member: a matching of their skill units (and spare seats, which any
    resource fills) to distinct resources, by augmenting paths. By Hall's theorem this is
    ``sum_{i in acts} sum_{s in Q} sreq_is <= |R_Q|`` for every skill set ``Q`` (and the head
    count against all resources). Members covering several skills:
    :func:`staffable_covering`."""
    if data.members_cover_several_skills:
        return staffable_covering(data, acts)
    units: list[int] = []  # a skill, or -1 for a spare seat
    for i in acts:
        for s in np.flatnonzero(data.sreq[i]).tolist():
            units += [int(s)] * int(data.sreq[i, s])
        units += [-1] * (int(data.team_size[i]) - int(data.sreq[i].sum()))
    m = data.num_resources
    if len(units) > m:
        return False
    cand = [
        list(range(m)) if s < 0 else [int(r) for r in np.flatnonzero(data.mastery[:, s])]
        for s in units
    ]
    owner = [-1] * m

    def augment(u: int, seen: list[bool]) -> bool:
        for r in cand[u]:
            if not seen[r]:
                seen[r] = True
                if owner[r] < 0 or augment(owner[r], seen):
                    owner[r] = u
                    return True
        return False

    return all(augment(u, [False] * m) for u in range(len(units)))


# Search nodes :func:`staffable_covering` spends before it answers "maybe" (True).
MAX_STAFFING_NODES = 20_000


def staffable_covering(
    data: SchedulingData, acts: list[int], max_nodes: int = MAX_STAFFING_NODES
) -> bool:
    """:func:`staffable_together` when members cover several skills: disjoint teams ``T_i``,
    ``|T_i| = team_i``, with ``|{r in T_i : mastery_rs}| >= sreq_is`` for every ``i``, ``s``.

    Not a matching (a member counts for several skills), so a depth-first search over
    resource *profiles* (which of the activities' skills a resource masters; resources of one
    profile are interchangeable), members of a team in a fixed profile order, pruned when a
    skill still needs more holders than the team has seats left. Beyond ``max_nodes`` nodes
    it answers True ("maybe"): both users stay sound with a False only when it is proven
    (a clique joins activities that can never run together; the compatible-set LP only
    drops sets that cannot)."""
    sizes = [int(data.team_size[i]) for i in acts]
    if sum(sizes) > data.num_resources:
        return False
    skills = sorted({int(s) for i in acts for s in np.flatnonzero(data.sreq[i])})
    bit = {s: 1 << k for k, s in enumerate(skills)}
    avail: dict[int, int] = {}
    for r in range(data.num_resources):
        p = sum(bit[s] for s in skills if data.mastery[r, s])
        avail[p] = avail.get(p, 0) + 1
    kinds = sorted(avail, key=lambda p: (-p.bit_count(), p))
    order = sorted(range(len(acts)), key=lambda k: -sizes[k])
    needs = [
        [(bit[int(s)], int(data.sreq[acts[k], s])) for s in np.flatnonzero(data.sreq[acts[k]])]
        for k in order
    ]
    nodes = 0

    def team(a: int, seats: int, need: list[tuple[int, int]], lo: int) -> bool:
        nonlocal nodes
        nodes += 1
        if nodes > max_nodes:
            raise _OutOfNodes
        if any(k > seats for _, k in need):
            return False
        if seats == 0:
            return a + 1 == len(order) or team(a + 1, sizes[order[a + 1]], needs[a + 1], 0)
        for pos in range(lo, len(kinds)):
            p = kinds[pos]
            if avail[p] == 0:
                continue
            avail[p] -= 1
            rest = [(b, k - 1 if p & b else k) for b, k in need]
            ok = team(a, seats - 1, [(b, k) for b, k in rest if k > 0], pos)
            avail[p] += 1
            if ok:
                return True
        return False

    if not order:
        return True
    try:
        return team(0, sizes[order[0]], needs[0], 0)
    except _OutOfNodes:
        return True


class _OutOfNodes(Exception):
    """:func:`staffable_covering` ran out of search nodes."""


def incompatible_cliques(data: SchedulingData, max_activities: int = 400) -> list[list[int]]:
    """Cliques covering the pairs of activities (positive duration, in-house) that cannot run
    at the same time because no two disjoint teams staff them (:func:`staffable_together`).

    Pairs are tested once per pair of requirement profiles; each uncovered pair is grown
    greedily into a maximal clique. Nothing is computed beyond ``max_activities``."""
    n = data.num_activities
    if n > max_activities:
        return []
    acts = [i for i in range(n) if int(data.duration[i].max(initial=0)) > 0]
    acts = [i for i in acts if int(data.team_size[i]) > 0]
    profile = {i: (tuple(data.sreq[i].tolist()), int(data.team_size[i])) for i in acts}
    memo: dict[tuple[object, object], bool] = {}
    adj: dict[int, set[int]] = {i: set() for i in acts}
    for a_pos, a in enumerate(acts):
        for b in acts[a_pos + 1 :]:
            pa, pb = profile[a], profile[b]
            key = (pa, pb) if pa <= pb else (pb, pa)
            if key not in memo:
                memo[key] = not staffable_together(data, [a, b])
            if memo[key]:
                adj[a].add(b)
                adj[b].add(a)
    cliques: list[list[int]] = []
    covered: set[tuple[int, int]] = set()
    order = sorted(acts, key=lambda i: (-len(adj[i]), i))
    for a in order:
        for b in sorted(adj[a], key=lambda j: (-len(adj[j]), j)):
            if (a, b) in covered:
                continue
            clique = [a, b]
            for c in order:
                if c not in clique and all(c in adj[k] for k in clique):
                    clique.append(c)
            for x in clique:
                for y in clique:
                    covered.add((x, y))
            cliques.append(sorted(clique))
    return cliques


def add_incompatibility_cliques(
    model: cp_model.CpModel, data: SchedulingData, v: Variables
) -> None:
    """Redundant: ``NoOverlap({I_i : i in K})`` for each clique ``K`` of
    :func:`incompatible_cliques` — activities no two disjoint teams can staff run one after
    the other. Implied by the per-resource no-overlaps and the skill coverage, but it gives
    the solver the disjunctions directly (edge finding, the LP's clique energy)."""
    for clique in incompatible_cliques(data):
        model.add_no_overlap([x for i in clique for x in v.work(i)])


def precedence_closure(data: SchedulingData) -> np.ndarray:
    """``reach[a, b]``: ``b`` cannot start before ``a`` ends (a path of finish-to-start arcs;
    lags are never negative)."""
    n = data.num_activities
    reach = np.zeros((n, n), np.bool_)
    reach[data.pred, data.succ] = True
    for k in range(n):
        reach |= reach[:, [k]] & reach[[k], :]
    return reach


# Beyond this many pairs the overlap literals are left out (set 2b: about 1,200 pairs).
MAX_OVERLAP_PAIRS = 5000


def overlap_pairs(
    data: SchedulingData, v: Variables, max_pairs: int = MAX_OVERLAP_PAIRS
) -> list[tuple[int, int]]:
    """Pairs ``i < j`` of in-house candidates (one piece, positive duration, a team) that may
    share a class and that no chain of precedences orders; none if there are more than
    ``max_pairs`` (the literals would cost more than they give)."""
    reach = precedence_closure(data).tolist()  # nested lists: fast scalar lookups below
    acts = [
        i
        for i in range(data.num_activities)
        if len(v.pieces[i]) == 1
        and int(data.duration[i].max(initial=0)) > 0
        and int(data.team_size[i]) > 0
    ]
    pairs = []
    for a, i in enumerate(acts):
        for j in acts[a + 1 :]:
            if reach[i][j] or reach[j][i]:
                continue
            if any(c in v.team[j] for c in v.team[i]):
                pairs.append((i, j))
                if len(pairs) > max_pairs:
                    return []
    return pairs


def add_overlap_literals(model: cp_model.CpModel, data: SchedulingData, v: Variables) -> None:
    """Redundant: for each pair of :func:`overlap_pairs`, exactly one of ``ov_ij`` (they
    overlap: ``S_i < C_j``, ``S_j < C_i``), ``i`` before ``j`` (``C_i <= S_j``), ``j`` before
    ``i``, when both are in-house; ``ov_ij => x_ic + x_jc <= |c|`` for every class ``c``
    both may use. After Young, Feydy and Schutt (CP 2017): the solver learns about which
    pairs overlap rather than about time points alone (measured on MSPSP, docs/schedule.md)."""
    for i, j in overlap_pairs(data, v):
        ov = model.new_bool_var(f"ov{i}_{j}")
        before = model.new_bool_var(f"bf{i}_{j}")
        after = model.new_bool_var(f"bf{j}_{i}")
        model.add_at_most_one(ov, before, after)
        model.add_bool_or([ov, before, after]).only_enforce_if([v.inhouse[i], v.inhouse[j]])
        model.add(v.end[i] <= v.start[j]).only_enforce_if(before)
        model.add(v.end[j] <= v.start[i]).only_enforce_if(after)
        model.add(v.start[i] < v.end[j]).only_enforce_if(ov)
        model.add(v.start[j] < v.end[i]).only_enforce_if(ov)
        for c, x in v.team[i].items():
            if c not in v.team[j]:
                continue
            if len(v.classes[c]) == 1:
                model.add_bool_or([~ov, ~x, ~v.team[j][c]])
            else:
                model.add(x + v.team[j][c] <= len(v.classes[c])).only_enforce_if(ov)
        v.overlap[i, j] = (ov, before, after)


def add_precedences(model: cp_model.CpModel, data: SchedulingData, v: Variables) -> None:
    """Finish-to-start with lags: ``u_j => u_i`` and ``u_j => S_j >= C_i + lag`` for
    ``i -> j``; an outsourced successor needs its predecessor done (``o_j => u_i or o_i``)."""
    for a, b, lag in zip(data.pred.tolist(), data.succ.tolist(), data.lag.tolist(), strict=True):
        model.add_implication(v.inhouse[b], v.inhouse[a])
        model.add(v.start[b] >= v.end[a] + lag).only_enforce_if(v.inhouse[b])
        model.add_bool_or([v.inhouse[a], v.outsourced[a]]).only_enforce_if(v.outsourced[b])


def add_start_windows(model: cp_model.CpModel, data: SchedulingData, v: Variables) -> None:
    """Allowed start ranges: ``u_i => S_i in ∪_w [a_w, b_w]`` for activities with windows."""
    by_activity: dict[int, list[list[int]]] = {}
    for i, a, b in zip(
        data.window_activity.tolist(),
        data.window_start.tolist(),
        data.window_end.tolist(),
        strict=True,
    ):
        by_activity.setdefault(i, []).append([a, b])
    for i, ranges in by_activity.items():
        domain = cp_model.Domain.from_intervals(ranges)
        model.add_linear_expression_in_domain(v.start[i], domain).only_enforce_if(v.inhouse[i])


def add_pins(model: cp_model.CpModel, data: SchedulingData, v: Variables) -> None:
    """Pins a dispatcher set: ``u_i => x_{i,pin_r} = 1`` and ``u_i => S_i = pin_s``."""
    of_class = {r: c for c, members in enumerate(v.classes) for r in members}
    for i in range(data.num_activities):
        r, s = int(data.pin_resource[i]), int(data.pin_start[i])
        if r >= 0:
            if of_class[r] in v.team[i]:  # a pinned resource is a class alone
                model.add(v.team[i][of_class[r]] == 1).only_enforce_if(v.inhouse[i])
            else:
                model.add(v.inhouse[i] == 0)
        if s >= 0:
            model.add(v.start[i] == s).only_enforce_if(v.inhouse[i])


def add_outsourcing(model: cp_model.CpModel, data: SchedulingData, v: Variables) -> None:
    """Outsourcing within a budget: ``sum_i spend_i o_i <= B``; cost ``sum_i c_i o_i``;
    dropping costs ``sum_i pen_i d_i``."""
    spend = [int(data.outsource_spend[i]) * v.outsourced[i] for i in range(data.num_activities)]
    if data.outsource_budget >= 0:
        model.add(sum(spend) <= data.outsource_budget)
    for i in range(data.num_activities):
        cost, pen = int(data.outsource_cost[i]), int(data.drop_penalty[i])
        if cost > 0:
            v.cost_terms.append(cost * v.outsourced[i])
        if pen > 0:
            v.cost_terms.append(pen * v.dropped[i])


def set_objective(
    model: cp_model.CpModel, data: SchedulingData, v: Variables, objective: Objective
) -> cp_model.IntVar | None:
    """Minimise the chosen objective plus the outsourcing and dropping costs.

    - ``makespan``: ``Cmax >= C_i`` for in-house ``i``;
    - ``weighted_tardiness`` (due dates): ``sum_i w_i T_i``, ``T_i >= C_i - due_i`` if ``u_i``;
    - ``weighted_completion``: ``sum_i w_i F_i``, ``F_i >= C_i`` if ``u_i``.

    Returns the makespan variable (``None`` for other objectives).
    """
    h = data.horizon
    terms: list[cp_model.LinearExprT] = list(v.cost_terms)
    cmax = None
    if objective == "makespan":
        cmax = v.cmax = model.new_int_var(0, h, "Cmax")
        for i in range(data.num_activities):
            model.add(cmax >= v.end[i]).only_enforce_if(v.inhouse[i])
        terms.append(cmax)
    else:
        for i in range(data.num_activities):
            w, due = int(data.weight[i]), int(data.due[i])
            if w == 0:
                continue
            if objective == "weighted_tardiness":
                if due < 0:
                    continue
                t = model.new_int_var(0, h, f"T{i}")
                model.add(t >= v.end[i] - due).only_enforce_if(v.inhouse[i])
            else:
                t = model.new_int_var(0, h, f"F{i}")
                model.add(t >= v.end[i]).only_enforce_if(v.inhouse[i])
            v.late[i] = t
            terms.append(w * t)
    model.minimize(sum(terms))
    return cmax


def build_model(
    data: SchedulingData, objective: Objective, redundant: bool = True, group: bool = True
) -> tuple[cp_model.CpModel, Variables]:
    """The whole model: every constraint family above."""
    model = cp_model.CpModel()
    v = add_activities(model, data)
    add_team_intervals(model, data, v, group)
    if data.members_cover_several_skills:
        add_skill_holders(model, data, v)
    else:
        add_skill_coverage(model, data, v)
    off = calendar_intervals(model, data)
    add_no_overlap(model, data, v, off)
    if redundant:
        add_skill_cumulatives(model, data, v, off)
        add_headcount_cumulative(model, data, v, off)
        add_incompatibility_cliques(model, data, v)
        add_overlap_literals(model, data, v)
    add_precedences(model, data, v)
    add_start_windows(model, data, v)
    add_pins(model, data, v)
    add_outsourcing(model, data, v)
    set_objective(model, data, v, objective)
    return model, v
