"""The one seam between a scenario's day and the routing solver, both ways.

- :func:`build_problem`: scenario + day → :class:`DispatchProblem` (solver data, screening).
- :func:`read_plan`: solver result → :class:`~fieldopt.dispatch.plan.DispatchPlan`.
- :func:`warm_start_routes`: a previous plan → solver routes (re-planning).
"""

from fieldopt.translate.routing.build import build_problem
from fieldopt.translate.routing.day import candidate_jobs, job_windows_on
from fieldopt.translate.routing.problem import (
    DROP_PENALTY,
    OVERTIME_COST,
    PIN_PENALTY,
    SLA_COST,
    DispatchProblem,
    Previous,
    Start,
)
from fieldopt.translate.routing.read import read_plan, result_to_stops, warm_start_routes

__all__ = [
    "DROP_PENALTY",
    "OVERTIME_COST",
    "PIN_PENALTY",
    "SLA_COST",
    "DispatchProblem",
    "Previous",
    "Start",
    "build_problem",
    "candidate_jobs",
    "job_windows_on",
    "read_plan",
    "result_to_stops",
    "warm_start_routes",
]
