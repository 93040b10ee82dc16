"""The worker's tables: its lease, its job runs, requests from the app, APScheduler's store."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
    Text,
    Unicode,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, CreatedAt, UUIDPrimaryKey
from core.models.enums import in_check

JOB_REQUEST_KINDS = ("sync", "full_sync", "dna_scan", "rescore", "retrain")
# "partial": a job over several companies (or requests, or messages) where some failed.
JOB_STATUSES = ("pending", "running", "succeeded", "failed", "skipped", "partial")


class WorkerLease(Base):
    """Who runs the schedule: one row per lease name, held until ``expires_at``."""

    __tablename__ = "worker_leases"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[datetime]


class JobRun(UUIDPrimaryKey, CreatedAt, Base):
    """One run of a scheduled job; unique per (job, scheduled time) so it runs once.

    A ``running`` run holds a lease until ``lease_expires_at``, renewed by its worker while
    the job runs. Once the lease lapses (the worker was killed) another worker may take the
    run over; each takeover bumps ``attempt``, the fencing token: a worker records its result
    only while the token it started with is still the row's.
    """

    __tablename__ = "job_runs"
    __table_args__ = (
        UniqueConstraint("job_id", "scheduled_for", name="uq_job_runs_job_scheduled"),
        CheckConstraint(in_check("status", JOB_STATUSES), name="status"),
        Index("idx_job_runs_started", "started_at"),
        # The worker looks for running runs whose lease lapsed; most rows are finished.
        Index("idx_job_runs_status_lease", "status", "lease_expires_at"),
    )

    job_id: Mapped[str] = mapped_column(String(100))
    scheduled_for: Mapped[datetime]
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20))
    worker: Mapped[str] = mapped_column(String(100))
    summary: Mapped[dict[str, Any] | None]
    error: Mapped[str | None] = mapped_column(Text)
    attempt: Mapped[int] = mapped_column(default=1, server_default="1")
    lease_expires_at: Mapped[datetime]


class JobRequest(UUIDPrimaryKey, CreatedAt, Base):
    """Work the app asks the worker for ("Sync now"): picked up by a polling job."""

    __tablename__ = "job_requests"
    __table_args__ = (
        CheckConstraint(in_check("kind", JOB_REQUEST_KINDS), name="kind"),
        CheckConstraint(in_check("status", JOB_STATUSES), name="status"),
        Index("idx_job_requests_status", "status", "created_at"),
        Index("idx_job_requests_company", "company_id", "created_at"),
    )

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    requested_by: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    finished_at: Mapped[datetime | None]
    result: Mapped[dict[str, Any] | None]
    error: Mapped[str | None] = mapped_column(Text)
    # What to do, e.g. {"role_id": ..., "trigger": "role_change"} for a rescore.
    payload: Mapped[dict[str, Any] | None]


# APScheduler 3.x's job store table, declared here so Alembic creates and tracks it;
# the job store finds it existing and only reads and writes rows.
apscheduler_jobs = Table(
    "apscheduler_jobs",
    Base.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
