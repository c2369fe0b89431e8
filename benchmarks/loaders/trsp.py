"""Technician routing (TRSP) instances of Pillac, Guéret & Medaglia (2013), with best-known values.

Conventions (see ``data/benchmarks/trsp/RULES.md`` for the full rules behind the best-known values)
---------------------------------------------------------------------------------------------------
- Nodes are the file's rows, in order: node 0 is the main depot, nodes ``1..K`` the technicians'
  homes (technician ``k`` is node ``k + 1``, 0-based ``k``), nodes ``K+1..K+N`` the requests
  (request ``j`` is node ``K + 1 + j`` and equals Solomon customer ``j + 1``).
- Times and coordinates are the file's integers in abstract units; travel time equals Euclidean
  distance in double precision, no rounding (speed 1), see :func:`travel_time_matrix`.
- A node's window ``[ready, due]`` bounds the start of service (arrival may be earlier, then
  waits). A home's window is the technician's shift; the depot's is ``[0, H]``.
- Skills and tools are sets, stored as boolean matrices (file ids are already 0-based). Spare
  parts are integer counts per part type: a technician's initial stock, a request's consumption.
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchmarks.loaders.errors import BenchmarkFormatError
from solvers.arrays import (
    BoolArray,
    FloatArray,
    IntArray,
    first_index,
    frozen_bool_array,
    frozen_int_array,
)

__all__ = [
    "TrspBks",
    "TrspInstance",
    "read_pillac",
    "read_pillac_bks",
    "read_pillac_tours",
    "travel_time_matrix",
]


@dataclass(frozen=True, eq=False)
class TrspInstance:
    """A TRSP instance: ``K`` technicians, ``N`` requests, ``S`` skills, ``T`` tools, ``P`` parts.

    Node-indexed arrays have ``1 + K + N`` rows in file-row order (depot, homes, requests); all
    arrays are read-only.

    Attributes
    ----------
    name
        Instance name (first line of the file, e.g. ``"C101.100_25-5-5-5"``).
    num_technicians
        ``K``.
    coords
        ``(1+K+N, 2)`` int64 x, y.
    ready, due
        ``(1+K+N,)`` int64 time window on the start of service; for a home, the technician's
        shift (the route starts at the home at ``ready`` and must be back by ``due``).
    service
        ``(1+K+N,)`` int64 service time; 0 for the depot and the homes (their file column is
        ignored, as in the authors' code).
    tech_skills, tech_tools
        ``(K, S)`` and ``(K, T)`` bool: skills mastered, tools carried from the start.
    tech_parts
        ``(K, P)`` int64 initial spare-part stock per type.
    req_skills, req_tools
        ``(N, S)`` and ``(N, T)`` bool: skills and tools a request needs (all of them).
    req_parts
        ``(N, P)`` int64 spare parts a request consumes per type.
    """

    name: str
    num_technicians: int
    coords: IntArray = field(repr=False)
    ready: IntArray = field(repr=False)
    due: IntArray = field(repr=False)
    service: IntArray = field(repr=False)
    tech_skills: BoolArray = field(repr=False)
    tech_tools: BoolArray = field(repr=False)
    tech_parts: IntArray = field(repr=False)
    req_skills: BoolArray = field(repr=False)
    req_tools: BoolArray = field(repr=False)
    req_parts: IntArray = field(repr=False)

    def __post_init__(self) -> None:
        owner, k = self.name, self.num_technicians
        if k < 1:
            raise ValueError(f"{owner}: num_technicians: must be >= 1, got {k}")
        coords = frozen_int_array(owner, "coords", self.coords, (None, 2))
        size = coords.shape[0]
        if size < 1 + k:
            raise ValueError(
                f"{owner}: coords: {size} rows cannot hold the depot and {k} technicians"
            )
        n = size - 1 - k
        object.__setattr__(self, "coords", coords)
        for fname in ("ready", "due", "service"):
            arr = frozen_int_array(owner, fname, getattr(self, fname), (size,))
            object.__setattr__(self, fname, arr)
        tech_skills = frozen_bool_array(owner, "tech_skills", self.tech_skills, (k, None))
        tech_tools = frozen_bool_array(owner, "tech_tools", self.tech_tools, (k, None))
        tech_parts = frozen_int_array(owner, "tech_parts", self.tech_parts, (k, None))
        s, t, p = tech_skills.shape[1], tech_tools.shape[1], tech_parts.shape[1]
        object.__setattr__(self, "tech_skills", tech_skills)
        object.__setattr__(self, "tech_tools", tech_tools)
        object.__setattr__(self, "tech_parts", tech_parts)
        req_skills = frozen_bool_array(owner, "req_skills", self.req_skills, (n, s))
        object.__setattr__(self, "req_skills", req_skills)
        req_tools = frozen_bool_array(owner, "req_tools", self.req_tools, (n, t))
        object.__setattr__(self, "req_tools", req_tools)
        req_parts = frozen_int_array(owner, "req_parts", self.req_parts, (n, p))
        object.__setattr__(self, "req_parts", req_parts)

        for fname, label in (("ready", "ready time"), ("service", "service time")):
            values = getattr(self, fname)
            i = first_index(values < 0)
            if i is not None:
                raise ValueError(f"{owner}: {self.node_label(i)}: {label} {values[i]} is negative")
        i = first_index(self.service[: 1 + k] != 0)
        if i is not None:
            raise ValueError(
                f"{owner}: {self.node_label(i)}: service time must be 0, got {self.service[i]}"
            )
        i = first_index(self.ready > self.due)
        if i is not None:
            raise ValueError(
                f"{owner}: {self.node_label(i)}: ready time {self.ready[i]} "
                f"is after due date {self.due[i]}"
            )
        for fname, offset in (("tech_parts", 1), ("req_parts", 1 + k)):
            parts = getattr(self, fname)
            bad = np.argwhere(parts < 0)
            if bad.size:
                row, col = (int(v) for v in bad[0])
                raise ValueError(
                    f"{owner}: {self.node_label(offset + row)}: {fname}[{col}] "
                    f"is negative ({parts[row, col]})"
                )

    @property
    def num_requests(self) -> int:
        """``N``."""
        return int(self.coords.shape[0]) - 1 - self.num_technicians

    @property
    def num_skills(self) -> int:
        """``S``."""
        return int(self.tech_skills.shape[1])

    @property
    def num_tools(self) -> int:
        """``T``."""
        return int(self.tech_tools.shape[1])

    @property
    def num_part_types(self) -> int:
        """``P``."""
        return int(self.tech_parts.shape[1])

    def home_node(self, k: int) -> int:
        """Node index of technician ``k``'s home (0-based ``k``)."""
        return 1 + k

    def request_node(self, j: int) -> int:
        """Node index of request ``j`` (0-based ``j``)."""
        return 1 + self.num_technicians + j

    def node_label(self, node: int) -> str:
        """Human-readable name of a node, used in error messages."""
        k = self.num_technicians
        if node == 0:
            return "depot"
        if node <= k:
            return f"technician {node - 1} (row {node})"
        return f"request {node - 1 - k} (row {node})"


def travel_time_matrix(inst: TrspInstance) -> FloatArray:
    """Euclidean distance between all nodes, float64, no rounding; equals travel time (speed 1).

    Returns
    -------
    numpy.ndarray
        ``(1+K+N, 1+K+N)`` float64 in file-row node order (see the module docstring).
    """
    xy = inst.coords.astype(np.float64)
    diff = xy[:, None, :] - xy[None, :, :]
    out: FloatArray = np.sqrt((diff**2).sum(axis=2))
    return out


_ROW_RE = re.compile(
    r"(\d+)\s+(-?\d+)\s+(-?\d+)\s+(-?\d+)\s+(-?\d+)\s+(-?\d+)\s+"
    r"\[([^\]]*)\]\s+\[([^\]]*)\]\s+\[([^\]]*)\]"
)


def read_pillac(path: str | os.PathLike[str]) -> TrspInstance:
    """Read a Pillac TRSP file (``crew25/*.txt``).

    Format: a name line; ``INFO`` with a header and the four integers ``K S T P``; then ``DEPOT
    TECHNICIANS AND REQUESTS`` with a header and one row per node ``ID X Y TWS TWE Serv [skills]
    [tools] [parts]``: row 0 the depot (its lists are ignored), rows ``1..K`` the technicians
    (skill and tool *ids*, initial stock per part type), the remaining rows the requests (skill
    and tool ids required, quantity consumed per part type). Ids are 0-based in the file.

    Raises
    ------
    BenchmarkFormatError
        If the file does not follow this format (message names the file and line).
    ValueError
        If the parsed data is invalid (see :class:`TrspInstance`).
    """
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    numbered = [(no, line.strip()) for no, line in enumerate(lines, start=1) if line.strip()]
    if len(numbered) < 6:
        raise BenchmarkFormatError(path, None, "file too short for a Pillac TRSP instance")
    name = numbered[0][1]
    for pos, keyword in ((1, "INFO"), (2, "CREW"), (4, "DEPOT"), (5, "ID")):
        line_no, text = numbered[pos]
        if not text.upper().startswith(keyword):
            raise BenchmarkFormatError(path, line_no, f"expected a line starting with {keyword!r}")
    line_no, text = numbered[3]
    try:
        k, s, t, p = (int(v) for v in text.split())
    except ValueError:
        raise BenchmarkFormatError(
            path, line_no, f"expected 4 integers (crew, skills, tools, parts), got {text!r}"
        ) from None

    table: list[list[int]] = []
    skills: list[list[bool]] = []
    tools: list[list[bool]] = []
    parts: list[list[int]] = []
    for line_no, text in numbered[6:]:
        match = _ROW_RE.fullmatch(text)
        if match is None:
            raise BenchmarkFormatError(
                path, line_no, "expected 'ID X Y TWS TWE Serv [skills] [tools] [parts]'"
            )
        row = [int(match.group(g)) for g in range(1, 7)]
        if row[0] != len(table):
            raise BenchmarkFormatError(
                path, line_no, f"row id {row[0]} out of order, expected {len(table)}"
            )
        table.append(row)
        if row[0] == 0:
            continue  # depot: skills, tools and parts are not used
        skill_ids = _id_list(path, line_no, match.group(7), "skill", s)
        tool_ids = _id_list(path, line_no, match.group(8), "tool", t)
        qty = _int_list(path, line_no, match.group(9))
        if len(qty) != p:
            raise BenchmarkFormatError(
                path, line_no, f"expected {p} spare-part quantities, got {len(qty)}"
            )
        skills.append([i in skill_ids for i in range(s)])
        tools.append([i in tool_ids for i in range(t)])
        parts.append(qty)
    if len(table) < 1 + k:
        raise BenchmarkFormatError(path, None, f"{len(table)} rows, expected at least {1 + k}")

    arr = np.array(table, dtype=np.int64)
    service = arr[:, 5].copy()
    service[: 1 + k] = 0
    skill_m = np.array(skills, dtype=np.bool_).reshape(-1, s)
    tool_m = np.array(tools, dtype=np.bool_).reshape(-1, t)
    part_m = np.array(parts, dtype=np.int64).reshape(-1, p)
    return TrspInstance(
        name=name,
        num_technicians=k,
        coords=arr[:, 1:3],
        ready=arr[:, 3],
        due=arr[:, 4],
        service=service,
        tech_skills=skill_m[:k],
        tech_tools=tool_m[:k],
        tech_parts=part_m[:k],
        req_skills=skill_m[k:],
        req_tools=tool_m[k:],
        req_parts=part_m[k:],
    )


def _int_list(path: str | os.PathLike[str], line_no: int, text: str) -> list[int]:
    text = text.strip()
    if not text:
        return []
    try:
        return [int(v) for v in text.split(",")]
    except ValueError:
        raise BenchmarkFormatError(path, line_no, f"bad integer list [{text}]") from None


def _id_list(
    path: str | os.PathLike[str], line_no: int, text: str, what: str, count: int
) -> set[int]:
    ids = _int_list(path, line_no, text)
    bad = [i for i in ids if not 0 <= i < count]
    if bad:
        raise BenchmarkFormatError(path, line_no, f"{what} id {bad[0]} out of range 0..{count - 1}")
    return set(ids)


@dataclass(frozen=True)
class TrspBks:
    """Best-known values for one Pillac instance (``bks_pillac_dissertation.csv``).

    Attributes
    ----------
    instance
        Instance name, as in :attr:`TrspInstance.name`.
    duration_bks
        Best-known objective: total route duration (travel + service + waiting, with the latest
        feasible departure from home; ``RULES.md`` section 3), 3 decimals.
    distance_of_bks_solution
        Total Euclidean distance of that solution (for reference only).
    """

    instance: str
    duration_bks: float
    distance_of_bks_solution: float


def read_pillac_bks(path: str | os.PathLike[str]) -> dict[str, TrspBks]:
    """Read ``bks_pillac_dissertation.csv``, keyed by instance name.

    Raises
    ------
    BenchmarkFormatError
        On a missing column, an unparsable number or a duplicate instance.
    """
    columns = ("instance", "duration_bks", "distance_of_bks_solution")
    out: dict[str, TrspBks] = {}
    with Path(path).open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise BenchmarkFormatError(path, 1, f"missing columns {missing}")
        for row in reader:
            try:
                bks = TrspBks(
                    instance=row["instance"],
                    duration_bks=float(row["duration_bks"]),
                    distance_of_bks_solution=float(row["distance_of_bks_solution"]),
                )
            except (TypeError, ValueError) as exc:
                raise BenchmarkFormatError(path, reader.line_num, f"bad value: {exc}") from None
            if bks.instance in out:
                raise BenchmarkFormatError(
                    path, reader.line_num, f"duplicate instance {bks.instance!r}"
                )
            out[bks.instance] = bks
    return out


def read_pillac_tours(
    path: str | os.PathLike[str], *, num_technicians: int = 25, num_requests: int = 100
) -> dict[str, list[list[int]]]:
    """Read the tours of ``pillac-minwt.sol.bck`` (for validating a checker only).

    Each ``<name>-S=<tour|tour|...>`` line holds one comma-separated tour per technician, in
    the authors' internal ids: home ``k`` (file row, 1-based), the visits, then the end home
    ``k + K + N``; ``k + 2K + N`` is technician ``k``'s copy of the main depot. Other lines
    (comments, ``name=value``) are ignored.

    Returns
    -------
    dict
        ``name -> routes`` with ``routes[k]`` (0-based technician ``k``, all ``K`` present) the
        visited nodes in :class:`TrspInstance` node numbering: request nodes ``K+1..K+N`` and 0
        for the main depot; homes are left out, an empty list means the technician stays home.

    Raises
    ------
    BenchmarkFormatError
        On an id outside these ranges, a tour not ending at its own home, a technician with two
        tours, or a duplicate instance.
    """
    k_count, n_count = num_technicians, num_requests
    out: dict[str, list[list[int]]] = {}
    text = Path(path).read_text(encoding="utf-8")
    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise BenchmarkFormatError(path, line_no, "expected 'name=value'")
        if not key.endswith("-S"):
            continue
        name = key[:-2]
        if name in out:
            raise BenchmarkFormatError(path, line_no, f"duplicate tours for {name!r}")
        if not (value.startswith("<") and value.endswith(">")):
            raise BenchmarkFormatError(path, line_no, "tours must be enclosed in '<...>'")
        routes: list[list[int] | None] = [None] * k_count
        for tour_text in value[1:-1].split("|"):
            if not tour_text:
                continue
            try:
                ids = [int(v) for v in tour_text.split(",")]
            except ValueError:
                raise BenchmarkFormatError(path, line_no, f"bad tour {tour_text!r}") from None
            home = ids[0]
            if not 1 <= home <= k_count or len(ids) < 2:
                raise BenchmarkFormatError(path, line_no, f"bad tour start in {tour_text!r}")
            if ids[-1] != home + k_count + n_count:
                raise BenchmarkFormatError(
                    path, line_no, f"tour {tour_text!r} does not end at home {home}"
                )
            if routes[home - 1] is not None:
                raise BenchmarkFormatError(path, line_no, f"technician row {home} has two tours")
            visits: list[int] = []
            for node in ids[1:-1]:
                if node == home + 2 * k_count + n_count:
                    visits.append(0)
                elif k_count < node <= k_count + n_count:
                    visits.append(node)
                else:
                    raise BenchmarkFormatError(
                        path, line_no, f"node {node} not valid in the tour of row {home}"
                    )
            routes[home - 1] = visits
        out[name] = [r if r is not None else [] for r in routes]
    return out
