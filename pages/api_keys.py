"""API keys (admins): service accounts' keys for the REST API; make, list and revoke."""

from datetime import UTC, datetime

import streamlit as st

from core.permissions import Permission
from core.services import api_access
from core.services.errors import PeopleOSError
from pages._components import escape_markdown, require, table, uow, when

actor = require(Permission.MANAGE_USERS)
st.title("API keys")
st.caption(
    "A key lets another tool (a BI export, your ATS) call the PeopleOS REST API for this "
    "company with exactly the permissions you give it. People log in to the API with their "
    "own username and password instead (POST /api/v1/auth/token). The reference of every "
    "route is at /api/v1/docs of the API server (make run-api)."
)

fresh = st.session_state.pop("api_key_secret", None)
if fresh:
    st.success("Key created. Copy its secret now: it is shown only this once.")
    st.code(fresh, language=None)

keys = api_access.list_keys(uow(), actor)
table(
    [
        {
            "Name": k.name,
            "Key": f"{k.prefix}…",
            "Permissions": ", ".join(k.permissions),
            "Made by": k.created_by,
            "Made": when(k.created_at),
            "Last used": when(k.last_used_at) if k.last_used_at else "never",
            "State": f"revoked {when(k.revoked_at)}" if k.revoked_at else "live",
        }
        for k in keys
    ],
    empty="No API keys yet. Make one below for each tool that calls the API.",
)

make, revoke = st.columns(2)
with make, st.form("make_key", clear_on_submit=True):
    st.subheader("Make a key")
    name = st.text_input("Who uses it", placeholder="BI export")
    granted = st.multiselect(
        "Permissions",
        list(api_access.KEY_PERMISSIONS),
        format_func=lambda p: p.replace("_", " "),
        help="Reading candidates needs both 'view candidates' and 'view all candidates'.",
    )
    if st.form_submit_button("Make key"):
        try:
            _, secret = api_access.create_key(
                uow(), actor, name, [str(p) for p in granted], datetime.now(UTC)
            )
        except PeopleOSError as exc:
            st.error(escape_markdown(str(exc)))
        else:
            st.session_state["api_key_secret"] = secret
            st.rerun()

with revoke:
    st.subheader("Revoke a key")
    live = {k.id: k for k in keys if k.revoked_at is None}
    if not live:
        st.caption("No live keys.")
    else:
        chosen = st.selectbox(
            "Key", list(live), format_func=lambda i: f"{live[i].name} ({live[i].prefix}…)"
        )
        if st.button("Revoke now", type="primary"):
            try:
                api_access.revoke_key(uow(), actor, chosen, datetime.now(UTC))
            except PeopleOSError as exc:
                st.error(escape_markdown(str(exc)))
            else:
                st.rerun()
