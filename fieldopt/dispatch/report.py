"""The HTML report of a plan: Gantt chart of every technician's day, route map, KPI table.

Self-contained apart from plotly.js, which is loaded from the CDN (``include_plotlyjs="cdn"``)
to keep reports small.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fieldopt.io.files import write_text_atomic

if TYPE_CHECKING:
    from fieldopt.dispatch.plan import DispatchPlan, Stop
    from fieldopt.scenario import Scenario

COLOURS = {
    "job": "#1f77b4",
    "pickup": "#ff7f0e",
    "break": "#2ca02c",
    "travel": "#cccccc",
    "done": "#555555",
    "moved": "#d62728",
}


def _bar_kind(s: Stop, moved: Collection[str]) -> str:
    """The Gantt series of a stop: work already done (fixed), a job that moved, or its kind."""
    if s.fixed and s.kind in ("job", "pickup", "no_show", "position"):
        return "done"
    if s.kind == "job" and s.job_id in moved:
        return "moved"
    return s.kind


def gantt_figure(
    plan: DispatchPlan, now: dt.datetime | None = None, moved: Collection[str] = ()
) -> Any:
    """Each technician's day: travel, jobs, pick-ups, lunch; with ``now`` (re-planning) a line
    at that time, the work done before it in grey and the jobs in ``moved`` in red."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for kind in ("travel", "done", "job", "moved", "pickup", "break"):
        xs: list[float] = []
        bases: list[float] = []
        ys: list[str] = []
        texts: list[str] = []
        for tech, stops in plan.routes().items():
            for s in stops:
                if kind == "travel" and s.travel_s:
                    a = s.arrival.timestamp() - s.travel_s
                    xs.append(s.travel_s * 1000)
                    bases.append(a * 1000)
                    ys.append(tech)
                    texts.append(f"travel to {s.location_id}")
                elif kind != "travel" and _bar_kind(s, moved) == kind:
                    xs.append(max((s.end - s.start).total_seconds(), 60) * 1000)
                    bases.append(s.start.timestamp() * 1000)
                    ys.append(tech)
                    texts.append(
                        f"{s.kind} {s.job_id or s.location_id} {s.start:%H:%M}-{s.end:%H:%M}"
                    )
        if xs:
            fig.add_bar(
                x=xs,
                base=bases,
                y=ys,
                orientation="h",
                name=kind,
                hovertext=texts,
                marker_color=COLOURS[kind],
            )
    if now is not None:
        fig.add_vline(x=now.timestamp() * 1000, line_dash="dash", line_color="black")
    fig.update_layout(
        barmode="overlay",
        title=f"Technicians' day {plan.day}",
        xaxis_type="date",
        height=200 + 25 * len(plan.routes()),
    )
    return fig


def map_figure(plan: DispatchPlan, scenario: Scenario) -> Any:
    import plotly.graph_objects as go

    loc = scenario.locations.set_index("id")
    fig = go.Figure()
    for tech, stops in plan.routes().items():
        ids = [s.location_id for s in stops if s.location_id in loc.index]
        fig.add_scattermap(
            lat=loc.loc[ids, "lat"],
            lon=loc.loc[ids, "lon"],
            mode="lines+markers",
            name=tech,
            text=[s.job_id or s.kind for s in stops if s.location_id in loc.index],
        )
    fig.update_layout(
        map_style="open-street-map",
        map_zoom=8,
        map_center={"lat": float(loc["lat"].mean()), "lon": float(loc["lon"].mean())},
        height=600,
        title="Routes",
    )
    return fig


def write_report(plan: DispatchPlan, path: Path, scenario: Scenario | None = None) -> Path:
    """Write the report to ``path`` and return it."""
    parts = [f"<h1>Dispatch plan {html.escape(plan.scenario)} — {plan.day}</h1>"]
    summary = plan.kpis.get("summary", {})
    rows = "".join(
        f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(str(v))}</td></tr>"
        for k, v in summary.items()
    )
    parts.append(f"<h2>KPIs</h2><table border=1>{rows}</table>")
    techs = plan.kpis.get("technicians", {})
    if techs:
        cols = list(next(iter(techs.values())))
        head = "".join(f"<th>{c}</th>" for c in ["technician", *cols])
        body = "".join(
            "<tr><td>" + t + "</td>" + "".join(f"<td>{v[c]}</td>" for c in cols) + "</tr>"
            for t, v in techs.items()
        )
        parts.append(f"<h2>Technicians</h2><table border=1><tr>{head}</tr>{body}</table>")
    parts.append(gantt_figure(plan).to_html(full_html=False, include_plotlyjs="cdn"))
    if scenario is not None:
        parts.append(map_figure(plan, scenario).to_html(full_html=False, include_plotlyjs=False))
    un = "".join(
        f"<tr><td>{j}</td><td>{html.escape(r.text)}</td></tr>"
        for j, r in sorted(plan.unassigned.items())
    )
    parts.append(f"<h2>Unassigned ({len(plan.unassigned)})</h2><table border=1>{un}</table>")
    return write_text_atomic(
        path,
        "<html><head><meta charset='utf-8'></head><body>" + "\n".join(parts) + "</body></html>",
        "--report",
    )
