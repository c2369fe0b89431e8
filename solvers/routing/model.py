"""The OR-Tools routing model, one function per constraint family.

Notation: ``V`` vehicles ``k``, nodes ``i, j``; ``x_ijk = 1`` when vehicle ``k`` drives ``i → j``;
``a_i = 1`` when node ``i`` is served; ``v_i`` the vehicle serving ``i``; ``T_i`` the start of
service (the ``time`` dimension's cumul); ``s_ki`` the service of ``i`` by ``k``; ``t_ij`` travel.
All matrices are registered with ``RegisterTransitMatrix`` / ``RegisterUnaryTransitVector``
(C++ side), never as per-arc Python callbacks.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from solvers.arrays import IntArray
from solvers.routing.data import NO_VALUE, RoutingData

TIME = "time"
LOAD = "load"


@dataclass
class Model:
    """The OR-Tools objects of one build, plus the data in the solver's node order."""

    data: RoutingData
    manager: Any
    routing: Any
    time: Any = None
    breaks: dict[int, Any] = field(default_factory=dict)

    def index(self, node: int) -> int:
        return int(self.manager.NodeToIndex(node))

    @property
    def solver(self) -> Any:
        return self.routing.solver()


def build_routing(data: RoutingData) -> Model:
    """Create the index manager and routing model: ``V`` vehicles with their start/end nodes."""
    from ortools.constraint_solver import pywrapcp

    starts = [v.start_node for v in data.vehicles]
    ends = [v.end_node for v in data.vehicles]
    manager = pywrapcp.RoutingIndexManager(data.num_nodes, data.num_vehicles, starts, ends)
    return Model(data, manager, pywrapcp.RoutingModel(manager))


def _index_matrix(m: Model, matrix: IntArray) -> list[list[int]]:
    return matrix.tolist()  # type: ignore[no-any-return]


def add_arc_costs(m: Model) -> None:
    """Objective term ``Σ_k Σ_ij c_ij x_ijk`` (dispatch: travel seconds; VRPTW: distance)."""
    cb = m.routing.RegisterTransitMatrix(_index_matrix(m, m.data.arc_cost))
    m.routing.SetArcCostEvaluatorOfAllVehicles(cb)


def service_classes(d: RoutingData) -> tuple[list[tuple[IntArray, list[int]]], list[int]]:
    """Group vehicles whose service times agree on every node both may visit.

    A vehicle only ever visits its allowed nodes and its own terminals, so its service row
    matters there only; vehicles are merged greedily (in index order) into the first class
    that agrees on the overlap. Returns ``[(row, vehicles)]`` per class and the class of each
    vehicle.
    """
    rows: list[tuple[IntArray, list[int]]] = []
    defined: list[np.ndarray] = []
    of_vehicle: list[int] = []
    for k, veh in enumerate(d.vehicles):
        rel = d.allowed[k].copy()
        rel[[veh.start_node, veh.end_node]] = True
        svc = d.service[k]
        for c, (row, members) in enumerate(rows):
            both = rel & defined[c]
            if np.array_equal(row[both], svc[both]):
                row[rel] = svc[rel]
                defined[c] |= rel
                members.append(k)
                of_vehicle.append(c)
                break
        else:
            row = np.zeros(d.num_nodes, dtype=np.int64)
            row[rel] = svc[rel]
            rows.append((row, [k]))
            defined.append(rel)
            of_vehicle.append(len(rows) - 1)
    return rows, of_vehicle


def add_travel_time(m: Model) -> None:
    """Time propagation: ``x_ijk = 1 ⇒ T_j ≥ T_i + s_ki + t_ij`` (waiting is the slack).

    Vehicles whose service times agree wherever both may go share one registered matrix
    ``t + s`` (:func:`service_classes`; 27 matrices instead of 99 on a 1,000-job day).
    """
    d = m.data
    per_vehicle = [0] * d.num_vehicles
    rows, _ = service_classes(d)
    for row, members in rows:
        transit = d.travel_time + row[:, None]
        cb = m.routing.RegisterTransitMatrix(transit.tolist())
        del transit
        for k in members:
            per_vehicle[k] = cb
    horizon = int(d.horizon)
    m.routing.AddDimensionWithVehicleTransits(per_vehicle, horizon, horizon, False, TIME)
    m.time = m.routing.GetDimensionOrDie(TIME)


