"""Queries for public intake: open roles, candidates by email, and the application's rows."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select

from core.models import Candidate, CandidateEmbedding, Company, Role
from core.repositories.base import Repository


class IntakeRepository(Repository):
    def open_roles(self, company_slug: str | None = None) -> list[tuple[Role, Company]]:
        """Active roles with their company; all companies, or the one with ``company_slug``."""
        query = (
            select(Role, Company)
            .join(Company, Company.id == Role.company_id)
            .where(Role.status == "active")
            .order_by(Company.name, Role.title)
        )
        if company_slug:
            query = query.where(Company.slug == company_slug)
        return [(r, c) for r, c in self.session.execute(query)]

    def open_role(self, role_id: uuid.UUID) -> tuple[Role, Company] | None:
        row = self.session.execute(
            select(Role, Company)
            .join(Company, Company.id == Role.company_id)
            .where(Role.id == role_id, Role.status == "active")
        ).first()
        return (row[0], row[1]) if row else None

    def applications_by_email(
        self, company_id: uuid.UUID, email: str
    ) -> list[tuple[Candidate, str | None]]:
        """A person's applications in a company (one per role) with role titles, oldest first."""
        rows = self.session.execute(
            select(Candidate, Role.title)
            .outerjoin(Role, Role.id == Candidate.role_id)
            .where(Candidate.company_id == company_id, func.lower(Candidate.email) == email)
            .order_by(Candidate.created_at, Candidate.id)
        )
        return [(c, title) for c, title in rows]

    def candidate(self, company_id: uuid.UUID, candidate_id: uuid.UUID) -> Candidate | None:
        return self.session.scalars(
            select(Candidate).where(
                Candidate.company_id == company_id, Candidate.id == candidate_id
            )
        ).one_or_none()

    def company(self, company_id: uuid.UUID) -> Company | None:
        return self.session.get(Company, company_id)

    def add(self, *rows: object) -> None:
        self.session.add_all(rows)
        self.session.flush()


class EmbeddingRepository(Repository):
    def version(self, company_id: uuid.UUID) -> tuple[int, datetime | None]:
        """How many embeddings a company has, and when the newest was written."""
        count, newest = self.session.execute(
            select(func.count(), func.max(CandidateEmbedding.updated_at)).where(
                CandidateEmbedding.company_id == company_id
            )
        ).one()
        return count, newest

    def for_company(self, company_id: uuid.UUID) -> list[tuple[uuid.UUID, bytes]]:
        rows = self.session.execute(
            select(CandidateEmbedding.candidate_id, CandidateEmbedding.vector)
            .where(CandidateEmbedding.company_id == company_id)
            .order_by(CandidateEmbedding.candidate_id)
        )
        return [(cid, vector) for cid, vector in rows]

    def missing(
        self, company_id: uuid.UUID | None = None, *, limit: int | None = None
    ) -> list[Candidate]:
        """Candidates with resume text but no embedding yet (up to ``limit``)."""
        query = (
            select(Candidate)
            .outerjoin(CandidateEmbedding, CandidateEmbedding.candidate_id == Candidate.id)
            .where(CandidateEmbedding.candidate_id.is_(None), Candidate.resume_text.is_not(None))
            .order_by(Candidate.id)
        )
        if company_id is not None:
            query = query.where(Candidate.company_id == company_id)
        if limit is not None:
            query = query.limit(limit)
        return list(self.session.scalars(query))

    def save(self, embedding: CandidateEmbedding) -> None:
        self.session.merge(embedding)
