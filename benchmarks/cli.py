"""``fieldopt bench ...``: every benchmark command; ``fieldopt/cli.py`` adds :data:`app` as
``bench`` when this package is importable.

Each command writes JSON with ``--json``; every row names the ``engine`` that produced it
(:mod:`benchmarks`). Exit codes as the rest of ``fieldopt``: 2 bad input (also a comparison
whose solver is not installed), 3 a solution failed the independent evaluation.
"""

from __future__ import annotations

import importlib.util
import statistics
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import TimeRemainingColumn
from rich.table import Table

from fieldopt.commands.progress import counted_progress
from fieldopt.errors import EXIT_NO_PLAN, InputError
from fieldopt.io.files import dumps_strict, writable_file, write_text_atomic
from fieldopt.options import (
    MAX_SEED,
    MAX_TIME_LIMIT_S,
    bad_option,
    cli_options,
    option_date,
    option_number,
)

if TYPE_CHECKING:
    from solvers.scheduling.data import Search

app = typer.Typer(
    help="Benchmarks against best-known solutions and other solvers (writes JSON).",
    no_args_is_help=True,
)
console = Console()
DATA = Path(__file__).parents[1] / "data" / "benchmarks"
DEFAULT_MSPSP_BKS = Path("data/benchmarks/mspsp/bks.csv")
MAX_DAY_JOBS = 100_000  # jobs of one generated day in bench days
# engines of other solvers: the module to import and the extra that installs it
_EXTRA = {"pyvrp": "pyvrp", "vroom": "vroom"}
# earlier names: sisr was the day engine before dispatch used it; backend auto gave PyVRP
_ALIASES = {"sisr": "day"}

JsonOpt = Annotated[Path | None, typer.Option("--json", help="Write results here.")]


@contextmanager
def _input_files() -> Iterator[None]:
    """Missing, unreadable or malformed benchmark files are bad input (exit 2), not a trace."""
    from benchmarks.loaders.errors import BenchmarkFormatError

    try:
        yield
    except BenchmarkFormatError as exc:
        raise InputError(str(exc)) from exc
    except OSError as exc:
        raise InputError(f"{exc.filename or ''}: {exc.strerror or exc}") from exc


def _engine(name: str, allowed: tuple[str, ...], option: str) -> str:
    """The engine ``name`` stands for; bad input if unknown or if its solver is missing."""
    engine = _ALIASES.get(name.strip(), name.strip())
    if engine not in allowed:
        raise InputError(f"{option}: unknown engine {name!r} (one of {', '.join(allowed)})")
    module = _EXTRA.get(engine)
    if module is not None and importlib.util.find_spec(module) is None:
        raise InputError(
            f"{option} {engine}: {module} is not installed; install the benchmark extra from a "
            "checkout: pip install -e '.[bench]'"
        )
    return engine


def _engines(
    engine: str | None, backend: str | None, compare: str, allowed: tuple[str, ...]
) -> list[str]:
    """The main engine (``--engine``, or the former ``--backend``; default ``day``) then the
    ``--compare`` ones, each once."""
    if backend is not None:
        auto = backend == "auto" and "pyvrp" in allowed  # auto gave PyVRP on plain VRPTW
        old = _engine("pyvrp" if auto else backend, allowed, "--backend")
        if engine is not None and _engine(engine, allowed, "--engine") != old:
            raise InputError(f"--backend {backend} and --engine {engine} disagree: give --engine")
        engine = old
    names = [_engine(engine or "day", allowed, "--engine")]
    for e in compare.split(","):
        if e.strip() and _engine(e, allowed, "--compare") not in names:
            names.append(_engine(e, allowed, "--compare"))
    return names


def _check(
    json_out: Path | None,
    time_limit: float,
    seed: int = 0,
    workers: int = 1,
    json_option: str = "--json",
) -> None:
    """Bad options and an output that cannot be written fail before any instance is solved."""
    cli_options(time_limit, seed, workers)
    if json_out is not None:
        writable_file(json_out, json_option)