def add_shifts(m: Model) -> None:
    """Shift and overtime: ``T_start(k) ≥ shift_start_k``, ``T_end(k) ≤ shift_end_k + ot_max_k``.

    Overtime ``max(0, T_end(k) − shift_end_k)`` costs ``overtime_cost_k`` per second; the span
    ``T_end(k) − T_start(k)`` costs ``span_cost_k`` per second (the TRSP objective). The start is
    maximised and the end minimised by the finaliser: leave as late as the plan allows.
    """
    for k, veh in enumerate(m.data.vehicles):
        start = m.time.CumulVar(m.routing.Start(k))
        end = m.time.CumulVar(m.routing.End(k))
        start.SetRange(veh.shift_start, veh.shift_end + veh.overtime_max)
        end.SetRange(veh.shift_start, veh.shift_end + veh.overtime_max)
        if veh.overtime_max and veh.overtime_cost:
            m.time.SetCumulVarSoftUpperBound(m.routing.End(k), veh.shift_end, veh.overtime_cost)
        if veh.span_cost:
            m.time.SetSpanCostCoefficientForVehicle(veh.span_cost, k)
        m.routing.AddVariableMaximizedByFinalizer(start)
        m.routing.AddVariableMinimizedByFinalizer(end)


def add_time_windows(m: Model) -> None:
    """Hard windows on the start of service: ``T_i ∈ ∪_w [e_iw, l_iw]``; pins ``T_i = p_i``.

    The hull ``[min e, max l]`` bounds the cumul and the gaps between windows are removed.
    """
    d = m.data
    for i in d.visit_nodes:
        var = m.time.CumulVar(m.index(i))
        if d.fixed_start[i] != NO_VALUE:
            var.SetRange(int(d.fixed_start[i]), int(d.fixed_start[i]))
            continue
        wins = d.windows[i]
        if not wins:
            continue
        var.SetRange(wins[0][0], wins[-1][1])
        for (_, end), (nxt, _) in itertools.pairwise(wins):
            if nxt > end + 1:
                var.RemoveInterval(end + 1, nxt - 1)


def add_skill_eligibility(m: Model) -> None:
    """Eligibility: ``v_i ∈ K_i`` where ``K_i = {k : allowed_ki}`` (skills, pins, parts).

    A node no vehicle may serve is forced out (``a_i = 0``).
    """
    d = m.data
    n_veh = d.num_vehicles
    for i in d.visit_nodes:
        ks = np.flatnonzero(d.allowed[:, i]).tolist()
        if len(ks) == n_veh:
            continue
        idx = m.index(i)
        if not ks:
            m.routing.ActiveVar(idx).SetValue(0)
        else:
            # SetAllowedVehiclesForIndex is not usable from Python (absl::Span binding).
            banned = np.flatnonzero(~d.allowed[:, i]).tolist()
            m.routing.VehicleVar(idx).RemoveValues(banned)


def add_capacity(m: Model) -> None:
    """Load: ``Σ_{i on route k} q_i ≤ Q_k`` (VRPTW capacity); skipped when no node has demand."""
    d = m.data
    if not d.demand.any():
        return
    cb = m.routing.RegisterUnaryTransitVector(d.demand.tolist())
    caps = [v.capacity for v in d.vehicles]
    m.routing.AddDimensionWithVehicleCapacity(cb, 0, caps, True, LOAD)


