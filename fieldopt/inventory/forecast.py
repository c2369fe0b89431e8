"""Demand rates per part and location: intermittent-demand forecasts chosen per series by a
rolling backtest (statsforecast), or the installed base (units x failure rate) without history."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from fieldopt.errors import Interrupted
from fieldopt.inventory.methods import METHOD_NAMES, backtest, canonical_method, one_step
from fieldopt.io.files import strict, write_text_atomic
from fieldopt.options import stop_requested

PERIODS_PER_YEAR = 12  # demand_history is monthly


@dataclass(frozen=True)
class ForecastResult:
    """One row per part and location: ``rate_per_year``, the ``method`` that produced it
    (a forecast method, ``installed_base``), its backtest ``mae`` (units per period) and the
    number of history ``periods``."""

    FORMAT: ClassVar[str] = "fieldopt.demand-forecast/1"

    rates: pd.DataFrame

    def summary(self) -> dict[str, object]:
        r = self.rates
        hist = r[r["source"] == "history"]
        return {
            "series": len(r),
            "from_history": len(hist),
            "from_installed_base": int((r["source"] == "installed_base").sum()),
            "demand_per_year": float(r["rate_per_year"].sum()),
            "methods_chosen": hist["method"].value_counts().to_dict(),
            "mean_backtest_mae": float(hist["mae"].mean()) if len(hist) else None,
        }

    def to_frame(self) -> pd.DataFrame:
        return self.rates.copy()

    def to_json(self) -> dict[str, Any]:
        """Strict JSON: the ``format`` tag, the summary and the rates (NaN MAE -> ``null``)."""
        out: dict[str, Any] = strict(
            {
                "format": self.FORMAT,
                **self.summary(),
                "rates": self.rates.to_dict(orient="records"),
            }
        )
        return out

    def to_html(self, path: str | None = None) -> str:
        from fieldopt.inventory.pictures import forecast_figure

        return _write(forecast_figure(self.rates), path)


def _write(fig: object, path: str | None) -> str:
    html: str = fig.to_html(include_plotlyjs="cdn", full_html=True)  # type: ignore[attr-defined]
    if path is not None:
        write_text_atomic(path, html, "--report")
    return html


def choose_method(
    y: np.ndarray, methods: Sequence[str] = METHOD_NAMES, holdout: int = 6
) -> tuple[str, float, float]:
    """``(method, backtest MAE, next-period forecast)`` for one series: the method with the least
    one-step MAE over the last ``holdout`` periods (ties: the first listed)."""
    names = tuple(canonical_method(m) for m in methods)
    if len(y) <= holdout + 2 or not np.any(y > 0):
        method = names[0]
        return method, float("nan"), one_step(y, method)
    errors = backtest(y, names, holdout)
    method = min(names, key=lambda m: errors[m])
    return method, errors[method], one_step(y, method)


def forecast_frame(
    history: pd.DataFrame,
    methods: Sequence[str] = METHOD_NAMES,
    holdout: int = 6,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Per series of ``history`` (``location_id, part_id, period, quantity``), sorted by period:
    the chosen method, its MAE and the rate per year."""
    rows = []
    for (loc, part), grp in history.sort_values("period").groupby(["location_id", "part_id"]):
        y = grp["quantity"].to_numpy(dtype=np.float64)
        method, mae, f = choose_method(y, methods, holdout)
        rows.append((loc, part, max(f, 0.0) * PERIODS_PER_YEAR, method, mae, len(y), "history"))
        if progress is not None:
            progress(1)
        if stop_requested():  # a forecast is only of use whole
            raise Interrupted("interrupted: nothing written")
    return pd.DataFrame(
        rows,
        columns=["location_id", "part_id", "rate_per_year", "method", "mae", "periods", "source"],
    )


def installed_base_rates(installed: pd.DataFrame, known: pd.DataFrame) -> pd.DataFrame:
    """Units x failures per unit-year, for part/location pairs without history."""
    ib = installed.assign(rate_per_year=installed["units"] * installed["failures_per_unit_year"])
    have = set(zip(known["location_id"], known["part_id"], strict=True))
    keep = np.array(
        [(loc, p) not in have for loc, p in zip(ib["location_id"], ib["part_id"], strict=True)],
        dtype=bool,
    )
    ib = ib.loc[keep]  # a boolean array, so an empty table stays a table of rows
    return pd.DataFrame(
        {
            "location_id": ib["location_id"],
            "part_id": ib["part_id"],
            "rate_per_year": ib["rate_per_year"].astype(float),
            "method": "installed_base",
            "mae": np.nan,
            "periods": 0,
            "source": "installed_base",
        }
    )
