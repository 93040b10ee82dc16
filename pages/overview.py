"""Overview: a company's hiring pipeline at a glance."""

from datetime import UTC, datetime

import plotly.graph_objects as go
import streamlit as st

from core.permissions import Permission
from core.services import analytics
from core.services.errors import NotFoundError
from pages._components import STAGE_LABELS, escape_markdown, require, table, uow

actor = require(Permission.VIEW_OVERVIEW)
st.title("Overview")
try:
    overview = analytics.get_overview(uow(), actor, datetime.now(UTC))
except NotFoundError as exc:
    st.error(escape_markdown(str(exc)))
    st.stop()

company = overview.company
st.caption(
    f"{escape_markdown(company.name)} · {STAGE_LABELS.get(company.stage, company.stage)} · "
    f"team of {company.team_size or '?'} · runway {company.runway_months or '?'} months"
)
cols = st.columns(4)
cols[0].metric("Open roles", len(overview.open_roles))
cols[1].metric("Active pipeline", overview.active_pipeline)
cols[2].metric("Hires", len(overview.recent_hires))
median = overview.median_days_to_hire
cols[3].metric("Median days to hire", "—" if median is None else f"{median:.0f}")

st.subheader("Pipeline by stage")
stages = list(overview.stage_counts)
colors = {"hired": "#16A34A", "rejected": "#9CA3AF"}
chart = go.Figure(
    go.Bar(
        x=[overview.stage_counts[s] for s in stages],
        y=[s.capitalize() for s in stages],
        orientation="h",
        marker_color=[colors.get(s, "#4F46E5") for s in stages],
        text=[overview.stage_counts[s] for s in stages],
        textposition="auto",
    )
)
chart.update_layout(
    height=300,
    margin={"l": 10, "r": 10, "t": 10, "b": 10},
    yaxis={"autorange": "reversed"},
    xaxis_title="Candidates currently in the stage",
)
st.plotly_chart(chart, width="stretch")
st.caption(f"{overview.total_candidates} candidates in total across every role.")

# One table per row: side by side they were too narrow for their headers.
st.subheader("Open roles")
table(
    [
        {
            "Role": r.title,
            "Department": r.department,
            "Priority": r.priority,
            "Active candidates": r.active_candidates,
            "Days open": r.days_open,
        }
        for r in overview.open_roles
    ],
    empty="No open roles.",
)
st.subheader("Recent hires")
table(
    [
        {
            "Name": h.candidate_name,
            "Role": h.role_title,
            "Start date": h.start_date,
            "Days to hire": h.days_to_hire,
            "Outcome": h.outcome or "too early",
        }
        for h in overview.recent_hires[:10]
    ],
    empty="No hires yet.",
)