def add_breaks(m: Model) -> None:
    """Lunch: one interval ``[b_k, b_k + β_k)`` with ``b_k ∈ [e_k, l_k]`` inside the route of ``k``.

    The break never overlaps a visit (``node_visit_transits`` are the service times); between
    visits ``i`` and ``j`` it needs ``T_j ≥ T_i + s_ki + t_ij + β_k``.
    """
    d = m.data
    size = m.routing.Size() + m.routing.vehicles()
    node_of = np.array([m.manager.IndexToNode(idx) for idx in range(size)], dtype=np.int64)
    for k, veh in enumerate(d.vehicles):
        if veh.break_duration <= 0:
            continue
        interval = m.solver.FixedDurationIntervalVar(
            veh.break_earliest, veh.break_latest, veh.break_duration, False, f"break {veh.name}"
        )
        visit = d.service[k][node_of].tolist()  # service of each index's node
        m.time.SetBreakIntervalsOfVehicle([interval], k, visit)
        m.breaks[k] = interval


def add_sla(m: Model) -> None:
    """SLA (soft): ``cost_i · max(0, T_i − deadline_i)`` with the deadline on the start of service
    (the translation subtracts the job's nominal duration from the SLA's completion deadline)."""
    d = m.data
    for i in d.visit_nodes:
        if d.sla_deadline[i] != NO_VALUE and d.sla_cost[i] > 0:
            m.time.SetCumulVarSoftUpperBound(m.index(i), int(d.sla_deadline[i]), int(d.sla_cost[i]))


def add_unassigned_penalties(m: Model) -> None:
    """Optional work: ``a_i ∈ {0, 1}`` at cost ``π_i (1 − a_i)``; ``π_i = NO_VALUE``: ``a_i = 1``.

    Penalties carry the objective order (critical ≫ … ≫ SLA ≫ overtime ≫ travel). A team job's
    penalty is split over its nodes, so inserting its first member already pays off.
    """
    d = m.data
    for i in d.visit_nodes:
        if d.penalty[i] != NO_VALUE:
            m.routing.AddDisjunction([m.index(i)], int(d.penalty[i]))


def add_teams(m: Model) -> None:
    """Teams: members ``i, j`` of one job start together on different vehicles:
    ``T_i = T_j`` and ``a_i a_j = 1 ⇒ v_i ≠ v_j``. A lone served member is dropped after the
    search (see :func:`solvers.routing.solve.solve_routing`)."""
    solver = m.solver
    for team in m.data.teams:
        idx = [m.index(i) for i in team]
        for a, b in itertools.pairwise(idx):
            solver.Add(m.time.CumulVar(a) == m.time.CumulVar(b))
        for p, a in enumerate(idx):
            for b in idx[p + 1 :]:
                both = m.routing.ActiveVar(a) * m.routing.ActiveVar(b)
                differ = solver.IsDifferentVar(m.routing.VehicleVar(a), m.routing.VehicleVar(b))
                solver.Add(differ >= both)


def add_precedences(m: Model) -> None:
    """Finish-to-start ``i → j``: ``a_j ≤ a_i`` and ``a_j = 1 ⇒ T_j ≥ T_i + max_k s_ki + lag``."""
    d = m.data
    solver = m.solver
    big = int(d.horizon) * 2
    for before, after, lag in d.precedences:
        bi, ai = m.index(before), m.index(after)
        act_b, act_a = m.routing.ActiveVar(bi), m.routing.ActiveVar(ai)
        solver.Add(act_a <= act_b)
        dur = int(d.service[:, before].max()) + int(lag)
        slack = big * (1 - act_a)
        solver.Add(m.time.CumulVar(ai) + slack >= m.time.CumulVar(bi) + dur)


