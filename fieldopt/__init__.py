"""fieldopt: field service and repair-parts optimisation.

>>> import fieldopt
>>> scenario = fieldopt.read_scenario("data/sample")        # a CSV folder or a database URL
>>> scenario.summary()["technicians"]
20
>>> fieldopt.save_scenario(scenario, "sqlite:///fieldopt.db", replace=True)
'sample'
"""

from fieldopt.errors import (
    EXIT_BAD_INPUT,
    EXIT_INTERNAL,
    EXIT_NO_PLAN,
    EXIT_OK,
    FieldoptError,
    InputError,
    NoPlanError,
    Problem,
    StorageError,
)
from fieldopt.io.database import list_scenarios, load_scenario, save_scenario
from fieldopt.scenario import (
    Scenario,
    check_frames,
    read_scenario,
    scenario_from_frames,
    validate_source,
)
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
    "EXIT_NO_PLAN",
    "EXIT_OK",
    "Euclidean",
    "FieldoptError",
    "Haversine",
    "InputError",
    "MatrixTravel",
    "NoPlanError",
    "Problem",
    "Scenario",
    "StorageError",
    "TravelMatrix",
    "TravelProvider",
    "__version__",
    "check_frames",
    "list_scenarios",
    "load_scenario",
    "read_scenario",
    "save_scenario",
    "scenario_from_frames",
    "validate_source",
]
