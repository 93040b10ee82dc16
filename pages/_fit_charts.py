"""Plotly figures of a candidate's fit and of the models' quality.

Pure functions: plain dicts and numbers in, a plotly Figure out. No services, no Streamlit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

_BLUE = "#2f6fde"
_GREY = "#9aa3ad"
_GREEN = "#2e9e5b"
_RED = "#d0453a"
_LAYOUT: dict[str, Any] = {"margin": {"l": 10, "r": 10, "t": 40, "b": 10}, "height": 360}


def dimension_bars(dimensions: Sequence[Mapping[str, Any]]) -> go.Figure:
    """Horizontal bars of the dimension scores (0-100), in the given order, top to bottom.

    A dimension's ``points`` (what it moved the overall fit by), when given, show on hover.
    """
    names = [str(d["name"]) for d in dimensions]
    scores = [float(d["score"]) for d in dimensions]
    moved = [
        "" if d.get("points") is None else f" · moved the fit {float(d['points']):+.1f} points"
        for d in dimensions
    ]
    figure = go.Figure(
        go.Bar(
            x=scores,
            y=names,
            orientation="h",
            marker_color=_BLUE,
            text=[f"{s:.0f}" for s in scores],
            textposition="auto",
            customdata=moved,
            hovertemplate="%{y}: %{x:.0f} of 100%{customdata}<extra></extra>",
        )
    )
    figure.update_layout(
        title="Fit by dimension",
        xaxis={"range": [0, 100], "title": "score (0-100)"},
        yaxis={"autorange": "reversed"},
        **_LAYOUT,
    )
    return figure


def fit_waterfall(
    points: Mapping[str, float],
    names: Mapping[str, str],
    base: float,
    score: float,
    *,
    title: str = "Why this score",
    end_label: str = "This candidate",
) -> go.Figure:
    """A waterfall from the average candidate's score to this one, one bar per dimension.

    ``points`` are what each dimension added or took away, in score points, and add up
    from ``base`` to ``score`` (``fit_insight.FitStory``).
    """
    keys = [k for k in names if k in points] + [k for k in points if k not in names]
    labels = ["Average candidate", *(names.get(k, k) for k in keys), end_label]
    values = [base, *(points[k] for k in keys), score]
    figure = go.Figure(
        go.Waterfall(
            orientation="v",
            measure=["absolute", *(["relative"] * len(keys)), "total"],
            x=labels,
            y=values,
            text=[f"{base:.0f}", *(f"{points[k]:+.1f}" for k in keys), f"{score:.0f}"],
            textposition="outside",
            increasing={"marker": {"color": _GREEN}},
            decreasing={"marker": {"color": _RED}},
            totals={"marker": {"color": _BLUE}},
            connector={"line": {"color": _GREY, "width": 1}},
            hovertemplate="%{x}: %{text} points<extra></extra>",
        )
    )
    # Running totals can leave 0-100 on the way (the order of the bars is arbitrary).
    running = [base + sum(points[k] for k in keys[: i + 1]) for i in range(len(keys))]
    low, high = min(0.0, *running) - 5, max(100.0, *running) + 5
    figure.update_layout(
        title=title,
        yaxis={"title": "score points", "range": [low, high]},
        showlegend=False,
        **_LAYOUT,
    )
    return figure


def genome_radar(traits: Mapping[str, float], ideal: Mapping[str, float]) -> go.Figure:
    """The candidate's genome traits next to the role's ideal (both 0-100)."""
    keys = [k for k in traits if k in ideal] or list(traits)
    labels = [k.replace("_", " ").capitalize() for k in keys]
    figure = go.Figure()
    for name, values, color in (
        ("Role ideal", ideal, _GREY),
        ("Candidate", traits, _BLUE),
    ):
        r = [float(values.get(k, 0)) for k in keys]
        figure.add_trace(
            go.Scatterpolar(
                r=[*r, r[0]] if r else r,
                theta=[*labels, labels[0]] if labels else labels,
                name=name,
                fill="toself",
                line_color=color,
                opacity=0.6,
                hovertemplate="%{theta}: %{r:.0f}<extra>" + name + "</extra>",
            )
        )
    figure.update_layout(
        title="Candidate against the role's ideal profile",
        polar={"radialaxis": {"range": [0, 100]}},
        # Room for the axis labels at the bottom of the circle.
        **{**_LAYOUT, "margin": {"l": 60, "r": 60, "t": 50, "b": 50}, "height": 420},
    )
    return figure


def reliability_curve(success: Mapping[str, Any]) -> go.Figure:
    """Predicted vs observed success rate per bin, with the diagonal of perfect calibration."""
    predicted = [float(p) for p in success.get("predicted", [])]
    observed = [float(o) for o in success.get("observed", [])]
    counts = [int(c) for c in success.get("counts", [])]
    if len(counts) != len(predicted):
        counts = [1] * len(predicted)
    biggest = max(counts, default=1) or 1
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=[0, 1],
            y=[0, 1],
            mode="lines",
            name="Perfect calibration",
            line={"color": _GREY, "dash": "dash"},
            hoverinfo="skip",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=predicted,
            y=observed,
            mode="lines+markers",
            name="Success model",
            line_color=_BLUE,
            marker={"size": [8 + 22 * (c / biggest) ** 0.5 for c in counts]},
            customdata=counts,
            hovertemplate=(
                "predicted %{x:.0%} · observed %{y:.0%} · %{customdata:,} people<extra></extra>"
            ),
        )
    )
    figure.update_layout(
        title="Success model reliability (held-out)",
        xaxis={"range": [0, 1], "title": "predicted success", "tickformat": ".0%"},
        yaxis={"range": [0, 1], "title": "observed success", "tickformat": ".0%"},
        **_LAYOUT,
    )
    return figure
