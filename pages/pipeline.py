"""Pipeline: one role's candidates as a board and as a filterable table, with conversion,
time in stage, CSV export and bulk stage moves. Click a row to open the profile."""

from datetime import UTC, datetime

import plotly.graph_objects as go
import streamlit as st

from core.permissions import Permission
from core.services import candidates, pipeline
from core.services.errors import PeopleOSError
from pages._components import (
    candidate_list,
    escape_markdown,
    require,
    sort_options,
    stage_move_form,
    uow,
)

PAGE_SIZE = 50
CARDS = 30

actor = require(Permission.VIEW_CANDIDATES)
now = datetime.now(UTC)
st.title("Pipeline")
if not actor.can(Permission.VIEW_ALL_CANDIDATES):
    st.caption("You see the candidates you interview.")
roles = candidates.list_roles(uow(), actor)
if not roles:
    st.info("No roles yet.")
    st.stop()
role_id = st.selectbox("Role", list(roles), format_func=roles.get)
summary = pipeline.pipeline_summary(uow(), actor, role_id, now, card_limit=CARDS)

columns = st.columns(len(candidates.STAGES))
for column, stage in zip(columns, candidates.STAGES, strict=True):
    count = summary.counts[stage]
    column.markdown(f"**{stage.capitalize()}** · {count}")
    for card in summary.longest.get(stage, []):
        # Names are applicant text: shown as plain text, never as markup.
        column.text(f"{card.full_name or 'Unnamed'}\n{card.days_in_stage} d in stage")
    if count > CARDS:
        column.caption(f"and {count - CARDS} more")

st.subheader("Conversion")
cols = st.columns(len(summary.conversions))
for col, step in zip(cols, summary.conversions, strict=True):
    col.metric(f"{step.previous} → {step.stage}", step.label())
    col.caption(f"of {step.base} who reached {step.previous}")
st.caption(
    "Conversion counts how far each candidate got, including those later rejected "
    "where the rejection was recorded with its stage. Below "
    f"{pipeline.MIN_RATE_BASE} candidates it shows the counts, not a percentage."
)

st.subheader("Time in stage")
if summary.stage_times:
    chart = go.Figure(
        go.Bar(
            x=[t.stage.capitalize() for t in summary.stage_times],
            y=[t.median_days for t in summary.stage_times],
            marker_color="#4F46E5",
            text=[f"{t.median_days:g} d · {t.candidates} people" for t in summary.stage_times],
            textposition="auto",
        )
    )
    chart.update_layout(
        height=260, margin={"l": 10, "r": 10, "t": 10, "b": 10}, yaxis_title="Median days"
    )
    st.plotly_chart(chart, width="stretch")
    st.caption(
        "Median days since the stage move that put each candidate now in an open stage "
        "there (from recorded stage events); stages nobody is in are left out."
    )
else:
    st.info("No candidates in an open stage.")

st.subheader("Candidates")
f1, f2, f3, f4 = st.columns([2, 2, 1, 2])
stages = f1.multiselect("Stage", candidates.STAGES, placeholder="All stages")
sources = f2.multiselect(
    "Source", summary.sources, format_func=lambda s: s or "none", placeholder="All sources"
)
min_days = int(f3.number_input("At least days in stage", min_value=0, value=0, step=1))
sorts = sort_options(actor)
sort = f4.selectbox(
    "Sort", sorts, index=sorts.index("days_in_stage"), format_func=candidates.SORT_LABELS.get
)
query = pipeline.PipelineQuery(tuple(stages), tuple(sources), min_days, sort)
page_no = st.session_state.get("pipeline_page", 1)
try:
    result = pipeline.pipeline_page(
        uow(), actor, role_id, now, query, limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE
    )
except PeopleOSError as exc:
    st.error(escape_markdown(str(exc)))
    st.stop()
right = candidate_list(
    result, now, key="pipeline", page_no=page_no, page_size=PAGE_SIZE, sort=sort, contact=False
)
if result.total and actor.can(Permission.EXPORT_CANDIDATES):
    right.download_button(
        "Export CSV",
        lambda: pipeline.export_pipeline_csv(uow(), actor, now, query, role_id=role_id),
        file_name="pipeline.csv",
        mime="text/csv",
    )
stage_move_form(
    actor, {r.id: f"{r.full_name or 'Unnamed'} ({r.status})" for r in result.rows}, "pipeline"
)
