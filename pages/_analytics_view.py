"""Charts and table sections of the Analytics page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.services.analytics import FEW_CASES, AnalyticsReport
from pages._components import table

_MARGIN = {"l": 10, "r": 10, "t": 10, "b": 10}


def section(name: str, rows: Sequence[Mapping[str, object]], empty: str) -> None:
    """A table and, when it has rows, its CSV download."""
    table(rows, empty=empty)
    if rows:
        st.download_button(
            "Download CSV",
            pd.DataFrame(rows).to_csv(index=False),
            file_name=f"analytics-{name}.csv",
            mime="text/csv",
            key=f"csv_{name}",
        )


def funnel_chart(report: AnalyticsReport) -> go.Figure:
    """How many of the cohort reached each stage."""
    figure = go.Figure(
        go.Funnel(
            y=[s.stage.capitalize() for s in report.funnel],
            x=[s.reached for s in report.funnel],
            textinfo="value",
        )
    )
    figure.update_layout(height=300, margin=_MARGIN)
    return figure


def stage_time_chart(report: AnalyticsReport) -> go.Figure:
    """Each completed stay in a stage, in days, as a box per stage (points when few)."""
    figure = go.Figure()
    for d in report.stage_durations:
        if d.days:
            figure.add_trace(
                go.Box(
                    y=d.days,
                    name=f"{d.stage.capitalize()} (n={d.cases})",
                    boxpoints="all" if d.cases < FEW_CASES else "outliers",
                )
            )
    figure.update_layout(
        height=320, margin=_MARGIN, showlegend=False, yaxis_title="Days in the stage"
    )
    return figure


def accuracy_chart(report: AnalyticsReport) -> go.Figure:
    """Mean absolute error per month, one line per model version."""
    figure = go.Figure()
    versions = sorted({p.model_version for p in report.accuracy})
    for version in versions:
        points = [p for p in report.accuracy if p.model_version == version]
        figure.add_trace(
            go.Scatter(
                x=[p.month for p in points],
                y=[p.mean_absolute_error for p in points],
                mode="lines+markers",
                name=version,
                customdata=[p.cases for p in points],
                hovertemplate="%{x}: MAE %{y:.3f} from %{customdata} outcomes<extra></extra>",
            )
        )
    figure.update_layout(height=300, margin=_MARGIN, yaxis_title="Mean absolute error")
    return figure
