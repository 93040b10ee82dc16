"""Rows behind the Analytics page: a cohort's applications and stage moves, its offers and
hires, and predictions matched to outcomes. Every query is scoped by company."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, or_, select

from core.models import Candidate, CandidateStageEvent, Hire, Offer, Outcome, Prediction
from core.repositories.base import Repository


@dataclass(frozen=True)
class CohortFilter:
    """Candidates who applied in [since, until) (None: unbounded), of one role or all."""

    since: datetime | None = None
    until: datetime | None = None
    role_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Application:
    candidate_id: uuid.UUID
    role_id: uuid.UUID | None
    source: str | None
    status: str
    applied_at: datetime


@dataclass(frozen=True)
class StageMove:
    candidate_id: uuid.UUID
    from_status: str | None
    to_status: str
    at: datetime


@dataclass(frozen=True)
class HireRow:
    candidate_id: uuid.UUID
    source: str | None
    outcome: str | None
    retention_days: int | None


@dataclass(frozen=True)
class MatchedPrediction:
    model_version: str | None
    predicted: float | None
    actual: float | None
    observed_at: datetime  # when the outcome was recorded
    entity_id: uuid.UUID | None = None  # whom the prediction was about


def _cohort(company_id: uuid.UUID, f: CohortFilter) -> Select[tuple[uuid.UUID]]:
    query = select(Candidate.id).where(Candidate.company_id == company_id)
    if f.since is not None:
        query = query.where(Candidate.created_at >= f.since)
    if f.until is not None:
        query = query.where(Candidate.created_at < f.until)
    if f.role_id is not None:
        query = query.where(Candidate.role_id == f.role_id)
    return query


class AnalyticsRepository(Repository):
    def list_applications(self, company_id: uuid.UUID, f: CohortFilter) -> list[Application]:
        """The cohort's candidates as they are now."""
        rows = self.session.execute(
            select(
                Candidate.id,
                Candidate.role_id,
                Candidate.application_source,
                Candidate.status,
                Candidate.created_at,
            ).where(Candidate.id.in_(_cohort(company_id, f)))
        )
        return [Application(*row) for row in rows]

    def list_stage_moves(self, company_id: uuid.UUID, f: CohortFilter) -> list[StageMove]:
        """Every recorded stage move of the cohort, oldest first."""
        rows = self.session.execute(
            select(
                CandidateStageEvent.candidate_id,
                CandidateStageEvent.from_status,
                CandidateStageEvent.to_status,
                CandidateStageEvent.created_at,
            )
            .where(
                CandidateStageEvent.company_id == company_id,
                CandidateStageEvent.candidate_id.in_(_cohort(company_id, f)),
            )
            .order_by(CandidateStageEvent.created_at, CandidateStageEvent.id)
        )
        return [StageMove(*row) for row in rows]

    def list_offered_candidates(self, company_id: uuid.UUID, f: CohortFilter) -> set[uuid.UUID]:
        """The cohort's candidates who were made an offer (a row in offers)."""
        return set(
            self.session.scalars(
                select(Offer.candidate_id).where(
                    Offer.company_id == company_id,
                    Offer.candidate_id.in_(_cohort(company_id, f)),
                )
            )
        )

    def list_hires(self, company_id: uuid.UUID, f: CohortFilter) -> list[HireRow]:
        """The cohort's hires with their source and later outcome."""
        rows = self.session.execute(
            select(
                Hire.candidate_id,
                Candidate.application_source,
                Hire.actual_outcome,
                Hire.retention_days,
            )
            .join(Candidate, Candidate.id == Hire.candidate_id)
            .where(Hire.company_id == company_id, Hire.candidate_id.in_(_cohort(company_id, f)))
        )
        return [HireRow(*row) for row in rows]

    def list_matched_predictions(
        self,
        company_id: uuid.UUID,
        since: datetime | None,
        until: datetime | None,
        role_id: uuid.UUID | None,
    ) -> list[MatchedPrediction]:
        """Predictions with a recorded outcome in [since, until), of one role's hires or
        candidates when ``role_id`` is given, oldest prediction first."""
        query = (
            select(
                Prediction.model_version,
                Prediction.predicted_value,
                Outcome.actual_value,
                Outcome.created_at,
                Prediction.entity_id,
            )
            .join(Outcome, Outcome.prediction_id == Prediction.id)
            .where(Prediction.company_id == company_id, Outcome.company_id == company_id)
            .order_by(Prediction.created_at, Prediction.id)
        )
        if since is not None:
            query = query.where(Outcome.created_at >= since)
        if until is not None:
            query = query.where(Outcome.created_at < until)
        if role_id is not None:
            hires = select(Hire.id).where(Hire.company_id == company_id, Hire.role_id == role_id)
            candidates = select(Candidate.id).where(
                Candidate.company_id == company_id, Candidate.role_id == role_id
            )
            query = query.where(
                or_(
                    (Prediction.entity_type == "hire") & Prediction.entity_id.in_(hires),
                    (Prediction.entity_type == "candidate") & Prediction.entity_id.in_(candidates),
                )
            )
        return [MatchedPrediction(*row) for row in self.session.execute(query)]

    def list_open_pipeline(self, company_id: uuid.UUID) -> list[tuple[uuid.UUID, str]]:
        """(role id, stage) of every candidate now in an open stage of a role."""
        rows = self.session.execute(
            select(Candidate.role_id, Candidate.status).where(
                Candidate.company_id == company_id,
                Candidate.role_id.is_not(None),
                Candidate.status.in_(("applied", "screening", "interview", "offer")),
            )
        )
        return [(role_id, status) for role_id, status in rows]
