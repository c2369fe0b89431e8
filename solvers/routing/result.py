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
    the break start per vehicle (``None`` without a break), and the unserved nodes.

    ``break_after`` (when the back-end knows it): per vehicle, the position in its route
    after which the break is taken (``-1``: before the first visit; ``-2``: no break), so the
    read-back times the route with the break where the search put it."""

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
    break_after: tuple[int, ...] | None = None

    @property
    def status(self) -> Status:
        return self.report.status


def no_plan(
    report: SolveReport, vehicles: int, unserved: tuple[int, ...], build_s: float
) -> RoutingResult:
    """The result of a solve that found no plan: every route empty, every visit unserved."""
    return RoutingResult(
        report=report,
        routes=((),) * vehicles,
        route_start=(0,) * vehicles,
        route_end=(0,) * vehicles,
        break_start=(None,) * vehicles,
        unserved=unserved,
        build_s=build_s,
    )
