"""One result vocabulary for every solver (routing, scheduling, inventory).

Each solver maps its back-end's raw status onto :class:`Status` and keeps the raw text, so a
user can see both "feasible" and what OR-Tools, CP-SAT or HiGHS actually said.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    """Outcome of a solve.

    ``OPTIMAL``: proven optimal. ``FEASIBLE``: a solution, optimality not proven (e.g. the time
    limit was reached). ``INFEASIBLE``: proven to have no solution. ``TIMEOUT``: the limit was
    reached before any solution was found. ``ERROR``: the back-end failed or the model is invalid.
    """

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    TIMEOUT = "timeout-without-solution"
    ERROR = "error"

    @property
    def has_solution(self) -> bool:
        return self in (Status.OPTIMAL, Status.FEASIBLE)


@dataclass(frozen=True)
class SolveReport:
    """What every solver reports besides its solution.

    ``objective`` and ``bound`` are in the solver's own integer or real units (documented by each
    solver); ``bound`` is ``None`` when the back-end gives none. ``raw_status`` is the back-end's
    own status text.
    """

    status: Status
    raw_status: str
    runtime_s: float
    objective: float | None = None
    bound: float | None = None
    seed: int | None = None
    workers: int | None = None
    time_limit_s: float | None = None

    @property
    def gap(self) -> float | None:
        """Relative gap ``|objective - bound| / max(|objective|, 1e-9)``; ``None`` without both."""
        if self.objective is None or self.bound is None:
            return None
        if not (math.isfinite(self.objective) and math.isfinite(self.bound)):
            return None
        return abs(self.objective - self.bound) / max(abs(self.objective), 1e-9)
