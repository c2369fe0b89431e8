"""``fieldopt bench batch``: what the runner costs on top of the solver.

Runs ``runs`` dispatch runs of a generated ``jobs``-job day with a ``time_limit`` each, once on
the local process pool and once on a Dask LocalCluster with the same number of workers, and
measures the wall time and the runner's overhead: the share of worker time not spent in the
solver (scenario loading, translation, plan building, database commits, scheduling gaps).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

from fieldopt.batch.runner import Progress, run_batch
from fieldopt.batch.spec import parse_spec
from fieldopt.io.database import dispose_all
from fieldopt.io.files import write_json_atomic


def _executors(workers: int) -> dict[str, Callable[[], tuple[Executor | None, Callable[[], None]]]]:
    def local() -> tuple[Executor | None, Callable[[], None]]:
        return None, lambda: None

    def dask() -> tuple[Executor | None, Callable[[], None]]:
        from distributed import Client, LocalCluster

        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)

        def close() -> None:
            client.close()
            cluster.close()

        return client.get_executor(), close

    return {"local": local, "dask": dask}


def bench_batch(
    runs: int = 100,
    jobs: int = 100,
    time_limit: float = 5.0,
    workers: int = 2,
    executors: tuple[str, ...] = ("local", "dask"),
    progress: Callable[[str], Progress] | None = None,
) -> list[dict[str, Any]]:
    """One result per executor: wall time, solver time, overhead share, runs done/failed."""
    from fieldopt.generate import generate_scenario

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "bench-day"
        technicians = max(2, jobs // 8)
        scenario = generate_scenario(
            technicians=technicians, jobs=jobs, parts=50, depots=2, seed=11, days=1
        )
        scenario.to_csv(folder)
        day = scenario.shifts["start"].min().date().isoformat()
        for name in executors:
            raw = {
                "name": f"bench-{name}",
                "scenarios": [{"path": str(folder), "name": "bench-day"}],
                # distinct seeds make distinct runs (no reuse of finished runs)
                "runs": [
                    {
                        "kind": "dispatch",
                        "dates": [day],
                        "time_limit": time_limit,
                        "grid": {"seed": list(range(runs))},
                    }
                ],
            }
            spec = parse_spec(raw, name=f"bench-{name}")
            executor, close = _executors(workers)[name]()
            db = f"sqlite:///{Path(tmp) / f'{name}.db'}"
            started = time.perf_counter()
            try:
                handle = run_batch(
                    spec, db, executor, jobs=workers, progress=progress(name) if progress else None
                )
            finally:
                close()
            wall = time.perf_counter() - started
            frame = handle.results()
            solver = float(frame.get("kpi.solver_s", frame["runtime_s"]).fillna(0).sum())
            run_time = float(frame["runtime_s"].fillna(0).sum())
            results.append(
                {
                    "engine": "day",
                    "executor": name,
                    "workers": workers,
                    "runs": runs,
                    "jobs_per_run": len(scenario.jobs),
                    "time_limit_s": time_limit,
                    "done": int((frame["status"] == "done").sum()),
                    "failed": int((frame["status"] == "failed").sum()),
                    "wall_s": round(wall, 2),
                    "solver_s": round(solver, 2),
                    "worker_s": round(run_time, 2),
                    "overhead_pct": round(100 * (1 - solver / (wall * workers)), 2),
                    "in_worker_overhead_pct": round(100 * (1 - solver / max(run_time, 1e-9)), 2),
                }
            )
            dispose_all()
    return results


def write_json(results: list[dict[str, Any]], out: Path) -> None:
    write_json_atomic(out, results, "--json")
