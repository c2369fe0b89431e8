"""The stock-out policy as users set it (scenario settings, API option, what-if variant, CLI):
which sites ship by emergency, its errors, and plans the independent checker recomputes."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from test_inventory_cli import REPO, fieldopt
from test_inventory_three_echelons import LANES, LOCATIONS, RATES

import fieldopt.inventory as inv
from fieldopt.check import check
from fieldopt.errors import EXIT_BAD_INPUT, EXIT_OK, InputError
from fieldopt.scenario import Scenario, read_scenario
from fieldopt.translate.inventory import network

EMERGENCY = {
    "inventory.stockout_policy": "emergency",
    "inventory.emergency_days": "1",
    "inventory.emergency_cost": "80",
}


def with_settings(folder: Path, extra: dict[str, str]) -> Scenario:
    """The three-echelon tree (central, depots, vans) with ``extra`` settings (replacing any
    earlier value of the same key)."""
    (folder / "locations.csv").write_text(LOCATIONS)
    (folder / "lanes.csv").write_text(LANES)
    settings = pd.read_csv(folder / "settings.csv", dtype=str)
    settings = settings[~settings["key"].isin(list(extra))]
    rows = pd.DataFrame({"key": list(extra), "value": list(extra.values())})
    pd.concat([settings, rows]).to_csv(folder / "settings.csv", index=False)
    return read_scenario(folder)


def sites_on_emergency(scenario: Scenario) -> set[str]:
    data = network(scenario, RATES).data
    return {s for s, e in zip(data.site_ids, data.emergency, strict=True) if e}


def test_default_is_backorder(tiny_dir: Path) -> None:
    assert sites_on_emergency(with_settings(tiny_dir, {})) == set()


def test_emergency_applies_to_the_sites_serving_customers(tiny_dir: Path) -> None:
    s = with_settings(tiny_dir, EMERGENCY)
    net = network(s, RATES)
    # D1 resupplies vans V1, V2: it backorders; the vans (and V4 straight under C) ship
    assert sites_on_emergency(s) == {"V1", "V2", "V4"}
    on = net.data.emergency
    assert net.data.emergency_time[on] * 365 == pytest.approx(1.0)
    assert net.emergency_cost[on].tolist() == [80.0, 80.0, 80.0]
    assert net.emergency_cost[~on].tolist() == [0.0, 0.0]


def test_one_site_can_differ(tiny_dir: Path) -> None:
    s = with_settings(
        tiny_dir,
        {
            "inventory.stockout_policy.V1": "emergency",
            "inventory.emergency_days.V1": "0.5",
            "inventory.emergency_cost": "60",
        },
    )
    net = network(s, RATES)
    assert sites_on_emergency(s) == {"V1"}
    v1 = net.data.site_ids.index("V1")
    assert net.data.emergency_time[v1] * 365 == pytest.approx(0.5)
    assert net.emergency_cost[v1] == 60.0


@pytest.mark.parametrize(
    ("extra", "key", "words"),
    [
        ({"inventory.stockout_policy": "courier"}, "inventory.stockout_policy", "courier"),
        (
            {"inventory.stockout_policy": "emergency", "inventory.emergency_cost": "5"},
            "inventory.emergency_days",
            "set inventory.emergency_days",
        ),
        ({**EMERGENCY, "inventory.emergency_cost.V2": "-3"}, "inventory.emergency_cost.V2", "-3"),
        (
            {**EMERGENCY, "inventory.stockout_policy.D1": "emergency"},
            "inventory.stockout_policy.D1",
            "resupplies",
        ),
    ],
)
def test_bad_policy_settings_name_the_key(
    tiny_dir: Path, extra: dict[str, str], key: str, words: str
) -> None:
    # a value of the wrong type or bounds is refused when the scenario is read, one that
    # depends on the stocking network when the network is built
    with pytest.raises(InputError) as err:
        network(with_settings(tiny_dir, extra), RATES)
    problems = err.value.problems
    assert len(problems) == 1  # one message per key, not one per site
    assert problems[0].table == "settings" and problems[0].row == key
    assert words in problems[0].message


def test_emergency_plan_passes_the_checker_and_prices_shipments(tiny_dir: Path) -> None:
    s = with_settings(tiny_dir, EMERGENCY)
    plan = inv.optimise(s, budget=1500.0, rates=RATES, side=False)
    assert [v for v in check(plan, s) if v.rule not in ("min_level", "max_level")] == []
    lv = plan.levels.set_index(["part_id", "location_id"])
    share = lv["emergency_share"]
    assert share[("P2", "V1")] > 0 and share[("P1", "D1")] == 0.0
    shipped = float((lv["demand_per_year"] * share.fillna(0.0)).sum())
    assert plan.kpis["emergency_per_year"] == pytest.approx(shipped)
    assert plan.kpis["emergency_cost_per_year"] == pytest.approx(80.0 * shipped)
    assert plan.kpis["total_cost_per_year"] == pytest.approx(
        plan.kpis["holding_cost_per_year"] + 80.0 * shipped
    )
    # customers at an emergency van wait one day for each shipped demand (Little)
    row = lv.loc[("P2", "V1")]
    assert row["waiting_days"] == pytest.approx(row["emergency_share"] * 1.0)


def test_checker_catches_wrong_emergency_figures(tiny_dir: Path) -> None:
    s = with_settings(tiny_dir, EMERGENCY)
    plan = inv.optimise(s, budget=1500.0, rates=RATES, side=False)
    levels = plan.levels.copy()
    at = levels.index[(levels["location_id"] == "V1") & (levels["part_id"] == "P2")][0]
    levels.loc[at, "fill_rate"] -= 0.01
    assert "fill_rate" in {v.rule for v in check(replace(plan, levels=levels), s)}
    kpis = {**plan.kpis, "emergency_cost_per_year": plan.kpis["emergency_cost_per_year"] + 5}
    assert "emergency_cost_per_year" in {v.subject for v in check(replace(plan, kpis=kpis), s)}
    # the same plan read as backorders everywhere disagrees with the checker
    as_backorder = with_settings(tiny_dir, {"inventory.stockout_policy": "backorder"})
    assert {"ebo", "fill_rate"} <= {v.rule for v in check(plan, as_backorder)}


def test_api_option_and_whatif_variant_switch_the_policy(tiny_dir: Path) -> None:
    s = with_settings(tiny_dir, {"inventory.emergency_days": "1", "inventory.emergency_cost": "80"})
    base = inv.frontier(s, rates=RATES, samples=5)
    ship = inv.frontier(s, rates=RATES, samples=5, stockout_policy="emergency")
    assert base.points["emergency_cost_per_year"].dropna().max() == 0.0
    assert ship.points["emergency_cost_per_year"].dropna().max() > 0.0
    # with no stock every demand waits: a lead time on backorder, one day on emergency
    assert ship.points["waiting_days"].iloc[0] < base.points["waiting_days"].iloc[0]
    w = inv.whatif(s, ["stockout_policy=emergency"], rates=RATES, samples=5)
    # the variant is the same network as the option: the same frontier
    variant = w.frontiers["stockout_policy=emergency"]
    assert variant["total_ebo"].to_numpy() == pytest.approx(ship.points["total_ebo"].to_numpy())
    assert "stockout_policy=emergency" in set(w.comparison["variant"])
    with pytest.raises(InputError, match="stock-out policy"):
        inv.frontier(s, rates=RATES, stockout_policy="courier")


def test_cli_option_and_its_error(tmp_path: Path) -> None:
    """The sample prices emergency shipments in its settings; the option switches them on."""
    sample = REPO / "data" / "sample"
    out = tmp_path / "plan.json"
    run = fieldopt(
        "inventory", "optimise", str(sample), "--budget", "20000",
        "--stockout-policy", "emergency", "--json", str(out), cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == EXIT_OK, run.stderr
    got = json.loads(out.read_text())
    assert got["violations"] == []
    assert got["kpis"]["emergency_cost_per_year"] > 0
    bad = fieldopt(
        "inventory", "optimise", str(sample), "--budget", "20000",
        "--stockout-policy", "courier", cwd=tmp_path,
    )  # fmt: skip
    assert bad.returncode == EXIT_BAD_INPUT
    assert "stock-out policy" in bad.stderr
