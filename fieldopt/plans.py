"""The one plan base shared by dispatch plans, repair schedules and stocking plans.

Every plan has a status and a :class:`~solvers.result.SolveReport`, KPIs, the work left out
with a :class:`~fieldopt.reasons.Reason` each, and strict JSON with a ``format`` tag
(``fieldopt.<kind>/<version>``): ``save`` writes atomically, ``load`` refuses another format.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Self

from fieldopt.errors import InputError
from fieldopt.io.files import read_json, strict, write_json_atomic
from fieldopt.reasons import Reason
from solvers.result import SolveReport, Status


def report_to_json(report: SolveReport) -> dict[str, Any]:
    """A solve report as strict JSON, with its gap."""
    gap = report.gap
    return {
        "status": report.status.value,
        "raw_status": report.raw_status,
        "runtime_s": round(report.runtime_s, 3),
        "objective": report.objective,
        "bound": report.bound,
        "gap": None if gap is None else round(gap, 6),
        "seed": report.seed,
        "workers": report.workers,
        "time_limit_s": report.time_limit_s,
    }


def report_from_json(obj: Any) -> SolveReport:
    """Read :func:`report_to_json`'s output; raises ``ValueError`` naming the field."""
    if not isinstance(obj, Mapping):
        raise ValueError(f"report: expected an object, got {obj!r}")
    try:
        status = Status(str(obj.get("status")))
    except ValueError:
        raise ValueError(f"report: status: {obj.get('status')!r} is not a status") from None

    def number(key: str) -> float | None:
        v = obj.get(key)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise ValueError(f"report: {key}: expected a number, got {v!r}")
        return float(v)

    def integer(key: str) -> int | None:
        v = obj.get(key)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int)):
            raise ValueError(f"report: {key}: expected an integer, got {v!r}")
        return v

    return SolveReport(
        status=status,
        raw_status=str(obj.get("raw_status", "")),
        runtime_s=number("runtime_s") or 0.0,
        objective=number("objective"),
        bound=number("bound"),
        seed=integer("seed"),
        workers=integer("workers"),
        time_limit_s=number("time_limit_s"),
    )


class TaggedJson:
    """Strict JSON with a ``format`` tag: subclasses set ``FORMAT`` and write ``to_json`` and
    ``_from_json``; ``from_json`` / ``load`` refuse another format and name a bad field, and
    ``save`` writes atomically. Plans and the inventory's analyses share it."""

    FORMAT: ClassVar[str] = ""

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def _from_json(cls, obj: Mapping[str, Any]) -> Self:
        raise NotImplementedError

    @classmethod
    def from_json(cls, obj: Any, what: str = "plan") -> Self:
        """Read :meth:`to_json`'s output; an :class:`InputError` names the field otherwise."""
        if not isinstance(obj, Mapping):
            raise InputError(f"{what}: expected a JSON object, got {type(obj).__name__}")
        if obj.get("format") != cls.FORMAT:
            raise InputError(f"{what}: format: expected {cls.FORMAT!r}, got {obj.get('format')!r}")
        try:
            return cls._from_json(obj)
        except KeyError as exc:
            raise InputError(f"{what}: missing field {exc}") from exc
        except (TypeError, ValueError, AttributeError) as exc:
            # AttributeError: a nested object is of the wrong JSON type (a string for a stop)
            raise InputError(f"{what}: {exc}") from exc

    def save(self, path: str | Path) -> Path:
        """Write the JSON atomically."""
        return write_json_atomic(path, self.to_json())

    @classmethod
    def load(cls, path: str | Path) -> Self:
        return cls.from_json(read_json(path, "plan"), what=str(path))


@dataclass(frozen=True, kw_only=True)
class Plan(TaggedJson):
    """What every plan carries. Subclasses set ``FORMAT`` and implement ``body`` (their own
    JSON fields) and ``from_body`` (the inverse)."""

    FORMAT: ClassVar[str] = ""
    UNASSIGNED_KEY: ClassVar[str] = "id"

    scenario: str
    report: SolveReport
    kpis: Mapping[str, Any] = field(default_factory=dict)
    unassigned: Mapping[str, Reason] = field(default_factory=dict)

    @property
    def status(self) -> Status:
        return self.report.status

    # ------------------------------------------------------------------ JSON
    def body(self) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def from_body(cls, obj: Mapping[str, Any], common: dict[str, Any]) -> Self:
        raise NotImplementedError

    def to_json(self) -> dict[str, Any]:
        """Strict JSON: ``format``, ``scenario``, ``status``, the subclass body, ``report``,
        ``kpis`` and ``unassigned`` (id, code, facts, text)."""
        key = self.UNASSIGNED_KEY
        out: dict[str, Any] = strict(
            {
                "format": self.FORMAT,
                "scenario": self.scenario,
                "status": self.status.value,
                **self.body(),
                "unassigned": [{key: k, **r.to_json()} for k, r in sorted(self.unassigned.items())],
                "kpis": self.kpis,
                "report": report_to_json(self.report),
            }
        )
        return out

    @classmethod
    def _from_json(cls, obj: Mapping[str, Any]) -> Self:
        key = cls.UNASSIGNED_KEY
        unassigned = {str(u[key]): Reason.from_json(u) for u in obj.get("unassigned", [])}
        common = {
            "scenario": str(obj["scenario"]),
            "report": report_from_json(obj["report"]),
            "kpis": dict(obj.get("kpis", {})),
            "unassigned": unassigned,
        }
        return cls.from_body(obj, common)


def plan_format(obj: Any) -> str | None:
    """The ``format`` tag of a JSON document, if it has one."""
    return obj.get("format") if isinstance(obj, Mapping) else None