def _finish(rows: list[dict[str, Any]], json_out: Path | None, label: str = "") -> None:
    gaps = [r["gap_pct"] for r in rows if r.get("gap_pct") is not None]
    if gaps:
        runtimes = [r["runtime_s"] for r in rows]
        console.print(
            f"{label}: mean gap {statistics.mean(gaps):.3f}% "
            f"(median {statistics.median(gaps):.3f}%, max {max(gaps):.3f}%) "
            f"over {len(gaps)} instance(s), "
            f"median runtime {statistics.median(runtimes):.2f} s"
        )
    if json_out:
        write_text_atomic(json_out, _json(rows, indent=1), "--json")


# ------------------------------------------------------------------------------- dispatch
@app.command("vrptw")
@_input_files()
def bench_vrptw(
    files: Annotated[list[Path], typer.Argument(help="Solomon / Gehring–Homberger files.")],
    time_limit: float = 5.0,
    seed: int = 0,
    json_out: JsonOpt = None,
    engine: Annotated[
        str | None,
        typer.Option(
            help="day (default: the day engine, what dispatch uses), ortools (the OR-Tools "
            "back-end it replaced), pyvrp or vroom (comparisons)."
        ),
    ] = None,
    compare: Annotated[
        str, typer.Option(help="Also run these, comma-separated: day, ortools, pyvrp, vroom.")
    ] = "",
    backend: Annotated[
        str | None,
        typer.Option(hidden=True, help="Former name of --engine; auto and pyvrp = pyvrp."),
    ] = None,
    bks: Annotated[Path, typer.Option(help="bks.csv")] = DATA / "vrptw" / "bks.csv",
) -> None:
    """VRPTW, DIMACS convention: distance objective, gap to distance-only best-known.

    Every solution is evaluated independently (capacity, windows, each customer once); with
    --compare, OUT.<engine>.json holds the other engines' results in the same shape.
    """
    _check(json_out, time_limit, seed)
    from benchmarks.loaders.vrptw import read_bks, read_vrptw
    from benchmarks.routing import VRPTW_ENGINES, solve_vrptw, vrptw_distance

    engines = _engines(engine, backend, compare, VRPTW_ENGINES)
    best = read_bks(bks)
    table: dict[str, list[dict[str, Any]]] = {e: [] for e in engines}
    bad = 0
    for f in files:
        inst = read_vrptw(f)
        for e in engines:
            routes, runtime = solve_vrptw(inst, e, time_limit, seed)
            dist, problems = vrptw_distance(inst, routes)
            b = best.get(inst.name)
            bv = b.distance_bks_distance_only if b else None
            gap = None if not bv else round(100 * (dist - bv) / bv, 3)
            table[e].append(
                {
                    "instance": inst.name,
                    "engine": e,
                    "routes": routes,
                    "distance": round(dist, 1),
                    "vehicles": len(routes),
                    "runtime_s": round(runtime, 2),
                    "bks": bv,
                    "gap_pct": gap,
                }
            )
            bad += bool(problems)
            verdict = "[red]" + "; ".join(problems[:3]) + "[/]" if problems else "checked"
            console.print(f"{inst.name} {e}: {dist:.1f} (bks {bv}) gap {gap}% {verdict}")
    for e in engines:
        main = e == engines[0]
        out = json_out if main or json_out is None else json_out.with_suffix(f".{e}.json")
        _finish(table[e], out, label=e)
    if bad:
        console.print(f"[red]{bad} solution(s) failed the independent evaluation")
        raise typer.Exit(EXIT_NO_PLAN)


