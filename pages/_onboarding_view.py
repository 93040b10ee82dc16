"""What the Onboarding and My onboarding pages share: a checkpoint form and its table."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from core.services import onboarding
from core.services.auth import Actor
from core.services.errors import PeopleOSError
from pages._components import escape_markdown, table, uow


def checkpoint_table(plan: onboarding.Plan) -> None:
    today = datetime.now(UTC).date()
    table(
        [
            {
                "Day": c.day,
                "Due": c.due,
                "Answered by": ", ".join(s.replace("_", " ") for s in c.answered_by) or "—",
                "Alignment (0-100)": c.alignment,
                "State": "done" if c.completed_at else "overdue" if c.overdue(today) else "open",
            }
            for c in plan.checkpoints
        ],
        empty="This plan has no checkpoints.",
    )


def checkpoint_form(actor: Actor, plan: onboarding.Plan, side: str) -> None:
    """The actor's side of the plan's next open checkpoint."""
    flash = st.session_state.pop("_onboarding_saved", None)
    if flash:
        st.success(flash)
    waiting = [c for c in plan.checkpoints if c.completed_at is None and side not in c.answered_by]
    if not waiting:
        st.caption("No checkpoint waits for your answers.")
        return
    checkpoint = waiting[0]
    with st.form(f"checkpoint_{plan.id}_{checkpoint.day}_{side}"):
        st.markdown(f"**Day {checkpoint.day} checkpoint** (due {checkpoint.due:%Y-%m-%d})")
        answers = {
            key: st.radio(
                text,
                list(onboarding.SCALE),
                format_func=onboarding.SCALE.get,
                horizontal=True,
                index=None,
                key=f"cp_{plan.id}_{checkpoint.day}_{side}_{key}",
            )
            for key, text in onboarding.QUESTIONS[side].items()
        }
        comment = st.text_area("Anything to add", max_chars=onboarding.MAX_COMMENT)
        if st.form_submit_button("Submit the checkpoint", type="primary"):
            if any(v is None for v in answers.values()):
                st.error("Answer every question of the checkpoint.")
                return
            try:
                onboarding.answer_checkpoint(
                    uow(), actor, plan.id, checkpoint.day, answers, comment, datetime.now(UTC)
                )
            except PeopleOSError as exc:
                st.error(escape_markdown(str(exc)))
            else:
                # Shown after the rerun that brings the table above up to date.
                st.session_state["_onboarding_saved"] = f"Day {checkpoint.day} answers saved."
                st.rerun()
