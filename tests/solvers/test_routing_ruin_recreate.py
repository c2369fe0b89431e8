"""Ruin and recreate (SISR) on TRSP data: every plan passes the independent TRSP evaluation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.loaders.trsp import TrspInstance, read_pillac
from benchmarks.loaders.vrptw import read_vrptw
from benchmarks.routing import trsp_data, trsp_evaluate, vrptw_data
from solvers.routing import RoutingParams, RoutingResult, solve_routing
from solvers.routing.ruin_recreate import rr_unsupported

DATA = Path(__file__).parents[2] / "data" / "benchmarks"
C101 = DATA / "trsp" / "pillac2013" / "crew25" / "C101.100_25-5-5-5.txt"
R201 = DATA / "trsp" / "pillac2013" / "crew25" / "R201.100_25-5-5-5.txt"


def _tiny(tools: bool) -> TrspInstance:
    """Depot at (0, 0); two technicians at home at (10, 0) and (0, 10); three requests near
    the first one, the last needing tool 0, which technician 0 carries iff ``tools``."""
    return TrspInstance(
        name="two_techs_three_requests",
        num_technicians=2,
        coords=np.array([[0, 0], [10, 0], [0, 10], [12, 0], [14, 0], [16, 0]]),
        ready=np.array([0, 0, 0, 0, 0, 0]),
        due=np.array([500, 500, 500, 500, 500, 500]),
        service=np.array([0, 0, 0, 5, 5, 5]),
        tech_skills=np.array([[True], [False]]),
        tech_tools=np.array([[tools], [False]]),
        tech_parts=np.array([[5], [5]]),
        req_skills=np.array([[True], [True], [True]]),
        req_tools=np.array([[False], [False], [True]]),
        req_parts=np.array([[1], [1], [1]]),
    )


def _solve(inst: TrspInstance, **kw: object) -> tuple[RoutingResult, list[list[int]], float]:
    params = RoutingParams(backend="ruin_recreate", **kw)  # type: ignore[arg-type]
    res = solve_routing(trsp_data(inst, travel_cost=False), params)
    k_n = inst.num_technicians
    routes = [[-1 if v.node < 2 * k_n else v.node - 2 * k_n for v in r] for r in res.routes]
    duration, _, problems = trsp_evaluate(inst, routes)
    assert problems == []
    assert res.unserved == ()
    assert res.report.objective == pytest.approx(1000 * duration, abs=0.5 * 3 * 126)
    return res, routes, duration


def test_pickup_binds_when_the_van_lacks_a_tool() -> None:
    _, routes, duration = _solve(_tiny(tools=False), time_limit_s=5, iterations=30)
    assert routes[1] == []
    assert routes[0] in ([-1, 0, 1, 2], [-1, 2, 1, 0])  # depot first: 32 travel either way
    assert duration == pytest.approx(32.0 + 15.0)


def test_pickup_left_out_when_the_van_has_everything() -> None:
    _, routes, duration = _solve(_tiny(tools=True), time_limit_s=5, iterations=30)
    assert routes in ([[0, 1, 2], []], [[2, 1, 0], []])  # no depot visit
    assert duration == pytest.approx(12.0 + 15.0)


def test_parts_stock_binds_before_the_pickup() -> None:
    inst = _tiny(tools=True)
    inst = TrspInstance(**{**inst.__dict__, "tech_parts": np.array([[2], [5]])})
    _, routes, _ = _solve(inst, time_limit_s=5, iterations=30)
    # 2 parts in the van: the third request comes after the depot, best is the depot first
    assert routes[0] in ([-1, 0, 1, 2], [-1, 2, 1, 0])


def test_same_seed_same_plan_and_never_worse_than_the_start() -> None:
    inst = read_pillac(R201)
    start, _, d0 = _solve(inst, time_limit_s=60, iterations=0, seed=3)
    one, routes1, d1 = _solve(inst, time_limit_s=60, iterations=150, seed=3)
    two, routes2, d2 = _solve(inst, time_limit_s=60, iterations=150, seed=3)
    assert routes1 == routes2 and d1 == d2
    assert one.report.objective == two.report.objective
    assert d1 <= d0 + 1e-9
    assert start.report.objective is not None and one.report.objective is not None
    assert one.report.objective <= start.report.objective


def test_c101_served_and_checked_under_a_time_limit() -> None:
    res, _, _ = _solve(read_pillac(C101), time_limit_s=2)
    assert res.report.raw_status.startswith("RUIN_RECREATE")


def test_unsupported_data_is_named() -> None:
    vrptw = vrptw_data(read_vrptw(DATA / "vrptw" / "solomon" / "C101.txt"))
    assert rr_unsupported(vrptw) == "capacities"
    assert rr_unsupported(trsp_data(read_pillac(C101))) is None
    with pytest.raises(ValueError, match="capacities"):
        solve_routing(vrptw, RoutingParams(time_limit_s=1, backend="ruin_recreate"))
