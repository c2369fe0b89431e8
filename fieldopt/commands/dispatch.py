"""``fieldopt plan | replan | check`` and ``fieldopt bench vrptw | trsp | scale``."""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from fieldopt.commands.progress import counted_progress
from fieldopt.demo import DemoContext
from fieldopt.dispatch.report import write_report
from fieldopt.errors import EXIT_NO_PLAN, InputError
from fieldopt.io.files import write_json_atomic
from fieldopt.options import Progress as SolveProgress
from fieldopt.options import SolveOptions, cli_options

console = Console()
DATA = Path(__file__).parents[2] / "data" / "benchmarks"


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
    from fieldopt.dispatch.api import as_day
    from fieldopt.scenario import read_scenario

    data = read_scenario(scenario, name)
    if schedule is not None:
        from fieldopt.schedule.handoff import day_scenario
        from fieldopt.schedule.result import RepairSchedule

        data = day_scenario(data, RepairSchedule.load(schedule), as_day(date))
    bar, update = _progress_bar(time_limit)
    options = cli_options(time_limit, seed, workers, update)
    with bar:
        plan = plan_routes(data, date, options=options)
    console.print(_summary_table(plan))
    if out:
        plan.save(out)
        console.print(f"plan written to {out}")
    if report:
        write_report(plan, report, data)
        console.print(f"report written to {report}")
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

    plan = DispatchPlan.load(plan_file)
    evs: list[dict[str, Any]] = []
    if events:
        try:
            evs = json.loads(events.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise InputError(f"{events}: cannot read events JSON ({exc})") from exc
        if not isinstance(evs, list):
            raise InputError(f"{events}: expected a JSON list of events")
    data = read_scenario(scenario) if scenario else None
    result = replan(plan, now, evs, data, options=cli_options(time_limit, seed, 1))
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
    if out:
        result.plan.save(out)
        write_json_atomic(out.with_suffix(".diff.json"), result.diff)
        # the plan is checked against the scenario with the events applied
        result.scenario.to_csv(out.with_suffix(".scenario"))
        console.print(
            f"plan written to {out}, diff to {out.with_suffix('.diff.json')}, scenario with "
            f"the events to {out.with_suffix('.scenario')}"
        )
    if report:
        write_report(result.plan, report, result.scenario)


# ---------------------------------------------------------------------------- benchmarks
def bench_vrptw(
    files: Annotated[list[Path], typer.Argument(help="Solomon / Gehring–Homberger files.")],
    time_limit: float = 5.0,
    seed: int = 0,
    json_out: Annotated[Path | None, typer.Option("--json")] = None,
    backend: Annotated[str, typer.Option(help="auto (PyVRP here), ortools or pyvrp.")] = "auto",
    compare: Annotated[
        str, typer.Option(help="Also run these, comma-separated: ortools, pyvrp, vroom.")
    ] = "",
    bks: Annotated[Path, typer.Option(help="bks.csv")] = DATA / "vrptw" / "bks.csv",
) -> None:
    """VRPTW, DIMACS convention: distance objective, gap to distance-only best-known.

    Every solution is evaluated independently (capacity, windows, each customer once); with
    --compare, OUT.<engine>.json holds the other engines' results in the same shape.
    """
    from solvers.benchmarks.vrptw import read_bks, read_vrptw
    from solvers.routing import RoutingParams, solve_routing
    from solvers.routing.benchmarks import vrptw_data, vrptw_distance
    from solvers.routing.compare import solve_vroom

    best = read_bks(bks)
    engines = [backend] + [e.strip() for e in compare.split(",") if e.strip()]
    for e in engines:
        if e not in ("auto", "ortools", "pyvrp", "vroom"):
            raise InputError(f"--compare/--backend: unknown engine {e!r}")
    table: dict[str, list[dict[str, Any]]] = {e: [] for e in engines}
    bad = 0
    for f in files:
        inst = read_vrptw(f)
        for e in engines:
            if e == "vroom":
                routes, runtime = solve_vroom(inst, time_limit)
            else:
                params = RoutingParams(time_limit_s=time_limit, seed=seed, backend=e)
                res = solve_routing(vrptw_data(inst), params)
                routes = [[v.node for v in r] for r in res.routes if r]
                runtime = res.report.runtime_s
            dist, problems = vrptw_distance(inst, routes)
            b = best.get(inst.name)
            bv = b.distance_bks_distance_only if b else None
            gap = None if not bv else round(100 * (dist - bv) / bv, 3)
            table[e].append(
                {
                    "instance": inst.name,
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
        out = json_out if e == backend or json_out is None else json_out.with_suffix(f".{e}.json")
        _finish(table[e], out, label=e)
    if bad:
        console.print(f"[red]{bad} solution(s) failed the independent evaluation")
        raise typer.Exit(EXIT_NO_PLAN)


def bench_trsp(
    files: Annotated[list[Path], typer.Argument(help="Pillac TRSP files.")],
    time_limit: float = 60.0,
    seed: int = 0,
    json_out: Annotated[Path | None, typer.Option("--json")] = None,
    bks: Annotated[Path, typer.Option()] = DATA
    / "trsp"
    / "pillac2013"
    / "bks_pillac_dissertation.csv",
    backend: Annotated[
        str, typer.Option(help="ruin_recreate (SISR on the exact objective) or ortools.")
    ] = "ruin_recreate",
) -> None:
    """Pillac TRSP: every request served, objective total duration, gap to the thesis BKS."""
    from solvers.benchmarks.trsp import read_pillac, read_pillac_bks
    from solvers.routing import RoutingParams, solve_routing
    from solvers.routing.benchmarks import trsp_data, trsp_evaluate

    best = read_pillac_bks(bks)
    rows = []
    bad = 0
    for f in files:
        inst = read_pillac(f)
        k_n = inst.num_technicians
        if backend not in ("ruin_recreate", "ortools"):
            raise InputError(f"--backend: unknown engine {backend!r}")
        data = trsp_data(inst, travel_cost=backend == "ortools")
        params = RoutingParams(time_limit_s=time_limit, seed=seed, backend=backend)
        res = solve_routing(data, params)
        routes = [[-1 if v.node < 2 * k_n else v.node - 2 * k_n for v in r] for r in res.routes]
        dur, dist, problems = trsp_evaluate(inst, routes)
        b = best.get(inst.name)
        bv = b.duration_bks if b else None
        bad += bool(problems)
        rows.append(
            {
                "instance": inst.name,
                "routes": [
                    {"technician": k + 1, "visits": [0 if j < 0 else k_n + 1 + j for j in r]}
                    for k, r in enumerate(routes)
                    if r
                ],
                "duration": round(dur, 3),
                "distance": round(dist, 3),
                "runtime_s": round(res.report.runtime_s, 2),
                "bks": bv,
                "gap_pct": None if not bv or problems else round(100 * (dur - bv) / bv, 3),
            }
        )
        console.print(
            f"{inst.name}: {dur:.1f} (bks {bv}) gap {rows[-1]['gap_pct']}% "
            f"{'[red]' + '; '.join(problems[:3]) + '[/]' if problems else 'checked'}"
        )
    _finish(rows, json_out, label=backend)
    if bad:
        console.print(f"[red]{bad} solution(s) failed the independent evaluation")
        raise typer.Exit(EXIT_NO_PLAN)


def bench_scale(
    jobs: Annotated[list[int], typer.Option(help="Job counts.")] = [200, 1000, 3000],  # noqa: B006
    time_limit: float = 60.0,
    runs: Annotated[int, typer.Option(min=1, help="Seeds SEED..SEED+RUNS-1; medians.")] = 3,
    seed: int = 0,
    json_out: Annotated[Path | None, typer.Option("--json")] = None,
) -> None:
    """Generated scenarios (technicians = jobs / 10): first feasible plan, objective, memory."""
    from fieldopt.dispatch.scale import medians, run_isolated

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
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")


def register(app: typer.Typer, bench: typer.Typer) -> None:
    """Add ``plan``, ``replan`` and the dispatch benchmarks."""
    app.command("plan")(plan_cmd)
    app.command("replan")(replan_cmd)
    bench.command("vrptw")(bench_vrptw)
    bench.command("trsp")(bench_trsp)
    bench.command("scale")(bench_scale)


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
