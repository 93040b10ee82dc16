"""Queries for duplicate candidates: shared emails, files and texts, and the merge's moves."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import delete, func, select, update

from core.models import (
    Candidate,
    CandidateDocument,
    CandidateEmbedding,
    CandidateMerge,
    CandidateStageEvent,
    Consent,
    FitScoreDimension,
    Hire,
    Interview,
    Prediction,
    Role,
    SelfIdentification,
)
from core.repositories.base import Repository

# Rows that belong to a candidate through a plain candidate_id column, moved as they are.
_MOVABLE: dict[str, Any] = {
    "documents": CandidateDocument,
    "consents": Consent,
    "stage_events": CandidateStageEvent,
    "interviews": Interview,
    "fit_scores": FitScoreDimension,
}


class DuplicateRepository(Repository):
    def same_email_groups(self, company_id: uuid.UUID) -> list[list[uuid.UUID]]:
        """Ids of candidates sharing one lower-cased email, one list per email."""
        email = func.lower(func.trim(Candidate.email))
        shared = (
            select(email)
            .where(Candidate.company_id == company_id)
            .group_by(email)
            .having(func.count() > 1)
        )
        rows = self.session.execute(
            select(email, Candidate.id)
            .where(Candidate.company_id == company_id, email.in_(shared))
            .order_by(email, Candidate.id)
        )
        return _grouped(rows)

    def same_document_groups(self, company_id: uuid.UUID) -> list[list[uuid.UUID]]:
        """Ids of candidates holding a byte-identical file (same sha256), one list per file."""
        shared = (
            select(CandidateDocument.sha256)
            .where(CandidateDocument.company_id == company_id)
            .group_by(CandidateDocument.sha256)
            .having(func.count(CandidateDocument.candidate_id.distinct()) > 1)
        )
        rows = self.session.execute(
            select(CandidateDocument.sha256, CandidateDocument.candidate_id)
            .where(
                CandidateDocument.company_id == company_id,
                CandidateDocument.sha256.in_(shared),
            )
            .distinct()
            .order_by(CandidateDocument.sha256, CandidateDocument.candidate_id)
        )
        return _grouped(rows)

    def resume_texts(self, company_id: uuid.UUID) -> list[tuple[uuid.UUID, str]]:
        rows = self.session.execute(
            select(Candidate.id, Candidate.resume_text).where(
                Candidate.company_id == company_id, Candidate.resume_text.is_not(None)
            )
        )
        return [(cid, text) for cid, text in rows]

    def with_role_titles(
        self, company_id: uuid.UUID, candidate_ids: list[uuid.UUID]
    ) -> dict[uuid.UUID, tuple[Candidate, str | None]]:
        rows = self.session.execute(
            select(Candidate, Role.title)
            .outerjoin(Role, Role.id == Candidate.role_id)
            .where(Candidate.company_id == company_id, Candidate.id.in_(candidate_ids))
        )
        return {c.id: (c, title) for c, title in rows}

    def document_hashes(self, company_id: uuid.UUID, candidate_id: uuid.UUID) -> set[str]:
        return set(
            self.session.scalars(
                select(CandidateDocument.sha256).where(
                    CandidateDocument.company_id == company_id,
                    CandidateDocument.candidate_id == candidate_id,
                )
            )
        )

    def embedding(
        self, company_id: uuid.UUID, candidate_id: uuid.UUID
    ) -> CandidateEmbedding | None:
        return self.session.scalars(
            select(CandidateEmbedding).where(
                CandidateEmbedding.company_id == company_id,
                CandidateEmbedding.candidate_id == candidate_id,
            )
        ).one_or_none()

    def hire(self, company_id: uuid.UUID, candidate_id: uuid.UUID) -> Hire | None:
        return self.session.scalars(
            select(Hire).where(Hire.company_id == company_id, Hire.candidate_id == candidate_id)
        ).one_or_none()

    def self_id(self, company_id: uuid.UUID, candidate_id: uuid.UUID) -> SelfIdentification | None:
        return self.session.scalars(
            select(SelfIdentification).where(
                SelfIdentification.company_id == company_id,
                SelfIdentification.candidate_id == candidate_id,
            )
        ).one_or_none()

    def move_history(
        self,
        company_id: uuid.UUID,
        from_id: uuid.UUID,
        to_id: uuid.UUID,
        *,
        hire: bool,
        self_id: bool,
        embedding: bool,
    ) -> dict[str, int]:
        """Re-point ``from_id``'s rows to ``to_id``; returns how many of each kind moved.

        Rows unique per candidate (hire, self-identification, embedding) move only when asked.
        """
        moved: dict[str, int] = {}
        for name, model in _MOVABLE.items():
            moved[name] = self._repoint(model, model.candidate_id, company_id, from_id, to_id)
        moved["predictions"] = self._repoint(
            Prediction,
            Prediction.entity_id,
            company_id,
            from_id,
            to_id,
            Prediction.entity_type == "candidate",
        )
        # A duplicate that was itself a survivor of earlier merges hands that history on.
        moved["merges"] = self._repoint(
            CandidateMerge, CandidateMerge.survivor_id, company_id, from_id, to_id
        )
        if hire:
            moved["hire"] = self._repoint(Hire, Hire.candidate_id, company_id, from_id, to_id)
        if self_id:
            moved["self_id"] = self._repoint(
                SelfIdentification, SelfIdentification.candidate_id, company_id, from_id, to_id
            )
        if embedding:
            moved["embedding"] = self._repoint(
                CandidateEmbedding, CandidateEmbedding.candidate_id, company_id, from_id, to_id
            )
        return moved

    def _repoint(
        self,
        model: Any,
        column: Any,
        company_id: uuid.UUID,
        from_id: uuid.UUID,
        to_id: uuid.UUID,
        *conditions: Any,
    ) -> int:
        result = self.session.execute(
            update(model)
            .where(model.company_id == company_id, column == from_id, *conditions)
            .values({column.key: to_id})
            .execution_options(synchronize_session="fetch")
        )
        return int(result.rowcount or 0)

    def delete_candidate(self, company_id: uuid.UUID, candidate: Candidate) -> None:
        """Delete a candidate with what stays behind: its embedding and self-identification."""
        assert candidate.company_id == company_id
        for model in (CandidateEmbedding, SelfIdentification):
            self.session.execute(
                delete(model)
                .where(model.company_id == company_id, model.candidate_id == candidate.id)
                .execution_options(synchronize_session="fetch")
            )
        self.session.delete(candidate)
        self.session.flush()

    def add(self, *rows: object) -> None:
        self.session.add_all(rows)
        self.session.flush()

    def merges_into(self, company_id: uuid.UUID, survivor_id: uuid.UUID) -> list[CandidateMerge]:
        """Merges recorded on a surviving candidate, newest first."""
        return list(
            self.session.scalars(
                select(CandidateMerge)
                .where(
                    CandidateMerge.company_id == company_id,
                    CandidateMerge.survivor_id == survivor_id,
                )
                .order_by(CandidateMerge.created_at.desc(), CandidateMerge.id)
            )
        )


def _grouped(rows: Any) -> list[list[uuid.UUID]]:
    groups: dict[Any, list[uuid.UUID]] = defaultdict(list)
    for key, candidate_id in rows:
        groups[key].append(candidate_id)
    return [ids for ids in groups.values() if len(ids) > 1]
