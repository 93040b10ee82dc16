"""The worker's lease, job runs and the app's job requests."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from core.models import JobRequest, JobRun, WorkerLease
from core.repositories.base import Repository


class WorkerRepository(Repository):
    def try_acquire_lease(self, name: str, holder: str, now: datetime, until: datetime) -> bool:
        """Take or renew the lease unless another live holder has it."""
        result = self.session.execute(
            update(WorkerLease)
            .where(
                WorkerLease.name == name,
                or_(WorkerLease.expires_at < now, WorkerLease.holder == holder),
            )
            .values(holder=holder, expires_at=until)
        )
        if result.rowcount:
            return True
        if self.session.get(WorkerLease, name) is not None:
            return False
        try:
            with self.session.begin_nested():
                self.session.add(WorkerLease(name=name, holder=holder, expires_at=until))
        except IntegrityError:
            return False  # another worker inserted it first
        return True

    def release_lease(self, name: str, holder: str) -> None:
        """Give the lease up at a clean stop: no row means no worker, not a lapsed one."""
        self.session.execute(
            delete(WorkerLease).where(WorkerLease.name == name, WorkerLease.holder == holder)
        )

    def get_lease(self, name: str) -> WorkerLease | None:
        """The lease row (global: one worker runs the schedule for every company)."""
        return self.session.get(WorkerLease, name)

    def start_run(
        self, job_id: str, scheduled_for: datetime, worker: str, now: datetime
    ) -> JobRun | None:
        """Record the start of a run; None if this (job, slot) already ran somewhere."""
        run = JobRun(
            job_id=job_id,
            scheduled_for=scheduled_for,
            started_at=now,
            status="running",
            worker=worker,
        )
        try:
            with self.session.begin_nested():
                self.session.add(run)
        except IntegrityError:
            return None
        return run

    def recent_runs(self, limit: int = 50) -> list[JobRun]:
        return list(
            self.session.scalars(select(JobRun).order_by(JobRun.started_at.desc()).limit(limit))
        )

    def add_request(self, request: JobRequest) -> None:
        self.session.add(request)

    def claim_requests(self, limit: int) -> list[JobRequest]:
        query = (
            select(JobRequest)
            .where(JobRequest.status == "pending")
            .order_by(JobRequest.created_at)
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return list(self.session.scalars(query))

    def list_requests(self, company_id: uuid.UUID, limit: int = 20) -> list[JobRequest]:
        return list(
            self.session.scalars(
                select(JobRequest)
                .where(JobRequest.company_id == company_id)
                .order_by(JobRequest.created_at.desc())
                .limit(limit)
            )
        )

    def count_open_requests(self, company_id: uuid.UUID) -> dict[str, int]:
        """A company's requests not yet finished (pending or running), by kind."""
        rows = self.session.execute(
            select(JobRequest.kind, func.count())
            .where(
                JobRequest.company_id == company_id,
                JobRequest.status.in_(("pending", "running")),
            )
            .group_by(JobRequest.kind)
        )
        return {kind: count for kind, count in rows}

    def pending_request(self, company_id: uuid.UUID, kind: str) -> JobRequest | None:
        return self.session.scalars(
            select(JobRequest).where(
                JobRequest.company_id == company_id,
                JobRequest.kind == kind,
                JobRequest.status.in_(("pending", "running")),
            )
        ).first()

    def finish_request(
        self,
        request: JobRequest,
        status: str,
        now: datetime,
        result: dict[str, Any] | None,
        error: str | None,
    ) -> None:
        request.status = status
        request.finished_at = now
        request.result = result
        request.error = error
