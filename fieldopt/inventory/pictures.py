"""Plotly pictures of inventory results (HTML loads plotly.js from its CDN: small files)."""

from __future__ import annotations

from typing import Any

import pandas as pd


def frontier_figure(
    curves: dict[str, pd.DataFrame],
    marks: dict[str, dict[str, float]] | None = None,
    title: str = "Stocking frontier",
) -> Any:
    """Waiting time for parts and fill rate against holding cost per year, one line per curve;
    ``marks`` are labelled points (current stock, recommended plan)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("Expected waiting time for parts", "Fill rate"),
        horizontal_spacing=0.1,
    )
    for name, frame in curves.items():
        fig.add_trace(
            go.Scatter(
                x=frame["holding_cost_per_year"],
                y=frame["waiting_days"],
                mode="lines",
                name=f"{name}: waiting",
                legendgroup=name,
                hovertemplate="holding %{x:,.0f}/yr<br>waiting %{y:.2f} days<extra>"
                + name
                + "</extra>",
            ),
            row=1,
            col=1,
        )
        sampled = frame.dropna(subset=["fill_rate"])
        shipped = sampled.get("emergency_cost_per_year", pd.Series(0.0, index=sampled.index))
        fig.add_trace(
            go.Scatter(
                x=sampled["holding_cost_per_year"],
                y=sampled["fill_rate"],
                customdata=shipped.fillna(0.0).to_numpy()[:, None],
                mode="lines+markers",
                name=f"{name}: fill rate",
                legendgroup=name,
                marker={"size": 4},
                hovertemplate="holding %{x:,.0f}/yr<br>fill rate %{y:.3f}<br>emergency "
                "shipments %{customdata[0]:,.0f}/yr<extra>" + name + "</extra>",
            ),
            row=1,
            col=2,
        )
    for label, point in (marks or {}).items():
        for col, key in ((1, "waiting_days"), (2, "fill_rate")):
            fig.add_trace(
                go.Scatter(
                    x=[point["holding_cost_per_year"]],
                    y=[point[key]],
                    mode="markers+text",
                    text=[label],
                    textposition="top right",
                    marker={"size": 12, "symbol": "star" if "current" in label else "diamond"},
                    name=label,
                    showlegend=col == 1,
                ),
                row=1,
                col=col,
            )
    fig.update_xaxes(title_text="holding cost per year")
    fig.update_yaxes(title_text="days per demand", row=1, col=1)
    fig.update_yaxes(title_text="share of demands served from stock", row=1, col=2)
    fig.update_layout(title=title, template="plotly_white", height=520)
    return fig


def table_figure(frame: pd.DataFrame, title: str) -> Any:
    """A plain table (transfers, stock levels)."""
    import plotly.graph_objects as go

    cells = [
        frame[c].map(lambda v: f"{v:,.2f}" if isinstance(v, float) else v) for c in frame.columns
    ]
    fig = go.Figure(
        go.Table(
            header={"values": list(frame.columns), "align": "left"},
            cells={"values": cells, "align": "left"},
        )
    )
    fig.update_layout(title=title, template="plotly_white", height=min(120 + 28 * len(frame), 900))
    return fig


def forecast_figure(rates: pd.DataFrame) -> Any:
    """Demand per year by location and the method chosen for each series."""
    import plotly.express as px

    counts = rates.groupby(["location_id", "method"]).size().reset_index(name="series")
    return px.bar(
        counts,
        x="location_id",
        y="series",
        color="method",
        title="Forecast method chosen by backtest, per location",
        template="plotly_white",
    )
