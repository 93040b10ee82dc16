"""Candidates: search by meaning, filter, sort and page through; click a row for the profile."""

from datetime import UTC, datetime

import streamlit as st

from core.permissions import Permission
from core.services import candidates, search
from core.services.errors import PeopleOSError
from pages._components import (
    candidate_list,
    candidate_table,
    embedder,
    escape_markdown,
    require,
    search_index,
    sort_options,
    stage_move_form,
    uow,
    warm_language_model,
)

PAGE_SIZE = 25

actor = require(Permission.VIEW_CANDIDATES)
now = datetime.now(UTC)
st.title("Candidates")
if not actor.can(Permission.VIEW_ALL_CANDIDATES):
    st.caption("You see the candidates you interview.")

warm_language_model()
meaning = st.text_input(
    "Search by meaning",
    placeholder="e.g. payments backend engineer who mentored juniors",
    max_chars=300,
)
if meaning.strip():
    try:
        with st.spinner("Searching… the first search after a restart loads the language model."):
            hits = search.semantic_search(
                uow(), actor, embedder(), meaning, k=10, index=search_index(actor)
            )
    except PeopleOSError as exc:
        st.error(escape_markdown(str(exc)))
    else:
        candidate_table(
            [
                {"Name": h.full_name, "Role": h.role_title, "Stage": h.status, "Match": h.percent}
                for h in hits
            ],
            [h.candidate_id for h in hits],
            key="search_hits",
            empty=f"No resume matches this closely enough (a match needs "
            f"{search.MIN_RELEVANCE_PERCENT}% or more).",
            column_config={"Match": st.column_config.NumberColumn("Match", format="%d%%")},
        )
        if hits:
            st.caption(
                f"{len(hits)} best match{'es' if len(hits) != 1 else ''} at "
                f"{search.MIN_RELEVANCE_PERCENT}% or more · click a row to open the profile"
            )
            # The hits are a list to act on, like any other: move them on in one go.
            stage_move_form(
                actor, {h.candidate_id: f"{h.full_name} ({h.status})" for h in hits}, "hits"
            )
    st.divider()

roles = candidates.list_roles(uow(), actor)
f1, f2, f3, f4 = st.columns([2, 1, 2, 2])
role_id = f1.selectbox(
    "Role", [None, *roles], format_func=lambda r: "All roles" if r is None else roles[r]
)
status = f2.selectbox("Stage", [None, *candidates.STAGES], format_func=lambda s: s or "All")
name_filter = f3.text_input("Search name or email", max_chars=200)
sort = f4.selectbox("Sort", sort_options(actor), format_func=candidates.SORT_LABELS.get)
page_no = st.session_state.get("candidates_page", 1)
try:
    result = candidates.list_candidates(
        uow(),
        actor,
        role_id=role_id,
        status=status,
        search=name_filter or None,
        sort=sort,
        limit=PAGE_SIZE,
        offset=(page_no - 1) * PAGE_SIZE,
    )
except PeopleOSError as exc:
    st.error(escape_markdown(str(exc)))
    st.stop()

right = candidate_list(
    result, now, key="candidates", page_no=page_no, page_size=PAGE_SIZE, sort=sort, contact=True
)
if result.total and actor.can(Permission.EXPORT_CANDIDATES):
    right.download_button(
        "Export CSV",
        lambda: candidates.export_csv(
            uow(), actor, now, role_id=role_id, status=status, search=name_filter or None, sort=sort
        ),
        file_name="candidates.csv",
        mime="text/csv",
    )

stage_move_form(
    actor, {r.id: f"{r.full_name or r.email} ({r.status})" for r in result.rows}, "move"
)
