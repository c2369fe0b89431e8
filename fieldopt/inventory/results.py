"""Results of the inventory API: each has ``summary()``, ``to_frame()``, ``to_html()`` and strict
JSON with a ``format`` tag (``to_json`` / ``save``, and ``from_json`` / ``load`` refusing another
format).

:class:`StockingPlan` and :class:`RebalancePlan` are :class:`~fieldopt.plans.Plan` s (status,
solve report, KPIs, unassigned work, save/load). A stocking plan leaves no work out (every part
and site gets a level, possibly 0), so its ``unassigned`` is empty; so is a rebalancing plan's
(the units still short are a KPI, ``units_short``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

import pandas as pd

from fieldopt.inventory.forecast import ForecastResult, _write
from fieldopt.inventory.pictures import frontier_figure, table_figure
from fieldopt.io.files import strict
from fieldopt.plans import Plan, TaggedJson, report_from_json, report_to_json
from solvers.result import SolveReport

__all__ = ["ForecastResult", "FrontierResult", "RebalancePlan", "StockingPlan", "WhatifResult"]

POINT_KEYS = ("investment", "holding_cost_per_year", "total_ebo", "waiting_days", "fill_rate")

LEVEL_COLUMNS: dict[str, type] = {
    "part_id": str,
    "location_id": str,
    "stock": int,
    "current": int,
    "demand_per_year": float,
    "ebo": float,
    "fill_rate": float,
    "waiting_days": float,
    "emergency_share": float,
    "unit_cost": float,
}
TRANSFER_COLUMNS: dict[str, type] = {
    "part_id": str,
    "from_id": str,
    "to_id": str,
    "quantity": int,
    "transport_cost": float,
}
POINT_COLUMNS: dict[str, type] = {
    "investment": float,
    "holding_cost_per_year": float,
    "total_ebo": float,
    "waiting_days": float,
    "fill_rate": float,
    "emergency_per_year": float,
    "emergency_cost_per_year": float,
}


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame's rows as strict JSON objects (NaN -> ``null``)."""
    out: list[dict[str, Any]] = strict(frame.to_dict(orient="records"))
    return out


def _value(v: Any, kind: type, where: str) -> Any:
    if kind is str:
        if not isinstance(v, str):
            raise ValueError(f"{where}: expected a text, got {v!r}")
        return v
    if kind is int:
        if isinstance(v, bool) or not isinstance(v, int):
            raise ValueError(f"{where}: expected an integer, got {v!r}")
        return v
    if v is None:
        return math.nan
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ValueError(f"{where}: expected a number or null, got {v!r}")
    return float(v)


def frame_from_records(rows: Any, columns: Mapping[str, type], what: str) -> pd.DataFrame:
    """The inverse of :func:`records` for ``columns`` (``null`` -> NaN in number columns);
    ``ValueError`` naming the row and field otherwise."""
    if not isinstance(rows, list):
        raise ValueError(f"{what}: expected a list of objects, got {type(rows).__name__}")
    data: dict[str, list[Any]] = {c: [] for c in columns}
    for n, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise ValueError(f"{what}[{n}]: expected an object, got {row!r}")
        for col, kind in columns.items():
            if col not in row:
                raise ValueError(f"{what}[{n}]: missing field {col!r}")
            data[col].append(_value(row[col], kind, f"{what}[{n}].{col}"))
    dtypes: dict[type, Any] = {str: object, int: "int64", float: "float64"}
    return pd.DataFrame(data).astype({c: dtypes[k] for c, k in columns.items()})


def _number(obj: Mapping[str, Any], key: str) -> float | None:
    v = obj.get(key)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ValueError(f"{key}: expected a number or null, got {v!r}")
    return float(v)


def _text(obj: Mapping[str, Any], key: str) -> str | None:
    v = obj.get(key)
    if v is not None and not isinstance(v, str):
        raise ValueError(f"{key}: expected a text or null, got {v!r}")
    return v


def _numbers(obj: Any, what: str) -> dict[str, float]:
    """``{name: number}`` with ``null`` read back as NaN."""
    if not isinstance(obj, Mapping):
        raise ValueError(f"{what}: expected an object, got {obj!r}")
    return {str(k): _value(v, float, f"{what}.{k}") for k, v in obj.items()}


