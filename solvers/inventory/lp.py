"""Solve a PuLP model with HiGHS (highspy), falling back to CBC, in the shared result vocabulary;
and numpy array models straight in highspy (PuLP/CBC as the fallback)."""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import pulp
from numpy.typing import NDArray

from solvers.inventory.rebalance_model import ArrayModel
from solvers.options import on_stop
from solvers.quiet import quiet_stdout
from solvers.result import SolveReport, Status

Backend = Literal["highs", "cbc"]


@dataclass(frozen=True)
class LpParams:
    """Explicit limits for every MILP solve: time limit (s), seed and worker threads."""

    time_limit_s: float = 30.0
    seed: int = 0
    workers: int = 1
    backend: Backend = "highs"
    gap_rel: float = 1e-9

    def __post_init__(self) -> None:
        if not self.time_limit_s > 0:
            raise ValueError(f"LpParams: field time_limit_s: must be > 0, got {self.time_limit_s}")
        if self.workers < 1:
            raise ValueError(f"LpParams: field workers: must be >= 1, got {self.workers}")
        if self.backend not in ("highs", "cbc"):
            raise ValueError(f"LpParams: field backend: highs or cbc, got {self.backend!r}")


def new_var(
    prob: pulp.LpProblem,
    name: str,
    low: float | None = None,
    up: float | None = None,
    cat: str = "Continuous",
) -> pulp.LpVariable:
    """A variable of ``prob``: PuLP >= 3.3 wants ``prob.add_variable`` (older ones lack it)."""
    if hasattr(prob, "add_variable"):
        return prob.add_variable(name, low, up, cat)
    return pulp.LpVariable(name, lowBound=low, upBound=up, cat=cat)


def _solver(params: LpParams, backend: Backend) -> Any:
    if backend == "highs":
        return pulp.HiGHS(
            msg=False,
            timeLimit=params.time_limit_s,
            threads=params.workers,
            gapRel=params.gap_rel,
            random_seed=params.seed,
            output_flag=False,
        )
    return pulp.PULP_CBC_CMD(
        msg=False,
        timeLimit=params.time_limit_s,
        threads=params.workers,
        gapRel=params.gap_rel,
        options=[f"randomSeed {params.seed + 1}"],
    )


def solve_problem(prob: pulp.LpProblem, params: LpParams) -> SolveReport:
    """Solve ``prob`` in place; HiGHS first unless CBC is asked for, CBC if HiGHS is missing."""
    backend: Backend = params.backend
    if backend == "highs" and not pulp.HiGHS().available():
        backend = "cbc"
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PuLP's own deprecation notices, not ours to fix
        try:
            with quiet_stdout():
                prob.solve(_solver(params, backend))
        except pulp.PulpSolverError as exc:
            return SolveReport(Status.ERROR, f"{backend}: {exc}", time.perf_counter() - t0)
    runtime = time.perf_counter() - t0
    raw = f"{backend}: {pulp.LpStatus[prob.status]} / {pulp.LpSolution[prob.sol_status]}"
    if prob.sol_status == pulp.LpSolutionOptimal:
        status = Status.OPTIMAL
    elif prob.sol_status == pulp.LpSolutionIntegerFeasible:
        status = Status.FEASIBLE
    elif prob.sol_status == pulp.LpSolutionInfeasible or prob.status == pulp.LpStatusInfeasible:
        status = Status.INFEASIBLE
    elif prob.sol_status == pulp.LpSolutionNoSolutionFound:
        status = Status.TIMEOUT
    else:
        status = Status.ERROR
    objective = pulp.value(prob.objective) if status.has_solution else None
    return SolveReport(
        status,
        raw,
        runtime,
        objective=None if objective is None else float(objective),
        seed=params.seed,
        workers=params.workers,
        time_limit_s=params.time_limit_s,
    )


def highs_available() -> bool:
    try:
        import highspy  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass(frozen=True)
class ArraySolution:
    """Column values (``None`` without a solution), the report, and the objective bound."""

    values: NDArray[np.float64] | None
    report: SolveReport


def solve_arrays(
    model: ArrayModel,
    params: LpParams,
    relax: bool = False,
    start: NDArray[np.float64] | None = None,
) -> ArraySolution:
    """Solve an array model: straight into HiGHS (one ``passModel``), or through PuLP with CBC
    when CBC is asked for or highspy is missing. ``relax``: the LP relaxation; ``start``: a
    feasible solution HiGHS starts from (CBC ignores it)."""
    if params.backend == "highs" and highs_available():
        return _solve_highs(model, params, relax, start)
    return _solve_pulp(model, replace(params, backend="cbc"), relax)


