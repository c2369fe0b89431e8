"""Routing engines on benchmark data: the independent evaluations reproduce published values,
and every engine's output passes them (tiny time limits: these test behaviour, not
performance)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.compare.pyvrp import solve_pyvrp
from benchmarks.loaders.trsp import read_pillac, read_pillac_bks, read_pillac_tours
from benchmarks.loaders.vrptw import read_bks, read_dimacs_solution, read_vrptw
from benchmarks.routing import (
    solve_trsp,
    solve_vrptw,
    trsp_data,
    trsp_evaluate,
    vrptw_data,
    vrptw_distance,
)
from solvers.routing import RoutingParams, solve_routing
from solvers.routing.data import plain_vrptw_unsupported

DATA = Path(__file__).parents[2] / "data" / "benchmarks"
SOLOMON = DATA / "vrptw" / "solomon"
TRSP = DATA / "trsp" / "pillac2013"


@pytest.mark.parametrize("name", ["C101", "R105", "RC208"])
def test_vrptw_evaluation_reproduces_dimacs_bks(name: str) -> None:
    inst = read_vrptw(SOLOMON / f"{name}.txt")
    routes = read_dimacs_solution(DATA / "vrptw" / "bks_routes_dimacs" / f"{name}.sol")
    dist, problems = vrptw_distance(inst, routes)
    assert problems == []
    assert dist == pytest.approx(
        read_bks(DATA / "vrptw" / "bks.csv")[name].distance_bks_distance_only
    )


def test_vrptw_evaluation_catches_a_late_route() -> None:
    inst = read_vrptw(SOLOMON / "C101.txt")
    routes = read_dimacs_solution(DATA / "vrptw" / "bks_routes_dimacs" / "C101.sol")
    routes[0] = routes[0][::-1]
    assert any("after due" in p for p in vrptw_distance(inst, routes)[1])


@pytest.mark.parametrize("engine", ["day", "ortools", "pyvrp", "vroom"])
def test_vrptw_solution_is_feasible_and_near_bks(engine: str) -> None:
    inst = read_vrptw(SOLOMON / "C101.txt")
    routes, runtime = solve_vrptw(inst, engine, time_limit_s=1)
    dist, problems = vrptw_distance(inst, routes)
    assert problems == []
    assert dist <= 1.05 * read_bks(DATA / "vrptw" / "bks.csv")["C101"].distance_bks_distance_only
    assert 0 < runtime < 10


def test_solve_routing_is_the_day_engine_and_ortools_constructs_only_beyond_plain_vrptw() -> None:
    data = vrptw_data(read_vrptw(SOLOMON / "C101.txt"))
    default = solve_routing(data, RoutingParams(time_limit_s=1))
    assert default.report.raw_status.startswith("ENGINE_")
    ortools = RoutingParams(time_limit_s=1, backend="ortools")
    vrptw = solve_routing(data, ortools)
    # OR-Tools' own first solution on plain VRPTW (never PyVRP: it is a benchmark comparison)
    assert vrptw.report.raw_status.startswith("ROUTING_")
    assert vrptw.first_solution == "PARALLEL_CHEAPEST_INSERTION"
    assert vrptw.construct_s is None
    trsp = read_pillac(TRSP / "crew25" / "C101.100_25-5-5-5.txt")
    beyond = solve_routing(trsp_data(trsp), ortools)
    assert beyond.construct_s is not None
    for backend in ("pyvrp", "auto"):
        with pytest.raises(ValueError, match="backend must be one of engine, ortools"):
            RoutingParams(time_limit_s=1, backend=backend)


def test_pyvrp_comparison_takes_only_plain_vrptw() -> None:
    inst = read_vrptw(SOLOMON / "C101.txt")
    assert plain_vrptw_unsupported(vrptw_data(inst)) is None
    trsp = read_pillac(TRSP / "crew25" / "C101.100_25-5-5-5.txt")
    assert plain_vrptw_unsupported(trsp_data(trsp)) is not None
    with pytest.raises(ValueError, match="PyVRP back-end does not support"):
        solve_pyvrp(trsp_data(trsp), RoutingParams(time_limit_s=1))


def test_unknown_engines_are_refused() -> None:
    inst = read_vrptw(SOLOMON / "C101.txt")
    with pytest.raises(ValueError, match="VRPTW engine 'gurobi'"):
        solve_vrptw(inst, "gurobi", time_limit_s=1)
    trsp = read_pillac(TRSP / "crew25" / "C101.100_25-5-5-5.txt")
    with pytest.raises(ValueError, match="TRSP engine 'pyvrp'"):
        solve_trsp(trsp, "pyvrp", time_limit_s=1)


@pytest.mark.parametrize("name", ["C101.100_25-5-5-5", "RC208.100_25-5-5-5"])
def test_trsp_evaluation_reproduces_pillac_bks(name: str) -> None:
    inst = read_pillac(TRSP / "crew25" / f"{name}.txt")
    tours = read_pillac_tours(TRSP / "pillac-minwt.sol.bck")[name]
    k_n = inst.num_technicians
    routes = [[-1 if node == 0 else node - k_n - 1 for node in tour] for tour in tours]
    duration, _, problems = trsp_evaluate(inst, routes)
    assert problems == []
    bks = read_pillac_bks(TRSP / "bks_pillac_dissertation.csv")[name].duration_bks
    assert duration == pytest.approx(bks, abs=1e-3)


def test_trsp_solution_serves_every_request_and_passes_evaluation() -> None:
    inst = read_pillac(TRSP / "crew25" / "C102.100_25-5-5-5.txt")
    routes, _ = solve_trsp(inst, "day", time_limit_s=3)
    _, _, problems = trsp_evaluate(inst, routes)
    assert problems == []
