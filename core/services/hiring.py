"""Offer and hire: the two stage moves that carry details.

Moving a candidate to ``offer`` records the offer (salary checked against the role's band,
start date). Moving to ``hired`` needs a start date and, in one transaction, creates the
hire (with the fit score predicted for them), the employee, an employee account with a
one-time invitation to set a password (a link, never a password, in the email), and the
onboarding plan with its day 7/30/60/90 checkpoints. Hiring someone already hired creates
nothing and returns the hire there is.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from core.db import UnitOfWork
from core.models import (
    Candidate,
    Employee,
    Hire,
    Offer,
    Role,
    User,
    UserInvitation,
)
from core.permissions import Permission
from core.repositories.audit import AuditRepository
from core.repositories.candidates import CandidateRepository
from core.repositories.companies import CompanyRepository
from core.repositories.hires import HireRepository
from core.repositories.notifications import NotificationRepository
from core.repositories.roles import RoleRepository
from core.repositories.scoring import ScoringRepository
from core.repositories.users import UserRepository
from core.services import candidates, notifications, onboarding
from core.services.auth import Actor, unusable_password_hash
from core.services.errors import ValidationError
from core.services.scope import visible_candidate

INVITATION_HOURS = 72
MAX_SALARY = 10_000_000
MAX_REASON = 500
# How far ahead a start date may be.
MAX_START_DAYS = 365


@dataclass(frozen=True)
class OfferView:
    candidate_id: uuid.UUID
    salary: int
    currency: str
    start_date: date
    band: tuple[int, int] | None
    band_exception: str | None


@dataclass(frozen=True)
class HireView:
    hire_id: uuid.UUID
    candidate_id: uuid.UUID
    start_date: date | None
    predicted_fit_score: int | None
    username: str | None  # the new employee account
    checkpoints: tuple[date, ...]
    created: bool  # False: already hired, nothing new


def _band(role: Role | None) -> tuple[int, int, str] | None:
    pay = (role.role_intelligence or {}).get("compensation") if role else None
    if not isinstance(pay, dict) or "min" not in pay or "max" not in pay:
        return None
    return int(pay["min"]), int(pay["max"]), str(pay.get("currency") or "USD")


def _check_start(start_date: date | None, now: datetime) -> date:
    if start_date is None:
        raise ValidationError("A hire needs a start date.")
    if start_date < now.date():
        raise ValidationError("The start date has passed; choose today or a later day.")
    if start_date > now.date() + timedelta(days=MAX_START_DAYS):
        raise ValidationError("The start date is more than a year away.")
    return start_date


def make_offer(
    uow: UnitOfWork,
    actor: Actor,
    candidate_id: uuid.UUID,
    salary: int,
    start_date: date | None,
    now: datetime,
    *,
    band_exception: str = "",
) -> OfferView:
    """Record an offer and move the candidate to ``offer`` (a revised offer adds a row)."""
    actor.require(Permission.MOVE_CANDIDATES)
    if isinstance(salary, bool) or not isinstance(salary, int) or not 0 < salary <= MAX_SALARY:
        raise ValidationError("The salary must be a whole, positive annual amount.")
    start = _check_start(start_date, now)
    reason = " ".join(band_exception.split())[:MAX_REASON]
    with uow:
        candidate = visible_candidate(uow.session, actor, candidate_id)
        if candidate.status not in ("interview", "offer"):
            raise ValidationError(
                f"{_name(candidate)} is {candidate.status}; an offer follows the interviews."
            )
        band = _band(_role(uow, actor, candidate))
        if band and not band[0] <= salary <= band[1] and not reason:
            raise ValidationError(
                f"{salary:,} is outside the role's band ({band[0]:,}-{band[1]:,} {band[2]}); "
                "say why to offer it anyway."
            )
        offer = Offer(
            company_id=actor.company_id,
            candidate_id=candidate.id,
            role_id=candidate.role_id,
            salary=salary,
            currency=band[2] if band else "USD",
            start_date=start,
            band_exception=reason if band and not band[0] <= salary <= band[1] else None,
            made_by=actor.username,
            created_at=now,
        )
        uow.session.add(offer)
        if candidate.status == "interview":
            _move(uow, actor, candidate, "offer", "Offer made.", now)
        AuditRepository(uow.session).add(
            **actor.audit_fields(),
            action="candidate.offer_made",
            entity_type="candidate",
            entity_id=str(candidate.id),
            summary={
                "salary": salary,
                "start": start.isoformat(),
                "outside_band": bool(offer.band_exception),
            },
        )
        uow.commit()
        return _offer_view(offer, band)


def latest_offer(uow: UnitOfWork, actor: Actor, candidate_id: uuid.UUID) -> OfferView | None:
    """The candidate's most recent offer (the hire form starts from its start date)."""
    actor.require(Permission.MOVE_CANDIDATES)
    with uow:
        candidate = visible_candidate(uow.session, actor, candidate_id)
        offer = HireRepository(uow.session).latest_offer(actor.company_id, candidate.id)
        if offer is None:
            return None
        return _offer_view(offer, _band(_role(uow, actor, candidate)))


