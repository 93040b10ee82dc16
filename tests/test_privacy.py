"""The careers page promises deletion after the retention period; the worker keeps it
(an application is erased as :func:`core.services.privacy.erase_person` does)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from core import worker
from core.db import Database
from core.models import (
    AuditLog,
    Candidate,
    CandidateDocument,
    CandidateStageEvent,
    Consent,
    Role,
    User,
)
from core.services import auth, intake, privacy

pytestmark = pytest.mark.db
NOW = datetime(2026, 11, 20, tzinfo=UTC)
RESUME = """Pat Applicant
pat@example.com

Experience
Backend Engineer, Ledgerly (Series A startup), Jan 2021 - Present
- Built payments APIs in Python on AWS
"""


def _count(db: Database, model, candidate_id) -> int:  # noqa: ANN001 - a mapped class
    with db.uow() as uow:
        return uow.session.scalar(
            select(func.count()).select_from(model).where(model.candidate_id == candidate_id)
        )


def _apply(db: Database, n: int) -> list[uuid.UUID]:
    """``n`` careers-page applications (each with its consent), from different clients."""
    with db.uow() as uow:
        role_id = uow.session.scalars(
            select(Role.id).where(Role.status == "active").order_by(Role.title)
        ).first()
    ids = []
    for i in range(n):
        app = intake.Application(
            role_id=role_id,
            full_name=f"Pat Applicant {i}",
            email=f"pat.{uuid.uuid4().hex[:8]}@example.com",
            resume=RESUME.encode(),
            resume_filename="cv.txt",
            consent=True,
        )
        receipt = intake.submit_application(db.uow(), app, client=f"192.0.2.{i + 1}", now=NOW)
        ids.append(receipt.candidate_id)
    return ids


def _set(db: Database, candidate_id: uuid.UUID, granted_at: datetime, status: str) -> None:
    with db.uow() as uow:
        uow.session.execute(
            update(Consent)
            .where(Consent.candidate_id == candidate_id)
            .values(granted_at=granted_at)
        )
        uow.session.execute(
            update(Candidate).where(Candidate.id == candidate_id).values(status=status)
        )
        uow.commit()


def test_applications_past_their_retention_are_deleted_with_everything_they_hold(
    world: Database,
) -> None:
    old, recent, hired = _apply(world, 3)
    later = NOW + timedelta(days=400)
    _set(world, old, later - timedelta(days=366), "interview")
    _set(world, recent, later - timedelta(days=300), "applied")
    _set(world, hired, later - timedelta(days=900), "hired")
    assert _count(world, CandidateDocument, old) and _count(world, CandidateStageEvent, old)

    # Every application nobody hired whose latest application is over 365 days old goes:
    # the demo world's older ones too.
    expired = privacy.list_expired(world.uow(), later)
    assert privacy.purge_expired_applications(world.uow(), later)["deleted"] == sum(
        len(item.candidate_ids) for item in expired
    )
    with world.uow() as uow:
        # Erased: the row stays for the company's counts, naming nobody.
        gone = uow.session.get(Candidate, old)
        assert gone.email.endswith("@erased.invalid") and gone.full_name is None
        assert gone.resume_text is None and gone.status == "interview"
        assert uow.session.get(Candidate, recent).full_name  # 300 days: kept
        assert uow.session.get(Candidate, hired).full_name  # hired: an employee record now
        audit = uow.session.scalars(
            select(AuditLog).where(AuditLog.action == "privacy.applications_deleted")
        ).all()
    for model in (CandidateDocument, Consent):
        assert _count(world, model, old) == 0, model.__name__
    assert _count(world, CandidateStageEvent, old)  # the stage history stays, without reasons
    assert audit and all("@" not in str(a.summary) for a in audit)  # a count, no personal data
    # Running again deletes nothing more: the job is safe to repeat.
    assert privacy.purge_expired_applications(world.uow(), later)["deleted"] == 0


def test_the_worker_runs_the_purge_every_day() -> None:
    assert worker.JOBS["privacy_purge"] is worker.job_privacy_purge
    scheduler = worker.build_scheduler(Database("sqlite://"))
    assert any(j.id == "privacy_purge" for j in scheduler.get_jobs())


def test_the_daily_purge_also_forgets_login_sessions_ended_30_days_ago(
    world: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.helpers import open_session

    with world.uow() as uow:
        username = uow.session.scalars(select(User.username)).first()
    token = open_session(username, world.url)
    monkeypatch.setitem(worker._state, "db", world)
    # This module's other tests keep their applications: only the sessions are in question.
    monkeypatch.setattr(privacy, "purge_expired_applications", lambda uow, now: {"deleted": 0})
    now = datetime.now(UTC)
    assert worker._privacy_purge(now)["sessions_purged"] == 0
    later = now + auth.RECOGNISED_CLIENT_FOR + timedelta(days=1)
    assert worker._privacy_purge(later)["sessions_purged"] >= 1
    assert auth.resume_session(world.uow(), token, None, now) is None
