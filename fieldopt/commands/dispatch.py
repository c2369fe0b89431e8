"""``fieldopt plan | replan``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from fieldopt.commands.interrupt import interruptible
from fieldopt.demo import DemoContext
from fieldopt.dispatch.report import write_report
from fieldopt.errors import InputError
from fieldopt.io.files import read_json, writable_file, writable_folder, write_json_atomic
from fieldopt.options import Progress as SolveProgress
from fieldopt.options import SolveOptions, bad_option, cli_options, option_date

console = Console()
DIFF_FORMAT = "fieldopt.replan-diff/1"


def _progress_bar(limit: float) -> tuple[Progress, Callable[[SolveProgress], None]]:
    bar = Progress(
        TextColumn("[bold]searching"),
        BarColumn(),
        TextColumn("best objective {task.fields[best]}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    task = bar.add_task("search", total=limit, best="-")

    def update(event: SolveProgress) -> None:
        best = "-" if event.objective is None else f"{event.objective:,.0f}"
        bar.update(task, completed=min(event.elapsed_s, limit), best=best)

    return bar, update


def _summary_table(plan: Any) -> Table:
    table = Table("KPI", "value", title=f"Plan {plan.day} ({plan.status})")
    for key, value in plan.summary().items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        table.add_row(key.replace("_", " "), str(value))
    return table


def plan_cmd(
    scenario: Annotated[str, typer.Argument(help="Scenario folder or database URL.")],
    date: Annotated[str, typer.Option("--date", help="Day to plan, YYYY-MM-DD.")],
    time_limit: Annotated[float, typer.Option(help="Search time in seconds.")] = 30.0,
    seed: int = 0,
    workers: Annotated[int, typer.Option(help="Threads (OR-Tools routing: 1).")] = 1,
    out: Annotated[Path | None, typer.Option(help="Write the plan JSON here.")] = None,
    report: Annotated[Path | None, typer.Option(help="Write the HTML report here.")] = None,
    name: Annotated[str | None, typer.Option(help="Scenario name inside a database.")] = None,
    db: Annotated[str | None, typer.Option(help="Also save the plan to this database.")] = None,
    schedule: Annotated[
        Path | None,
        typer.Option(help="A repair schedule JSON: plan only its visits of the day, its teams."),
    ] = None,
) -> None:
    """Plan a day's technician routes."""
    from fieldopt.dispatch import plan_routes
    from fieldopt.scenario import read_scenario

    options = cli_options(time_limit, seed, workers)  # bad options fail before any reading
    if workers != 1:
        why = f"dispatch plans on one thread (routing search is single-threaded), got {workers}"
        raise bad_option("--workers", why)
    the_day = option_date(date, "--date")
    _writable((out, "--out"), (report, "--report"))
    data = read_scenario(scenario, name)
    if schedule is not None:
        from fieldopt.schedule.handoff import day_scenario
        from fieldopt.schedule.result import RepairSchedule

        data = day_scenario(data, RepairSchedule.load(schedule), the_day)
    bar, update = _progress_bar(time_limit)
    with interruptible("plan") as outputs:
        with bar:
            plan = plan_routes(data, the_day, options=replace(options, progress=update))
        console.print(_summary_table(plan))  # checked by plan_routes: no violation
        if out:
            console.print(f"plan written to {outputs.add(plan.save(out))}")
        if report:
            console.print(f"report written to {outputs.add(write_report(plan, report, data))}")
        if db:
            from fieldopt.dispatch.store import save_plan

            console.print(f"plan stored as {save_plan(plan, db)!r} in {db}")