def add_parts_pickups(m: Model) -> None:
    """Parts: if vehicle ``k`` serves job ``i`` whose parts its van does not carry
    (``need_ki``), a pick-up at a depot ``d`` that holds them precedes ``i`` on the route:
    ``Σ_{d ∈ D_i} P^d_i ≥ need_{v_i, i}``, where ``P^d`` counts visits to pick-up nodes of
    depot ``d`` (a dimension per depot). Pick-up nodes are optional (their ``penalty``).
    """
    d = m.data
    assert d.pickup_depot is not None and d.pickup_supply is not None
    assert d.pickup_needed is not None
    depots = int(d.pickup_depot.max(initial=-1)) + 1
    if depots == 0 or not d.pickup_needed.any():
        return
    dims = []
    for dep in range(depots):
        vec = (d.pickup_depot == dep).astype(np.int64)
        cb = m.routing.RegisterUnaryTransitVector(vec.tolist())
        cap = int(vec.sum()) + 1
        m.routing.AddDimension(cb, 0, cap, True, f"pickup{dep}")
        dims.append(m.routing.GetDimensionOrDie(f"pickup{dep}"))
    solver = m.solver
    for i in np.flatnonzero(d.pickup_needed.any(axis=0)).tolist():
        idx = m.index(i)
        need = [0, *[int(x) for x in d.pickup_needed[:, i]]]
        required = solver.Element(need, m.routing.VehicleVar(idx) + 1)
        supply = np.flatnonzero(d.pickup_supply[i]).tolist()
        if not supply:
            solver.Add(required == 0)
            continue
        total = solver.Sum([dims[dep].CumulVar(idx) for dep in supply])
        solver.Add(total >= required)


def add_part_stock(m: Model) -> None:
    """Part quantities (when given): ``S^p_k − Σ_{i before j on k's route} u_ip ≥ u_jp`` until
    the route's first pick-up, after which part ``p`` is unlimited. Dimension per part type
    with cumul = units left: the start cumul is fixed to ``S^p_k``, a job subtracts ``u_ip``, a
    pick-up adds more than the whole demand, and the cumul stays in ``[0, capacity]``; the
    capacity leaves room for every pick-up node a vehicle may visit (one per depot), so a route
    may visit several depots.
    """
    d = m.data
    if d.part_use is None or d.part_stock is None:
        return
    assert d.pickup_depot is not None
    refill = int(d.part_use.sum()) + 1
    per_vehicle = int((d.allowed & (d.pickup_depot >= 0)[None, :]).sum(axis=1).max(initial=0))
    cap = refill * max(1, per_vehicle) + int(d.part_stock.max(initial=0))
    for p in range(d.part_use.shape[1]):
        vec = -d.part_use[:, p]
        vec = np.where(d.pickup_depot >= 0, refill, vec)
        cb = m.routing.RegisterUnaryTransitVector(vec.tolist())
        m.routing.AddDimension(cb, 0, cap, False, f"part{p}")
        dim = m.routing.GetDimensionOrDie(f"part{p}")
        for k in range(d.num_vehicles):
            start = int(d.part_stock[k, p])
            dim.CumulVar(m.routing.Start(k)).SetRange(start, start)


def add_stability(m: Model) -> None:
    """Re-plan stability (soft): ``c_r · [vehicle(i) ≠ v_i]`` for work served before by
    vehicle ``v_i``, and ``c_m · max(0, |T_i − s_i| − slack)`` for work that started at
    ``s_i``. A node with an SLA deadline keeps the SLA as its soft upper bound (OR-Tools
    takes one per node), so only moving it earlier is charged there."""
    st = m.data.stability
    if st is None:
        return
    d = m.data
    for i in d.visit_nodes:
        if st.reassign_cost and st.vehicle[i] != NO_VALUE:
            start = m.routing.Start(int(st.vehicle[i]))
            m.routing.AddSoftSameVehicleConstraint([m.index(i), start], int(st.reassign_cost))
        if st.move_cost and st.start[i] != NO_VALUE:
            s_i = int(st.start[i])
            low = max(0, s_i - st.move_slack)
            m.time.SetCumulVarSoftLowerBound(m.index(i), low, int(st.move_cost))
            if d.sla_deadline[i] == NO_VALUE:
                m.time.SetCumulVarSoftUpperBound(m.index(i), s_i + st.move_slack, int(st.move_cost))


def build_model(data: RoutingData) -> Model:
    """Every constraint family, in order."""
    m = build_routing(data)
    add_arc_costs(m)
    add_travel_time(m)
    add_shifts(m)
    add_time_windows(m)
    add_skill_eligibility(m)
    add_capacity(m)
    add_breaks(m)
    add_sla(m)
    add_unassigned_penalties(m)
    add_teams(m)
    add_precedences(m)
    add_parts_pickups(m)
    add_part_stock(m)
    add_stability(m)
    return m
