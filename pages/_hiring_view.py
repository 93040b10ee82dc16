"""The profile's offer and hire forms (the stage moves that carry details)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import streamlit as st

from core.config import get_settings
from core.services import hiring
from core.services.auth import Actor
from core.services.errors import PeopleOSError
from pages._components import escape_markdown, uow


def offer_and_hire(actor: Actor, candidate_id: uuid.UUID, status: str) -> None:
    """ "Make an offer" after the interviews; "Hire" once an offer is made."""
    today = datetime.now(UTC).date()
    if status in ("interview", "offer"):
        label = "Make an offer" if status == "interview" else "Revise the offer"
        with st.expander(label), st.form(f"offer_{candidate_id}"):
            salary = st.number_input("Annual salary", min_value=1, step=1000, value=None)
            start = st.date_input("Start date", today + timedelta(days=30), min_value=today)
            exception = st.text_input(
                "Why, if outside the role's pay band", max_chars=hiring.MAX_REASON
            )
            if st.form_submit_button(label, type="primary"):
                try:
                    offer = hiring.make_offer(
                        uow(),
                        actor,
                        candidate_id,
                        int(salary) if salary is not None else 0,
                        start,
                        datetime.now(UTC),
                        band_exception=exception,
                    )
                except PeopleOSError as exc:
                    st.error(escape_markdown(str(exc)))
                else:
                    st.success(
                        f"Offer recorded: {offer.salary:,} {offer.currency} a year, "
                        f"starting {offer.start_date:%Y-%m-%d}."
                    )
    if status == "offer":
        offer = hiring.latest_offer(uow(), actor, candidate_id)
        planned = offer.start_date if offer and offer.start_date >= today else None
        with st.expander("Hire"), st.form(f"hire_{candidate_id}"):
            start = st.date_input(
                "First day",
                value=planned,
                min_value=today,
                key="hire_start",
                help="From the offer; change it if the start moved.",
            )
            st.caption(
                "Creates the hire, the employee record, their account (they set a password "
                f"through a link valid {hiring.INVITATION_HOURS} hours) and the onboarding plan."
            )
            if st.form_submit_button("Hire", type="primary"):
                try:
                    hiring.hire_candidate(
                        uow(),
                        actor,
                        candidate_id,
                        start,
                        datetime.now(UTC),
                        base_url=get_settings().base_url,
                    )
                except PeopleOSError as exc:
                    st.error(escape_markdown(str(exc)))
                else:
                    # The rerun shows the profile as hired, with the summary below.
                    st.rerun()
    if status == "hired":
        summary = hiring.get_hire(uow(), actor, candidate_id)
        if summary is not None:
            account = f"account {summary.username}" if summary.username else "no account"
            st.info(
                escape_markdown(
                    f"Hired, starting {summary.start_date:%Y-%m-%d}; {account}. "
                    "Onboarding checkpoints: "
                    + (", ".join(f"{d:%Y-%m-%d}" for d in summary.checkpoints) or "none")
                ),
                icon=":material/how_to_reg:",
            )
