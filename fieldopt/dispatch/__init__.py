"""Technician dispatch: plan a day's routes, check, replan, report.

>>> plan = plan_routes(scenario, "2026-11-24", time_limit=30, seed=0, workers=1)  # doctest: +SKIP
"""

from fieldopt.dispatch.api import plan_routes
from fieldopt.dispatch.plan import DispatchPlan, Stop
from fieldopt.dispatch.replan import ReplanResult, replan

__all__ = ["DispatchPlan", "ReplanResult", "Stop", "plan_routes", "replan"]
