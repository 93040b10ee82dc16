"""Everything held about one person (export, erasure), applications past their retention,
and data-subject requests."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, delete, func, or_, select

from core.models import (
    AuditLog,
    Base,
    Candidate,
    CandidateDocument,
    CandidateEmbedding,
    CandidateMerge,
    CandidateStageEvent,
    Company,
    Consent,
    Employee,
    FitScoreDimension,
    Hire,
    Interview,
    InterviewScorecard,
    Notification,
    Offer,
    OnboardingPlan,
    Outcome,
    Prediction,
    PrivacyRequest,
    RateLimitEvent,
    SelfIdentification,
    User,
)
from core.repositories.base import Repository

# Rows that hang off an application by ``candidate_id``.
CANDIDATE_TABLES: tuple[type[Base], ...] = (
    CandidateDocument,
    CandidateEmbedding,
    Consent,
    SelfIdentification,
    CandidateStageEvent,
    FitScoreDimension,
    Interview,
    Offer,
    Hire,
)


class PrivacyRepository(Repository):
    def list_company_ids(self) -> list[uuid.UUID]:
        return list(self.session.scalars(select(Company.id).order_by(Company.created_at)))

    def get_company(self, company_id: uuid.UUID) -> Company | None:
        return self.session.get(Company, company_id)

    def list_applications(self, company_id: uuid.UUID, email: str) -> list[Candidate]:
        """The applications under ``email`` (any case) and every application linked to them
        as the same person (``person_id``)."""
        direct = select(Candidate.person_id).where(
            Candidate.company_id == company_id, func.lower(Candidate.email) == email.lower()
        )
        return list(
            self.session.scalars(
                select(Candidate)
                .where(Candidate.company_id == company_id, Candidate.person_id.in_(direct))
                .order_by(Candidate.created_at)
            )
        )

    def list_applications_by_person(
        self, company_id: uuid.UUID, person_id: uuid.UUID
    ) -> list[Candidate]:
        return list(
            self.session.scalars(
                select(Candidate).where(
                    Candidate.company_id == company_id, Candidate.person_id == person_id
                )
            )
        )

    def list_rows(
        self, model: type[Base], company_id: uuid.UUID, candidate_ids: list[uuid.UUID]
    ) -> list[Any]:
        """Rows of a per-application table (see CANDIDATE_TABLES) for these applications."""
        return list(
            self.session.scalars(
                select(model).where(
                    model.company_id == company_id,  # type: ignore[attr-defined]
                    model.candidate_id.in_(candidate_ids),  # type: ignore[attr-defined]
                )
            )
        )

    def list_scorecards(
        self, company_id: uuid.UUID, interview_ids: list[uuid.UUID]
    ) -> list[InterviewScorecard]:
        return list(
            self.session.scalars(
                select(InterviewScorecard).where(
                    InterviewScorecard.company_id == company_id,
                    InterviewScorecard.interview_id.in_(interview_ids),
                )
            )
        )

    def list_predictions(self, company_id: uuid.UUID, ids: list[uuid.UUID]) -> list[Prediction]:
        return list(
            self.session.scalars(
                select(Prediction).where(
                    Prediction.company_id == company_id, Prediction.entity_id.in_(ids)
                )
            )
        )

    def list_outcomes(
        self, company_id: uuid.UUID, prediction_ids: list[uuid.UUID]
    ) -> list[Outcome]:
        return list(
            self.session.scalars(
                select(Outcome).where(
                    Outcome.company_id == company_id, Outcome.prediction_id.in_(prediction_ids)
                )
            )
        )

    def list_merges(
        self, company_id: uuid.UUID, ids: list[uuid.UUID], emails: set[str]
    ) -> list[CandidateMerge]:
        """Merges into or of these applications, and merged rows that carried the email."""
        found = self.session.scalars(
            select(CandidateMerge).where(
                CandidateMerge.company_id == company_id,
                or_(
                    CandidateMerge.survivor_id.in_(ids),
                    CandidateMerge.merged_candidate_id.in_(ids),
                    *[
                        func.lower(cast(CandidateMerge.snapshot, Text)).contains(e, autoescape=True)
                        for e in emails
                    ],
                ),
            )
        )
        return list(found)

    def list_notifications(self, company_id: uuid.UUID) -> list[Notification]:
        """The company's outbox (filtered by the caller: names may be escaped in JSON)."""
        return list(
            self.session.scalars(select(Notification).where(Notification.company_id == company_id))
        )

    def list_audit_rows(
        self, company_id: uuid.UUID, entity_ids: list[str], terms: set[str]
    ) -> list[AuditLog]:
        """Audit rows about these entities or whose summary mentions one of ``terms``."""
        text = func.lower(cast(AuditLog.summary, Text))
        return list(
            self.session.scalars(
                select(AuditLog).where(
                    AuditLog.company_id == company_id,
                    or_(
                        AuditLog.entity_id.in_(entity_ids),
                        *[text.contains(t.lower(), autoescape=True) for t in terms],
                    ),
                )
            )
        )

    def list_hired_people(
        self, company_id: uuid.UUID, candidate_ids: list[uuid.UUID]
    ) -> list[tuple[Hire, Employee | None, User | None, OnboardingPlan | None]]:
        rows = self.session.execute(
            select(Hire, Employee, User, OnboardingPlan)
            .outerjoin(Employee, Employee.hire_id == Hire.id)
            .outerjoin(User, User.employee_id == Employee.id)
            .outerjoin(OnboardingPlan, OnboardingPlan.hire_id == Hire.id)
            .where(Hire.company_id == company_id, Hire.candidate_id.in_(candidate_ids))
        )
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    def list_requests_about(self, company_id: uuid.UUID, email_sha256: str) -> list[PrivacyRequest]:
        return list(
            self.session.scalars(
                select(PrivacyRequest).where(
                    PrivacyRequest.company_id == company_id,
                    PrivacyRequest.email_sha256 == email_sha256,
                )
            )
        )

    def delete_rows(self, rows: list[Any]) -> None:
        for row in rows:
            self.session.delete(row)
        self.session.flush()

    def delete_rate_limit_buckets(self, buckets: list[str]) -> None:
        """Rate-limit events are kept per bucket; the intake's buckets name the email."""
        self.session.execute(delete(RateLimitEvent).where(RateLimitEvent.bucket.in_(buckets)))

    def list_retention_terms(
        self, company_id: uuid.UUID
    ) -> list[tuple[uuid.UUID, uuid.UUID, str, datetime, int | None, bool]]:
        """Per application: (id, person, status, applied at, longest consented days or None,
        already erased), for the retention rule."""
        consent = (
            select(
                Consent.candidate_id,
                func.max(Consent.granted_at).label("granted"),
                func.max(Consent.retention_days).label("days"),
            )
            .where(Consent.company_id == company_id)
            .group_by(Consent.candidate_id)
            .subquery()
        )
        rows = self.session.execute(
            select(
                Candidate.id,
                Candidate.person_id,
                Candidate.status,
                Candidate.created_at,
                consent.c.granted,
                consent.c.days,
                Candidate.email,
            )
            .outerjoin(consent, consent.c.candidate_id == Candidate.id)
            .where(Candidate.company_id == company_id)
        )
        out = []
        for cid, person, status, created, granted, days, email in rows:
            applied = max(created, granted) if granted is not None else created
            erased = email.endswith("@" + ERASED_DOMAIN)
            out.append((cid, person, status, applied, int(days) if days else None, erased))
        return out

    def get_request_by_token(self, token_hash: str) -> PrivacyRequest | None:
        return self.session.scalars(
            select(PrivacyRequest).where(PrivacyRequest.token_hash == token_hash)
        ).first()

    def get_request(self, company_id: uuid.UUID, request_id: uuid.UUID) -> PrivacyRequest | None:
        return self.session.scalars(
            select(PrivacyRequest).where(
                PrivacyRequest.company_id == company_id, PrivacyRequest.id == request_id
            )
        ).first()

    def list_requests(self, company_id: uuid.UUID) -> list[PrivacyRequest]:
        """Confirmed and fulfilled requests, the open ones first by due date."""
        return list(
            self.session.scalars(
                select(PrivacyRequest)
                .where(
                    PrivacyRequest.company_id == company_id,
                    PrivacyRequest.status.in_(("confirmed", "fulfilled")),
                )
                .order_by(PrivacyRequest.status, PrivacyRequest.due_at)
            )
        )

    def add(self, *rows: Base) -> None:
        self.session.add_all(rows)
        self.session.flush()

    def add_secure_delete(self) -> None:
        """SQLite: overwrite deleted content with zeros in this transaction, so an erased
        person's text does not linger in free pages of the file."""
        if self.session.get_bind().dialect.name == "sqlite":
            self.session.connection().exec_driver_sql("PRAGMA secure_delete=ON")

    def delete_wal_history(self) -> None:
        """SQLite: copy the write-ahead log into the file and empty it (old page versions
        live in it until a checkpoint). Call after the commit."""
        engine = self.session.get_bind()
        if engine.dialect.name != "sqlite":
            return
        with engine.connect() as conn:  # type: ignore[union-attr]
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


# Erased applications keep their row (for the company's counts) under an address that
# names nobody: erased-<row id>@erased.invalid (.invalid never resolves, RFC 2606).
ERASED_DOMAIN = "erased.invalid"
