"""Routing solver on benchmark data: the independent evaluations reproduce published values,
and solver output passes them (tiny time limits: these test behaviour, not performance)."""

from __future__ import annotations

from pathlib import Path

import pytest

from solvers.benchmarks.trsp import read_pillac, read_pillac_bks, read_pillac_tours
from solvers.benchmarks.vrptw import read_bks, read_dimacs_solution, read_vrptw
from solvers.routing import RoutingParams, solve_routing
from solvers.routing.benchmarks import trsp_data, trsp_evaluate, vrptw_data, vrptw_distance
from solvers.routing.pyvrp_backend import pyvrp_unsupported

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


@pytest.mark.parametrize("backend", ["ortools", "pyvrp"])
def test_vrptw_solution_is_feasible_and_near_bks(backend: str) -> None:
    inst = read_vrptw(SOLOMON / "C101.txt")
    res = solve_routing(vrptw_data(inst), RoutingParams(time_limit_s=1, backend=backend))
    dist, problems = vrptw_distance(inst, [[v.node for v in r] for r in res.routes if r])
    assert problems == []
    assert dist <= 1.05 * read_bks(DATA / "vrptw" / "bks.csv")["C101"].distance_bks_distance_only


def test_auto_backend_picks_pyvrp_only_for_plain_vrptw() -> None:
    inst = read_vrptw(SOLOMON / "C101.txt")
    assert pyvrp_unsupported(vrptw_data(inst)) is None
    trsp = read_pillac(TRSP / "crew25" / "C101.100_25-5-5-5.txt")
    assert pyvrp_unsupported(trsp_data(trsp)) is not None


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
    k_n = inst.num_technicians
    res = solve_routing(trsp_data(inst), RoutingParams(time_limit_s=3))
    routes = [[-1 if v.node < 2 * k_n else v.node - 2 * k_n for v in r] for r in res.routes]
    _, _, problems = trsp_evaluate(inst, routes)
    assert problems == []
