"""The scheduling model when members cover several skills (``members_cover_several_skills``,
the field-service rule): a team of ``team_size`` with, for each skill, ``sreq`` members that
master it. Every solved schedule is checked by :func:`covering_violations` below, a small
independent checker of that rule; the MSPSP model itself is left as it was (its own tests)."""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from benchmarks.loaders.mspsp import read_mspsp
from benchmarks.scheduling.mspsp_data import from_mspsp
from solvers.scheduling.data import SchedulingData, SchedulingParams
from solvers.scheduling.greedy import greedy_schedule
from solvers.scheduling.lower_bound import compatible_set_bound, energy_bound
from solvers.scheduling.model import incompatible_cliques, staffable_covering
from solvers.scheduling.solve import SchedulingResult, solve_scheduling

ROOT = Path(__file__).resolve().parents[2] / "data/benchmarks/mspsp/instances"
ONE_CLASS = ROOT / "set-2/set-2c/inst_set2c_sf0_nc2.1_n20_l3_m8_00.dzn"
EIGHT_CLASSES = ROOT / "set-1/set-1a/inst_set1a_sf0.5_nc1.5_n20_m10_01.dzn"


def covering(path: Path, smallest: bool = False) -> SchedulingData:
    """An MSPSP instance under the covering rule: teams of ``sum_s sreq`` (MSPSP's sizes) or,
    with ``smallest``, of ``max_s sreq`` (the fewest that can qualify)."""
    base = from_mspsp(read_mspsp(path))
    size = base.sreq.max(axis=1) if smallest else base.sreq.sum(axis=1)
    return replace(base, members_cover_several_skills=True, team_size=size)


def covering_violations(
    data: SchedulingData, start: list[int], team: list[list[tuple[int, int]]]
) -> list[str]:
    """The covering rule recomputed: team size, distinct members, ``sreq`` holders of each
    skill, each label the first needed skill the member masters, precedences, no overlap."""
    out: list[str] = []
    dur = [int(data.duration[i].max()) for i in range(data.num_activities)]
    for a, b in zip(data.pred.tolist(), data.succ.tolist(), strict=True):
        if start[b] >= 0 and start[b] < start[a] + dur[a]:
            out.append(f"precedence {a}->{b}")
    busy: dict[int, list[tuple[int, int]]] = {}
    for i, members in enumerate(team):
        if start[i] < 0:
            continue
        people = [r for r, _ in members]
        if len(set(people)) != len(people) or len(people) != int(data.team_size[i]):
            out.append(f"activity {i}: team {people}, needs {data.team_size[i]} distinct")
        held = data.mastery[people].sum(axis=0) if people else np.zeros(data.num_skills)
        if (held < data.sreq[i]).any():
            out.append(f"activity {i}: skills not held by enough members")
        for r, s in members:
            need = [k for k in range(data.num_skills) if data.sreq[i, k] and data.mastery[r, k]]
            if s != (need[0] if need else -1):
                out.append(f"activity {i}: resource {r} labelled {s}")
            if dur[i] > 0:
                busy.setdefault(r, []).append((start[i], start[i] + dur[i]))
    for r, spans in busy.items():
        spans.sort()
        for (_, e1), (s2, _) in itertools.pairwise(spans):
            if s2 < e1:
                out.append(f"resource {r}: overlap")
    return out


def solve_checked(data: SchedulingData, **kw: Any) -> SchedulingResult:
    params = SchedulingParams(objective="makespan", time_limit_s=30, workers=1, seed=0)
    res = solve_scheduling(data, replace(params, **kw))
    assert res.report.status.has_solution
    assert covering_violations(data, res.start.tolist(), [list(t) for t in res.team]) == []
    return res


def two_skills(
    holders: list[tuple[bool, bool]], size: int = 1, need: tuple[int, int] = (1, 1)
) -> SchedulingData:
    """Two activities of 5, each needing ``need`` holders of skills 0 and 1 in a team of
    ``size``; one resource per entry of ``holders`` (which of the two skills it masters)."""
    return SchedulingData(
        name="two_skills",
        horizon=10,
        duration=np.full((2, len(holders)), 5),
        sreq=np.array([need, need]),
        mastery=np.array(holders, np.bool_).reshape(len(holders), 2),
        team_size=np.array([size, size]),
        members_cover_several_skills=True,
    )


# --------------------------------------------------------------------------- data
def test_one_member_may_hold_both_skills_only_under_the_flag() -> None:
    data = two_skills([(True, True), (True, False), (False, True)])
    assert data.eligible(0) == [0]  # team of one: it must master both
    assert data.min_team_size.tolist() == [1, 1]
    with pytest.raises(ValueError, match="activity 0: team_size 1 is invalid"):
        replace(data, members_cover_several_skills=False)
    two = two_skills([(True, True), (True, False), (False, True)], size=2, need=(2, 1))
    assert two.eligible(0) == [0, 1]  # both members hold skill 0 (needed twice)


# --------------------------------------------------------------------------- binds / not
@pytest.mark.parametrize(
    ("holders", "makespan"),
    [
        ([(True, True), (True, False), (False, True)], 10),  # binds: one resource holds both
        ([(True, True), (True, True), (False, True)], 5),  # does not bind
    ],
)
def test_a_team_of_one_holds_every_skill(holders: list[tuple[bool, bool]], makespan: int) -> None:
    res = solve_checked(two_skills(holders))
    assert res.report.objective == makespan
    assert {r for t in res.team for r, _ in t} <= {r for r, h in enumerate(holders) if all(h)}


