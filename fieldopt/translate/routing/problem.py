"""A day's routing instance in solver terms, the maps back to the domain, and its weights.

Objective weights (cost units; 1 unit = 1 second of travel), applied in this order of size:
leaving a job unplanned (``DROP_PENALTY`` by priority) ≫ SLA lateness (``SLA_COST`` per second
by priority) ≫ overtime (``OVERTIME_COST`` per second) ≫ travel (1 per second).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from fieldopt.reasons import Reason
from solvers.routing.data import RoutingData

PLANNED_STATUSES = ("open", "scheduled")
DROP_PENALTY = {1: 1_000_000_000, 2: 100_000_000, 3: 10_000_000, 4: 1_000_000}
PIN_PENALTY = 10_000_000_000
SLA_COST = {1: 40, 2: 20, 3: 10, 4: 5}
OVERTIME_COST = 2
DEFAULT_PICKUP_MIN = 10
# Skipping a pick-up stop "costs" 30 min of travel: without this pull, insertion heuristics
# never add a pick-up (worth nothing on its own) and so never the job that needs it.
PICKUP_INCENTIVE = 1800
# Re-planning stability, below every drop penalty (serving more or more urgent work wins) and
# far above travel: moving a job to another technician costs as much as 5 h 33 min of driving,
# moving its start by more than MOVE_SLACK_MIN minutes 5 per second beyond (an hour: 18,000).
REASSIGN_COST = 20_000
MOVE_SLACK_MIN = 30
MOVE_COST = 5


@dataclass(frozen=True)
class Previous:
    """Who did a job and when in the plan being revised."""

    technicians: tuple[str, ...]
    start: dt.datetime


@dataclass(frozen=True)
class Start:
    """Where and when a technician becomes available (replanning: after the fixed work), and
    what the van holds then (``None``: the van's stock in the scenario)."""

    location_id: str
    at: dt.datetime
    van: Mapping[str, int] | None = None


@dataclass(frozen=True)
class DispatchProblem:
    """A day's routing instance in solver terms, with the maps back to the domain."""

    data: RoutingData
    day: dt.date
    origin: dt.datetime
    technicians: tuple[str, ...]
    node_kind: tuple[str, ...]  # start | end | job | pickup
    node_job: tuple[str | None, ...]
    node_location: tuple[str, ...]
    node_depot: tuple[str | None, ...]
    candidates: tuple[str, ...]
    screened: Mapping[str, Reason]
    job_nodes: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    depot_stock: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    van_stock: tuple[Mapping[str, int], ...] = ()

    def seconds(self, when: dt.datetime) -> int:
        return int((when - self.origin).total_seconds())

    def at(self, seconds: int) -> dt.datetime:
        return self.origin + dt.timedelta(seconds=int(seconds))