@app.command("trsp")
@_input_files()
def bench_trsp(
    files: Annotated[list[Path], typer.Argument(help="Pillac TRSP files.")],
    time_limit: float = 60.0,
    seed: int = 0,
    json_out: JsonOpt = None,
    bks: Annotated[Path, typer.Option()] = DATA
    / "trsp"
    / "pillac2013"
    / "bks_pillac_dissertation.csv",
    engine: Annotated[
        str | None,
        typer.Option(
            help="day (default: the day engine, what dispatch uses), ortools (the OR-Tools "
            "back-end it replaced, guided by duration + travel) or ruin_recreate (the numpy "
            "SISR back-end for TRSP)."
        ),
    ] = None,
    backend: Annotated[
        str | None,
        typer.Option(hidden=True, help="Former name of --engine."),
    ] = None,
) -> None:
    """Pillac TRSP: every request served, objective total duration, gap to the thesis BKS."""
    _check(json_out, time_limit, seed)
    from benchmarks.loaders.trsp import read_pillac, read_pillac_bks
    from benchmarks.routing import TRSP_ENGINES, solve_trsp, trsp_evaluate

    (name,) = _engines(engine, backend, "", TRSP_ENGINES)
    best = read_pillac_bks(bks)
    rows = []
    bad = 0
    for f in files:
        inst = read_pillac(f)
        k_n = inst.num_technicians
        routes, runtime = solve_trsp(inst, name, time_limit, seed)
        dur, dist, problems = trsp_evaluate(inst, routes)
        b = best.get(inst.name)
        bv = b.duration_bks if b else None
        bad += bool(problems)
        rows.append(
            {
                "instance": inst.name,
                "engine": name,
                "routes": [
                    {"technician": k + 1, "visits": [0 if j < 0 else k_n + 1 + j for j in r]}
                    for k, r in enumerate(routes)
                    if r
                ],
                "duration": round(dur, 3),
                "distance": round(dist, 3),
                "runtime_s": round(runtime, 2),
                "bks": bv,
                "gap_pct": None if not bv or problems else round(100 * (dur - bv) / bv, 3),
            }
        )
        console.print(
            f"{inst.name}: {dur:.1f} (bks {bv}) gap {rows[-1]['gap_pct']}% "
            f"{'[red]' + '; '.join(problems[:3]) + '[/]' if problems else 'checked'}"
        )
    _finish(rows, json_out, label=name)
    if bad:
        console.print(f"[red]{bad} solution(s) failed the independent evaluation")
        raise typer.Exit(EXIT_NO_PLAN)


@app.command("scale")
def bench_scale(
    jobs: Annotated[list[int], typer.Option(help="Job counts.")] = [200, 1000, 3000],  # noqa: B006
    time_limit: float = 60.0,
    runs: Annotated[int, typer.Option(min=1, help="Seeds SEED..SEED+RUNS-1; medians.")] = 3,
    seed: int = 0,
    json_out: JsonOpt = None,
) -> None:
    """Generated scenarios (technicians = jobs / 10): first feasible plan, objective, memory."""
    _check(json_out, time_limit, seed)
    from benchmarks.dispatch_scale import medians, run_isolated

    rows: list[dict[str, Any]] = []
    summary: list[dict[str, Any]] = []
    with counted_progress(console) as progress:
        task = progress.add_task("scale", total=len(jobs) * runs)
        for n in jobs:
            done: list[dict[str, Any]] = []
            for s in range(seed, seed + runs):
                progress.update(task, description=f"{n} jobs, seed {s}")
                done.append(run_isolated(n, time_limit, s))
                progress.console.print(done[-1])
                progress.advance(task)
            rows += done
            summary.append(medians(done))
    for m in summary:
        console.print({"median": m})
    _finish(rows, json_out)
    if any(r["violations"] for r in rows):
        console.print("[red]a plan failed the independent checker")
        raise typer.Exit(EXIT_NO_PLAN)


def _counts(values: list[str], option: str, low: int, high: int) -> list[int]:
    """Integers given comma-separated and/or repeated (``--jobs 200,1000``), each once."""
    out: list[int] = []
    for text in (part.strip() for v in values for part in v.split(",") if part.strip()):
        try:
            n = int(text)
        except ValueError:
            why = f"expected integers separated by commas, got {text!r}"
            raise bad_option(option, why) from None
        if not low <= n <= high:
            raise bad_option(option, f"each value from {low} to {high}, got {n}")
        if n not in out:
            out.append(n)
    if not out:
        raise bad_option(option, "give at least one value")
    return out


