"""Analytics: the hiring funnel, time in stage, sources, offers, model accuracy, expected
hires and the DNA's recommendations, for the candidates who applied in chosen dates."""

from datetime import UTC, datetime, timedelta

import streamlit as st

from core.permissions import Permission
from core.services import analytics
from core.services.errors import NotFoundError, ValidationError
from pages._analytics_view import accuracy_chart, funnel_chart, section, stage_time_chart
from pages._components import escape_markdown, require, uow

actor = require(Permission.VIEW_OVERVIEW)
st.title("Analytics")
today = datetime.now(UTC).date()
filters = st.columns(2)
dates = filters[0].date_input(
    "Applied between", value=(today - timedelta(days=730), today), key="analytics_dates"
)
since, until = (dates[0], dates[-1]) if dates else (None, None)
try:
    report = analytics.analytics_report(
        uow(), actor, today, since, until, st.session_state.get("analytics_role")
    )
except (NotFoundError, ValidationError) as exc:
    st.error(escape_markdown(str(exc)))
    st.stop()
filters[1].selectbox(
    "Role",
    [None, *report.roles],
    format_func=lambda r: "All roles" if r is None else report.roles[r],
    key="analytics_role",
)
tables = analytics.analytics_tables(report)
st.caption(
    f"{report.applications} candidates applied in these dates; every figure follows them. "
    f"Below {analytics.FEW_CASES} cases a share shows its count."
)

st.subheader("Funnel")
if report.applications:
    st.plotly_chart(funnel_chart(report), width="stretch")
section("funnel", tables["funnel"], "Nobody applied in these dates.")
st.markdown("**By source**")
section("funnel_by_source", tables["funnel_by_source"], "Nobody applied in these dates.")

st.subheader("Time in stage")
st.caption("Completed stays only (the candidate moved on), from the recorded stage moves.")
if any(d.cases for d in report.stage_durations):
    st.plotly_chart(stage_time_chart(report), width="stretch")
section("time_in_stage", tables["time_in_stage"], "No stage moves yet.")

st.subheader("Source of hire and later success")
section("source_of_hire", tables["source_of_hire"], "No hires from these applicants.")
st.subheader("Offer acceptance")
section("offer_acceptance", tables["offer_acceptance"], "No offers to these applicants.")

st.subheader("Prediction accuracy over time")
st.caption(
    "Mean absolute error of the predictions against their recorded outcomes, by month of the "
    "outcome (a person scored several times by one model version counts once, by the latest "
    "score; the Models page has AUC and Brier score too)."
)
if report.accuracy:
    st.plotly_chart(accuracy_chart(report), width="stretch")
section("prediction_accuracy", tables["prediction_accuracy"], "No outcomes in these dates.")

st.subheader("Expected hires per open role")
st.caption(
    "Candidates now in each stage × the share of past candidates (every role, applied in "
    "these dates, hired or rejected) who were hired from that stage."
)
section("expected_hires", tables["expected_hires"], "No open roles.")
section("hire_rates", tables["hire_rates"], "No decided candidates in these dates.")

st.subheader("Company DNA recommendations")
st.caption(
    "Recommendations carry no status of their own: it is read from today's team, roles and runway."
)
section("dna_recommendations", tables["dna_recommendations"], "No recommendations.")
