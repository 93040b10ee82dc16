"""Webhooks out: a company registers URLs for its events; each event becomes one signed
POST per subscribed endpoint, delivered (and retried with backoff) through the outbox.

An event is announced with :func:`announce` in the transaction that records it, so an
endpoint hears of exactly the events that were committed. The body is JSON carrying ids and
codes only (never a name, an email or text someone wrote): a receiver that needs more asks
the REST API with its own credentials.

Where a delivery may go, how it is signed and how it is sent: :mod:`core.services.webhook_delivery`.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from core.config import get_settings
from core.db import UnitOfWork
from core.models import Notification, WebhookEndpoint
from core.models.enums import NOTIFICATION_STATUSES, WEBHOOK_EVENTS
from core.permissions import Permission
from core.repositories.audit import AuditRepository
from core.repositories.notifications import NotificationRepository
from core.repositories.webhooks import WebhookRepository
from core.services import notifications
from core.services.auth import Actor
from core.services.errors import NotFoundError, ValidationError
from core.services.webhook_delivery import check_url

EVENTS = WEBHOOK_EVENTS
DELIVERY_STATUSES = NOTIFICATION_STATUSES  # pending (waiting for a try), sent, failed
TEST_EVENT = "webhook.test"  # sent to one endpoint from the Webhooks page
SECRET_PREFIX = "whsec_"
MAX_ENDPOINTS = 10  # live endpoints per company
MAX_DESCRIPTION_LENGTH = 100  # the column's size


@dataclass(frozen=True)
class EndpointView:
    """An endpoint as lists show it: the URL's scheme and host, never its path or query."""

    id: uuid.UUID
    host: str
    events: tuple[str, ...]
    description: str
    created_by: str
    created_at: datetime
    disabled_at: datetime | None


@dataclass(frozen=True)
class DeliveryView:
    id: uuid.UUID
    event: str
    endpoint_id: uuid.UUID | None
    endpoint: str  # the endpoint's host, or "removed"
    status: str  # pending, sent or failed
    attempts: int
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime | None  # when a pending delivery is tried next
    sent_at: datetime | None


def retry_schedule() -> str:
    """When a failed delivery is tried again, in words: "30 s, 1 min, ... and 8 min"."""
    waits = [notifications.backoff(n) for n in range(1, notifications.MAX_ATTEMPTS)]
    words = [
        f"{int(w.total_seconds())} s" if w < timedelta(minutes=1) else f"{w.seconds // 60} min"
        for w in waits
    ]
    return ", ".join(words[:-1]) + " and " + words[-1]


# --------------------------------------------------------------------------- endpoints


def register_endpoint(
    uow: UnitOfWork,
    actor: Actor,
    url: str,
    events: Iterable[str],
    description: str,
    now: datetime,
) -> tuple[EndpointView, str]:
    """Register ``url`` for ``events``; returns the endpoint and its signing secret, which
    is shown this once. Only https to public hosts, unless PEOPLEOS_WEBHOOK_PRIVATE_HOSTS
    allows http and private or loopback addresses."""
    actor.require(Permission.MANAGE_USERS)
    url, host = check_url(url, private_hosts=get_settings().webhook_private_hosts)
    chosen = tuple(dict.fromkeys(events))
    unknown = [e for e in chosen if e not in EVENTS]
    if unknown or not chosen:
        raise ValidationError(f"Choose one or more events of: {', '.join(EVENTS)}.")
    description = " ".join(description.split())
    if not description or len(description) > MAX_DESCRIPTION_LENGTH:
        raise ValidationError(f"Say who receives it, in 1 to {MAX_DESCRIPTION_LENGTH} characters.")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    with uow:
        repo = WebhookRepository(uow.session)
        if len(repo.list_endpoints(actor.company_id, live_only=True)) >= MAX_ENDPOINTS:
            raise ValidationError(
                f"A company has at most {MAX_ENDPOINTS} live endpoints; disable one first."
            )
        endpoint = WebhookEndpoint(
            company_id=actor.company_id,
            url=url,
            host=host,
            secret=secret,
            events=list(chosen),
            description=description,
            created_by=actor.username,
            created_at=now,
        )
        repo.add_endpoint(endpoint)
        _audit(uow.session, actor, "webhook.created", endpoint, {"events": list(chosen)})
        view = _endpoint_view(endpoint)
        uow.commit()
    return view, secret


def disable_endpoint(uow: UnitOfWork, actor: Actor, endpoint_id: uuid.UUID, now: datetime) -> None:
    """Stop sending to an endpoint; its pending deliveries fail instead of being sent."""
    actor.require(Permission.MANAGE_USERS)
    with uow:
        endpoint = _endpoint(uow.session, actor, endpoint_id)
        if endpoint.disabled_at is None:
            endpoint.disabled_at = now
            _audit(uow.session, actor, "webhook.disabled", endpoint, {})
        uow.commit()


