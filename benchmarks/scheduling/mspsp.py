"""``fieldopt bench mspsp``: the scheduling model on MSPSP-InstLib, gaps to the published best."""

from __future__ import annotations

import json
import re
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from benchmarks.loaders.mspsp import MspspBks, read_mspsp
from benchmarks.scheduling.mspsp_data import from_mspsp, mspsp_violations
from fieldopt.errors import InputError
from fieldopt.io.files import write_text_atomic
from solvers.scheduling.data import SchedulingParams, Search
from solvers.scheduling.solve import solve_scheduling

_SET = re.compile(r"inst_set(\d[a-z])_")
ENGINE = "cpsat"  # solve_scheduling, the CP-SAT model of ``fieldopt schedule``


def instance_set(name: str) -> str:
    """``"1a"`` for ``inst_set1a_...``; ``"other"`` if the name does not say."""
    found = _SET.search(name)
    return found.group(1) if found else "other"


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files as given, folders searched recursively for ``.dzn`` files; sorted."""
    out: list[Path] = []
    for p in paths:
        out += sorted(p.rglob("*.dzn")) if p.is_dir() else [p]
    return out


def stratified(files: list[Path], per_set: int, bks: dict[str, MspspBks]) -> list[Path]:
    """``per_set`` instances per set with a published value, evenly spaced in name order."""
    groups: dict[str, list[Path]] = defaultdict(list)
    for f in files:
        if f.stem in bks:
            groups[instance_set(f.stem)].append(f)
    out: list[Path] = []
    for key in sorted(groups):
        g = groups[key]
        step = len(g) / per_set
        out += [g[int(k * step)] for k in range(min(per_set, len(g)))]
    return out


def run_instance(
    path: Path,
    bks: dict[str, MspspBks],
    time_limit: float,
    workers: int,
    seed: int,
    search: Search = "auto",
) -> dict[str, Any]:
    """One object of the ``--json`` list (shape fixed by issue #4)."""
    inst = read_mspsp(path)
    params = SchedulingParams(
        objective="makespan", time_limit_s=time_limit, workers=workers, seed=seed, search=search
    )
    res = solve_scheduling(from_mspsp(inst), params)
    best = bks.get(inst.name)
    makespan = None if res.report.objective is None else round(res.report.objective)
    acts = []
    if res.report.status.has_solution:
        teams = [list(t) for t in res.team]
        bad = mspsp_violations(inst, res.start.tolist(), teams)
        if bad:
            raise RuntimeError(f"{inst.name}: infeasible solution: {bad[:3]}")
        acts = [
            {
                "id": i + 1,
                "start": int(res.start[i]),
                "resources": [{"resource": r + 1, "skill": s + 1} for r, s in res.team[i]],
            }
            for i in range(inst.num_activities)
        ]
    gap = None
    if best is not None and makespan is not None:
        gap = round(100.0 * (makespan - best.objective) / best.objective, 3)
    return {
        "instance": inst.name,
        "engine": ENGINE,
        "makespan": makespan,
        "bound": None if res.report.bound is None else round(res.report.bound),
        "status": str(res.report.status),
        "runtime_s": round(res.report.runtime_s, 3),
        "bks": None if best is None else best.objective,
        "gap_pct": gap,
        "activities": acts,
    }


def run_all(
    files: list[Path],
    bks: dict[str, MspspBks],
    time_limit: float,
    workers: int,
    seed: int,
    on_done: Callable[[dict[str, Any]], None] | None = None,
    search: Search = "auto",
) -> list[dict[str, Any]]:
    out = []
    for f in files:
        row = run_instance(f, bks, time_limit, workers, seed, search)
        out.append(row)
        if on_done:
            on_done(row)
    return out


ROW_KEYS = ("instance", "makespan", "bound", "status", "runtime_s", "bks", "gap_pct")


def load_rows(path: Path, keys: tuple[str, ...] = ROW_KEYS) -> list[dict[str, Any]]:
    """The rows of a ``--json`` file written by ``fieldopt bench mspsp`` (or another bench
    writing a list of rows with ``keys``), checked for shape."""
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a bench JSON file ({exc})") from exc
    if not isinstance(rows, list):
        raise InputError(f"{path}: expected a JSON list of instance results")
    for k, row in enumerate(rows):
        missing = [key for key in keys if not isinstance(row, dict) or key not in row]
        if missing:
            raise InputError(f"{path}: record {k}: missing field {missing[0]!r}")
    return rows


def write_rows(path: Path, rows: list[dict[str, Any]]) -> None:
    """Write the rows through a temporary file: a run killed mid-write keeps the last good
    file (``--resume`` starts from it)."""
    write_text_atomic(path, json.dumps(rows, indent=1) + "\n", "--json")


def merge_rows(files: list[Path]) -> list[dict[str, Any]]:
    """Rows of several result files; an instance in two files is an error (which run counts
    would be a guess)."""
    seen: dict[str, Path] = {}
    out: list[dict[str, Any]] = []
    for f in files:
        for row in load_rows(f):
            name = row["instance"]
            if name in seen:
                raise InputError(f"{f}: instance {name} is also in {seen[name]}")
            seen[name] = f
            out.append(row)
    return out


def summarise(rows: list[dict[str, Any]], bks: dict[str, MspspBks]) -> list[dict[str, Any]]:
    """Per set: instances, mean gap, proven optima matched, our proofs vs published proofs."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[instance_set(r["instance"])].append(r)
    table = []
    for key in [*sorted(groups), "all"]:
        g = rows if key == "all" else groups[key]
        gaps = [r["gap_pct"] for r in g if r["gap_pct"] is not None]
        proven = [r for r in g if r["instance"] in bks and bks[r["instance"]].proven_optimal]
        matched = [r for r in proven if r["makespan"] == bks[r["instance"]].objective]
        below = [
            r
            for r in proven
            if r["makespan"] is not None and r["makespan"] < bks[r["instance"]].objective
        ]
        table.append(
            {
                "set": key,
                "instances": len(g),
                "solved": sum(1 for r in g if r["makespan"] is not None),
                "mean_gap_pct": round(statistics.fmean(gaps), 3) if gaps else None,
                "proven_optima": len(proven),
                "matched": len(matched),
                "below_proven_optimum": len(below),
                "our_proofs": sum(1 for r in g if r["status"] == "optimal"),
                "published_proofs": len(proven),
                "median_runtime_s": round(statistics.median(r["runtime_s"] for r in g), 2),
            }
        )
    return table


def markdown_table(summary: list[dict[str, Any]]) -> str:
    head = (
        "| set | instances | mean gap % | proven optima matched | below a proven optimum "
        "| our proofs | published proofs | median s |\n|---|---|---|---|---|---|---|---|"
    )
    lines = [head]
    for s in summary:
        share = f" ({100 * s['matched'] / s['proven_optima']:.1f} %)" if s["proven_optima"] else ""
        lines.append(
            f"| {s['set']} | {s['instances']} | {s['mean_gap_pct']} | "
            f"{s['matched']}/{s['proven_optima']}{share} | {s['below_proven_optimum']} | "
            f"{s['our_proofs']} | {s['published_proofs']} | {s['median_runtime_s']} |"
        )
    return "\n".join(lines)
