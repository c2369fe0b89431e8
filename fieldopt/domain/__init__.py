"""Domain model: the SQLModel tables of a scenario and of saved plans and runs."""

from fieldopt.domain.tables import (
    PLAN_TABLES,
    SCENARIO_TABLES,
    Column,
    TableSpec,
    table_spec,
)

__all__ = ["PLAN_TABLES", "SCENARIO_TABLES", "Column", "TableSpec", "table_spec"]
