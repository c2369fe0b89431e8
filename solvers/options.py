"""One options shape for every solve: time limit, seed, workers and a progress callback.

The three models (routing, scheduling, inventory) take a :class:`SolveOptions`; each maps it onto
its back-end's own parameters. ``progress`` receives one :class:`Progress` event shape.
Every solve also polls one process-wide stop request (:func:`request_stop`, set on SIGINT /
SIGTERM by the command line) and returns its best so far when it is set.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


# ------------------------------------------------------------------------------ stopping
# A request to stop: set on SIGINT / SIGTERM by the command line, polled by every solve.
# Process-wide on purpose: a signal is addressed to the process, and the searches that must
# wind down (OR-Tools routing, CP-SAT, HiGHS, our own construction and ruin-and-recreate
# loops) read it without it being threaded through every parameter set. A stopped search
# returns the best it has, as if its time limit had been reached; the caller decides what to
# do with it. request_stop may be called from any thread (the command line's signal watcher
# does so) and runs the callbacks registered with on_stop, e.g. a CP-SAT solver's
# stop_search, which cannot poll a Python flag from inside its C++ search.

_requested = threading.Event()
# re-entrant: request_stop may run in the main thread (a signal handler) while it registers
_lock = threading.RLock()
_callbacks: list[Callable[[], None]] = []


def request_stop() -> None:
    """Ask every running solve to stop with what it has."""
    _requested.set()
    with _lock:
        callbacks = list(_callbacks)
    for callback in callbacks:
        callback()


def stop_requested() -> bool:
    """Whether a stop has been asked for (cheap: called in search loops)."""
    return _requested.is_set()


def clear_stop() -> None:
    """Forget a stop request (the command line does so when a command ends)."""
    _requested.clear()


@contextmanager
def on_stop(callback: Callable[[], None]) -> Iterator[None]:
    """Call ``callback`` on a stop request while the block runs (at once if one is pending)."""
    with _lock:
        _callbacks.append(callback)
    try:
        if stop_requested():
            callback()
        yield
    finally:
        with _lock:
            _callbacks.remove(callback)
