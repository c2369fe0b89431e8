"""Three echelons from scenario tables: the stocking tree from ``locations.parent_id``, its errors,
and the public API on it, every plan checked by the independent checker."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import fieldopt.inventory as inv
from fieldopt.check import check
from fieldopt.errors import InputError
from fieldopt.scenario import Scenario, read_scenario
from fieldopt.translate.inventory import network
from fieldopt.translate.inventory.plans import kpis as kpis_of
from fieldopt.translate.inventory.plans import levels_frame

LOCATIONS = """id,kind,lat,lon,name,parent_id,capacity_volume_l
C,central,48.8566,2.3522,Central warehouse,,
D1,depot,48.9,2.25,North depot,C,
D2,depot,48.7,2.45,South depot,C,
V1,van,48.85,2.3,Van of Ana,D1,400
V2,van,48.85,2.3,Van of Ben,D1,400
V3,van,48.8,2.4,Van of Cy,D2,400
V4,van,48.8,2.4,Van of Dee,C,400
H1,home,48.84,2.29,Home of Ana,,
H2,home,48.88,2.4,Home of Ben,,
S1,site,48.87,2.33,Bakery,,
S2,site,48.83,2.37,Hospital,,
S3,site,48.8,2.28,School,,
"""

LANES = """from_id,to_id,transit_days,cost_per_unit,fixed_cost,capacity_units
C,D1,2,0.5,10,
C,D2,1,0.5,10,
D1,V1,0.5,0.2,5,
D1,V2,0.25,0.2,5,
D2,V3,1,0.2,5,
C,V4,1,0.2,5,
D1,D2,1,0.3,5,
"""

RATES = pd.DataFrame(
    {
        "location_id": ["D1", "V1", "V2", "V1", "V4", "D2"],
        "part_id": ["P1", "P1", "P1", "P2", "P2", "P2"],
        "rate_per_year": [2.0, 6.0, 3.0, 36.0, 12.0, 0.0],
    }
)


@pytest.fixture
def tree_dir(tiny_dir: Path) -> Path:
    """The tiny scenario with two depots, vans under them and one van straight under C."""
    (tiny_dir / "locations.csv").write_text(LOCATIONS)
    (tiny_dir / "lanes.csv").write_text(LANES)
    return tiny_dir


@pytest.fixture
def tree(tree_dir: Path) -> Scenario:
    return read_scenario(tree_dir)


def test_tree_from_parent_ids_with_lane_transit(tree: Scenario) -> None:
    data = network(tree, RATES).data
    # D2 and V3 have no demand below them: not stocking points; D1 has, V4 hangs under C
    assert data.site_ids == ("C", "D1", "V4", "V1", "V2")
    assert data.parent.tolist() == [-1, 0, 0, 1, 1]
    assert data.echelons == 3
    # transit from each site's model parent, lanes in days / 365 (C -> V4 1 day, no lane: 1 day)
    assert (data.resupply_time[0] * 365).tolist() == pytest.approx([1.0, 2.0, 1.0, 0.5, 0.25])
    # the depot takes its own demand plus its vans' unrepaired demand (P1: r = 0.3)
    assert data.intake[0, 1] == pytest.approx(2.0 + 0.7 * 9.0)
    assert data.root_demand[0] == pytest.approx(0.7 * 11.0)


def test_depot_without_own_demand_is_a_stocking_point(tree: Scenario) -> None:
    rates = RATES[RATES["location_id"] != "D1"]
    data = network(tree, rates).data
    assert "D1" in data.site_ids
    assert data.demand_rate[:, data.site_ids.index("D1")].tolist() == [0.0, 0.0]


def test_demand_off_the_tree_is_an_input_error(tree: Scenario) -> None:
    with pytest.raises(InputError, match=r"H1.*not connected to the central warehouse"):
        network(tree, pd.concat([RATES, RATES.head(1).assign(location_id="H1")]))
    with pytest.raises(InputError, match="unknown location X9"):
        network(tree, pd.concat([RATES, RATES.head(1).assign(location_id="X9")]))


def test_more_than_three_echelons_is_an_input_error(tree_dir: Path) -> None:
    deep = LOCATIONS.replace("V3,van,48.8,2.4,Van of Cy,D2,400", "V3,van,48.8,2.4,Van of Cy,V2,400")
    (tree_dir / "locations.csv").write_text(deep)
    rates = pd.concat([RATES, RATES.head(1).assign(location_id="V3")])
    with pytest.raises(InputError, match=r"V3.*at most three echelons"):
        network(read_scenario(tree_dir), rates)


def test_non_stocking_ancestor_is_skipped(tree_dir: Path) -> None:
    """A van under a customer site under a depot hangs under the depot (its nearest stocking
    ancestor) and takes the transit of the D1 -> V lane only if one exists (else 1 day)."""
    odd = LOCATIONS.replace("S1,site,48.87,2.33,Bakery,,", "S1,site,48.87,2.33,Bakery,D1,") + (
        "V9,van,48.8,2.4,Van of Eve,S1,400\n"
    )
    (tree_dir / "locations.csv").write_text(odd)
    rates = pd.concat([RATES, RATES.head(1).assign(location_id="V9")])
    data = network(read_scenario(tree_dir), rates).data
    j = data.site_ids.index("V9")
    assert data.site_ids[data.parent[j]] == "D1"
    assert data.resupply_time[0, j] * 365 == pytest.approx(1.0)


@pytest.mark.parametrize("method", ["metric", "vari-metric"])
def test_optimise_on_three_echelons_passes_the_checker(tree: Scenario, method: str) -> None:
    plan = inv.optimise(tree, budget=3000.0, rates=RATES, method=method, side=False)
    assert plan.optimiser == "marginal"
    assert plan.kpis["investment"] <= 3000.0 + 1e-9
    found = [v for v in check(plan, tree) if v.rule not in ("min_level", "max_level")]
    assert found == []
    stocked = set(plan.levels.loc[plan.levels["stock"] > 0, "location_id"])
    assert stocked & {"D1", "V1", "V2"}


def test_optimise_with_side_constraints_on_three_echelons(tree: Scenario) -> None:
    plan = inv.optimise(tree, budget=3000.0, rates=RATES, must_stock_critical=True)
    assert plan.optimiser == "milp"
    assert check(plan, tree) == []
    lv = plan.levels.set_index(["part_id", "location_id"])["stock"]
    # stock.csv: D1 holds at most 2 of P1; P1 is class A: every P1 demand site stocks one
    assert lv[("P1", "D1")] <= 2
    assert lv[("P1", "V1")] >= 1 and lv[("P1", "V2")] >= 1
    assert plan.kpis["investment"] <= 3000.0 + 1e-9


def test_checker_catches_wrong_ebo_on_three_echelons(tree: Scenario) -> None:
    plan = inv.optimise(tree, budget=3000.0, rates=RATES, side=False)
    levels = plan.levels.copy()
    at = levels.index[(levels["location_id"] == "D1") & (levels["part_id"] == "P1")][0]
    levels.loc[at, "ebo"] = levels.loc[at, "ebo"] + 0.01
    rules = {v.rule for v in check(replace(plan, levels=levels), tree)}
    assert "ebo" in rules


def test_depot_stock_changes_the_vans_metrics_the_checker_recomputes(tree: Scenario) -> None:
    """Move one unit from the depot to the root: the checker still agrees with the KPIs."""
    plan = inv.optimise(tree, budget=3000.0, rates=RATES, side=False)
    net = network(tree, RATES)
    stock = np.zeros(net.data.demand_rate.shape, dtype=np.int64)
    for row in plan.levels.itertuples():
        stock[net.data.part_ids.index(row.part_id), net.data.site_ids.index(row.location_id)] = (
            row.stock
        )
    d1 = net.data.site_ids.index("D1")
    if stock[0, d1] == 0:
        stock[0, d1] = 1
    stock[0, d1] -= 1
    stock[0, 0] += 1
    moved = levels_frame(net, stock, "metric")
    kpis = kpis_of(net, stock, "metric")
    other = replace(plan, levels=moved, kpis=kpis)
    assert [v for v in check(other, tree) if v.rule not in ("min_level", "max_level")] == []
    assert kpis["total_ebo"] != pytest.approx(plan.kpis["total_ebo"])


def test_frontier_and_whatif_on_three_echelons(tree: Scenario) -> None:
    res = inv.frontier(tree, rates=RATES, samples=5)
    ebo = res.points["total_ebo"].to_numpy()
    assert np.all(np.diff(ebo) <= 1e-12)
    assert np.all(np.diff(res.points["holding_cost_per_year"].to_numpy()) >= 0)
    w = inv.whatif(tree, ["demand=+50%"], rates=RATES, samples=5)
    row = w.comparison.set_index("variant").loc["demand=+50%"]
    base = w.comparison.set_index("variant").loc["base"]
    assert row["holding_cost_for_base_waiting"] >= base["holding_cost_for_base_waiting"]


def test_rebalance_is_unaffected_by_echelons(tree: Scenario) -> None:
    plan = inv.rebalance(tree)
    assert check(plan, tree) == []
    assert plan.kpis["total_cost"] <= plan.baseline["total_cost"] + 1e-9


def test_exact_method_on_three_echelons_is_an_input_error(tree: Scenario) -> None:
    with pytest.raises(InputError, match="method 'exact' handles two echelons only"):
        inv.optimise(tree, budget=100.0, rates=RATES, method="exact", side=False)
