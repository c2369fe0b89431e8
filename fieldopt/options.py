"""The solve options every model takes: :class:`SolveOptions` and :class:`Progress` events.

Re-exported from :mod:`solvers.options` so callers need not know the solver layer;
:func:`cli_options` turns command-line values into options or a clean error.
"""

from fieldopt.errors import InputError, Problem
from solvers.options import (
    MAX_SEED,
    MAX_TIME_LIMIT_S,
    MAX_WORKERS,
    Progress,
    ProgressFn,
    SolveOptions,
)

__all__ = [
    "MAX_SEED",
    "MAX_TIME_LIMIT_S",
    "MAX_WORKERS",
    "Progress",
    "ProgressFn",
    "SolveOptions",
    "cli_options",
]

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
        option = _OPTION.get(name, name)
        problem = Problem("error", "bad_option", "options", f"{option}: {why}", field=option)
        raise InputError([problem]) from exc
