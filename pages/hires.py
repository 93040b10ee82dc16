"""Hires: everyone hired, and their real outcome, which checks every prediction made
about them."""

from datetime import UTC, datetime

import streamlit as st

from core.permissions import Permission
from core.services import hires
from core.services.errors import PeopleOSError
from pages._components import escape_markdown, require, table, uow

OUTCOMES = {"success": "Success", "neutral": "Neutral", "failure": "Failure"}

actor = require(Permission.RECORD_OUTCOMES)
st.title("Hires")
rows = hires.list_hires(uow(), actor)
table(
    [
        {
            "Name": r.candidate_name,
            "Role": r.role_title,
            "Start": r.start_date,
            "Outcome": OUTCOMES.get(r.actual_outcome or "", "not recorded"),
            "Days retained": r.retention_days,
        }
        for r in rows
    ],
    empty="No hires yet. Hire a candidate from their profile once they hold an offer.",
)
if rows:
    st.subheader("Record an outcome")
    st.caption(
        "An outcome is checked against every fit and success prediction made about the "
        "person (one row each, with its error) and counts toward the company's own model "
        "(Models page)."
    )
    by_id = {r.hire_id: r for r in rows}
    with st.form("outcome"):
        hire_id = st.selectbox(
            "Hire",
            list(by_id),
            format_func=lambda h: f"{by_id[h].candidate_name} · {by_id[h].role_title or '—'}",
        )
        outcome = st.radio("Outcome", list(OUTCOMES), format_func=OUTCOMES.get, horizontal=True)
        left = st.checkbox("They have left")
        left_on = st.date_input("Leave date", value=None)
        reason = st.text_area("Reason (optional)", max_chars=hires.MAX_REASON)
        if st.form_submit_button("Record the outcome", type="primary"):
            try:
                view = hires.record_outcome(
                    uow(),
                    actor,
                    hire_id,
                    outcome,
                    datetime.now(UTC),
                    left_on=left_on if left else None,
                    reason=reason,
                )
            except PeopleOSError as exc:
                st.error(escape_markdown(str(exc)))
            else:
                error = "" if view.mean_error is None else f", mean error {view.mean_error:.2f}"
                st.success(f"Recorded. {view.predictions_checked} prediction(s) checked{error}.")
