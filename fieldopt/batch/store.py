"""Batch state in the database: batches, runs, and the claims that let runners share work.

Every state change is one short transaction. A run's result is written together with its
``done`` status in a single UPDATE, so a reader never sees a finished run without its result.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from fieldopt.batch.kinds import RunOutcome
from fieldopt.batch.spec import BatchSpec, RunRequest
from fieldopt.domain.tables import BatchRecord, BatchRun, RunRecord
from fieldopt.io.files import strict

BATCHES = BatchRecord.__table__  # type: ignore[attr-defined]
RUNS = RunRecord.__table__  # type: ignore[attr-defined]
LINKS = BatchRun.__table__  # type: ignore[attr-defined]


MIN_HEARTBEAT_S = 1.0
"""The shortest interval between two heartbeats of a runner."""
HEARTBEATS_PER_LEASE = 4
"""A lease spans this many heartbeats, so a busy runner (a slow commit, a pool starting) is
not taken for dead."""
MIN_LEASE_S = 10.0
"""The shortest lease: several heartbeats of :data:`MIN_HEARTBEAT_S` and some slack. A shorter
one lets another runner take over runs that are still alive, and do them twice."""
MAX_LEASE_S = 7 * 24 * 3600.0
"""The longest lease (a week): a run whose runner died is taken over within that time."""


def heartbeat_interval(lease_s: float) -> float:
    """Seconds between heartbeats for a lease of ``lease_s``."""
    return max(MIN_HEARTBEAT_S, min(10.0, lease_s / HEARTBEATS_PER_LEASE))


def check_lease(lease_s: object, name: str = "lease_s") -> float:
    """``lease_s`` as seconds, or an :class:`InputError` naming ``name`` that says the bounds."""
    from fieldopt.options import bad_option

    ok = isinstance(lease_s, int | float) and not isinstance(lease_s, bool)
    if ok and MIN_LEASE_S <= float(lease_s) <= MAX_LEASE_S:  # type: ignore[arg-type]
        return float(lease_s)  # type: ignore[arg-type]
    why = (
        f"must be between {MIN_LEASE_S:g} and {MAX_LEASE_S:g} seconds, got {lease_s!r}; "
        "a run whose runner sends no heartbeat for that long is taken over by another runner, "
        f"and runners beat every {MIN_HEARTBEAT_S:g} to 10 s, so a shorter lease would redo "
        "runs that are still alive"
    )
    raise bad_option(name, why)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def runner_identity() -> str:
    """``host:pid:random``: who holds a claim, and whether that process still lives."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _holder_is_dead(claimed_by: str | None) -> bool:
    """True when the claim belongs to a process of this machine that no longer exists."""
    if not claimed_by:
        return True
    host, _, rest = claimed_by.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


@dataclass(frozen=True)
class BatchStatus:
    """Counts of a batch's runs by status."""

    batch_id: str
    name: str
    status: str
    total: int
    done: int
    failed: int
    running: int
    pending: int


