"""``fieldopt inventory ...`` (forecast, frontier, optimise, rebalance, whatif)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from fieldopt.commands.interrupt import interruptible_command, stopped_before_writing
from fieldopt.io.files import writable_file, write_json_atomic
from fieldopt.options import MAX_MONEY, MAX_QUANTITY, cli_options, option_number

if TYPE_CHECKING:
    from fieldopt import Progress as SolveProgress
    from fieldopt import SolveOptions
    from fieldopt.demo import DemoContext
    from fieldopt.scenario import Scenario

console = Console()
inventory_app = typer.Typer(
    help="Spare-parts stock: forecast demand, the frontier, optimise, rebalance, what-if.",
    no_args_is_help=True,
)

ScenarioArg = Annotated[
    str, typer.Argument(help="Scenario: a folder of CSV files, or a database URL.")
]
NameOpt = Annotated[str | None, typer.Option("--name", help="Scenario name inside a database.")]
MethodOpt = Annotated[str, typer.Option(help="Evaluator: metric, vari-metric or exact.")]
PolicyOpt = Annotated[
    str | None,
    typer.Option(
        help="Stock-outs at the sites serving customers: backorder or emergency (default: the "
        "scenario's inventory.stockout_policy settings)."
    ),
]
ReportOpt = Annotated[
    Path | None, typer.Option("--report", help="Write a plotly HTML report here.")
]
JsonOpt = Annotated[
    Path | None, typer.Option("--json", help="Write the result as strict JSON here.")
]
TimeOpt = Annotated[
    float, typer.Option("--time-limit", help="Time limit for the whole solve, seconds.")
]
SeedOpt = Annotated[int, typer.Option(help="Solver seed.")]
WorkersOpt = Annotated[int, typer.Option(help="Solver threads.")]


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[SolveProgress], None]]:
    """A rich progress bar; yields the callback the API functions take (``Progress`` events
    with ``done`` / ``total``)."""
    columns = (
        TextColumn(label),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(p: SolveProgress) -> None:
            bar.update(task, completed=p.done or 0, total=p.total)

        yield update


def solve_options(
    time_limit: float,
    seed: int,
    workers: int,
    progress: Callable[[SolveProgress], None] | None = None,
) -> SolveOptions:
    """The options of ``--time-limit``, ``--seed``, ``--workers``; a bad value is an input
    error naming the option."""
    return cli_options(time_limit, seed, workers, progress)


def _load(scenario: str, name: str | None) -> Scenario:
    from fieldopt.scenario import read_scenario

    return read_scenario(scenario, name)


def _rates(s: Scenario) -> Any:
    import fieldopt.inventory as inv

    with progress_bar("forecasting") as update:
        return inv.forecast(s, progress=update)


def _kv_table(title: str, values: dict[str, Any]) -> Table:
    table = Table("what", "value", title=title)
    for k, v in values.items():
        if isinstance(v, float):
            v = f"{v:,.4f}"
        elif isinstance(v, dict):
            v = ", ".join(
                f"{a}: {b:,.4g}" if isinstance(b, float) else f"{a}: {b}" for a, b in v.items()
            )
        table.add_row(k.replace("_", " "), str(v))
    return table


def _dump(path: Path | None, payload: Any) -> None:
    """Write ``payload`` as strict JSON (NaN -> ``null``), atomically."""
    stopped_before_writing()
    if path is not None:
        write_json_atomic(path, payload, "--json")
        console.print(f"wrote {path}")


def _writable(out: Path | None, report: Path | None) -> None:
    """Fail on an unwritable ``--json`` or ``--report`` before any work is done."""
    if out is not None:
        writable_file(out, "--json")
    if report is not None:
        writable_file(report, "--report")


def _report(result: Any, path: Path | None) -> None:
    stopped_before_writing()
    if path is not None:
        result.to_html(str(path))
        console.print(f"wrote {path}")


@inventory_app.command("forecast")
@interruptible_command("forecast")
def forecast_cmd(
    scenario: ScenarioArg,
    name: NameOpt = None,
    holdout: Annotated[int, typer.Option(min=1, max=120, help="Months of rolling backtest.")] = 6,
    out: JsonOpt = None,
    report: ReportOpt = None,
) -> None:
    """Demand per year per part and location, with the method chosen by backtest."""
    import fieldopt.inventory as inv

    _writable(out, report)
    s = _load(scenario, name)
    with progress_bar("forecasting") as update:
        res = inv.forecast(s, holdout=holdout, progress=update)
    console.print(_kv_table("Forecast", res.summary()))
    _dump(out, res.to_json())
    _report(res, report)


@inventory_app.command("frontier")
@interruptible_command("frontier")
def frontier_cmd(
    scenario: ScenarioArg,
    name: NameOpt = None,
    method: MethodOpt = "metric",
    stockout_policy: PolicyOpt = None,
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="Time limit for the frontier, seconds.")
    ] = 300.0,
    report: ReportOpt = None,
    out: JsonOpt = None,
) -> None:
    """The holding-cost vs waiting-time frontier, today's stock and a recommended point."""
    import fieldopt.inventory as inv

    _writable(out, report)
    s = _load(scenario, name)
    rates = _rates(s)
    with progress_bar("frontier: parts") as update:
        res = inv.frontier(
            s,
            rates=rates,
            method=method,
            stockout_policy=stockout_policy,
            options=solve_options(time_limit, 0, 1, update),
        )
    summary = res.summary()
    console.print(_kv_table("Current stock", summary.pop("current")))
    console.print(
        _kv_table("Recommended (same waiting time, least holding cost)", summary.pop("recommended"))
    )
    console.print(_kv_table("Frontier", summary))
    _dump(out, res.to_json())
    _report(res, report)


