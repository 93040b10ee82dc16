"""Keeping the careers page's promise: an application is deleted when the retention period
the applicant consented to is over (hired people's records stay: they became employees)."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.db import UnitOfWork
from core.repositories.audit import AuditRepository
from core.repositories.privacy import PrivacyRepository


def purge_expired_applications(uow: UnitOfWork, now: datetime) -> dict[str, int]:
    """Delete every application whose latest consent is older than its retention period,
    in one transaction, with one audit row per company (a count, no personal data)."""
    with uow:
        repo = PrivacyRepository(uow.session)
        audit = AuditRepository(uow.session)
        deleted = 0
        for company_id in repo.list_company_ids():
            expired = [
                candidate_id
                for candidate_id, granted_at, days in repo.list_consent_terms(company_id)
                if granted_at + timedelta(days=days) <= now
            ]
            if not expired:
                continue
            count = repo.delete_candidates(company_id, expired)
            deleted += count
            audit.add(
                actor="worker",
                action="privacy.applications_deleted",
                entity_type="candidate",
                company_id=company_id,
                summary={"deleted": count, "reason": "retention period over"},
            )
        uow.commit()
    return {"deleted": deleted}
