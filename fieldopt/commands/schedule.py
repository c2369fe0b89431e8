"""``fieldopt schedule`` (multi-day repair scheduling) and ``fieldopt bench mspsp``."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as ProgressBar
from rich.table import Table

from fieldopt.commands.progress import counted_progress
from fieldopt.demo import DemoContext
from fieldopt.errors import InputError, NoPlanError

if TYPE_CHECKING:
    from fieldopt.schedule.api import Progress, SolveOptions
    from solvers.scheduling.data import Search

DEFAULT_BKS = Path("data/benchmarks/mspsp/bks.csv")
_FLAGS = {"time_limit_s": "--time-limit", "seed": "--seed", "workers": "--workers"}


def solve_options(
    time_limit: float, workers: int, seed: int, progress: Callable[[Progress], None] | None = None
) -> SolveOptions:
    """The options of ``--time-limit``, ``--workers`` and ``--seed``; an :class:`InputError`
    naming the flag if one is out of range (nan, infinite, zero or negative)."""
    from fieldopt.schedule.api import SolveOptions

    try:
        return SolveOptions(time_limit_s=time_limit, seed=seed, workers=workers, progress=progress)
    except ValueError as exc:
        text = str(exc)
        found = re.match(r"SolveOptions: field (\w+): (.*)", text)
        if found is None:
            raise InputError(text) from None
        raise InputError(f"{_FLAGS.get(found[1], found[1])}: {found[2]}") from None


def _progress(
    console: Console, time_limit: float
) -> tuple[ProgressBar, Callable[[Progress], None]]:
    progress = ProgressBar(
        TextColumn("[bold]CP-SAT"),
        BarColumn(),
        TextColumn("{task.fields[text]}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    task = progress.add_task("solve", total=time_limit, text="searching…")
    best: dict[str, float | None] = {"obj": None, "bound": None}

    def update(event: Progress) -> None:
        if event.objective is not None:
            best["obj"] = event.objective
        if event.bound is not None:
            best["bound"] = event.bound
        progress.update(
            task,
            completed=min(event.elapsed_s, time_limit),
            text=f"objective {best['obj']}  bound {best['bound']}",
        )

    return progress, update


def schedule_command(
    scenario: Annotated[str, typer.Argument(help="Scenario: a CSV folder or a database URL.")],
    days: Annotated[int, typer.Option(min=1, help="Days of the horizon.")] = 10,
    start: Annotated[
        str | None, typer.Option(help="First day YYYY-MM-DD (default: setting horizon_start).")
    ] = None,
    objective: Annotated[
        str, typer.Option(help="weighted_tardiness, weighted_completion or makespan.")
    ] = "weighted_tardiness",
    time_limit: Annotated[float, typer.Option(help="Seconds, > 0.")] = 60.0,
    workers: Annotated[int, typer.Option(help="CP-SAT workers, >= 1.")] = 2,
    seed: Annotated[int, typer.Option(help="Random seed, >= 0.")] = 0,
    budget: Annotated[
        float | None, typer.Option(help="Outsourcing budget (currency, >= 0).")
    ] = None,
    previous: Annotated[Path | None, typer.Option(help="Schedule JSON to start from.")] = None,
    name: Annotated[str | None, typer.Option(help="Scenario name inside a database.")] = None,
    out: Annotated[Path | None, typer.Option(help="Write the schedule JSON here.")] = None,
    report: Annotated[Path | None, typer.Option(help="Write the HTML report here.")] = None,
    db: Annotated[str | None, typer.Option(help="Also save the plan in this database.")] = None,
) -> None:
    """Schedule multi-day repair work (who does which job when) with CP-SAT."""
    from fieldopt.check import check
    from fieldopt.io.files import writable_file
    from fieldopt.scenario import read_scenario
    from fieldopt.schedule.api import schedule_repairs
    from fieldopt.schedule.result import RepairSchedule

    console = Console()
    first = None
    if start is not None:
        try:
            first = dt.date.fromisoformat(start)
        except ValueError:
            raise InputError(f"--start: expected YYYY-MM-DD, got {start!r}") from None
    solve_options(time_limit, workers, seed)  # bad flags fail before the scenario is read
    if budget is not None and not (math.isfinite(budget) and budget >= 0):
        raise InputError(f"--budget: a finite amount >= 0, got {budget}")
    for path, flag in ((out, "--out"), (report, "--report")):
        if path is not None:
            writable_file(path, flag)
    scen = read_scenario(scenario, name)
    prev = RepairSchedule.load(previous) if previous else None
    progress, update = _progress(console, time_limit)
    options = solve_options(time_limit, workers, seed, update)
    with progress:
        sched = schedule_repairs(
            scen, first, days, objective, options=options, outsource_budget=budget, previous=prev
        )
    if not sched.status.has_solution:
        raise NoPlanError(f"no schedule: {sched.report.status} ({sched.report.raw_status})")
    _print_summary(console, sched.summary())
    problems = check(sched, scen)
    for v in problems:
        console.print(f"[red]check: {v}[/]")
    if out:
        sched.save(out)
        console.print(f"schedule → {out}")
    if report:
        sched.to_html(report)
        console.print(f"report → {report}")
    if db:
        from fieldopt.schedule.store import save_schedule

        console.print(f"plan {save_schedule(sched, db)} → {db}")
    if problems:
        raise typer.Exit(1)


def _print_summary(console: Console, summary: dict[str, Any]) -> None:
    table = Table("figure", "value", title="Repair schedule")
    for k, v in summary.items():
        table.add_row(k, str(v))
    console.print(table)


def bench_mspsp(
    files: Annotated[list[Path], typer.Argument(help=".dzn files or folders (recursive).")],
    time_limit: Annotated[float, typer.Option(min=0.1)] = 60.0,
    workers: Annotated[int, typer.Option(min=1)] = 2,
    seed: int = 0,
    per_set: Annotated[
        int | None,
        typer.Option(help="Stratified subset: this many instances per set (default: all)."),
    ] = None,
    bks: Annotated[Path, typer.Option(help="Published best values.")] = DEFAULT_BKS,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write results here.")] = None,
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
    from fieldopt.schedule.bench import (
        ROW_KEYS,
        expand,
        markdown_table,
        run_all,
        stratified,
        summarise,
        write_rows,
    )
    from solvers.benchmarks.mspsp import read_mspsp_bks

    console = Console()
    best = read_mspsp_bks(bks) if bks.exists() else {}
    paths = expand(files)
    if per_set:
        paths = stratified(paths, per_set, best)
    if not paths:
        raise InputError("bench mspsp: no .dzn instance given")
    partial: list[dict[str, Any]] = []
    if resume:
        partial, paths = _resume(json_out, paths, ROW_KEYS, "mspsp", console)
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

        run_all(paths, best, time_limit, workers, seed, on_done, _search(search))
    typer.echo(markdown_table(summarise(partial, best)))


def _resume(
    json_out: Path | None, paths: list[Path], keys: tuple[str, ...], what: str, console: Console
) -> tuple[list[dict[str, Any]], list[Path]]:
    """The rows already in ``json_out`` and the instances still to solve."""
    from fieldopt.schedule.bench import load_rows

    if json_out is None:
        raise InputError(f"bench {what}: --resume needs --json (the file to resume)")
    if not json_out.exists():
        return [], paths
    rows = load_rows(json_out, keys)
    done = {r["instance"] for r in rows}
    console.print(f"resume: {len(done)} instances already in {json_out}")
    return rows, [p for p in paths if p.stem not in done]


def _search(name: str) -> Search:
    from solvers.scheduling.data import SEARCHES

    if name not in SEARCHES:
        raise InputError(f"--search: {name!r} is not one of {', '.join(SEARCHES)}")
    return name


def bench_mspsp_table(
    files: Annotated[list[Path], typer.Argument(help="JSON files written by bench mspsp.")],
    bks: Annotated[Path, typer.Option(help="Published best values.")] = DEFAULT_BKS,
) -> None:
    """The summary table (per set and overall) of saved ``bench mspsp`` results."""
    from fieldopt.schedule.bench import markdown_table, merge_rows, summarise
    from solvers.benchmarks.mspsp import read_mspsp_bks

    best = read_mspsp_bks(bks) if bks.exists() else {}
    typer.echo(markdown_table(summarise(merge_rows(files), best)))


def bench_imopse(
    files: Annotated[list[Path], typer.Argument(help=".def files or folders (recursive).")],
    time_limit: Annotated[float, typer.Option(min=0.1)] = 60.0,
    workers: Annotated[int, typer.Option(min=1)] = 2,
    seed: int = 0,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write results here.")] = None,
    resume: Annotated[
        bool,
        typer.Option(help="Keep the instances already in --json; solve only the others."),
    ] = False,
) -> None:
    """iMOPSE MS-RCPSP, makespan: a scale test, gap to CP-SAT's own bound."""
    from fieldopt.schedule.bench import write_rows
    from fieldopt.schedule.imopse_bench import (
        ROW_KEYS,
        expand,
        markdown_table,
        run_instance,
        summarise,
    )

    console = Console()
    paths = expand(files)
    if not paths:
        raise InputError("bench imopse: no .def instance given")
    rows: list[dict[str, Any]] = []
    if resume:
        rows, paths = _resume(json_out, paths, ROW_KEYS, "imopse", console)
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