class BatchStore:
    """Database operations of the batch runner (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # ------------------------------------------------------------------ batches
    def create_batch(self, spec: BatchSpec) -> str:
        """Record a new batch and its runs (runs already known are linked, not duplicated)."""
        batch_id = f"{spec.name}-{now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
        with self.engine.begin() as conn:
            conn.execute(
                insert(BATCHES).values(
                    id=batch_id,
                    name=spec.name,
                    spec_hash=spec.hash,
                    spec_json=json.dumps(spec.raw, sort_keys=True, default=str),
                    created_at=now(),
                    status="running",
                )
            )
        self._add_runs(batch_id, spec.runs)
        return batch_id

    def _add_runs(self, batch_id: str, runs: Sequence[RunRequest]) -> None:
        with self.engine.begin() as conn:
            known = {
                r
                for (r,) in conn.execute(
                    select(RUNS.c.id).where(RUNS.c.id.in_([r.id for r in runs]))
                )
            }
        for run in runs:
            if run.id in known:
                continue
            try:
                with self.engine.begin() as conn:
                    conn.execute(
                        insert(RUNS).values(
                            id=run.id,
                            kind=run.kind,
                            scenario_id=run.scenario.name,
                            scenario_fingerprint=run.scenario_fingerprint,
                            params_json=json.dumps(run.params, sort_keys=True),
                            status="pending",
                        )
                    )
            except IntegrityError:  # another runner inserted it first: same inputs, same run
                pass
        with self.engine.begin() as conn:
            conn.execute(
                insert(LINKS),
                [
                    {"batch_id": batch_id, "run_id": run.id, "seq": i, "label": run.label}
                    for i, run in enumerate(runs)
                ],
            )

    def latest_unfinished(self, spec: BatchSpec) -> str | None:
        """The most recent batch of this spec that did not finish (for ``--resume``)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(BATCHES.c.id)
                .where(BATCHES.c.spec_hash == spec.hash, BATCHES.c.status != "finished")
                .order_by(BATCHES.c.created_at.desc())
                .limit(1)
            ).first()
        return None if row is None else str(row[0])

    def finish_batch(self, batch_id: str, status: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(BATCHES)
                .where(BATCHES.c.id == batch_id)
                .values(status=status, finished_at=now())
            )

    def batch_ids(self) -> list[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(BATCHES.c.id).order_by(BATCHES.c.created_at)).all()
        return [str(r[0]) for r in rows]

    # ------------------------------------------------------------------ runs
    def batch_runs(self, batch_id: str) -> list[dict[str, Any]]:
        """The batch's runs in spec order, with their label and current state."""
        query = (
            select(RUNS, LINKS.c.label, LINKS.c.seq)
            .join(LINKS, LINKS.c.run_id == RUNS.c.id)
            .where(LINKS.c.batch_id == batch_id)
            .order_by(LINKS.c.seq)
        )
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def status(self, batch_id: str) -> BatchStatus:
        with self.engine.connect() as conn:
            batch = conn.execute(select(BATCHES).where(BATCHES.c.id == batch_id)).mappings().first()
            if batch is None:
                from fieldopt.errors import InputError

                raise InputError(f"no batch {batch_id!r} in this database")
            counts: dict[str, int] = dict(
                conn.execute(
                    select(RUNS.c.status, func.count())
                    .join(LINKS, LINKS.c.run_id == RUNS.c.id)
                    .where(LINKS.c.batch_id == batch_id)
                    .group_by(RUNS.c.status)
                ).all()
            )
        return BatchStatus(
            batch_id,
            str(batch["name"]),
            str(batch["status"]),
            int(sum(counts.values())),
            int(counts.get("done", 0)),
            int(counts.get("failed", 0)),
            int(counts.get("running", 0)),
            int(counts.get("pending", 0)),
        )

    def claim(self, run_id: str, me: str, batch_started: dt.datetime, lease_s: float) -> bool:
        """Atomically take a run: pending, failed before this batch began, or abandoned.

        A run is abandoned when its holder's heartbeat is older than the lease, or its holder
        is a process of this machine that no longer exists (a runner killed with -9).
        """
        with self.engine.connect() as conn:
            row = conn.execute(
                select(RUNS.c.status, RUNS.c.claimed_by, RUNS.c.heartbeat_at).where(
                    RUNS.c.id == run_id
                )
            ).first()
        if row is None:
            return False
        status, holder, heartbeat = row
        stamp = now()
        claimable = RUNS.c.status == "pending"
        if status == "failed":
            claimable = and_(RUNS.c.status == "failed", RUNS.c.finished_at < batch_started)
        elif status == "running":
            beat = (
                heartbeat
                if heartbeat is None or heartbeat.tzinfo
                else heartbeat.replace(tzinfo=dt.UTC)
            )
            if (
                beat is not None
                and (stamp - beat).total_seconds() < lease_s
                and not _holder_is_dead(holder)
            ):
                return False
            # compare-and-swap on the holder we saw, so two runners cannot both take it over
            claimable = and_(RUNS.c.status == "running", RUNS.c.claimed_by == holder)
        with self.engine.begin() as conn:
            result = conn.execute(
                update(RUNS)
                .where(RUNS.c.id == run_id, claimable)
                .values(
                    status="running",
                    claimed_by=me,
                    heartbeat_at=stamp,
                    started_at=stamp,
                    attempts=RUNS.c.attempts + 1,
                )
            )
        return result.rowcount == 1

    def heartbeat(self, run_ids: Iterable[str], me: str) -> None:
        ids = list(run_ids)
        if not ids:
            return
        with self.engine.begin() as conn:
            conn.execute(
                update(RUNS)
                .where(RUNS.c.id.in_(ids), RUNS.c.claimed_by == me, RUNS.c.status == "running")
                .values(heartbeat_at=now())
            )

    def finish(self, run_id: str, me: str, outcome: RunOutcome, runtime_s: float) -> bool:
        """Commit a finished run with its result, if this runner still holds it."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(RUNS)
                .where(RUNS.c.id == run_id, RUNS.c.claimed_by == me, RUNS.c.status == "running")
                .values(
                    status="done",
                    finished_at=now(),
                    runtime_s=runtime_s,
                    solver_status=outcome.solver_status,
                    error=None,
                    kpis_json=json.dumps(strict(outcome.kpis, str), sort_keys=True),
                    result_json=json.dumps(strict(outcome.result, str)),
                )
            )
        return result.rowcount == 1

    def fail(self, run_id: str, me: str, error: str, runtime_s: float | None) -> bool:
        with self.engine.begin() as conn:
            result = conn.execute(
                update(RUNS)
                .where(RUNS.c.id == run_id, RUNS.c.claimed_by == me, RUNS.c.status == "running")
                .values(status="failed", finished_at=now(), runtime_s=runtime_s, error=error)
            )
        return result.rowcount == 1

    def release(self, run_ids: Iterable[str], me: str) -> None:
        """Give back claims (on Ctrl-C) so another runner can take them at once."""
        ids = list(run_ids)
        if ids:
            with self.engine.begin() as conn:
                conn.execute(
                    update(RUNS)
                    .where(RUNS.c.id.in_(ids), RUNS.c.claimed_by == me, RUNS.c.status == "running")
                    .values(status="pending", claimed_by=None)
                )

    def held_elsewhere(self, batch_id: str, me: str) -> list[str]:
        """Runs of the batch another runner is working on."""
        query = (
            select(RUNS.c.id)
            .join(LINKS, LINKS.c.run_id == RUNS.c.id)
            .where(
                LINKS.c.batch_id == batch_id,
                RUNS.c.status == "running",
                or_(RUNS.c.claimed_by.is_(None), RUNS.c.claimed_by != me),
            )
        )
        with self.engine.connect() as conn:
            return [str(r[0]) for r in conn.execute(query)]
