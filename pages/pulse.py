"""Pulse: an employee answers the open culture pulse, anonymously."""

from datetime import UTC, datetime

import streamlit as st

from core.permissions import Permission
from core.services import culture_pulse
from core.services.errors import PeopleOSError
from ml.culture_pulse import AGREE_LABELS, MAX_COMMENT, NPS
from pages._components import escape_markdown, require, uow

actor = require(Permission.ANSWER_PULSE)
st.title("Pulse")
st.caption(
    "A few questions every few weeks on how work feels. Your answers are stored without "
    "your name and without the time you gave them; results are shown only for groups of "
    "several people, after the pulse closes. No page or export shows anyone an individual "
    "answer, or which answers are yours."
)
now = datetime.now(UTC)
try:
    pulse = culture_pulse.my_pulse(uow(), actor, now)
except PeopleOSError as exc:
    st.info(escape_markdown(str(exc)))
    st.stop()
if st.session_state.pop("pulse_sent", False):
    st.success("Thank you: your answers are in. They cannot be shown again, not even to you.")
if pulse is None:
    st.info("No pulse is open right now. You will get an email when the next one opens.")
    st.stop()
closes = f"{pulse.closes_at:%Y-%m-%d}"
if not pulse.asked:
    st.info(f"The pulse open until {closes} started before you joined; the next one includes you.")
    st.stop()
if pulse.answered:
    st.info(f"You have answered this pulse (open until {closes}). Thank you.")
    st.stop()

st.caption(f"Open until {closes} · {len(pulse.questions)} questions")
agree = list(AGREE_LABELS)
with st.form(f"pulse_{pulse.pulse_id}"):
    answers: dict[str, int | None] = {}
    for q in pulse.questions:
        # Question texts come from the company's own values: plain text, never markdown.
        if q["scale"] == NPS:
            answers[q["key"]] = st.radio(
                escape_markdown(q["text"]), list(range(11)), index=None, horizontal=True
            )
        else:
            answers[q["key"]] = st.radio(
                escape_markdown(q["text"]),
                agree,
                index=None,
                horizontal=True,
                format_func=lambda v: f"{v} · {AGREE_LABELS[v]}",
            )
    comment = st.text_area(
        "Anything else? (optional; shown only among the comments of a large enough group)",
        max_chars=MAX_COMMENT,
    )
    if st.form_submit_button("Send my answers", type="primary"):
        missing = [q["text"] for q in pulse.questions if answers[q["key"]] is None]
        if missing:
            st.error(escape_markdown(f"Please answer every question; missing: {missing[0]}"))
        else:
            try:
                culture_pulse.submit_answers(
                    uow(),
                    actor,
                    pulse.pulse_id,
                    {k: int(v) for k, v in answers.items() if v is not None},
                    comment,
                    datetime.now(UTC),
                )
            except PeopleOSError as exc:
                st.error(escape_markdown(str(exc)))
            else:
                st.session_state["pulse_sent"] = True
                st.rerun()
