"""Solomon / Gehring–Homberger loader, DIMACS distances, BKS table and BKS routes."""

from __future__ import annotations

import dataclasses
import math
import re
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from benchmarks.loaders import (
    BenchmarkFormatError,
    VrptwBks,
    VrptwInstance,
    dimacs_distance_matrix,
    read_bks,
    read_dimacs_solution,
    read_vrptw,
)

VRPTW = Path(__file__).parents[3] / "data" / "benchmarks" / "vrptw"
SOLOMON = sorted((VRPTW / "solomon").glob("*.txt"))
GH200 = sorted((VRPTW / "homberger" / "200").glob("*.txt"))
GH1000 = sorted((VRPTW / "homberger" / "1000").glob("*.txt"))


@cache
def bks() -> dict[str, VrptwBks]:
    return read_bks(VRPTW / "bks.csv")


def tiny(**changes: object) -> VrptwInstance:
    """Depot + two customers; ``changes`` override fields."""
    fields: dict[str, object] = {
        "name": "tiny",
        "num_vehicles": 2,
        "capacity": 10,
        "coords": np.array([[0, 0], [3, 4], [1, 1]]),
        "demand": np.array([0, 4, 5]),
        "ready": np.array([0, 10, 0]),
        "due": np.array([100, 50, 40]),
        "service": np.array([0, 5, 5]),
    }
    fields.update(changes)
    return VrptwInstance(**fields)  # type: ignore[arg-type]


# -- known facts -------------------------------------------------------------------------------


def test_c101_known_facts() -> None:
    inst = read_vrptw(VRPTW / "solomon" / "C101.txt")
    assert inst.name == "C101"
    assert (inst.num_customers, inst.num_vehicles, inst.capacity) == (100, 25, 200)
    assert inst.coords[0].tolist() == [40, 50]
    assert (inst.ready[0], inst.due[0], inst.service[0], inst.demand[0]) == (0, 1236, 0, 0)
    # customer 1: 45 68 10 912 967 90
    assert inst.coords[1].tolist() == [45, 68]
    assert (inst.demand[1], inst.ready[1], inst.due[1], inst.service[1]) == (10, 912, 967, 90)
    assert inst.demand.sum() == 1810


def test_gehring_homberger_known_facts() -> None:
    small = read_vrptw(VRPTW / "homberger" / "200" / "C1_2_1.txt")
    assert (small.name, small.num_customers, small.num_vehicles, small.capacity) == (
        "C1_2_1",
        200,
        50,
        200,
    )
    assert small.coords[0].tolist() == [70, 70] and small.due[0] == 1351
    large = read_vrptw(VRPTW / "homberger" / "1000" / "C1_10_1.txt")
    assert (large.num_customers, large.num_vehicles, large.capacity) == (1000, 250, 200)
    assert large.coords[0].tolist() == [250, 250] and large.due[0] == 1824


@pytest.mark.parametrize(
    ("path", "customers"),
    [(p, 100) for p in SOLOMON] + [(p, 200) for p in GH200] + [(p, 1000) for p in GH1000],
    ids=lambda v: v.stem if isinstance(v, Path) else None,
)
def test_every_file_parses(path: Path, customers: int) -> None:
    inst = read_vrptw(path)
    assert inst.name == path.stem
    assert inst.num_customers == customers
    assert inst.coords.shape == (customers + 1, 2)
    assert (inst.demand[1:] > 0).all()
    assert (inst.demand[1:] <= inst.capacity).all()
    assert inst.name in bks() and bks()[inst.name].customers == customers


def test_arrays_are_read_only_and_instance_is_frozen() -> None:
    inst = tiny()
    with pytest.raises(ValueError, match="read-only"):
        inst.due[1] = 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        inst.capacity = 3  # type: ignore[misc]


def test_constructor_copies_its_inputs() -> None:
    due = np.array([100, 50, 40])
    inst = tiny(due=due)
    due[1] = 0
    assert inst.due[1] == 50


# -- DIMACS distances --------------------------------------------------------------------------


