"""The independent checker: recompute every constraint of a plan without the solver.

``check(result, scenario)`` finds the result's checker in :data:`CHECKERS`, an explicit table
(plan type → checker). A checker never imports OR-Tools, CP-SAT or PuLP: it reads the plan as
a user would (who, where, when, how many) and the scenario's own tables, so it also checks
plans a dispatcher edited by hand. :func:`load_result` reads any saved plan by its ``format``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fieldopt.checks.violation import Violation

if TYPE_CHECKING:
    from fieldopt.scenario import Scenario


__all__ = ["Checker", "Violation", "check", "checkers", "load_result"]

Checker = Callable[[Any, "Scenario"], list[Violation]]


def checkers() -> dict[type, Checker]:
    """Plan type → its checker: the one table of checkers."""
    from fieldopt.checks.dispatch import check_dispatch
    from fieldopt.checks.inventory import check_stocking, check_transfers
    from fieldopt.checks.schedule import check_schedule
    from fieldopt.dispatch.plan import DispatchPlan
    from fieldopt.inventory.results import RebalancePlan, StockingPlan
    from fieldopt.schedule.result import RepairSchedule

    return {
        DispatchPlan: check_dispatch,
        RepairSchedule: check_schedule,
        StockingPlan: check_stocking,
        RebalancePlan: check_transfers,
    }


def check(result: Any, scenario: Scenario) -> list[Violation]:
    """Every violation of ``result`` (a plan, schedule or stocking plan) against ``scenario``."""
    for kind, checker in checkers().items():
        if isinstance(result, kind):
            return checker(result, scenario)
    raise TypeError(f"no checker for {type(result).__name__}")


def load_result(path: str | Path) -> Any:
    """A saved dispatch plan, schedule or stocking plan, chosen by its ``format`` tag."""
    from fieldopt.errors import InputError
    from fieldopt.io.files import read_json

    obj = read_json(path, "plan")
    tag = obj.get("format") if isinstance(obj, dict) else None
    for kind in checkers():
        fmt = getattr(kind, "FORMAT", None)
        if fmt and tag == fmt:
            return kind.from_json(obj, what=str(path))  # type: ignore[attr-defined]
    known = ", ".join(
        sorted(str(getattr(k, "FORMAT", "")) for k in checkers() if getattr(k, "FORMAT", ""))
    )
    raise InputError(f"{path}: format: {tag!r} is not a plan this version reads ({known})")
