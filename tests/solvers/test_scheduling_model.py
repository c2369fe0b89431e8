"""The scheduling model's structure: classes of interchangeable resources, naming their members
after the solve, the cliques of activities no two teams can staff at once, and the pairwise
overlap literals. Every solved schedule is checked by the independent MSPSP checker
(``mspsp_violations``); the overlap literals are also tested on a bare model, which has no
checker-valid schedules by design."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from ortools.sat.python import cp_model

from benchmarks.loaders.mspsp import MspspInstance, read_mspsp
from benchmarks.scheduling.mspsp_data import from_mspsp, mspsp_violations
from solvers.scheduling.data import SchedulingData, SchedulingParams
from solvers.scheduling.model import (
    Variables,
    add_activities,
    add_overlap_literals,
    add_skill_coverage,
    add_team_intervals,
    assign_members,
    hall_skill_sets,
    incompatible_cliques,
    overlap_pairs,
    resource_classes,
    staffable_together,
)
from solvers.scheduling.solve import SchedulingResult, solve_scheduling

ROOT = Path(__file__).resolve().parents[2] / "data/benchmarks/mspsp/instances"
# 2c: eight resources with the same three skills (one class); 1a: ten resources, eight classes.
ONE_CLASS = ROOT / "set-2/set-2c/inst_set2c_sf0_nc2.1_n20_l3_m8_00.dzn"
EIGHT_CLASSES = ROOT / "set-1/set-1a/inst_set1a_sf0.5_nc1.5_n20_m10_01.dzn"


def solve_checked(inst: MspspInstance, **kw: Any) -> SchedulingResult:
    params = SchedulingParams(objective="makespan", time_limit_s=30, workers=1, seed=0)
    res = solve_scheduling(from_mspsp(inst), replace(params, **kw))
    assert res.report.status.has_solution
    assert mspsp_violations(inst, res.start.tolist(), [list(t) for t in res.team]) == []
    return res


def two_activities(masters: int, need: int = 2) -> MspspInstance:
    """Dummy start, two activities of 5 needing ``need`` units of skill 0 each, dummy end;
    ``masters`` resources master skill 0, one more masters only skill 1."""
    mastery = np.zeros((masters + 1, 2), np.bool_)
    mastery[:masters, 0] = True
    mastery[masters, 1] = True
    return MspspInstance(
        name="two_activities",
        duration=np.array([0, 5, 5, 0]),
        sreq=np.array([[0, 0], [need, 0], [need, 0], [0, 0]]),
        mastery=mastery,
        pred=np.array([0, 0, 1, 2]),
        succ=np.array([1, 2, 3, 3]),
        makespan_lower_bound=5,
    )


# --------------------------------------------------------------------------- classes
def test_resource_classes_group_identical_resources_only() -> None:
    inst = two_activities(masters=3)
    assert resource_classes(from_mspsp(inst)) == [(0, 1, 2), (3,)]
    assert resource_classes(from_mspsp(inst), group=False) == [(0,), (1,), (2,), (3,)]


def test_pinned_resource_and_own_calendar_make_a_class_alone() -> None:
    base = from_mspsp(two_activities(masters=3))
    pinned = replace(base, pin_resource=np.array([-1, 1, -1, -1]))
    assert resource_classes(pinned) == [(0, 2), (1,), (3,)]
    off = replace(base, off_resource=np.array([2]), off_start=np.array([0]), off_end=np.array([1]))
    assert resource_classes(off) == [(0, 1), (2,), (3,)]


def test_resources_of_a_split_activity_are_classes_alone() -> None:
    # Counting members is exact for intervals only: split activities name their members.
    base = from_mspsp(two_activities(masters=3))
    split = replace(base, pieces=np.array([1, 2, 1, 1]))
    assert resource_classes(split) == [(0,), (1,), (2,), (3,)]
    assert resource_classes(replace(base, pieces=np.array([1, 1, 1, 1]))) == [(0, 1, 2), (3,)]


@pytest.mark.parametrize(
    ("field", "values", "message"),
    [
        ("pieces", [1, 0, 1, 1], "activity 1: pieces 0 is invalid"),
        ("min_piece", [0, 0, -5, 0], "activity 2: min_piece -5 is invalid"),
    ],
)
def test_bad_pieces_name_the_activity_and_field(
    field: str, values: list[int], message: str
) -> None:
    base = from_mspsp(two_activities(masters=3))
    with pytest.raises(ValueError, match=message):
        replace(base, **{field: np.array(values)})


@pytest.mark.parametrize("path", [ONE_CLASS, EIGHT_CLASSES], ids=["one_class", "eight_classes"])
def test_grouping_and_redundant_constraints_keep_the_optimum(path: Path) -> None:
    """Counting members per class (the symmetry removed) and the redundant cumulatives,
    cliques and overlap literals cut no optimal schedule: each variant proves the same
    optimal makespan."""
    inst = read_mspsp(path)
    variants = [
        solve_checked(inst, group_resources=True, redundant=True),
        solve_checked(inst, group_resources=False, redundant=True),
    ]
    if path == ONE_CLASS:  # without the redundant constraints only this one proves quickly
        variants.append(solve_checked(inst, group_resources=True, redundant=False))
    assert {str(v.report.status) for v in variants} == {"optimal"}
    assert len({v.report.objective for v in variants}) == 1


def test_same_seed_single_worker_gives_the_same_schedule() -> None:
    inst = read_mspsp(EIGHT_CLASSES)
    a, b = solve_checked(inst), solve_checked(inst)
    assert a.start.tolist() == b.start.tolist()
    assert a.team == b.team


# --------------------------------------------------------------------------- naming members
def test_assign_members_gives_distinct_free_members() -> None:
    # class 0 = resources (4, 7, 9): activity 0 takes two members on [0, 5), activity 1 one
    # on [2, 6) (the third), activity 2 two on [5, 8) (the two freed at 5).
    teams = assign_members(
        [(4, 7, 9)],
        start=[0, 2, 5],
        end=[5, 6, 8],
        counts=[{0: 2}, {0: 1}, {0: 2}],
        skills=[{(0, 0): 1, (0, 1): 1}, {(0, 1): 1}, {(0, 0): 2}],
    )
    assert teams == [((4, 0), (7, 1)), ((9, 1),), ((4, 0), (7, 0))]


def test_assign_members_refuses_an_oversubscribed_class() -> None:
    with pytest.raises(RuntimeError, match="class 0"):
        assign_members([(0, 1)], [0, 1], [5, 6], [{0: 1}, {0: 2}], [{}, {}])


# --------------------------------------------------------------------------- cliques
@pytest.mark.parametrize(("masters", "clique"), [(3, [[1, 2]]), (4, [])])
def test_incompatible_cliques(masters: int, clique: list[list[int]]) -> None:
    """Binds with 3 masters (2 + 2 units cannot be staffed at once), not with 4."""
    data = from_mspsp(two_activities(masters))
    assert staffable_together(data, [1, 2]) is (masters >= 4)
    assert incompatible_cliques(data) == clique


@pytest.mark.parametrize(("masters", "makespan"), [(3, 10), (4, 5)])
def test_incompatible_activities_run_one_after_the_other(masters: int, makespan: int) -> None:
    res = solve_checked(two_activities(masters))
    assert str(res.report.status) == "optimal"
    assert res.report.objective == makespan


# --------------------------------------------------------------------------- Hall sets
def test_hall_skill_sets_keep_closures_only() -> None:
    """Skill 0 mastered by r0, r1; skill 1 by r1 only; skill 2 by r2 only. ``R = {r0, r1}``
    comes from ``{0}`` and ``{0, 1}``: only its closure ``{0, 1}`` is kept; ``R = {r1}`` has
    closure ``{1}``; every resource (from ``{0, 2}`` or all) is left to the head count."""
    data = from_mspsp(
        MspspInstance(
            name="hall",
            duration=np.array([0, 4, 4, 4, 0]),
            sreq=np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 0]]),
            mastery=np.array([[1, 0, 0], [1, 1, 0], [0, 0, 1]], np.bool_),
            pred=np.array([0, 0, 0, 1, 2, 3]),
            succ=np.array([1, 2, 3, 4, 4, 4]),
            makespan_lower_bound=4,
        )
    )
    got = sorted((tuple(q), tuple(r)) for q, r in hall_skill_sets(data))
    assert got == [((0, 1), (0, 1)), ((1,), (1,)), ((1, 2), (1, 2)), ((2,), (2,))]


def test_hall_skill_sets_rank_by_energy_per_resource() -> None:
    """With room for one set, the one whose masters carry the most work each is kept: skill 1
    (10 units on its one master) before skill 0 (2 units on two masters)."""
    data = from_mspsp(
        MspspInstance(
            name="rank",
            duration=np.array([0, 2, 10, 0]),
            sreq=np.array([[0, 0], [1, 0], [0, 1], [0, 0]]),
            mastery=np.array([[1, 0], [0, 1], [1, 0]], np.bool_),
            pred=np.array([0, 0, 1, 2]),
            succ=np.array([1, 2, 3, 3]),
            makespan_lower_bound=10,
        )
    )
    assert hall_skill_sets(data, max_sets=1) == [([1], [1])]
    assert hall_skill_sets(data) == [([1], [1]), ([0], [0, 2])]


# --------------------------------------------------------------------------- overlap literals
def bare_model(inst: MspspInstance) -> tuple[SchedulingData, cp_model.CpModel, Variables]:
    """Activities, counted teams and skill coverage only: no resource is kept from working on
    two activities at once, so whatever forbids it below is the overlap literals' doing."""
    data = from_mspsp(inst)
    model = cp_model.CpModel()
    v = add_activities(model, data)
    add_team_intervals(model, data, v)
    add_skill_coverage(model, data, v)
    return data, model, v