@app.command("days")
def bench_days(
    jobs: Annotated[
        list[str], typer.Option(help="Jobs per generated day, comma-separated (technicians / 10).")
    ] = ["200,1000"],  # noqa: B006
    seeds: Annotated[
        list[str], typer.Option(help="Seeds of the generated days, comma-separated.")
    ] = ["1,2,3"],  # noqa: B006
    time_limit: Annotated[float, typer.Option(help="Seconds for our engine per day.")] = 60.0,
    compare: Annotated[
        str, typer.Option(help="Also plan each day with: vroom (extra bench).")
    ] = "",
    vroom_exploration: Annotated[
        int, typer.Option(min=0, max=5, help="VROOM exploration level.")
    ] = 5,
    vroom_time_limit: Annotated[
        float | None, typer.Option(help="VROOM's time limit, seconds (default: none).")
    ] = None,
    json_out: JsonOpt = None,
) -> None:
    """Generated dispatch days reduced to the features VROOM supports too (skills with levels,
    windows, shifts, lunch, priorities): one row per day and engine with jobs served by
    priority, weighted score (1000/100/10/1), travel per served job, wall time and the
    independent checker's violations."""
    _check(json_out, time_limit)
    if vroom_time_limit is not None:
        option_number(vroom_time_limit, "--vroom-time-limit", 0, MAX_TIME_LIMIT_S, low_open=True)
    sizes, seed_list = (
        _counts(jobs, "--jobs", 1, MAX_DAY_JOBS),
        _counts(seeds, "--seeds", 0, MAX_SEED),
    )
    engines = _engines(None, None, compare, ("day", "vroom"))
    from benchmarks.compare.vroom_day import VroomParams
    from benchmarks.days import medians, run_day

    vroom = VroomParams(exploration=vroom_exploration, time_limit_s=vroom_time_limit)
    rows: list[dict[str, Any]] = []
    with counted_progress(console) as progress:
        task = progress.add_task("days", total=len(sizes) * len(seed_list))
        for n in sizes:
            for s in seed_list:
                progress.update(task, description=f"{n} jobs, seed {s}")
                rows += run_day(n, s, engines, time_limit, vroom)
                progress.advance(task)
    console.print(_days_table(rows, "reduced days", ("seed",)))
    console.print(_days_table(medians(rows), "medians per size and engine", ("runs",)))
    _finish(rows, json_out)
    failed = [r for r in rows if r["violations"] or r["error"]]
    for r in failed:
        console.print(
            f"[red]{r['engine']} {r['jobs']} jobs seed {r['seed']}: "
            f"{r['violations']} violation(s) {r['error'] or ''}"
        )
    if failed:
        raise typer.Exit(EXIT_NO_PLAN)


def _days_table(rows: list[dict[str, Any]], title: str, extra: tuple[str, ...]) -> Table:
    """Rows (or medians) of ``bench days`` as a table; travel per served job in minutes."""
    keys = ("engine", "jobs", *extra, "jobs_today", "technicians", "served")
    table = Table(*keys, "by priority", "score", "travel min/job", "wall s", "violations")
    table.title = title
    for r in rows:
        by = r.get("served_by_priority")
        per_job = r["travel_s_per_served_job"]
        table.add_row(
            *(str(r[k]) for k in keys),
            "/".join(str(v) for v in by.values()) if by else "",
            str(r["weighted_score"]),
            "" if per_job is None else f"{per_job / 60:.1f}",
            str(r["wall_s"]),
            str(r["violations"]),
        )
    return table


