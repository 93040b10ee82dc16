"""Queries behind the Models page's A/B block and feature importance, scoped by company."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import distinct, func, select

from core.models import Candidate, ModelVersion, Prediction
from core.repositories.base import Repository


class ModelOverviewRepository(Repository):
    def count_predictions(
        self, company_id: uuid.UUID, model_versions: Sequence[str], prediction_type: str
    ) -> dict[str, tuple[int, int]]:
        """Per model version (as stored on predictions, "name:version"): the company's
        predictions of ``prediction_type`` it made and the people they were about."""
        if not model_versions:
            return {}
        rows = self.session.execute(
            select(
                Prediction.model_version,
                func.count(Prediction.id),
                func.count(distinct(Prediction.entity_id)),
            )
            .where(
                Prediction.company_id == company_id,
                Prediction.prediction_type == prediction_type,
                Prediction.model_version.in_(list(model_versions)),
            )
            .group_by(Prediction.model_version)
        )
        return {version: (int(made), int(people)) for version, made, people in rows}

    def scored_breakdowns(self, company_id: uuid.UUID, limit: int) -> list[dict[str, Any]]:
        """The stored fit breakdowns of the company's ``limit`` most recently updated scored
        candidates (a scoring run updates the row)."""
        return [
            b
            for b in self.session.scalars(
                select(Candidate.fit_breakdown)
                .where(Candidate.company_id == company_id, Candidate.fit_score.is_not(None))
                .order_by(Candidate.updated_at.desc(), Candidate.id)
                .limit(limit)
            )
            if b
        ]

    def company_models(self, company_id: uuid.UUID, name: str) -> list[ModelVersion]:
        """The company's own registered versions of model ``name``, newest first."""
        return list(
            self.session.scalars(
                select(ModelVersion)
                .where(ModelVersion.company_id == company_id, ModelVersion.name == name)
                .order_by(ModelVersion.created_at.desc(), ModelVersion.version)
            )
        )