def replan_cmd(
    plan_file: Annotated[Path, typer.Argument(help="The plan JSON to revise.")],
    now: Annotated[str, typer.Option(help="Current time, HH:MM.")],
    events: Annotated[Path | None, typer.Option(help="Events JSON (a list).")] = None,
    scenario: Annotated[str | None, typer.Option(help="Scenario (default: the plan's).")] = None,
    time_limit: float = 10.0,
    seed: int = 0,
    out: Annotated[Path | None, typer.Option(help="Write the new plan JSON here.")] = None,
    report: Annotated[Path | None, typer.Option(help="Write the HTML report here.")] = None,
) -> None:
    """Re-plan the rest of the day after events; prints what moved."""
    from fieldopt.dispatch import DispatchPlan, replan
    from fieldopt.scenario import read_scenario

    options = cli_options(time_limit, seed, 1)
    _check_now(now)
    _writable((out, "--out"), (report, "--report"))
    if out:
        _writable((out.with_suffix(".diff.json"), "--out (its .diff.json)"))
        writable_folder(out.with_suffix(".scenario"), "--out (its .scenario folder)")
    plan = DispatchPlan.load(plan_file)
    evs: list[dict[str, Any]] = []
    if events:
        evs = read_json(events, "--events")
        if not isinstance(evs, list):
            raise InputError(f"{events}: expected a JSON list of events")
    data = read_scenario(scenario) if scenario else None
    with interruptible("plan") as outputs:
        try:
            result = replan(plan, now, evs, data, options=options)
        except InputError as exc:
            if events is None:
                raise
            # the events' problems name the file they came from
            raise InputError(
                [replace(p, table=str(events)) if p.table == "events" else p for p in exc.problems]
            ) from exc
        _show_replan(result)
        if out:
            outputs.add(result.plan.save(out))
            head = {"format": DIFF_FORMAT, "plan_id": result.plan.plan_id, "now": now}
            diff_path = out.with_suffix(".diff.json")
            outputs.add(write_json_atomic(diff_path, {**head, "changes": result.diff}))
            # the plan is checked against the scenario with the events applied
            result.scenario.to_csv(outputs.add(out.with_suffix(".scenario")))
            console.print(
                f"plan written to {out}, diff to {diff_path}, scenario with the events to "
                f"{out.with_suffix('.scenario')}"
            )
        if report:
            outputs.add(write_report(result.plan, report, result.scenario))


def _show_replan(result: Any) -> None:
    console.print(_summary_table(result.plan))
    diff = Table(
        "job", "change", "from", "to", "from start", "to start", "min later", title="Changes"
    )
    for row in result.diff:
        diff.add_row(
            row["job_id"],
            row["change"],
            ",".join(row["from_technicians"]),
            ",".join(row["to_technicians"]),
            str(row["from_start"]),
            str(row["to_start"]),
            str(row["minutes_later"]),
        )
    console.print(diff)


def _check_now(now: str) -> None:
    """``--now`` is HH:MM or YYYY-MM-DD HH:MM, local wall-clock time (no time zone)."""
    try:
        moment = (
            dt.datetime.combine(dt.date.min, dt.time.fromisoformat(now))
            if len(now.strip()) <= 5
            else dt.datetime.fromisoformat(now)
        )
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is not None:
        why = f"expected HH:MM or YYYY-MM-DD HH:MM, local time without a time zone, got {now!r}"
        raise bad_option("--now", why)


def _writable(*paths: tuple[Path | None, str]) -> None:
    """Fail on an output that cannot be written before any work is done."""
    for path, option in paths:
        if path is not None:
            writable_file(path, option)


def register(app: typer.Typer) -> None:
    """Add ``plan`` and ``replan`` (``check`` is the CLI's own: it reads every model's plans)."""
    app.command("plan")(plan_cmd)
    app.command("replan")(replan_cmd)


def demo_step(ctx: DemoContext) -> None:
    """Plan the sample's first day and write the HTML report."""
    from fieldopt.dispatch import plan_routes

    assert ctx.scenario is not None
    ctx.console.rule("[bold]Dispatch: plan the first day")
    day = ctx.scenario.summary()["first_day"]
    # 10 s for the sample's ~60 jobs of a day; tiny scenarios converge in a fraction of that
    limit = min(10.0, 1.0 + 0.2 * len(ctx.scenario.jobs))
    plan = plan_routes(ctx.scenario, day, options=SolveOptions(time_limit_s=limit))
    ctx.console.print(_summary_table(plan))
    path = write_report(plan, ctx.out_dir / f"dispatch-{day}.html", ctx.scenario)
    plan.save(ctx.out_dir / f"dispatch-{day}.json")
    ctx.outputs.append(path)
    ctx.console.print(f"report: {path}")


DEMO_STEPS: list[Callable[[DemoContext], None]] = [demo_step]
