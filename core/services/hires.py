"""Hires and their real outcomes, the ground truth every earlier prediction is checked
against.

Recording a hire's outcome (success, failure or neutral; the leave date if they left)
writes one ``outcomes`` row for every prediction made about that person, each with its
error, so accuracy per model version is computed from those rows alone. The features a
model learns from are the ones stored with each prediction when it was made.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from core.db import UnitOfWork
from core.models import Hire, Outcome
from core.models.enums import HIRE_OUTCOMES
from core.permissions import Permission
from core.repositories.audit import AuditRepository
from core.repositories.hires import HireRepository, HireRow
from core.repositories.scoring import ScoringRepository
from core.services import webhooks
from core.services.auth import Actor
from core.services.errors import NotFoundError, ValidationError

MAX_REASON = 1000
# What each outcome means as the probability of success a model predicted.
ACTUAL = {"success": 1.0, "neutral": 0.5, "failure": 0.0}


@dataclass(frozen=True)
class OutcomeView:
    hire_id: uuid.UUID
    outcome: str
    retention_days: int | None
    predictions_checked: int
    mean_error: float | None


def list_hires(uow: UnitOfWork, actor: Actor) -> list[HireRow]:
    """The company's hires, latest start first, with their outcome if recorded."""
    actor.require(Permission.RECORD_OUTCOMES)
    with uow:
        return HireRepository(uow.session).list_recent(actor.company_id)


def find_hire(uow: UnitOfWork, actor: Actor, email: str) -> uuid.UUID:
    """The hire of the company's candidate with ``email``; NotFoundError when never hired."""
    actor.require(Permission.RECORD_OUTCOMES)
    with uow:
        hire_id = HireRepository(uow.session).id_by_email(actor.company_id, email.strip())
    if hire_id is None:
        raise NotFoundError(f"{email.strip()} was never hired at {actor.company_name}.")
    return hire_id


def record_outcome(
    uow: UnitOfWork,
    actor: Actor,
    hire_id: uuid.UUID,
    outcome: str,
    now: datetime,
    *,
    left_on: date | None = None,
    reason: str = "",
) -> OutcomeView:
    """Record (or correct) a hire's outcome and check every prediction about them."""
    actor.require(Permission.RECORD_OUTCOMES)
    if outcome not in HIRE_OUTCOMES:
        raise ValidationError("The outcome is success, failure or neutral.")
    reason = " ".join(reason.split())
    if len(reason) > MAX_REASON:
        raise ValidationError(f"The reason is at most {MAX_REASON} characters.")
    with uow:
        repo = HireRepository(uow.session)
        hire = repo.get(actor.company_id, hire_id)
        if hire is None:
            raise NotFoundError("No such hire: an outcome is recorded for someone hired.")
        retention = _retention_days(hire, left_on, now)
        hire.actual_outcome = outcome
        hire.outcome_reason = reason or None
        hire.retention_days = retention
        repo.set_left(actor.company_id, hire.id, left_on)
        errors = _check_predictions(uow, actor, hire, outcome, retention, now)
        AuditRepository(uow.session).add(
            **actor.audit_fields(),
            action="hire.outcome_recorded",
            entity_type="hire",
            entity_id=str(hire.id),
            summary={"outcome": outcome, "left_on": left_on.isoformat() if left_on else None},
        )
        webhooks.announce(
            uow.session,
            actor.company_id,
            "hire.outcome_recorded",
            {
                "hire_id": str(hire.id),
                "candidate_id": str(hire.candidate_id) if hire.candidate_id else None,
                "outcome": outcome,
                "left_on": left_on.isoformat() if left_on else None,
                "retention_days": retention,
            },
            now,
        )
        uow.commit()
    mean = round(sum(errors) / len(errors), 4) if errors else None
    return OutcomeView(hire_id, outcome, retention, len(errors), mean)


def _retention_days(hire: Hire, left_on: date | None, now: datetime) -> int | None:
    if hire.start_date is None:
        if left_on is not None:
            raise ValidationError("This hire has no start date, so a leave date means nothing.")
        return None
    if left_on is not None:
        if left_on < hire.start_date:
            raise ValidationError("They cannot leave before their start date.")
        if left_on > now.date():
            raise ValidationError("The leave date is in the future; record it once they left.")
        return (left_on - hire.start_date).days
    return max(0, (now.date() - hire.start_date).days)


def _check_predictions(
    uow: UnitOfWork, actor: Actor, hire: Hire, outcome: str, retention: int | None, now: datetime
) -> list[float]:
    """One outcome row per prediction about the person (replacing an earlier outcome's
    row for it), with the prediction's error; returns the errors."""
    actual = ACTUAL[outcome]
    scoring = ScoringRepository(uow.session)
    errors = []
    for prediction in scoring.predictions(actor.company_id, hire.candidate_id, limit=None):
        if prediction.predicted_value is None:
            continue
        error = abs(float(prediction.predicted_value) - actual)
        scoring.replace_outcome(
            Outcome(
                company_id=actor.company_id,
                prediction_id=prediction.id,
                actual_value=actual,
                accuracy=round(1 - error, 6),
                feedback_data={
                    "outcome": outcome,
                    "error": round(error, 6),
                    "prediction_type": prediction.prediction_type,
                    "model_version": prediction.model_version,
                    "retention_days": retention,
                    "hire_id": str(hire.id),
                },
                created_at=now,
            )
        )
        errors.append(error)
    return errors
