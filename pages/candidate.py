"""A candidate's profile (opened by clicking a candidate in a list); every view is audited.

Interviewers see the resume, the role, the applicant's own answers and their own interviews;
never scores, risks or other interviewers' notes, so the model cannot bias the interview.
"""

import uuid
from datetime import UTC, datetime

import streamlit as st

from core.permissions import Permission
from core.services import candidates, duplicates, interview_feedback, search
from core.services.errors import PeopleOSError
from core.services.interviews import OPEN_STAGES
from pages._components import (
    candidate_table,
    escape_markdown,
    require,
    search_index,
    stage_move_form,
    table,
    uow,
    when,
)
from pages._fit_view import fit_section
from pages._hiring_view import offer_and_hire

actor = require(Permission.VIEW_CANDIDATES)
now = datetime.now(UTC)
if st.button("All candidates", icon=":material/arrow_back:", type="tertiary"):
    st.switch_page("pages/candidates.py")
try:
    candidate_id = uuid.UUID(st.query_params.get("id", ""))
    profile = candidates.get_candidate_profile(uow(), actor, candidate_id)
except ValueError:
    st.title("Candidate profile")
    st.info("Choose a candidate on the Candidates or Pipeline page to see their profile.")
    st.stop()
except PeopleOSError as exc:
    st.title("Candidate profile")
    st.error(escape_markdown(str(exc)))
    st.stop()

# Applicant text (name, answers, resume) is shown as plain text, never as markup.
st.title(escape_markdown(profile.full_name or profile.email), anchor=False)
st.text(" · ".join(x for x in (profile.email, profile.linkedin_url) if x))
st.text(
    f"Role: {profile.role_title or 'none'} · Source: {(profile.source or 'none').replace('_', ' ')}"
)
c1, c2, c3 = st.columns(3)
c1.metric("Stage", profile.status)
c2.metric("Days in stage", max((now - profile.stage_entered_at).days, 0))
c3.metric("Applied", profile.applied_at.strftime("%Y-%m-%d"))

if profile.other_applications:
    st.markdown("**Also applied to**")
    candidate_table(
        [
            {"Role": o.role_title or "no role", "Stage": o.status, "Applied": o.applied_at.date()}
            for o in profile.other_applications
        ],
        [o.id for o in profile.other_applications],
        key="other_applications",
        empty="",
    )

st.markdown("**In their own words**")
if profile.answers:
    for question, answer in profile.answers.items():
        st.caption(question)
        st.text(answer)
else:
    st.caption("No answers given (imported, or left empty).")
if profile.expected_compensation is not None:
    st.text(f"Expected annual salary: {profile.expected_compensation:,} USD")

stage_move_form(actor, {profile.id: f"{profile.full_name or profile.email}"}, "profile")
if actor.can(Permission.MOVE_CANDIDATES):
    offer_and_hire(actor, profile.id, profile.status)

if profile.scoring_opt_out and profile.scores_visible:
    st.info(
        "This applicant asked not to be scored automatically: no model scores or ranks "
        "them. Review the application in person.",
        icon=":material/person_check:",
    )
    st.divider()
elif profile.scores_visible:
    fit_section(actor, profile.id)
    st.divider()
if profile.skills:
    st.markdown("**Skills from the resume**")
    st.text(", ".join(profile.skills))
    if profile.years_experience is not None:
        st.caption(f"About {profile.years_experience:g} years of experience on the resume")
st.markdown("**Interviews**" if profile.scores_visible else "**Your interviews**")
table(
    [
        {
            "Type": i.interview_type,
            "When": "—" if i.local_start is None else i.local_start.strftime("%Y-%m-%d %H:%M"),
            "Time zone": i.timezone,
            "Minutes": i.duration_minutes,
            "Status": i.status,
            "Panel": ", ".join(i.panel) or i.interviewer,
            "Score": i.score,
            "Recommendation": i.recommendation,
            "Strengths": i.strengths,
            "Concerns": i.concerns,
        }
        for i in profile.interviews
    ],
    empty="No interviews yet.",
)
feedback = interview_feedback.list_feedback(uow(), actor, profile.id)
if feedback.scorecards or feedback.hidden:
    st.markdown("**Interview feedback**")
if feedback.hidden:
    st.info(
        f"{feedback.hidden} scorecard(s) from the panel stay hidden until you submit your own "
        "feedback on this candidate, so no one's opinion anchors yours."
    )
if feedback.scorecards:
    table(
        [
            {
                "Interviewer": c.interviewer,
                "Interview": c.interview_type,
                "Recommendation": interview_feedback.RECOMMENDATIONS.get(c.recommendation),
                **{interview_feedback.DIMENSIONS[k]: v for k, v in c.ratings.items()},
                "Evidence": " · ".join(c.evidence.values()),
                "Version": c.version,
            }
            for c in feedback.scorecards
        ],
        empty="",
    )
if profile.scores_visible and feedback.scorecards:
    debrief = interview_feedback.debrief(uow(), actor, profile.id)
    st.caption(
        "Debrief: the panel's ratings (1-4) beside the fit model's dimension scores (0-100)."
    )
    table(
        [
            {"Dimension": r.label, "Model (0-100)": r.model, **r.ratings}
            for r in debrief
            if r.ratings
        ],
        empty="No dimension was rated yet.",
    )
if actor.can(Permission.SCHEDULE_INTERVIEWS) and profile.status in OPEN_STAGES:
    if st.button("Schedule an interview", icon=":material/event:"):
        st.switch_page("pages/interviews.py", query_params={"candidate": str(profile.id)})
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
similar = search.similar_candidates(uow(), actor, profile.id, k=5, index=search_index(actor))
if similar:
    st.markdown("**Similar candidates**")
    candidate_table(
        [
            {
                "Name": h.full_name,
                "Role": h.role_title,
                "Stage": h.status,
                "Similarity": h.percent,
            }
            for h in similar
        ],
        [h.candidate_id for h in similar],
        key="similar",
        empty="",
        column_config={"Similarity": st.column_config.NumberColumn(format="%d%%")},
    )
st.markdown("**Resume**")
st.text(profile.resume_text or "No resume text.")
