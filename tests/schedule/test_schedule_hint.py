"""The greedy schedule is handed to CP-SAT as a complete, feasible hint for every objective."""

from __future__ import annotations

import datetime as dt

import pytest
from ortools.sat.python import cp_model

from fieldopt.generate import generate_scenario
from fieldopt.scenario import scenario_from_frames
from fieldopt.translate.scheduling import translate_schedule
from solvers.scheduling.data import SchedulingParams
from solvers.scheduling.greedy import greedy_schedule
from solvers.scheduling.model import build_model
from solvers.scheduling.solve import _add_hints

MONDAY = dt.date(2026, 11, 23)


@pytest.mark.parametrize("objective", ["weighted_tardiness", "weighted_completion", "makespan"])
@pytest.mark.parametrize("long_splits", [False, True])
def test_greedy_hint_is_complete_and_feasible(objective: str, long_splits: bool) -> None:
    scenario = generate_scenario(technicians=8, jobs=60, parts=20, seed=3, start=MONDAY, days=7)
    if long_splits:  # splittable jobs longer than any shift: the greedy does them in pieces
        frames = scenario.to_frames()
        frames["jobs"].loc[frames["jobs"]["splittable"], "duration_min"] = 700
        scenario = scenario_from_frames(frames, "long-splits")
    data = translate_schedule(scenario, MONDAY, 7).data
    if long_splits:
        assert int((data.pieces > 1).sum()) >= 2
        assert sum(len(p) > 1 for p in greedy_schedule(data).pieces) >= 2
    params = SchedulingParams(objective=objective, time_limit_s=10, seed=0, workers=1)  # type: ignore[arg-type]
    model, v = build_model(data, params.objective)
    _add_hints(data, params, v, model)
    proto = model.proto
    hinted = dict(zip(proto.solution_hint.vars, proto.solution_hint.values, strict=True))
    free = [
        i
        for i, var in enumerate(proto.variables)
        if not (len(var.domain) == 2 and var.domain[0] == var.domain[1])
    ]
    assert [i for i in free if i not in hinted] == []
    # feasible: the model with every variable fixed to its hint still has a solution
    for i, value in hinted.items():
        model.add(model.get_int_var_from_proto_index(i) == value)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 10
    solver.parameters.num_workers = 1
    assert solver.solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
