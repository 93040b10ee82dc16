"""Queries on webhook endpoints and their deliveries (notifications on the webhook channel)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from core.models import Notification, WebhookEndpoint
from core.repositories.base import Repository


class WebhookRepository(Repository):
    def add_endpoint(self, endpoint: WebhookEndpoint) -> None:
        self.session.add(endpoint)
        self.session.flush()

    def get_endpoint(self, company_id: uuid.UUID, endpoint_id: uuid.UUID) -> WebhookEndpoint | None:
        return self.session.scalars(
            select(WebhookEndpoint).where(
                WebhookEndpoint.company_id == company_id, WebhookEndpoint.id == endpoint_id
            )
        ).one_or_none()

    def list_endpoints(
        self, company_id: uuid.UUID, *, live_only: bool = False
    ) -> list[WebhookEndpoint]:
        """A company's endpoints, newest first."""
        query = select(WebhookEndpoint).where(WebhookEndpoint.company_id == company_id)
        if live_only:
            query = query.where(WebhookEndpoint.disabled_at.is_(None))
        return list(
            self.session.scalars(
                query.order_by(WebhookEndpoint.created_at.desc(), WebhookEndpoint.id)
            )
        )

    def list_deliveries(
        self,
        company_id: uuid.UUID,
        *,
        status: str | None = None,
        endpoint_id: uuid.UUID | None = None,
        limit: int = 100,
    ) -> list[Notification]:
        """A company's webhook deliveries, newest first."""
        query = select(Notification).where(
            Notification.company_id == company_id, Notification.channel == "webhook"
        )
        if status is not None:
            query = query.where(Notification.status == status)
        if endpoint_id is not None:
            query = query.where(Notification.recipient == str(endpoint_id))
        query = query.order_by(Notification.created_at.desc(), Notification.id.desc())
        return list(self.session.scalars(query.limit(limit)))
