"""What an executor runs for one run: load the scenario, execute the kind, never raise.

Module-level functions only, so any ``concurrent.futures.Executor`` (a process pool, a Dask
client's executor) can pickle them. The outcome travels back to the runner, which commits it.
"""

from __future__ import annotations

import time
import traceback
from typing import Any

from fieldopt.batch.kinds import RunOutcome
from fieldopt.batch.registry import resolve_kind
from fieldopt.batch.spec import ScenarioSource
from fieldopt.errors import FieldoptError
from fieldopt.scenario import Scenario

# Scenarios already read by this worker process, by (source, fingerprint): a batch runs many
# kinds and dates on the same region.
_CACHE: dict[tuple[str, str], Scenario] = {}


def _scenario(source: ScenarioSource, fingerprint: str) -> Scenario:
    key = (repr(source), fingerprint)
    if key not in _CACHE:
        scenario = source.load()
        if scenario.fingerprint() != fingerprint:
            raise FieldoptError(
                f"scenario {source.name!r} changed since the batch was planned; "
                "start the batch again to plan runs on the new data"
            )
        _CACHE.clear()  # keep one scenario per worker: memory stays flat over long batches
        _CACHE[key] = scenario
    return _CACHE[key]


def exit_with_parent(parent_pid: int, every_s: float = 1.0) -> None:
    """Pool-worker initializer: exit when the runner is gone (killed with -9), instead of
    lingering as an orphan that holds memory and a busy core."""
    import os
    import threading

    def watch() -> None:
        while True:
            time.sleep(every_s)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def execute_run(payload: dict[str, Any]) -> dict[str, Any]:
    """Execute one run; returns ``{"ok", "runtime_s", "outcome" | "error"}``."""
    started = time.perf_counter()
    try:
        source = ScenarioSource(**payload["scenario"])
        scenario = _scenario(source, payload["scenario_fingerprint"])
        kind = resolve_kind(payload["kind"])
        outcome = kind.execute(scenario, dict(payload["params"]))
        if not isinstance(outcome, RunOutcome):
            raise TypeError(f"run kind {payload['kind']!r} returned {type(outcome).__name__}")
        return {"ok": True, "runtime_s": time.perf_counter() - started, "outcome": outcome}
    except FieldoptError as exc:
        error = f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # recorded with the run; one failure must not stop the batch
        error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}"
    return {"ok": False, "runtime_s": time.perf_counter() - started, "error": error}