def test_overlap_pairs_are_unordered_activities_sharing_a_class() -> None:
    data, _, v = bare_model(two_activities(masters=3))
    assert overlap_pairs(data, v) == [(1, 2)]  # the dummies last 0 and need nobody
    assert overlap_pairs(data, v, max_pairs=0) == []  # over the cap: none at all
    chained = replace(two_activities(3), pred=np.array([0, 1, 2]), succ=np.array([1, 2, 3]))
    data, _, v = bare_model(chained)
    assert overlap_pairs(data, v) == []  # 1 -> 2: never overlap
    # Activity 2 needs the skill-1 resource only: no class in common with activity 1.
    apart = replace(two_activities(3), sreq=np.array([[0, 0], [2, 0], [0, 1], [0, 0]]))
    data, _, v = bare_model(apart)
    assert overlap_pairs(data, v) == []


@pytest.mark.parametrize(
    ("masters", "starts", "literals", "literals_on"),
    [
        (3, (0, 0), False, "feasible"),  # the bare model lets 2 + 2 of 3 masters overlap
        (3, (0, 0), True, "infeasible"),  # binds: ov => x_1c + x_2c <= 3
        (4, (0, 0), True, "ov"),  # does not bind: 2 + 2 of 4 masters may overlap
        (3, (0, 5), True, "before"),
        (3, (5, 0), True, "after"),
    ],
)
def test_overlap_literals_follow_the_schedule_and_cap_shared_classes(
    masters: int, starts: tuple[int, int], literals: bool, literals_on: str
) -> None:
    data, model, v = bare_model(two_activities(masters))
    if literals:
        add_overlap_literals(model, data, v)
    for i, s in zip((1, 2), starts, strict=True):
        model.add(v.inhouse[i] == 1)
        model.add(v.start[i] == s)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    status = solver.solve(model)
    if literals_on == "infeasible":
        assert status == cp_model.INFEASIBLE
        return
    assert status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    if literals:
        on = [
            name
            for name, b in zip(("ov", "before", "after"), v.overlap[1, 2], strict=True)
            if solver.boolean_value(b)
        ]
        assert on == [literals_on]
