"""Pipeline: one role's candidates as a board and as a filterable table, with conversion,
time in stage, CSV export and bulk stage moves."""

from datetime import UTC, datetime

import plotly.graph_objects as go
import streamlit as st

from core.permissions import Permission
from core.services import candidates
from pages._components import require, stage_move_form, table, uow

actor = require(Permission.VIEW_CANDIDATES)
now = datetime.now(UTC)
st.title("Pipeline")
if not actor.can(Permission.VIEW_ALL_CANDIDATES):
    st.caption("You see the candidates you interview.")
roles = candidates.list_candidates(uow(), actor, limit=1).roles
if not roles:
    st.info("No roles yet.")
    st.stop()
role_id = st.selectbox("Role", list(roles), format_func=roles.get)
board = candidates.pipeline_board(uow(), actor, role_id, now)

columns = st.columns(len(candidates.STAGES))
for column, stage in zip(columns, candidates.STAGES, strict=True):
    cards = board.columns[stage]
    column.markdown(f"**{stage.capitalize()}** · {len(cards)}")
    for card in cards[:30]:
        # Names are applicant text: shown as plain text, never as markup.
        column.text(f"{card.full_name or 'Unnamed'}\n{card.days_in_stage} d in stage")
    if len(cards) > 30:
        column.caption(f"and {len(cards) - 30} more")

steps = [
    ("screening", "applied"),
    ("interview", "screening"),
    ("offer", "interview"),
    ("hired", "offer"),
]
st.subheader("Conversion")
cols = st.columns(len(steps))
for col, (stage, previous) in zip(cols, steps, strict=True):
    rate = board.conversion(stage, previous)
    col.metric(f"{previous} → {stage}", "—" if rate is None else f"{100 * rate:.0f}%")
st.caption(
    "Conversion counts how far each candidate got, including those later rejected "
    "where the rejection was recorded with its stage."
)

st.subheader("Time in stage")
medians = board.median_days_in_stage()
if medians:
    chart = go.Figure(
        go.Bar(
            x=[s.capitalize() for s in medians],
            y=list(medians.values()),
            marker_color="#4F46E5",
            text=[f"{d:g} d" for d in medians.values()],
            textposition="auto",
        )
    )
    chart.update_layout(
        height=240, margin={"l": 10, "r": 10, "t": 10, "b": 10}, yaxis_title="Median days"
    )
    st.plotly_chart(chart, width="stretch")
    st.caption(
        "Median days in stage of the candidates now in each open stage; "
        "stages nobody is in are left out."
    )
else:
    st.info("No candidates in an open stage.")

st.subheader("Candidates")
f1, f2, f3 = st.columns([2, 2, 1])
stages = f1.multiselect("Stage", candidates.STAGES, placeholder="All stages")
sources = f2.multiselect(
    "Source", board.sources(), format_func=lambda s: s or "none", placeholder="All sources"
)
min_days = int(f3.number_input("At least days in stage", min_value=0, value=0, step=1))
rows = board.cards(stages=stages, sources=sources, min_days=min_days)
table(
    [
        {
            "Name": card.full_name or "Unnamed",
            "Stage": card.status,
            "Source": card.source or "none",
            # A text column, so unscored candidates read as such and never as a number.
            "Fit": "not scored yet" if card.fit_score is None else str(card.fit_score),
            "Applied": card.applied_at.date(),
            "Days in stage": card.days_in_stage,
        }
        for card in rows
    ],
    empty="No candidates match these filters.",
)
if rows:
    st.caption(f"{len(rows)} candidate{'' if len(rows) == 1 else 's'} · click a header to sort")
    st.download_button(
        "Export CSV",
        lambda: candidates.export_pipeline_csv(
            uow(), actor, role_id, now, stages=stages, sources=sources, min_days=min_days
        ),
        file_name="pipeline.csv",
        mime="text/csv",
    )
stage_move_form(actor, {c.id: f"{c.full_name or 'Unnamed'} ({c.status})" for c in rows}, "pipeline")
