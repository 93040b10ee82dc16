"""Data-subject requests from the careers page: ask with an email, confirm through a
one-time emailed link, and the admin's queue with the legal due date, where an admin
answers with the export or the erasure (:mod:`core.services.privacy`)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from core.config import get_settings
from core.db import UnitOfWork
from core.models import PrivacyRequest
from core.permissions import Permission
from core.repositories.audit import AuditRepository
from core.repositories.intake import IntakeRepository
from core.repositories.notifications import NotificationRepository
from core.repositories.privacy import PrivacyRepository
from core.repositories.rate_limits import RateLimitRepository
from core.services import notifications, privacy
from core.services.auth import Actor
from core.services.errors import NotFoundError, ValidationError
from core.services.rate_limits import Limit, blocked_until, record

REQUEST_LINK_HOURS = 72
# GDPR Art. 12(3): answer within one month of receiving the request.
ANSWER_WITHIN = timedelta(days=30)
REQUEST_CLIENT_LIMIT = Limit(count=5, window=timedelta(hours=1), block=timedelta(hours=1))
REQUEST_EMAIL_LIMIT = Limit(count=3, window=timedelta(days=1), block=timedelta(days=1))
REQUEST_ANSWER = (
    "If we hold an application under this address, we have sent it a link to confirm your "
    f"request. The link works once, within {REQUEST_LINK_HOURS} hours."
)


@dataclass(frozen=True)
class RequestView:
    id: uuid.UUID
    email: str | None
    kind: str | None
    status: str
    confirmed_at: datetime | None
    due_at: datetime | None
    fulfilled_at: datetime | None
    fulfilled_by: str | None
    overdue: bool


def request_data(
    uow: UnitOfWork,
    role_id: uuid.UUID,
    email: str,
    *,
    client: str | None,
    now: datetime,
    base_url: str | None = None,
) -> str:
    """Ask, from the careers page, for one's data or its erasure. When the company (of the
    open role) holds an application under ``email``, a one-time link goes to that address.
    The answer is the same either way, so nobody learns whether an address applied."""
    email = privacy.normalise_email(email)
    with uow:
        limits = RateLimitRepository(uow.session)
        buckets = [
            (f"privacy:client:{client or 'unknown'}", REQUEST_CLIENT_LIMIT),
            (f"privacy:email:{privacy.email_sha256(email)}", REQUEST_EMAIL_LIMIT),
        ]
        for bucket, limit in buckets:
            if blocked_until(limits, bucket, limit, now) is not None:
                raise ValidationError("Too many requests from here. Please try again later.")
        found = IntakeRepository(uow.session).open_role(role_id)
        if found is None:
            raise NotFoundError("This role is no longer open.")
        _, company = found
        repo = PrivacyRepository(uow.session)
        for bucket, limit in buckets:
            record(limits, bucket, limit, now)
        if repo.list_applications(company.id, email):
            token = secrets.token_urlsafe(32)
            repo.add(
                PrivacyRequest(
                    company_id=company.id,
                    email=email,
                    email_sha256=privacy.email_sha256(email),
                    token_hash=hashlib.sha256(token.encode()).hexdigest(),
                    expires_at=now + timedelta(hours=REQUEST_LINK_HOURS),
                    status="pending",
                    created_at=now,
                )
            )
            link = f"{base_url or get_settings().base_url}/data_request?token={token}"
            notifications.enqueue(
                NotificationRepository(uow.session),
                company_id=company.id,
                event_type="privacy.request_link",
                channel="email",
                recipient=email,
                subject=f"Your data at {company.name}: confirm your request"[:200],
                body=(
                    "Someone (we hope you) asked what we hold about this address, or to "
                    f"delete it. To confirm, open this link within {REQUEST_LINK_HOURS} "
                    f"hours (it works once):\n\n{link}\n\nIf it was not you, ignore this email."
                ),
                dedupe_key=f"privacy_request:{hashlib.sha256(token.encode()).hexdigest()}",
            )
        uow.commit()
    return REQUEST_ANSWER


def confirm_request(uow: UnitOfWork, token: str, kind: str, now: datetime) -> datetime:
    """Confirm the emailed link's request as ``access`` or ``erasure``; returns the date by
    which the company must answer. The link works once and only before it expires."""
    if kind not in ("access", "erasure"):
        raise ValidationError("Choose access or erasure.")
    with uow:
        repo = PrivacyRepository(uow.session)
        request = repo.get_request_by_token(hashlib.sha256(token.encode()).hexdigest())
        if request is None or request.status != "pending" or request.expires_at <= now:
            raise ValidationError(
                "This link has expired or was already used. Ask again from the careers page."
            )
        request.kind = kind
        request.status = "confirmed"
        request.confirmed_at = now
        request.due_at = now + ANSWER_WITHIN
        AuditRepository(uow.session).add(
            actor="applicant",
            action="privacy.request_confirmed",
            entity_type="privacy_request",
            entity_id=str(request.id),
            company_id=request.company_id,
            summary={"kind": kind, "email_sha256": request.email_sha256},
        )
        due = request.due_at
        uow.commit()
    return due


def list_requests(uow: UnitOfWork, actor: Actor, now: datetime) -> list[RequestView]:
    """The admin queue: confirmed requests (oldest due first), then fulfilled ones."""
    actor.require(Permission.MANAGE_PRIVACY)
    with uow:
        rows = PrivacyRepository(uow.session).list_requests(actor.company_id)
        return [
            RequestView(
                r.id,
                r.email,
                r.kind,
                r.status,
                r.confirmed_at,
                r.due_at,
                r.fulfilled_at,
                r.fulfilled_by,
                r.status == "confirmed" and r.due_at is not None and r.due_at < now,
            )
            for r in rows
        ]


def fulfil_request(
    uow: UnitOfWork,
    actor: Actor,
    request_id: uuid.UUID,
    now: datetime,
    *,
    index_dir: Path | None = None,
) -> str | privacy.ErasureReport:
    """Answer a confirmed request: an access request returns the export's JSON (for the
    admin to send), an erasure request erases. Either way the request is marked done."""
    actor.require(Permission.MANAGE_PRIVACY)
    with uow:
        repo = PrivacyRepository(uow.session)
        request = repo.get_request(actor.company_id, request_id)
        if request is None or request.status != "confirmed" or not request.email:
            raise NotFoundError("No open request with this id.")
        email = request.email
        result: str | privacy.ErasureReport
        if request.kind == "access":
            result = privacy.export_json(privacy.export_in_session(uow, actor, email, now))
        else:
            result = privacy.erase_in_session(uow, actor, email, now, "request")
        request.status = "fulfilled"
        request.fulfilled_at = now
        request.fulfilled_by = actor.username
        uow.commit()
        if isinstance(result, privacy.ErasureReport):
            result = privacy.with_index(
                result, privacy.rebuild_index(uow, actor.company_id, index_dir)
            )
    return result
