"""The models' run kinds in a real batch: each stored result reads back into the model's own
result type and passes the independent checker."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fieldopt import batch, check, read_scenario
from fieldopt.batch.store import BatchStore
from fieldopt.dispatch import DispatchPlan
from fieldopt.errors import InputError
from fieldopt.io.database import connect
from fieldopt.schedule.result import RepairSchedule

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def stored_results(db: str, batch_id: str) -> dict[str, tuple[dict[str, Any], Any]]:
    runs = BatchStore(connect(db)).batch_runs(batch_id)
    return {r["label"]: (json.loads(r["params_json"]), json.loads(r["result_json"])) for r in runs}


def test_model_kinds_run_in_a_batch_and_their_results_check_clean(
    tiny_dir: Path, tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    spec = {
        "name": "models",
        "defaults": {"time_limit": 2, "seed": 0, "workers": 1},
        "scenarios": [{"path": str(tiny_dir), "name": "tiny"}],
        "runs": [
            {"kind": "dispatch", "dates": ["2026-11-24", "2026-11-25"]},
            {"kind": "schedule", "start": "2026-11-24", "days": 2},
        ],
    }
    handle = batch.run(spec, db=db, jobs=1)
    frame = handle.results()
    assert list(frame["status"]) == ["done"] * 3, frame["error"].tolist()
    assert sorted(frame["param.date"].dropna()) == ["2026-11-24", "2026-11-25"]
    assert (frame["kpi.solver_s"] > 0).all()

    scenario = read_scenario(tiny_dir)
    results = stored_results(db, handle.batch_id)
    days = set()
    for params, result in results.values():
        if "date" in params:
            plan = DispatchPlan.from_json(result)
            days.add(plan.day.isoformat())
            assert check(plan, scenario) == []
        else:
            sched = RepairSchedule.from_json(result)
            assert sched.assignments
            assert check(sched, scenario) == []
    assert days == {"2026-11-24", "2026-11-25"}
    served = frame.set_index("param.date")["kpi.jobs_served"].dropna()
    assert served["2026-11-24"] > 0


def test_inventory_kinds_compare_variants(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    spec = {
        "name": "inventory",
        "defaults": {"time_limit": 20, "seed": 0},
        "scenarios": [{"path": str(SAMPLE), "name": "sample"}],
        "runs": [
            {"kind": "inventory.optimise", "grid": {"budget": [20_000, 40_000]}},
            {"kind": "inventory.whatif", "samples": 5, "grid": {"demand": ["+50%"]}},
        ],
    }
    frame = batch.run(spec, db=db, jobs=1).results()
    assert list(frame["status"]) == ["done"] * 3, frame["error"].tolist()
    opt = frame[frame["kind"] == "inventory.optimise"].set_index("param.budget")
    assert (opt["kpi.investment"] <= opt.index + 1e-6).all()
    # more money buys fewer expected backorders
    assert opt.loc[40_000, "kpi.total_ebo"] < opt.loc[20_000, "kpi.total_ebo"]
    whatif = frame[frame["kind"] == "inventory.whatif"].iloc[0]
    # 50 % more demand costs more holding to keep the base's waiting time
    assert (
        whatif["kpi.demand=+50%.holding_cost_for_base_waiting"]
        > whatif["kpi.base.holding_cost_for_base_waiting"]
    )


def test_inventory_optimise_over_stockout_policies(tmp_path: Path) -> None:
    spec = {
        "name": "policies",
        "defaults": {"time_limit": 20, "seed": 0},
        "scenarios": [{"path": str(SAMPLE), "name": "sample"}],
        "runs": [
            {
                "kind": "inventory.optimise",
                "budget": 20_000,
                "grid": {"stockout_policy": ["backorder", "emergency"]},
            }
        ],
    }
    frame = batch.run(spec, db=f"sqlite:///{tmp_path / 'runs.db'}", jobs=1).results()
    assert list(frame["status"]) == ["done"] * 2, frame["error"].tolist()
    cost = frame.set_index("param.stockout_policy")["kpi.emergency_cost_per_year"]
    assert cost["backorder"] == 0.0 and cost["emergency"] > 0.0


@pytest.mark.parametrize(
    ("run", "message"),
    [
        ({"kind": "dispatch", "dates": "2026-11-24"}, "'dates' must be a non-empty list"),
        ({"kind": "dispatch", "dates": ["24/11/2026"]}, "must be a date YYYY-MM-DD"),
    ],
)
def test_bad_model_run_params_are_named(tiny_dir: Path, run: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError) as err:
        batch.parse_spec({"scenarios": [str(tiny_dir)], "runs": [run]})
    assert message in str(err.value)


def test_optimise_needs_exactly_one_goal(tiny_dir: Path) -> None:
    spec = {"scenarios": [str(SAMPLE)], "runs": [{"kind": "inventory.optimise"}]}
    with pytest.raises(InputError) as err:
        batch.parse_spec(spec)  # refused when the spec is read, before any run starts
    [problem] = err.value.problems
    assert (problem.row, problem.field) == ("runs[0] (inventory.optimise)", "budget")
    assert "exactly one of 'budget', 'target_fill_rate' and" in problem.message
