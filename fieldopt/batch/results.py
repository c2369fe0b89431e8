"""Batch results as a DataFrame (one row per run, KPIs as columns) and an HTML report."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from fieldopt.batch.store import BatchStore
from fieldopt.io.database import connect
from fieldopt.io.files import write_bytes_atomic, write_text_atomic

_FIXED = ["label", "kind", "scenario_id", "status", "solver_status", "runtime_s", "attempts"]


def results_frame(db: str, batch_id: str) -> pd.DataFrame:
    """One row per run of the batch: label, kind, scenario, status, parameters, KPIs, error."""
    store = BatchStore(connect(db, create=False))
    store.status(batch_id)  # raises InputError for an unknown batch
    rows = []
    for run in store.batch_runs(batch_id):
        row = {key: run[key] for key in _FIXED}
        row["run_id"] = run["id"]
        row.update({f"param.{k}": v for k, v in json.loads(run["params_json"]).items()})
        row.update({f"kpi.{k}": v for k, v in json.loads(run["kpis_json"] or "{}").items()})
        row["error"] = run["error"]
        rows.append(row)
    return pd.DataFrame(rows)


def write_results(frame: pd.DataFrame, out: Path, fmt: str) -> None:
    """Write the results as CSV or parquet, atomically."""
    if fmt == "csv":
        write_text_atomic(out, frame.to_csv(index=False), "--out")
    else:
        # parameters and KPIs may mix types across kinds; parquet wants one type per column
        typed = frame.astype({c: "string" for c in frame.columns if frame[c].dtype == object})
        write_bytes_atomic(out, lambda tmp: typed.to_parquet(tmp, index=False), "--out")


def batch_report(db: str, batch_id: str, out: Path) -> Path:
    """HTML report: the status counts, every run's KPIs, and each numeric KPI compared across
    the runs of a kind (what-if variants side by side)."""
    import plotly.express as px

    store = BatchStore(connect(db, create=False))
    status = store.status(batch_id)
    frame = results_frame(db, batch_id)
    parts = [
        f"<h1>Batch {status.batch_id}</h1>",
        f"<p>{status.total} runs: {status.done} done, {status.failed} failed, "
        f"{status.running} running, {status.pending} pending.</p>",
    ]
    failed = frame[frame["status"] == "failed"]
    if not failed.empty:
        parts.append("<h2>Failed runs</h2>")
        parts.append(failed[["label", "error"]].to_html(index=False, escape=True))
    first_plot = True
    for kind, group in frame.groupby("kind", sort=True):
        parts.append(f"<h2>{kind}</h2>")
        kpis = [c for c in group.columns if c.startswith("kpi.") and group[c].notna().any()]
        numeric = [c for c in kpis if pd.api.types.is_numeric_dtype(group[c])]
        parts.append(
            group[["label", "status", "solver_status", "runtime_s", *kpis]].to_html(
                index=False, escape=True, float_format=lambda x: f"{x:,.2f}"
            )
        )
        for column in numeric:
            fig = px.bar(
                group,
                x="label",
                y=column,
                color="scenario_id",
                title=f"{kind}: {column.removeprefix('kpi.')}",
                height=360,
            )
            parts.append(
                fig.to_html(full_html=False, include_plotlyjs="cdn" if first_plot else False)
            )
            first_plot = False
    return write_text_atomic(
        out,
        "<!doctype html><meta charset='utf-8'><title>fieldopt batch</title>"
        "<body style='font-family:sans-serif'>" + "\n".join(parts) + "</body>",
        "--out",
    )