def _solve_highs(
    model: ArrayModel, params: LpParams, relax: bool, start: NDArray[np.float64] | None
) -> ArraySolution:
    import highspy

    t0 = time.perf_counter()
    with quiet_stdout():
        h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(params.time_limit_s))
    h.setOptionValue("random_seed", int(params.seed))
    h.setOptionValue("threads", int(params.workers))
    h.setOptionValue("mip_rel_gap", float(params.gap_rel))
    integrality = np.zeros(model.n_cols, dtype=np.int32)
    if not relax:
        integrality[model.integer] = 1  # kInteger
    passed = h.passModel(
        model.n_cols,
        model.n_rows,
        len(model.value),
        2,  # row-wise matrix
        1,  # minimise
        0.0,
        model.cost,
        model.col_lower,
        model.col_upper,
        model.row_lower,
        model.row_upper,
        model.start.astype(np.int32),
        model.index.astype(np.int32),
        model.value,
        integrality,
    )
    if passed == highspy.HighsStatus.kError:
        return ArraySolution(
            None, SolveReport(Status.ERROR, "highs: passModel refused the model", 0.0)
        )
    if start is not None and not relax:
        h.setSolution(
            model.n_cols, np.arange(model.n_cols, dtype=np.int32), start.astype(np.float64)
        )
    h.HandleUserInterrupt = True  # HiGHS polls cancelSolve from its own callbacks
    with on_stop(h.cancelSolve):
        h.run()
    runtime = time.perf_counter() - t0
    ms = h.getModelStatus()
    info = h.getInfo()
    sol_ok = info.primal_solution_status == 2  # kSolutionStatusFeasible
    raw = f"highs: {h.modelStatusToString(ms)}"
    if ms == highspy.HighsModelStatus.kOptimal:
        status = Status.OPTIMAL
    elif ms == highspy.HighsModelStatus.kInfeasible:
        status = Status.INFEASIBLE
    elif sol_ok:
        status = Status.FEASIBLE
    elif ms in (
        highspy.HighsModelStatus.kTimeLimit,
        highspy.HighsModelStatus.kIterationLimit,
        highspy.HighsModelStatus.kInterrupt,
    ):
        status = Status.TIMEOUT
    else:
        status = Status.ERROR
    values = None
    objective = bound = None
    if status.has_solution:
        values = np.asarray(h.getSolution().col_value, dtype=np.float64)
        objective = float(info.objective_function_value)
        if relax:
            bound = objective if status == Status.OPTIMAL else None
        else:
            bound = float(info.mip_dual_bound)
    report = SolveReport(
        status,
        raw,
        runtime,
        objective=objective,
        bound=bound,
        seed=params.seed,
        workers=params.workers,
        time_limit_s=params.time_limit_s,
    )
    return ArraySolution(values, report)


def _solve_pulp(model: ArrayModel, params: LpParams, relax: bool) -> ArraySolution:
    """The same model through PuLP (CBC), row by row."""
    prob = pulp.LpProblem("arrays", pulp.LpMinimize)
    cols = []
    for c in range(model.n_cols):
        lo, up = float(model.col_lower[c]), float(model.col_upper[c])
        cat = "Integer" if model.integer[c] and not relax else "Continuous"
        cols.append(
            new_var(
                prob,
                f"v{c}",
                None if math.isinf(lo) else lo,
                None if math.isinf(up) else up,
                cat,
            )
        )
    prob += pulp.lpSum(float(model.cost[c]) * cols[c] for c in range(model.n_cols) if model.cost[c])
    for r, name in enumerate(model.row_names):
        a, b = int(model.start[r]), int(model.start[r + 1])
        expr = pulp.lpSum(
            float(v) * cols[int(c)] for c, v in zip(model.index[a:b], model.value[a:b], strict=True)
        )
        lo, up = float(model.row_lower[r]), float(model.row_upper[r])
        if lo == up:
            prob += expr == lo, name
            continue
        if not math.isinf(lo):
            prob += expr >= lo, f"{name}_lo"
        if not math.isinf(up):
            prob += expr <= up, f"{name}_up"
    report = solve_problem(prob, params)
    values = None
    if report.status.has_solution:
        values = np.array([v.value() or 0.0 for v in cols], dtype=np.float64)
    return ArraySolution(values, report)
