"""Login and the acting user, on top of streamlit-authenticator.

The authenticator draws the login form and keeps the signed login cookie. PeopleOS
checks the password itself (``core.services.auth.log_in``: lockout, per-client limit,
audit) and opens a session on the server, whose random token the signed cookie carries.
Every run re-reads that session and its user from the database, so logging out, a
disabled user, a changed role or revoked sessions take effect on the next interaction,
and a cookie the browser (or anyone) still holds after logging out opens nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import streamlit as st
import streamlit_authenticator as stauth

from core.config import get_settings
from core.services import auth
from core.services.auth import Actor
from core.services.client_address import resolve as resolve_client
from core.services.errors import LoginBlockedError
from pages._components import escape_markdown, uow

COOKIE_NAME = "peopleos_session"
SESSION_KEY = "_peopleos_session_token"
_ACTOR_KEYS = ("company_id", SESSION_KEY)


def client_address() -> str | None:
    """The client's address: the connection's peer, or behind a proxy named in
    PEOPLEOS_TRUSTED_PROXIES the client it forwarded for. None without a server (tests)."""
    headers = st.context.headers
    peer = st.context.ip_address
    if not isinstance(peer, str):
        if not headers.get("Host"):
            return None
        # Streamlit reports a loopback peer (127.0.0.1 or ::1) as no address.
        peer = "127.0.0.1"
    forwarded = headers.get("X-Forwarded-For")
    return resolve_client(
        peer, forwarded if isinstance(forwarded, str) else None, get_settings().trusted_proxies
    )


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
    """The authenticator's password check: PeopleOS logs in and keeps the session's token,
    which the cookie written next carries (:func:`_cookie_token`)."""
    token = auth.log_in(
        uow(),
        username,
        password,
        client_address(),
        datetime.now(UTC),
        session_length=timedelta(hours=get_settings().session_hours),
    )
    if token is None:
        return False
    st.session_state[SESSION_KEY] = token
    st.session_state.pop("_peopleos_ended", None)
    return True


def _cookie_token(model: Any) -> str:  # noqa: ANN401 - the authenticator's CookieModel
    """The signed cookie: the username, its expiry and the server session's token."""
    claims = {
        "username": st.session_state["username"],
        "exp_date": model.exp_date,
        "sid": st.session_state.get(SESSION_KEY, ""),
    }
    return jwt.encode(claims, model.cookie_key, algorithm="HS256")


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
    cookie = authenticator.cookie_controller.cookie_model
    cookie._token_encode = lambda: _cookie_token(cookie)
    return authenticator


def _cookie_sid(authenticator: stauth.Authenticate) -> str | None:
    """The server session the browser's signed cookie names, if it names one."""
    cookie = authenticator.cookie_controller.get_cookie()
    sid = cookie.get("sid") if isinstance(cookie, dict) else None
    return sid if isinstance(sid, str) and sid else None


def _session_token(authenticator: stauth.Authenticate) -> str | None:
    """This browser session's server session: kept from the login, or read from the cookie
    (a reload, a new tab). A cookie without one (forged, or from before server sessions)
    names none."""
    token = st.session_state.get(SESSION_KEY)
    if token:
        return token
    sid = _cookie_sid(authenticator)
    if sid is not None:
        st.session_state[SESSION_KEY] = sid
    return sid


def _end_session(authenticator: stauth.Authenticate) -> None:
    if st.session_state.get("authentication_status"):
        authenticator.logout(location="unrendered")  # asks the browser to drop the cookie
    for key in _ACTOR_KEYS:
        st.session_state.pop(key, None)


def current_actor() -> tuple[Actor | None, stauth.Authenticate]:
    """The logged-in user (re-read now) or None, and the authenticator of this run."""
    authenticator = _authenticator()
    token = _session_token(authenticator)
    try:
        authenticator.login(location="unrendered")  # restores a session from the cookie
    except stauth.LoginError:
        return None, authenticator
    if not st.session_state.get("authentication_status"):
        return None, authenticator
    # Who is logged in is the session's user, not the cookie's username.
    actor = None
    if token is not None:
        actor = auth.resume_session(uow(), token, client_address(), datetime.now(UTC))
    if actor is None:
        _end_session(authenticator)
        st.session_state["_peopleos_ended"] = True
        return None, authenticator
    return actor, authenticator


def login_form(authenticator: stauth.Authenticate) -> None:
    """The login form. On success the authenticator's cookie component writes the cookie
    in the browser and reruns the app, which then opens the user's pages."""
    # Kept until the next login: the rerun that drops the cookie would otherwise lose it.
    if st.session_state.get("_peopleos_ended"):
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
    """Log out: the session ends on the server first, so a cookie the browser keeps (or a
    copy of it elsewhere) opens nothing."""
    if st.sidebar.button("Log out", key="peopleos_logout", width="stretch"):
        # The session this run knows and the one the browser's cookie names (the same one,
        # unless they drifted apart): a cookie the browser keeps after this must open nothing.
        tokens = {st.session_state.get(SESSION_KEY), _cookie_sid(authenticator)} - {None, ""}
        for token in tokens:
            auth.log_out(uow(), token, client_address(), datetime.now(UTC))
        _end_session(authenticator)
        st.rerun()