@dataclass(frozen=True, kw_only=True)
class StockingPlan(Plan):
    """Stock levels per part and location with their metrics (``levels`` rows: ``part_id,
    location_id, stock, current, demand_per_year, ebo, fill_rate, waiting_days,
    emergency_share, unit_cost``) and the KPIs. ``method`` is the evaluator (metric,
    vari-metric, exact); ``optimiser`` the algorithm (marginal, choice, milp); ``budget`` the
    investment cap used; ``stockout_policy`` the policy forced on every site serving customers
    (``None``: the scenario's ``inventory.stockout_policy`` settings)."""

    FORMAT: ClassVar[str] = "fieldopt.stocking-plan/1"

    levels: pd.DataFrame = field(compare=False)
    method: str
    budget: float | None = None
    optimiser: str = "marginal"
    stockout_policy: str | None = None

    def summary(self) -> dict[str, Any]:
        return {
            **self.kpis,
            "method": self.method,
            "optimiser": self.optimiser,
            "status": str(self.report.status),
            "budget": self.budget,
            "stockout_policy": self.stockout_policy or "as in the scenario settings",
            "runtime_s": round(self.report.runtime_s, 3),
        }

    def to_frame(self) -> pd.DataFrame:
        return self.levels.copy()

    def to_html(self, path: str | None = None) -> str:
        shown = self.levels[self.levels["stock"] > 0][
            ["part_id", "location_id", "stock", "current", "demand_per_year", "fill_rate", "ebo"]
        ]
        return _write(table_figure(shown.round(4), "Recommended stock levels"), path)

    def body(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "optimiser": self.optimiser,
            "budget": self.budget,
            "stockout_policy": self.stockout_policy,
            "levels": records(self.levels[list(LEVEL_COLUMNS)]),
        }

    @classmethod
    def from_body(cls, obj: Mapping[str, Any], common: dict[str, Any]) -> Self:
        return cls(
            **common,
            levels=frame_from_records(obj["levels"], LEVEL_COLUMNS, "levels"),
            method=str(obj["method"]),
            budget=_number(obj, "budget"),
            optimiser=str(obj.get("optimiser", "marginal")),
            stockout_policy=_text(obj, "stockout_policy"),
        )


@dataclass(frozen=True, kw_only=True)
class RebalancePlan(Plan):
    """Transfers (``part_id, from_id, to_id, quantity, transport_cost``), the KPIs (cost split,
    units moved and still short, lanes used) and the same split of the "largest excess to
    largest shortage" rule on the same data (``baseline``)."""

    FORMAT: ClassVar[str] = "fieldopt.rebalance-plan/1"

    transfers: pd.DataFrame = field(compare=False)
    baseline: Mapping[str, float] = field(default_factory=dict)
    min_quantity: int = 1

    def summary(self) -> dict[str, Any]:
        return {
            "status": str(self.report.status),
            "transfers": len(self.transfers),
            **self.kpis,
            "baseline_largest_excess_to_largest_shortage": dict(self.baseline),
            "runtime_s": round(self.report.runtime_s, 3),
        }

    def to_frame(self) -> pd.DataFrame:
        return self.transfers.copy()

    def to_html(self, path: str | None = None) -> str:
        return _write(table_figure(self.transfers, "Proposed transfers"), path)

    def body(self) -> dict[str, Any]:
        return {
            "min_quantity": self.min_quantity,
            "transfers": records(self.transfers[list(TRANSFER_COLUMNS)]),
            "baseline": dict(self.baseline),
        }

    @classmethod
    def from_body(cls, obj: Mapping[str, Any], common: dict[str, Any]) -> Self:
        q = obj.get("min_quantity", 1)
        if isinstance(q, bool) or not isinstance(q, int):
            raise ValueError(f"min_quantity: expected an integer, got {q!r}")
        return cls(
            **common,
            transfers=frame_from_records(obj["transfers"], TRANSFER_COLUMNS, "transfers"),
            baseline=_numbers(obj.get("baseline", {}), "baseline"),
            min_quantity=q,
        )