def _offer_view(offer: Offer, band: tuple[int, int, str] | None) -> OfferView:
    return OfferView(
        offer.candidate_id,
        offer.salary,
        offer.currency,
        offer.start_date,
        (band[0], band[1]) if band else None,
        offer.band_exception,
    )


def get_hire(uow: UnitOfWork, actor: Actor, candidate_id: uuid.UUID) -> HireView | None:
    """The candidate's hire (start date, account, checkpoints), if they were hired."""
    actor.require(Permission.MOVE_CANDIDATES)
    with uow:
        candidate = visible_candidate(uow.session, actor, candidate_id)
        hire = HireRepository(uow.session).get_for_candidate(actor.company_id, candidate.id)
        return None if hire is None else _hire_view(uow, actor, hire, created=False)


def hire_candidate(
    uow: UnitOfWork,
    actor: Actor,
    candidate_id: uuid.UUID,
    start_date: date | None,
    now: datetime,
    *,
    base_url: str,
) -> HireView:
    """Hire a candidate who holds an offer (see the module docstring)."""
    actor.require(Permission.MOVE_CANDIDATES)
    with uow:
        candidate = visible_candidate(uow.session, actor, candidate_id)
        hires = HireRepository(uow.session)
        existing = hires.get_for_candidate(actor.company_id, candidate.id)
        if existing is not None:
            return _hire_view(uow, actor, existing, created=False)
        start = _check_start(start_date, now)
        if candidate.status != "offer":
            raise ValidationError(f"{_name(candidate)} is {candidate.status}; hire after an offer.")
        role = _role(uow, actor, candidate)
        hire = Hire(
            candidate_id=candidate.id,
            role_id=candidate.role_id,
            company_id=actor.company_id,
            start_date=start,
            predicted_fit_score=_predicted_fit(uow, actor, candidate),
            created_at=now,
        )
        hires.add(hire)
        user = _employee_and_account(uow, actor, candidate, hire, role, start, now)
        _invite(uow, actor, user, base_url, now)
        onboarding.add_plan(uow.session, actor.company_id, candidate, hire, role, start, now)
        _move(uow, actor, candidate, "hired", f"Hired; starts {start.isoformat()}.", now)
        AuditRepository(uow.session).add(
            **actor.audit_fields(),
            action="candidate.hired",
            entity_type="candidate",
            entity_id=str(candidate.id),
            summary={"start": start.isoformat(), "account": user.username},
        )
        uow.commit()
        return _hire_view(uow, actor, hire, created=True)


def _role(uow: UnitOfWork, actor: Actor, candidate: Candidate) -> Role | None:
    if candidate.role_id is None:
        return None
    return RoleRepository(uow.session).get(actor.company_id, candidate.role_id)


