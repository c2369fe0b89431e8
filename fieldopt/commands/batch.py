"""``fieldopt batch``: run, inspect and report batches of runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from fieldopt.demo import DemoContext
from fieldopt.io.files import writable_file
from fieldopt.options import MAX_WORKERS

DEMO_STEPS: list[Callable[[DemoContext], None]] = []
DbOpt = Annotated[str, typer.Option("--db", help="Database URL of the batch runs.")]
DEFAULT_DB = "sqlite:///runs.db"


batch_app = typer.Typer(
    help="Nightly runs and what-if sweeps: persisted, resumable.", no_args_is_help=True
)
console = Console()


@batch_app.command("run")
def run_command(
    spec: Annotated[Path, typer.Argument(help="Batch spec (YAML).")],
    db: DbOpt = DEFAULT_DB,
    executor: Annotated[str, typer.Option(help="local (process pool) or dask.")] = "local",
    jobs: Annotated[int, typer.Option(min=1, max=MAX_WORKERS, help="Runs in flight at once.")] = 2,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address, e.g. tcp://host:8786.")
    ] = None,
    resume: Annotated[bool, typer.Option(help="Continue the last unfinished batch.")] = False,
    lease: Annotated[
        float,
        typer.Option(
            help="Seconds without heartbeat before another runner takes a run over (10 to 604800)."
        ),
    ] = 120.0,
) -> None:
    """Run every run of SPEC not yet done with the same inputs; exit 1 if any failed."""
    from fieldopt.batch import BatchStatus, load_spec, run
    from fieldopt.batch.store import check_lease

    check_lease(lease, "--lease")
    parsed = load_spec(spec)
    pool = None
    client = None
    if executor == "dask":
        try:
            from distributed import Client
        except ImportError as exc:
            raise typer.BadParameter("install the 'dask' extra for --executor dask") from exc
        if scheduler is None:
            raise typer.BadParameter("--executor dask needs --scheduler tcp://host:port")
        client = Client(scheduler)
        pool = client.get_executor()
    elif executor != "local":
        raise typer.BadParameter(f"unknown executor {executor!r} (local or dask)")
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn(
            "{task.completed}/{task.total} done · {task.fields[running]} running · "
            "[red]{task.fields[failed]} failed"
        ),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    try:
        with Progress(*columns, console=console, transient=False) as bar:
            task = bar.add_task(parsed.name, total=len(parsed.runs), running=0, failed=0)

            def show(status: BatchStatus) -> None:
                bar.update(
                    task,
                    completed=status.done,
                    running=status.running,
                    failed=status.failed,
                    description=status.batch_id,
                )

            handle = run(parsed, db, pool, jobs=jobs, resume=resume, lease_s=lease, progress=show)
    finally:
        if client is not None:
            client.close()
    status = handle.status()
    console.print(
        f"batch {status.batch_id}: {status.done}/{status.total} done, {status.failed} failed"
    )
    if status.failed:
        frame = handle.results()
        for _, row in frame[frame["status"] == "failed"].iterrows():
            console.print(f"[red]failed[/] {row['label']}: {str(row['error']).splitlines()[0]}")
        raise typer.Exit(1)


@batch_app.command("status")
def status_command(batch_id: str, db: DbOpt = DEFAULT_DB) -> None:
    """Counts of a batch's runs by state."""
    from fieldopt.batch.store import BatchStore
    from fieldopt.io.database import connect

    s = BatchStore(connect(db, create=False)).status(batch_id)
    table = Table("batch", "state", "runs", "done", "failed", "running", "pending")
    table.add_row(
        s.batch_id,
        s.status,
        str(s.total),
        str(s.done),
        str(s.failed),
        str(s.running),
        str(s.pending),
    )
    console.print(table)


@batch_app.command("list")
def list_command(db: DbOpt = DEFAULT_DB) -> None:
    """Batches stored in the database, oldest first."""
    from fieldopt.batch.store import BatchStore
    from fieldopt.io.database import connect

    store = BatchStore(connect(db, create=False))
    table = Table("batch", "state", "runs", "done", "failed")
    for batch_id in store.batch_ids():
        s = store.status(batch_id)
        table.add_row(s.batch_id, s.status, str(s.total), str(s.done), str(s.failed))
    console.print(table)


@batch_app.command("results")
def results_command(
    batch_id: str,
    db: DbOpt = DEFAULT_DB,
    fmt: Annotated[str, typer.Option("--format", help="csv or parquet")] = "csv",
    out: Annotated[
        Path | None, typer.Option(help="File to write (default: BATCH_ID.FORMAT).")
    ] = None,
) -> None:
    """One row per run: parameters, status, KPIs."""
    from fieldopt.batch.results import results_frame, write_results

    if fmt not in ("csv", "parquet"):
        raise typer.BadParameter("--format must be csv or parquet")
    path = writable_file(out or Path(f"{batch_id}.{fmt}"), "--out")
    frame = results_frame(db, batch_id)
    write_results(frame, path, fmt)
    console.print(f"wrote {len(frame)} runs to {path}")


@batch_app.command("report")
def report_command(
    batch_id: str,
    db: DbOpt = DEFAULT_DB,
    out: Annotated[Path, typer.Option(help="HTML file.")] = Path("batch-report.html"),
) -> None:
    """HTML report: KPIs per run, variants side by side."""
    from fieldopt.batch.results import batch_report

    writable_file(out, "--out")
    console.print(f"wrote {batch_report(db, batch_id, out)}")


def register(app: typer.Typer) -> None:
    app.add_typer(batch_app, name="batch")