@app.command("replan")
def bench_replan(
    scenario: Annotated[
        str | None, typer.Argument(help="Scenario folder (default: a generated day).")
    ] = None,
    date: Annotated[str, typer.Option(help="Day to plan, YYYY-MM-DD.")] = "2026-11-24",
    now: Annotated[list[str], typer.Option(help="Re-plan times, HH:MM.")] = [  # noqa: B006
        "09:00",
        "11:20",
        "14:00",
    ],
    jobs: Annotated[
        int, typer.Option(min=1, help="Generated day: jobs (technicians / 10).")
    ] = 1000,
    plan_time_limit: float = 30.0,
    time_limit: float = 10.0,
    seed: int = 0,
    json_out: JsonOpt = None,
) -> None:
    """Plan a day, re-plan it at each --now with no event, a cancellation and a mix of events;
    wall time against the limit, checker violations, and what changed."""
    _check(json_out, time_limit, seed)
    option_number(plan_time_limit, "--plan-time-limit", 0, MAX_TIME_LIMIT_S, low_open=True)

    from benchmarks.dispatch_scale import generated_day
    from benchmarks.replan import replan_rows
    from fieldopt.scenario import read_scenario

    day = option_date(date, "--date")
    data = read_scenario(scenario) if scenario is not None else generated_day(jobs, seed, day)
    rows = replan_rows(data, day, now, plan_time_limit, time_limit, seed)
    table = Table(*rows[0].keys(), title="re-planning")
    for r in rows:
        table.add_row(*(str(v) for v in r.values()))
    console.print(table)
    _finish(rows, json_out)
    if any(r["violations"] for r in rows):
        console.print("[red]a plan failed the independent checker")
        raise typer.Exit(EXIT_NO_PLAN)


# ----------------------------------------------------------------------------- scheduling
def _resume(
    json_out: Path | None, paths: list[Path], keys: tuple[str, ...], what: str
) -> tuple[list[dict[str, Any]], list[Path]]:
    """The rows already in ``json_out`` and the instances still to solve."""
    from benchmarks.scheduling.mspsp import load_rows

    if json_out is None:
        raise InputError(f"bench {what}: --resume needs --json (the file to resume)")
    if not json_out.exists():
        return [], paths
    rows = load_rows(json_out, keys)
    done = {r["instance"] for r in rows}
    console.print(f"resume: {len(done)} instances already in {json_out}")
    return rows, [p for p in paths if p.stem not in done]


@app.command("mspsp")
@_input_files()
def bench_mspsp(
    files: Annotated[list[Path], typer.Argument(help=".dzn files or folders (recursive).")],
    time_limit: Annotated[float, typer.Option(min=0.1)] = 60.0,
    workers: Annotated[int, typer.Option(min=1)] = 2,
    seed: int = 0,
    per_set: Annotated[
        int | None,
        typer.Option(help="Stratified subset: this many instances per set (default: all)."),
    ] = None,
    bks: Annotated[Path, typer.Option(help="Published best values.")] = DEFAULT_MSPSP_BKS,
    json_out: JsonOpt = None,
    resume: Annotated[
        bool,
        typer.Option(help="Keep the instances already in --json; solve only the others."),
    ] = False,
    search: Annotated[
        str,
        typer.Option(help="CP-SAT branching: auto (fixed for small teams), fixed, default."),
    ] = "auto",
) -> None:
    """MSPSP-InstLib, makespan: gap to the published best, proofs of optimality."""
    _check(json_out, time_limit, seed, workers)
    from benchmarks.loaders.mspsp import read_mspsp_bks
    from benchmarks.scheduling.mspsp import (
        ROW_KEYS,
        expand,
        markdown_table,
        run_all,
        stratified,
        summarise,
        write_rows,
    )

    branching = _search(search)
    best = read_mspsp_bks(bks) if bks.exists() else {}
    paths = expand(files)
    if per_set:
        paths = stratified(paths, per_set, best)
    if not paths:
        raise InputError("bench mspsp: no .dzn instance given")
    partial: list[dict[str, Any]] = []
    if resume:
        partial, paths = _resume(json_out, paths, ROW_KEYS, "mspsp")
    with counted_progress(console) as progress:
        task = progress.add_task("MSPSP", total=len(paths))

        def on_done(row: dict[str, Any]) -> None:
            progress.update(
                task,
                advance=1,
                description=f"{row['instance']}: {row['makespan']} (bks {row['bks']})",
            )
            partial.append(row)
            if json_out:
                write_rows(json_out, partial)

        run_all(paths, best, time_limit, workers, seed, on_done, branching)
    typer.echo(markdown_table(summarise(partial, best)))


def _search(name: str) -> Search:
    from solvers.scheduling.data import SEARCHES

    for known in SEARCHES:
        if name == known:
            return known
    raise InputError(f"--search: {name!r} is not one of {', '.join(SEARCHES)}")


