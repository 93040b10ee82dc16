"""Welcome (public, reached from an invitation email): a new hire sets their password."""

from datetime import UTC, datetime

import streamlit as st

from core.services import auth
from core.services.errors import PeopleOSError
from pages._components import escape_markdown, uow
from pages._session import client_address

st.title("Welcome to PeopleOS")
token = st.query_params.get("token", "")
try:
    invited = auth.invitation_info(uow(), token, datetime.now(UTC))
except PeopleOSError as exc:
    st.error(escape_markdown(str(exc)))
    st.stop()
st.write(
    f"Hello {escape_markdown(invited.full_name)}: set a password for your account at "
    f"{escape_markdown(invited.company_name)}. Your username is "
    f"**{escape_markdown(invited.username)}**."
)
with st.form("welcome"):
    password = st.text_input("Password (at least 12 characters)", type="password")
    repeat = st.text_input("Repeat the password", type="password")
    if st.form_submit_button("Set my password", type="primary"):
        if password != repeat:
            st.error("The passwords do not match.")
        else:
            try:
                username = auth.accept_invitation(
                    uow(), token, password, datetime.now(UTC), client=client_address()
                )
            except PeopleOSError as exc:
                st.error(escape_markdown(str(exc)))
            else:
                st.success(f"Your password is set. Log in as {escape_markdown(username)}.")
                st.markdown("[Go to the login](./login)")
