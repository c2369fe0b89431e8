"""Scale and forecasting benchmarks behind ``fieldopt bench inventory --scale/--carparts``."""

from __future__ import annotations

import statistics
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

from benchmarks.inventory.synthetic import rebalance_instance, stocking_instance
from fieldopt.inventory.forecast import choose_method
from fieldopt.inventory.methods import METHOD_NAMES
from solvers.inventory.lp import LpParams
from solvers.inventory.marginal import FrontierParams, allocate, frontier
from solvers.inventory.rebalance import largest_excess_to_largest_shortage, solve_rebalance


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def bench_scale(
    parts: int, sites: int, runs: int, time_limit: float, console: Console
) -> dict[str, Any]:
    """Median seconds over ``runs`` seeds: the whole frontier, one optimise call (frontier +
    allocation at half the frontier's cost), rebalancing (MILP and greedy, with costs)."""
    rows: list[dict[str, float]] = []
    for seed in range(runs):
        data = stocking_instance(parts, sites, seed)
        t0 = time.perf_counter()
        fr = frontier(data, FrontierParams())
        t_frontier = time.perf_counter() - t0
        allocate(
            data, fr.curves, fr.units_at(fr.point_for_budget(float(fr.cost[-1]) / 2)), "metric"
        )
        t_optimise = time.perf_counter() - t0
        reb = rebalance_instance(parts, sites, seed)
        t1 = time.perf_counter()
        res = solve_rebalance(reb, LpParams(time_limit_s=time_limit, seed=seed))
        t_rebalance = time.perf_counter() - t1
        base = largest_excess_to_largest_shortage(reb)
        rows.append(
            {
                "frontier_s": t_frontier,
                "frontier_points": float(len(fr.cost)),
                "optimise_s": t_optimise,
                "rebalance_s": t_rebalance,
                "rebalance_cost": res.total_cost,
                "greedy_cost": base.total_cost,
                "rebalance_status": str(res.report.status),  # type: ignore[dict-item]
            }
        )
        console.print(f"seed {seed}: {rows[-1]}")
    out: dict[str, Any] = {
        "engine": "inventory",
        "parts": parts,
        "sites": sites,
        "runs": runs,
        "per_run": rows,
    }
    for key in ("frontier_s", "optimise_s", "rebalance_s", "rebalance_cost", "greedy_cost"):
        out[f"median_{key}"] = statistics.median(float(r[key]) for r in rows)
    out["peak_rss_mb"] = _peak_rss_mb()
    table = Table("measure", "median", title=f"Scale {parts} parts x {sites} sites, {runs} seeds")
    for k, v in out.items():
        if k.startswith("median_") or k == "peak_rss_mb":
            table.add_row(k, f"{v:,.2f}")
    console.print(table)
    return out


def bench_carparts(path: Path, runs: int, console: Console, holdout: int = 6) -> dict[str, Any]:
    """Forecast every complete carparts series with backtest selection; median seconds."""
    frame = pd.read_csv(path, dtype={"part_id": str})
    wide = frame.pivot(index="month", columns="part_id", values="sales")
    complete = wide.dropna(axis=1)
    series = [complete[c].to_numpy(dtype=np.float64) for c in complete.columns]
    choose_method(series[0], METHOD_NAMES, holdout)  # JIT warm-up, reported apart
    times, chosen = [], {}
    tracemalloc.start()
    for _ in range(runs):
        t0 = time.perf_counter()
        picks = [choose_method(y, METHOD_NAMES, holdout)[0] for y in series]
        times.append(time.perf_counter() - t0)
        chosen = pd.Series(picks).value_counts().to_dict()
    tracemalloc.stop()
    out = {
        "engine": "inventory",
        "series": len(series),
        "holdout": holdout,
        "median_s": statistics.median(times),
        "runs": runs,
        "methods_chosen": chosen,
    }
    console.print(
        f"carparts: {len(series)} series, median {out['median_s']:.1f} s over {runs} run(s); "
        f"chosen {chosen}"
    )
    return out
