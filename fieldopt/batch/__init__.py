"""Batch runner: nightly optimisation and what-if sweeps over many regions.

>>> from fieldopt import batch
>>> handle = batch.run("nightly.yaml", db="sqlite:///runs.db")     # doctest: +SKIP
>>> handle.results()                                                # one row per run

Runs are persisted one by one (each in one transaction), identified by the fingerprint of
their inputs: re-running a batch skips what is done, ``resume=True`` continues a batch that
was killed, and several runners can share a database.
"""

from __future__ import annotations

from concurrent.futures import Executor
from pathlib import Path
from typing import Any

from fieldopt.batch.kinds import RunKind, RunOutcome
from fieldopt.batch.registry import known_kinds, resolve_kind
from fieldopt.batch.runner import BatchHandle, Progress, run_batch
from fieldopt.batch.spec import BatchSpec, load_spec, parse_spec
from fieldopt.batch.store import BatchStatus

__all__ = [
    "BatchHandle",
    "BatchSpec",
    "BatchStatus",
    "RunKind",
    "RunOutcome",
    "known_kinds",
    "load_spec",
    "parse_spec",
    "resolve_kind",
    "run",
]


def run(
    spec: str | Path | dict[str, Any] | BatchSpec,
    db: str = "sqlite:///runs.db",
    executor: Executor | None = None,
    *,
    jobs: int = 2,
    resume: bool = False,
    lease_s: float = 120.0,
    progress: Progress | None = None,
) -> BatchHandle:
    """Run a batch spec (a YAML path, a mapping, or a parsed :class:`BatchSpec`)."""
    if isinstance(spec, str | Path):
        spec = load_spec(spec)
    elif isinstance(spec, dict):
        spec = parse_spec(spec)
    return run_batch(
        spec, db, executor, jobs=jobs, resume=resume, lease_s=lease_s, progress=progress
    )
