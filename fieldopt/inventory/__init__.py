"""Spare-parts inventory: forecast demand, the stocking frontier, optimise, rebalance, what-if."""

import fieldopt.checks.inventory  # noqa: F401  (registers the checkers on fieldopt.check)
from fieldopt.inventory.api import forecast, frontier, optimise, rebalance, whatif
from fieldopt.inventory.results import (
    ForecastResult,
    FrontierResult,
    RebalancePlan,
    StockingPlan,
    WhatifResult,
)

__all__ = [
    "ForecastResult",
    "FrontierResult",
    "RebalancePlan",
    "StockingPlan",
    "WhatifResult",
    "forecast",
    "frontier",
    "optimise",
    "rebalance",
    "whatif",
]
