"""Solver data of the routing model: integers only, frozen, validated on construction.

Units: times are integer **seconds** from an origin chosen by the caller (dispatch: midnight of
the planned day), distances integer **metres** (or benchmark units), costs integer **cost units**
(the caller fixes their meaning; dispatch uses weights documented in ``docs/dispatch.md``).

Nodes ``0..N-1`` are places the route may visit: vehicle start/end terminals, job visits and
pick-up stops. A job served by a team of ``m`` technicians is ``m`` nodes listed together in
``teams``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from solvers.arrays import (
    BoolArray,
    IntArray,
    first_index,
    frozen_bool_array,
    frozen_int_array,
)

NO_VALUE = -1  # "none" in integer arrays (no SLA deadline, no fixed start, no depot)

Window = tuple[int, int]


@dataclass(frozen=True)
class Vehicle:
    """One technician (or truck): terminals, shift, overtime, break and costs.

    ``shift_end`` is the regular end; the route may return up to ``overtime_max`` later at
    ``overtime_cost`` per second. The break (``break_duration`` > 0) starts in
    ``[break_earliest, break_latest]``.
    """

    name: str
    start_node: int
    end_node: int
    shift_start: int
    shift_end: int
    overtime_max: int = 0
    overtime_cost: int = 0
    break_earliest: int = 0
    break_latest: int = 0
    break_duration: int = 0
    capacity: int = 0
    span_cost: int = 0
    fixed_end_at_start: bool = False

    def __post_init__(self) -> None:
        who = f"vehicle {self.name}"
        if self.shift_end < self.shift_start:
            raise ValueError(
                f"{who}: shift_end {self.shift_end} is before shift_start {self.shift_start}"
            )
        for fname in ("overtime_max", "overtime_cost", "break_duration", "capacity", "span_cost"):
            if getattr(self, fname) < 0:
                raise ValueError(f"{who}: {fname} must be >= 0, got {getattr(self, fname)}")
        if self.break_duration and self.break_latest < self.break_earliest:
            raise ValueError(
                f"{who}: break_latest {self.break_latest} is before "
                f"break_earliest {self.break_earliest}"
            )


@dataclass(frozen=True, eq=False)
class Stability:
    """What a re-plan had before, and what changing it costs (cost units).

    ``vehicle[i]`` the vehicle that served node ``i`` (``NO_VALUE``: new work) and ``start[i]``
    its start of service (``NO_VALUE``: none); serving ``i`` with another vehicle costs
    ``reassign_cost``, and starting it more than ``move_slack`` seconds earlier or later
    costs ``move_cost`` per second beyond that.
    """

    vehicle: IntArray = field(repr=False)
    start: IntArray = field(repr=False)
    reassign_cost: int = 0
    move_slack: int = 0
    move_cost: int = 0

    def __post_init__(self) -> None:
        own = "stability"
        object.__setattr__(self, "vehicle", frozen_int_array(own, "vehicle", self.vehicle, (None,)))
        object.__setattr__(
            self, "start", frozen_int_array(own, "start", self.start, (len(self.vehicle),))
        )
        for name in ("reassign_cost", "move_slack", "move_cost"):
            if getattr(self, name) < 0:
                raise ValueError(f"{own}: {name} must be >= 0, got {getattr(self, name)}")


@dataclass(frozen=True, eq=False)
class RoutingData:
    """A routing instance.

    Attributes
    ----------
    names
        ``(N,)`` node labels used in messages (job ids, ``pickup:D1@T01``...).
    travel_time, distance, arc_cost
        ``(N, N)`` seconds, metres and the objective's cost of each arc.
    service
        ``(V, N)`` service duration of node ``i`` when vehicle ``k`` serves it.
    allowed
        ``(V, N)`` vehicle ``k`` may serve node ``i`` (skills, pins, parts screening).
    windows
        Per node, the disjoint sorted ``(start, end)`` windows for the start of service; empty
        means any time in the shift.
    penalty
        ``(N,)`` cost of leaving node ``i`` unserved; ``NO_VALUE`` means it must be served.
    sla_deadline, sla_cost
        Soft deadline on the **start** of service (``NO_VALUE``: none) and its cost per second.
    demand
        ``(N,)`` load units (VRPTW capacity); all zero when unused.
    fixed_start
        ``(N,)`` pinned start of service, or ``NO_VALUE``.
    teams
        Groups of nodes that form one job done by several vehicles starting together.
    precedences
        ``(before, after, lag)``: ``after`` starts at least ``service(before) + lag`` after
        ``before`` starts, when both are served.
    pickup_depot
        ``(N,)`` for a pick-up node the depot index it stands for, else ``NO_VALUE``.
    pickup_supply
        ``(N, D)`` depot ``d`` holds everything job node ``i`` needs.
    pickup_needed
        ``(V, N)`` vehicle ``k`` must visit a supplying depot before node ``i`` (its van does
        not carry the parts).
    part_use, part_stock
        Optional ``(N, P)`` units of part type ``p`` node ``i`` consumes and ``(V, P)`` units
        vehicle ``k`` carries; a pick-up node makes every type unlimited for the rest of the
        route (Pillac's TRSP rule). ``None``: quantities are not modelled.
    """

    names: tuple[str, ...]
    vehicles: tuple[Vehicle, ...]
    travel_time: IntArray = field(repr=False)
    distance: IntArray = field(repr=False)
    arc_cost: IntArray = field(repr=False)
    service: IntArray = field(repr=False)
    allowed: BoolArray = field(repr=False)
    windows: tuple[tuple[Window, ...], ...] = field(repr=False)
    penalty: IntArray = field(repr=False)
    sla_deadline: IntArray = field(repr=False)
    sla_cost: IntArray = field(repr=False)
    demand: IntArray = field(repr=False)
    fixed_start: IntArray = field(repr=False)
    teams: tuple[tuple[int, ...], ...] = ()
    precedences: tuple[tuple[int, int, int], ...] = ()
    pickup_depot: IntArray | None = field(default=None, repr=False)
    pickup_supply: BoolArray | None = field(default=None, repr=False)
    pickup_needed: BoolArray | None = field(default=None, repr=False)
    part_use: IntArray | None = field(default=None, repr=False)
    part_stock: IntArray | None = field(default=None, repr=False)
    horizon: int = 0
    stability: Stability | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        n, v = len(self.names), len(self.vehicles)
        own = "routing data"
        if v == 0:
            raise ValueError(f"{own}: vehicles: at least one vehicle is needed")
        set_ = object.__setattr__
        for fname in ("travel_time", "distance", "arc_cost"):
            set_(self, fname, frozen_int_array(own, fname, getattr(self, fname), (n, n)))
        set_(self, "service", frozen_int_array(own, "service", self.service, (v, n)))
        set_(self, "allowed", frozen_bool_array(own, "allowed", self.allowed, (v, n)))
        for fname in ("penalty", "sla_deadline", "sla_cost", "demand", "fixed_start"):
            set_(self, fname, frozen_int_array(own, fname, getattr(self, fname), (n,)))
        depots = 0
        if self.pickup_depot is None:
            set_(self, "pickup_depot", frozen_int_array(own, "pickup_depot", [-1] * n, (n,)))
        else:
            set_(
                self, "pickup_depot", frozen_int_array(own, "pickup_depot", self.pickup_depot, (n,))
            )
        assert self.pickup_depot is not None
        depots = int(self.pickup_depot.max(initial=-1)) + 1
        supply = self.pickup_supply
        if supply is None:
            supply = np.zeros((n, depots), dtype=bool)
        set_(self, "pickup_supply", frozen_bool_array(own, "pickup_supply", supply, (n, None)))
        needed = self.pickup_needed
        if needed is None:
            needed = np.zeros((v, n), dtype=bool)
        set_(self, "pickup_needed", frozen_bool_array(own, "pickup_needed", needed, (v, n)))
        if len(self.windows) != n:
            raise ValueError(f"{own}: windows: expected {n} entries, got {len(self.windows)}")
        for fname in ("travel_time", "distance", "arc_cost", "service"):
            neg: BoolArray = np.asarray(np.asarray(getattr(self, fname) < 0).any(axis=-1))
            i = first_index(neg)
            if i is not None:
                where = self.vehicles[i].name if fname == "service" else self.names[i]
                raise ValueError(f"{own}: {fname}: negative value in row of {where}")
        for i, wins in enumerate(self.windows):
            prev_end = None
            for start, end in wins:
                if end < start:
                    raise ValueError(
                        f"node {self.names[i]}: windows: end {end} is before start {start}"
                    )
                if prev_end is not None and start <= prev_end:
                    raise ValueError(f"node {self.names[i]}: windows: must be sorted and disjoint")
                prev_end = end
        terminals = set()
        for veh in self.vehicles:
            for fname in ("start_node", "end_node"):
                node = getattr(veh, fname)
                if not 0 <= node < n:
                    raise ValueError(
                        f"vehicle {veh.name}: {fname} {node} is not a node (0..{n - 1})"
                    )
                terminals.add(node)
        for team in self.teams:
            if len(team) < 2 or len(set(team)) != len(team):
                raise ValueError(f"routing data: teams: {team} needs two or more distinct nodes")
            for node in team:
                if node in terminals or not 0 <= node < n:
                    raise ValueError(f"routing data: teams: {node} is not a visit node")
        for before, after, lag in self.precedences:
            for node in (before, after):
                if node in terminals or not 0 <= node < n:
                    raise ValueError(f"routing data: precedences: {node} is not a visit node")
            if lag < 0:
                raise ValueError(f"node {self.names[after]}: precedence lag {lag} is negative")
        if self.horizon <= 0:
            latest = max(v.shift_end + v.overtime_max for v in self.vehicles)
            set_(self, "horizon", int(latest))
        if (self.part_use is None) != (self.part_stock is None):
            raise ValueError(f"{own}: part_use and part_stock go together")
        if self.part_use is not None and self.part_stock is not None:
            use = frozen_int_array(own, "part_use", self.part_use, (n, None))
            set_(self, "part_use", use)
            stock = frozen_int_array(own, "part_stock", self.part_stock, (v, use.shape[1]))
            set_(self, "part_stock", stock)
            if (use < 0).any() or (stock < 0).any():
                raise ValueError(f"{own}: part_use, part_stock: must be >= 0")
        # Pick-up nodes may exist for some depots only (the others hold nothing needed today):
        # the supply table has a column per depot, so it may be wider than the depots used.
        if depots and np.asarray(self.pickup_supply).shape[1] < depots:
            raise ValueError(
                f"{own}: pickup_supply: expected at least {depots} depot columns (one per "
                f"depot a pick-up node names)"
            )
        if self.stability is not None:
            self._check_stability(n, v)

    def _check_stability(self, n: int, v: int) -> None:
        st = self.stability
        assert st is not None
        if len(st.vehicle) != n:
            raise ValueError(
                f"routing data: stability: vehicle: expected {n} nodes, got {len(st.vehicle)}"
            )
        bad = (st.vehicle != NO_VALUE) & ((st.vehicle < 0) | (st.vehicle >= v))
        if bad.any():
            raise ValueError(
                f"routing data: stability: vehicle: no vehicle {int(st.vehicle[bad][0])}"
            )

    @property
    def num_nodes(self) -> int:
        return len(self.names)

    @property
    def num_vehicles(self) -> int:
        return len(self.vehicles)

    @property
    def terminals(self) -> frozenset[int]:
        """Start and end nodes of the vehicles (never visits)."""
        return frozenset(n for v in self.vehicles for n in (v.start_node, v.end_node))

    @property
    def visit_nodes(self) -> list[int]:
        """Nodes that may be visited (everything but the terminals), in index order."""
        term = self.terminals
        return [i for i in range(self.num_nodes) if i not in term]


def plain_vrptw_unsupported(data: RoutingData) -> str | None:
    """The first feature of ``data`` beyond plain VRPTW, or ``None`` for plain VRPTW.

    Plain VRPTW: one time window per visit, one service time per node whatever the vehicle,
    every vehicle allowed everywhere, arc cost = distance, capacity as the only resource. What
    goes beyond it: breaks, team jobs, precedences, parts pick-ups and quantities, pinned
    starts, SLA deadlines, eligibility, per-vehicle service times, several windows per visit,
    arc costs other than distance, span costs. :func:`solvers.routing.solve.solve_routing`
    skips its own construction on plain VRPTW (OR-Tools' first-solution strategy is better
    there); the PyVRP comparison of the benchmarks only takes plain VRPTW.
    """
    assert data.pickup_needed is not None
    visits = data.visit_nodes
    checks = (
        (any(v.break_duration for v in data.vehicles), "breaks"),
        (bool(data.teams), "team jobs"),
        (bool(data.precedences), "precedences"),
        (bool(data.pickup_needed.any()), "parts pick-ups"),
        (data.part_use is not None, "part quantities"),
        (bool((data.fixed_start[visits] != NO_VALUE).any()), "pinned starts"),
        (bool((data.sla_deadline[visits] != NO_VALUE).any()), "SLA deadlines"),
        (not bool(data.allowed[:, visits].all()), "eligibility"),
        (bool((data.service != data.service[0]).any()), "per-vehicle service times"),
        (any(len(data.windows[i]) > 1 for i in visits), "several windows per job"),
        (not np.array_equal(data.arc_cost, data.distance), "arc cost other than distance"),
        (any(v.span_cost for v in data.vehicles), "span cost"),
        (data.stability is not None, "re-plan stability"),
    )
    for bad, what in checks:
        if bad:
            return what
    return None


BACKENDS = ("engine", "ortools", "ruin_recreate")
"""``engine``: the day engine (:mod:`solvers.routing.engine`), what dispatch uses;
``ortools``: OR-Tools guided local search after :mod:`solvers.routing.construct`;
``ruin_recreate``: SISR in numpy for span-cost routing (:mod:`solvers.routing.ruin_recreate`)."""


@dataclass(frozen=True)
class RoutingParams:
    """How to search: explicit time limit, seed and workers (every back-end uses one thread).

    ``seed`` seeds the search (OR-Tools: relabels the visit nodes by a seeded permutation), so
    different seeds explore differently while one seed always gives the same plan.
    ``initial_routes`` (node lists per vehicle, terminals excluded) warm-start the search.
    ``backend``: one of :data:`BACKENDS`. ``iterations`` (day engine and ruin and recreate)
    stops that search after so many iterations instead of at the time limit, which makes it
    reproducible. ``construct`` (OR-Tools only): OR-Tools starts from
    :func:`solvers.routing.construct.construct` (priority-ordered cheapest insertion, extending
    ``initial_routes`` when given) instead of ``first_solution``, on instances with a warm
    start or features beyond plain VRPTW (breaks, eligibility, parts, pins, SLAs...:
    :func:`plain_vrptw_unsupported`);
    ``lns_time_limit_s`` bounds OR-Tools' restore of that start and each LNS sub-search
    (``None``: 2 ms per visit of the start, at least OR-Tools' 0.1 s and at most
    ``time_limit_s``; once ten times that if the restore fails).
    """

    time_limit_s: float
    seed: int = 0
    workers: int = 1
    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    initial_routes: tuple[tuple[int, ...], ...] | None = None
    solution_limit: int | None = None
    log_search: bool = False
    backend: str = "engine"
    construct: bool = True
    lns_time_limit_s: float | None = None
    iterations: int | None = None

    def __post_init__(self) -> None:
        if not self.time_limit_s > 0:
            raise ValueError(f"routing params: time_limit_s must be > 0, got {self.time_limit_s}")
        if self.workers != 1:
            raise ValueError(
                f"routing params: workers must be 1 (OR-Tools routing is single-threaded), "
                f"got {self.workers}"
            )
        if self.backend not in BACKENDS:
            # PyVRP is a comparison of the benchmarks (fieldopt bench vrptw --engine pyvrp)
            raise ValueError(
                f"routing params: backend must be one of {', '.join(BACKENDS)}, "
                f"got {self.backend!r}"
            )
        if self.iterations is not None and self.iterations < 0:
            raise ValueError(f"routing params: iterations must be >= 0, got {self.iterations}")
        if self.seed < 0:
            raise ValueError(f"routing params: seed must be >= 0, got {self.seed}")
