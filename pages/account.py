"""My account: who I am, change my password, log out everywhere."""

from datetime import UTC, datetime

import streamlit as st

from core.permissions import Permission
from core.services import auth
from core.services.errors import PeopleOSError
from pages._components import escape_markdown, require, uow

actor = require(Permission.MANAGE_OWN_ACCOUNT)
st.title("My account")
st.write(
    f"**{escape_markdown(actor.full_name)}** ({escape_markdown(actor.username)}) · "
    f"{actor.role.replace('_', ' ')} at {escape_markdown(actor.company_name)}"
)

with st.form("change_password", clear_on_submit=True):
    st.subheader("Change password")
    current = st.text_input("Current password", type="password")
    new = st.text_input("New password (at least 12 characters)", type="password")
    repeat = st.text_input("Repeat the new password", type="password")
    if st.form_submit_button("Change password"):
        if new != repeat:
            st.error("The new passwords do not match.")
        else:
            try:
                auth.change_password(uow(), actor, current, new, datetime.now(UTC))
            except PeopleOSError as exc:
                st.error(escape_markdown(str(exc)))
            else:
                st.success("Password changed. Every other session has been logged out.")

st.subheader("Sessions")
st.write("Log out of PeopleOS on every browser and device, this one included.")
if st.button("Log out everywhere"):
    try:
        auth.log_out_everywhere(uow(), actor, datetime.now(UTC))
    except PeopleOSError as exc:
        st.error(escape_markdown(str(exc)))
    else:
        st.rerun()
