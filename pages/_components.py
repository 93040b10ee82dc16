"""UI-side helpers shared by the pages: cached resources, company choice, formatting.

Caching lives here, never in core: the engine is a shared resource; every script run
opens its own unit of work through :func:`uow`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from core.config import get_settings
from core.db import Database, UnitOfWork
from core.services import analytics

ROUTED_KEY = "_peopleos_routed"  # set by app.py on every run, before the page runs


def require_router() -> None:
    """Stop unless this page was opened through app.py's router (see app.py)."""
    if not st.session_state.get(ROUTED_KEY):
        st.warning("Open PeopleOS from its home page.")
        st.page_link("app.py", label="Go to PeopleOS")
        st.stop()


@st.cache_resource(show_spinner=False)
def _database(database_url: str) -> Database:
    return Database(database_url)


def uow() -> UnitOfWork:
    """A fresh unit of work on the configured database."""
    return _database(get_settings().database_url).uow()


def choose_company() -> uuid.UUID | None:
    """Sidebar company picker; remembers the choice in the session."""
    companies = analytics.list_companies(uow())
    if not companies:
        st.info(
            "No company yet. Load the demo with `python -m core.cli demo seed` "
            "or import a StartupOS export."
        )
        return None
    ids = [c.id for c in companies]
    names = {c.id: c.name for c in companies}
    current = st.session_state.get("company_id")
    chosen = st.sidebar.selectbox(
        "Company",
        ids,
        index=ids.index(current) if current in ids else 0,
        format_func=lambda company_id: names[company_id],
        key="company_picker",
    )
    st.session_state["company_id"] = chosen
    return chosen


STAGE_LABELS = {
    "pre_seed": "Pre-seed",
    "seed": "Seed",
    "series_a": "Series A",
    "series_b": "Series B",
    "series_c": "Series C",
    "growth": "Growth",
}


def table(rows: Sequence[Mapping[str, Any]], *, empty: str) -> None:
    """A full-width table of ``rows``, or ``empty`` as a note when there are none."""
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    else:
        st.info(empty)
