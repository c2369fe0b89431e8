"""The HTML report of a schedule: summary, Gantt per technician and per job (plotly).

Plotly's JavaScript is loaded from its CDN (``include_plotlyjs="cdn"``): a report stays a few
hundred kB instead of 3.5 MB, at the price of needing the network to view it.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import plotly.express as px

from fieldopt.io.files import write_text_atomic

if TYPE_CHECKING:
    from fieldopt.schedule.result import RepairSchedule


def gantt_figures(schedule: RepairSchedule) -> list[object]:
    """Two plotly timelines: bars per technician (coloured by job) and per job (by team)."""
    frame = schedule.to_frame()
    done = frame[frame["fate"] == "scheduled"].copy()
    if done.empty:
        return []
    done["team"] = done.groupby("job_id")["technician_id"].transform(lambda s: ", ".join(s))
    done["skill"] = done["skill"].fillna("(none of the job's skills)")
    by_tech = px.timeline(
        done,
        x_start="start",
        x_end="end",
        y="technician_id",
        color="job_id",
        hover_data=["skill", "team"],
        title="Per technician",
    )
    by_tech.update_yaxes(autorange="reversed", title=None)
    by_tech.update_layout(showlegend=False, height=max(300, 24 * done["technician_id"].nunique()))
    jobs = done.drop_duplicates(["job_id", "start"])  # one bar per visit
    by_job = px.timeline(
        jobs,
        x_start="start",
        x_end="end",
        y="job_id",
        hover_data=["team"],
        title="Per intervention",
    )
    by_job.update_yaxes(autorange="reversed", title=None)
    by_job.update_layout(height=max(300, 14 * len(jobs)))
    return [by_tech, by_job]


def write_html(schedule: RepairSchedule, path: Path, title: str | None = None) -> Path:
    """Write the report to ``path`` and return it."""
    title = title or f"Repair schedule — {schedule.scenario}"
    parts = [f"<h1>{html.escape(title)}</h1>"]
    summary = pd.DataFrame(
        [(k, "" if v is None else str(v)) for k, v in schedule.summary().items()],
        columns=["figure", "value"],
    )
    parts.append(summary.to_html(index=False, border=0))
    for n, fig in enumerate(gantt_figures(schedule)):
        parts.append(fig.to_html(full_html=False, include_plotlyjs="cdn" if n == 0 else False))  # type: ignore[attr-defined]
    left = schedule.to_frame()
    left = left[left["fate"] != "scheduled"][["job_id", "fate", "code", "reason"]]
    if len(left):
        parts.append("<h2>Outsourced and unscheduled jobs</h2>")
        parts.append(left.to_html(index=False, border=0))
    return write_text_atomic(
        path,
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head><body style='font-family:sans-serif'>"
        + "\n".join(parts)
        + "</body></html>\n",
        what="--report",
    )
