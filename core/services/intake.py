"""Public applications: open roles, and applying with a resume (no login).

Every check runs before anything is written; the application, its consent, file,
self-identification, embedding and audit row are committed together or not at all.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from core.config import PROJECT_ROOT, get_settings
from core.db import UnitOfWork
from core.models import (
    Candidate,
    CandidateDocument,
    CandidateEmbedding,
    CandidateStageEvent,
    Consent,
    SelfIdentification,
)
from core.repositories.audit import AuditRepository
from core.repositories.intake import EmbeddingRepository, IntakeRepository
from core.repositories.notifications import NotificationRepository
from core.repositories.rate_limits import RateLimitRepository
from core.services import notifications, scoring, webhooks
from core.services.errors import NotFoundError, ValidationError
from core.services.rate_limits import Limit, blocked_until, record
from ml.resume import Taxonomy, parse_resume
from ml.resume_files import ResumeFileError, extract_text
from ml.self_id import SELF_ID_QUESTIONS

PRIVACY_NOTICE_VERSION = "2026-11"
CLIENT_LIMIT = Limit(count=5, window=timedelta(minutes=10), block=timedelta(minutes=10))
EMAIL_LIMIT = Limit(count=3, window=timedelta(days=1), block=timedelta(days=1))
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[A-Za-z]{2,}$")
_LINKEDIN = re.compile(r"^https://([a-z]{2,3}\.)?linkedin\.com/[A-Za-z0-9_/%.\-]+/?$")
_TAXONOMY_PATH = PROJECT_ROOT / "data" / "skills_taxonomy.json"


class ApplicationError(ValidationError):
    """The application was refused; ``fields`` maps a form field to its message."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("; ".join(fields.values()))
        self.fields = fields


@dataclass(frozen=True)
class PublicRole:
    id: uuid.UUID
    title: str
    department: str | None
    company_name: str
    company_slug: str | None
    description: str | None
    posted_at: datetime


@dataclass(frozen=True)
class Application:
    role_id: uuid.UUID
    full_name: str
    email: str
    resume: bytes
    resume_filename: str
    consent: bool
    linkedin_url: str = ""
    answers: dict[str, str] = field(default_factory=dict)
    self_id: dict[str, str] | None = None
    honeypot: str = ""
    expected_compensation: int | None = None  # annual, USD; optional
    scoring_opt_out: bool = False  # no automated score; a person reviews


@dataclass(frozen=True)
class Receipt:
    """What the applicant is told: their reference, and how the application was filed."""

    company_id: uuid.UUID
    candidate_id: uuid.UUID
    reference: str
    # The same person had applied to this role before: this application was added beside the
    # earlier one (which stays as staff left it) for a person to review.
    reapplied: bool
    other_roles: list[str]  # roles this person applied to before (their other applications)
    skills: list[str]


def list_open_roles(uow: UnitOfWork, company_slug: str | None = None) -> list[PublicRole]:
    with uow:
        return [_public(r, c) for r, c in IntakeRepository(uow.session).open_roles(company_slug)]


def get_open_role(uow: UnitOfWork, role_id: uuid.UUID) -> PublicRole:
    with uow:
        found = IntakeRepository(uow.session).open_role(role_id)
        if found is None:
            raise NotFoundError("This role is not open for applications.")
        return _public(*found)


def _public(role, company) -> PublicRole:  # noqa: ANN001 - ORM rows
    return PublicRole(
        role.id,
        role.title,
        role.department,
        company.name,
        company.slug,
        role.jd_text,
        role.created_at,
    )


def job_posting(role: PublicRole) -> dict[str, Any]:
    """schema.org JobPosting for a careers page."""
    return {
        "@context": "https://schema.org/",
        "@type": "JobPosting",
        "title": role.title,
        "description": role.description or role.title,
        "datePosted": role.posted_at.date().isoformat(),
        "employmentType": "FULL_TIME",
        "hiringOrganization": {"@type": "Organization", "name": role.company_name},
        "identifier": {"@type": "PropertyValue", "name": role.company_name, "value": str(role.id)},
    }


def _validate(app: Application) -> tuple[dict[str, str], str, str]:
    errors: dict[str, str] = {}
    name = " ".join(app.full_name.split())
    email = app.email.strip().lower()
    if not 2 <= len(name) <= 120:
        errors["full_name"] = "Enter your full name (2 to 120 characters)."
    if not _EMAIL.match(email) or len(email) > 255:
        errors["email"] = "Enter a valid email address."
    if app.linkedin_url.strip() and not _LINKEDIN.match(app.linkedin_url.strip()):
        errors["linkedin_url"] = "Enter a LinkedIn profile URL (https://www.linkedin.com/in/…)."
    for question, answer in app.answers.items():
        if len(answer) > 2000:
            errors[f"answer:{question}"] = "Keep each answer under 2,000 characters."
    if not app.consent:
        errors["consent"] = "Please agree to the processing of your application to apply."
    for question, answer in (app.self_id or {}).items():
        if question not in SELF_ID_QUESTIONS or (
            answer and answer not in SELF_ID_QUESTIONS[question]
        ):
            errors["self_id"] = "Choose one of the offered answers."
    if app.expected_compensation is not None and not (
        1_000 <= app.expected_compensation <= 5_000_000
    ):
        errors["expected_compensation"] = (
            "Enter an expected annual salary between 1,000 and 5,000,000 USD, or leave it empty."
        )
    if not app.resume:
        errors["resume"] = "Attach your resume (PDF, DOCX or TXT, up to 5 MB)."
    return errors, name, email


