"""Roles: create, edit, publish and close roles; their intelligence and job description."""

from datetime import UTC, datetime

import streamlit as st

from core.permissions import Permission
from core.services import roles
from core.services.errors import PeopleOSError
from pages._components import (
    embedder,
    escape_markdown,
    require,
    role_references,
    table,
    uow,
    when,
    worker_notice,
)

actor = require(Permission.MANAGE_ROLES)
st.title("Roles")
if flash := st.session_state.pop("roles_flash", None):
    st.success(escape_markdown(flash))
# A changed title, skills or regenerated role queues its candidates' rescoring.
worker_notice(actor, requests=("rescore",))

with st.expander("New role"), st.form("new_role", clear_on_submit=True):
    title = st.text_input("Title", max_chars=120, placeholder="e.g. Senior Backend Engineer")
    c1, c2 = st.columns(2)
    department = c1.selectbox(
        "Department", [None, *roles.departments()], format_func=lambda d: d or "From the title"
    )
    priority = c2.selectbox("Priority", roles.PRIORITIES, index=1)
    if st.form_submit_button("Create and generate", type="primary"):
        try:
            with st.spinner("Writing the role definition and job description…"):
                created = roles.create_role(
                    uow(),
                    actor,
                    roles.RoleDraft(title, department, priority),
                    embedder(),
                    datetime.now(UTC),
                    references=role_references(),
                )
        except PeopleOSError as exc:
            st.error(escape_markdown(str(exc)))
        else:
            st.session_state["role_id"] = created.id
            title = escape_markdown(created.title)
            st.success(f"Created the draft role {title}. Review it below, then publish.")

status = st.segmented_control("Status", roles.STATUSES, format_func=str.capitalize)
listed = roles.list_roles(uow(), actor, status)
table(
    [
        {
            "Title": r.title,
            "Department": r.department,
            "Priority": r.priority,
            "Status": r.status,
            "Active candidates": r.active_candidates,
            "JD generated": when(r.jd_generated_at),
        }
        for r in listed
    ],
    empty="No roles here yet. Create one above.",
)
if not listed:
    st.stop()
names = {r.id: f"{r.title} ({r.status})" for r in listed}
if st.session_state.get("role_id") not in names:
    st.session_state["role_id"] = next(iter(names))
role_id = st.selectbox("Open a role", list(names), format_func=names.get, key="role_id")
role = roles.get_role(uow(), actor, role_id)
intel = role.intelligence
now = datetime.now(UTC)


def _apply(action, *args, done: str, **kwargs) -> None:  # noqa: ANN001, ANN003 - a service call
    try:
        action(uow(), actor, role.id, *args, **kwargs)
    except PeopleOSError as exc:
        st.error(escape_markdown(str(exc)))
    else:
        st.session_state["roles_flash"] = done
        st.rerun()


st.subheader(escape_markdown(role.title))
st.caption(
    " · ".join(
        escape_markdown(x)
        for x in (
            intel.get("family_name"),
            role.department,
            role.priority and f"{role.priority} priority",
        )
        if x
    )
)
m1, m2, m3, m4 = st.columns(4)
m1.metric("Status", role.status)
m2.metric("Seniority", intel.get("seniority", "—"))
m3.metric(
    "Experience", f"{intel['years_experience']} years" if intel.get("years_experience") else "—"
)
m4.metric("Active candidates", role.active_candidates)
if role.next_statuses:
    s1, s2 = st.columns([1, 3])
    target = s1.selectbox("Change status to", role.next_statuses, format_func=str.capitalize)
    s2.write("")
    if s2.button(f"Make it {target}"):
        _apply(roles.set_status, target, now, done=f"The role is now {target}.")

definition, description, edit = st.tabs(["Definition", "Job description", "Edit"])
with definition:
    st.markdown("**Mission**")
    st.text(intel.get("mission", "—"))
    if intel.get("why_now"):
        st.info(f"Why now (from the company DNA): {escape_markdown(intel['why_now'])}")
    st.markdown("**Outcomes**")
    outcomes = intel.get("outcomes") or {}
    for key, label in (("30", "By day 30"), ("90", "By day 90"), ("365", "After a year")):
        if outcomes.get(key):
            st.text(f"{label}: {outcomes[key]}")
    k1, k2 = st.columns(2)
    k1.markdown("**Must-have skills**")
    k1.write(escape_markdown(", ".join(intel.get("must_have_skills", []))) or "—")
    k2.markdown("**Nice to have**")
    k2.write(escape_markdown(", ".join(intel.get("nice_to_have_skills", []))) or "—")
    k1.markdown("**Stage traits**")
    k1.write(escape_markdown(", ".join(intel.get("stage_traits", []))) or "—")
    k2.markdown("**Interview focus**")
    k2.write(escape_markdown(", ".join(intel.get("interview_focus", []))) or "—")
    band = intel.get("compensation")
    k1.markdown("**Salary band**")
    # Escaped: "$…$" would be read as a formula.
    k1.write(escape_markdown(f"${band['min']:,} – ${band['max']:,} a year") if band else "Not set")
    refs = intel.get("references") or []
    if refs:
        st.markdown("**Similar postings it drew on**")
        table(
            [
                {"Posting": r["title"], "From": r["source"], "Similarity": r["similarity"]}
                for r in refs
            ],
            empty="",
        )
    generated = intel.get("jd", {})
    if generated.get("elapsed_ms") is not None:
        st.caption(
            f"Generated {when(role.jd_generated_at)} by {generated.get('writer')} in "
            f"{generated['elapsed_ms']:.0f} ms · model {intel.get('version', '—')}"
        )
    if st.button("Regenerate from today's DNA", help="Replaces the definition and the JD"):
        with st.spinner("Regenerating…"):
            _apply(
                roles.regenerate_role,
                embedder(),
                now,
                references=role_references(),
                done="Regenerated.",
            )

with description, st.form("jd"):
    text = st.text_area("Job description (plain text)", role.jd_text, height=480, max_chars=20000)
    if st.form_submit_button("Save job description"):
        _apply(roles.update_role, roles.RoleEdits(jd_text=text), embedder(), now, done="Saved.")

with edit, st.form("edit_role"):
    new_title = st.text_input("Title", role.title, max_chars=120)
    mission = st.text_area("Mission", intel.get("mission", ""), max_chars=500)
    skills = roles.skill_names()
    must = intel.get("must_have_skills", [])
    nice = intel.get("nice_to_have_skills", [])
    must = st.multiselect("Must-have skills", sorted({*skills, *must}), must)
    nice = st.multiselect("Nice-to-have skills", sorted({*skills, *nice}), nice)
    band = intel.get("compensation") or {"min": 0, "max": 0}
    b1, b2 = st.columns(2)
    low = b1.number_input("Salary band from (USD a year)", 0, roles.MAX_SALARY, band["min"], 5000)
    high = b2.number_input(
        "Salary band to (0 and 0: no band)", 0, roles.MAX_SALARY, band["max"], 5000
    )
    if st.form_submit_button("Save changes"):
        edits = roles.RoleEdits(
            title=new_title,
            mission=mission,
            must_have_skills=must,
            nice_to_have_skills=nice,
            compensation=(int(low), int(high)),
        )
        _apply(roles.update_role, edits, embedder(), now, done="Saved.")
