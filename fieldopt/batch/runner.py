"""The batch runner: claim runs, hand them to an executor, commit each result as it arrives."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

import pandas as pd

from fieldopt.batch.spec import BatchSpec, RunRequest
from fieldopt.batch.store import (
    BatchStatus,
    BatchStore,
    check_lease,
    heartbeat_interval,
    now,
    runner_identity,
)
from fieldopt.batch.worker import execute_run, exit_with_parent
from fieldopt.io.database import connect

Progress = Callable[[BatchStatus], None]


@dataclass
class BatchHandle:
    """A batch in a database: its status, and its results as a DataFrame."""

    batch_id: str
    db: str

    def status(self) -> BatchStatus:
        return BatchStore(connect(self.db, create=False)).status(self.batch_id)

    def results(self) -> pd.DataFrame:
        from fieldopt.batch.results import results_frame

        return results_frame(self.db, self.batch_id)


def _make_executor(jobs: int) -> ProcessPoolExecutor:
    import multiprocessing
    import os

    # spawn: workers start clean (no copied DB connections or solver state from the runner)
    return ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=exit_with_parent,
        initargs=(os.getpid(),),
    )


def run_batch(
    spec: BatchSpec,
    db: str = "sqlite:///runs.db",
    executor: Executor | None = None,
    *,
    jobs: int = 2,
    resume: bool = False,
    lease_s: float = 120.0,
    progress: Progress | None = None,
) -> BatchHandle:
    """Run every run of ``spec`` not already done with the same inputs; returns the handle.

    ``executor``: any ``concurrent.futures.Executor`` (default: a process pool of ``jobs``
    workers; a Dask ``Client(...).get_executor()`` runs on a cluster). ``jobs`` also bounds
    the runs in flight. With ``resume`` the most recent unfinished batch of the same spec is
    continued instead of starting a new one. Several runners may share one database: each
    run is claimed by exactly one of them; one whose runner sent no heartbeat for ``lease_s``
    seconds (at least :data:`~fieldopt.batch.store.MIN_LEASE_S`) is taken over.
    """
    lease_s = check_lease(lease_s)
    store = BatchStore(connect(db))
    batch_id = store.latest_unfinished(spec) if resume else None
    if batch_id is None:
        batch_id = store.create_batch(spec)
    me = runner_identity()
    started = now()
    own_pool = executor is None
    pool: Executor = executor if executor is not None else _make_executor(jobs)
    requests = {r.id: r for r in spec.runs}
    in_flight: dict[Future[dict[str, Any]], RunRequest] = {}
    heartbeat_every = heartbeat_interval(lease_s)
    try:
        while True:
            todo = [
                requests[r["id"]]
                for r in store.batch_runs(batch_id)
                if r["status"] != "done"
                and r["id"] in requests
                and r["id"] not in {q.id for q in in_flight.values()}
            ]
            for request in todo:
                if len(in_flight) >= jobs:
                    break
                if store.claim(request.id, me, started, lease_s):
                    in_flight[pool.submit(execute_run, request.payload())] = request
            if progress is not None:
                progress(store.status(batch_id))
            if not in_flight:
                if not store.held_elsewhere(batch_id, me) or not todo:
                    break
                time.sleep(1.0)  # another runner holds the rest: wait, or take over if it dies
                continue
            finished, _ = wait(in_flight, timeout=heartbeat_every, return_when=FIRST_COMPLETED)
            store.heartbeat((r.id for r in in_flight.values()), me)
            for future in finished:
                request = in_flight.pop(future)
                _commit(store, me, request, future)
            broken = any(isinstance(f.exception(), BrokenProcessPool) for f in finished)
            if broken and own_pool:  # a worker died: the pool is unusable, start a fresh one
                pool.shutdown(wait=False, cancel_futures=True)
                pool = _make_executor(jobs)
        status = store.status(batch_id)
        store.finish_batch(batch_id, "finished" if status.done == status.total else "incomplete")
        if progress is not None:
            progress(store.status(batch_id))
    except BaseException:
        store.release((r.id for r in in_flight.values()), me)
        raise
    finally:
        if own_pool:
            pool.shutdown(wait=True, cancel_futures=True)
    return BatchHandle(batch_id, db)


def _commit(
    store: BatchStore, me: str, request: RunRequest, future: Future[dict[str, Any]]
) -> None:
    error = future.exception()
    if error is not None:  # the worker itself died (killed, out of memory)
        store.fail(request.id, me, f"worker failed: {type(error).__name__}: {error}", None)
        return
    result = future.result()
    if result["ok"]:
        store.finish(request.id, me, result["outcome"], float(result["runtime_s"]))
    else:
        store.fail(request.id, me, str(result["error"]), float(result["runtime_s"]))
