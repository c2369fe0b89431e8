"""The intermittent-demand methods fieldopt offers, by their reference names (statsforecast)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from fieldopt.errors import InputError

FORECAST_EXTRA_MISSING = (
    "forecasting demand needs statsforecast, which is not installed: "
    "pip install 'fieldopt[forecast]'"
)


def _models() -> dict[str, Callable[[], Any]]:
    """The method factories; :class:`InputError` naming the ``forecast`` extra without it."""
    # statsforecast imports numba; keep it out of ``import fieldopt`` (and optional)
    try:
        from statsforecast.models import (
            ADIDA,
            IMAPA,
            TSB,
            CrostonClassic,
            CrostonOptimized,
            CrostonSBA,
        )
    except ImportError as exc:
        raise InputError(FORECAST_EXTRA_MISSING) from exc

    return {
        "CrostonClassic": CrostonClassic,
        "CrostonSBA": CrostonSBA,
        "CrostonOptimized": CrostonOptimized,
        "TSB(alpha_d=0.1,alpha_p=0.1)": lambda: TSB(alpha_d=0.1, alpha_p=0.1),
        "ADIDA": ADIDA,
        "IMAPA": IMAPA,
    }


METHOD_NAMES: tuple[str, ...] = (
    "CrostonClassic",
    "CrostonSBA",
    "CrostonOptimized",
    "TSB(alpha_d=0.1,alpha_p=0.1)",
    "ADIDA",
    "IMAPA",
)
ALIASES = {"TSB(0.1,0.1)": "TSB(alpha_d=0.1,alpha_p=0.1)", "TSB": "TSB(alpha_d=0.1,alpha_p=0.1)"}


def canonical_method(name: str) -> str:
    """The reference name of a method, accepting the short aliases; ValueError if unknown."""
    name = ALIASES.get(name, name)
    if name not in METHOD_NAMES:
        raise ValueError(f"forecast method {name!r}: expected one of {', '.join(METHOD_NAMES)}")
    return name


def one_step(y: NDArray[np.float64], method: str) -> float:
    """The next-period forecast of ``y`` by ``method`` (0 for an all-zero series)."""
    if not np.any(y > 0):
        return 0.0
    model = _models()[canonical_method(method)]()
    return float(model.forecast(y=np.asarray(y, dtype=np.float64), h=1)["mean"][0])


def backtest(y: NDArray[np.float64], methods: tuple[str, ...], holdout: int) -> dict[str, float]:
    """Mean absolute one-step error of each method over the last ``holdout`` periods
    (rolling origin: each forecast uses only the periods before it)."""
    factories = _models()
    errors: dict[str, float] = {}
    start = max(len(y) - holdout, 2)
    for name in methods:
        err = 0.0
        for t in range(start, len(y)):
            hist = y[:t]
            f = (
                0.0
                if not np.any(hist > 0)
                else float(factories[name]().forecast(y=hist, h=1)["mean"][0])
            )
            err += abs(f - y[t])
        errors[name] = err / max(len(y) - start, 1)
    return errors
