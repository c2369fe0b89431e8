"""The counted progress bar the benchmark and batch commands share."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn


def counted_progress(console: Console, *extra: ProgressColumn) -> Progress:
    """Description, bar, ``done/total`` and elapsed time (then ``extra`` columns)."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        *extra,
        console=console,
    )
