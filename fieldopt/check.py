"""The independent checker: recompute every constraint of a plan without the solver.

``check(result, scenario)`` dispatches on the result type; each model registers its checker
(``@check.register(DispatchPlan)``). A checker never imports OR-Tools, CP-SAT or PuLP: it reads
the plan as a user would (who, where, when, how many) and the scenario's own tables, so it also
checks plans a dispatcher edited by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import singledispatch
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fieldopt.scenario import Scenario


@dataclass(frozen=True)
class Violation:
    """One broken rule in a plan.

    ``rule`` names the constraint family (``time_window``, ``skill``, ``overlap``, ``shift``,
    ``stock``...), ``subject`` the record at fault (a job, technician or part id), ``amount``
    how far off it is in the rule's unit (seconds late, units short...), when that is a number.
    """

    rule: str
    subject: str
    message: str
    amount: float | None = None

    def __str__(self) -> str:
        return f"{self.rule}: {self.subject}: {self.message}"


@singledispatch
def check(result: Any, scenario: Scenario) -> list[Violation]:
    """Every violation of ``result`` (a plan, schedule or stocking plan) against ``scenario``."""
    raise TypeError(f"no checker for {type(result).__name__}")
