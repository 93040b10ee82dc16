"""Login and the acting user, on top of streamlit-authenticator.

The authenticator draws the login form and keeps the signed login cookie. PeopleOS
checks the password itself (``core.services.auth.check_login``: lockout, per-client
limit, audit) and re-reads the user from the database on every run, so a disabled user,
a changed role or revoked sessions take effect on the next interaction.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import streamlit as st
import streamlit_authenticator as stauth

from core.config import get_settings
from core.services import auth
from core.services.auth import Actor
from core.services.errors import LoginBlockedError
from pages._components import escape_markdown, uow

COOKIE_NAME = "peopleos_session"
_VERSION_KEY = "_peopleos_token_version"
_ACTOR_KEYS = ("company_id", _VERSION_KEY)


def client_address() -> str | None:
    """The browser's address; behind our own proxy, the first X-Forwarded-For hop."""
    forwarded = st.context.headers.get("X-Forwarded-For")
    if isinstance(forwarded, str) and forwarded:
        return forwarded.split(",")[0].strip()[:64]
    address = st.context.ip_address
    if isinstance(address, str):
        return address
    # Streamlit reports a loopback connection (127.0.0.1 or ::1) as no address; a real
    # browser session still sends headers, so say where it came from.
    return "loopback" if st.context.headers.get("Host") else None  # None: no server (tests)


class _Directory(dict):
    """The authenticator's user list, answered from the database one username at a time."""

    def _lookup(self, username: str) -> dict[str, Any] | None:
        actor = auth.load_actor(uow(), username)
        if actor is None:
            return None
        return {"name": actor.full_name, "email": "", "roles": [actor.role], "password": ""}

    def __contains__(self, username: object) -> bool:
        return isinstance(username, str) and self._lookup(username) is not None

    def __getitem__(self, username: str) -> dict[str, Any]:
        entry = self._lookup(username)
        if entry is None:
            raise KeyError(username)
        return entry

    def get(self, username: str, default: Any = None) -> Any:
        entry = self._lookup(username)
        return default if entry is None else entry


def _check_credentials(username: str, password: str) -> bool:
    return auth.check_login(uow(), username, password, client_address(), datetime.now(UTC))


def _authenticator() -> stauth.Authenticate:
    settings = get_settings()
    authenticator = stauth.Authenticate(
        {"usernames": {}},
        cookie_name=COOKIE_NAME,
        cookie_key=settings.secret_key,
        cookie_expiry_days=settings.session_hours / 24,
        auto_hash=False,
        login_sleep_time=0,  # the database limiter slows guessing, not a sleep
    )
    model = authenticator.authentication_controller.authentication_model
    model.credentials["usernames"] = _Directory()
    model.check_credentials = _check_credentials
    return authenticator


def _cookie_issued_at(authenticator: stauth.Authenticate) -> datetime | None:
    token = authenticator.cookie_controller.get_cookie()
    if not token:
        return None
    expires = datetime.fromtimestamp(token["exp_date"], UTC)
    return expires - timedelta(hours=get_settings().session_hours)


def _end_session(authenticator: stauth.Authenticate) -> None:
    authenticator.logout(location="unrendered")
    for key in _ACTOR_KEYS:
        st.session_state.pop(key, None)


def current_actor() -> tuple[Actor | None, stauth.Authenticate]:
    """The logged-in user (re-read now) or None, and the authenticator of this run."""
    authenticator = _authenticator()
    was_logged_in = bool(st.session_state.get("authentication_status"))
    issued_at = None if was_logged_in else _cookie_issued_at(authenticator)
    try:
        authenticator.login(location="unrendered")  # restores a session from the cookie
    except stauth.LoginError:
        return None, authenticator
    username = st.session_state.get("username")
    if not st.session_state.get("authentication_status") or not username:
        return None, authenticator
    actor = auth.load_actor(
        uow(),
        username,
        token_version=st.session_state.get(_VERSION_KEY),
        cookie_issued_at=issued_at,
        client=client_address(),
    )
    if actor is None:
        _end_session(authenticator)
        st.session_state["_peopleos_ended"] = True
        return None, authenticator
    st.session_state[_VERSION_KEY] = actor.token_version
    return actor, authenticator


def login_form(authenticator: stauth.Authenticate) -> None:
    """The login form. On success the authenticator's cookie component writes the cookie
    in the browser and reruns the app, which then opens the user's pages."""
    if st.session_state.pop("_peopleos_ended", False):
        st.info("Your session has ended. Please log in again.")
    try:
        authenticator.login(location="main", key="login")
    except (LoginBlockedError, stauth.LoginError) as exc:
        st.error(escape_markdown(str(exc)))
        return
    status = st.session_state.get("authentication_status")
    if status:
        st.success("Signed in. Opening PeopleOS…")
        # The cookie component reruns the app once the cookie is written; this is for the
        # rare browser where it does not.
        if st.button("Continue"):
            st.rerun()
    elif status is False:
        st.error("Username or password is incorrect.")
    st.page_link(
        "pages/careers.py", label="Looking for a job? See open positions", icon=":material/work:"
    )


def logout_button(authenticator: stauth.Authenticate) -> None:
    if st.sidebar.button("Log out", key="peopleos_logout", width="stretch"):
        _end_session(authenticator)
        st.rerun()


def remember_token_version(version: int) -> None:
    """After this session changed its own password, keep it alive with the new version."""
    st.session_state[_VERSION_KEY] = version
