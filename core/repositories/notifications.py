"""Queries on the notification outbox."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import false, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from core.models import Notification
from core.repositories.base import Repository


class NotificationRepository(Repository):
    def add(
        self,
        *,
        company_id: uuid.UUID,
        event_type: str,
        channel: str,
        subject: str,
        body: str,
        dedupe_key: str,
        recipient: str | None = None,
        payload: dict[str, Any] | None = None,
    ) -> Notification:
        """Add a pending notification, or return the row that already has ``dedupe_key``.

        INSERT ... ON CONFLICT DO NOTHING rather than select-then-insert: two transactions
        enqueueing the same key at once must not fail on the unique index (PostgreSQL
        makes the second wait for the first and then skip).
        """
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        self.session.execute(
            insert(Notification)
            .values(
                id=uuid.uuid4(),
                company_id=company_id,
                event_type=event_type,
                channel=channel,
                recipient=recipient,
                subject=subject,
                body=body,
                payload=payload,
                dedupe_key=dedupe_key,
            )
            .on_conflict_do_nothing(index_elements=[Notification.dedupe_key])
        )
        return self.session.scalars(
            select(Notification).where(Notification.dedupe_key == dedupe_key)
        ).one()

    def claim_due(
        self, now: datetime, limit: int, *, channels: Collection[str] | None = None
    ) -> list[Notification]:
        """Lock and return pending rows due at ``now``, oldest due first.

        The dispatcher's global queue, so not scoped by company. The rows stay claimed
        until the session's transaction ends: on PostgreSQL other dispatchers skip them
        (FOR UPDATE SKIP LOCKED); on SQLite the transaction first takes the database's
        write lock, so a second dispatcher waits instead of reading a row this one is
        about to mark sent. The price on SQLite: other writers wait while one message is
        being sent (bounded by the senders' timeouts, below the 30 s busy timeout).
        """
        query = (
            select(Notification)
            .where(Notification.status == "pending", Notification.next_attempt_at <= now)
            .order_by(Notification.next_attempt_at, Notification.id)
            .limit(limit)
        )
        if channels is not None:
            query = query.where(Notification.channel.in_(list(channels)))
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        else:
            # A write that matches nothing: pysqlite opens the transaction with BEGIN and
            # SQLite grants the write lock before the SELECT reads its snapshot.
            self.session.execute(
                update(Notification)
                .where(false())
                .values(status=Notification.status)
                .execution_options(synchronize_session=False)
            )
        return list(self.session.scalars(query))

    def count_due(self, now: datetime, *, channels: Collection[str]) -> int:
        """Pending rows due at ``now`` on ``channels`` (global, for the dispatcher)."""
        if not channels:
            return 0
        return (
            self.session.scalar(
                select(func.count()).where(
                    Notification.status == "pending",
                    Notification.next_attempt_at <= now,
                    Notification.channel.in_(list(channels)),
                )
            )
            or 0
        )

    def get(self, company_id: uuid.UUID, notification_id: uuid.UUID) -> Notification | None:
        return self.session.scalars(
            select(Notification).where(
                Notification.company_id == company_id, Notification.id == notification_id
            )
        ).one_or_none()

    def list(
        self, company_id: uuid.UUID, status: str | None = None, limit: int = 50
    ) -> list[Notification]:
        """A company's notifications, newest first."""
        query = select(Notification).where(Notification.company_id == company_id)
        if status is not None:
            query = query.where(Notification.status == status)
        query = query.order_by(Notification.created_at.desc(), Notification.id).limit(limit)
        return list(self.session.scalars(query))
