"""The API keys page (admins): make a key (its secret shown once), see it used, revoke it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from core.db import Database
from core.models import AuditLog
from core.permissions import Permission
from core.services import api_access
from tests.helpers import login_app

pytestmark = pytest.mark.db


def _audits(db: Database, action: str) -> int:
    with db.uow() as uow:
        return uow.session.scalar(select(func.count()).where(AuditLog.action == action)) or 0


def test_an_admin_makes_a_key_sees_its_secret_once_and_revokes_it(world_app: Database) -> None:
    name = "**BI** [export](http://evil.example)"
    at = login_app("admin.quillpay", "api_keys")
    assert not at.exception, at.exception
    assert at.title[0].value == "API keys"
    next(t for t in at.text_input if t.label == "Who uses it").input(name)
    next(m for m in at.multiselect if m.label == "Permissions").set_value(
        [Permission.VIEW_COMPANY_DNA]
    )
    next(b for b in at.button if b.label == "Make key").click().run()
    assert not at.exception, at.exception
    (secret,) = [c.value for c in at.code]
    assert secret.startswith(api_access.KEY_PREFIX)
    holder = api_access.actor_from_key(world_app.uow(), secret, "test", datetime.now(UTC))
    assert holder.can(Permission.VIEW_COMPANY_DNA)
    assert not holder.can(Permission.VIEW_CANDIDATES)
    assert _audits(world_app, "api_key.created") == 1

    at.run()  # the secret is shown once
    assert not at.code
    listed = at.dataframe[0].value
    row = listed[listed["Name"] == name].iloc[0]  # the name as typed, in a table cell
    assert row["State"] == "live" and row["Last used"] != "never"
    assert row["Permissions"] == "view_company_dna"

    next(b for b in at.button if b.label == "Revoke now").click().run()
    assert not at.exception, at.exception
    assert _audits(world_app, "api_key.revoked") == 1
    listed = at.dataframe[0].value
    assert listed[listed["Name"] == name].iloc[0]["State"].startswith("revoked")
    with pytest.raises(api_access.CredentialsError):
        api_access.actor_from_key(world_app.uow(), secret, "test", datetime.now(UTC))


def test_a_key_without_permissions_is_refused_on_the_page(world_app: Database) -> None:
    at = login_app("admin.quillpay", "api_keys")
    next(t for t in at.text_input if t.label == "Who uses it").input("Nothing")
    next(b for b in at.button if b.label == "Make key").click().run()
    assert any("at least one permission" in e.value for e in at.error)
    assert not at.code


@pytest.mark.parametrize("username", ["founder.quillpay", "talent.quillpay"])
def test_only_admins_open_the_page(world_app: Database, username: str) -> None:
    at = login_app(username)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/api_keys.py")  # not even registered for the role
