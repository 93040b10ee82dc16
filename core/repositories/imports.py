"""Queries for CSV imports of candidates: existing candidates by email, free references,
the import records."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable

from sqlalchemy import func, select

from core.models import Base, Candidate, CandidateImport
from core.repositories.base import Repository, add_in_dependency_order

# Keeps every IN (...) list well under the bound-parameter limits of SQLite and psycopg.
_CHUNK = 500


def _chunks(values: Collection[str]) -> Iterable[list[str]]:
    ordered = sorted(values)
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start : start + _CHUNK]


class ImportRepository(Repository):
    def candidates_by_email(
        self, company_id: uuid.UUID, emails: Collection[str]
    ) -> dict[str, list[Candidate]]:
        """The company's applications keyed by lower-cased email, oldest first."""
        found: dict[str, list[Candidate]] = {}
        for chunk in _chunks(emails):
            rows = self.session.scalars(
                select(Candidate)
                .where(Candidate.company_id == company_id, func.lower(Candidate.email).in_(chunk))
                .order_by(Candidate.created_at, Candidate.id)
            )
            for candidate in rows:
                found.setdefault(candidate.email.lower(), []).append(candidate)
        return found

    def taken_references(self, references: Collection[str]) -> set[str]:
        """Which of ``references`` are in use. References are unique across all companies,
        so this one check is not scoped by company; it returns only the given strings."""
        taken: set[str] = set()
        for chunk in _chunks(references):
            taken.update(
                ref
                for ref in self.session.scalars(
                    select(Candidate.reference).where(Candidate.reference.in_(chunk))
                )
                if ref is not None
            )
        return taken

    def add_all(self, rows: Iterable[Base]) -> None:
        """Insert new candidates, their stage events and the import record, parents first."""
        add_in_dependency_order(self.session, rows)

    def list(self, company_id: uuid.UUID, limit: int = 50) -> list[CandidateImport]:
        return list(
            self.session.scalars(
                select(CandidateImport)
                .where(CandidateImport.company_id == company_id)
                .order_by(CandidateImport.created_at.desc(), CandidateImport.id)
                .limit(limit)
            )
        )
