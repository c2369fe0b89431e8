"""Results of the inventory API: each has ``summary()``, ``to_frame()`` and ``to_html()``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from fieldopt.inventory.forecast import ForecastResult, _write
from fieldopt.inventory.pictures import frontier_figure, table_figure
from solvers.result import SolveReport

__all__ = ["ForecastResult", "FrontierResult", "RebalancePlan", "StockingPlan", "WhatifResult"]

POINT_KEYS = ("investment", "holding_cost_per_year", "total_ebo", "waiting_days", "fill_rate")


@dataclass(frozen=True)
class StockingPlan:
    """Stock levels per part and location with their metrics (rows: ``part_id, location_id,
    stock, current, demand_per_year, ebo, fill_rate, waiting_days, unit_cost``) and the KPIs.
    ``method`` is the evaluator (metric, vari-metric, exact); ``budget`` the investment cap used;
    ``stockout_policy`` the policy forced on every site serving customers (``None``: the
    scenario's ``inventory.stockout_policy`` settings)."""

    levels: pd.DataFrame
    kpis: dict[str, float]
    method: str
    report: SolveReport
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


@dataclass(frozen=True)
class FrontierResult:
    """The efficient frontier: ``points`` (one row per step, ``POINT_KEYS`` columns; fill rate on
    sampled rows, NaN elsewhere), the ``current`` stock's KPIs and a ``recommended`` point (the
    cheapest frontier point with waiting time no worse than today's)."""

    points: pd.DataFrame
    current: dict[str, float]
    recommended: dict[str, float]
    method: str
    runtime_s: float

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


@dataclass(frozen=True)
class RebalancePlan:
    """Transfers (``part_id, from_id, to_id, quantity, transport_cost``) and the cost split of
    the MILP and of the "largest excess to largest shortage" rule on the same data."""

    transfers: pd.DataFrame
    kpis: dict[str, float]
    baseline: dict[str, float]
    report: SolveReport
    min_quantity: int = 1

    def summary(self) -> dict[str, Any]:
        return {
            "status": str(self.report.status),
            "transfers": len(self.transfers),
            **self.kpis,
            "baseline_largest_excess_to_largest_shortage": self.baseline,
            "runtime_s": round(self.report.runtime_s, 3),
        }

    def to_frame(self) -> pd.DataFrame:
        return self.transfers.copy()

    def to_html(self, path: str | None = None) -> str:
        return _write(table_figure(self.transfers, "Proposed transfers"), path)


@dataclass(frozen=True)
class WhatifResult:
    """One frontier per variant (``base`` first), overlaid; ``comparison`` per variant: the
    holding cost to match the base's recommended waiting time, and the waiting time at the
    base's recommended holding cost."""

    frontiers: dict[str, pd.DataFrame]
    comparison: pd.DataFrame
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
