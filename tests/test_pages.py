"""AppTest of the pages behind the login: data changes and profile views are audited."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from core.db import Database
from core.models import AuditLog, Candidate, Company, Role, User
from core.services import intake
from tests.helpers import login_app, open_session

pytestmark = pytest.mark.db


def _audit_count(db: Database, action: str) -> int:
    with db.uow() as uow:
        return uow.session.scalar(select(func.count()).where(AuditLog.action == action))


def _input(at, label: str):
    return next(t for t in at.text_input if t.label == label)


def test_admin_adds_a_user_through_the_page_and_it_is_audited(world_app: Database) -> None:
    before = _audit_count(world_app, "user.created")
    at = login_app("admin.quillpay", "users")
    assert not at.exception, at.exception
    assert at.title[0].value == "Users"
    _input(at, "Username").input("ops.quillpay")
    _input(at, "Full name").input("Ola Ops")
    _input(at, "Email").input("ola@example.com")
    _input(at, "First password (at least 12 characters)").input("a-long-enough-pass-1")
    next(b for b in at.button if b.label == "Add user").click().run()
    assert not at.exception, at.exception
    assert _audit_count(world_app, "user.created") == before + 1
    with world_app.uow() as uow:
        assert uow.session.scalars(select(User).where(User.username == "ops.quillpay")).one()


def test_a_username_of_another_company_is_refused_like_any_taken_name(world: Database) -> None:
    """The refusal does not tell whether another company holds the name."""
    from core.services import auth, users
    from core.services.errors import ValidationError

    admin = auth.load_actor(world.uow(), "admin.quillpay")
    messages = []
    for taken in ("talent.quillpay", "talent.northwind"):  # own company, another company
        with pytest.raises(ValidationError) as refused:
            users.create_user(
                world.uow(),
                admin,
                username=taken,
                email="new.person@example.com",
                full_name="New Person",
                role="interviewer",
                password="a-long-enough-pass-1",
            )
        messages.append(str(refused.value).replace(taken, "NAME"))
    assert messages[0] == messages[1] == "The username 'NAME' is not available; choose another."


def test_bad_input_on_the_users_page_shows_a_message_and_changes_nothing(
    world_app: Database,
) -> None:
    before = _audit_count(world_app, "user.created")
    at = login_app("admin.quillpay", "users")
    _input(at, "Username").input("x")
    next(b for b in at.button if b.label == "Add user").click().run()
    assert any("Username must be" in e.value for e in at.error)
    assert _audit_count(world_app, "user.created") == before


def _open_profile(username: str, candidate_id: uuid.UUID):  # noqa: ANN202 - AppTest
    """The profile page as the app opens it when a row is clicked (?id=...)."""
    at = login_app(username)
    at.query_params["id"] = str(candidate_id)
    at.switch_page("pages/candidate.py").run()
    assert not at.exception, at.exception
    return at


def test_opening_a_candidate_profile_is_audited(world_app: Database) -> None:
    with world_app.uow() as uow:
        candidate_id = uow.session.scalars(
            select(Candidate.id).join(Company).where(Company.slug == "quillpay")
        ).first()
    before = _audit_count(world_app, "candidate.viewed")
    at = _open_profile("talent.quillpay", candidate_id)
    assert _audit_count(world_app, "candidate.viewed") == before + 1
    assert at.text, "the resume is shown as plain text"
    # Another company's candidate is not found (and not audited as a view).
    with world_app.uow() as uow:
        stranger = uow.session.scalars(
            select(Candidate.id).join(Company).where(Company.slug != "quillpay")
        ).first()
    at = _open_profile("talent.quillpay", stranger)
    assert any("not found" in e.value for e in at.error)
    assert _audit_count(world_app, "candidate.viewed") == before + 1


def test_the_profile_shows_what_the_candidate_wrote_their_pay_and_source(
    world_app: Database,
) -> None:
    with world_app.uow() as uow:
        role_id = uow.session.scalars(
            select(Role.id)
            .join(Company)
            .where(Company.slug == "quillpay", Role.status == "active")
            .order_by(Role.title)
        ).first()
    receipt = intake.submit_application(
        world_app.uow(),
        intake.Application(
            role_id=role_id,
            full_name="Noor Answers",
            email=f"noor.{uuid.uuid4().hex[:6]}@example.com",
            resume=b"Noor Answers\nExperience\nEngineer at Acme 2019 - Present\nSkills\nPython",
            resume_filename="cv.txt",
            consent=True,
            answers={"Why this role?": "I build **payments**.", "First 90 days": ""},
            expected_compensation=145_000,
        ),
        client="203.0.113.61",
        now=datetime.now(UTC),
    )
    at = _open_profile("talent.quillpay", receipt.candidate_id)
    texts = [t.value for t in at.text]
    assert "I build **payments**." in texts  # the applicant's words, as plain text
    assert "Expected annual salary: 145,000 USD" in texts
    assert any("Source: careers page" in t for t in texts)
    assert any(c.value == "Why this role?" for c in at.caption)


def test_audit_log_page_lists_entries_and_offers_csv(world_app: Database) -> None:
    from core.services import audit, auth, candidates

    talent = auth.load_actor(world_app.uow(), "talent.quillpay")
    row = candidates.list_candidates(world_app.uow(), talent, status="applied").rows[0]
    candidates.move_stage(
        world_app.uow(), talent, [row.id], "screening", reason="Strong", now=datetime.now(UTC)
    )
    at = login_app("admin.quillpay", "audit_log")
    assert not at.exception, at.exception
    assert at.title[0].value == "Audit log"
    assert len(at.dataframe) == 1
    assert any(c.value.endswith(" of 1") or "entries" in c.value for c in at.caption)
    table = at.dataframe[0].value
    moved = table[table["Action"] == "candidate.moved"]["Details"].tolist()
    # Readable details, not a raw dict.
    assert "from applied · to screening" in moved and not any("{" in d for d in moved)
    assert "Client" in table.columns
    assert audit.describe({"rows": 3, "stages": ["a", "b"], "x": None}) == "rows 3 · stages a, b"


def test_password_change_through_the_account_page_is_audited(world_app: Database) -> None:
    before = _audit_count(world_app, "user.password_changed")
    at = login_app("employee.quillpay", "account")
    assert at.title[0].value == "My account"
    _input(at, "Current password").input("peopleos-demo-2026")
    _input(at, "New password (at least 12 characters)").input("my-new-secret-77")
    _input(at, "Repeat the new password").input("my-new-secret-77")
    next(b for b in at.button if b.label == "Change password").click().run()
    assert not at.exception, at.exception
    assert any("Password changed" in s.value for s in at.success)
    assert _audit_count(world_app, "user.password_changed") == before + 1


def test_careers_page_is_public_and_refuses_an_incomplete_application(
    world_app: Database,
) -> None:
    from streamlit.testing.v1 import AppTest

    from tests.helpers import APP

    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.switch_page("pages/careers.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Open positions"
    assert len(at.metric) == 0  # no internal figures on a public page
    # Automated scoring is explained, with a way out of it.
    assert any("Automated scoring" in c.value for c in at.caption)
    assert [c.label for c in at.checkbox if "score" in c.label] == [
        "Do not score my application automatically"
    ]
    _input(at, "Full name").input("Nobody")
    next(b for b in at.button if b.label == "Submit application").click().run()
    errors = " ".join(e.value for e in at.error)
    assert "valid email" in errors and "agree to the processing" in errors


def _logout_button_app() -> None:
    """The sidebar's Log out button alone, with an authenticator whose cookie names the
    session in ``cookie_sid`` (AppTest has no browser cookies)."""
    import streamlit as st

    from pages import _session

    class Cookie:
        def get_cookie(self) -> dict:
            return {"sid": st.session_state["cookie_sid"]}

    class Authenticator:
        cookie_controller = Cookie()

        def logout(self, location: str) -> None:
            st.session_state["authentication_status"] = None

    _session.logout_button(Authenticator())


def test_log_out_ends_the_runs_session_and_the_one_the_cookie_names(world_app: Database) -> None:
    """Log out ends the session the run knows and the one the browser's cookie names, should
    they ever differ: a cookie the browser keeps afterwards opens nothing."""
    from streamlit.testing.v1 import AppTest

    from core.services import auth
    from pages._session import SESSION_KEY

    with world_app.uow() as uow:
        username = uow.session.scalars(
            select(User.username).where(User.role == "talent_lead").order_by(User.username)
        ).first()
    kept, in_cookie = open_session(username), open_session(username)
    at = AppTest.from_function(_logout_button_app)
    at.session_state[SESSION_KEY] = kept
    at.session_state["cookie_sid"] = in_cookie
    at.session_state["authentication_status"] = True
    at.run()
    at.sidebar.button[0].click().run()
    assert not at.exception
    now = datetime.now(UTC)
    assert auth.resume_session(world_app.uow(), kept, None, now) is None
    assert auth.resume_session(world_app.uow(), in_cookie, None, now) is None
