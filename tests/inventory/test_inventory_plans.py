"""Inventory results as files: strict JSON with a format tag, saved atomically and loaded back;
a loaded plan is checked by the independent checker exactly like the one in memory."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import fieldopt
import fieldopt.inventory as inv
from fieldopt.check import check
from fieldopt.errors import EXIT_BAD_INPUT, InputError
from fieldopt.scenario import Scenario, read_scenario

SAMPLE = Path(__file__).parents[2] / "data" / "sample"


def _no_constant(name: str) -> Any:
    raise AssertionError(f"not strict JSON: {name}")


def strict_load(path: Path) -> Any:
    """The file's JSON; fails on NaN, Infinity or -Infinity."""
    return json.loads(path.read_text(), parse_constant=_no_constant)


@pytest.fixture(scope="module")
def sample() -> Scenario:
    return read_scenario(SAMPLE)


@pytest.fixture(scope="module")
def mean_rates(sample: Scenario) -> pd.DataFrame:
    """Demand per year as the plain history mean (keeps forecasting out of these tests)."""
    h = sample.demand_history
    rates = h.groupby(["location_id", "part_id"])["quantity"].mean().mul(12).reset_index()
    return rates.rename(columns={"quantity": "rate_per_year"})


@pytest.fixture(scope="module")
def plan(sample: Scenario, mean_rates: pd.DataFrame) -> inv.StockingPlan:
    return inv.optimise(sample, budget=25_000, rates=mean_rates, side=True)


def test_strict_load_rejects_nan() -> None:
    with pytest.raises(AssertionError, match="NaN"):
        json.loads('{"a": NaN}', parse_constant=_no_constant)


def test_stocking_plan_round_trip_is_strict_and_checks_clean(
    tmp_path: Path, sample: Scenario, plan: inv.StockingPlan
) -> None:
    assert plan.levels["fill_rate"].isna().any()  # sites without demand: NaN in memory
    path = plan.save(tmp_path / "plan.json")
    got = strict_load(path)
    assert got["format"] == "fieldopt.stocking-plan/1"
    assert got["status"] == "optimal" and got["optimiser"] == "choice"
    assert got["unassigned"] == []
    assert any(row["fill_rate"] is None for row in got["levels"])
    loaded = inv.StockingPlan.load(path)
    pd.testing.assert_frame_equal(loaded.levels, plan.levels, check_dtype=False)
    assert dict(loaded.kpis) == dict(plan.kpis)
    assert (loaded.method, loaded.budget, loaded.optimiser) == ("metric", 25_000, "choice")
    assert loaded.report.status == plan.report.status
    assert loaded.to_json() == plan.to_json()
    assert check(plan, sample) == []
    assert check(loaded, sample) == []


def test_a_hand_edited_plan_file_is_checked_like_one_in_memory(
    tmp_path: Path, sample: Scenario, plan: inv.StockingPlan
) -> None:
    doc = plan.to_json()
    row = next(r for r in doc["levels"] if r["demand_per_year"] > 0 and r["stock"] > 0)
    row["stock"] += 1  # a dispatcher adds a unit without updating the KPIs
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(doc))
    loaded = inv.StockingPlan.load(path)
    edited = plan.levels.copy()
    at = (edited["part_id"] == row["part_id"]) & (edited["location_id"] == row["location_id"])
    edited.loc[at, "stock"] += 1
    in_memory = inv.StockingPlan(
        scenario=plan.scenario,
        report=plan.report,
        kpis=plan.kpis,
        levels=edited,
        method=plan.method,
        budget=plan.budget,
        optimiser=plan.optimiser,
    )
    found = check(loaded, sample)
    assert {v.rule for v in found} >= {"kpi", "ebo"}
    assert found == check(in_memory, sample)


def test_rebalance_plan_round_trip_checks_clean(tmp_path: Path, sample: Scenario) -> None:
    moves = inv.rebalance(sample, options=fieldopt.SolveOptions(10, seed=0))
    assert moves.report.seed == 0 and moves.report.time_limit_s == 10
    path = moves.save(tmp_path / "moves.json")
    got = strict_load(path)
    assert got["format"] == "fieldopt.rebalance-plan/1"
    loaded = inv.RebalancePlan.load(path)
    pd.testing.assert_frame_equal(loaded.transfers, moves.transfers, check_dtype=False)
    assert dict(loaded.baseline) == dict(moves.baseline)
    assert loaded.kpis["total_cost"] <= loaded.baseline["total_cost"]
    assert check(moves, sample) == []
    assert check(loaded, sample) == []


