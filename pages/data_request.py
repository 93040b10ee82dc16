"""Your data (public, reached from the link a privacy request emails): confirm the request
as access or erasure."""

from datetime import UTC, datetime

import streamlit as st

from core.services import privacy_requests
from core.services.errors import PeopleOSError
from pages._components import escape_markdown, uow

st.title("Your data")
token = st.query_params.get("token", "")
done = st.session_state.get("data_request_due")
if done:
    st.success(
        f"Your request is confirmed. We answer by {done:%d %B %Y} at the latest "
        "(one month, as the GDPR requires)."
    )
    st.stop()
with st.form("data_request"):
    kind = st.radio(
        "What would you like?",
        ["access", "erasure"],
        format_func=lambda k: {
            "access": "A copy of everything we hold about me",
            "erasure": "Delete everything we hold about me",
        }[k],
    )
    if st.form_submit_button("Confirm my request", type="primary"):
        try:
            due = privacy_requests.confirm_request(uow(), token, kind, datetime.now(UTC))
        except PeopleOSError as exc:
            st.error(escape_markdown(str(exc)))
        else:
            st.session_state["data_request_due"] = due
            st.rerun()
