"""fieldopt: field service and repair-parts optimisation.

>>> import fieldopt
>>> scenario = fieldopt.read_scenario("data/sample")        # a CSV folder or a database URL
>>> scenario.summary()["technicians"]
20
>>> fieldopt.save_scenario(scenario, "sqlite:///fieldopt.db", replace=True)
'sample'
>>> options = fieldopt.SolveOptions(time_limit_s=30, seed=0)
>>> plan = fieldopt.plan_routes(scenario, "2026-11-24", options=options)  # doctest: +SKIP
>>> fieldopt.check(plan, scenario)                  # independent checker: [] when feasible
[]
>>> options = fieldopt.SolveOptions(time_limit_s=30, seed=0)
>>> repairs = fieldopt.schedule_repairs(scenario, options=options)        # doctest: +SKIP
>>> fieldopt.inventory.frontier(scenario).summary()                       # doctest: +SKIP
"""

import fieldopt.inventory as inventory
from fieldopt.check import Violation, check, load_result
from fieldopt.dispatch import DispatchPlan, ReplanResult, Stop, plan_routes, replan
from fieldopt.dispatch.store import save_plan
from fieldopt.errors import (
    EXIT_BAD_INPUT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_NO_PLAN,
    EXIT_OK,
    FieldoptError,
    InputError,
    Interrupted,
    NoPlanError,
    Problem,
    StorageError,
)
from fieldopt.io.database import list_scenarios, save_scenario
from fieldopt.options import Progress, SolveOptions
from fieldopt.scenario import (
    Scenario,
    check_frames,
    load_scenario,
    read_scenario,
    scenario_from_frames,
    validate_source,
)
from fieldopt.schedule.api import schedule_repairs
from fieldopt.schedule.result import RepairSchedule
from fieldopt.schedule.store import load_schedule, save_schedule
from fieldopt.travel import (
    Euclidean,
    Haversine,
    MatrixTravel,
    TravelMatrix,
    TravelProvider,
)

__version__ = "0.1.0"

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_NO_PLAN",
    "EXIT_OK",
    "DispatchPlan",
    "Euclidean",
    "FieldoptError",
    "Haversine",
    "InputError",
    "Interrupted",
    "MatrixTravel",
    "NoPlanError",
    "Problem",
    "Progress",
    "RepairSchedule",
    "ReplanResult",
    "Scenario",
    "SolveOptions",
    "Stop",
    "StorageError",
    "TravelMatrix",
    "TravelProvider",
    "Violation",
    "__version__",
    "check",
    "check_frames",
    "inventory",
    "list_scenarios",
    "load_result",
    "load_scenario",
    "load_schedule",
    "plan_routes",
    "read_scenario",
    "replan",
    "save_plan",
    "save_scenario",
    "save_schedule",
    "scenario_from_frames",
    "schedule_repairs",
    "validate_source",
]
