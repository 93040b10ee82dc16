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
        self, job_id: str, scheduled_for: datetime, worker: str, now: datetime, until: datetime
    ) -> JobRun | None:
        """Start this (job, slot), or take over its run whose lease lapsed before ``now``.

        None while another worker's run holds a live lease, and once the run has finished.
        The takeover is one conditional UPDATE, so of two workers only one gets the run
        (PostgreSQL re-checks the WHERE after a concurrent update; SQLite has one writer).
        """
        run = JobRun(
            job_id=job_id,
            scheduled_for=scheduled_for,
            started_at=now,
            status="running",
            worker=worker,
            attempt=1,
            lease_expires_at=until,
        )
        try:
            with self.session.begin_nested():
                self.session.add(run)
        except IntegrityError:
            pass  # the slot has a run: take it over below if its worker is gone
        else:
            return run
        taken = self.session.execute(
            update(JobRun)
            .where(
                JobRun.job_id == job_id,
                JobRun.scheduled_for == scheduled_for,
                JobRun.status == "running",
                JobRun.lease_expires_at < now,
            )
            .values(
                attempt=JobRun.attempt + 1,
                worker=worker,
                started_at=now,
                lease_expires_at=until,
            )
            .execution_options(synchronize_session=False)
        )
        if not taken.rowcount:
            return None
        return self.session.scalars(
            select(JobRun)
            .where(JobRun.job_id == job_id, JobRun.scheduled_for == scheduled_for)
            .execution_options(populate_existing=True)
        ).one()

    def renew_run(self, run_id: uuid.UUID, attempt: int, until: datetime) -> bool:
        """Extend a running run's lease; False once another worker took it over."""
        result = self.session.execute(
            update(JobRun)
            .where(JobRun.id == run_id, JobRun.attempt == attempt, JobRun.status == "running")
            .values(lease_expires_at=until)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)

    def finish_run(
        self,
        run_id: uuid.UUID,
        attempt: int,
        status: str,
        now: datetime,
        summary: dict[str, Any] | None,
        error: str | None,
    ) -> bool:
        """Record a run's outcome only while ``attempt`` is still its fencing token."""
        result = self.session.execute(
            update(JobRun)
            .where(JobRun.id == run_id, JobRun.attempt == attempt, JobRun.status == "running")
            .values(status=status, finished_at=now, summary=summary, error=error)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)

    def stale_runs(self, now: datetime, limit: int = 100) -> list[JobRun]:
        """Runs still ``running`` whose lease lapsed: their worker stopped mid-job."""
        return list(
            self.session.scalars(
                select(JobRun)
                .where(JobRun.status == "running", JobRun.lease_expires_at < now)
                .order_by(JobRun.scheduled_for)
                .limit(limit)
            )
        )

    def abandon_run(self, run_id: uuid.UUID, now: datetime, error: str) -> bool:
        """Close a stale run as failed (unless its worker renewed it meanwhile)."""
        result = self.session.execute(
            update(JobRun)
            .where(
                JobRun.id == run_id,
                JobRun.status == "running",
                JobRun.lease_expires_at < now,
            )
            .values(status="failed", finished_at=now, error=error)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)

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

    def list_requests(
        self, company_id: uuid.UUID, limit: int = 20, *, kind: str | None = None
    ) -> list[JobRequest]:
        """The company's latest requests (of one ``kind``), newest first."""
        query = select(JobRequest).where(JobRequest.company_id == company_id)
        if kind is not None:
            query = query.where(JobRequest.kind == kind)
        return list(self.session.scalars(query.order_by(JobRequest.created_at.desc()).limit(limit)))

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
