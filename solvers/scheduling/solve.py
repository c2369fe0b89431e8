"""``solve_scheduling(data, params) -> SchedulingResult``: build, hint, solve, read back."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from solvers.arrays import BoolArray, IntArray
from solvers.options import Progress, ProgressFn, on_stop, stop_requested
from solvers.result import SolveReport, Status
from solvers.scheduling.data import SchedulingData, SchedulingParams
from solvers.scheduling.greedy import greedy_schedule
from solvers.scheduling.lower_bound import compatible_set_bound, energy_bound
from solvers.scheduling.model import Variables, assign_members, build_model

_STATUS = {
    cp_model.OPTIMAL: Status.OPTIMAL,
    cp_model.FEASIBLE: Status.FEASIBLE,
    cp_model.INFEASIBLE: Status.INFEASIBLE,
    cp_model.UNKNOWN: Status.TIMEOUT,
    cp_model.MODEL_INVALID: Status.ERROR,
}


@dataclass(frozen=True, eq=False)
class SchedulingResult:
    """A solved schedule in solver indices.

    ``start``/``end`` are ``-1`` for activities not done in-house; ``team[i]`` lists
    ``(resource, skill)`` pairs (skill ``-1``: a spare seat; when members cover several
    skills, the first the member masters); ``outsourced[i]`` and
    ``dropped[i]`` give the other fates; ``pieces[i]`` the ``(start, end)`` stretches of work
    (one, ``(start[i], end[i])``, unless the activity is split; none if not in-house).
    ``report.objective``/``bound`` are in the data's objective units.
    """

    report: SolveReport
    start: IntArray = field(repr=False)
    end: IntArray = field(repr=False)
    team: tuple[tuple[tuple[int, int], ...], ...] = field(repr=False)
    outsourced: BoolArray = field(repr=False)
    dropped: BoolArray = field(repr=False)
    pieces: tuple[tuple[tuple[int, int], ...], ...] = field(default=(), repr=False)

    @property
    def inhouse(self) -> BoolArray:
        out: BoolArray = self.start >= 0
        return out


class _Progress(cp_model.CpSolverSolutionCallback):
    """A :class:`Progress` event (objective and bound) on each new solution."""

    def __init__(self, on_progress: ProgressFn, t0: float) -> None:
        super().__init__()
        self._fn, self._t0 = on_progress, t0

    def on_solution_callback(self) -> None:
        self._fn(
            Progress(
                elapsed_s=time.perf_counter() - self._t0,
                objective=self.objective_value,
                bound=self.best_objective_bound,
            )
        )


def _add_hints(
    data: SchedulingData, params: SchedulingParams, v: Variables, model: cp_model.CpModel
) -> None:
    """Hint the given previous schedule, else the greedy one (a complete solution)."""
    of_class = {r: c for c, members in enumerate(v.classes) for r in members}
    if params.hint_start is not None:
        for i, s in enumerate(params.hint_start[: data.num_activities]):
            if s >= 0:
                model.add_hint(v.start[i], int(s))
                model.add_hint(v.inhouse[i], 1)
        if params.hint_resources is not None:
            for i, members in enumerate(params.hint_resources[: data.num_activities]):
                counts = Counter(of_class[r] for r in members if 0 <= r < len(of_class))
                for c, x in v.team[i].items():
                    model.add_hint(x, counts[c])
        return
    if not params.greedy_hint:
        return
    g = greedy_schedule(data)
    # A complete hint (every variable, objective ones included) is taken by CP-SAT as its first
    # solution at once; an incomplete one had to be completed by search (11 s on 500 jobs).
    for i in range(data.num_activities):
        placed = g.start[i] >= 0
        can_drop = int(data.drop_penalty[i]) >= 0
        model.add_hint(v.inhouse[i], int(placed))
        model.add_hint(v.dropped[i], int(not placed and can_drop))
        model.add_hint(v.outsourced[i], int(not placed and not can_drop))
        start = int(g.start[i]) if placed else v.start[i].proto.domain[0]
        size = sum(b - a for a, b in g.pieces[i]) if placed else v.size[i].proto.domain[0]
        model.add_hint(v.start[i], start)
        if _free(v.size[i]):  # fixed sizes are shared constants: a second hint is an error
            model.add_hint(v.size[i], size)
        model.add_hint(v.end[i], int(g.end[i]) if placed else start + size)
        if i in v.span:
            _hint_pieces(model, v, i, g.pieces[i], {of_class[r] for r, _ in g.team[i]})
        if i in v.late:
            if not placed:
                late = 0
            elif params.objective == "weighted_tardiness":
                late = max(0, int(g.end[i]) - int(data.due[i]))
            else:
                late = int(g.end[i])
            model.add_hint(v.late[i], late)
        counts = Counter(of_class[r] for r, _ in g.team[i])
        serving = Counter((of_class[r], s) for r, s in g.team[i] if s >= 0)
        for c, x in v.team[i].items():
            model.add_hint(x, counts[c])
        for (c, s), y in v.serves[i].items():
            model.add_hint(y, serving[c, s])
    for (i, j), (ov, before, after) in v.overlap.items():
        both = g.start[i] >= 0 and g.start[j] >= 0
        model.add_hint(before, int(both and g.end[i] <= g.start[j]))
        model.add_hint(after, int(both and g.end[j] <= g.start[i]))
        model.add_hint(ov, int(both and g.start[i] < g.end[j] and g.start[j] < g.end[i]))
    if v.cmax is not None:
        ends = [int(e) for b, e in zip(g.start, g.end, strict=True) if b >= 0]
        model.add_hint(v.cmax, max(ends, default=0))


def _hint_pieces(
    model: cp_model.CpModel,
    v: Variables,
    i: int,
    pieces: tuple[tuple[int, int], ...],
    team: set[int],
) -> None:
    """Hint split activity ``i``'s pieces (none: not in-house) and its classes' presence in
    each; the first piece's start and presence are the activity's, hinted already."""
    last = pieces[-1][1] if pieces else v.start[i].proto.domain[0]
    first = pieces[0][0] if pieces else last
    model.add_hint(v.span[i], max(last - first, v.span[i].proto.domain[0]))
    for k, piece in enumerate(v.pieces[i]):
        a, b = pieces[k] if k < len(pieces) else (last, last)
        if k:
            model.add_hint(piece.present, int(k < len(pieces)))
            model.add_hint(piece.start, a)
        model.add_hint(piece.size, b - a)
        model.add_hint(piece.end, b)
        for c, lit in piece.members.items():
            model.add_hint(lit, int(k < len(pieces) and c in team))


def _free(var: cp_model.IntVar) -> bool:
    dom = var.proto.domain
    return not (len(dom) == 2 and dom[0] == dom[1])


# Mean team size from which "auto" leaves branching to CP-SAT (see uses_fixed_search).
LARGE_TEAM = 7.5


def uses_fixed_search(data: SchedulingData, params: SchedulingParams) -> bool:
    """Whether the full worker branches on start times, earliest first (a schedule generation
    inside the tree search) rather than by CP-SAT's own choice.

    "auto" does so for the makespan with teams of fewer than :data:`LARGE_TEAM` members on
    average. Measured on MSPSP at 60 s, 2 workers: fixed found better makespans on sets 2a
    and 2b (teams of 1.3-4.8 on average); CP-SAT's own matched 23 of set 1b's 26 proven
    optima against 19 (teams of 7.6-15), where a start time fixed early leaves many team
    choices to fail deep in the tree. The threshold sits between 1a's largest (7.3) and
    1b's smallest (7.6) mean team; no other data set informs it.
    """
    if params.search != "auto":
        return params.search == "fixed"
    if params.objective != "makespan" or data.num_activities == 0:
        return False
    return float(data.team_size.mean()) < LARGE_TEAM


def solve_scheduling(
    data: SchedulingData,
    params: SchedulingParams | None = None,
    on_progress: ProgressFn | None = None,
) -> SchedulingResult:
    """Solve ``data`` with CP-SAT within ``params.time_limit_s`` seconds.

    Deterministic for a given seed with ``workers=1`` (when the time limit does not cut the
    search). ``on_progress`` receives a :class:`~solvers.options.Progress` event on each new
    solution (objective and bound) and each bound improvement (bound only); objective and
    bound are in the data's objective units, ``elapsed_s`` counts from the call.
    """
    params = params or SchedulingParams()
    t0 = time.perf_counter()
    model, v = build_model(data, params.objective, params.redundant, params.group_resources)
    _add_makespan_bounds(data, params, v, model)
    _add_hints(data, params, v, model)
    solver = _solver(data, params, v, model, t0)
    if stop_requested():  # asked to stop while the model was built: no search
        solver.parameters.max_time_in_seconds = 0.0
    with on_stop(solver.stop_search):  # CP-SAT's search is C++: it is told, not polled
        raw = solver.solve(model, _progress_callbacks(solver, on_progress, t0))
    status = _STATUS.get(raw, Status.ERROR)
    objective = bound = None
    if status.has_solution:
        objective = float(solver.objective_value)
        bound = float(solver.best_objective_bound)
    start, end, teams, outsourced, dropped, pieces = _read_solution(
        solver, v, data.num_activities, status.has_solution
    )
    if data.members_cover_several_skills:
        teams = _label_holders(data, teams)
    report = SolveReport(
        status=status,
        raw_status=solver.status_name(raw),
        runtime_s=time.perf_counter() - t0,
        objective=objective,
        bound=bound,
        seed=params.seed,
        workers=params.workers,
        time_limit_s=params.time_limit_s,
    )
    return SchedulingResult(report, start, end, teams, outsourced, dropped, pieces)


def _add_makespan_bounds(
    data: SchedulingData, params: SchedulingParams, v: Variables, model: cp_model.CpModel
) -> None:
    """``Cmax`` at least the compatible-set LP bound and the energy bound (makespan only).

    CP-SAT's own makespan bound stays far below the optimum on multi-skill instances whose
    teams clash; the compatible-set LP often closes the gap (then a schedule at the bound is
    proven optimal). 5 % of the time limit: it is cheap when it is useful.
    """
    if v.cmax is None or not params.redundant:
        return
    lp = compatible_set_bound(data, 0.05 * params.time_limit_s)
    if lp is not None:
        model.add(v.cmax >= lp.bound)
    energy = energy_bound(data)
    if energy is not None:
        model.add(v.cmax >= energy)


def _solver(
    data: SchedulingData,
    params: SchedulingParams,
    v: Variables,
    model: cp_model.CpModel,
    t0: float,
) -> cp_model.CpSolver:
    """A CP-SAT solver with the time left of the limit, the workers, seed and branching."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(
        0.01, params.time_limit_s - (time.perf_counter() - t0)
    )
    solver.parameters.num_workers = params.workers
    solver.parameters.random_seed = params.seed
    solver.parameters.log_search_progress = params.log
    # CP-SAT would take SIGINT for itself; the stop flag (solvers.options.request_stop) stops it
    solver.parameters.catch_sigint_signal = False
    if not params.probing:
        solver.parameters.cp_model_probing_level = 0
    if uses_fixed_search(data, params):
        model.add_decision_strategy(v.start, cp_model.CHOOSE_LOWEST_MIN, cp_model.SELECT_MIN_VALUE)
        solver.parameters.search_branching = cp_model.FIXED_SEARCH
    return solver


