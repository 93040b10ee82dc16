"""Onboarding: every hire's plan, progress, overdue checkpoints and alignment over time,
and the manager's side of each checkpoint."""

from datetime import UTC, datetime

import plotly.express as px
import streamlit as st

from core.permissions import Permission
from core.services import onboarding
from pages._components import require, table, uow
from pages._onboarding_view import checkpoint_form, checkpoint_table

STATUS = {
    "pending": "Not started",
    "in_progress": "In progress",
    "at_risk": "At risk",
    "completed": "Completed",
    "cancelled": "Cancelled",
}

actor = require(Permission.MANAGE_ONBOARDING)
st.title("Onboarding")
plans = onboarding.list_plans(uow(), actor)
if not plans:
    st.info("No onboarding plans yet: hiring a candidate creates one.")
    st.stop()
today = datetime.now(UTC).date()
live = [p for p in plans if p.status not in ("completed", "cancelled")]
overdue = sum(c.overdue(today) for p in live for c in p.checkpoints)
c1, c2, c3, c4 = st.columns(4)
c1.metric("Plans", len(plans))
c2.metric("In progress", sum(p.status == "in_progress" for p in plans))
c3.metric("At risk", sum(p.status == "at_risk" for p in plans))
c4.metric("Overdue checkpoints", overdue)


def _next(plan: onboarding.Plan) -> str:
    open_ = [c for c in plan.checkpoints if c.completed_at is None]
    return f"day {open_[0].day} · {open_[0].due:%Y-%m-%d}" if open_ and open_[0].due else "—"


def _latest(plan: onboarding.Plan) -> int | None:
    scored = [c.alignment for c in plan.checkpoints if c.alignment is not None]
    return scored[-1] if scored else None


table(
    [
        {
            "Hire": p.hire_name,
            "Role": p.role_title,
            "Start": p.start_date,
            "Status": STATUS.get(p.status, p.status),
            "Tasks done": f"{p.tasks_done} of {len(p.tasks)}" if p.tasks else "—",
            "Next checkpoint": _next(p),
            "Overdue": sum(c.overdue(today) for c in p.checkpoints) if p in live else 0,
            "Latest alignment": _latest(p),
        }
        for p in plans
    ],
    empty="",
)
points = [
    {"Hire": p.hire_name, "Checkpoint day": c.day, "Alignment": c.alignment}
    for p in plans[:15]
    for c in p.checkpoints
    if c.alignment is not None
]
if points:
    st.subheader("Alignment by checkpoint")
    st.caption(
        f"The {min(15, len(plans))} most recent hires; below {onboarding.AT_RISK_BELOW} a plan "
        f"is at risk. {len(points)} answered checkpoint(s)."
    )
    chart = px.line(points, x="Checkpoint day", y="Alignment", color="Hire", markers=True)
    chart.add_hline(y=onboarding.AT_RISK_BELOW, line_dash="dot")
    chart.update_layout(yaxis_range=[0, 100], height=380, margin={"t": 10})
    st.plotly_chart(chart, width="stretch")

st.subheader("A plan")
by_id = {p.id: p for p in plans}
chosen = by_id[
    st.selectbox(
        "Hire",
        list(by_id),
        format_func=lambda i: f"{by_id[i].hire_name} · {STATUS.get(by_id[i].status)}",
    )
]
if chosen.tasks:
    table(
        [
            {
                "Day": t["due_day"],
                "Owner": t["owner"].replace("_", " "),
                "Task": t["title"],
                "Why": t.get("why"),
                "Done": bool(t.get("done")),
            }
            for t in chosen.tasks
        ],
        empty="",
    )
checkpoint_table(chosen)
st.markdown("**Your side as the manager**")
checkpoint_form(actor, chosen, "manager")
