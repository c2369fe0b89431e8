"""``fieldopt bench imopse``: the scheduling model on iMOPSE MS-RCPSP (makespan), a scale test.

No published values ship with these instances, so each is measured against CP-SAT's own
proven bound: ``gap_pct = 100 (makespan - bound) / makespan``.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any

from benchmarks.loaders.imopse import read_imopse
from benchmarks.scheduling.imopse_data import from_imopse, imopse_violations
from solvers.options import Progress
from solvers.scheduling.data import SchedulingParams
from solvers.scheduling.solve import solve_scheduling

ENGINE = "cpsat"

ROW_KEYS = (
    "instance", "family", "tasks", "resources", "makespan", "bound", "gap_pct", "status",
    "runtime_s", "first_solution_s", "schedule",
)  # fmt: skip


def expand(paths: list[Path]) -> list[Path]:
    """Files as given, folders searched recursively for ``.def`` files; sorted."""
    out: list[Path] = []
    for p in paths:
        out += sorted(p.rglob("*.def")) if p.is_dir() else [p]
    return out


def run_instance(path: Path, time_limit: float, workers: int, seed: int) -> dict[str, Any]:
    """One object of the ``--json`` list; raises ``RuntimeError`` if the schedule fails the
    independent checker."""
    inst = read_imopse(path)
    first: list[float] = []

    def on_progress(event: Progress) -> None:
        if event.objective is not None and not first:
            first.append(event.elapsed_s)

    res = solve_scheduling(
        from_imopse(inst),
        SchedulingParams(objective="makespan", time_limit_s=time_limit, workers=workers, seed=seed),
        on_progress,
    )
    makespan = bound = gap = None
    schedule = []
    if res.report.status.has_solution:
        resource = [t[0][0] if t else -1 for t in res.team]
        bad = imopse_violations(inst, res.start.tolist(), resource)
        if bad:
            raise RuntimeError(f"{inst.name}: infeasible schedule: {bad[:3]}")
        makespan = int(max(res.end.max(initial=0), 0))
        bound = round(res.report.bound) if res.report.bound is not None else None
        if bound is not None and makespan:
            gap = round(100.0 * (makespan - bound) / makespan, 3)
        schedule = [
            {
                "id": int(inst.task_id[i]),
                "start": int(res.start[i]),
                "resource": int(inst.resource_id[resource[i]]),
            }
            for i in range(inst.num_tasks)
        ]
    return {
        "instance": inst.name,
        "engine": ENGINE,
        "family": path.parent.name,
        "tasks": inst.num_tasks,
        "resources": inst.num_resources,
        "makespan": makespan,
        "bound": bound,
        "gap_pct": gap,
        "status": str(res.report.status),
        "runtime_s": round(res.report.runtime_s, 3),
        "first_solution_s": round(first[0], 3) if first else None,
        "schedule": schedule,
    }


def summarise(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per family (the instance's folder) and overall: solved, proofs, gap to the own bound."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[r["family"]].append(r)
    table = []
    for key in [*sorted(groups), "all"]:
        g = rows if key == "all" else groups[key]
        gaps = [r["gap_pct"] for r in g if r["gap_pct"] is not None]
        firsts = [r["first_solution_s"] for r in g if r["first_solution_s"] is not None]
        table.append(
            {
                "family": key,
                "instances": len(g),
                "tasks": f"{min(r['tasks'] for r in g)}-{max(r['tasks'] for r in g)}",
                "solved": sum(1 for r in g if r["makespan"] is not None),
                "proofs": sum(1 for r in g if r["status"] == "optimal"),
                "mean_gap_pct": round(statistics.fmean(gaps), 2) if gaps else None,
                "max_gap_pct": round(max(gaps), 2) if gaps else None,
                "median_first_s": round(statistics.median(firsts), 2) if firsts else None,
                "median_runtime_s": round(statistics.median(r["runtime_s"] for r in g), 1),
            }
        )
    return table


def markdown_table(summary: list[dict[str, Any]]) -> str:
    head = (
        "| family | instances | tasks | solved | proven optimal | mean gap to own bound % "
        "| max gap % | median first schedule s | median s |\n"
        "|---|---|---|---|---|---|---|---|---|"
    )
    lines = [head]
    for s in summary:
        lines.append(
            f"| {s['family']} | {s['instances']} | {s['tasks']} | {s['solved']} | "
            f"{s['proofs']} | {s['mean_gap_pct']} | {s['max_gap_pct']} | "
            f"{s['median_first_s']} | {s['median_runtime_s']} |"
        )
    return "\n".join(lines)