def test_load_refuses_another_format(tmp_path: Path, sample: Scenario) -> None:
    moves = inv.rebalance(sample, options=fieldopt.SolveOptions(10, seed=0))
    path = moves.save(tmp_path / "moves.json")
    with pytest.raises(InputError, match="stocking-plan") as err:
        inv.StockingPlan.load(path)
    assert err.value.exit_code == EXIT_BAD_INPUT
    with pytest.raises(InputError, match="format"):
        inv.FrontierResult.load(path)
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "fieldopt.rebalance-plan/1", "scenario": "s"}')
    with pytest.raises(InputError, match="missing field 'report'"):
        inv.RebalancePlan.load(bad)


def test_load_names_a_bad_level_field(tmp_path: Path, plan: inv.StockingPlan) -> None:
    doc = plan.to_json()
    doc["levels"][3]["stock"] = 1.5
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError, match=r"levels\[3\]\.stock: expected an integer"):
        inv.StockingPlan.load(path)


def test_frontier_and_whatif_round_trip(
    tmp_path: Path, sample: Scenario, mean_rates: pd.DataFrame
) -> None:
    front = inv.frontier(sample, rates=mean_rates, samples=6)
    assert front.points["fill_rate"].isna().any()
    got = strict_load(front.save(tmp_path / "front.json"))
    assert got["format"] == "fieldopt.stocking-frontier/1"
    assert sum(p["fill_rate"] is not None for p in got["points"]) == 6
    loaded = inv.FrontierResult.load(tmp_path / "front.json")
    pd.testing.assert_frame_equal(loaded.points, front.points, check_dtype=False)
    assert loaded.recommended == front.recommended and loaded.current == front.current
    w = inv.whatif(sample, ["lead_time=x2"], rates=mean_rates, samples=4)
    got = strict_load(w.save(tmp_path / "whatif.json"))
    assert got["format"] == "fieldopt.whatif/1"
    assert [v["variant"] for v in got["variants"]] == ["base", "lead_time=x2"]
    back = inv.WhatifResult.load(tmp_path / "whatif.json")
    pd.testing.assert_frame_equal(back.comparison, w.comparison, check_dtype=False)
    assert list(back.frontiers) == ["base", "lead_time=x2"]


def test_progress_counts_parts_and_the_report_carries_the_options(
    sample: Scenario, mean_rates: pd.DataFrame
) -> None:
    seen: list[fieldopt.Progress] = []
    options = fieldopt.SolveOptions(20, seed=3, workers=1, progress=seen.append)
    plan = inv.optimise(sample, budget=15_000, rates=mean_rates, side=False, options=options)
    n_parts = len(sample.parts)
    assert seen and all(p.total == n_parts for p in seen)
    assert seen[-1].done == n_parts
    assert [p.done for p in seen] == sorted(p.done or 0 for p in seen)
    assert plan.report.seed == 3 and plan.report.time_limit_s == 20
    assert [v for v in check(plan, sample) if v.rule not in ("min_level", "max_level")] == []


def test_time_limit_covers_marginal_analysis() -> None:
    """A limit already used up after the first block of parts: no plan, status timeout (the API
    raises NoPlanError, exit 3, on it) rather than a plan made of a part of the parts."""
    from benchmarks.inventory.synthetic import stocking_instance
    from solvers.inventory.solve import StockingParams, solve_frontier, solve_stocking

    data = stocking_instance(1200, 4, 0)
    options = fieldopt.SolveOptions(1e-9)
    res = solve_stocking(data, StockingParams(budget=1000.0), options)
    assert res.report.status == "timeout-without-solution"
    assert "after 500 of 1200 parts" in res.report.raw_status
    assert not np.any(res.stock) and math.isnan(res.total_ebo)
    assert solve_frontier(data, "metric", options).frontier is None
