"""One vocabulary for why work is left out: a :class:`ReasonCode` plus the facts behind it.

Screening (before a solve) states facts the data proves: which skill nobody holds at the level,
which window no shift reaches, which part is missing and where it was looked for. The solvers
add their own outcomes (left out by optimisation, no solution). The English text is derived
from the code and the facts, so reports, JSON and the database say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

Fact = str | int | float | bool | None


class ReasonCode(StrEnum):
    """Why a job (or part of the work) is not in a plan."""

    # Facts the data proves, found by screening (validation warns of the first one too).
    NO_QUALIFIED_TECHNICIAN = "no_qualified_technician"
    NO_WINDOW_IN_SHIFT = "no_window_in_shift"
    PART_UNAVAILABLE = "part_unavailable"
    UNREACHABLE = "unreachable"
    PIN_UNAVAILABLE = "pin_unavailable"
    PREDECESSOR_UNPLANNABLE = "predecessor_unplannable"
    RELEASE_AFTER_HORIZON = "release_after_horizon"
    WINDOWS_OUTSIDE_HORIZON = "windows_outside_horizon"
    NO_WORKING_PERIOD = "no_working_period"
    # Outcomes of a solve.
    LEFT_OUT_BY_OPTIMISATION = "left_out_by_optimisation"
    PARTS_TAKEN = "parts_taken"
    # Claims about the final plan, checked by the independent checker.
    NO_FEASIBLE_POSITION = "no_feasible_position"
    FITS_BY_DISPLACING = "fits_by_displacing"
    PREDECESSOR_OUTSOURCED = "predecessor_outsourced"
    NO_SOLUTION = "no_solution"


_TEXT = {
    ReasonCode.NO_QUALIFIED_TECHNICIAN: "no technician with the skills",
    ReasonCode.NO_WINDOW_IN_SHIFT: "no time window inside any shift",
    ReasonCode.PART_UNAVAILABLE: "part not obtainable in time",
    ReasonCode.UNREACHABLE: "cannot reach and return within the shift",
    ReasonCode.PIN_UNAVAILABLE: "pinned technician not working or not qualified",
    ReasonCode.PREDECESSOR_UNPLANNABLE: "predecessor cannot be planned",
    ReasonCode.RELEASE_AFTER_HORIZON: "release after the horizon",
    ReasonCode.WINDOWS_OUTSIDE_HORIZON: "every start window outside the horizon",
    ReasonCode.NO_WORKING_PERIOD: "no working period long enough for a qualified team",
    ReasonCode.LEFT_OUT_BY_OPTIMISATION: "left out by optimisation",
    ReasonCode.PARTS_TAKEN: "parts taken by earlier jobs of this plan",
    ReasonCode.NO_FEASIBLE_POSITION: "no feasible position in this plan",
    ReasonCode.FITS_BY_DISPLACING: "fits only by displacing work of equal or higher priority",
    ReasonCode.PREDECESSOR_OUTSOURCED: "predecessor outsourced",
    ReasonCode.NO_SOLUTION: "no plan found",
}

_FACT_ORDER = (
    "skill",
    "min_level",
    "technicians",
    "part",
    "quantity",
    "where",
    "predecessor",
    "job",
    "technician",
    "priority",
)


@dataclass(frozen=True)
class Reason:
    """A reason code and its facts (``skill``, ``part``, ``where``, ``predecessor``...)."""

    code: ReasonCode
    facts: Mapping[str, Fact] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The English sentence: the code's text, then its facts."""
        keys = sorted(self.facts, key=lambda k: (k not in _FACT_ORDER, _fact_rank(k), k))
        shown = ", ".join(f"{k} {self.facts[k]}" for k in keys if self.facts[k] is not None)
        return f"{_TEXT[self.code]} ({shown})" if shown else _TEXT[self.code]

    def __str__(self) -> str:
        return self.text

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code.value, "facts": dict(self.facts), "text": self.text}

    @classmethod
    def from_json(cls, obj: Any) -> Reason:
        """Read ``{"code": ..., "facts": {...}}``; raises ``ValueError`` naming the field."""
        if not isinstance(obj, Mapping):
            raise ValueError(f"reason: expected an object with a code, got {obj!r}")
        try:
            code = ReasonCode(str(obj.get("code")))
        except ValueError:
            known = ", ".join(c.value for c in ReasonCode)
            raise ValueError(f"reason: code: {obj.get('code')!r} is not one of {known}") from None
        facts = obj.get("facts", {})
        if not isinstance(facts, Mapping) or not all(
            isinstance(v, str | int | float | bool) or v is None for v in facts.values()
        ):
            raise ValueError(f"reason: facts: expected an object of plain values, got {facts!r}")
        return cls(code, dict(facts))


def _fact_rank(key: str) -> int:
    return _FACT_ORDER.index(key) if key in _FACT_ORDER else len(_FACT_ORDER)


def reason(code: ReasonCode, **facts: Fact) -> Reason:
    """A :class:`Reason` from keyword facts: ``reason(ReasonCode.PART_UNAVAILABLE, part="P1")``."""
    return Reason(code, facts)
