"""Interviews: upcoming and past, for the company (talent leads, founders) or the panels an
interviewer sits on; schedule, move and cancel them, and the panel gets calendar invitations."""

import uuid
from datetime import UTC, datetime, time, timedelta

import streamlit as st

from core.permissions import Permission
from core.services import candidates, interview_feedback, interview_questions, interviews
from core.services.errors import PeopleOSError, ValidationError
from pages._components import candidate_table, embedder, escape_markdown, require, table, uow

TYPES = {"phone": "Phone screen", "technical": "Technical", "culture": "Culture", "final": "Final"}

actor = require(Permission.VIEW_CANDIDATES)
now = datetime.now(UTC)
st.title("Interviews")
schedules = actor.can(Permission.SCHEDULE_INTERVIEWS)


def _local(view: interviews.InterviewView) -> str:
    start = view.local_start
    return "—" if start is None else start.strftime("%a %Y-%m-%d %H:%M")


def _schedule_inputs(key: str, zones: tuple[str, ...]) -> interviews.Schedule:
    """Date, time, time zone and length, as the scheduler sees them."""
    c1, c2, c3, c4 = st.columns([2, 1, 2, 1])
    day = c1.date_input(
        "Date", now.date() + timedelta(days=1), min_value=now.date(), key=f"{key}_day"
    )
    at = c2.time_input("Time", time(10, 0), step=timedelta(minutes=15), key=f"{key}_time")
    browser = st.context.timezone if st.context.timezone in zones else "UTC"
    zone = c3.selectbox("Time zone", zones, index=zones.index(browser), key=f"{key}_zone")
    minutes = c4.number_input(
        "Minutes", interviews.MIN_MINUTES, interviews.MAX_MINUTES, 45, step=15, key=f"{key}_len"
    )
    return interviews.Schedule(day, at, zone, int(minutes))


def _schedule_form() -> None:
    with st.expander("Schedule an interview", expanded="candidate" in st.query_params):
        found = st.text_input("Find the candidate (name or email)", key="iv_search").strip()
        page = candidates.list_candidates(uow(), actor, search=found or None, limit=20)
        choices = {
            r.id: f"{r.full_name or r.email} · {r.status}"
            for r in page.rows
            if r.status in interviews.OPEN_STAGES
        }
        wanted = st.query_params.get("candidate")
        if wanted and not found:  # opened from a profile: that candidate first
            try:
                picked = interviews.candidate_choice(uow(), actor, uuid.UUID(wanted))
            except (PeopleOSError, ValueError):
                picked = None
            if picked is not None and picked.status in interviews.OPEN_STAGES:
                choices = {picked.id: f"{picked.name} · {picked.status}", **choices}
        if not choices:
            st.info("No candidate in the pipeline matches; search by name or email.")
            return
        candidate_id = st.selectbox("Candidate", list(choices), format_func=choices.get)
        kind = st.selectbox("Type", list(TYPES), format_func=TYPES.get)
        schedule = _schedule_inputs("new", interviews.time_zones())
        people = {p.user_id: p.name for p in interviews.panel_choices(uow(), actor)}
        panel = st.multiselect(
            "Panel (the first leads)", list(people), format_func=people.get, max_selections=6
        )
        if st.button("Schedule and invite the panel", type="primary"):
            try:
                view = interviews.schedule_interview(
                    uow(), actor, candidate_id, kind, schedule, panel, datetime.now(UTC)
                )
            except PeopleOSError as exc:
                st.error(escape_markdown(str(exc)))
            else:
                st.success(
                    f"Scheduled for {_local(view)} ({view.timezone}); "
                    f"{len(view.panel)} invitation(s) queued."
                )


if schedules:
    _schedule_form()

upcoming = (
    st.segmented_control("Show", ["Upcoming", "Past"], default="Upcoming", key="iv_when") != "Past"
)
page_no = st.session_state.get("iv_page", 1)
try:
    rows = interviews.list_interviews(uow(), actor, now, upcoming=upcoming, page=page_no)
except PeopleOSError as exc:
    st.error(escape_markdown(str(exc)))
    st.stop()
if not schedules:
    st.caption("Interviews you are on the panel of.")
candidate_table(
    [
        {
            "When": _local(v),
            "Time zone": v.timezone,
            "Candidate": v.candidate_name,
            "Role": v.role_title,
            "Type": TYPES.get(v.interview_type or "", v.interview_type),
            "Minutes": v.duration_minutes,
            "Panel": ", ".join(p.name for p in v.panel),
            "Status": v.status,
        }
        for v in rows
    ],
    [v.candidate_id for v in rows],
    key="iv_table",
    empty="No upcoming interviews." if upcoming else "No past interviews.",
)
if len(rows) == interviews.PAGE_SIZE or page_no > 1:
    st.columns([1, 5])[0].number_input("Page", 1, value=page_no, key="iv_page")

