"""``make demo`` / ``fieldopt demo``: the main job end to end on the bundled sample.

The demo is a list of steps sharing one context; each model adds its steps (dispatch plan,
repair schedule, stocking plan) through ``DEMO_STEPS`` in its command module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

from fieldopt.scenario import PRIORITY_NAMES, Scenario


@dataclass
class DemoContext:
    """What the steps share: where the data is, where results go, and the loaded scenario."""

    scenario_dir: Path
    db_url: str
    out_dir: Path
    console: Console
    scenario: Scenario | None = None
    outputs: list[Path] = field(default_factory=list)


def load_step(ctx: DemoContext) -> None:
    """Read the CSV folder, validate it and store it in the database; read it back from there."""
    from fieldopt.io.database import save_scenario
    from fieldopt.scenario import read_scenario

    ctx.console.rule("[bold]1. Load and validate the scenario")
    csv_scenario = read_scenario(ctx.scenario_dir)
    stored = save_scenario(csv_scenario, ctx.db_url, replace=True)
    ctx.scenario = read_scenario(ctx.db_url, stored)
    ctx.console.print(
        f"read {ctx.scenario_dir} → stored as {stored!r} in {ctx.db_url} → read back: "
        f"[green]valid[/], {len(ctx.scenario.warnings)} warning(s)"
    )
    for warning in ctx.scenario.warnings[:5]:
        ctx.console.print(f"  [yellow]{warning}[/]")


def summary_step(ctx: DemoContext) -> None:
    """Print technicians, jobs by priority, parts, depots and stock positions."""
    assert ctx.scenario is not None
    s = ctx.scenario.summary()
    ctx.console.rule("[bold]2. What the scenario holds")
    people = Table("technicians", "skills", "working days", "first day", title="Workforce")
    people.add_row(
        str(s["technicians"]), str(s["skills"]), str(s["shift_days"]), str(s["first_day"])
    )
    by_priority = s["jobs_by_priority"]
    jobs = Table("priority", "jobs", title="Jobs by priority")
    for level, label in PRIORITY_NAMES.items():
        jobs.add_row(f"{level} {label}", str(by_priority[label]))
    jobs.add_row("[bold]all", f"[bold]{s['jobs']}")
    features = Table("jobs that", "count", title="Job features")
    for label, key in (
        ("need several technicians", "multi_technician_jobs"),
        ("have time windows", "jobs_with_windows"),
        ("have an SLA deadline", "jobs_with_sla"),
        ("need parts", "jobs_needing_parts"),
        ("follow another job", "precedences"),
    ):
        features.add_row(label, str(s[key]))
    stock = Table("what", "value", title="Parts and stock network")
    for label, value in (
        ("parts (SKUs)", str(s["parts"])),
        ("central warehouses", str(s["central_warehouses"])),
        ("depots", str(s["depots"])),
        ("vans", str(s["vans"])),
        ("stock positions (part × location)", str(s["stock_positions"])),
        ("units on hand", f"{s['units_on_hand']:,}"),
        ("stock value", f"{s['stock_value']:,.0f}"),
        ("demand history rows", f"{s['demand_history_rows']:,}"),
    ):
        stock.add_row(label, value)
    for table in (people, jobs, features, stock):
        ctx.console.print(table)


Step = Callable[[DemoContext], None]


def demo_steps() -> list[Step]:
    """Load and summarise, then each model's steps (``DEMO_STEPS`` of its command module)."""
    import importlib

    from fieldopt.commands import MODEL_MODULES

    steps: list[Step] = [load_step, summary_step]
    for name in MODEL_MODULES:
        steps.extend(getattr(importlib.import_module(name), "DEMO_STEPS", []))
    return steps


def run_demo(scenario_dir: Path, db_url: str, out_dir: Path, console: Console) -> DemoContext:
    """Run every demo step in order."""
    out_dir.mkdir(parents=True, exist_ok=True)
    ctx = DemoContext(scenario_dir, db_url, out_dir, console)
    for step in demo_steps():
        step(ctx)
    console.rule("[bold green]demo finished")
    return ctx
