"""Load the synthetic demo world (ml.synthetic) into the database in one transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pandas as pd
from sklearn.metrics import roc_auc_score

from core.config import PROJECT_ROOT
from core.db import UnitOfWork
from core.integrations.startupos import CompanySnapshot
from core.models import (
    Candidate,
    CandidateStageEvent,
    Company,
    CulturePulse,
    CulturePulseCheck,
    CulturePulseParticipant,
    Employee,
    Hire,
    Interview,
    InterviewPanelist,
    InterviewScorecard,
    ModelVersion,
    Offer,
    OnboardingCheckpoint,
    OnboardingPlan,
    Outcome,
    Prediction,
    Role,
    SelfIdentification,
    StartuposSync,
    User,
)
from core.repositories.audit import AuditRepository
from core.repositories.demo import DemoRepository
from core.repositories.users import UserRepository
from core.services.auth import hash_password
from core.services.errors import ValidationError
from ml.baseline import BASELINE_NAME, BASELINE_VERSION, BaselineSuccessModel
from ml.resume import Taxonomy, parse_resume
from ml.synthetic import FEATURES, World, generate_history, generate_world, startupos_export

MAX_COMPANIES = 12
MAX_CANDIDATES = 60_000
BASELINE_TRAIN_SIZE = 20_000
_OUTCOME_VALUE = {"success": 1.0, "neutral": 0.5, "failure": 0.0}


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    company: str


@dataclass(frozen=True)
class SeedReport:
    created: bool
    message: str
    counts: dict[str, int] = field(default_factory=dict)
    wiped: dict[str, int] | None = None
    logins: list[DemoLogin] = field(default_factory=list)
    bayes_auc: float | None = None
    baseline_auc: float | None = None


def seed_demo(
    uow: UnitOfWork,
    *,
    companies: int,
    candidates: int,
    seed: int,
    as_of: date,
    password: str,
    reset: bool = False,
    if_empty: bool = False,
    environment: str = "development",
) -> SeedReport:
    """Create the demo world; a no-op if it is already there, refused over other data.

    With ``reset`` every table but the audit log is emptied first; with ``if_empty`` a
    database that holds any company is left alone. Never in production: the demo users
    share a password published in README.
    """
    if environment == "production":
        raise ValidationError(
            "Demo data is never loaded when PEOPLEOS_ENV=production: its users share a "
            "published password. Create real users with `python -m core.cli users create`."
        )
    if not 1 <= companies <= MAX_COMPANIES:
        raise ValidationError(f"--companies must be between 1 and {MAX_COMPANIES}.")
    if not 10 * companies <= candidates <= MAX_CANDIDATES:
        raise ValidationError(
            f"--candidates must be between {10 * companies} (10 per company) and {MAX_CANDIDATES}."
        )
    with uow:
        repo = DemoRepository(uow.session)
        if if_empty and not reset and repo.count_companies() > 0:
            users = UserRepository(uow.session).list_with_company()
            return SeedReport(
                created=False,
                message="The database already holds data; the demo was not loaded again.",
                logins=[DemoLogin(u.username, u.role, name) for u, name in users if u.is_active],
            )
        password_hash = hash_password(password, allow_demo_password=True)
        world = generate_world(companies, candidates, seed, as_of)
        objects, counts, logins = _build_objects(world, password_hash)
        model, baseline_auc = _train_baseline(seed)
        predictions = _predict_hires(world, model, objects)
        counts["predictions"] = sum(isinstance(o, Prediction) for o in predictions)
        counts["outcomes"] = sum(isinstance(o, Outcome) for o in predictions)
        wiped = None
        if reset:
            wiped = repo.wipe_all()
        else:
            startupos_ids = [c["startupos_id"] for c in world.companies]
            existing = repo.existing_company_ids(startupos_ids)
            if len(existing) == len(startupos_ids) and repo.count_companies() == len(existing):
                return SeedReport(
                    created=False,
                    message="The demo data for this seed is already loaded; nothing changed.",
                    logins=logins,
                )
            if repo.count_companies() > 0:
                raise ValidationError(
                    "The database already holds other data. Run with --reset to wipe it "
                    "(every table except the audit log) and load the demo."
                )
        repo.add_all(objects)
        repo.add_all(predictions)
        repo.add_all(_registry_rows(world, baseline_auc))
        AuditRepository(uow.session).add(
            actor="cli",
            action="demo.reset_and_seed" if reset else "demo.seed",
            entity_type="database",
            summary={"seed": seed, "as_of": as_of.isoformat(), "counts": counts},
        )
        uow.commit()
    return SeedReport(
        created=True,
        message=f"Loaded the demo world (seed {seed}).",
        counts=counts,
        wiped=wiped,
        logins=logins,
        bayes_auc=world.ground_truth["bayes_auc"],
        baseline_auc=baseline_auc,
    )


def _build_objects(
    world: World, password_hash: str
) -> tuple[list[Any], dict[str, int], list[DemoLogin]]:
    """ORM objects in dependency order, row counts per table, and the demo logins."""
    objects: list[Any] = []
    counts: dict[str, int] = {}
    names = {c["id"]: c["name"] for c in world.companies}
    exported = startupos_export(world)["companies"]
    for row, entry in zip(world.companies, exported, strict=True):
        fields = dict(row)
        fields.pop("snapshot")
        snapshot = CompanySnapshot(entry["company"], entry["team"], entry["metrics"])
        objects.append(Company(**fields, updated_at=fields["created_at"]))
        objects.append(
            StartuposSync(
                id=uuid.uuid5(fields["id"], "demo-sync"),
                company_id=fields["id"],
                sync_type="file",
                sync_status="succeeded",
                data_snapshot=entry,
                counts={
                    "company": "created",
                    "team_received": len(snapshot.team),
                    "metrics_received": len(snapshot.metrics),
                    "cursor": snapshot.cursor,
                },
                synced_at=fields["created_at"],
                created_at=fields["created_at"],
            )
        )
    counts["companies"] = len(world.companies)
    tables: list[tuple[str, type, list[dict[str, Any]]]] = [
        ("roles", Role, world.roles),
        ("candidates", Candidate, world.candidates),
        ("hires", Hire, world.hires),
        ("employees", Employee, world.employees),
        ("users", User, world.users),
        ("interviews", Interview, world.interviews),
        ("interview_panelists", InterviewPanelist, world.interview_panelists),
        ("interview_scorecards", InterviewScorecard, world.interview_scorecards),
        ("offers", Offer, world.offers),
        ("onboarding_plans", OnboardingPlan, world.onboarding_plans),
        ("onboarding_checkpoints", OnboardingCheckpoint, world.onboarding_checkpoints),
        ("culture_pulses", CulturePulse, world.culture_pulses),
        ("culture_pulse_participants", CulturePulseParticipant, world.culture_pulse_participants),
        ("culture_pulse_checks", CulturePulseCheck, world.culture_pulse_checks),
        ("candidate_stage_events", CandidateStageEvent, world.candidate_stage_events),
        ("self_id", SelfIdentification, world.self_id),
    ]
    world_time = datetime.combine(world.as_of, time(), UTC)
    entered = _stage_entered(world)
    taxonomy = Taxonomy.load(PROJECT_ROOT / "data" / "skills_taxonomy.json")
    for name, model, rows in tables:
        for row in rows:
            fields = {
                k: v for k, v in row.items() if k not in ("features", "expected_compensation")
            }
            # Timestamps come from the world, never the clock, so a seed always gives the
            # same rows.
            if hasattr(model, "created_at"):
                fields.setdefault("created_at", world_time)
            if hasattr(model, "updated_at"):
                fields.setdefault("updated_at", fields["created_at"])
            if model is User:
                fields["password_hash"] = password_hash
            if model is Candidate:
                fields["stage_entered_at"] = entered.get(fields["id"], fields["created_at"])
                parsed = parse_resume(fields["resume_text"], taxonomy, today=world.as_of)
                fields["resume_profile"] = {
                    **parsed.to_dict(),
                    "expected_compensation": row.get("expected_compensation"),
                }
            objects.append(model(**fields))
        counts[name] = len(rows)
    logins = [DemoLogin(u["username"], u["role"], names[u["company_id"]]) for u in world.users]
    return objects, counts, logins


def _stage_entered(world: World) -> dict[Any, datetime]:
    """When each candidate entered their current stage: their latest stage-changing event."""
    entered: dict[Any, datetime] = {}
    for event in world.candidate_stage_events:
        if event["from_status"] != event["to_status"]:
            moment = event["created_at"]
            entered[event["candidate_id"]] = max(moment, entered.get(event["candidate_id"], moment))
    return entered


def _train_baseline(seed: int) -> tuple[BaselineSuccessModel, float]:
    """Fit the baseline on synthetic history; AUC on a held-out draw."""
    X_train, y_train, _ = generate_history(BASELINE_TRAIN_SIZE, seed=seed + 1)
    X_test, y_test, _ = generate_history(BASELINE_TRAIN_SIZE // 2, seed=seed + 2)
    model = BaselineSuccessModel().fit(X_train, y_train)
    auc = float(roc_auc_score(y_test, model.predict_proba(X_test)[:, 1]))
    return model, auc


def _predict_hires(world: World, model: BaselineSuccessModel, objects: list[Any]) -> list[Any]:
    """Baseline predictions for every hire, and outcome rows where the outcome is known."""
    features = {c["id"]: c["features"] for c in world.candidates}
    hires = [o for o in objects if isinstance(o, Hire)]
    if not hires:
        return []
    X = pd.DataFrame([features[h.candidate_id] for h in hires], columns=list(FEATURES))
    probabilities = model.predict_proba(X)[:, 1]
    rows: list[Any] = []
    for hire, p, feats in zip(hires, probabilities, X.to_dict("records"), strict=True):
        p = float(p)
        hire.predicted_fit_score = round(100 * p)
        prediction = Prediction(
            id=uuid.uuid5(hire.id, "prediction"),
            company_id=hire.company_id,
            entity_type="hire",
            entity_id=hire.id,
            prediction_type="success_prob",
            predicted_value=round(p, 6),
            confidence=None,  # one model: no members to agree (scoring.CONFIDENCE)
            model_version=f"{BASELINE_NAME}:{BASELINE_VERSION}",
            features={k: float(v) for k, v in feats.items()},
            created_at=hire.created_at,
        )
        rows.append(prediction)
        if hire.actual_outcome is not None:
            actual = _OUTCOME_VALUE[hire.actual_outcome]
            rows.append(
                Outcome(
                    id=uuid.uuid5(hire.id, "outcome"),
                    company_id=hire.company_id,
                    prediction_id=prediction.id,
                    actual_value=actual,
                    accuracy=round(1 - abs(p - actual), 6),
                    feedback_data={
                        "outcome": hire.actual_outcome,
                        "reason": hire.outcome_reason,
                        "retention_days": hire.retention_days,
                    },
                    created_at=_outcome_time(hire),
                )
            )
    return rows


def _outcome_time(hire: Hire) -> datetime:
    # Outcomes are judged 90 days after the start date.
    start = hire.start_date or hire.created_at.date()
    return datetime.combine(start + timedelta(days=90), time(), UTC)


def _registry_rows(world: World, baseline_auc: float) -> list[ModelVersion]:
    truth = world.ground_truth
    trained_at = datetime.combine(world.as_of, time(), UTC)
    return [
        ModelVersion(
            id=uuid.uuid5(uuid.NAMESPACE_URL, f"peopleos:model:{truth['name']}:{truth['version']}"),
            name=truth["name"],
            version=truth["version"],
            status="reference",
            metrics={
                "bayes_auc": truth["bayes_auc"],
                "base_rate": truth["base_rate"],
                "formula": truth["formula"],
                "coefficients": truth["coefficients"],
                "noise": truth["noise"],
            },
            feature_names=list(truth["features"]),
            trained_at=trained_at,
            created_at=trained_at,
        ),
        ModelVersion(
            id=uuid.uuid5(uuid.NAMESPACE_URL, f"peopleos:model:{BASELINE_NAME}:{BASELINE_VERSION}"),
            name=BASELINE_NAME,
            version=BASELINE_VERSION,
            status="champion",
            metrics={"auc_synthetic_holdout": baseline_auc},
            feature_names=list(FEATURES),
            trained_at=trained_at,
            created_at=trained_at,
        ),
    ]


def export_startupos(*, companies: int, candidates: int, seed: int, as_of: date) -> dict[str, Any]:
    """The demo world's companies as a StartupOS export (what data/ ships)."""
    return startupos_export(generate_world(companies, candidates, seed, as_of))
