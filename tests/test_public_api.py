"""The package's top level is the Python API users import: every model is reachable from
``import fieldopt`` and every result goes through the independent checker registered there."""

from __future__ import annotations

from pathlib import Path

import fieldopt
from fieldopt.options import SolveOptions

ROOT = Path(__file__).resolve().parents[1]


def test_dispatch_and_replan_from_the_top_level(tiny_dir: Path) -> None:
    scenario = fieldopt.read_scenario(tiny_dir)
    plan = fieldopt.plan_routes(
        scenario, "2026-11-24", options=SolveOptions(time_limit_s=1, seed=0, workers=1)
    )
    assert isinstance(plan, fieldopt.DispatchPlan)
    assert plan.stops
    assert fieldopt.check(plan, scenario) == []


def test_schedule_from_the_top_level(tiny_dir: Path) -> None:
    scenario = fieldopt.read_scenario(tiny_dir)
    sched = fieldopt.schedule_repairs(scenario, days=2, options=fieldopt.SolveOptions(5, workers=1))
    assert isinstance(sched, fieldopt.RepairSchedule)
    assert sched.assignments
    assert fieldopt.check(sched, scenario) == []


def test_inventory_from_the_top_level() -> None:
    scenario = fieldopt.read_scenario(ROOT / "data" / "sample")
    options = fieldopt.SolveOptions(30, seed=0)
    plan = fieldopt.inventory.optimise(scenario, budget=20_000, options=options)
    assert isinstance(plan, fieldopt.inventory.StockingPlan)
    assert 0 < plan.summary()["investment"] <= 20_000
    assert fieldopt.check(plan, scenario) == []