@app.command("mspsp-table")
@_input_files()
def bench_mspsp_table(
    files: Annotated[list[Path], typer.Argument(help="JSON files written by bench mspsp.")],
    bks: Annotated[Path, typer.Option(help="Published best values.")] = DEFAULT_MSPSP_BKS,
) -> None:
    """The summary table (per set and overall) of saved ``bench mspsp`` results."""
    from benchmarks.loaders.mspsp import read_mspsp_bks
    from benchmarks.scheduling.mspsp import markdown_table, merge_rows, summarise

    best = read_mspsp_bks(bks) if bks.exists() else {}
    typer.echo(markdown_table(summarise(merge_rows(files), best)))


@app.command("imopse")
@_input_files()
def bench_imopse(
    files: Annotated[list[Path], typer.Argument(help=".def files or folders (recursive).")],
    time_limit: Annotated[float, typer.Option(min=0.1)] = 60.0,
    workers: Annotated[int, typer.Option(min=1)] = 2,
    seed: int = 0,
    json_out: JsonOpt = None,
    resume: Annotated[
        bool,
        typer.Option(help="Keep the instances already in --json; solve only the others."),
    ] = False,
) -> None:
    """iMOPSE MS-RCPSP, makespan: a scale test, gap to CP-SAT's own bound."""
    _check(json_out, time_limit, seed, workers)
    from benchmarks.scheduling.imopse import (
        ROW_KEYS,
        expand,
        markdown_table,
        run_instance,
        summarise,
    )
    from benchmarks.scheduling.mspsp import write_rows

    paths = expand(files)
    if not paths:
        raise InputError("bench imopse: no .def instance given")
    rows: list[dict[str, Any]] = []
    if resume:
        rows, paths = _resume(json_out, paths, ROW_KEYS, "imopse")
    with counted_progress(console) as progress:
        task = progress.add_task("iMOPSE", total=len(paths))
        for path in paths:
            row = run_instance(path, time_limit, workers, seed)
            rows.append(row)
            if json_out:
                write_rows(json_out, rows)
            progress.update(
                task,
                advance=1,
                description=f"{row['instance']}: {row['makespan']} (bound {row['bound']})",
            )
    typer.echo(markdown_table(summarise(rows)))


@app.command("schedule-scale")
def bench_schedule_scale(
    jobs: Annotated[int, typer.Option(min=1, help="Jobs generated over the horizon.")] = 500,
    technicians: Annotated[int, typer.Option(min=1)] = 50,
    days: Annotated[int, typer.Option(min=1, help="Calendar days from a Monday.")] = 14,
    time_limit: Annotated[float, typer.Option(min=0.1)] = 60.0,
    workers: Annotated[int, typer.Option(min=1)] = 2,
    runs: Annotated[int, typer.Option(min=1, help="Seeds 0..RUNS-1; medians reported.")] = 3,
    json_out: JsonOpt = None,
) -> None:
    """Generated repair scheduling: first schedule, time to within 5 % of the bound, memory."""
    _check(json_out, time_limit, 0, workers)
    from benchmarks.scheduling.scale import medians, run_scale

    rows: list[dict[str, Any]] = []
    with counted_progress(console) as progress:
        task = progress.add_task(f"{jobs} jobs x {technicians} technicians", total=runs)
        for seed in range(runs):
            rows.append(run_scale(jobs, technicians, days, time_limit, workers, seed))
            progress.console.print(rows[-1])
            progress.advance(task)
    result = {"runs": rows, "median": medians(rows)}
    console.print({"median": result["median"]})
    if json_out:
        write_text_atomic(json_out, _json(result, indent=1), "--json")
    if any(r["violations"] for r in rows):
        console.print("[red]a schedule failed the independent checker")
        raise typer.Exit(1)


# ------------------------------------------------------------------------------ inventory
def _dump(path: Path | None, payload: Any) -> None:
    if path is not None:
        write_text_atomic(path, _json(payload, indent=2), "--json")
        console.print(f"wrote {path}")


def _json(payload: Any, indent: int) -> str:
    """Strict JSON (NaN as null) of benchmark rows."""
    return dumps_strict(payload, indent=indent, default=_json_default)


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    return str(value)


