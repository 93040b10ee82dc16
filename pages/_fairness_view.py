"""Impact tables and charts shared by the Fairness page and the model card."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from core.services.fairness import AuditTable, flag_text
from ml.fairness import FLAG_BELOW, FLAG_TOO_SMALL, FOUR_FIFTHS
from pages._components import escape_markdown, table

SMALL_REFERENCE = 10  # a reference group smaller than this is said to make ratios uncertain
RULES = (
    "Selection rate: the share of a group selected at that step (counted only when the "
    "decision is made). Impact ratio: that rate divided by the highest rate of a group "
    "holding at least 2 % of the people counted. Ratios below 0.8 are flagged (the "
    "four-fifths rule); groups under 2 % are too small to judge. Groups come only from the "
    "voluntary self-identification form; 'Prefer not to say' is left out."
)


def impact_chart(t: AuditTable) -> go.Figure:
    """Bars of each group's impact ratio, the 0.8 line, flagged bars in red."""
    rows = [r for r in t.rows if r.impact_ratio is not None]
    colours = {FLAG_BELOW: "#d0453a", FLAG_TOO_SMALL: "#c5cbd3"}
    figure = go.Figure(
        go.Bar(
            x=[r.group for r in rows],
            y=[r.impact_ratio for r in rows],
            marker_color=[colours.get(r.flag, "#2f6fde") for r in rows],
            customdata=[[r.n, r.selected, flag_text(r.flag)] for r in rows],
            hovertemplate="%{x}: %{y:.2f} (%{customdata[1]} of %{customdata[0]}) "
            "%{customdata[2]}<extra></extra>",
        )
    )
    figure.add_hline(y=FOUR_FIFTHS, line_dash="dash", annotation_text="0.8")
    figure.update_layout(
        title=f"{t.analysis} — {t.attribute}",
        yaxis_title="Impact ratio",
        height=320,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
    )
    return figure


def impact_tables(tables: Sequence[AuditTable], key: str) -> None:
    """Each table with its chart (or the reason it is empty)."""
    for i, t in enumerate(tables):
        st.markdown(f"**{t.analysis} — {t.attribute}**")
        if not t.rows:
            st.text(t.note or "No figures.")
            continue
        table(
            [
                {
                    "Group": r.group,
                    "n": r.n,
                    "Selected": r.selected,
                    "Selection rate": f"{r.selection_rate:.1%}",
                    "Impact ratio": None if r.impact_ratio is None else round(r.impact_ratio, 2),
                    "Flag": flag_text(r.flag),
                }
                for r in t.rows
            ],
            empty="No figures.",
        )
        reference = _reference(t)
        if reference is not None:
            few = reference.n < SMALL_REFERENCE
            st.caption(
                escape_markdown(
                    f"Ratios compare with {reference.group}: {reference.selected} of "
                    f"{reference.n} selected."
                    + (
                        f" A reference group under {SMALL_REFERENCE} people makes every "
                        "ratio here uncertain."
                        if few
                        else ""
                    )
                )
            )
        st.plotly_chart(impact_chart(t), key=f"{key}_{i}")


def _reference(t: AuditTable) -> Any:
    """The group the ratios divide by: the highest rate among the groups judged."""
    judged = [r for r in t.rows if r.impact_ratio is not None and r.flag != FLAG_TOO_SMALL]
    return max(judged, key=lambda r: r.selection_rate, default=None)