def _name(candidate: Candidate) -> str:
    return candidate.full_name or candidate.email


def _move(
    uow: UnitOfWork, actor: Actor, candidate: Candidate, to: str, reason: str, now: datetime
) -> None:
    repo = CandidateRepository(uow.session)
    candidates.record_move(repo, candidate, to, reason, now, by=actor.username)


def _predicted_fit(uow: UnitOfWork, actor: Actor, candidate: Candidate) -> int | None:
    """The latest fit prediction about the candidate, on 0-100."""
    for prediction in ScoringRepository(uow.session).predictions(actor.company_id, candidate.id):
        if prediction.prediction_type == "fit_score" and prediction.predicted_value is not None:
            return round(100 * float(prediction.predicted_value))
    return None


def _employee_and_account(
    uow: UnitOfWork,
    actor: Actor,
    candidate: Candidate,
    hire: Hire,
    role: Role | None,
    start: date,
    now: datetime,
) -> User:
    employee = Employee(
        company_id=actor.company_id,
        hire_id=hire.id,
        full_name=_name(candidate),
        email=candidate.email,
        title=role.title if role else None,
        department=role.department if role else None,
        start_date=start,
        status="active",
        created_at=now,
        updated_at=now,
    )
    uow.session.add(employee)
    users = UserRepository(uow.session)
    company = CompanyRepository(uow.session).get(actor.company_id)
    assert company is not None
    user = User(
        company_id=actor.company_id,
        username=_free_username(users, candidate.email, company.slug or "team"),
        email=candidate.email,
        full_name=_name(candidate),
        password_hash=unusable_password_hash(),
        role="employee",
        # Opens once the new hire has set a password through the invitation.
        is_active=False,
        employee_id=employee.id,
        created_at=now,
        updated_at=now,
    )
    users.add(user)
    uow.session.flush()
    return user


def _free_username(users: UserRepository, email: str, slug: str) -> str:
    base = re.sub(r"[^a-z0-9._-]", "", email.split("@", 1)[0].lower())[:40] or "new.hire"
    name = f"{base}.{slug}"[:60]
    suffix = 2
    while users.get_by_username(name) is not None:
        name = f"{base}{suffix}.{slug}"[:60]
        suffix += 1
    return name


def _invite(uow: UnitOfWork, actor: Actor, user: User, base_url: str, now: datetime) -> None:
    """A one-time link to set a password, by email through the outbox (only the token's
    hash is kept with the invitation)."""
    token = secrets.token_urlsafe(32)
    uow.session.add(
        UserInvitation(
            company_id=actor.company_id,
            user_id=user.id,
            token_hash=hashlib.sha256(token.encode()).hexdigest(),
            expires_at=now + timedelta(hours=INVITATION_HOURS),
            created_at=now,
        )
    )
    notifications.enqueue(
        NotificationRepository(uow.session),
        company_id=actor.company_id,
        event_type="user.invitation",
        channel="email",
        recipient=user.email,
        subject=f"Welcome to {actor.company_name}: set your PeopleOS password"[:200],
        body=(
            f"Hello {user.full_name},\n\nWelcome aboard. Your PeopleOS username is "
            f"{user.username}. Set your password here within {INVITATION_HOURS} hours "
            f"(the link works once):\n\n{base_url}/welcome?token={token}\n"
        ),
        dedupe_key=f"invitation:{user.id}:{now.isoformat()}",
    )


def _hire_view(uow: UnitOfWork, actor: Actor, hire: Hire, *, created: bool) -> HireView:
    hires = HireRepository(uow.session)
    return HireView(
        hire_id=hire.id,
        candidate_id=hire.candidate_id,
        start_date=hire.start_date,
        predicted_fit_score=hire.predicted_fit_score,
        username=hires.username_for(actor.company_id, hire.id),
        checkpoints=tuple(hires.checkpoint_dates(actor.company_id, hire.id)),
        created=created,
    )
