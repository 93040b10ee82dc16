"""Retention: each employee's risk of leaving within 180 days, its drivers and a suggested
action per driver, a team heat map, and how accurate the model measured."""

from datetime import UTC, datetime

import pandas as pd
import plotly.express as px
import streamlit as st

from core.permissions import Permission
from core.services import retention
from core.services.errors import PeopleOSError
from pages._components import escape_markdown, require, table, uow

actor = require(Permission.VIEW_RETENTION)
st.title("Retention")
now = datetime.now(UTC)
if st.button("Score now", help="The worker rescores every night; this scores everyone now."):
    with st.spinner("Scoring every active employee…"):
        report = retention.score_company(uow(), actor, now)
    st.success(f"Scored {report.scored} employee(s) with {report.model_version}.")
try:
    view = retention.risk_list(uow(), actor, now)
except PeopleOSError as exc:
    st.error(escape_markdown(str(exc)))
    st.stop()
if not view.active_employees:
    st.info("No active employees yet: a StartupOS sync or a hire adds them.")
    st.stop()
if not view.rows:
    st.info("No retention scores yet: the worker scores every night, or press Score now.")
    st.stop()

teams = sorted({r.team or "No team" for r in view.rows})
c1, c2 = st.columns(2)
picked_teams = c1.multiselect("Team", teams)
picked_bands = c2.multiselect("Risk band", ["High", "Medium", "Low"])
rows = [
    r
    for r in view.rows
    if (not picked_teams or (r.team or "No team") in picked_teams)
    and (not picked_bands or r.band in picked_bands)
]
frame = pd.DataFrame(
    [
        {
            "Name": r.name,
            "Team": r.team,
            "Title": r.title,
            "Tenure (years)": None if r.tenure_years is None else round(r.tenure_years, 1),
            "Risk %": round(100 * r.probability),
            "Band": r.band,
            "Top drivers": " · ".join(d["category"] for d in r.drivers) or "—",
            "Suggested actions": " ".join(d["action"] for d in r.drivers) or "—",
        }
        for r in rows
    ]
)
st.caption(
    f"{len(rows)} of {view.active_employees} active employees · probability of leaving within "
    "180 days · drivers are the categories that raise the risk most (SHAP, log-odds)."
)
table(frame.to_dict("records"), empty="No employee matches these filters.")
st.download_button("Download CSV", frame.to_csv(index=False), "retention_risk.csv", "text/csv")

st.subheader("One person's risk")
picked = st.selectbox(
    "Employee",
    rows,
    format_func=lambda r: f"{r.name} · {r.team or 'No team'} · {round(100 * r.probability)}%",
)
if picked is not None:
    moves = pd.DataFrame(
        [
            {"Driver": c, "Effect": v, "Direction": "raises risk" if v > 0 else "lowers risk"}
            for c, v in sorted(picked.contributions.items(), key=lambda cv: cv[1])
        ]
    )
    left, right = st.columns([3, 2])
    if len(moves):
        bars = px.bar(
            moves,
            x="Effect",
            y="Driver",
            color="Direction",
            orientation="h",
            color_discrete_map={"raises risk": "#d62728", "lowers risk": "#1f77b4"},
        )
        bars.update_layout(
            height=300, margin={"t": 10}, xaxis_title="Effect on the risk (SHAP, log-odds)"
        )
        left.plotly_chart(bars, width="stretch")
    right.markdown("**Suggested actions**")
    if picked.drivers:
        for d in picked.drivers:
            right.text(f"{d['category']}: {d['action']}")
    else:
        right.text("Nothing raises this person's risk above the baseline.")
    with st.expander("What the score was computed from"):
        table(
            [{"Input": k.replace("_", " "), "Value": v} for k, v in picked.values.items()],
            empty="No inputs stored.",
        )

if view.team_drivers:
    st.subheader("What moves each team's risk")
    st.caption(
        "Mean effect of each driver on the team's members (SHAP, log-odds): red raises the "
        "risk, blue lowers it. Hover for how many people a cell rests on."
    )
    heat = pd.DataFrame(view.team_drivers)
    effect = heat.pivot_table(index="team", columns="category", values="mean_log_odds")
    people = heat.pivot_table(index="team", columns="category", values="people")
    bound = float(abs(effect.to_numpy()).max()) or 1.0
    chart = px.imshow(
        effect,
        color_continuous_scale="RdBu_r",
        zmin=-bound,
        zmax=bound,
        aspect="auto",
        text_auto=".2f",
    )
    chart.update_traces(
        customdata=people.to_numpy(),
        hovertemplate="%{y} · %{x}: %{z:.2f} (%{customdata} people)<extra></extra>",
    )
    chart.update_layout(height=140 + 34 * len(effect), margin={"t": 10})
    st.plotly_chart(chart, width="stretch")
    bands = pd.DataFrame(view.heatmap).pivot_table(
        index="team", columns="band", values="people", fill_value=0
    )
    bands = bands.reindex(columns=[b for b in ("High", "Medium", "Low") if b in bands.columns])
    st.caption("People per risk band")
    st.dataframe(bands, width="stretch")

st.subheader("How accurate the model is")
test = (view.validation or {}).get("test") or {}
scope = "your company's own model" if view.model_scope == "company" else "the synthetic prior"
st.text(f"Model {view.model_version}: {scope}, trained on {view.trained_on}.")
if view.challenger_version:
    st.text(
        f"Under A/B test: challenger {view.challenger_version} scores "
        f"{round(100 * view.challenger_share)}% of employees until each arm has enough outcomes."
    )
if view.model_scope == "prior":
    st.text(
        f"Your company has {view.leavers} leaver(s) with a complete 180-day horizon; its own "
        f"model needs {view.min_own_leavers}."
    )
m1, m2, m3 = st.columns(3)
m1.metric("AUC on later months", "—" if test.get("auc") is None else f"{test['auc']:.3f}")
m2.metric("Brier score", "—" if test.get("brier") is None else f"{test['brier']:.3f}")
m3.metric("Leavers it rests on", test.get("leavers", "—"))
st.caption(
    f"Time-based validation: fitted on earlier snapshot months, measured on {test.get('rows', 0)} "
    f"later snapshots ({test.get('from')} to {test.get('to')})."
)
if view.history and view.history.get("rows"):
    h = view.history
    auc = "—" if h["auc"] is None else f"{h['auc']:.3f}"
    st.text(
        f"On your company's own past months: AUC {auc}, Brier {h['brier']:.3f}, from "
        f"{h['rows']} monthly snapshots of {h['people']} people, {h['leavers']} of whom left."
    )
live = view.live
if live is None:
    st.text("No recorded outcomes yet: a score's outcome is known at a leave or after 180 days.")
else:
    auc = "—" if live["auc"] is None else f"{live['auc']:.3f}"
    st.text(
        f"From recorded outcomes: AUC {auc}, Brier {live['brier']:.3f}, on "
        f"{live['predictions']} scores ({live['left']} followed by a leave)."
    )
