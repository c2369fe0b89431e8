"""The compatible-set makespan bound: equal to the LP over every compatible set enumerated by
brute force, never above a proven optimum, binding when teams clash, and proofs of optimality
it enables checked by the independent MSPSP checker."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pulp
import pytest

from benchmarks.loaders.mspsp import MspspInstance, read_mspsp
from benchmarks.scheduling.mspsp_data import from_mspsp, mspsp_violations
from solvers.inventory.lp import new_var
from solvers.scheduling.data import SchedulingData, SchedulingParams
from solvers.scheduling.lower_bound import compatible_set_bound, energy_bound
from solvers.scheduling.solve import solve_scheduling

ROOT = Path(__file__).resolve().parents[2] / "data/benchmarks/mspsp/instances"
SET2A = ROOT / "set-2/set-2a"
# Small set-2a instances whose published best (600 s of Chuffed) is not proven optimal.
CLASHING = SET2A / "inst_set2a_sf0_nc1.8_n18_l3_m11_00.dzn"
SMALL = [CLASHING, SET2A / "inst_set2a_sf0_nc1.8_n18_l8_m10_08.dzn"]


def brute_force_staffable(data: SchedulingData, acts: tuple[int, ...]) -> bool:
    """Seats (one per required skill unit) given to distinct resources, by trying them all."""
    seats = [s for i in acts for s in range(data.num_skills) for _ in range(data.sreq[i, s])]
    if len(seats) > data.num_resources:
        return False

    def place(k: int, used: frozenset[int]) -> bool:
        if k == len(seats):
            return True
        return any(
            place(k + 1, used | {r})
            for r in range(data.num_resources)
            if r not in used and data.mastery[r, seats[k]]
        )

    return place(0, frozenset())


def brute_force_lp(data: SchedulingData) -> float:
    """``min sum x_A`` over every compatible set ``A`` enumerated (no precedence path between
    two members, teams staffable together), ``sum_{A ∋ i} x_A >= p_i``."""
    acts = [i for i in range(data.num_activities) if data.sreq[i].sum() > 0]
    after = {i: set() for i in range(data.num_activities)}
    for a, b in zip(data.pred.tolist(), data.succ.tolist(), strict=True):
        after[a].add(b)
    changed = True
    while changed:
        changed = False
        for i in after:
            more = set().union(*(after[j] for j in after[i])) - after[i]
            if more:
                after[i] |= more
                changed = True

    def unrelated(a: int, b: int) -> bool:
        return b not in after[a] and a not in after[b]

    # Subsets of a compatible set are compatible: grow each level from the one below.
    level = [(i,) for i in acts]
    sets: list[tuple[int, ...]] = []
    while level:
        sets += level
        level = [
            (*s, j)
            for s in level
            for j in acts
            if j > s[-1]
            and all(unrelated(i, j) for i in s)
            and brute_force_staffable(data, (*s, j))
        ]
    prob = pulp.LpProblem("bound", pulp.LpMinimize)
    x = [new_var(prob, f"x{k}", low=0) for k in range(len(sets))]
    prob += pulp.lpSum(x)
    for i in acts:
        prob += pulp.lpSum(x[k] for k, s in enumerate(sets) if i in s) >= int(data.duration[i, 0])
    prob.solve(pulp.HiGHS(msg=False))
    return float(pulp.value(prob.objective))


def tiny(masters: int, need: int, chain: bool = False) -> MspspInstance:
    """Three activities of 4, 5 and 6 each needing ``need`` of the ``masters`` resources that
    master skill 0 (``chain``: one after the other by precedence)."""
    pred, succ = ([0, 1, 2, 3], [1, 2, 3, 4]) if chain else ([0, 0, 0, 1, 2, 3], [1, 2, 3, 4, 4, 4])
    return MspspInstance(
        name="tiny",
        duration=np.array([0, 4, 5, 6, 0]),
        sreq=np.array([[0], [need], [need], [need], [0]]),
        mastery=np.ones((masters, 1), np.bool_),
        pred=np.array(pred),
        succ=np.array(succ),
        makespan_lower_bound=6,
    )


@pytest.mark.parametrize("path", SMALL, ids=lambda p: p.stem)
def test_bound_is_the_enumerated_lp(path: Path) -> None:
    data = from_mspsp(read_mspsp(path))
    got = compatible_set_bound(data, time_limit_s=30)
    assert got is not None and got.lp_optimal
    assert got.bound == math.ceil(brute_force_lp(data) - 1e-6)


@pytest.mark.parametrize(
    ("masters", "need", "chain", "expected"),
    [
        (3, 2, False, 15),  # no two teams of 2 fit in 3 resources: one after the other
        (6, 2, False, 6),  # all three fit at once: the longest
        (4, 2, False, 8),  # two at a time: 15 units of work, pairs cover them in 7.5 -> 8
        (6, 2, True, 15),  # a precedence chain never overlaps
    ],
)
def test_bound_binds_only_when_teams_clash(
    masters: int, need: int, chain: bool, expected: int
) -> None:
    inst = tiny(masters, need, chain)
    data = from_mspsp(inst)
    got = compatible_set_bound(data, time_limit_s=10)
    assert got is not None and got.bound == expected
    # Never above the optimum, proven here without the bound (no redundant constraints).
    params = SchedulingParams(
        objective="makespan", time_limit_s=20, workers=1, seed=0, redundant=False
    )
    res = solve_scheduling(data, params)
    assert str(res.report.status) == "optimal"
    assert mspsp_violations(inst, res.start.tolist(), [list(t) for t in res.team]) == []
    assert got.bound <= res.report.objective


def test_release_dates_shift_the_bound_and_optional_work_is_not_counted() -> None:
    data = from_mspsp(tiny(3, 2))
    released = replace(data, release=np.array([0, 7, 9, 8, 0]))
    got = compatible_set_bound(released, time_limit_s=10)
    assert got is not None and got.bound == 7 + 15
    optional = replace(data, drop_penalty=np.array([-1, -1, 100, -1, -1]))
    got = compatible_set_bound(optional, time_limit_s=10)
    assert got is not None and got.bound == 4 + 6  # activity 2 might not run at all
    nothing = replace(data, outsource_cost=np.array([-1, 50, 50, 50, -1]))
    assert compatible_set_bound(nothing, time_limit_s=10) is None


def test_stopped_early_the_bound_stays_valid() -> None:
    """With pricing cut after one node the LP is not solved; the bound falls back to the
    longest activity (Farley's bound needs a complete pricing) and is still below the LP."""
    data = from_mspsp(read_mspsp(CLASHING))
    cut = compatible_set_bound(data, time_limit_s=10, max_nodes=1)
    full = compatible_set_bound(data, time_limit_s=30)
    assert cut is not None and full is not None
    assert not cut.lp_optimal
    assert cut.bound == int(data.duration.max())
    assert cut.bound < full.bound


def test_the_bound_proves_a_published_best_optimal() -> None:
    """The published best 125 was not proven by Chuffed in 600 s; with the bound the makespan
    solve proves optimality, and the schedule passes the independent checker."""
    inst = read_mspsp(CLASHING)
    data = from_mspsp(inst)
    params = SchedulingParams(objective="makespan", time_limit_s=30, workers=1, seed=0)
    res = solve_scheduling(data, params)
    assert mspsp_violations(inst, res.start.tolist(), [list(t) for t in res.team]) == []
    bound = compatible_set_bound(data, time_limit_s=10)
    assert bound is not None
    assert str(res.report.status) == "optimal"
    assert res.report.objective == res.report.bound == bound.bound
    without = solve_scheduling(data, replace(params, redundant=False, time_limit_s=5))
    assert without.report.bound is not None and without.report.bound < bound.bound


def test_energy_bound_counts_skill_units_against_their_masters() -> None:
    data = from_mspsp(tiny(3, 2))
    # 15 time units of 2-person teams on 3 resources: ceil(30 / 3) = 10 (the LP says 15)
    assert energy_bound(data) == 10
    released = replace(data, release=np.array([0, 7, 9, 8, 0]))
    assert energy_bound(released) == 7 + 10
    calendars = replace(
        data, off_resource=np.array([0]), off_start=np.array([2]), off_end=np.array([5])
    )
    assert energy_bound(calendars) is None  # the capacity over time is no longer constant
    optional = replace(data, drop_penalty=np.array([-1, 100, 100, 100, -1]))
    assert energy_bound(optional) is None


def test_energy_bound_lifts_the_reported_bound_where_pricing_cannot_finish() -> None:
    """iMOPSE: one skilled resource per task; the bound is at least the work per resource
    (computed here by hand), and the reported bound carries it."""
    from benchmarks.loaders.imopse import read_imopse
    from benchmarks.scheduling.imopse_data import from_imopse, imopse_violations

    path = ROOT.parents[1] / "imopse/GenRegular/200_20_512_10_A.def"
    inst = read_imopse(path)
    data = from_imopse(inst)
    work = math.ceil(int(inst.duration.sum()) / inst.num_resources)
    got = energy_bound(data)
    assert got is not None and got >= work
    params = SchedulingParams(objective="makespan", time_limit_s=10, workers=1, seed=0)
    res = solve_scheduling(data, params)
    assert res.report.bound is not None and res.report.bound >= got
    assert res.report.objective is not None and res.report.objective >= res.report.bound
    resource = [t[0][0] for t in res.team]
    assert imopse_violations(inst, res.start.tolist(), resource) == []