@app.command("inventory")
def bench_inventory(
    cases: Annotated[list[Path] | None, typer.Argument(help="Reference case JSON files.")] = None,
    out: Annotated[
        Path | None, typer.Option("--json", help="Write the result as JSON here.")
    ] = None,
    scale: Annotated[
        str | None, typer.Option(help="Synthetic run PARTSxSITES, e.g. 10000x50.")
    ] = None,
    carparts: Annotated[
        Path | None, typer.Option(help="carparts_long.csv: forecast every complete series.")
    ] = None,
    runs: Annotated[int, typer.Option(min=1, help="Runs (seeds) for medians.")] = 3,
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=0.1, help="MILP time limit, seconds.")
    ] = 60.0,
) -> None:
    """Answer every query of reference cases (computed next to expected); scale and forecasting
    runs with medians over seeds."""
    _check(out, time_limit, json_option="--json")
    from benchmarks.inventory.cases import comparison_rows, run_case
    from benchmarks.inventory.runs import bench_carparts, bench_scale
    from solvers.inventory.lp import LpParams

    results: dict[str, Any] = {}
    for path in cases or []:
        res = run_case(path, LpParams(time_limit_s=time_limit))
        rows = comparison_rows(res)
        table = Table("query", "quantity", "expected", "computed", "ok", title=f"{path.name}")
        for q, what, exp, comp, ok in rows:
            mark = "" if ok is None else ("[green]yes[/]" if ok else "[red]NO[/]")
            table.add_row(q, what, "" if exp is None else f"{exp:.6f}", f"{comp:.6f}", mark)
        console.print(table)
        n_ok = sum(1 for r in rows if r[4])
        n_exp = sum(1 for r in rows if r[4] is not None)
        console.print(
            f"{path.name}: {n_ok}/{n_exp} within tolerance {res.get('tolerance_abs')}, "
            f"{res['computed_runtime_s']:.2f} s"
        )
        results[path.name] = res
        if out is not None and len(cases or []) == 1:
            _dump(out, res)
    if scale:
        parts, sites = (int(v) for v in scale.lower().split("x"))
        results["scale"] = bench_scale(parts, sites, runs, time_limit, console)
    if carparts:
        results["carparts"] = bench_carparts(carparts, runs, console)
    if out is not None and not (len(cases or []) == 1 and not scale and not carparts):
        _dump(out, results)


# ---------------------------------------------------------------------------------- batch
@app.command("batch")
def bench_batch_command(
    runs: Annotated[int, typer.Option(min=1)] = 100,
    jobs: Annotated[int, typer.Option(min=1, help="Jobs of the generated day.")] = 100,
    time_limit: Annotated[float, typer.Option(help="Seconds per run.")] = 5.0,
    workers: Annotated[int, typer.Option(min=1)] = 2,
    executor: Annotated[list[str] | None, typer.Option(help="local and/or dask.")] = None,
    json_out: JsonOpt = None,
) -> None:
    """Runner overhead: RUNS dispatch runs on the local pool and on a Dask LocalCluster."""
    _check(json_out, time_limit, 0, workers)
    from benchmarks.batch import bench_batch, write_json
    from fieldopt.batch import BatchStatus

    names = tuple(executor or ["local", "dask"])
    with counted_progress(console, TimeRemainingColumn()) as bar:
        tasks = {name: bar.add_task(name, total=runs) for name in names}

        def progress(name: str) -> Callable[[BatchStatus], None]:
            return lambda s: bar.update(tasks[name], completed=s.done + s.failed)

        results = bench_batch(runs, jobs, time_limit, workers, names, progress)
    table = Table(
        "executor",
        "runs done",
        "failed",
        "wall s",
        "solver s",
        "overhead %",
        "in-worker overhead %",
    )
    for r in results:
        table.add_row(
            r["executor"],
            str(r["done"]),
            str(r["failed"]),
            f"{r['wall_s']:.1f}",
            f"{r['solver_s']:.1f}",
            f"{r['overhead_pct']:.2f}",
            f"{r['in_worker_overhead_pct']:.2f}",
        )
    console.print(table)
    if json_out is not None:
        write_json(results, json_out)