def test_dimacs_distance_truncates_to_tenths() -> None:
    d = dimacs_distance_matrix(tiny())
    # |(0,0)-(3,4)| = 5 exactly; |(0,0)-(1,1)| = 1.41421 -> 1.4; |(3,4)-(1,1)| = 3.60555 -> 3.6
    assert d.tolist() == [[0, 50, 14], [50, 0, 36], [14, 36, 0]]
    assert d.dtype == np.int64


def test_dimacs_distance_is_exact_integer_truncation() -> None:
    inst = read_vrptw(VRPTW / "homberger" / "200" / "RC2_2_1.txt")
    d = dimacs_distance_matrix(inst)
    xy = inst.coords.tolist()
    for i in range(0, inst.num_customers + 1, 7):
        for j in range(inst.num_customers + 1):
            sq = (xy[i][0] - xy[j][0]) ** 2 + (xy[i][1] - xy[j][1]) ** 2
            assert d[i, j] == math.isqrt(100 * sq)
    assert (d == d.T).all() and (np.diag(d) == 0).all()


# -- BKS table and BKS routes ------------------------------------------------------------------


def test_bks_table() -> None:
    table = bks()
    assert len(table) == 356
    c101 = table["C101"]
    assert (c101.customers, c101.vehicles_bks) == (100, 10)
    assert (c101.distance_bks_hierarchical, c101.distance_bks_distance_only) == (828.94, 827.3)
    assert c101.distance_only_tenths == 8273
    assert table["C1_10_1"].distance_bks_distance_only == 42444.8
    sizes = sorted({row.customers for row in table.values()})
    assert sizes == [100, 200, 400, 600, 800, 1000]


def _sol_cost_tenths(path: Path) -> int:
    match = re.search(r"^Cost\s+(\S+)", path.read_text(), re.MULTILINE)
    assert match is not None
    return round(float(match.group(1)) * 10)


@pytest.mark.parametrize("path", SOLOMON, ids=lambda p: p.stem)
def test_dimacs_bks_routes_are_feasible_and_cost_what_the_file_says(path: Path) -> None:
    """Proves the loader and the DIMACS distance convention right on all 56 Solomon BKS."""
    inst = read_vrptw(path)
    sol = VRPTW / "bks_routes_dimacs" / f"{inst.name}.sol"
    routes = read_dimacs_solution(sol)
    d = dimacs_distance_matrix(inst)
    ready, due, service = inst.ready * 10, inst.due * 10, inst.service * 10

    visited = sorted(c for route in routes for c in route)
    assert visited == list(range(1, inst.num_customers + 1))
    assert len(routes) <= inst.num_vehicles

    total = 0
    for route in routes:
        assert inst.demand[route].sum() <= inst.capacity
        time, prev = int(ready[0]), 0
        for node in [*route, 0]:
            arrival = time + int(service[prev]) + int(d[prev, node])
            assert arrival <= due[node], f"{inst.name}: late at {node}"
            time = max(arrival, int(ready[node]))
            total += int(d[prev, node])
            prev = node
    assert total == _sol_cost_tenths(sol)
    assert total == bks()[inst.name].distance_only_tenths


# -- errors ------------------------------------------------------------------------------------

GOOD = """\
TINY

VEHICLE
NUMBER     CAPACITY
  2         10

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME

    0      0         0          0          0       100          0
    1      3         4          4         10        50          5
"""


def test_small_text_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "tiny.txt"
    path.write_text(GOOD)
    inst = read_vrptw(path)
    assert (inst.name, inst.num_customers, inst.num_vehicles, inst.capacity) == ("TINY", 1, 2, 10)
    assert inst.due.tolist() == [100, 50]


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        (
            "    1      3         4          4         10        50          5",
            "    1  3  4  4",
            11,
            "expected 7 integers",
        ),
        ("    1      3 ", "    2      3 ", 11, "node id 2 out of order, expected 1"),
        ("  2         10", "  2         ten", 5, "expected integers"),
        ("VEHICLE\n", "FLEET\n", 3, "expected a line starting with 'VEHICLE'"),
        ("CUSTOMER\n", "CLIENTS\n", 7, "expected a line starting with 'CUSTOMER'"),
        ("         4         10", "         4        1.5", 11, "expected integers"),
    ],
)
def test_malformed_file_names_file_and_line(
    tmp_path: Path, old: str, new: str, line: int, message: str
) -> None:
    assert old in GOOD
    path = tmp_path / "bad.txt"
    path.write_text(GOOD.replace(old, new))
    with pytest.raises(BenchmarkFormatError) as info:
        read_vrptw(path)
    assert str(info.value).startswith(f"{path}:{line}: ")
    assert message in str(info.value)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_text("\n\n")
    with pytest.raises(BenchmarkFormatError, match="empty file"):
        read_vrptw(path)


