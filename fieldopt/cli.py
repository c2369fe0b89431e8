"""The ``fieldopt`` command line. Exit codes: 0 ok, 1 internal error, 2 bad input, 3 no plan,
130 interrupted (SIGINT / SIGTERM)."""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.table import Table

from fieldopt.errors import (
    EXIT_BAD_INPUT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    FieldoptError,
    InputError,
    Interrupted,
    Problem,
)
from fieldopt.io.files import writable_folder
from fieldopt.options import MAX_HORIZON_DAYS, MAX_SEED, option_date

app = typer.Typer(
    name="fieldopt",
    help="Optimise field service: technician dispatch, repair scheduling, spare-parts stock.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)

ScenarioArg = Annotated[
    str, typer.Argument(help="Scenario: a folder of CSV files, or a database URL.")
]
NameOpt = Annotated[str | None, typer.Option("--name", help="Scenario name inside a database.")]


def sorted_problems(problems: list[Problem]) -> list[Problem]:
    """Errors first, then by file and line: the order users read and fix them in."""
    return sorted(problems, key=lambda p: (not p.is_error, p.file, p.line or 0, p.field or ""))


def problems_table(problems: list[Problem], limit: int | None = None) -> RenderableType:
    """Input problems, errors first: a table on wide terminals, one line each on narrow ones."""
    ordered = sorted_problems(problems)[:limit]
    if console.width < 120:
        lines = [
            f"[{'red' if p.is_error else 'yellow'}]{p.severity}[/]: {escape(p.where())}: "
            f"{escape(p.message)}"
            for p in ordered
        ]
        return Group(*lines)
    table = Table(title="Problems in the input")
    for header in ("severity", "file", "line", "id", "field", "message"):
        table.add_column(header, overflow="fold")
    for p in ordered:
        style = "red" if p.is_error else "yellow"
        table.add_row(
            f"[{style}]{p.severity}[/]",
            p.file,
            "" if p.line is None else str(p.line),
            escape(p.row or ""),
            p.field or "",
            escape(p.message),
        )
    return table


@app.command()
def validate(
    scenario: ScenarioArg,
    name: NameOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print problems as JSON.")] = False,
    strict: Annotated[bool, typer.Option(help="Treat warnings as errors.")] = False,
) -> None:
    """Check a scenario and list every problem (exit 2 when there is an error)."""
    from fieldopt.scenario import validate_source

    problems = validate_source(scenario, name)
    errors = [p for p in problems if p.is_error or strict]
    if as_json:
        rows = [p.__dict__ | {"file": p.file} for p in sorted_problems(problems)]
        print(json.dumps(rows, indent=2))
    elif problems:
        console.print(problems_table(problems))
    n_err = sum(p.is_error for p in problems)
    n_warn = len(problems) - n_err
    if not as_json:
        verdict = "[red]invalid[/]" if errors else "[green]valid[/]"
        console.print(f"{scenario}: {verdict} — {n_err} error(s), {n_warn} warning(s)")
    if errors:
        raise typer.Exit(EXIT_BAD_INPUT)


@app.command()
def generate(
    out: Annotated[Path, typer.Argument(help="Folder to write the scenario's CSV files into.")],
    technicians: Annotated[int, typer.Option(min=1, max=100_000)] = 50,
    jobs: Annotated[int, typer.Option(min=1, max=1_000_000)] = 400,
    parts: Annotated[int, typer.Option(min=1, max=1_000_000)] = 200,
    depots: Annotated[int, typer.Option(min=1, max=10_000)] = 4,
    seed: Annotated[int, typer.Option(min=0, max=MAX_SEED)] = 7,
    start: Annotated[str, typer.Option(help="First day, YYYY-MM-DD.")] = "2026-11-24",
    days: Annotated[
        int, typer.Option(min=1, max=MAX_HORIZON_DAYS, help="Calendar days of shifts and jobs.")
    ] = 5,
) -> None:
    """Generate a realistic, seeded scenario (same seed, same files)."""

    from fieldopt.generate import generate_scenario

    first = option_date(start, "--start")
    writable_folder(out, "OUT")
    scenario = generate_scenario(
        technicians=technicians,
        jobs=jobs,
        parts=parts,
        depots=depots,
        seed=seed,
        start=first,
        days=days,
        name=out.name,
    )
    written = scenario.to_csv(out)
    console.print(f"wrote {len(written)} files to {out}")
    _print_summary(scenario.summary())


@app.command()
def load(
    scenario: Annotated[Path, typer.Argument(help="Folder of CSV files.")],
    db: Annotated[str, typer.Option(help="Database URL.")] = "sqlite:///fieldopt.db",
    name: NameOpt = None,
    replace: Annotated[
        bool, typer.Option(help="Overwrite a stored scenario of that name.")
    ] = False,
) -> None:
    """Validate a CSV scenario and store it in a database (one transaction)."""
    from fieldopt.io.database import save_scenario
    from fieldopt.scenario import read_scenario

    data = read_scenario(scenario)
    stored = save_scenario(data, db, name, replace=replace)
    console.print(f"stored scenario {stored!r} ({len(data.warnings)} warning(s))")


@app.command()
def export(
    db: Annotated[str, typer.Argument(help="Database URL.")],
    out: Annotated[Path, typer.Argument(help="Folder to write CSV files into.")],
    name: NameOpt = None,
) -> None:
    """Write a scenario stored in a database back to a folder of CSV files."""
    from fieldopt.scenario import read_scenario

    writable_folder(out, "OUT")
    written = read_scenario(db, name).to_csv(out)
    console.print(f"wrote {len(written)} files to {out}")


@app.command()
def scenarios(db: Annotated[str, typer.Argument(help="Database URL.")]) -> None:
    """List the scenarios stored in a database."""
    from fieldopt.io.database import list_scenarios

    table = Table("id", "source", "stored at (UTC)", "fingerprint")
    for row in list_scenarios(db):
        table.add_row(
            row["id"], row["source"], f"{row['created_at']:%Y-%m-%d %H:%M}", row["fingerprint"][:12]
        )
    console.print(table)


@app.command("check")
def check_cmd(
    plan_file: Annotated[
        Path, typer.Argument(help="A saved dispatch plan, repair schedule or stocking plan.")
    ],
    scenario: ScenarioArg,
    name: NameOpt = None,
) -> None:
    """Check a saved plan, schedule or stocking plan against a scenario (exit 2 on a violation).

    The file's format tag says what it is; hand-edited files are checked the same way.
    """
    from fieldopt.check import check, load_result
    from fieldopt.scenario import read_scenario

    result = load_result(plan_file)
    violations = check(result, read_scenario(scenario, name))
    for v in violations:
        console.print(f"[red]{escape(str(v))}[/]")
    console.print(f"{type(result).__name__} {plan_file}: {len(violations)} violation(s)")
    if violations:
        raise typer.Exit(EXIT_BAD_INPUT)


@app.command()
def demo(
    scenario: Annotated[Path, typer.Option(help="Scenario folder.")] = Path("data/sample"),
    db: Annotated[str, typer.Option(help="Database URL.")] = "sqlite:///out/demo.db",
    out: Annotated[Path, typer.Option(help="Folder for reports.")] = Path("out"),
) -> None:
    """Load the sample scenario into a database, validate it and show what it holds."""
    from fieldopt.demo import run_demo

    run_demo(scenario, db, out, console)


def _print_summary(summary: dict[str, object]) -> None:
    table = Table("what", "value", title=f"Scenario {summary.get('scenario', '')}")
    for key, value in summary.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        table.add_row(key.replace("_", " "), str(value))
    console.print(table)


def _register_models() -> None:
    """Add each model's commands (``fieldopt.commands.<model>.register``) to the app."""
    import importlib

    from fieldopt.commands import MODEL_MODULES

    for name in MODEL_MODULES:
        importlib.import_module(name).register(app)


BENCH_MISSING = (
    "fieldopt bench needs the benchmarks package of a fieldopt checkout: install from the "
    "checkout with pip install -e '.[bench]'"
)


def _register_bench() -> None:
    """``fieldopt bench``: the ``benchmarks`` package's commands when it is importable (a
    checkout), else a command that says how to get them and exits 2."""
    try:
        from benchmarks.cli import app as bench_app
    except ImportError as exc:
        reason = "" if exc.name in ("benchmarks", "benchmarks.cli") else f" ({exc})"

        @app.command(
            "bench",
            add_help_option=False,
            context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
        )
        def bench_missing() -> None:
            """Benchmarks: need a checkout installed with the bench extra."""
            err_console.print(f"[red]{escape(BENCH_MISSING)}[/]{escape(reason)}")
            raise typer.Exit(EXIT_BAD_INPUT)

        return
    app.add_typer(bench_app, name="bench")


_register_models()
_register_bench()


def _interrupt(signum: int, frame: FrameType | None) -> None:
    # files are written atomically: none is left half-written
    print("interrupted: stopped before the end; no file was left half-written", file=sys.stderr)
    raise KeyboardInterrupt


def main() -> None:
    """Entry point: run the app, mapping fieldopt errors to exit codes.

    Click itself exits 2 on usage errors (unknown command, bad option value).
    """
    # until a solve takes them over (fieldopt.commands.interrupt) SIGINT and SIGTERM end the
    # command (click turns KeyboardInterrupt into exit 130)
    previous = {s: signal.signal(s, _interrupt) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        app()
    except InputError as exc:
        if any(p.line is not None or p.row is not None for p in exc.problems):
            err_console.print(problems_table(exc.problems, limit=50))
        err_console.print(f"[red]bad input:[/] {escape(str(exc))}")
        sys.exit(exc.exit_code)
    except Interrupted as exc:
        err_console.print(escape(str(exc)))
        sys.exit(exc.exit_code)
    except FieldoptError as exc:
        err_console.print(f"[red]error:[/] {escape(str(exc))}")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)
    except Exception:
        err_console.print_exception()
        err_console.print("[red]internal error[/] (please report it with the trace above)")
        sys.exit(EXIT_INTERNAL)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
