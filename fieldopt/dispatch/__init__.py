"""Technician dispatch: plan a day's routes, check, replan, report.

>>> options = SolveOptions(time_limit_s=30, seed=0, workers=1)
>>> plan = plan_routes(scenario, "2026-11-24", options=options)  # doctest: +SKIP
"""

from fieldopt.dispatch.api import plan_routes
from fieldopt.dispatch.plan import DispatchPlan, Stop
from fieldopt.dispatch.replan import ReplanResult, replan
from fieldopt.dispatch.report import write_report

__all__ = ["DispatchPlan", "ReplanResult", "Stop", "plan_routes", "replan", "write_report"]