def test_window_end_before_start_names_instance_customer_and_field() -> None:
    inst = read_vrptw(VRPTW / "solomon" / "C101.txt")
    due = inst.due.copy()
    due[7] = inst.ready[7] - 1
    with pytest.raises(ValueError) as info:
        dataclasses.replace(inst, due=due)
    ready = inst.ready[7]
    assert str(info.value) == f"C101: customer 7: ready time {ready} is after due date {ready - 1}"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ready": np.array([0, 60, 0])}, "tiny: customer 1: ready time 60 is after due date 50"),
        ({"due": np.array([-1, 50, 40])}, "tiny: depot: ready time 0 is after due date -1"),
        ({"demand": np.array([0, -4, 5])}, "tiny: customer 1: demand -4 is negative"),
        ({"demand": np.array([3, 4, 5])}, "tiny: depot: demand must be 0, got 3"),
        ({"service": np.array([0, 5, -1])}, "tiny: customer 2: service -1 is negative"),
        ({"service": np.array([0, 5])}, r"tiny: service: expected shape \(3,\), got \(2,\)"),
        ({"coords": np.array([[0, 0, 0]])}, r"tiny: coords: expected shape \(\*, 2\)"),
        ({"coords": np.array([[0.5, 0], [3, 4], [1, 1]])}, "tiny: coords: expected integers"),
        ({"num_vehicles": 0}, "tiny: num_vehicles: must be >= 1, got 0"),
        ({"capacity": -1}, "tiny: capacity: must be >= 0, got -1"),
    ],
)
def test_invalid_instance_is_rejected(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}"):
        tiny(**changes)


def test_bad_solution_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "x.sol"
    path.write_text("Route #1: 1 2\nRoute #2: 3 x\nCost 12.5\n")
    with pytest.raises(BenchmarkFormatError, match=r"x\.sol:2: customer ids must be integers"):
        read_dimacs_solution(path)
    path.write_text("Route #1: 1 2\n\nTotal 12\n")
    with pytest.raises(BenchmarkFormatError, match=r"x\.sol:3: expected 'Route #i: \.\.\.'"):
        read_dimacs_solution(path)
    path.write_text("Route #1: 1 0\n")
    with pytest.raises(BenchmarkFormatError, match=r"x\.sol:1: customer ids must be >= 1"):
        read_dimacs_solution(path)
    path.write_text("Route #1: 2 1\nRoute #2:\nCost 3\n")
    assert read_dimacs_solution(path) == [[2, 1], []]


def test_bad_bks_csv(tmp_path: Path) -> None:
    header = "instance,customers,vehicles_bks,distance_bks_hierarchical,"
    path = tmp_path / "bks.csv"
    path.write_text(header + "source\nC101,100,10,828.94,x\n")
    with pytest.raises(BenchmarkFormatError, match=r"bks\.csv:1: missing columns"):
        read_bks(path)
    header += "distance_bks_distance_only,source\n"
    path.write_text(header + "C101,100,10,828.94,827.3,a\nC102,100,ten,1,2,b\n")
    with pytest.raises(BenchmarkFormatError, match=r"bks\.csv:3: bad value"):
        read_bks(path)
    path.write_text(header + "C101,100,10,828.94,827.3,a\nC101,100,10,828.94,827.3,b\n")
    with pytest.raises(BenchmarkFormatError, match=r"bks\.csv:3: duplicate instance 'C101'"):
        read_bks(path)
