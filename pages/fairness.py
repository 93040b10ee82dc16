"""Fairness: selection rates and impact ratios by self-identified group, at every pipeline
stage and for the fit score, over a chosen period; a dated CSV and a printable summary."""

from datetime import UTC, datetime, timedelta

import streamlit as st

from core.permissions import Permission
from core.services import fairness
from core.services.errors import PeopleOSError
from pages._components import escape_markdown, require, uow
from pages._fairness_view import RULES, impact_tables

actor = require(Permission.VIEW_FAIRNESS)
st.title("Fairness")
now = datetime.now(UTC)
today = now.date()
period = st.date_input(
    "Candidates who applied between",
    value=(today - timedelta(days=365), today),
    max_value=today,
    key="fairness_period",
)
if not isinstance(period, tuple) or len(period) != 2:
    st.info("Pick the first and the last day of the period.")
    st.stop()
try:
    report = fairness.bias_audit(uow(), actor, period[0], period[1], now)
except PeopleOSError as exc:
    st.error(escape_markdown(str(exc)))
    st.stop()

flagged = [(t, r) for t in report.tables for r in t.flagged]
c1, c2 = st.columns(2)
c1.metric("Self-identified candidates", report.self_identified)
c2.metric("Ratios below 0.8", len(flagged))
st.caption(RULES)
st.caption(
    "The fit-score rate is the share scoring above the median of their role's candidates "
    "in the period. Self-identification is only counted here: it never reaches a model, a "
    "score or a reviewer. With few people per group a ratio moves a lot per person: read "
    "the counts."
)
if not report.self_identified:
    st.info("Nobody who applied in this period answered the self-identification form.")
    st.stop()

attribute = st.radio(
    "Groups by", list(dict.fromkeys(t.attribute for t in report.tables)), horizontal=True
)
impact_tables([t for t in report.tables if t.attribute == attribute], key="fairness")

d1, d2 = st.columns(2)
d1.download_button(
    "Audit report (CSV)",
    fairness.report_csv(report),
    file_name=fairness.report_filename(report, "csv"),
    mime="text/csv",
)
d2.download_button(
    "Printable summary (HTML)",
    fairness.report_html(report),
    file_name=fairness.report_filename(report, "html"),
    mime="text/html",
)
