"""User text is shown literally on every page: markdown in a name or title never becomes a
link, an image fetched from elsewhere, emphasis or a heading (issue 12.6)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select, update
from streamlit.testing.v1 import AppTest

from core.db import Database
from core.models import Candidate, Company, Role, User
from tests.helpers import APP, login_app

pytestmark = pytest.mark.db

LINK = "[free offer](http://evil.example/x)"
IMAGE = "![pixel](http://evil.example/p.png)"
# Raw markdown from the hostile text that may reach no markdown-reading element (escaped,
# it reads "\]\(" and so on).
RAW = ("](http", "![", "**loud**")


def _hostile(text: str) -> str:
    return f"{text} {LINK} {IMAGE} **loud**"


@pytest.fixture(scope="module")
def hostile(world: Database) -> dict[str, Any]:
    """Quillpay's company name, its newest candidate, that candidate's role and the talent
    lead's name, each carrying markdown."""
    with world.uow() as uow:
        company = uow.session.scalars(select(Company).where(Company.slug == "quillpay")).one()
        candidate = uow.session.scalars(
            select(Candidate)
            .where(Candidate.company_id == company.id, Candidate.role_id.is_not(None))
            .order_by(Candidate.created_at.desc())
        ).first()
        role = uow.session.get(Role, candidate.role_id)
        role.status = "active"
        role.title = _hostile("Engineer")
        candidate.full_name = _hostile("Eve Mallory")
        company.name = _hostile("Quillpay")
        uow.session.execute(
            update(User)
            .where(User.username == "talent.quillpay")
            .values(full_name=_hostile("Hana"))
        )
        ids = {"candidate": str(candidate.id), "role": role.title, "role_id": role.id}
        uow.commit()
    return ids


@pytest.fixture
def app(world_app: Database, hostile: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield hostile


def _shown_as_markdown(at: AppTest) -> list[str]:
    """The text of every element Streamlit renders as markdown, labels included."""
    texts: list[str] = []
    for kind in (
        "markdown",
        "caption",
        "title",
        "header",
        "subheader",
        "info",
        "warning",
        "error",
        "success",
        "toast",
    ):
        texts += [str(e.value) for e in getattr(at, kind)]
        texts += [str(e.value) for e in getattr(at.sidebar, kind)]
    texts += [m.label for m in at.metric] + [str(m.value) for m in at.metric]
    texts += [e.label for e in at.expander] + [t.label for t in at.tabs]
    return texts


def _assert_literal(at: AppTest, where: str) -> None:
    assert not at.exception, (where, at.exception)
    shown = _shown_as_markdown(at)
    leaks = [t for t in shown if any(raw in t for raw in RAW)]
    assert leaks == [], f"{where}: markdown from user text rendered: {leaks[:3]}"


@pytest.mark.parametrize(
    "page",
    [
        "overview",
        "analytics",
        "candidates",
        "pipeline",
        "interviews",
        "hires",
        "roles",
        "duplicates",
        "imports",
        "company_dna",
        "onboarding",
        "culture_pulse",
    ],
)
def test_staff_pages_show_user_text_literally(app: dict[str, Any], page: str) -> None:
    at = login_app("talent.quillpay", page)
    for box in at.selectbox:  # the hostile role where a page picks one
        if box.label in ("Role", "Open a role"):
            at = box.set_value(app["role_id"]).run()
            break
    _assert_literal(at, page)


def test_the_sidebar_names_the_signed_in_user_literally(app: dict[str, Any]) -> None:
    """AppTest does not keep the sidebar next to st.navigation, so its caption is read from
    the function that writes it."""
    from core.services import auth
    from pages._components import signed_in_caption

    actor = auth.load_actor(Database(os.environ["PEOPLEOS_DATABASE_URL"]).uow(), "talent.quillpay")
    caption = signed_in_caption(actor)
    assert "Hana" in caption and "talent lead" in caption
    assert not any(raw in caption for raw in RAW)


def test_the_profile_shows_user_text_literally(app: dict[str, Any]) -> None:
    at = login_app("talent.quillpay")
    at.query_params["id"] = app["candidate"]
    at.switch_page("pages/candidate.py").run()
    _assert_literal(at, "candidate")
    assert any("Eve Mallory" in t for t in _shown_as_markdown(at))


def test_admin_pages_show_user_text_literally(app: dict[str, Any]) -> None:
    for page in ("users", "audit_log"):
        _assert_literal(login_app("admin.quillpay", page), page)


def test_the_careers_page_shows_user_text_literally(app: dict[str, Any]) -> None:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["company"] = "quillpay"
    at.run()
    at.switch_page("pages/careers.py").run()
    for box in at.selectbox:
        hostile = [i for i, o in enumerate(box.options or []) if "Engineer [" in o]
        if hostile:
            at = box.select_index(hostile[0]).run()
            break
    _assert_literal(at, "careers")
    assert any("Engineer" in t for t in _shown_as_markdown(at))
