"""A request to stop: set on SIGINT / SIGTERM by the command line, polled by every solve.

Process-wide on purpose: a signal is addressed to the process, and the searches that must
wind down (OR-Tools routing, CP-SAT, HiGHS, our own construction and ruin-and-recreate loops)
read it without it being threaded through every parameter set. A stopped search returns the
best it has, as if its time limit had been reached; the caller decides what to do with it.

Thread-safe: :func:`request_stop` may be called from any thread (the command line's signal
watcher does so) and runs the callbacks registered with :func:`on_stop`, e.g. a CP-SAT
solver's ``stop_search``, which cannot poll a Python flag from inside its C++ search.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["clear_stop", "on_stop", "request_stop", "stop_requested"]

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