changeable = [v for v in rows if v.status == "scheduled"] if schedules and upcoming else []
if changeable:
    with st.expander("Move or cancel an interview"):
        by_id = {v.id: v for v in changeable}
        chosen = st.selectbox(
            "Interview",
            list(by_id),
            format_func=lambda i: f"{_local(by_id[i])} · {by_id[i].candidate_name}",
        )
        schedule = _schedule_inputs("move", interviews.time_zones())
        move, cancel = st.columns(2)
        try:
            if move.button("Move and update the invitations"):
                interviews.reschedule_interview(uow(), actor, chosen, schedule, datetime.now(UTC))
                st.success("Moved; the panel's calendars get the new time.")
            if cancel.button("Cancel the interview"):
                interviews.cancel_interview(uow(), actor, chosen, datetime.now(UTC))
                st.success("Cancelled; the panel's calendars drop it.")
        except PeopleOSError as exc:
            st.error(escape_markdown(str(exc)))


def _questions_section(views: list[interviews.InterviewView]) -> None:
    """The kit of one interview: generated and edited by schedulers, read by the panel."""
    st.subheader("Questions")
    by_id = {v.id: v for v in views}
    chosen = st.selectbox(
        "Interview",
        list(by_id),
        format_func=lambda i: f"{_local(by_id[i])} · {by_id[i].candidate_name}",
        key="iv_kit_for",
    )
    view = by_id[chosen]
    try:
        kit = interview_questions.list_questions(uow(), actor, chosen)
    except PeopleOSError as exc:
        st.error(escape_markdown(str(exc)))
        return
    editable = schedules and view.status == "scheduled"
    if editable and st.button(
        "Generate questions" if not kit else "Generate again (replaces the edits)",
        icon=":material/auto_awesome:",
    ):
        try:
            kit = interview_questions.generate_questions(uow(), actor, chosen, embedder())
        except PeopleOSError as exc:
            st.error(escape_markdown(str(exc)))
    if not kit:
        st.info(
            "No questions yet."
            + (" Generate a kit for this candidate and role." if editable else "")
        )
        return
    rows = [
        {
            "Question": q.text,
            "Probes": q.dimension.replace("_", " "),
            "Why": q.reason,
            "A strong answer shows": q.strong,
            "A weak answer shows": q.weak,
        }
        for q in kit
    ]
    if not editable:
        table(rows, empty="")
        return
    st.caption("Why each question was chosen:")
    for number, q in enumerate(kit, start=1):
        st.text(f"{number}. {q.reason}")
    edited = st.data_editor(
        [{"Remove": False, **row} for row in rows],
        hide_index=True,
        width="stretch",
        disabled=["Probes", "Why", "A strong answer shows", "A weak answer shows"],
        key=f"iv_kit_{chosen}",
    )
    if st.button("Save the questions"):
        texts = {q.id: row["Question"] for q, row in zip(kit, edited, strict=True)}
        removed = frozenset(q.id for q, row in zip(kit, edited, strict=True) if row["Remove"])
        try:
            interview_questions.save_questions(uow(), actor, chosen, texts, removed=removed)
        except PeopleOSError as exc:
            st.error(escape_markdown(str(exc)))
        else:
            st.success(f"Saved {len(kit) - len(removed)} question(s).")


def _feedback_section() -> None:
    """The actor's scorecard on an interview whose panel they sit on."""
    mine = [
        v
        for upcoming in (False, True)
        for v in interviews.list_interviews(uow(), actor, now, upcoming=upcoming)
        if v.status != "cancelled" and any(p.user_id == actor.user_id for p in v.panel)
    ]
    if not mine:
        return
    st.subheader("Your feedback")
    by_id = {v.id: v for v in mine}
    chosen = st.selectbox(
        "Interview you sat on",
        list(by_id),
        format_func=lambda i: f"{_local(by_id[i])} · {by_id[i].candidate_name}",
        key="iv_feedback_for",
    )
    dimensions = interview_feedback.scorecard_form(uow(), actor, chosen)
    with st.form(f"scorecard_{chosen}"):
        ratings, evidence = {}, {}
        for key in dimensions:
            label = interview_feedback.DIMENSIONS[key]
            ratings[key] = st.radio(
                label,
                list(interview_feedback.RATINGS),
                format_func=interview_feedback.RATINGS.get,
                horizontal=True,
                index=None,
                key=f"rate_{chosen}_{key}",
            )
            evidence[key] = st.text_area(
                f"What you saw: {label}",
                max_chars=interview_feedback.MAX_EVIDENCE,
                height=80,
                key=f"evidence_{chosen}_{key}",
            )
        recommendation = st.radio(
            "Recommendation",
            list(interview_feedback.RECOMMENDATIONS),
            format_func=interview_feedback.RECOMMENDATIONS.get,
            horizontal=True,
            index=None,
        )
        st.caption("Submitted feedback is final; submitting again records a correction beside it.")
        if st.form_submit_button("Submit feedback", type="primary"):
            missing = [interview_feedback.DIMENSIONS[k] for k, v in ratings.items() if v is None]
            try:
                if missing or recommendation is None:
                    raise ValidationError("Rate every dimension and choose a recommendation.")
                card = interview_feedback.submit_scorecard(
                    uow(), actor, chosen, ratings, evidence, recommendation, datetime.now(UTC)
                )
            except PeopleOSError as exc:
                st.error(escape_markdown(str(exc)))
            else:
                st.success(f"Feedback submitted (version {card.version}).")


if rows:
    _questions_section(rows)
_feedback_section()