@dataclass(frozen=True)
class FrontierResult(TaggedJson):
    """The efficient frontier: ``points`` (one row per step, ``POINT_KEYS`` columns; fill rate on
    sampled rows, NaN elsewhere — ``null`` in JSON), the ``current`` stock's KPIs and a
    ``recommended`` point (the cheapest frontier point with waiting time no worse than today's).
    """

    FORMAT: ClassVar[str] = "fieldopt.stocking-frontier/1"

    points: pd.DataFrame = field(compare=False)
    current: dict[str, float]
    recommended: dict[str, float]
    method: str
    report: SolveReport

    @property
    def runtime_s(self) -> float:
        return self.report.runtime_s

    def summary(self) -> dict[str, Any]:
        return {
            "points": len(self.points),
            "method": self.method,
            "current": self.current,
            "recommended": self.recommended,
            "holding_cost_saving_per_year": self.current["holding_cost_per_year"]
            - self.recommended["holding_cost_per_year"],
            "runtime_s": round(self.runtime_s, 3),
        }

    def to_frame(self) -> pd.DataFrame:
        return self.points.copy()

    def to_html(self, path: str | None = None) -> str:
        fig = frontier_figure(
            {"frontier": self.points},
            {"current stock": self.current, "recommended": self.recommended},
        )
        return _write(fig, path)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = strict(
            {
                "format": self.FORMAT,
                "status": self.report.status.value,
                "method": self.method,
                "current": self.current,
                "recommended": self.recommended,
                "holding_cost_saving_per_year": self.summary()["holding_cost_saving_per_year"],
                "points": records(self.points[list(POINT_COLUMNS)]),
                "report": report_to_json(self.report),
            }
        )
        return out

    @classmethod
    def _from_json(cls, obj: Mapping[str, Any]) -> Self:
        return cls(
            frame_from_records(obj["points"], POINT_COLUMNS, "points"),
            _numbers(obj["current"], "current"),
            _numbers(obj["recommended"], "recommended"),
            str(obj["method"]),
            report_from_json(obj["report"]),
        )


@dataclass(frozen=True)
class WhatifResult(TaggedJson):
    """One frontier per variant (``base`` first), overlaid; ``comparison`` per variant: the
    holding cost to match the base's recommended waiting time, and the waiting time at the
    base's recommended holding cost (NaN — ``null`` in JSON — where the variant's frontier
    does not reach it)."""

    FORMAT: ClassVar[str] = "fieldopt.whatif/1"
    COMPARISON: ClassVar[dict[str, type]] = {
        "variant": str,
        "holding_cost_for_base_waiting": float,
        "waiting_days_at_base_cost": float,
    }

    frontiers: dict[str, pd.DataFrame] = field(compare=False)
    comparison: pd.DataFrame = field(compare=False)
    marks: dict[str, dict[str, float]] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {"variants": self.comparison.to_dict(orient="records")}

    def to_frame(self) -> pd.DataFrame:
        return pd.concat(
            [f.assign(variant=name) for name, f in self.frontiers.items()], ignore_index=True
        )

    def to_html(self, path: str | None = None) -> str:
        fig = frontier_figure(self.frontiers, self.marks, title="What-if frontiers")
        return _write(fig, path)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = strict(
            {
                "format": self.FORMAT,
                "variants": records(self.comparison[list(self.COMPARISON)]),
                "marks": self.marks,
                "frontiers": {
                    k: records(f[list(POINT_COLUMNS)]) for k, f in self.frontiers.items()
                },
            }
        )
        return out

    @classmethod
    def _from_json(cls, obj: Mapping[str, Any]) -> Self:
        fronts = obj["frontiers"]
        marks = obj.get("marks", {})
        if not isinstance(fronts, Mapping) or not isinstance(marks, Mapping):
            raise ValueError("frontiers and marks: expected objects")
        return cls(
            {
                str(k): frame_from_records(v, POINT_COLUMNS, f"frontiers.{k}")
                for k, v in fronts.items()
            },
            frame_from_records(obj["variants"], cls.COMPARISON, "variants"),
            {str(k): _numbers(v, f"marks.{k}") for k, v in marks.items()},
        )
