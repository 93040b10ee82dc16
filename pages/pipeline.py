"""Pipeline: one role's candidates as a board by stage, with conversion between stages."""

from datetime import UTC, datetime

import streamlit as st

from core.permissions import Permission
from core.services import candidates
from pages._components import require, uow

actor = require(Permission.VIEW_CANDIDATES)
st.title("Pipeline")
roles = candidates.list_candidates(uow(), actor, limit=1).roles
if not roles:
    st.info("No roles yet.")
    st.stop()
role_id = st.selectbox("Role", list(roles), format_func=roles.get)
board = candidates.pipeline_board(uow(), actor, role_id, datetime.now(UTC))

stages = ("applied", "screening", "interview", "offer", "hired", "rejected")
columns = st.columns(len(stages))
for column, stage in zip(columns, stages, strict=True):
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
