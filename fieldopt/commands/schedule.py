"""``fieldopt schedule`` (multi-day repair scheduling)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from fieldopt.demo import DemoContext
from fieldopt.errors import InputError, NoPlanError


def _progress(console: Console, time_limit: float) -> tuple[Progress, Callable[..., None]]:
    progress = Progress(
        TextColumn("[bold]CP-SAT"),
        BarColumn(),
        TextColumn("{task.fields[text]}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    task = progress.add_task("solve", total=time_limit, text="searching…")
    best: dict[str, float | None] = {"obj": None, "bound": None}

    def update(objective: float | None, bound: float | None, seconds: float) -> None:
        if objective is not None:
            best["obj"] = objective
        if bound is not None:
            best["bound"] = bound
        progress.update(
            task,
            completed=min(seconds, time_limit),
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
    time_limit: Annotated[float, typer.Option(min=0.1, help="Seconds.")] = 60.0,
    workers: Annotated[int, typer.Option(min=1)] = 2,
    seed: int = 0,
    budget: Annotated[float | None, typer.Option(help="Outsourcing budget (currency).")] = None,
    previous: Annotated[Path | None, typer.Option(help="Schedule JSON to start from.")] = None,
    name: Annotated[str | None, typer.Option(help="Scenario name inside a database.")] = None,
    out: Annotated[Path | None, typer.Option(help="Write the schedule JSON here.")] = None,
    report: Annotated[Path | None, typer.Option(help="Write the HTML report here.")] = None,
    db: Annotated[str | None, typer.Option(help="Also save the plan in this database.")] = None,
) -> None:
    """Schedule multi-day repair work (who does which job when) with CP-SAT."""
    from fieldopt.check import check
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
    scen = read_scenario(scenario, name)
    prev = RepairSchedule.load(previous) if previous else None
    progress, update = _progress(console, time_limit)
    with progress:
        sched = schedule_repairs(
            scen,
            first,
            days,
            objective,
            time_limit,
            workers,
            seed,
            outsource_budget=budget,
            previous=prev,
            on_progress=update,
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


def register(app: typer.Typer) -> None:
    app.command("schedule")(schedule_command)


def schedule_demo_step(ctx: DemoContext) -> None:
    """Schedule the sample's multi-day work over its horizon; write JSON and the Gantt report."""
    from fieldopt.check import check
    from fieldopt.schedule.api import schedule_repairs

    assert ctx.scenario is not None
    ctx.console.rule("[bold]Repair schedule (CP-SAT, multi-day)")
    sched = schedule_repairs(ctx.scenario, days=5, time_limit=20, workers=2, seed=0)
    _print_summary(ctx.console, sched.summary())
    ctx.console.print(f"independent check: {len(check(sched, ctx.scenario))} violation(s)")
    for path in (
        sched.save(ctx.out_dir / "schedule.json"),
        sched.to_html(ctx.out_dir / "schedule.html"),
    ):
        ctx.outputs.append(path)
        ctx.console.print(f"→ {path}")


DEMO_STEPS: list[Callable[[DemoContext], None]] = [schedule_demo_step]
