"""Spare-parts inventory: forecast demand, the stocking frontier, optimise, rebalance, what-if."""

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