def test_two_members_share_the_skills_between_them() -> None:
    # Teams of two needing one holder of each skill: (0: skill 0) + (1: skill 1) and
    # (2: skill 0) + (3: skill 1) run at once; MSPSP would need the same here.
    data = two_skills([(True, False), (False, True), (True, False), (False, True)], size=2)
    res = solve_checked(data)
    assert res.report.objective == 5
    # Skill 0 needed twice in a team of two: both members hold it, so the two activities
    # (two holders of skill 0 in all) run one after the other.
    twice = two_skills([(True, False), (True, True), (False, True), (False, True)], 2, (2, 1))
    assert solve_checked(twice).report.objective == 10


# --------------------------------------------------------------------------- staffing
def brute_force_staffable(data: SchedulingData, acts: list[int]) -> bool:
    """Every way of giving each resource to one of ``acts`` or none, tried."""
    for owner in itertools.product(range(len(acts) + 1), repeat=data.num_resources):
        ok = True
        for k, i in enumerate(acts):
            team = [r for r in range(data.num_resources) if owner[r] == k]
            held = data.mastery[team].sum(axis=0) if team else np.zeros(data.num_skills)
            if len(team) != int(data.team_size[i]) or (held < data.sreq[i]).any():
                ok = False
                break
        if ok:
            return True
    return False


def test_staffable_covering_is_exact_on_small_random_instances() -> None:
    rng = np.random.default_rng(0)
    for trial in range(150):
        m, n = int(rng.integers(2, 6)), 3
        sreq = rng.integers(0, 3, size=(n, 3))
        size = np.maximum(sreq.max(axis=1), rng.integers(1, 3, size=n))
        data = SchedulingData(
            name=f"random{trial}",
            horizon=1,
            duration=np.ones((n, m), np.int64),
            sreq=sreq,
            mastery=rng.random((m, 3)) < 0.5,
            team_size=np.minimum(size, m),
            members_cover_several_skills=True,
        )
        for acts in ([0], [0, 1], [0, 1, 2]):
            assert staffable_covering(data, acts) == brute_force_staffable(data, acts), trial


def test_staffable_covering_answers_maybe_past_its_budget() -> None:
    # Teams of one holding both skills: one resource can, so not both at once.
    data = two_skills([(True, True), (True, False), (False, True)])
    assert not staffable_covering(data, [0, 1])
    assert staffable_covering(data, [0, 1], max_nodes=1)  # "maybe": sound for both users


def test_activities_only_one_resource_can_staff_form_a_clique() -> None:
    assert incompatible_cliques(two_skills([(True, True), (True, False), (False, True)])) == [
        [0, 1]
    ]
    assert incompatible_cliques(two_skills([(True, True), (True, True)])) == []


# --------------------------------------------------------------------------- whole model
def test_grouping_and_redundant_constraints_keep_the_optimum() -> None:
    """Under the covering rule too, counting members per class and the redundant
    cumulatives, cliques and overlap literals cut no optimal schedule."""
    data = covering(ONE_CLASS, smallest=True)
    variants = [
        solve_checked(data, group_resources=g, redundant=r)
        for g, r in itertools.product((True, False), repeat=2)
    ]
    assert {str(v.report.status) for v in variants} == {"optimal"}
    assert {v.report.objective for v in variants} == {18}


def test_the_covering_rule_relaxes_mspsp_with_the_same_teams() -> None:
    """With MSPSP's team sizes a member may now count for several skills: never worse, and
    better here (61 against MSPSP's proven 66)."""
    data = covering(EIGHT_CLASSES)
    res = solve_checked(data)
    assert str(res.report.status) == "optimal" and res.report.objective == 61
    mspsp = solve_scheduling(
        from_mspsp(read_mspsp(EIGHT_CLASSES)),
        SchedulingParams(objective="makespan", time_limit_s=30, workers=1),
    )
    assert str(mspsp.report.status) == "optimal" and mspsp.report.objective == 66


@pytest.mark.parametrize(("path", "smallest"), [(ONE_CLASS, True), (EIGHT_CLASSES, False)])
def test_bounds_stay_below_a_checked_schedule(path: Path, smallest: bool) -> None:
    """The compatible-set LP and the energy bound (max, not sum, of a skill set's demand)
    never exceed the makespan of a schedule the checker accepts (found without them)."""
    data = covering(path, smallest)
    found = solve_checked(data, redundant=False, time_limit_s=3)
    lp, energy = compatible_set_bound(data, 10.0), energy_bound(data)
    assert lp is not None and energy is not None
    assert found.report.objective is not None
    assert max(lp.bound, energy) <= found.report.objective


@pytest.mark.parametrize(("path", "smallest"), [(ONE_CLASS, True), (EIGHT_CLASSES, False)])
def test_the_greedy_warm_start_follows_the_covering_rule(path: Path, smallest: bool) -> None:
    data = covering(path, smallest)
    g = greedy_schedule(data)
    assert min(g.start) >= 0
    assert covering_violations(data, list(g.start), [list(t) for t in g.team]) == []
