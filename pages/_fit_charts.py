"""Plotly figures of a candidate's fit and of the models' quality.

Pure functions: plain dicts and numbers in, a plotly Figure out. No services, no Streamlit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

_BLUE = "#2f6fde"
_GREY = "#9aa3ad"
_GREEN = "#2e9e5b"
_RED = "#d0453a"
_LAYOUT: dict[str, Any] = {"margin": {"l": 10, "r": 10, "t": 40, "b": 10}, "height": 360}


def _score(logit: float) -> float:
    return 100.0 / (1.0 + math.exp(-logit))


def score_points(
    groups: Mapping[str, float], base_value: float, logit: float
) -> tuple[float, dict[str, float], float]:
    """SHAP values (logit units) rescaled to score points that add up exactly.

    Returns the base score (100 x sigmoid(base value)), each group's points and the final
    score (100 x sigmoid(logit)). Every group is scaled by the same factor, the secant slope
    of the sigmoid between the base value and the logit, so base + sum(points) == score.
    """
    base, score = _score(base_value), _score(logit)
    span = logit - base_value
    if abs(span) > 1e-9:
        factor = (score - base) / span
    else:  # no change: the slope of the sigmoid at the base value
        factor = base * (1 - base / 100.0)
    return base, {g: v * factor for g, v in groups.items()}, score


def dimension_bars(dimensions: Sequence[Mapping[str, Any]]) -> go.Figure:
    """Horizontal bars of the dimension scores (0-100), in the given order, top to bottom."""
    names = [str(d["name"]) for d in dimensions]
    scores = [float(d["score"]) for d in dimensions]
    figure = go.Figure(
        go.Bar(
            x=scores,
            y=names,
            orientation="h",
            marker_color=_BLUE,
            text=[f"{s:.0f}" for s in scores],
            textposition="auto",
            hovertemplate="%{y}: %{x:.0f} of 100<extra></extra>",
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
    groups: Mapping[str, float],
    names: Mapping[str, str],
    base_value: float,
    logit: float,
    *,
    title: str = "Why this score",
    end_label: str = "This candidate",
) -> go.Figure:
    """A waterfall from the model's base score to the candidate's score, one bar per group."""
    base, points, score = score_points(groups, base_value, logit)
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
            customdata=[
                "model's base score",
                *(f"{groups[k]:+.3f} logit" for k in keys),
                f"logit {logit:.3f}",
            ],
            hovertemplate="%{x}: %{text} points (%{customdata})<extra></extra>",
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
