"""Pillac et al. (2013) TRSP loader, checked against Solomon and against the thesis BKS tours."""

from __future__ import annotations

import dataclasses
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from benchmarks.loaders import (
    BenchmarkFormatError,
    TrspBks,
    TrspInstance,
    read_pillac,
    read_pillac_bks,
    read_pillac_tours,
    read_vrptw,
    travel_time_matrix,
)

DATA = Path(__file__).parents[3] / "data" / "benchmarks"
PILLAC = DATA / "trsp" / "pillac2013"
FILES = sorted((PILLAC / "crew25").glob("*.txt"))
HORIZON = {"C1": 1236, "C2": 3390, "R1": 230, "R2": 1000, "RC1": 240, "RC2": 960}


@cache
def bks() -> dict[str, TrspBks]:
    return read_pillac_bks(PILLAC / "bks_pillac_dissertation.csv")


@cache
def tours() -> dict[str, list[list[int]]]:
    return read_pillac_tours(PILLAC / "pillac-minwt.sol.bck")


def test_c101_known_facts() -> None:
    inst = read_pillac(PILLAC / "crew25" / "C101.100_25-5-5-5.txt")
    assert inst.name == "C101.100_25-5-5-5"
    assert (inst.num_technicians, inst.num_requests) == (25, 100)
    assert (inst.num_skills, inst.num_tools, inst.num_part_types) == (5, 5, 5)
    assert inst.coords[0].tolist() == [40, 50] and (inst.ready[0], inst.due[0]) == (0, 1236)
    # row 1: 9 6 0 1236 0 [1,3,4] [1,2,3] [3,0,4,4,0]
    home = inst.home_node(0)
    assert home == 1 and inst.coords[home].tolist() == [9, 6]
    assert (inst.ready[home], inst.due[home], inst.service[home]) == (0, 1236, 0)
    assert np.flatnonzero(inst.tech_skills[0]).tolist() == [1, 3, 4]
    assert np.flatnonzero(inst.tech_tools[0]).tolist() == [1, 2, 3]
    assert inst.tech_parts[0].tolist() == [3, 0, 4, 4, 0]
    # row 4 has no tools: 23 24 0 1236 0 [0,1,2,3] [] [2,5,2,3,0]
    assert not inst.tech_tools[3].any()
    # row 26 (request 0): 45 68 912 967 90 [4] [] [1,0,1,0,0]
    node = inst.request_node(0)
    assert node == 26 and inst.coords[node].tolist() == [45, 68]
    assert (inst.ready[node], inst.due[node], inst.service[node]) == (912, 967, 90)
    assert np.flatnonzero(inst.req_skills[0]).tolist() == [4]
    assert not inst.req_tools[0].any()
    assert inst.req_parts[0].tolist() == [1, 0, 1, 0, 0]
    # row 125 (last request): 55 85 647 726 90 [0] [0,3] [0,1,0,0,1]
    assert inst.coords[125].tolist() == [55, 85]
    assert np.flatnonzero(inst.req_tools[99]).tolist() == [0, 3]
    assert inst.node_label(0) == "depot"
    assert inst.node_label(1) == "technician 0 (row 1)"
    assert inst.node_label(26) == "request 0 (row 26)"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_file_parses_and_matches_its_solomon_instance(path: Path) -> None:
    inst = read_pillac(path)
    assert inst.name == path.stem
    assert (inst.num_technicians, inst.num_requests, inst.num_skills) == (25, 100, 5)
    assert (inst.num_tools, inst.num_part_types) == (5, 5)
    # RULES.md: every home window equals the depot window [0, H]
    horizon = HORIZON[inst.name[: -len("01.100_25-5-5-5")]]
    assert (inst.ready[:26] == 0).all() and (inst.due[:26] == horizon).all()
    # the requests are the Solomon customers, in order
    solomon = read_vrptw(DATA / "vrptw" / "solomon" / f"{inst.name.split('.')[0]}.txt")
    requests = slice(26, 126)
    assert (inst.coords[0] == solomon.coords[0]).all()
    assert (inst.coords[requests] == solomon.coords[1:]).all()
    assert (inst.ready[requests] == solomon.ready[1:]).all()
    assert (inst.due[requests] == solomon.due[1:]).all()
    assert (inst.service[requests] == solomon.service[1:]).all()
    assert inst.req_skills.sum(axis=1).min() >= 1