def bench_schedule_scale(
    jobs: Annotated[int, typer.Option(min=1, help="Jobs generated over the horizon.")] = 500,
    technicians: Annotated[int, typer.Option(min=1)] = 50,
    days: Annotated[int, typer.Option(min=1, help="Calendar days from a Monday.")] = 14,
    time_limit: Annotated[float, typer.Option(min=0.1)] = 60.0,
    workers: Annotated[int, typer.Option(min=1)] = 2,
    runs: Annotated[int, typer.Option(min=1, help="Seeds 0..RUNS-1; medians reported.")] = 3,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write results here.")] = None,
) -> None:
    """Generated repair scheduling: first schedule, time to within 5 % of the bound, memory."""
    from fieldopt.schedule.scale import medians, run_scale

    console = Console()
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
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    if any(r["violations"] for r in rows):
        console.print("[red]a schedule failed the independent checker")
        raise typer.Exit(1)


def register(app: typer.Typer, bench: typer.Typer) -> None:
    app.command("schedule")(schedule_command)
    bench.command("mspsp")(bench_mspsp)
    bench.command("mspsp-table")(bench_mspsp_table)
    bench.command("imopse")(bench_imopse)
    bench.command("schedule-scale")(bench_schedule_scale)


def schedule_demo_step(ctx: DemoContext) -> None:
    """Schedule the sample's multi-day work over its horizon; write JSON and the Gantt report."""
    from fieldopt.check import check
    from fieldopt.schedule.api import schedule_repairs

    assert ctx.scenario is not None
    ctx.console.rule("[bold]Repair schedule (CP-SAT, multi-day)")
    sched = schedule_repairs(ctx.scenario, days=5, options=solve_options(20.0, 2, 0))
    _print_summary(ctx.console, sched.summary())
    ctx.console.print(f"independent check: {len(check(sched, ctx.scenario))} violation(s)")
    for path in (
        sched.save(ctx.out_dir / "schedule.json"),
        sched.to_html(ctx.out_dir / "schedule.html"),
    ):
        ctx.outputs.append(path)
        ctx.console.print(f"→ {path}")


DEMO_STEPS: list[Callable[[DemoContext], None]] = [schedule_demo_step]
