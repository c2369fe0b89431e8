"""What every routing back-end returns: routes of visits, their times and a solve report."""

from __future__ import annotations

from dataclasses import dataclass

from solvers.result import SolveReport, Status


@dataclass(frozen=True)
class Visit:
    """A served node and its start of service (seconds)."""

    node: int
    start: int


@dataclass(frozen=True)
class RoutingResult:
    """Routes per vehicle (visits in order, terminals excluded), their start and end times,
    the break start per vehicle (``None`` without a break), and the unserved nodes."""

    report: SolveReport
    routes: tuple[tuple[Visit, ...], ...]
    route_start: tuple[int, ...]
    route_end: tuple[int, ...]
    break_start: tuple[int | None, ...]
    unserved: tuple[int, ...]
    build_s: float = 0.0
    first_solution_s: float | None = None
    first_solution: str = ""
    construct_s: float | None = None

    @property
    def status(self) -> Status:
        return self.report.status
