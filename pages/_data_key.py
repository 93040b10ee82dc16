"""The app's start-up check that PEOPLEOS_DATA_KEY decrypts the stored personal data."""

from __future__ import annotations

import streamlit as st

from core.config import get_settings
from core.crypto import DataKeyError, keyring
from core.services import encryption
from pages._components import escape_markdown, uow


@st.cache_resource(show_spinner=False)
def _problem(database_url: str, key_ids: tuple[str, ...]) -> str:
    """Empty when the keys decrypt the data; checked once per process, database and keys."""
    try:
        encryption.check_data_key(uow())
    except DataKeyError as exc:
        return str(exc)
    return ""


def stop_unless_data_key_fits() -> None:
    """Show what is wrong with PEOPLEOS_DATA_KEY and stop, rather than fail on a page."""
    problem = _problem(get_settings().database_url, tuple(k for k, _ in keyring().keys))
    if problem:
        st.error(
            escape_markdown(f"PeopleOS cannot read its encrypted data. {problem}"),
            icon=":material/key:",
        )
        st.stop()