def submit_application(
    uow: UnitOfWork,
    app: Application,
    *,
    client: str | None,
    now: datetime,
    send_confirmation: bool = False,
) -> Receipt:
    """Store one application, in one transaction; it never changes an earlier one.

    A second role is a second application, linked to the first by ``person_id``; applying to
    the same role again adds another, linked too, for a person to review on the Duplicates
    page (an applicant cannot overwrite what staff hold). The slow work (MiniLM skills matching, the
    resume embedding, scoring and its explanation) is left to :func:`complete_application`,
    which the web app runs right after the answer and the worker catches up on, so the
    applicant is answered quickly and nothing is lost if the web process stops.
    """
    if app.honeypot.strip():
        # A field people never see was filled in: a bot. Say no, store nothing.
        raise ApplicationError({"form": "This submission was refused."})
    errors, name, email = _validate(app)
    if errors:
        raise ApplicationError(errors)
    with uow:
        limits = RateLimitRepository(uow.session)
        buckets = _buckets(client, email)
        _check_limits(limits, buckets, now)
        extracted = _extract(app.resume)
        profile = parse_resume(extracted.text, _taxonomy(), today=now.date())
        repo = IntakeRepository(uow.session)
        found = repo.open_role(app.role_id)
        if found is None:
            raise ApplicationError({"role": "This role is no longer open for applications."})
        role, company = found
        candidate, reapplied, others = _file(repo, company, role, email, now)
        _fill(candidate, app, name, extracted.text, profile.to_dict())
        repo.add(candidate)
        _record_rows(repo, app, candidate, extracted, client=client, reapplied=reapplied, now=now)
        for bucket, limit in buckets:
            record(limits, bucket, limit, now)
        AuditRepository(uow.session).add(
            actor="applicant",
            company_id=company.id,
            client_address=client,
            action="candidate.reapplied" if reapplied else "candidate.applied",
            entity_type="candidate",
            entity_id=str(candidate.id),
            summary={
                "role_id": str(role.id),
                "file_kind": extracted.kind,
                "other_applications": len(others),
                "scoring_opt_out": candidate.scoring_opt_out,
            },
        )
        webhooks.announce(
            uow.session,
            company.id,
            "candidate.applied",
            {
                "candidate_id": str(candidate.id),
                "role_id": str(role.id),
                "reapplied": reapplied,
            },
            now,
        )
        if send_confirmation:
            _confirm(uow, company, role, candidate, email, now)
        receipt = Receipt(
            company.id, candidate.id, candidate.reference or "", reapplied, others, profile.skills
        )
        uow.commit()
    return receipt


def complete_application(
    uow: UnitOfWork,
    company_id: uuid.UUID,
    candidate_id: uuid.UUID,
    *,
    now: datetime,
    encoder: Any | None = None,
    models: Any | None = None,
) -> bool:
    """The slow half of an application, in its own transaction: skills matched by MiniLM,
    the resume embedding, and the fit score with its explanation.

    Idempotent: running it twice (the web app's background thread and the worker's catch-up)
    gives the same rows. Returns False when the candidate no longer exists.
    """
    with uow:
        repo = IntakeRepository(uow.session)
        candidate = repo.candidate(company_id, candidate_id)
        company = repo.company(company_id)
        if candidate is None or company is None:
            return False
        if encoder is not None and candidate.resume_text:
            profile = parse_resume(
                candidate.resume_text, _taxonomy(), today=now.date(), encoder=encoder
            )
            kept = {
                k: v
                for k, v in (candidate.resume_profile or {}).items()
                if k in ("answers", "expected_compensation")
            }
            candidate.resume_profile = {**profile.to_dict(), **kept}
            vector = encoder.encode([candidate.resume_text[:2000]])[0]
            EmbeddingRepository(uow.session).save(
                CandidateEmbedding(
                    candidate_id=candidate.id,
                    company_id=candidate.company_id,
                    model=encoder.name,
                    vector=vector.astype("float32").tobytes(),
                    text_sha256=hashlib.sha256(candidate.resume_text.encode()).hexdigest(),
                    updated_at=now,
                )
            )
        if models is not None:
            scoring.score_in_session(
                uow.session,
                company,
                [candidate],
                models,
                now=now,
                trigger="intake",
                encoder=encoder,
            )
        uow.commit()
    return True


def _buckets(client: str | None, email: str) -> list[tuple[str, Limit]]:
    return [
        (f"intake:client:{client or 'unknown'}", CLIENT_LIMIT),
        (f"intake:email:{email}", EMAIL_LIMIT),
    ]


