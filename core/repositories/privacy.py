"""Applications whose promised retention period is over, and deleting them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, func, select

from core.models import Candidate, Company, Consent
from core.repositories.base import Repository


class PrivacyRepository(Repository):
    def list_company_ids(self) -> list[uuid.UUID]:
        return list(self.session.scalars(select(Company.id).order_by(Company.created_at)))

    def list_consent_terms(self, company_id: uuid.UUID) -> list[tuple[uuid.UUID, datetime, int]]:
        """Per application not hired: when consent was last given and the longest period it
        was given for (an applicant who applies again renews it)."""
        rows = self.session.execute(
            select(
                Consent.candidate_id,
                func.max(Consent.granted_at),
                func.max(Consent.retention_days),
            )
            .join(Candidate, Candidate.id == Consent.candidate_id)
            .where(
                Consent.company_id == company_id,
                Candidate.company_id == company_id,
                Candidate.status != "hired",
            )
            .group_by(Consent.candidate_id)
        )
        return [(r[0], r[1], int(r[2])) for r in rows]

    def delete_candidates(self, company_id: uuid.UUID, ids: list[uuid.UUID]) -> int:
        """Delete these applications; their documents, consents, stage events, interviews,
        dimensions, embedding and self-identification go with them (ON DELETE CASCADE)."""
        deleted = 0
        for start in range(0, len(ids), 500):
            result = self.session.execute(
                delete(Candidate)
                .where(
                    Candidate.company_id == company_id,
                    Candidate.id.in_(ids[start : start + 500]),
                    Candidate.status != "hired",
                )
                .execution_options(synchronize_session=False)
            )
            deleted += int(result.rowcount or 0)
        return deleted
