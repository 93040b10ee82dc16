"""Queries of fit scoring: candidates to score, dimension rows, predictions, the registry."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, func, or_, select

from core.models import (
    Candidate,
    CandidateEmbedding,
    Company,
    FitScoreDimension,
    Hire,
    ModelVersion,
    Outcome,
    Prediction,
    Role,
)
from core.repositories.base import Repository


class ScoringRepository(Repository):
    def company(self, company_id: uuid.UUID) -> Company | None:
        return self.session.get(Company, company_id)

    def candidate_ids(
        self, company_id: uuid.UUID, *, role_id: uuid.UUID | None = None
    ) -> list[uuid.UUID]:
        """Ids of the company's candidates (of one role), oldest first, for batching."""
        query = select(Candidate.id).where(Candidate.company_id == company_id)
        if role_id is not None:
            query = query.where(Candidate.role_id == role_id)
        return list(self.session.scalars(query.order_by(Candidate.created_at, Candidate.id)))

    def has_scored(self, company_id: uuid.UUID, *, role_id: uuid.UUID | None = None) -> bool:
        query = select(Candidate.id).where(
            Candidate.company_id == company_id, Candidate.fit_score.is_not(None)
        )
        if role_id is not None:
            query = query.where(Candidate.role_id == role_id)
        return self.session.scalar(query.limit(1)) is not None

    def unscored_ids(self, company_id: uuid.UUID, limit: int) -> list[uuid.UUID]:
        """Candidates with a parsed resume and a role but no score yet (imports, merges)."""
        return list(
            self.session.scalars(
                select(Candidate.id)
                .where(
                    Candidate.company_id == company_id,
                    Candidate.fit_score.is_(None),
                    Candidate.role_id.is_not(None),
                    Candidate.resume_profile.is_not(None),
                    Candidate.scoring_opt_out.is_(False),
                )
                .order_by(Candidate.created_at)
                .limit(limit)
            )
        )

    def candidates(self, company_id: uuid.UUID, ids: Sequence[uuid.UUID]) -> list[Candidate]:
        if not ids:
            return []
        rows = self.session.scalars(
            select(Candidate).where(Candidate.company_id == company_id, Candidate.id.in_(ids))
        )
        order = {cid: i for i, cid in enumerate(ids)}
        return sorted(rows, key=lambda c: order[c.id])

    def roles(
        self, company_id: uuid.UUID, ids: Iterable[uuid.UUID | None]
    ) -> dict[uuid.UUID, Role]:
        wanted = {i for i in ids if i is not None}
        if not wanted:
            return {}
        rows = self.session.scalars(
            select(Role).where(Role.company_id == company_id, Role.id.in_(wanted))
        )
        return {r.id: r for r in rows}

    def embeddings(self, company_id: uuid.UUID, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, bytes]:
        if not ids:
            return {}
        rows = self.session.execute(
            select(CandidateEmbedding.candidate_id, CandidateEmbedding.vector).where(
                CandidateEmbedding.company_id == company_id,
                CandidateEmbedding.candidate_id.in_(ids),
            )
        )
        return {cid: vector for cid, vector in rows}

    def replace_dimensions(
        self,
        company_id: uuid.UUID,
        candidate_ids: Sequence[uuid.UUID],
        rows: list[FitScoreDimension],
    ) -> None:
        if candidate_ids:
            self.session.execute(
                delete(FitScoreDimension).where(
                    FitScoreDimension.company_id == company_id,
                    FitScoreDimension.candidate_id.in_(candidate_ids),
                )
            )
        self.session.add_all(rows)

    def dimensions(self, company_id: uuid.UUID, candidate_id: uuid.UUID) -> list[FitScoreDimension]:
        return list(
            self.session.scalars(
                select(FitScoreDimension).where(
                    FitScoreDimension.company_id == company_id,
                    FitScoreDimension.candidate_id == candidate_id,
                )
            )
        )

    def add_predictions(self, rows: list[Prediction]) -> None:
        self.session.add_all(rows)

    def predictions(
        self, company_id: uuid.UUID, candidate_id: uuid.UUID, limit: int | None = 50
    ) -> list[Prediction]:
        """The candidate's score history, newest first."""
        return list(
            self.session.scalars(
                select(Prediction)
                .where(
                    Prediction.company_id == company_id,
                    Prediction.entity_type == "candidate",
                    Prediction.entity_id == candidate_id,
                )
                .order_by(Prediction.created_at.desc())
                .limit(limit)
            )
        )

    def replace_outcome(self, outcome: Outcome) -> None:
        """The outcome row of a prediction: an earlier one for it is replaced."""
        self.session.execute(
            delete(Outcome).where(
                Outcome.company_id == outcome.company_id,
                Outcome.prediction_id == outcome.prediction_id,
            )
        )
        self.session.add(outcome)

    def model_version(self, name: str, version: str) -> ModelVersion | None:
        return self.session.scalar(
            select(ModelVersion).where(ModelVersion.name == name, ModelVersion.version == version)
        )

    def add_model_version(self, row: ModelVersion) -> None:
        self.session.add(row)

    def company_champion(self, company_id: uuid.UUID, name: str) -> ModelVersion | None:
        return self.session.scalar(
            select(ModelVersion)
            .where(
                ModelVersion.company_id == company_id,
                ModelVersion.name == name,
                ModelVersion.status == "champion",
            )
            .order_by(ModelVersion.created_at.desc())
            .limit(1)
        )

    def model_versions(self, company_id: uuid.UUID) -> list[ModelVersion]:
        """Global (prior, reference) versions and the company's own, newest first."""
        return list(
            self.session.scalars(
                select(ModelVersion)
                .where(
                    or_(ModelVersion.company_id.is_(None), ModelVersion.company_id == company_id)
                )
                .order_by(ModelVersion.created_at.desc())
            )
        )

    def labelled_outcomes(self, company_id: uuid.UUID) -> int:
        """Hires whose outcome is known: the labels a company's own model learns from."""
        return int(
            self.session.scalar(
                select(func.count())
                .select_from(Hire)
                .where(Hire.company_id == company_id, Hire.actual_outcome.is_not(None))
            )
            or 0
        )

    def labelled_hires(self, company_id: uuid.UUID) -> list[tuple[dict[str, Any], str]]:
        """(what was stored with a fit prediction about the hire, the hire's outcome) for
        every hire with a known outcome: the features as they were when predicted, never
        recomputed since. The prediction is the last one made by the hire, else the first."""
        rows = self.session.execute(
            select(
                Hire.id,
                Hire.created_at,
                Hire.actual_outcome,
                Prediction.created_at,
                Prediction.features,
            )
            .join(
                Prediction,
                (Prediction.entity_id == Hire.candidate_id)
                & (Prediction.entity_type == "candidate")
                & (Prediction.prediction_type == "fit_score")
                & (Prediction.company_id == company_id),
            )
            .where(
                Hire.company_id == company_id,
                Hire.actual_outcome.is_not(None),
                Prediction.features.is_not(None),
            )
            .order_by(Hire.created_at, Hire.id, Prediction.created_at)
        )
        chosen: dict[uuid.UUID, tuple[dict[str, Any], str]] = {}
        for hire_id, hired_at, outcome, made_at, stored in rows:
            if hire_id not in chosen or made_at <= hired_at:
                chosen[hire_id] = (stored, outcome)
        return list(chosen.values())

    def company_versions(self, company_id: uuid.UUID, name: str, status: str) -> list[ModelVersion]:
        return list(
            self.session.scalars(
                select(ModelVersion).where(
                    ModelVersion.company_id == company_id,
                    ModelVersion.name == name,
                    ModelVersion.status == status,
                )
            )
        )
