"""AppTest: the Overview page shows the logged-in user's company figures."""

import pytest

from core.db import Database
from tests.helpers import company_ids_by_name, expected_overview, login_app

pytestmark = pytest.mark.db


@pytest.mark.parametrize("username", ["founder.quillpay", "talent.northwind", "founder.helix"])
def test_overview_shows_the_users_company_figures(
    app_env: str, seeded_db: Database, username: str
) -> None:
    at = login_app(username)
    assert not at.exception, at.exception
    assert at.title[0].value == "Overview"
    metrics = {m.label: int(m.value) for m in at.metric if m.value.isdigit()}
    companies = company_ids_by_name(seeded_db)
    company = next(n for n in companies if any(c.value.startswith(n) for c in at.main.caption))
    assert metrics == expected_overview(seeded_db, companies[company])
    assert username.split(".")[1] in company.lower()
    assert len(at.dataframe) == 2  # open roles and recent hires


def test_without_login_only_the_login_form_shows(app_env: str) -> None:
    from streamlit.testing.v1 import AppTest

    from tests.helpers import APP

    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    assert len(at.metric) == 0 and len(at.dataframe) == 0
    assert [t.label for t in at.text_input] == ["Username", "Password"]
