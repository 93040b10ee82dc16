"""Culture pulse: trends, participation, eNPS, the gap between the DNA's culture and the
one people report, and comments; only figures of groups large enough (see the service)."""

from datetime import UTC, datetime

import pandas as pd
import plotly.express as px
import streamlit as st

from core.config import get_settings
from core.permissions import Permission
from core.services import culture_pulse
from core.services.errors import PeopleOSError
from pages._components import escape_markdown, require, table, uow

actor = require(Permission.VIEW_CULTURE_PULSE)
settings = get_settings()
now = datetime.now(UTC)
st.title("Culture pulse")
every = settings.pulse_every_weeks
st.caption(
    (f"The worker opens a pulse every {every} weeks; " if every else "Pulses open by hand; ")
    + f"each stays open {culture_pulse.OPEN_FOR.days} days, with one reminder after "
    f"{culture_pulse.REMIND_AFTER.days}. Figures appear once a pulse closes, and only for "
    f"groups of at least {settings.pulse_min_group} answers (and never where two shown "
    "groups would differ by fewer); individual answers are never shown to anyone."
)
report = culture_pulse.culture_report(uow(), actor, now, settings.pulse_min_group)
is_open = any(r.is_open for r in report.rounds)
if actor.can(Permission.RUN_CULTURE_PULSE) and not is_open:
    if st.button("Open a pulse now", icon=":material/send:"):
        try:
            opened = culture_pulse.open_pulse(uow(), actor, now, base_url=settings.base_url)
        except PeopleOSError as exc:
            st.error(escape_markdown(str(exc)))
        else:
            st.success(
                f"Pulse open until {opened.closes_at:%Y-%m-%d}; {opened.asked} people asked "
                "by email."
            )
            st.rerun()
if not report.rounds:
    st.info("No pulse yet. Open one above, or wait for the worker to open the first.")
    st.stop()

rounds = {r.id: r for r in report.rounds}
for r in report.rounds:
    if r.is_open:
        asked = next(g.asked for g in report.groups if g.round_id == r.id and g.team == "All teams")
        st.info(
            f"A pulse is open until {r.closes_at:%Y-%m-%d} ({asked} people asked); its "
            "results appear when it closes."
        )

team = st.selectbox("Team", [culture_pulse.COMPANY, *report.teams])
mine = [g for g in report.groups if g.team == team and not rounds[g.round_id].is_open]
latest = next((g for g in reversed(mine) if g.shown), None)

c1, c2, c3 = st.columns(3)
if latest is None or latest.figures is None:
    c1.metric("Latest results", "not enough responses")
else:
    when = rounds[latest.round_id].opened_at
    c1.metric(
        f"Participation ({when:%Y-%m-%d})",
        f"{latest.answered} of {latest.asked}"
        + (f" ({100 * latest.answered / latest.asked:.0f}%)" if latest.asked else ""),
        help="Answers of the latest closed pulse with enough responses, of those asked.",
    )
    enps = latest.figures["enps"]
    c2.metric(
        "eNPS",
        "—" if enps is None else f"{enps:+.0f}",
        help="% promoters (9-10) minus % detractors (0-6), -100 to +100.",
    )
    align = [v["mean"] for k, v in latest.figures["questions"].items() if k.startswith("value:")]
    c3.metric(
        "Values lived (0-100)",
        "—" if not align else f"{sum(align) / len(align):.0f}",
        help="Mean agreement that each stated value describes how we actually work.",
    )

st.subheader("Trends")
questions = {q["key"]: q["text"] for r in report.rounds for q in r.questions}
key = st.selectbox(
    "Question", list(questions), format_func=lambda k: questions[k], key="trend_question"
)
shown_teams = [culture_pulse.COMPANY, *report.teams] if team == culture_pulse.COMPANY else [team]
points = [
    {
        "Pulse": rounds[g.round_id].opened_at.date(),
        "Group": g.team,
        "Score": (g.figures["enps"] if key == "enps" else g.figures["questions"][key]["mean"]),
        "Answers": g.answered,
    }
    for g in report.groups
    if g.team in shown_teams and g.figures is not None and key in g.figures["questions"]
]
if points:
    frame = pd.DataFrame(points)
    figure = px.line(
        frame, x="Pulse", y="Score", color="Group", markers=True, hover_data=["Answers"]
    )
    figure.update_layout(
        yaxis_title="eNPS (-100 to 100)" if key == "enps" else "Agreement (0-100)",
        height=360,
        margin={"t": 10},
    )
    st.plotly_chart(figure, use_container_width=True)
else:
    st.info("Not enough responses for this question in any closed pulse of this group.")

st.subheader("Every pulse")
table(
    [
        {
            "Pulse": f"{rounds[g.round_id].opened_at:%Y-%m-%d}",
            "Team": g.team,
            "Asked": g.asked,
            "Answered": "not enough responses" if g.answered is None else str(g.answered),
            "Participation": ""
            if g.answered is None or not g.asked
            else f"{100 * g.answered / g.asked:.0f}%",
            "eNPS": ""
            if g.figures is None or g.figures["enps"] is None
            else f"{g.figures['enps']:+.0f}",
        }
        for g in reversed(report.groups)
        if g.team in shown_teams and not rounds[g.round_id].is_open
    ],
    empty="No closed pulse yet.",
)
st.download_button(
    "Download CSV",
    pd.DataFrame(
        [
            r
            for r in culture_pulse.report_rows(report)
            if team == culture_pulse.COMPANY or r["team"] == team
        ]
    ).to_csv(index=False),
    file_name="culture_pulse.csv",
    mime="text/csv",
    icon=":material/download:",
)

st.subheader("The DNA's culture and the one people report")
if not report.has_dna:
    st.info("The company has no DNA profile yet; run a DNA scan on the Company DNA page.")
elif not report.gap:
    st.info("Not enough responses in a closed pulse to compare.")
else:
    st.caption(
        f"Pulse of {report.gap_round:%Y-%m-%d}, all teams. DNA score: how strongly the "
        "company's own words express the dimension (Company DNA page). Reported: % of "
        "answers that agree (4 or 5) that the stated values behind it describe how we "
        "actually work."
    )
    gap = pd.DataFrame(
        [
            {
                "Dimension": row["dimension"] or "Not a DNA dimension",
                "Source": source,
                "Score": row[col],
            }
            for row in report.gap
            for source, col in (("DNA", "dna_score"), ("Reported", "reported"))
            if row[col] is not None
        ]
    )
    bars = px.bar(gap, x="Score", y="Dimension", color="Source", barmode="group", orientation="h")
    bars.update_layout(height=80 + 60 * len(report.gap), margin={"t": 10}, xaxis_range=[0, 100])
    st.plotly_chart(bars, use_container_width=True)
    for row in report.gap:
        name = row["dimension"] or "Not a DNA dimension"
        gap_text = "" if row["gap"] is None else f" · gap {row['gap']:+.0f}"
        with st.expander(f"{name}{gap_text}"):
            st.text("Stated values asked: " + "; ".join(row["stated_values"]))
            for sentence in row["evidence"]:
                st.text(f"• {sentence}")

st.subheader("Comments")
if latest is None or not latest.comments:
    st.caption("No comments to show: none given, or not enough responses in this group.")
else:
    st.caption(
        f"Pulse of {rounds[latest.round_id].opened_at:%Y-%m-%d}, listed alphabetically; "
        "a team is named only where its group is large enough."
    )
    for text, comment_team in latest.comments:
        st.text(
            f"{text}" + (f"  ({comment_team})" if comment_team and team != comment_team else "")
        )
