"""What a checker reports: one broken rule of a plan."""

from __future__ import annotations

from dataclasses import dataclass


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
