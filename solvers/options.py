"""One options shape for every solve: time limit, seed, workers and a progress callback.

The three models (routing, scheduling, inventory) take a :class:`SolveOptions`; each maps it onto
its back-end's own parameters. ``progress`` receives one :class:`Progress` event shape.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

MAX_TIME_LIMIT_S = 7 * 24 * 3600.0
"""A week: a longer limit is a typo (seconds taken for minutes), not a plan."""
MAX_SEED = 2**31 - 1
MAX_WORKERS = 256


@dataclass(frozen=True)
class Progress:
    """A solver's progress: seconds since the call began, and what it has at that time.

    ``objective`` and ``bound`` are in the solver's own units (``None`` when it has none yet);
    ``done`` / ``total`` count steps for solvers that advance in steps (marginal analysis).
    """

    elapsed_s: float
    objective: float | None = None
    bound: float | None = None
    done: int | None = None
    total: int | None = None


ProgressFn = Callable[[Progress], None]


@dataclass(frozen=True)
class SolveOptions:
    """How long and how to search. The time limit covers the whole call.

    ``seed`` with ``workers=1`` makes a solve reproducible (same data, same seed, same result
    when the search ends by its own criterion rather than by the clock).
    """

    time_limit_s: float
    seed: int = 0
    workers: int = 1
    progress: ProgressFn | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        t = self.time_limit_s
        if isinstance(t, bool) or not isinstance(t, int | float):
            raise ValueError(f"SolveOptions: field time_limit_s: a number, got {t!r}")
        if not (math.isfinite(t) and 0 < t <= MAX_TIME_LIMIT_S):
            raise ValueError(
                f"SolveOptions: field time_limit_s: must be > 0 and <= {MAX_TIME_LIMIT_S:g} s, "
                f"got {t!r}"
            )
        for name, value, low, high in (
            ("seed", self.seed, 0, MAX_SEED),
            ("workers", self.workers, 1, MAX_WORKERS),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(
                    f"SolveOptions: field {name}: an integer from {low} to {high}, got {value!r}"
                )

    def report(self, progress: Progress) -> None:
        """Pass ``progress`` to the callback, if any."""
        if self.progress is not None:
            self.progress(progress)
