"""Settings: defaults, normalisation and clear errors naming the variable."""

import stat
from pathlib import Path

import pytest

from core.config import _DEV_SECRET, PROJECT_ROOT, SettingsError, load_settings


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


def test_without_a_key_each_install_makes_its_own_secret_one(tmp_path) -> None:
    """Outside tests, no run signs cookies with the key published in the source: the first
    start makes a random key, readable by its owner only, and later starts reuse it."""
    one, other = tmp_path / "one", tmp_path / "other"
    first = load_settings({"PEOPLEOS_DATA_DIR": str(one)}).secret_key
    assert first != _DEV_SECRET and len(first) >= 32
    assert load_settings({"PEOPLEOS_DATA_DIR": str(one)}).secret_key == first
    assert load_settings({"PEOPLEOS_DATA_DIR": str(other)}).secret_key != first
    assert stat.S_IMODE((one / "local" / "secret_key").stat().st_mode) == 0o600
    assert load_settings({"PEOPLEOS_ENV": "test"}).secret_key == _DEV_SECRET


def test_production_refuses_the_published_key_even_when_set() -> None:
    with pytest.raises(SettingsError, match="published"):
        load_settings({"PEOPLEOS_ENV": "production", "PEOPLEOS_SECRET_KEY": _DEV_SECRET})


def test_production_accepts_a_long_secret() -> None:
    settings = load_settings(
        {
            "PEOPLEOS_ENV": "production",
            "PEOPLEOS_SECRET_KEY": "k" * 40,
            "PEOPLEOS_DATA_KEY": "ZGF0YS1rZXktb2YtYS1wcm9kdWN0aW9uLXNlcnZlcjE=",
        }
    )
    assert settings.secret_key == "k" * 40


def test_tables_offer_no_unaudited_csv_download() -> None:
    """Streamlit's table toolbar would export personal data with formulas unescaped and no
    audit row; the app's config turns it off (an option this Streamlit version knows)."""
    import tomllib

    from streamlit import config

    shipped = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text())
    assert shipped["client"]["disableDataExport"] is True
    assert "client.disableDataExport" in config._config_options_template
