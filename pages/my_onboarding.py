"""My onboarding: a new hire's tasks to tick off and their checkpoint forms."""

from datetime import UTC, datetime

import streamlit as st

from core.permissions import Permission
from core.services import onboarding
from core.services.errors import PeopleOSError
from pages._components import escape_markdown, require, uow
from pages._onboarding_view import checkpoint_form, checkpoint_table

OWNERS = {"new_hire": "You", "manager": "Your manager", "buddy": "Your buddy"}

actor = require(Permission.VIEW_OWN_ONBOARDING)
st.title("My onboarding")
plan = onboarding.my_plan(uow(), actor)
if plan is None:
    st.info("You have no onboarding plan. It is made when you are hired through PeopleOS.")
    st.stop()
start = f" · started {plan.start_date:%Y-%m-%d}" if plan.start_date else ""
st.caption(f"{plan.role_title or 'Your role'}{start} · {plan.status.replace('_', ' ')}")
if plan.goals:
    st.markdown("**Goals**")
    for day, goal in plan.goals.items():
        st.text(f"Day {day}: {goal if isinstance(goal, str) else '; '.join(goal)}")
if plan.tasks:
    st.markdown(f"**Tasks** ({plan.tasks_done} of {len(plan.tasks)} done)")
    for index, task in enumerate(plan.tasks):
        label = (
            f"Day {task['due_day']} · {OWNERS.get(task['owner'], task['owner'])}: {task['title']}"
        )
        ticked = st.checkbox(
            escape_markdown(label),
            value=bool(task.get("done")),
            key=f"task_{plan.id}_{index}",
            help=task.get("why"),
        )
        if ticked != bool(task.get("done")):
            try:
                onboarding.set_task_done(uow(), actor, plan.id, index, ticked, datetime.now(UTC))
            except PeopleOSError as exc:
                st.error(escape_markdown(str(exc)))
            else:
                st.rerun()
st.markdown("**Checkpoints**")
checkpoint_table(plan)
checkpoint_form(actor, plan, "new_hire")
