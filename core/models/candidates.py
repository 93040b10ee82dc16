"""Candidates and their per-dimension fit scores."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, CreatedAt, Timestamps, UUIDPrimaryKey, utcnow
from core.models.encrypted import EncryptedJSON, EncryptedText
from core.models.enums import CANDIDATE_STATUSES, in_check, score_check


class Candidate(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "candidates"
    __table_args__ = (
        CheckConstraint(in_check("status", CANDIDATE_STATUSES), name="status"),
        CheckConstraint(score_check("fit_score"), name="fit_score"),
        CheckConstraint(score_check("success_probability"), name="success_probability"),
        Index("idx_candidates_company_role", "company_id", "role_id"),
        Index("idx_candidates_fit_score", "fit_score"),
        Index("idx_candidates_company_status", "company_id", "status"),
        Index("idx_candidates_company_email", "company_id", "email"),
        Index("idx_candidates_company_person", "company_id", "person_id"),
        Index("idx_candidates_company_created", "company_id", "created_at"),
        # By stage and time in stage: the Pipeline page's order and median days per stage.
        Index(
            "idx_candidates_company_role_status_stage",
            "company_id",
            "role_id",
            "status",
            "stage_entered_at",
            "id",
        ),
        Index("idx_candidates_company_fit", "company_id", "fit_score"),
    )

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    role_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("roles.id", ondelete="SET NULL"))
    email: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str | None] = mapped_column(String(255))
    resume_url: Mapped[str | None] = mapped_column(Text)
    resume_text: Mapped[str | None] = mapped_column(EncryptedText("candidates.resume_text"))
    linkedin_url: Mapped[str | None] = mapped_column(Text)
    application_source: Mapped[str | None] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(50), default="applied")
    fit_score: Mapped[int | None]
    # Encrypted (core.crypto) like the resume they quote: explanations, evidence, the profile.
    fit_breakdown: Mapped[dict[str, Any] | None] = mapped_column(
        EncryptedJSON("candidates.fit_breakdown")
    )
    success_probability: Mapped[int | None]
    risk_indicators: Mapped[list[Any] | None] = mapped_column(
        EncryptedJSON("candidates.risk_indicators")
    )
    genome_profile: Mapped[dict[str, Any] | None] = mapped_column(
        EncryptedJSON("candidates.genome_profile")
    )
    # The applicant asked not to be scored automatically: no model scores them; people review.
    scoring_opt_out: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Public reference given to the applicant; parsed resume (skills, jobs, years, ...).
    reference: Mapped[str | None] = mapped_column(String(20), unique=True)
    resume_profile: Mapped[dict[str, Any] | None] = mapped_column(
        EncryptedJSON("candidates.resume_profile")
    )
    # One person applying to several roles is one application per role, linked by person_id
    # (the id of their first application).
    person_id: Mapped[uuid.UUID]
    # When the candidate entered their current stage: the time of the stage event that put
    # them there (kept with every stage event, never touched by rescoring or edits).
    stage_entered_at: Mapped[datetime]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if self.person_id is None:
            self.person_id = self.id
        if self.stage_entered_at is None:
            self.stage_entered_at = self.created_at or utcnow()


class FitScoreDimension(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "fit_score_dimensions"
    __table_args__ = (
        CheckConstraint(score_check("score"), name="score"),
        Index("idx_fit_score_dimensions_candidate", "candidate_id"),
    )

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    candidate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"))
    dimension_type: Mapped[str] = mapped_column(String(50))
    score: Mapped[int]
    reasoning: Mapped[str | None] = mapped_column(EncryptedText("fit_score_dimensions.reasoning"))