def _tour_duration(inst: TrspInstance, k: int, visits: list[int], tt: np.ndarray) -> float:
    """Check RULES.md R3-R7 on one tour and return its duration (section 3), 0 if empty."""
    if not visits:
        return 0.0
    assert visits.count(0) <= 1  # R6
    home = inst.home_node(k)
    t0 = float(inst.ready[home])
    start, elapsed, wait, slack = t0, t0, 0.0, np.inf
    stock = inst.tech_parts[k].copy()
    restocked = False
    prev = home
    arrival = t0
    for node in [*visits, home]:
        leg = float(inst.service[prev] + tt[prev, node])
        arrival = start + leg
        elapsed += leg
        slack = min(slack, float(inst.due[node]) - elapsed)
        assert arrival <= inst.due[node] + 1e-9, f"{inst.name}: late at {inst.node_label(node)}"
        if node == 0:
            restocked = True
        elif node != home:
            j = node - 1 - inst.num_technicians
            assert not (inst.req_skills[j] & ~inst.tech_skills[k]).any()  # R3
            if not restocked:
                assert not (inst.req_tools[j] & ~inst.tech_tools[k]).any()  # R4
                stock -= inst.req_parts[j]
                assert (stock >= 0).all()  # R5
            wait += max(0.0, float(inst.ready[node]) - arrival)
        start = max(arrival, float(inst.ready[node]))
        prev = node
    return arrival - (t0 + min(slack, wait))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_thesis_bks_tours_are_feasible_and_reproduce_the_bks(path: Path) -> None:
    """Proves the loader (windows, skills, tools, parts, coordinates) against all 56 BKS."""
    inst = read_pillac(path)
    routes = tours()[inst.name]
    assert len(routes) == inst.num_technicians
    served = sorted(node for route in routes for node in route if node != 0)
    assert served == list(range(26, 126))  # R2
    tt = travel_time_matrix(inst)
    total = sum(_tour_duration(inst, k, visits, tt) for k, visits in enumerate(routes))
    distance = sum(
        tt[a, b]
        for k, visits in enumerate(routes)
        if visits
        for a, b in zip([k + 1, *visits], [*visits, k + 1], strict=True)
    )
    assert total == pytest.approx(bks()[inst.name].duration_bks, abs=6e-4)
    assert distance == pytest.approx(bks()[inst.name].distance_of_bks_solution, abs=6e-4)


def test_bks_table() -> None:
    table = bks()
    assert len(table) == 56 and set(table) == {p.stem for p in FILES}
    assert table["C101.100_25-5-5-5"] == TrspBks("C101.100_25-5-5-5", 10770.627, 1719.057)


def test_travel_times_are_euclidean_without_rounding() -> None:
    inst = read_pillac(FILES[0])
    tt = travel_time_matrix(inst)
    assert tt.shape == (126, 126)
    assert tt[0, 1] == pytest.approx(np.hypot(40 - 9, 50 - 6), rel=1e-15)
    assert (tt == tt.T).all()


# -- errors ------------------------------------------------------------------------------------

GOOD = """\
TINY.2_1-2-2-2

INFO
CREW COUNT  SKILLS  TOOLS   SPARE PARTS
1      2       2       2

DEPOT TECHNICIANS AND REQUESTS
ID   X     Y     TWS    TWE    Serv   SKILLS   TOOLS    SPARE PARTS
0    0     0     0      100    0      [] \t[] \t[]
1    1     1     0      100    7      [0,1] \t[1] \t[2,0]
2    3     4     10     50     5      [1] \t[] \t[1,0]
3    6     8     20     60     5      [0] \t[0,1] \t[0,0]
"""


