"""Solomon and Gehring–Homberger VRPTW instances, best-known values and DIMACS routes.

Conventions
-----------
- Node 0 is the depot, nodes ``1..n`` are the customers in file order (the file's ``CUST NO.``).
- All file values are integers: coordinates, demand (units of capacity), and times (ready, due,
  service) in the instance's abstract time unit. Travel time equals Euclidean distance (speed 1).
- The time window ``[ready, due]`` constrains the *start* of service; the depot's due date is the
  latest return.
- DIMACS 2021 convention (used by ``distance_bks_distance_only``): each arc distance is truncated
  to one decimal and the objective is total distance; see :func:`dimacs_distance_matrix`.
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchmarks.loaders.errors import BenchmarkFormatError
from solvers.arrays import IntArray, first_index, frozen_int_array

__all__ = [
    "VrptwBks",
    "VrptwInstance",
    "dimacs_distance_matrix",
    "read_bks",
    "read_dimacs_solution",
    "read_vrptw",
]


@dataclass(frozen=True, eq=False)
class VrptwInstance:
    """A VRPTW instance with ``n`` customers; all arrays are read-only int64.

    Attributes
    ----------
    name
        Instance name (first line of the file, e.g. ``"C101"``, ``"RC2_10_5"``).
    num_vehicles
        Fleet size available (the file's ``NUMBER``); every vehicle is identical.
    capacity
        Vehicle capacity, in demand units.
    coords
        ``(n+1, 2)`` x, y coordinates; row 0 is the depot.
    demand
        ``(n+1,)`` demand per node; ``demand[0] == 0``.
    ready, due
        ``(n+1,)`` earliest and latest start of service; ``ready[0], due[0]`` is the depot's
        horizon (vehicles leave at or after ``ready[0]`` and return by ``due[0]``).
    service
        ``(n+1,)`` service duration per node; 0 for the depot.
    """

    name: str
    num_vehicles: int
    capacity: int
    coords: IntArray = field(repr=False)
    demand: IntArray = field(repr=False)
    ready: IntArray = field(repr=False)
    due: IntArray = field(repr=False)
    service: IntArray = field(repr=False)

    def __post_init__(self) -> None:
        owner = self.name
        coords = frozen_int_array(owner, "coords", self.coords, (None, 2))
        size = coords.shape[0]
        if size < 1:
            raise ValueError(f"{owner}: coords: needs at least the depot row")
        object.__setattr__(self, "coords", coords)
        for fname in ("demand", "ready", "due", "service"):
            arr = frozen_int_array(owner, fname, getattr(self, fname), (size,))
            object.__setattr__(self, fname, arr)
        if self.num_vehicles < 1:
            raise ValueError(f"{owner}: num_vehicles: must be >= 1, got {self.num_vehicles}")
        if self.capacity < 0:
            raise ValueError(f"{owner}: capacity: must be >= 0, got {self.capacity}")
        if self.demand[0] != 0:
            raise ValueError(f"{owner}: depot: demand must be 0, got {self.demand[0]}")
        if self.service[0] != 0:
            raise ValueError(f"{owner}: depot: service time must be 0, got {self.service[0]}")
        for fname, label in (("demand", "demand"), ("ready", "ready time"), ("service", "service")):
            arr = getattr(self, fname)
            i = first_index(arr < 0)
            if i is not None:
                raise ValueError(f"{owner}: {self._node(i)}: {label} {arr[i]} is negative")
        i = first_index(self.ready > self.due)
        if i is not None:
            raise ValueError(
                f"{owner}: {self._node(i)}: ready time {self.ready[i]} "
                f"is after due date {self.due[i]}"
            )

    @staticmethod
    def _node(i: int) -> str:
        return "depot" if i == 0 else f"customer {i}"

    @property
    def num_customers(self) -> int:
        """Number of customers ``n`` (nodes ``1..n``)."""
        return int(self.coords.shape[0]) - 1


def read_vrptw(path: str | os.PathLike[str]) -> VrptwInstance:
    """Read a Solomon or Gehring–Homberger text file.

    The format is a name line, a ``VEHICLE`` section (``NUMBER  CAPACITY`` header, then one line
    with two integers) and a ``CUSTOMER`` section (a header, then one line of seven integers per
    node: id, x, y, demand, ready, due, service; ids ``0, 1, 2, ...`` in order, 0 the depot).

    Raises
    ------
    BenchmarkFormatError
        If the file does not follow this format (message names the file and line).
    ValueError
        If the parsed data is invalid (see :class:`VrptwInstance`).
    """
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    numbered = [(no, line.strip()) for no, line in enumerate(lines, start=1) if line.strip()]
    if not numbered:
        raise BenchmarkFormatError(path, None, "empty file")
    name = numbered[0][1]
    pos = 1

    def expect(keyword: str) -> None:
        nonlocal pos
        if pos >= len(numbered) or not numbered[pos][1].upper().startswith(keyword):
            line = numbered[pos][0] if pos < len(numbered) else len(lines)
            raise BenchmarkFormatError(path, line, f"expected a line starting with {keyword!r}")
        pos += 1

    expect("VEHICLE")
    expect("NUMBER")
    if pos >= len(numbered):
        raise BenchmarkFormatError(path, len(lines), "missing the NUMBER CAPACITY values")
    line_no, text = numbered[pos]
    fleet = _ints(path, line_no, text, 2)
    pos += 1
    expect("CUSTOMER")
    expect("CUST")
    rows: list[list[int]] = []
    for line_no, text in numbered[pos:]:
        row = _ints(path, line_no, text, 7)
        if row[0] != len(rows):
            raise BenchmarkFormatError(
                path, line_no, f"node id {row[0]} out of order, expected {len(rows)}"
            )
        rows.append(row)
    if not rows:
        raise BenchmarkFormatError(path, len(lines), "no node rows after the CUSTOMER header")
    table = np.array(rows, dtype=np.int64)
    return VrptwInstance(
        name=name,
        num_vehicles=fleet[0],
        capacity=fleet[1],
        coords=table[:, 1:3],
        demand=table[:, 3],
        ready=table[:, 4],
        due=table[:, 5],
        service=table[:, 6],
    )


def _ints(path: str | os.PathLike[str], line_no: int, text: str, count: int) -> list[int]:
    parts = text.split()
    if len(parts) != count:
        raise BenchmarkFormatError(path, line_no, f"expected {count} integers, got {text!r}")
    try:
        return [int(p) for p in parts]
    except ValueError:
        raise BenchmarkFormatError(path, line_no, f"expected integers, got {text!r}") from None


def dimacs_distance_matrix(inst: VrptwInstance) -> IntArray:
    """Euclidean distances truncated to one decimal, as int64 **tenths** (DIMACS 2021 convention).

    ``d[i, j] = floor(10 * sqrt((x_i - x_j)^2 + (y_i - y_j)^2))``, computed exactly in integer
    arithmetic (``isqrt(100 * squared distance)``), so ``d / 10`` is the truncated distance. Under
    this convention travel time equals distance, so compare it with ``10 * ready``,
    ``10 * due`` and ``10 * service``; a route's cost is ``d.sum() / 10`` over its arcs.

    Returns
    -------
    numpy.ndarray
        ``(n+1, n+1)`` int64, symmetric, zero diagonal, node 0 the depot.
    """
    xy = inst.coords.astype(np.int64)
    diff = xy[:, None, :] - xy[None, :, :]
    target = 100 * (diff**2).sum(axis=2)
    root: IntArray = np.floor(np.sqrt(target.astype(np.float64))).astype(np.int64)
    # Correct any floating-point rounding so that root == isqrt(target) exactly.
    root -= (root * root > target).astype(np.int64)
    root += ((root + 1) * (root + 1) <= target).astype(np.int64)
    return root


@dataclass(frozen=True)
class VrptwBks:
    """Best-known values for one VRPTW instance (a row of ``bks.csv``).

    Attributes
    ----------
    instance
        Instance name, as in :attr:`VrptwInstance.name`.
    customers
        Number of customers.
    vehicles_bks
        Vehicle count of the *hierarchical* BKS (minimise vehicles, then distance).
    distance_bks_hierarchical
        Distance of the hierarchical BKS, full-precision Euclidean (classic convention).
    distance_bks_distance_only
        DIMACS 2021 BKS: total distance with arc distances truncated to one decimal, any number of
        routes up to ``num_vehicles``. This is the value to compare with.
    source
        Provenance note from the file.
    """

    instance: str
    customers: int
    vehicles_bks: int
    distance_bks_hierarchical: float
    distance_bks_distance_only: float
    source: str

    @property
    def distance_only_tenths(self) -> int:
        """``distance_bks_distance_only`` in the tenths of :func:`dimacs_distance_matrix`."""
        return round(self.distance_bks_distance_only * 10)


_BKS_COLUMNS = (
    "instance",
    "customers",
    "vehicles_bks",
    "distance_bks_hierarchical",
    "distance_bks_distance_only",
    "source",
)


def read_bks(path: str | os.PathLike[str]) -> dict[str, VrptwBks]:
    """Read the VRPTW ``bks.csv``, keyed by instance name.

    Raises
    ------
    BenchmarkFormatError
        On a missing column, an unparsable number or a duplicate instance.
    """
    out: dict[str, VrptwBks] = {}
    with Path(path).open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in _BKS_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise BenchmarkFormatError(path, 1, f"missing columns {missing}")
        for row in reader:
            line = reader.line_num
            try:
                bks = VrptwBks(
                    instance=row["instance"],
                    customers=int(row["customers"]),
                    vehicles_bks=int(row["vehicles_bks"]),
                    distance_bks_hierarchical=float(row["distance_bks_hierarchical"]),
                    distance_bks_distance_only=float(row["distance_bks_distance_only"]),
                    source=row["source"],
                )
            except (TypeError, ValueError) as exc:
                raise BenchmarkFormatError(path, line, f"bad value: {exc}") from None
            if bks.instance in out:
                raise BenchmarkFormatError(path, line, f"duplicate instance {bks.instance!r}")
            out[bks.instance] = bks
    return out


_ROUTE_RE = re.compile(r"Route\s*#\s*\d+\s*:(.*)", re.IGNORECASE)
_COST_RE = re.compile(r"Cost\s+\S+", re.IGNORECASE)


def read_dimacs_solution(path: str | os.PathLike[str]) -> list[list[int]]:
    """Read the routes of a DIMACS/CVRPLIB ``.sol`` file (``Route #i: c1 c2 ...`` lines).

    Returns one list of customer ids (1-based node indices, depot 0 excluded) per route, in file
    order. The ``Cost`` line is accepted and ignored. For validating a checker only.

    Raises
    ------
    BenchmarkFormatError
        On an unknown line or a non-positive / non-integer customer id.
    """
    routes: list[list[int]] = []
    text = Path(path).read_text(encoding="utf-8")
    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or _COST_RE.fullmatch(line):
            continue
        match = _ROUTE_RE.fullmatch(line)
        if match is None:
            raise BenchmarkFormatError(path, line_no, f"expected 'Route #i: ...', got {line!r}")
        try:
            route = [int(tok) for tok in match.group(1).split()]
        except ValueError:
            raise BenchmarkFormatError(path, line_no, "customer ids must be integers") from None
        if any(c < 1 for c in route):
            raise BenchmarkFormatError(path, line_no, "customer ids must be >= 1")
        routes.append(route)
    return routes
