"""Privacy requests (admins): confirmed access and erasure requests with their legal due
date; the admin answers each (an export to send, or the erasure)."""

import uuid
from datetime import UTC, datetime

import streamlit as st

from core.permissions import Permission
from core.services import privacy_requests
from core.services.errors import PeopleOSError
from pages._components import escape_markdown, require, table, uow, when

actor = require(Permission.MANAGE_PRIVACY)
st.title("Privacy requests")
st.caption(
    "Requests confirmed through the emailed link. The law gives one month from "
    "confirmation (GDPR Art. 12(3)): the due date."
)
now = datetime.now(UTC)
done = st.session_state.pop("privacy_done", None)
if done:
    st.success(done)
export = st.session_state.get("privacy_export")
if export:
    st.download_button(
        "Download the export (JSON)", export, "personal_data.json", "application/json"
    )
requests = privacy_requests.list_requests(uow(), actor, now)
open_ = [r for r in requests if r.status == "confirmed"]
table(
    [
        {
            "Email": r.email or "(erased)",
            "Request": r.kind,
            "Confirmed": when(r.confirmed_at),
            "Due": when(r.due_at),
            "Status": "OVERDUE" if r.overdue else r.status,
            "Done by": r.fulfilled_by or "",
        }
        for r in requests
    ],
    empty="No requests.",
)
if not open_:
    st.stop()
by_id = {r.id: r for r in open_}
chosen: uuid.UUID = st.selectbox(
    "Answer",
    list(by_id),
    # Option labels are plain text, never markdown: the address is shown as it is.
    format_func=lambda i: f"{by_id[i].kind} · {by_id[i].email or ''}",
)
request = by_id[chosen]
sure = request.kind == "access" or st.checkbox(
    "I understand this erases the person's data everywhere and cannot be undone."
)
if st.button("Fulfil", type="primary", disabled=not sure):
    try:
        result = privacy_requests.fulfil_request(uow(), actor, chosen, now)
    except PeopleOSError as exc:
        st.error(escape_markdown(str(exc)))
    else:
        if isinstance(result, str):
            st.session_state["privacy_export"] = result
        st.session_state["privacy_done"] = (
            "Export ready below; send it to the person."
            if request.kind == "access"
            else "Erased everywhere; the request is fulfilled."
        )
        st.rerun()  # the table above then shows the request as fulfilled
