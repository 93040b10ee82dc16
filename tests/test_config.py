"""Settings: defaults, normalisation and clear errors naming the variable."""

from pathlib import Path

import pytest

from core.config import PROJECT_ROOT, SettingsError, load_settings


def test_defaults_use_sqlite_under_data_local() -> None:
    settings = load_settings({})
    assert settings.database_url == f"sqlite:///{PROJECT_ROOT / 'data/local/peopleos.db'}"
    assert settings.is_sqlite
    assert settings.environment == "development"
    assert settings.local_dir == PROJECT_ROOT / "data" / "local"


def test_plain_postgresql_url_is_switched_to_psycopg3() -> None:
    settings = load_settings({"PEOPLEOS_DATABASE_URL": "postgresql://u:p@db:5432/people"})
    assert settings.database_url == "postgresql+psycopg://u:p@db:5432/people"
    assert not settings.is_sqlite


def test_absolute_sqlite_path_is_kept(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert load_settings({"PEOPLEOS_DATABASE_URL": url}).database_url == url


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"PEOPLEOS_DATABASE_URL": "not a url"}, "PEOPLEOS_DATABASE_URL"),
        ({"PEOPLEOS_DATABASE_URL": "mysql://root@localhost/x"}, "PEOPLEOS_DATABASE_URL"),
        ({"PEOPLEOS_SECRET_KEY": "short"}, "PEOPLEOS_SECRET_KEY"),
        ({"PEOPLEOS_ENV": "production"}, "PEOPLEOS_SECRET_KEY"),
        ({"PEOPLEOS_ENV": "staging"}, "PEOPLEOS_ENV"),
        ({"PEOPLEOS_LOG_LEVEL": "LOUD"}, "PEOPLEOS_LOG_LEVEL"),
    ],
)
def test_invalid_setting_names_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        load_settings(env)


def test_production_accepts_a_long_secret() -> None:
    settings = load_settings({"PEOPLEOS_ENV": "production", "PEOPLEOS_SECRET_KEY": "k" * 40})
    assert settings.secret_key == "k" * 40