def test_small_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "tiny.txt"
    path.write_text(GOOD)
    inst = read_pillac(path)
    assert (inst.num_technicians, inst.num_requests, inst.num_skills) == (1, 2, 2)
    assert inst.service.tolist() == [0, 0, 5, 5]  # the home's Serv column (7) is ignored
    assert inst.tech_skills.tolist() == [[True, True]]
    assert inst.req_tools.tolist() == [[False, False], [True, True]]
    assert inst.req_parts.tolist() == [[1, 0], [0, 0]]


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("[0,1] \t[1] \t[2,0]", "[0,2] \t[1] \t[2,0]", 10, "skill id 2 out of range 0..1"),
        ("[0,1] \t[1] \t[2,0]", "[0,1] \t[-1] \t[2,0]", 10, "tool id -1 out of range 0..1"),
        ("[1] \t[] \t[1,0]", "[1] \t[] \t[1,0,0]", 11, "expected 2 spare-part quantities"),
        ("3    6     8", "4    6     8", 12, "row id 4 out of order, expected 3"),
        ("20     60     5", "20     60", 12, "expected 'ID X Y TWS TWE Serv"),
        ("[1] \t[] \t[1,0]", "[1] \t[] \t[1,a]", 11, "bad integer list [1,a]"),
        ("1      2       2       2", "1      2       2", 5, "expected 4 integers"),
        ("INFO\n", "DATA\n", 3, "expected a line starting with 'INFO'"),
        ("DEPOT TECH", "NODES TECH", 7, "expected a line starting with 'DEPOT'"),
    ],
)
def test_malformed_file_names_file_and_line(
    tmp_path: Path, old: str, new: str, line: int, message: str
) -> None:
    assert old in GOOD
    path = tmp_path / "bad.txt"
    path.write_text(GOOD.replace(old, new, 1))
    with pytest.raises(BenchmarkFormatError) as info:
        read_pillac(path)
    assert str(info.value).startswith(f"{path}:{line}: ")
    assert message in str(info.value)


def test_request_window_end_before_start_names_request_row_and_field() -> None:
    inst = read_pillac(PILLAC / "crew25" / "C101.100_25-5-5-5.txt")
    due = inst.due.copy()
    due[29] = 100  # request 3 (row 29): ready time 727
    with pytest.raises(ValueError) as info:
        dataclasses.replace(inst, due=due)
    assert str(info.value) == (
        "C101.100_25-5-5-5: request 3 (row 29): ready time 727 is after due date 100"
    )


@pytest.mark.parametrize(
    ("field", "make", "message"),
    [
        ("tech_parts", lambda a: a - 3, r"technician 0 \(row 1\): tech_parts\[1\] is negative"),
        ("req_parts", lambda a: a - 1, r"request 0 \(row 26\): req_parts\[1\] is negative"),
        ("service", lambda a: a + 1, r"depot: service time must be 0, got 1"),
        ("ready", lambda a: a - 1, r"depot: ready time -1 is negative"),
        ("req_skills", lambda a: a[:, :4], r"req_skills: expected shape \(100, 5\)"),
        ("tech_tools", lambda a: a.astype(np.int64), r"tech_tools: expected booleans"),
        ("num_technicians", lambda a: 0, r"num_technicians: must be >= 1, got 0"),
        ("num_technicians", lambda a: 200, r"coords: 126 rows cannot hold"),
    ],
)
def test_invalid_instance_is_rejected(field: str, make: object, message: str) -> None:
    inst = read_pillac(PILLAC / "crew25" / "C101.100_25-5-5-5.txt")
    assert callable(make)
    with pytest.raises(ValueError, match=f"^C101.100_25-5-5-5: {message}"):
        dataclasses.replace(inst, **{field: make(getattr(inst, field))})


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("X-S=<1,27,26>", "does not end at home 1"),
        ("X-S=<1,27,126|1,126>", "technician row 1 has two tours"),
        ("X-S=<1,5,126>", "node 5 not valid in the tour of row 1"),
        ("X-S=<1,152,126>", "node 152 not valid in the tour of row 1"),
        ("X-S=<0,125>", "bad tour start"),
        ("X-S=1,126", "enclosed in '<...>'"),
        ("X-S=<1,a,126>", "bad tour"),
        ("just text", "expected 'name=value'"),
    ],
)
def test_bad_tours_name_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "t.sol"
    path.write_text(f"# comment\nX=12.5\n{line}\n")
    with pytest.raises(BenchmarkFormatError, match=r"t\.sol:3: ") as info:
        read_pillac_tours(path)
    assert message in str(info.value)


def test_tours_map_internal_ids_to_nodes(tmp_path: Path) -> None:
    path = tmp_path / "t.sol"
    path.write_text("X-S=<2,152,30,127||1,28,126>\nX-Opt=false\n")
    routes = read_pillac_tours(path)["X"]
    assert routes[0] == [28] and routes[1] == [0, 30] and routes[2:] == [[]] * 23