def list_endpoints(uow: UnitOfWork, actor: Actor) -> list[EndpointView]:
    """The company's endpoints, newest first, live and disabled."""
    actor.require(Permission.MANAGE_USERS)
    with uow:
        rows = WebhookRepository(uow.session).list_endpoints(actor.company_id)
        return [_endpoint_view(e) for e in rows]


def send_test(uow: UnitOfWork, actor: Actor, endpoint_id: uuid.UUID, now: datetime) -> uuid.UUID:
    """Queue a ``webhook.test`` event to one live endpoint; returns the delivery's id."""
    actor.require(Permission.MANAGE_USERS)
    with uow:
        endpoint = _endpoint(uow.session, actor, endpoint_id)
        if endpoint.disabled_at is not None:
            raise ValidationError("This endpoint is disabled; register it again to use it.")
        body, event_id = _envelope(
            TEST_EVENT, actor.company_id, {"endpoint_id": str(endpoint.id)}, now
        )
        delivery = _enqueue(uow.session, endpoint, TEST_EVENT, body, event_id)
        uow.commit()
    return delivery


def list_deliveries(
    uow: UnitOfWork,
    actor: Actor,
    *,
    status: str | None = None,
    endpoint_id: uuid.UUID | None = None,
    limit: int = 100,
) -> list[DeliveryView]:
    """The company's latest webhook deliveries, newest first (the delivery log)."""
    actor.require(Permission.MANAGE_USERS)
    if status is not None and status not in DELIVERY_STATUSES:
        raise ValidationError(f"Status is one of {', '.join(DELIVERY_STATUSES)}.")
    if not 1 <= limit <= 1000:
        raise ValidationError("Show 1 to 1,000 deliveries.")
    with uow:
        repo = WebhookRepository(uow.session)
        hosts = {e.id: e.host for e in repo.list_endpoints(actor.company_id)}
        rows = repo.list_deliveries(
            actor.company_id, status=status, endpoint_id=endpoint_id, limit=limit
        )
        return [_delivery_view(row, hosts) for row in rows]


# --------------------------------------------------------------------------- events


def announce(
    session: Session, company_id: uuid.UUID, event: str, data: dict[str, object], now: datetime
) -> int:
    """Queue ``event`` to each live endpoint of the company subscribed to it, in the
    caller's transaction; returns how many deliveries were queued."""
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    endpoints = [
        e
        for e in WebhookRepository(session).list_endpoints(company_id, live_only=True)
        if event in e.events
    ]
    if not endpoints:
        return 0
    body, event_id = _envelope(event, company_id, data, now)
    for endpoint in endpoints:
        _enqueue(session, endpoint, event, body, event_id)
    return len(endpoints)


def _envelope(
    event: str, company_id: uuid.UUID, data: dict[str, object], now: datetime
) -> tuple[str, uuid.UUID]:
    event_id = uuid.uuid4()
    envelope = {
        "id": str(event_id),
        "type": event,
        "created_at": now.isoformat(),
        "company_id": str(company_id),
        "data": data,
    }
    return json.dumps(envelope, sort_keys=True, separators=(",", ":"), default=str), event_id


def _enqueue(
    session: Session, endpoint: WebhookEndpoint, event: str, body: str, event_id: uuid.UUID
) -> uuid.UUID:
    return notifications.enqueue(
        NotificationRepository(session),
        company_id=endpoint.company_id,
        event_type=event,
        channel="webhook",
        recipient=str(endpoint.id),
        subject=event,
        body=body,
        dedupe_key=f"webhook:{endpoint.id}:{event_id}",
    )


# --------------------------------------------------------------------------- helpers


def _endpoint(session: Session, actor: Actor, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    endpoint = WebhookRepository(session).get_endpoint(actor.company_id, endpoint_id)
    if endpoint is None:
        raise NotFoundError("No such webhook endpoint.")
    return endpoint


def _audit(
    session: Session, actor: Actor, action: str, endpoint: WebhookEndpoint, summary: dict
) -> None:
    AuditRepository(session).add(
        **actor.audit_fields(),
        action=action,
        entity_type="webhook_endpoint",
        entity_id=str(endpoint.id),
        summary={"host": endpoint.host, **summary},
    )


def _endpoint_view(endpoint: WebhookEndpoint) -> EndpointView:
    return EndpointView(
        endpoint.id,
        endpoint.host,
        tuple(endpoint.events),
        endpoint.description,
        endpoint.created_by,
        endpoint.created_at,
        endpoint.disabled_at,
    )


def _delivery_view(row: Notification, hosts: dict[uuid.UUID, str]) -> DeliveryView:
    try:
        endpoint_id: uuid.UUID | None = uuid.UUID(row.recipient or "")
    except ValueError:
        endpoint_id = None
    return DeliveryView(
        row.id,
        row.event_type,
        endpoint_id,
        hosts.get(endpoint_id, "removed") if endpoint_id else "removed",
        row.status,
        row.attempts,
        row.last_error,
        row.created_at,
        row.next_attempt_at if row.status == "pending" else None,
        row.sent_at,
    )
