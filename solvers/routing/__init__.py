"""Vehicle routing with time windows, shifts, breaks, skills, parts pick-ups and team jobs.

:func:`solvers.routing.solve.solve_routing` takes a :class:`solvers.routing.data.RoutingData`
(integers only: seconds, metres, cost units) and returns a :class:`RoutingResult`.
"""

from solvers.routing.data import RoutingData, RoutingParams, Vehicle
from solvers.routing.result import RoutingResult, Visit
from solvers.routing.solve import solve_routing

__all__ = ["RoutingData", "RoutingParams", "RoutingResult", "Vehicle", "Visit", "solve_routing"]
