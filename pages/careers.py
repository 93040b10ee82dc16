"""Careers (public, no login): open roles, and applying with a resume."""

from datetime import UTC, datetime

import streamlit as st

from core.config import get_settings
from core.services import intake, privacy_requests
from core.services.errors import NotFoundError, PeopleOSError
from pages._components import (
    embedder,
    escape_markdown,
    fit_models,
    in_background,
    job_posting_head,
    uow,
)
from pages._session import client_address

# The bot trap below is for bots only: hidden from sighted users and screen readers alike
# (display:none removes it from the accessibility tree); the server still refuses it filled.
st.html("<style>.st-key-website { display: none !important; }</style>")

slug = st.query_params.get("company")
roles = intake.list_open_roles(uow(), slug)
st.title("Open positions")
if not roles:
    st.info("No open positions right now. Please check back soon.")
    st.stop()

by_id = {r.id: r for r in roles}
chosen = st.selectbox(
    "Role", list(by_id), format_func=lambda r: f"{by_id[r].title} · {by_id[r].company_name}"
)
role = by_id[chosen]
# For job boards and search engines: schema.org JobPosting in the page's <head>.
job_posting_head(intake.job_posting(role))
with st.expander(
    f"About {escape_markdown(role.title)} at {escape_markdown(role.company_name)}", expanded=True
):
    st.text(role.description or "")

with st.expander(f"Your data at {escape_markdown(role.company_name)}"):
    # The same answer whether or not the address applied: nobody learns who did.
    with st.form("your_data"):
        st.caption("Ask for a copy of what we hold about you, or for its deletion.")
        data_email = st.text_input("Your email", max_chars=255)
        if st.form_submit_button("Send me a link"):
            try:
                st.info(
                    privacy_requests.request_data(
                        uow(), role.id, data_email, client=client_address(), now=datetime.now(UTC)
                    )
                )
            except PeopleOSError as exc:
                st.error(escape_markdown(str(exc)))

receipt: intake.Receipt | None = st.session_state.get("application_receipt")
if receipt:
    message = f"Thank you — your application is in. Your reference is {receipt.reference}."
    if receipt.reapplied:
        message += (
            " You had applied to this role before; the team sees this application next to "
            "your earlier one."
        )
    st.success(message)
    if receipt.other_roles:
        st.text("Your other applications here: " + ", ".join(receipt.other_roles) + ".")
    if st.button("Apply to another role"):
        del st.session_state["application_receipt"]
        st.rerun()
    st.stop()

# Problems from the last submission, each shown next to its field (kept across the rerun).
problems: dict[str, str] = st.session_state.pop("apply_problems", {})


def _problem(*fields: str) -> None:
    for name in fields:
        if name in problems:
            st.error(problems.pop(name))


with st.form("apply", clear_on_submit=False):
    st.subheader("Apply")
    _problem("form", "role")
    # After an application, the next one starts with the same person's details.
    person: dict[str, str] = st.session_state.get("applicant", {})
    full_name = st.text_input("Full name", person.get("name", ""), max_chars=120)
    _problem("full_name")
    email = st.text_input("Email", person.get("email", ""), max_chars=255)
    _problem("email")
    linkedin = st.text_input(
        "LinkedIn profile (optional)", person.get("linkedin", ""), max_chars=300
    )
    _problem("linkedin_url")
    # The widget states the size limit (the server's maxUploadSize, 5 MB).
    resume = st.file_uploader("Resume (PDF, DOCX or TXT)", type=["pdf", "docx", "txt"])
    _problem("resume")
    salary = st.number_input(
        "Expected annual salary in USD (optional)",
        min_value=0,
        max_value=5_000_000,
        value=None,
        step=5000,
        help="Helps us check early that the role's pay works for you.",
    )
    _problem("expected_compensation")
    why = st.text_area("Why this role?", max_chars=2000)
    _problem("answer:Why this role?")
    plan = st.text_area("What would you want to achieve in your first 90 days?", max_chars=2000)
    _problem("answer:First 90 days")
    company = escape_markdown(role.company_name)
    st.caption(
        f"Privacy notice ({intake.PRIVACY_NOTICE_VERSION}): {company} uses your "
        "application only to assess it for this and similar roles. A person reviews every "
        "application; no model rejects anyone. We keep it for "
        f"{get_settings().candidate_retention_days} days "
        "from your latest application, then delete it (if you are hired, it becomes part of "
        "your employee record). You can ask what we hold about you or to delete it at any time."
    )
    st.caption(
        "Automated scoring: to help the team read applications, a model compares your resume "
        "with the role and the company (skills, experience, stage and culture fit) and gives "
        "it a score with the reasons behind it. It never rejects anyone and never sees the "
        "self-identification below; people decide. You can opt out: then no score is computed "
        "and a person reviews your application without one."
    )
    consent = st.checkbox("I agree to the processing of my application as described above.")
    _problem("consent")
    opt_out = st.checkbox("Do not score my application automatically")
    with st.expander("Voluntary self-identification (optional)"):
        st.caption(
            "Stored apart from your application, never shown to reviewers and never "
            "used to score anyone; only counted in aggregate to check our fairness."
        )
        self_id = {
            q: st.selectbox(q.capitalize(), ["", *answers], key=f"self_{q}")
            for q, answers in intake.SELF_ID_QUESTIONS.items()
        }
        _problem("self_id")
    honeypot = st.text_input("Website", key="website", label_visibility="collapsed")
    _problem(*list(problems))  # anything without a field of its own
    submitted = st.form_submit_button("Submit application", type="primary")

if submitted:
    application = intake.Application(
        role_id=role.id,
        full_name=full_name,
        email=email,
        linkedin_url=linkedin,
        resume=resume.getvalue() if resume else b"",
        resume_filename=resume.name if resume else "",
        consent=consent,
        answers={"Why this role?": why, "First 90 days": plan},
        self_id={k: v for k, v in self_id.items() if v},
        honeypot=honeypot,
        expected_compensation=int(salary) if salary else None,
        scoring_opt_out=opt_out,
    )
    try:
        with st.spinner("Sending your application…"):
            result = intake.submit_application(
                uow(),
                application,
                client=client_address(),
                now=datetime.now(UTC),
                send_confirmation=bool(get_settings().smtp_url),
            )
    except intake.ApplicationError as exc:
        st.session_state["apply_problems"] = exc.fields
        st.rerun()
    except NotFoundError as exc:
        st.error(escape_markdown(str(exc)))
    else:
        # Skills matching, the embedding and the explained score follow the answer; the
        # worker scores anyone this misses (a stopped process), so nothing waits forever.
        unit = uow()
        in_background(
            lambda: intake.complete_application(
                unit,
                result.company_id,
                result.candidate_id,
                now=datetime.now(UTC),
                encoder=embedder(),
                models=fit_models(),
            )
        )
        st.session_state["application_receipt"] = result
        st.session_state["applicant"] = {"name": full_name, "email": email, "linkedin": linkedin}
        st.rerun()
