"""Candidates: filter and page through the pipeline, open a profile (audited)."""

import math
from datetime import UTC, datetime

import streamlit as st

from core.permissions import Permission
from core.services import candidates, duplicates, search
from core.services.errors import PeopleOSError
from pages._components import embedder, require, stage_move_form, table, uow, when
from pages._fit_view import fit_section

PAGE_SIZE = 25

actor = require(Permission.VIEW_CANDIDATES)
now = datetime.now(UTC)
st.title("Candidates")
if not actor.can(Permission.VIEW_ALL_CANDIDATES):
    st.caption("You see the candidates you interview.")

meaning = st.text_input(
    "Search by meaning",
    placeholder="e.g. payments backend engineer who mentored juniors",
    max_chars=300,
)
if meaning.strip():
    try:
        hits = search.semantic_search(uow(), actor, embedder(), meaning, k=10)
    except PeopleOSError as exc:
        st.error(str(exc))
    else:
        table(
            [
                {
                    "Name": h.full_name,
                    "Role": h.role_title,
                    "Stage": h.status,
                    "Match": f"{100 * h.score:.0f}%",
                }
                for h in hits
            ],
            empty="No candidate resumes to search yet.",
        )
    st.divider()

f1, f2, f3 = st.columns([2, 1, 2])
roles = candidates.list_candidates(uow(), actor, limit=1).roles
role_id = f1.selectbox(
    "Role", [None, *roles], format_func=lambda r: "All roles" if r is None else roles[r]
)
status = f2.selectbox("Stage", [None, *candidates.STAGES], format_func=lambda s: s or "All")
name_filter = f3.text_input("Search name or email", max_chars=200)
page_no = st.session_state.get("candidates_page", 1)
try:
    result = candidates.list_candidates(
        uow(),
        actor,
        role_id=role_id,
        status=status,
        search=name_filter or None,
        limit=PAGE_SIZE,
        offset=(page_no - 1) * PAGE_SIZE,
    )
except PeopleOSError as exc:
    st.error(str(exc))
    st.stop()

pages = max(1, math.ceil(result.total / PAGE_SIZE))
st.caption(
    f"{result.total} candidate{'' if result.total == 1 else 's'} · "
    f"page {min(page_no, pages)} of {pages}"
)
table(
    [
        {
            "Name": r.full_name,
            "Email": r.email,
            "Role": r.role_title,
            "Stage": r.status,
            "Source": r.source,
            "Fit": "not scored yet" if r.fit_score is None else r.fit_score,
            "Applied": r.applied_at.date(),
            "Days in stage": (now - r.updated_at).days,
        }
        for r in result.rows
    ],
    empty="No candidates match these filters.",
)
if result.total:
    st.download_button(
        "Export CSV",
        lambda: candidates.export_csv(
            uow(), actor, role_id=role_id, status=status, search=name_filter or None
        ),
        file_name="candidates.csv",
        mime="text/csv",
    )
st.columns([1, 5])[0].number_input(
    "Page", 1, pages, value=min(page_no, pages), key="candidates_page"
)

stage_move_form(
    actor, {r.id: f"{r.full_name or r.email} ({r.status})" for r in result.rows}, "move"
)

if result.rows:
    names = {r.id: f"{r.full_name} · {r.role_title or 'no role'}" for r in result.rows}
    chosen = st.selectbox(
        "Open a profile",
        [None, *names],
        format_func=lambda c: "Choose a candidate" if c is None else names[c],
    )
    if chosen is not None:
        try:
            profile = candidates.get_candidate_profile(uow(), actor, chosen)
        except PeopleOSError as exc:
            st.error(str(exc))
            st.stop()
        st.subheader(profile.full_name or profile.email)
        st.caption(" · ".join(x for x in (profile.email, profile.linkedin_url) if x))
        c1, c2, c3, c4 = st.columns(4)
        c1.metric("Stage", profile.status)
        c2.metric("Role", profile.role_title or "—")
        c3.metric("Source", profile.source or "—")
        c4.metric("Applied", profile.applied_at.strftime("%Y-%m-%d"))
        fit_section(actor, profile.id)
        st.divider()
        if profile.skills:
            st.markdown("**Skills from the resume**")
            st.write(", ".join(profile.skills))
            if profile.years_experience is not None:
                st.caption(f"About {profile.years_experience:g} years of experience on the resume")
        st.markdown("**Interviews**")
        table(
            [
                {
                    "Type": i.interview_type,
                    "Scheduled": when(i.scheduled_at),
                    "Interviewer": i.interviewer,
                    "Score": i.score,
                    "Recommendation": i.recommendation,
                    "Strengths": i.strengths,
                    "Concerns": i.concerns,
                }
                for i in profile.interviews
            ],
            empty="No interviews yet.",
        )
        merges = duplicates.merge_history(uow(), actor, profile.id)
        if merges:
            st.markdown("**Merged duplicates**")
            table(
                [
                    {
                        "Merged": m.merged_name or m.merged_email,
                        "Reference": m.merged_reference,
                        "Why": m.reason.replace("_", " "),
                        "By": m.actor,
                        "When": when(m.merged_at),
                    }
                    for m in merges
                ],
                empty="",
            )
        similar = search.similar_candidates(uow(), actor, profile.id, k=5)
        if similar:
            st.markdown("**Similar candidates**")
            table(
                [
                    {
                        "Name": h.full_name,
                        "Role": h.role_title,
                        "Stage": h.status,
                        "Similarity": f"{100 * h.score:.0f}%",
                    }
                    for h in similar
                ],
                empty="",
            )
        st.markdown("**Resume**")
        # Candidate text is shown as plain text, never as HTML or markdown.
        st.text(profile.resume_text or "No resume text.")
