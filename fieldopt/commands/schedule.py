"""``fieldopt schedule`` (multi-day repair scheduling)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as ProgressBar
from rich.table import Table

from fieldopt.commands.interrupt import interruptible
from fieldopt.demo import DemoContext
from fieldopt.errors import NoPlanError
from fieldopt.options import (
    MAX_HORIZON_DAYS,
    MAX_MONEY,
    cli_options,
    option_date,
    option_number,
)

if TYPE_CHECKING:
    from fieldopt.schedule.api import Progress, SolveOptions


def solve_options(
    time_limit: float, workers: int, seed: int, progress: Callable[[Progress], None] | None = None
) -> SolveOptions:
    """The options of ``--time-limit``, ``--workers`` and ``--seed``; an :class:`InputError`
    naming the flag if one is out of range (nan, infinite, zero or negative)."""
    return cli_options(time_limit, seed, workers, progress)


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
    days: Annotated[
        int, typer.Option(min=1, max=MAX_HORIZON_DAYS, help="Days of the horizon.")
    ] = 10,
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
    from fieldopt.io.files import writable_file
    from fieldopt.scenario import read_scenario
    from fieldopt.schedule.api import schedule_repairs
    from fieldopt.schedule.result import RepairSchedule

    console = Console()
    first = None if start is None else option_date(start, "--start")
    solve_options(time_limit, workers, seed)  # bad flags fail before the scenario is read
    if budget is not None:
        option_number(budget, "--budget", 0, MAX_MONEY)
    for path, flag in ((out, "--out"), (report, "--report")):
        if path is not None:
            writable_file(path, flag)
    scen = read_scenario(scenario, name)
    prev = RepairSchedule.load(previous) if previous else None
    progress, update = _progress(console, time_limit)
    options = solve_options(time_limit, workers, seed, update)
    with interruptible("schedule") as outputs:
        with progress:
            sched = schedule_repairs(
                scen,
                first,
                days,
                objective,
                options=options,
                outsource_budget=budget,
                previous=prev,
            )
        if not sched.status.has_solution:
            raise NoPlanError(f"no schedule: {sched.report.status} ({sched.report.raw_status})")
        _print_summary(console, sched.summary())  # checked by schedule_repairs: no violation
        if out:
            console.print(f"schedule → {outputs.add(sched.save(out))}")
        if report:
            console.print(f"report → {outputs.add(sched.to_html(report))}")
        if db:
            from fieldopt.schedule.store import save_schedule

            console.print(f"plan {save_schedule(sched, db)} → {db}")


def _print_summary(console: Console, summary: dict[str, Any]) -> None:
    table = Table("figure", "value", title="Repair schedule")
    for k, v in summary.items():
        table.add_row(k, str(v))
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("schedule")(schedule_command)


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
