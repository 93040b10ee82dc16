"""Users (admins): who can log in, with which role; add, disable, change role, reset."""

from datetime import UTC, datetime

import streamlit as st

from core.permissions import ROLES, Permission
from core.services import users
from core.services.errors import PeopleOSError
from pages._components import escape_markdown, require, table, uow, when

actor = require(Permission.MANAGE_USERS)
st.title("Users")
people = users.list_users(uow(), actor)
table(
    [
        {
            "Username": u.username,
            "Name": u.full_name,
            "Email": u.email,
            "Role": u.role,
            "Active": u.is_active,
            "Last login": when(u.last_login_at),
        }
        for u in people
    ],
    empty="No users yet.",
)

add, change = st.columns(2)
with add, st.form("add_user", clear_on_submit=True):
    st.subheader("Add a user")
    username = st.text_input("Username")
    full_name = st.text_input("Full name")
    email = st.text_input("Email")
    role = st.selectbox("Role", ROLES, index=ROLES.index("interviewer"))
    password = st.text_input("First password (at least 12 characters)", type="password")
    if st.form_submit_button("Add user"):
        try:
            created = users.create_user(
                uow(),
                actor,
                username=username,
                email=email,
                full_name=full_name,
                role=role,
                password=password,
            )
        except PeopleOSError as exc:
            st.error(escape_markdown(str(exc)))
        else:
            st.success(f"Added {created.username}.")
            st.rerun()

with change:
    st.subheader("Change a user")
    by_id = {u.id: u for u in people}
    chosen = st.selectbox("User", list(by_id), format_func=lambda i: by_id[i].username)
    if chosen is not None:
        user = by_id[chosen]
        new_role = st.selectbox("Role ", ROLES, index=ROLES.index(user.role), key="new_role")
        new_password = st.text_input("New password", type="password", key="reset_pw")
        b1, b2, b3 = st.columns(3)
        try:
            if b1.button("Save role"):
                users.set_role(uow(), actor, chosen, new_role)
                st.rerun()
            if b2.button("Enable" if not user.is_active else "Disable"):
                users.set_active(uow(), actor, chosen, not user.is_active, datetime.now(UTC))
                st.rerun()
            if b3.button("Reset password"):
                users.reset_password(uow(), actor, chosen, new_password, datetime.now(UTC))
                st.success(f"Password reset; {user.username}'s sessions have ended.")
        except PeopleOSError as exc:
            st.error(escape_markdown(str(exc)))
