"""Audit log (admins): every change and every view of personal data; filter, export."""

import math
from datetime import UTC, datetime, time, timedelta

import streamlit as st

from core.permissions import Permission
from core.services import audit
from core.services.errors import PeopleOSError
from pages._components import escape_markdown, require, table, uow, when

PAGE_SIZE = 50

actor = require(Permission.VIEW_AUDIT_LOG)
st.title("Audit log")
actions = audit.list_audit(uow(), actor, limit=1).actions
c1, c2, c3, c4 = st.columns(4)
action = c1.selectbox("Action", [None, *actions], format_func=lambda a: a or "All")
user = c2.text_input("User", max_chars=64).strip() or None
today = datetime.now(UTC).date()
start = c3.date_input("From", today - timedelta(days=30))
end = c4.date_input("To", today)
filters = {
    "action": action,
    "user": user,
    "since": datetime.combine(start, time(), UTC),
    "until": datetime.combine(end + timedelta(days=1), time(), UTC),
}
page_no = st.session_state.get("audit_page", 1)
try:
    page = audit.list_audit(
        uow(), actor, **filters, limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE
    )
except PeopleOSError as exc:
    st.error(escape_markdown(str(exc)))
    st.stop()
pages = max(1, math.ceil(page.total / PAGE_SIZE))
st.caption(f"{page.total} entries · page {min(page_no, pages)} of {pages}")
table(
    [
        {
            "When": when(e.created_at),
            "Who": e.actor,
            "Action": e.action,
            "Entity": e.entity_type,
            "Id": e.entity_id,
            "Details": e.details,
            "Client": e.client_address,
        }
        for e in page.entries
    ],
    empty="No audit entries match these filters.",
)
st.columns([1, 5])[0].number_input("Page", 1, pages, value=min(page_no, pages), key="audit_page")
if page.total:
    everything = audit.list_audit(uow(), actor, **filters, limit=None)
    st.download_button(
        "Export CSV",
        audit.to_csv(everything.entries),
        file_name=f"audit-{start}-{end}.csv",
        mime="text/csv",
    )
