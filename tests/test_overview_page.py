"""AppTest: the Overview page shows the seeded figures for the chosen company."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.config import get_settings
from core.db import Database
from tests.helpers import company_ids_by_name, expected_overview

pytestmark = pytest.mark.db
APP = Path(__file__).resolve().parents[1] / "app.py"


@pytest.fixture
def app_env(seeded_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PEOPLEOS_DATABASE_URL", seeded_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _metrics(at: AppTest) -> dict[str, int]:
    return {m.label: int(m.value) for m in at.metric if m.value.isdigit()}


def test_overview_shows_each_companys_figures(app_env: None, seeded_db: Database) -> None:
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Overview"
    companies = company_ids_by_name(seeded_db)
    picker = at.sidebar.selectbox(key="company_picker")
    assert sorted(picker.options) == sorted(companies)
    seen = set()
    for name, company_id in companies.items():
        at = picker.set_value(company_id).run()
        assert not at.exception, at.exception
        expected = expected_overview(seeded_db, company_id)
        assert _metrics(at) == expected
        assert expected["Open roles"] > 0 and expected["Hires"] > 0
        assert name in at.caption[0].value
        seen.add(tuple(sorted(expected.items())))
        picker = at.sidebar.selectbox(key="company_picker")
    assert len(seen) > 1, "every company showed the same figures"
    assert len(at.dataframe) == 2  # open roles and recent hires


def test_overview_on_an_empty_database_explains_how_to_load_data(
    migrated_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PEOPLEOS_DATABASE_URL", migrated_url)
    get_settings.cache_clear()
    try:
        at = AppTest.from_file(str(APP), default_timeout=60).run()
    finally:
        get_settings.cache_clear()
    assert not at.exception
    assert "demo seed" in at.info[0].value
    assert len(at.metric) == 0
