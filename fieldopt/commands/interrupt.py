"""SIGINT / SIGTERM for the commands that solve: stop the search, keep only a checked plan.

The first signal asks every solve to stop (:func:`fieldopt.options.request_stop`); the search ends
with the best it has, which the model's API checks with the independent checker as usual. The
command then writes what it has only if that passed, says so on stderr and exits 130. A second
signal ends the process at once (exit 130): output files are written atomically, so an
earlier file is never left half-replaced.

Python runs signal handlers only in the main thread, between bytecodes: a search in C++
(CP-SAT, HiGHS) would not see them until it returned. So the handlers do nothing themselves;
:func:`signal.set_wakeup_fd` writes each signal's number to a pipe that a watcher thread reads,
and the watcher raises the stop flag whatever the main thread is doing.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import ParamSpec

from fieldopt.errors import EXIT_INTERRUPTED, Interrupted, NoPlanError
from fieldopt.options import clear_stop, request_stop, stop_requested

SIGNALS = (signal.SIGINT, signal.SIGTERM)
P = ParamSpec("P")


@dataclass
class Outputs:
    """The files a command wrote; what the interruption message reports."""

    written: list[Path] = field(default_factory=list)

    def add(self, path: Path) -> Path:
        self.written.append(path)
        return path


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _watch(read_fd: int) -> None:
    """Raise the stop flag on the first signal; end the process on the second."""
    seen = 0
    while True:
        try:
            data = os.read(read_fd, 64)
        except OSError:
            return
        if not data:  # the pipe was closed: the command ended
            return
        seen += len(data)
        if seen == len(data):
            _say("interrupt: stopping the search (again to abort, nothing written)…")
            request_stop()
        if seen >= 2:
            _say("interrupted again: aborted, nothing written")
            os._exit(EXIT_INTERRUPTED)


def _ignore(signum: int, frame: FrameType | None) -> None:
    """The watcher thread acts on the signal; the main thread carries on with its search."""


@contextlib.contextmanager
def _signals_to_stop() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # signals can only be handled in the main thread (e.g. under a test runner)
        return
    read_fd, write_fd = os.pipe()
    os.set_blocking(write_fd, False)
    previous = {s: signal.signal(s, _ignore) for s in SIGNALS}
    old_fd = signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
    watcher = threading.Thread(target=_watch, args=(read_fd,), name="signals", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        signal.set_wakeup_fd(old_fd)
        # once stopped, the command only ends (exit 130): a later signal must not kill it
        # half-way through saying what it wrote
        stopping = stop_requested()
        for s, handler in previous.items():
            signal.signal(s, signal.SIG_IGN if stopping else handler)
        os.close(write_fd)  # the watcher reads end-of-file and returns
        watcher.join(timeout=1.0)
        os.close(read_fd)


@contextlib.contextmanager
def interruptible(what: str = "plan", keeps: bool = True) -> Iterator[Outputs]:
    """Run a command's solve and writes so that SIGINT / SIGTERM stop the search.

    On a stop request the block still runs to its end (the search returns early, then the
    command writes what passed the checker and records it in the yielded :class:`Outputs`);
    then :class:`Interrupted` (exit 130) says what was written. A solve that ends without a
    plan, or whose plan failed the checker, after a stop request is an interruption too.
    ``keeps=False``: the command writes nothing once stopped (:func:`stopped_before_writing`).
    """
    outputs = Outputs()
    clear_stop()
    try:
        with _signals_to_stop():
            if keeps:
                _say(f"searching; Ctrl-C stops and keeps the best {what} if it passes the checker")
            else:
                # said before the command checks its outputs: a hint, not news of a search
                _say(f"Ctrl-C stops the {what} and writes nothing")
            try:
                yield outputs
            except NoPlanError as exc:
                if stop_requested():
                    raise Interrupted("interrupted: nothing written") from exc
                raise
            if stop_requested():
                if outputs.written:
                    files = ", ".join(str(p) for p in outputs.written)
                    raise Interrupted(
                        f"interrupted: wrote the best {what} found so far, checker-clean ({files})"
                    )
                raise Interrupted("interrupted: nothing written")
    finally:
        clear_stop()


def stopped_before_writing() -> None:
    """For commands whose results are only whole when the solve ran to its end (inventory):
    after a stop request, write nothing."""
    if stop_requested():
        raise Interrupted("interrupted: nothing written")


def interruptible_command(what: str) -> Callable[[Callable[P, None]], Callable[P, None]]:
    """A command run under :func:`interruptible` with ``keeps=False``."""

    def decorate(command: Callable[P, None]) -> Callable[P, None]:
        @functools.wraps(command)
        def run(*args: P.args, **kwargs: P.kwargs) -> None:
            with interruptible(what, keeps=False):
                command(*args, **kwargs)

        return run

    return decorate