def _check_limits(
    limits: RateLimitRepository, buckets: list[tuple[str, Limit]], now: datetime
) -> None:
    """Refuse before any parsing when a client or an email applied too often."""
    for bucket, limit in buckets:
        until = blocked_until(limits, bucket, limit, now)
        if until is not None:
            minutes = max(1, round((until - now).total_seconds() / 60))
            message = f"Too many applications from here. Please try again in {minutes} minute(s)."
            raise ApplicationError({"form": message})


def _extract(resume: bytes) -> Any:
    try:
        return extract_text(resume)
    except ResumeFileError as exc:
        raise ApplicationError({"resume": str(exc)}) from None


def _file(
    repo: IntakeRepository, company: Any, role: Any, email: str, now: datetime
) -> tuple[Candidate, bool, list[str]]:
    """A new application of this person to ``role``, linked to their others by
    ``person_id``. Applying again never changes what staff hold: a repeat to the same role
    is added beside the first, and the Duplicates page offers the pair for a person to
    review. Returns it, whether they had applied to this role before, and their other roles."""
    applications = repo.applications_by_email(company.id, email)
    others = [title for c, title in applications if c.role_id != role.id and title]
    again = any(c.role_id == role.id for c, _ in applications)
    candidate = Candidate(
        company_id=company.id,
        role_id=role.id,
        email=email,
        status="applied",
        application_source="careers_page",
        reference=_reference(company.slug),
        created_at=now,
        updated_at=now,
        stage_entered_at=now,
        person_id=applications[0][0].person_id if applications else None,
    )
    return candidate, again, others


def _fill(candidate: Candidate, app: Application, name: str, text: str, profile: dict) -> None:
    candidate.full_name = name
    candidate.linkedin_url = app.linkedin_url.strip() or candidate.linkedin_url
    candidate.resume_text = text
    candidate.resume_profile = {
        **profile,
        "answers": {k: v for k, v in app.answers.items() if v.strip()},
        # Compared with the role's salary band (a risk indicator), never a model feature.
        "expected_compensation": app.expected_compensation,
    }
    # A new resume is scored again (by complete_application), never shown with an old score.
    candidate.fit_score = None
    candidate.scoring_opt_out = app.scoring_opt_out
    if candidate.scoring_opt_out:  # nothing a model said about an earlier resume stays shown
        candidate.success_probability = None
        candidate.fit_breakdown = None
        candidate.risk_indicators = None
        candidate.genome_profile = None


def _record_rows(
    repo: IntakeRepository,
    app: Application,
    candidate: Candidate,
    extracted: Any,
    *,
    client: str | None,
    reapplied: bool,
    now: datetime,
) -> None:
    """The stage event, consent, file and self-identification that come with an application."""
    company_id = candidate.company_id
    repo.add(
        CandidateStageEvent(
            company_id=company_id,
            candidate_id=candidate.id,
            from_status=None,
            to_status=candidate.status,
            actor="applicant",
            reason="applied again" if reapplied else "applied",
            reason_code=f"role:{candidate.role_id}",
            created_at=now,
        ),
        Consent(
            company_id=company_id,
            candidate_id=candidate.id,
            purpose="recruitment",
            notice_version=PRIVACY_NOTICE_VERSION,
            retention_days=get_settings().candidate_retention_days,
            granted_at=now,
            client_address=client,
        ),
        CandidateDocument(
            company_id=company_id,
            candidate_id=candidate.id,
            kind=extracted.kind,
            filename=_safe_name(app.resume_filename),
            size_bytes=len(app.resume),
            sha256=hashlib.sha256(app.resume).hexdigest(),
            content=app.resume,
        ),
    )
    answers = {k: v for k, v in (app.self_id or {}).items() if v}
    if answers and not reapplied:
        repo.add(
            SelfIdentification(company_id=company_id, candidate_id=candidate.id, answers=answers)
        )


def _confirm(
    uow: UnitOfWork, company: Any, role: Any, candidate: Candidate, email: str, now: datetime
) -> None:
    notifications.enqueue(
        NotificationRepository(uow.session),
        company_id=company.id,
        event_type="application_received",
        channel="email",
        recipient=email,
        subject=f"We received your application to {company.name}",
        body=(
            f"Thank you for applying for {role.title}. Your reference is "
            f"{candidate.reference}. A person reads every application."
        ),
        dedupe_key=f"application_received:{candidate.id}:{now.isoformat()}",
    )


def _reference(slug: str | None) -> str:
    prefix = (slug or "app")[:3].upper()
    return f"{prefix}-{secrets.token_hex(3).upper()}"


def _safe_name(filename: str) -> str:
    name = Path(filename or "resume").name
    return re.sub(r"[^A-Za-z0-9._ -]", "_", name)[:255] or "resume"


_TAXONOMY: list[Taxonomy] = []


def _taxonomy() -> Taxonomy:
    if not _TAXONOMY:
        _TAXONOMY.append(Taxonomy.load(_TAXONOMY_PATH))
    return _TAXONOMY[0]
