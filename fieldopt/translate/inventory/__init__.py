"""The inventory seam, both ways.

- ``network``: scenario tables -> stocking and rebalancing solver data (the stocking tree,
  stock-out policies, side constraints);
- ``problem``: a user's question (evaluator, objective, side constraints) -> solver data and
  parameters, bad options as input errors;
- ``variants``: what-if variants applied to a stocking network;
- ``plans``: solver results -> stocking plans, frontiers and transfers with their KPIs.
"""

from fieldopt.translate.inventory.network import (
    DAYS_PER_YEAR,
    Network,
    floats,
    holding_data,
    network,
    rebalance_data,
    root_id,
    stocking_limits,
    stocking_tree,
    valued,
    with_policy,
)

__all__ = [
    "DAYS_PER_YEAR",
    "Network",
    "floats",
    "holding_data",
    "network",
    "rebalance_data",
    "root_id",
    "stocking_limits",
    "stocking_tree",
    "valued",
    "with_policy",
]