def _progress_callbacks(
    solver: cp_model.CpSolver, on_progress: ProgressFn | None, t0: float
) -> _Progress | None:
    """Report new solutions (the returned callback) and bound improvements as events."""
    if on_progress is None:
        return None
    fn = on_progress
    solver.best_bound_callback = lambda bound: fn(
        Progress(elapsed_s=time.perf_counter() - t0, bound=bound)
    )
    return _Progress(on_progress, t0)


def _label_holders(
    data: SchedulingData, teams: tuple[tuple[tuple[int, int], ...], ...]
) -> tuple[tuple[tuple[int, int], ...], ...]:
    """Members covering several skills serve none in particular: label each with the first
    skill of its activity it masters (``SchedulingData.first_held_skill``)."""
    return tuple(
        tuple((r, data.first_held_skill(i, r)) for r, _ in team) for i, team in enumerate(teams)
    )


def _read_solution(
    solver: cp_model.CpSolver, v: Variables, n: int, has_solution: bool
) -> tuple[
    IntArray,
    IntArray,
    tuple[tuple[tuple[int, int], ...], ...],
    BoolArray,
    BoolArray,
    tuple[tuple[tuple[int, int], ...], ...],
]:
    """Starts, ends, teams, outsourced, dropped and pieces of the solution (``-1``, empty
    and ``False`` without one); the arrays are read-only."""
    start = np.full(n, -1, np.int64)
    end = np.full(n, -1, np.int64)
    outsourced = np.zeros(n, np.bool_)
    dropped = np.zeros(n, np.bool_)
    teams: list[tuple[tuple[int, int], ...]] = [() for _ in range(n)]
    pieces: list[tuple[tuple[int, int], ...]] = [() for _ in range(n)]
    if has_solution:
        for i in range(n):
            outsourced[i] = solver.boolean_value(v.outsourced[i])
            dropped[i] = solver.boolean_value(v.dropped[i])
            if not solver.boolean_value(v.inhouse[i]):
                continue
            start[i], end[i] = solver.value(v.start[i]), solver.value(v.end[i])
            pieces[i] = tuple(
                (int(solver.value(p.start)), int(solver.value(p.end)))
                for p in v.pieces[i]
                if solver.boolean_value(p.present)
            )
        counts = [
            {c: int(solver.value(x)) for c, x in v.team[i].items()} if start[i] >= 0 else {}
            for i in range(n)
        ]
        skills = [
            {cs: int(solver.value(y)) for cs, y in v.serves[i].items()} if start[i] >= 0 else {}
            for i in range(n)
        ]
        teams = list(assign_members(v.classes, start.tolist(), end.tolist(), counts, skills))
    for arr in (start, end, outsourced, dropped):
        arr.setflags(write=False)
    return start, end, tuple(teams), outsourced, dropped, tuple(pieces)
