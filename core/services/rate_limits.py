"""A sliding-window rate limiter kept in the database, shared by every process.

Used for login lockout, per-client login limits, and later the public intake page and
the API. Callers pass the repository of their own unit of work, so a check and the
action it guards commit together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from core.repositories.rate_limits import RateLimitRepository


@dataclass(frozen=True)
class Limit:
    """At most ``count`` events per ``window``; when reached, blocked for ``block``."""

    count: int
    window: timedelta
    block: timedelta


def blocked_until(
    repo: RateLimitRepository, bucket: str, limit: Limit, now: datetime
) -> datetime | None:
    """When the bucket unblocks, or None if it is not blocked now.

    Blocked while the latest ``count`` events fit in one ``window`` and the latest of them
    is less than ``block`` ago. Callers do not record events while blocked, so a block
    ends on time.
    """
    since = now - limit.window - limit.block
    latest = repo.nth_latest(bucket, 1, since)
    nth = repo.nth_latest(bucket, limit.count, since)
    if latest is None or nth is None or latest - nth > limit.window:
        return None
    until = latest + limit.block
    return until if until > now else None


def record(repo: RateLimitRepository, bucket: str, limit: Limit, now: datetime) -> None:
    """Count one event and forget events too old to matter."""
    repo.purge_before(bucket, now - max(limit.window, limit.block) * 2)
    repo.add(bucket, now)
