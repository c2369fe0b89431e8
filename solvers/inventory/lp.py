"""Solve a PuLP model with HiGHS (highspy), falling back to CBC, in the shared result vocabulary."""

from __future__ import annotations

import contextlib
import os
import sys
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import pulp

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


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """HiGHS prints a banner from C++ whenever a model is created, whatever ``output_flag`` says;
    keep it off stdout, where ``--json`` output goes."""
    sys.stdout.flush()
    try:
        fd = sys.stdout.fileno()
    except (OSError, ValueError, AttributeError):
        yield
        return
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), fd)
            yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


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
            with _quiet_stdout():
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