@inventory_app.command("optimise")
@interruptible_command("optimisation")
def optimise_cmd(
    scenario: ScenarioArg,
    name: NameOpt = None,
    budget: Annotated[float | None, typer.Option(help="Investment budget, >= 0.")] = None,
    target_fill_rate: Annotated[
        float | None, typer.Option(help="Fill rate to reach, (0, 1).")
    ] = None,
    waiting_cost_per_day: Annotated[
        float | None,
        typer.Option(
            help="Least total cost per year: holding + emergency shipments + this for each day "
            "a customer waits for a part."
        ),
    ] = None,
    method: MethodOpt = "metric",
    stockout_policy: PolicyOpt = None,
    side: Annotated[
        bool | None,
        typer.Option(
            "--side/--no-side",
            help="Apply min/max levels and site volumes (default: when the scenario has any).",
        ),
    ] = None,
    must_stock_critical: Annotated[
        bool, typer.Option(help="At least one unit of every class-A part where it is used.")
    ] = False,
    time_limit: TimeOpt = 30.0,
    seed: SeedOpt = 0,
    workers: WorkersOpt = 1,
    report: ReportOpt = None,
    out: JsonOpt = None,
) -> None:
    """Stock levels: least waiting for a budget, least investment for a fill rate, or least
    total cost for a cost of waiting."""
    import fieldopt.inventory as inv
    from fieldopt.check import check

    _writable(out, report)
    options = solve_options(time_limit, seed, workers)
    for value, option, high_open in (
        (budget, "--budget", False),
        (waiting_cost_per_day, "--waiting-cost-per-day", False),
    ):
        if value is not None:
            option_number(value, option, 0, MAX_MONEY, high_open=high_open)
    if target_fill_rate is not None:
        option_number(target_fill_rate, "--target-fill-rate", 0, 1, low_open=True, high_open=True)
    s = _load(scenario, name)
    rates = _rates(s)
    with progress_bar("marginal analysis: parts") as update:
        plan = inv.optimise(
            s,
            budget=budget,
            target_fill_rate=target_fill_rate,
            waiting_cost_per_day=waiting_cost_per_day,
            rates=rates,
            method=method,
            side=side,
            must_stock_critical=must_stock_critical,
            stockout_policy=stockout_policy,
            options=replace(options, progress=update),
        )
    console.print(_kv_table("Stocking plan", plan.summary()))
    violations = check(plan, s)
    console.print(f"independent check: {len(violations)} violation(s)")
    for v in violations[:10]:
        console.print(f"  [yellow]{v}[/]")
    _dump(out, {**plan.to_json(), "violations": [str(v) for v in violations]})
    _report(plan, report)


