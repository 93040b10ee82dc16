"""Logins: lockout, per-client limit, session revocation, password policy."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from core.db import Database
from core.models import AuditLog, Company, User, UserSession
from core.repositories.base import add_in_dependency_order
from core.services import auth, users
from core.services.errors import LoginBlockedError, ValidationError

pytestmark = pytest.mark.db
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
PASSWORD = "a-long-enough-pass-1"


def _people(db: Database, *names: str, role: str = "talent_lead") -> uuid.UUID:
    company = Company(startupos_id=uuid.uuid4(), name=f"Co {uuid.uuid4().hex[:4]}", stage="seed")
    rows: list[object] = [company]
    for name in names:
        rows.append(
            User(
                company_id=company.id,
                username=name,
                email=f"{name}@example.com",
                full_name=name,
                password_hash=auth.hash_password(PASSWORD, rounds=4),
                role=role,
            )
        )
    with db.uow() as uow:
        add_in_dependency_order(uow.session, rows)
        uow.commit()
    return company.id


def test_five_failures_lock_the_account_even_for_the_right_password(db: Database) -> None:
    _people(db, "maya")
    for i in range(5):
        assert not auth.log_in(
            db.uow(), "maya", "wrong-password!", "10.0.0.1", T0 + timedelta(minutes=i)
        )
    with pytest.raises(LoginBlockedError, match="minute"):
        auth.log_in(db.uow(), "maya", PASSWORD, "10.0.0.2", T0 + timedelta(minutes=5))
    # Still locked just before 15 minutes after the fifth failure, open after.
    with pytest.raises(LoginBlockedError):
        auth.log_in(db.uow(), "maya", PASSWORD, "10.0.0.2", T0 + timedelta(minutes=18))
    assert auth.log_in(db.uow(), "Maya ", PASSWORD, "10.0.0.2", T0 + timedelta(minutes=20))
    with db.uow() as uow:
        actions = [a for a in uow.session.scalars(select(AuditLog.action))]
    assert actions.count("login.failed") == 5
    assert actions.count("login.blocked") == 2
    assert actions.count("login.succeeded") == 1


def test_four_failures_do_not_lock_and_success_resets_the_count(db: Database) -> None:
    _people(db, "ravi")
    for _ in range(2):
        for i in range(4):
            auth.log_in(db.uow(), "ravi", "nope-nope-nope", None, T0 + timedelta(seconds=i))
        assert auth.log_in(db.uow(), "ravi", PASSWORD, None, T0 + timedelta(seconds=5))


def test_failures_spread_over_more_than_the_window_do_not_lock(db: Database) -> None:
    _people(db, "ines")
    for i in range(8):
        auth.log_in(db.uow(), "ines", "nope-nope-nope", None, T0 + timedelta(minutes=4 * i))
    assert auth.log_in(db.uow(), "ines", PASSWORD, None, T0 + timedelta(minutes=33))


def test_one_client_guessing_many_accounts_is_limited(db: Database) -> None:
    names = [f"user{i}" for i in range(31)]
    _people(db, *names)
    for i, name in enumerate(names[:30]):
        auth.log_in(db.uow(), name, "wrong-password!", "203.0.113.9", T0 + timedelta(seconds=i))
    with pytest.raises(LoginBlockedError):
        auth.log_in(db.uow(), names[30], PASSWORD, "203.0.113.9", T0 + timedelta(minutes=1))
    # Another client is not affected.
    assert auth.log_in(db.uow(), names[30], PASSWORD, "198.51.100.1", T0 + timedelta(minutes=1))


def test_unknown_and_disabled_users_cannot_log_in(db: Database) -> None:
    _people(db, "omar")
    assert not auth.log_in(db.uow(), "nobody", PASSWORD, None, T0)
    with db.uow() as uow:
        uow.session.scalars(select(User)).one().is_active = False
        uow.commit()
    assert not auth.log_in(db.uow(), "omar", PASSWORD, None, T0)
    assert auth.load_actor(db.uow(), "omar") is None


def test_sessions_end_on_role_change_disable_and_password_change(db: Database) -> None:
    company = _people(db, "lena")
    admin = auth.Actor.system(company, "Co")
    token = auth.log_in(db.uow(), "lena", PASSWORD, "10.0.0.1", T0)
    lena = auth.resume_session(db.uow(), token, None, T0)
    assert lena is not None and lena.role == "talent_lead"
    users.set_role(db.uow(), admin, lena.user_id, "interviewer")
    now = auth.resume_session(db.uow(), token, None, T0)
    assert now is not None and now.role == "interviewer"  # takes effect on the next run
    # A password change ends every other session and keeps this one.
    other = auth.log_in(db.uow(), "lena", PASSWORD, "10.0.0.2", T0)
    auth.change_password(db.uow(), now, PASSWORD, "brand-new-pass-42", T0)
    assert auth.resume_session(db.uow(), other, None, T0) is None
    assert auth.resume_session(db.uow(), token, None, T0) is not None
    assert auth.log_in(db.uow(), "lena", "brand-new-pass-42", None, T0)
    # Log out everywhere ends this session too.
    auth.log_out_everywhere(db.uow(), now, T0 + timedelta(hours=1))
    assert auth.resume_session(db.uow(), token, None, T0 + timedelta(hours=1)) is None
    # An admin disabling the account ends its sessions.
    fresh = auth.log_in(db.uow(), "lena", "brand-new-pass-42", None, T0 + timedelta(hours=2))
    users.set_active(db.uow(), admin, lena.user_id, False, T0 + timedelta(hours=2))
    users.set_active(db.uow(), admin, lena.user_id, True, T0 + timedelta(hours=2))
    assert auth.resume_session(db.uow(), fresh, None, T0 + timedelta(hours=2)) is None


def test_log_out_ends_the_session_on_the_server(db: Database) -> None:
    _people(db, "tom")
    token = auth.log_in(db.uow(), "tom", PASSWORD, "10.0.0.1", T0)
    elsewhere = auth.log_in(db.uow(), "tom", PASSWORD, "10.0.0.9", T0)
    assert token and elsewhere and token != elsewhere
    with db.uow() as uow:  # only a hash of the token is stored
        stored = set(uow.session.scalars(select(UserSession.token_hash)))
    assert token not in stored and len(stored) == 2
    auth.log_out(db.uow(), token, "10.0.0.1", T0 + timedelta(minutes=5))
    # The cookie still names the session; the server no longer opens it.
    assert auth.resume_session(db.uow(), token, "10.0.0.1", T0 + timedelta(minutes=6)) is None
    assert auth.resume_session(db.uow(), elsewhere, "10.0.0.9", T0 + timedelta(minutes=6))
    assert auth.resume_session(db.uow(), "made-up-token", None, T0) is None
    # A session also ends when it expires, whatever the cookie says.
    late = T0 + auth.DEFAULT_SESSION_LENGTH + timedelta(seconds=1)
    assert auth.resume_session(db.uow(), elsewhere, "10.0.0.9", late) is None
    with db.uow() as uow:
        actions = list(uow.session.scalars(select(AuditLog.action)))
    assert actions.count("user.logged_out") == 1


def test_failures_for_made_up_names_do_not_lock_out_a_real_user(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """30 failures from one address block that address, except for an account that logged
    in from it lately; accounts that never did are still held back (password spraying)."""
    cheap = auth.hash_password(PASSWORD, rounds=4)
    monkeypatch.setattr(auth, "_dummy_hash", lambda: cheap)
    _people(db, "admin1", "newbie")
    office = "198.51.100.7"
    assert auth.log_in(db.uow(), "admin1", PASSWORD, office, T0)
    for i in range(30):
        auth.log_in(db.uow(), f"ghost{i}", "wrong-password!", office, T0 + timedelta(seconds=i))
    later = T0 + timedelta(minutes=1)
    with pytest.raises(LoginBlockedError):
        auth.log_in(db.uow(), "ghost99", PASSWORD, office, later)
    with pytest.raises(LoginBlockedError):
        auth.log_in(db.uow(), "newbie", PASSWORD, office, later)
    assert auth.log_in(db.uow(), "admin1", PASSWORD, office, later)
    # The account's own lockout still holds for it.
    for i in range(5):
        auth.log_in(db.uow(), "admin1", "wrong-password!", office, later + timedelta(seconds=i))
    with pytest.raises(LoginBlockedError):
        auth.log_in(db.uow(), "admin1", PASSWORD, office, later + timedelta(minutes=1))


def test_old_sessions_are_purged_after_the_recognition_period(db: Database) -> None:
    _people(db, "una")
    token = auth.log_in(db.uow(), "una", PASSWORD, "10.0.0.1", T0)
    assert auth.purge_sessions(db.uow(), T0 + timedelta(days=1)) == 0
    assert auth.purge_sessions(db.uow(), T0 + auth.RECOGNISED_CLIENT_FOR + timedelta(days=1)) == 1
    assert auth.resume_session(db.uow(), token, None, T0) is None


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "at least 12"),
        ("password1234", "too common"),
        ("Qwertyuiop123", "too common"),  # listed in data/common_passwords.txt
        ("aaaaaaaaaaaaaaaa", "too common"),
        ("abcdabcdabcdabcd", "pattern repeated"),
        ("xy1!xy1!xy1!", "pattern repeated"),
        ("passwordpassword", "leaked"),  # in data/common_passwords.txt
        ("LeaveMeAlone", "leaked"),  # in the 30,000-entry breach list only
        ("sonyericsson", "leaked"),
        ("Lena.Vogel-2026!", "username"),
        ("my-peopleos-demo-2026", "demo password"),
        (" leading-space-pass", "space"),
        ("x" * 73, "at most 72"),
    ],
)
def test_password_policy(password: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        auth.check_password_policy(password, username="lena.vogel")


def test_a_strong_password_passes_and_the_breach_list_is_real() -> None:
    auth.check_password_policy("correct horse battery staple", username="lena.vogel")
    # The demo users alone may have the published demo password.
    auth.check_password_policy("peopleos-demo-2026", allow_demo_password=True)
    assert len(auth._common_passwords()) >= 30_000


def test_wrong_current_password_changes_nothing(db: Database) -> None:
    _people(db, "nora")
    token = auth.log_in(db.uow(), "nora", PASSWORD, None, T0)
    nora = auth.resume_session(db.uow(), token, None, T0)
    with pytest.raises(ValidationError, match="current password"):
        auth.change_password(db.uow(), nora, "not-my-password", "another-long-pass", T0)
    assert auth.resume_session(db.uow(), token, None, T0) is not None
    assert auth.log_in(db.uow(), "nora", PASSWORD, None, T0)
