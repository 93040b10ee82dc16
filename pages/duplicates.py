"""Duplicates: candidates who look like one person, side by side, and a merge that keeps history."""

from datetime import UTC, datetime

import streamlit as st

from core.permissions import Permission
from core.services import duplicates
from core.services.errors import PeopleOSError
from pages._components import escape_markdown, require, table, uow

actor = require(Permission.MERGE_CANDIDATES)
st.title("Duplicates")
st.caption(
    "Same email, the same resume file or text, or resumes that read almost the same. "
    "Nothing is merged until you choose which record to keep."
)
if st.session_state.pop("duplicates_merged", False):
    st.success("Merged. The kept record now holds the duplicate's files, history and interviews.")

threshold = st.slider("Resume similarity threshold", 0.90, 1.00, 0.97, 0.01)
try:
    pairs = duplicates.find_duplicates(uow(), actor, threshold=threshold)
except PeopleOSError as exc:
    st.error(escape_markdown(str(exc)))
    st.stop()
if not pairs:
    st.info("No duplicates found at this threshold.")
    st.stop()


def _name(c: duplicates.DuplicateCandidate) -> str:
    return c.full_name or c.email


table(
    [
        {
            "Keep (suggested)": _name(p.first),
            "Duplicate": _name(p.second),
            "Evidence": ", ".join(p.evidence),
            # A number, so it sorts as one; pairs found by email alone have none (—).
            "Similarity": None if p.similarity is None else round(100 * p.similarity, 1),
        }
        for p in pairs
    ],
    empty="No duplicates found at this threshold.",
    column_config={"Similarity": st.column_config.NumberColumn(format="%.1f%%")},
)
chosen = st.selectbox(
    "Review a pair",
    range(len(pairs)),
    format_func=lambda i: f"{_name(pairs[i].first)} ↔ {_name(pairs[i].second)}",
)
pair = pairs[chosen]
try:
    sides = duplicates.compare_candidates(uow(), actor, pair.first.id, pair.second.id)
except PeopleOSError as exc:
    st.error(escape_markdown(str(exc)))
    st.stop()

# Candidate-provided text goes into tables, select boxes and st.text only: never markdown.
fields = {
    "Name": lambda s: s.full_name or "—",
    "Email": lambda s: s.email,
    "Role": lambda s: s.role_title or "—",
    "Stage": lambda s: s.status,
    "Applied": lambda s: s.applied_at.strftime("%Y-%m-%d"),
    "Reference": lambda s: s.reference or "—",
    "Skills": lambda s: ", ".join(s.skills) or "—",
}
table(
    [
        {"": field, **{f"Record {n}": get(s) for n, s in enumerate(sides, 1)}}
        for field, get in fields.items()
    ],
    empty="",
)
for column, side in zip(st.columns(2), sides, strict=True):
    column.text(side.resume_excerpt or "No resume text.")

names = {s.id: f"Record {n}: {s.full_name or s.email} ({s.status})" for n, s in enumerate(sides, 1)}
with st.form("merge"):
    keep = st.selectbox(
        "Keep",
        list(names),
        format_func=names.get,
        help="Suggested: record 1, the one further along the pipeline (then the older one).",
    )
    why = st.text_input("Reason for the merge", max_chars=1000)
    if st.form_submit_button("Merge"):
        other = next(i for i in names if i != keep)
        try:
            duplicates.merge_candidates(
                uow(), actor, keep, other, reason=why, now=datetime.now(UTC), threshold=threshold
            )
        except PeopleOSError as exc:
            st.error(escape_markdown(str(exc)))
        else:
            st.session_state["duplicates_merged"] = True
            st.rerun()