@inventory_app.command("rebalance")
@interruptible_command("rebalancing")
def rebalance_cmd(
    scenario: ScenarioArg,
    name: NameOpt = None,
    min_quantity: Annotated[
        int, typer.Option(min=1, max=MAX_QUANTITY, help="Smallest transfer worth making.")
    ] = 1,
    time_limit: TimeOpt = 30.0,
    seed: SeedOpt = 0,
    workers: WorkersOpt = 1,
    report: ReportOpt = None,
    out: JsonOpt = None,
) -> None:
    """Transfers towards the target levels at least cost, against the greedy rule."""
    import fieldopt.inventory as inv
    from fieldopt.check import check

    _writable(out, report)
    options = solve_options(time_limit, seed, workers)
    s = _load(scenario, name)
    plan = inv.rebalance(s, min_quantity=min_quantity, options=options)
    summary = plan.summary()
    base = summary.pop("baseline_largest_excess_to_largest_shortage")
    console.print(_kv_table("Rebalancing (MILP)", summary))
    console.print(_kv_table("Largest excess to largest shortage (same data)", base))
    table = Table("part", "from", "to", "units", "transport cost", title="Transfers")
    for row in plan.to_frame().head(30).itertuples(index=False):
        table.add_row(
            str(row.part_id),
            str(row.from_id),
            str(row.to_id),
            str(row.quantity),
            f"{row.transport_cost:,.2f}",
        )
    console.print(table)
    violations = check(plan, s)
    console.print(f"independent check: {len(violations)} violation(s)")
    _dump(out, {**plan.to_json(), "violations": [str(v) for v in violations]})
    _report(plan, report)


@inventory_app.command("whatif")
@interruptible_command("what-if")
def whatif_cmd(
    scenario: ScenarioArg,
    variant: Annotated[
        list[str],
        typer.Option(
            "--variant",
            help="demand=+20%, lead_time=x1.5, repair_time=-10%, close_depot=D3, "
            "stockout_policy=emergency (repeatable).",
        ),
    ],
    name: NameOpt = None,
    method: MethodOpt = "metric",
    stockout_policy: PolicyOpt = None,
    report: ReportOpt = None,
    out: JsonOpt = None,
) -> None:
    """Frontiers of variants overlaid on the base frontier."""
    import fieldopt.inventory as inv
    from fieldopt.inventory.api import parse_variant

    for v in variant:
        parse_variant(v)  # bad variants fail before the forecast is computed
    _writable(out, report)
    s = _load(scenario, name)
    res = inv.whatif(s, variant, rates=_rates(s), method=method, stockout_policy=stockout_policy)
    table = Table(
        "variant", "holding cost for base waiting", "waiting days at base cost", title="What-if"
    )
    for row in res.comparison.itertuples(index=False):
        table.add_row(
            str(row.variant),
            f"{row.holding_cost_for_base_waiting:,.0f}",
            f"{row.waiting_days_at_base_cost:.3f}",
        )
    console.print(table)
    _dump(out, res.to_json())
    _report(res, report)


def register(app: typer.Typer) -> None:
    """Add ``fieldopt inventory ...``."""
    app.add_typer(inventory_app, name="inventory")


def demo_frontier(ctx: DemoContext) -> None:
    """The sample's frontier with today's stock and a recommended point."""
    import fieldopt.inventory as inv

    assert ctx.scenario is not None
    ctx.console.rule("[bold]Spare parts: the stocking frontier")
    t0 = time.perf_counter()
    res = inv.frontier(ctx.scenario)
    path = ctx.out_dir / "inventory-frontier.html"
    res.to_html(str(path))
    ctx.outputs.append(path)
    cur, rec = res.current, res.recommended
    table = Table(
        "", "holding cost / year", "waiting days per demand", "fill rate", title="Spare-parts stock"
    )
    for label, p in (("today", cur), ("recommended", rec)):
        table.add_row(
            label,
            f"{p['holding_cost_per_year']:,.0f}",
            f"{p['waiting_days']:.3f}",
            f"{p['fill_rate']:.1%}",
        )
    ctx.console.print(table)
    ctx.console.print(
        f"frontier of {len(res.points)} points in {time.perf_counter() - t0:.1f} s → {path}"
    )


DEMO_STEPS: list[Callable[[DemoContext], None]] = [demo_frontier]
