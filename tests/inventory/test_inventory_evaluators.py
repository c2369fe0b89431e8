"""Evaluators against independent formulas; data validation names object and field."""

from __future__ import annotations

import numpy as np
import pytest

from fieldopt.checks.inventory import poisson_ebo_fill
from solvers.inventory.data import StockingData
from solvers.inventory.distributions import backorder_curves, erlang_loss, poisson_pmf
from solvers.inventory.evaluate import evaluate


def one_depot_two_bases(emergency: bool = False) -> StockingData:
    return StockingData(
        part_ids=("A",),
        site_ids=("D", "B1", "B2"),
        unit_cost=np.array([10.0]),
        parent=np.array([-1, 0, 0]),
        demand_rate=np.array([[0.0, 4.0, 1.0]]),
        local_repair_fraction=np.array([[0.0, 0.5, 0.0]]),
        local_repair_time=np.array([[0.0, 0.1, 0.0]]),
        resupply_time=np.array([[0.0, 0.2, 0.3]]),
        root_time=np.array([0.5]),
        emergency=np.array([False, emergency, False]),
    )


@pytest.mark.parametrize(("mean", "s"), [(0.3, 0), (0.3, 2), (2.5, 1), (2.5, 6), (12.0, 9)])
def test_poisson_curves_match_direct_summation(mean: float, s: int) -> None:
    ebo, _, fill = backorder_curves(poisson_pmf(np.array(mean), 200), np.array(mean), 10)
    want_ebo, want_fill = poisson_ebo_fill(s, mean)
    assert ebo[s] == pytest.approx(want_ebo, abs=1e-12)
    assert fill[s] == pytest.approx(want_fill, abs=1e-12)


def test_metric_base_pipeline_adds_the_depot_delay() -> None:
    data = one_depot_two_bases()
    ev = evaluate(data, np.array([[0, 0, 0]]), "metric")
    lam0 = 4.0 * 0.5 + 1.0
    ebo0 = lam0 * 0.5  # no depot stock: every unit sent up is backordered
    want_b1 = 4.0 * (0.5 * 0.1 + 0.5 * (0.2 + ebo0 / lam0))
    assert ev.pipeline[0, 0] == pytest.approx(want_b1)
    assert ev.root_ebo[0] == pytest.approx(ebo0)


def test_depot_stock_cuts_base_backorders_in_every_method() -> None:
    data = one_depot_two_bases()
    for method in ("metric", "vari-metric", "exact"):
        low = evaluate(data, np.array([[0, 1, 1]]), method).total_ebo
        high = evaluate(data, np.array([[3, 1, 1]]), method).total_ebo
        assert high < low


def test_vari_metric_and_exact_exceed_metric_with_depot_backorders() -> None:
    data = one_depot_two_bases()
    stock = np.array([[1, 2, 1]])
    metric = evaluate(data, stock, "metric").total_ebo
    assert evaluate(data, stock, "vari-metric").total_ebo > metric
    assert evaluate(data, stock, "exact").total_ebo > metric


def test_erlang_loss_binds_and_does_not() -> None:
    assert erlang_loss(0, 2.0) == 1.0  # no stock: every demand is an emergency
    assert erlang_loss(40, 2.0) < 1e-12  # ample stock: none is


def test_emergency_site_has_no_backorders_and_erlang_fill() -> None:
    data = one_depot_two_bases(emergency=True)
    ev = evaluate(data, np.array([[2, 2, 1]]), "metric")
    a = ev.pipeline[0, 0]
    assert ev.ebo[0, 0] == 0.0
    assert ev.emergency[0, 0] == pytest.approx(erlang_loss(2, a))
    assert ev.fill[0, 0] == pytest.approx(1 - erlang_loss(2, a))


def test_bad_data_names_object_and_field() -> None:
    data = one_depot_two_bases()
    with pytest.raises(ValueError, match="part A at site B1: field demand_rate"):
        StockingData(
            **{**data.__dict__, "demand_rate": np.array([[0.0, -1.0, 1.0]])},
        )
    with pytest.raises(ValueError, match="field parent"):
        StockingData(**{**data.__dict__, "parent": np.array([-1, -1, 0])})
    with pytest.raises(ValueError, match="stock < 0"):
        evaluate(data, np.array([[0, -1, 0]]), "metric")
