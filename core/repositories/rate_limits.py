"""Counting rate-limit events per bucket."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from core.models import RateLimitEvent
from core.repositories.base import Repository


class RateLimitRepository(Repository):
    def nth_latest(self, bucket: str, n: int, since: datetime) -> datetime | None:
        """Time of the n-th most recent event of ``bucket`` since ``since``."""
        return self.session.scalar(
            select(RateLimitEvent.created_at)
            .where(RateLimitEvent.bucket == bucket, RateLimitEvent.created_at >= since)
            .order_by(RateLimitEvent.created_at.desc())
            .offset(n - 1)
            .limit(1)
        )

    def add(self, bucket: str, at: datetime) -> None:
        self.session.add(RateLimitEvent(bucket=bucket, created_at=at))

    def clear(self, bucket: str) -> None:
        self.session.execute(delete(RateLimitEvent).where(RateLimitEvent.bucket == bucket))

    def purge_before(self, bucket: str, before: datetime) -> None:
        self.session.execute(
            delete(RateLimitEvent).where(
                RateLimitEvent.bucket == bucket, RateLimitEvent.created_at < before
            )
        )
