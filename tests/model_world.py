"""Labelled hires and self-identified applicants for model tests: a company whose success
turned on builder mindset alone (unlike the prior's world), so its own model learns it."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime

from sqlalchemy import select

from core.db import Database
from core.models import Candidate, Hire, Outcome, Prediction, Role
from core.models import SelfIdentification as SelfId
from core.repositories.scoring import ScoringRepository
from core.services import model_registry
from ml import artifacts
from ml.fit import dimension_frame
from ml.synthetic import generate_history


def succeeded(row: dict[str, float]) -> bool:
    """The company's truth: a hire succeeded when their builder mindset was at least 50."""
    return row["builder_fit"] >= 50


def labelled_hires(
    db: Database,
    company_id: uuid.UUID,
    n: int,
    seed: int,
    *,
    invert: bool = False,
    recorded_at: datetime | None = None,
) -> uuid.UUID:
    """``n`` past hires with their fit prediction's stored features and their outcome
    (``invert``: the opposite of the truth, a company whose records were wrong). With
    ``recorded_at``, each also gets the ``outcomes`` row that recording it writes. Returns
    the role they were hired for."""
    features = dimension_frame(generate_history(n, seed=seed)[0])
    with db.uow() as uow:
        role_id = uow.session.scalars(select(Role.id).where(Role.company_id == company_id)).first()
        for i, row in enumerate(features.to_dict("records")):
            success = succeeded(row) != invert
            candidate = Candidate(
                company_id=company_id,
                role_id=role_id,
                email=f"past.{seed}.{i}@example.com",
                status="hired",
                fit_breakdown={"features": row},
            )
            uow.session.add(candidate)
            uow.session.flush()
            uow.session.add(
                Hire(
                    candidate_id=candidate.id,
                    role_id=role_id,
                    company_id=company_id,
                    actual_outcome="success" if success else "failure",
                )
            )
            # What the model learns from: the features stored with the prediction.
            prediction = Prediction(
                company_id=company_id,
                entity_type="candidate",
                entity_id=candidate.id,
                prediction_type="fit_score",
                predicted_value=0.5,
                features={"features": row},
            )
            uow.session.add(prediction)
            if recorded_at is not None:
                uow.session.flush()
                uow.session.add(
                    Outcome(
                        company_id=company_id,
                        prediction_id=prediction.id,
                        actual_value=1.0 if success else 0.0,
                        accuracy=0.5,
                        feedback_data={"outcome": "success" if success else "failure"},
                        created_at=recorded_at,
                    )
                )
        uow.commit()
    return role_id


def skewed_applicants(db: Database, company_id: uuid.UUID, role_id: uuid.UUID) -> list[uuid.UUID]:
    """80 self-identified applicants: the women show little builder mindset, the men much,
    everything else drawn alike, so a model ranking by builder mindset ranks women low."""
    features = dimension_frame(generate_history(80, seed=77)[0])
    ids = []
    with db.uow() as uow:
        for i, row in enumerate(features.to_dict("records")):
            woman = i % 2 == 0
            row["builder_fit"] = 15.0 + i % 7 if woman else 85.0 - i % 7
            candidate = Candidate(
                company_id=company_id,
                role_id=role_id,
                email=f"applicant.{i}@example.com",
                status="applied",
                fit_score=50,
                fit_breakdown={"features": row},
            )
            uow.session.add(candidate)
            uow.session.flush()
            ids.append(candidate.id)
            uow.session.add(
                SelfId(
                    company_id=company_id,
                    candidate_id=candidate.id,
                    answers={"gender": "Woman" if woman else "Man", "ethnicity": "Asian"},
                )
            )
        uow.commit()
    return ids


def register_challenger(db: Database, company_id: uuid.UUID, version: str, at: datetime) -> None:
    """A challenger: the prior's models under a new version (the arms then differ only in
    the outcomes a test gives them, which is what the promotion rule judges)."""
    models = dataclasses.replace(model_registry.load_models(), version=version)
    data = artifacts.dumps(models)
    path = model_registry.artifact_path(f"{company_id}-{version}")
    artifacts.write_bytes(data, path)
    with db.uow() as uow:
        model_registry._register(
            ScoringRepository(uow.session), models, company_id, "challenger", path, at, data
        )
        uow.commit()
