"""The solve options every model takes: :class:`SolveOptions` and :class:`Progress` events.

Re-exported from :mod:`solvers.options` so callers need not know the solver layer;
:func:`cli_options` turns command-line values into options or a clean error.
"""

import datetime as dt
import math

from fieldopt.errors import InputError, Problem
from solvers.options import (
    MAX_SEED,
    MAX_TIME_LIMIT_S,
    MAX_WORKERS,
    Progress,
    ProgressFn,
    SolveOptions,
    clear_stop,
    on_stop,
    request_stop,
    stop_requested,
)

__all__ = [
    "MAX_HORIZON_DAYS",
    "MAX_MONEY",
    "MAX_QUANTITY",
    "MAX_SEED",
    "MAX_TIME_LIMIT_S",
    "MAX_WORKERS",
    "Progress",
    "ProgressFn",
    "SolveOptions",
    "bad_option",
    "clear_stop",
    "cli_options",
    "on_stop",
    "option_date",
    "option_number",
    "request_stop",
    "stop_requested",
]

MAX_HORIZON_DAYS = 366
"""Days a schedule or a generated scenario spans: a year."""
MAX_MONEY = 1e12
"""Budgets and costs given as options, in the scenario's currency."""
MAX_QUANTITY = 10**9
"""Units of a part given as an option."""

_OPTION = {"time_limit_s": "--time-limit", "seed": "--seed", "workers": "--workers"}


def cli_options(
    time_limit: float, seed: int = 0, workers: int = 1, progress: ProgressFn | None = None
) -> SolveOptions:
    """:class:`SolveOptions` from command-line values; a bad one is an :class:`InputError`
    naming the option (exit 2)."""
    try:
        return SolveOptions(time_limit_s=time_limit, seed=seed, workers=workers, progress=progress)
    except ValueError as exc:
        text = str(exc).removeprefix("SolveOptions: field ")
        name, _, why = text.partition(": ")
        raise bad_option(_OPTION.get(name, name), why) from exc


def bad_option(option: str, why: str) -> InputError:
    """The error for a bad command-line value: names the option (exit 2)."""
    return InputError([Problem("error", "bad_option", "options", f"{option}: {why}", field=option)])


def option_number(
    value: float,
    option: str,
    low: float,
    high: float,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """``value`` if it is a finite number in the range; an :class:`InputError` naming
    ``option`` otherwise (click's own ranges let NaN through)."""
    lo, hi = "(" if low_open else "[", ")" if high_open else "]"
    in_range = (
        math.isfinite(value)
        and (value > low if low_open else value >= low)
        and (value < high if high_open else value <= high)
    )
    if not in_range:
        raise bad_option(option, f"a finite number in {lo}{low:g}, {high:g}{hi}, got {value}")
    return value


def option_date(value: str, option: str) -> dt.date:
    """``value`` as a YYYY-MM-DD date; an :class:`InputError` naming ``option`` otherwise."""
    try:
        return dt.date.fromisoformat(value) if len(value) == 10 else dt.date.fromisoformat("")
    except ValueError:
        raise bad_option(option, f"expected a date YYYY-MM-DD, got {value!r}") from None
