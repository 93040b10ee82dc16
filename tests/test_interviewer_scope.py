"""Every service function that takes an Actor, walked as an interviewer.

The functions are found by inspecting the modules of ``core.services``; each must have a
probe in :data:`PROBES` (or a reason in :data:`NOT_A_USER`), so a new one cannot be added
unchecked. A probe calls the function as an interviewer of company A, aimed at a candidate
of company A whom that interviewer does not interview (the target): a call about the
target must be refused (PermissionDeniedError or NotFoundError, the same answer as for an
id that does not exist), and any other call's answer is read field by field and must not
name the target or carry a score.

An application is a candidate row (one per role, linked by ``person_id``): the target is
made another application of a person the interviewer does interview, so the paths through
the interviewer's own candidate are walked too. No service takes an interview id.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import pkgutil
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, is_dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, select

import core.services
from core.db import Database
from core.models import (
    AuditLog,
    Candidate,
    CandidateEmbedding,
    CandidateStageEvent,
    Company,
    Interview,
    JobRequest,
    Notification,
    User,
)
from core.services import (
    analytics,
    api_access,
    audit,
    auth,
    candidate_feed,
    candidates,
    company_dna,
    culture_pulse,
    duplicates,
    fairness,
    fit_insight,
    hires,
    hiring,
    imports,
    interview_feedback,
    interview_questions,
    interviews,
    model_accuracy,
    model_overview,
    model_promotion,
    model_registry,
    model_retraining,
    onboarding,
    pipeline,
    predictions,
    privacy,
    privacy_requests,
    retention,
    retention_models,
    retention_promotion,
    roles,
    scope,
    scoring,
    search,
    sourcing,
    sync,
    users,
    webhooks,
    worker_jobs,
)
from core.services.errors import NotFoundError, PermissionDeniedError, ValidationError
from ml.search import VectorIndex
from ml.training import TrainedModels
from tests.helpers import actor_of_role

pytestmark = pytest.mark.db
NOW = datetime(2026, 11, 2, tzinfo=UTC)
TARGET_NAME = "Quillon Outofscope"
TARGET_EMAIL = "quillon.outofscope@example.com"
TARGET_REFERENCE = "PRB-OUTOFSCOPE"
# Fields that carry the model's view of a candidate; an interviewer is never shown one.
SCORE_FIELDS = {
    "fit_score",
    "success_probability",
    "risks",
    "risk_indicators",
    "genome",
    "genome_profile",
    "breakdown",
    "fit_breakdown",
    "dimensions",
}


class HashEncoder:
    """Vectors from a hash of the text: embeddings for every resume without MiniLM."""

    name = "test-hash"

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.vstack([_hash_vector(t) for t in texts]).astype(np.float32)


def _hash_vector(text: str) -> np.ndarray:
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
    # MiniLM's width, which the index expects.
    return np.random.default_rng(seed).standard_normal(384)


class TargetEncoder:
    """Encodes any query as the target's own resume vector: its best possible search."""

    name = "test-hash"

    def __init__(self, vector: np.ndarray) -> None:
        self.vector = vector

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.vstack([self.vector for _ in texts])


@dataclass(frozen=True)
class Ctx:
    """The world the probes run in: company A's interviewer and the candidate they do not
    interview (the target), interviewed and scored, with a resume embedding."""

    db: Database
    interviewer: auth.Actor
    talent: auth.Actor
    target: uuid.UUID
    target_role: uuid.UUID
    own: uuid.UUID  # a candidate the interviewer does interview
    employee: uuid.UUID  # a user of company A, for the user-management calls
    folder: Path  # search indexes of this module
    models: TrainedModels

    def uow(self) -> Any:
        return self.db.uow()

    def target_row(self, session: Any) -> Candidate:
        return session.get(Candidate, self.target)


@pytest.fixture(scope="module")
def ctx(world: Database, tmp_path_factory: pytest.TempPathFactory) -> Ctx:
    with world.uow() as uow:
        s = uow.session
        company = s.scalars(select(Company.id).order_by(Company.name)).first()
    interviewer = actor_of_role(world, company, "interviewer")
    talent = actor_of_role(world, company, "talent_lead")
    with world.uow() as uow:
        s = uow.session
        mine = select(Interview.candidate_id).where(Interview.interviewer_id == interviewer.user_id)
        own = s.get(Candidate, s.scalars(mine).first())
        # Interviewed by someone else, scored, with a role and a resume: all there is to leak.
        target = s.scalars(
            select(Candidate)
            .join(Interview, Interview.candidate_id == Candidate.id)
            .where(
                Candidate.company_id == company,
                Candidate.id.not_in(mine),
                Candidate.fit_score.is_not(None),
                Candidate.role_id.is_not(None),
                Candidate.resume_text.is_not(None),
            )
            .order_by(Candidate.id)
        ).first()
        assert own is not None and target is not None
        # A name, email and reference found nowhere else, so a hit means the target.
        target.full_name, target.email, target.reference = (
            TARGET_NAME,
            TARGET_EMAIL,
            TARGET_REFERENCE,
        )
        # The same person's application to another role: linked, and still not theirs.
        target.person_id = own.person_id
        employee = s.scalars(
            select(User.id).where(User.company_id == company, User.role == "employee")
        ).first()
        target_id, target_role, own_id = target.id, target.role_id, own.id
        uow.commit()
    search.embed_missing(world.uow(), HashEncoder(), NOW)
    return Ctx(
        world,
        interviewer,
        talent,
        target_id,
        target_role,
        own_id,
        employee,
        tmp_path_factory.mktemp("indexes"),
        model_registry.load_models(),
    )


def _target_vector(c: Ctx) -> np.ndarray:
    with c.uow() as uow:
        vector = uow.session.scalar(
            select(CandidateEmbedding.vector).where(CandidateEmbedding.candidate_id == c.target)
        )
    return np.frombuffer(vector, dtype=np.float32)


def _target_email(c: Ctx) -> str:
    with c.uow() as uow:
        return c.target_row(uow.session).email


@dataclass(frozen=True)
class Probe:
    """How to call one service function as ``actor``, and what the call must do.

    ``refused``: the call is about the target (or needs a permission interviewers lack) and
    must raise PermissionDeniedError or NotFoundError. Otherwise its answer is read field by
    field: no target, no score. ``control``: a talent lead's same call does show the target,
    so the probe can see a leak. ``opaque``: why the answer is not read field by field.
    ``accepts``: errors that are a fine answer too (they say nothing about candidates).
    """

    call: Callable[[Ctx, auth.Actor], Any]
    refused: bool = False
    control: bool = False
    check: Callable[[Ctx, Any], None] | None = None
    opaque: str | None = None
    accepts: tuple[type[Exception], ...] = ()


def refused(call: Callable[[Ctx, auth.Actor], Any]) -> Probe:
    return Probe(call, refused=True)


def refused_or_told(call: Callable[[Ctx, auth.Actor], Any]) -> Probe:
    """A call that must fail: refused, or a plain ValidationError that reads nothing."""

    def must_fail(c: Ctx, a: auth.Actor) -> Any:
        try:
            call(c, a)
        except ValidationError:
            raise PermissionDeniedError("told why, nothing read") from None

    return Probe(must_fail, refused=True)


def _is_interviewer(c: Ctx, user_id: Any) -> None:
    assert user_id == c.interviewer.user_id


def _own_filter(c: Ctx, f: Any) -> None:
    _is_interviewer(c, f.interviewer_id)


def _nothing(c: Ctx, result: Any) -> None:
    assert not result


def _index_is_ids_and_vectors(c: Ctx, index: Any) -> None:
    assert index is None or isinstance(index, VectorIndex)
    # The kept index is shared by the company's users: searching through it still shows an
    # interviewer only the candidates they interview.
    encoder = TargetEncoder(_target_vector(c))
    hits = search.semantic_search(
        c.uow(), c.interviewer, encoder, "anyone", k=50, index=index, index_dir=c.folder
    )
    assert c.target not in {h.candidate_id for h in hits}


def _search(c: Ctx, a: auth.Actor) -> Any:
    encoder = TargetEncoder(_target_vector(c))
    return search.semantic_search(c.uow(), a, encoder, "anyone", k=50, index_dir=c.folder)


CSV = b"name,email\nNew Person,new.person@example.com\n"
SCHEDULE = interviews.Schedule(date(2026, 12, 1), time(10), "UTC", 45)


def _target_interview(c: Ctx) -> uuid.UUID:
    with c.uow() as uow:
        return uow.session.scalars(
            select(Interview.id).where(Interview.candidate_id == c.target)
        ).first()


def _all_interviews(c: Ctx, a: auth.Actor) -> Any:
    """Upcoming and past: every interview the actor may see."""
    return [
        *interviews.list_interviews(c.uow(), a, NOW),
        *interviews.list_interviews(c.uow(), a, NOW, upcoming=False),
    ]


# Every Actor-taking function of core.services, by "module.function".
PROBES: dict[str, Probe] = {
    "analytics.analytics_report": refused(
        lambda c, a: analytics.analytics_report(c.uow(), a, NOW.date())
    ),
    "analytics.get_overview": refused(lambda c, a: analytics.get_overview(c.uow(), a, NOW)),
    "analytics.accuracy_over_time": refused(lambda c, a: analytics.accuracy_over_time(c.uow(), a)),
    "audit.list_audit": refused(lambda c, a: audit.list_audit(c.uow(), a)),
    "auth.change_password": Probe(
        lambda c, a: auth.change_password(c.uow(), a, "not-the-password", "a-new-pass-3", NOW),
        accepts=(ValidationError,),  # the current password is checked; nothing else is read
    ),
    "auth.log_out_everywhere": Probe(lambda c, a: auth.log_out_everywhere(c.uow(), a, NOW)),
    "candidates.candidate_filter": Probe(
        lambda c, a: candidates.candidate_filter(a, role_id=c.target_role), check=_own_filter
    ),
    "candidates.export_csv": refused(lambda c, a: candidates.export_csv(c.uow(), a, NOW)),
    "candidates.get_candidate_profile": refused(
        lambda c, a: candidates.get_candidate_profile(c.uow(), a, c.target)
    ),
    "candidates.list_candidates": Probe(
        lambda c, a: candidates.list_candidates(c.uow(), a, search=TARGET_NAME, limit=200),
        control=True,
    ),
    "candidates.list_roles": Probe(lambda c, a: candidates.list_roles(c.uow(), a)),
    # Shapes a row the caller fetched (its own candidate here): scores only for who sees them.
    "candidates.candidate_row": Probe(
        lambda c, a: _in_session(
            c, lambda s: candidates.candidate_row(a, s.get(Candidate, c.own), None)
        )
    ),
    "candidate_feed.role_candidates": Probe(
        lambda c, a: candidate_feed.role_candidates(c.uow(), a, c.target_role, limit=200),
        control=True,
    ),
    "onboarding.get_plan": refused(lambda c, a: onboarding.get_plan(c.uow(), a, uuid.uuid4())),
    "onboarding.plan_of_hire": refused(
        lambda c, a: onboarding.plan_of_hire(c.uow(), a, uuid.uuid4())
    ),
    "fit_insight.candidate_what_if": refused(
        lambda c, a: fit_insight.candidate_what_if(c.uow(), a, c.target, c.models, {})
    ),
    "predictions.list_predictions": refused(lambda c, a: predictions.list_predictions(c.uow(), a)),
    "interviews.get_interview": refused(
        lambda c, a: interviews.get_interview(c.uow(), a, _target_interview(c))
    ),
    "api_access.create_key": refused(
        lambda c, a: api_access.create_key(c.uow(), a, "k", ["view_overview"], NOW)
    ),
    "api_access.list_keys": refused(lambda c, a: api_access.list_keys(c.uow(), a)),
    "api_access.revoke_key": refused(
        lambda c, a: api_access.revoke_key(c.uow(), a, uuid.uuid4(), NOW)
    ),
    "sourcing.add_candidate": refused(
        lambda c, a: sourcing.add_candidate(
            c.uow(), a, c.target_role, sourcing.NewCandidate("New Person", "n@example.com"), NOW
        )
    ),
    "onboarding.start_plan": refused(
        lambda c, a: onboarding.start_plan(c.uow(), a, uuid.uuid4(), NOW)
    ),
    "webhooks.register_endpoint": refused(
        lambda c, a: webhooks.register_endpoint(
            c.uow(), a, "https://hooks.example.com/", ["model.promoted"], "x", NOW
        )
    ),
    "webhooks.list_endpoints": refused(lambda c, a: webhooks.list_endpoints(c.uow(), a)),
    "webhooks.disable_endpoint": refused(
        lambda c, a: webhooks.disable_endpoint(c.uow(), a, uuid.uuid4(), NOW)
    ),
    "webhooks.send_test": refused(lambda c, a: webhooks.send_test(c.uow(), a, uuid.uuid4(), NOW)),
    "webhooks.list_deliveries": refused(lambda c, a: webhooks.list_deliveries(c.uow(), a)),
    "culture_pulse.culture_report": refused(
        lambda c, a: culture_pulse.culture_report(c.uow(), a, NOW, 5)
    ),
    "culture_pulse.my_pulse": Probe(
        lambda c, a: culture_pulse.my_pulse(c.uow(), a, NOW), accepts=(ValidationError,)
    ),
    "culture_pulse.open_pulse": refused(
        lambda c, a: culture_pulse.open_pulse(c.uow(), a, NOW, base_url="http://x")
    ),
    "culture_pulse.submit_answers": refused_or_told(
        lambda c, a: culture_pulse.submit_answers(c.uow(), a, uuid.uuid4(), {}, None, NOW)
    ),
    "hires.find_hire": refused(lambda c, a: hires.find_hire(c.uow(), a, TARGET_EMAIL)),
    "hires.list_hires": refused(lambda c, a: hires.list_hires(c.uow(), a)),
    "hires.record_outcome": refused(
        lambda c, a: hires.record_outcome(c.uow(), a, uuid.uuid4(), "success", NOW)
    ),
    "hiring.hire_candidate": refused(
        lambda c, a: hiring.hire_candidate(
            c.uow(), a, c.target, date(2026, 12, 1), NOW, base_url="http://x.test"
        )
    ),
    "hiring.get_hire": refused(lambda c, a: hiring.get_hire(c.uow(), a, c.target)),
    "hiring.latest_offer": refused(lambda c, a: hiring.latest_offer(c.uow(), a, c.target)),
    "hiring.make_offer": refused(
        lambda c, a: hiring.make_offer(c.uow(), a, c.target, 100_000, date(2026, 12, 1), NOW)
    ),
    "interview_feedback.debrief": refused(
        lambda c, a: interview_feedback.debrief(c.uow(), a, c.target)
    ),
    "interview_feedback.list_feedback": refused(
        lambda c, a: interview_feedback.list_feedback(c.uow(), a, c.target)
    ),
    # Not on the target's panel: told so, and nothing about the candidate is read.
    "interview_feedback.scorecard_form": refused_or_told(
        lambda c, a: interview_feedback.scorecard_form(c.uow(), a, _target_interview(c))
    ),
    "interview_feedback.submit_scorecard": refused_or_told(
        lambda c, a: interview_feedback.submit_scorecard(
            c.uow(), a, _target_interview(c), {"role": 3}, {"role": "x"}, "yes", NOW
        )
    ),
    "interview_questions.generate_questions": refused(
        lambda c, a: interview_questions.generate_questions(
            c.uow(), a, _target_interview(c), HashEncoder()
        )
    ),
    "interview_questions.list_questions": refused(
        lambda c, a: interview_questions.list_questions(c.uow(), a, _target_interview(c))
    ),
    "interview_questions.save_questions": refused(
        lambda c, a: interview_questions.save_questions(c.uow(), a, _target_interview(c), {})
    ),
    "interviews.candidate_choice": refused(
        lambda c, a: interviews.candidate_choice(c.uow(), a, c.target)
    ),
    "interviews.cancel_interview": refused(
        lambda c, a: interviews.cancel_interview(c.uow(), a, _target_interview(c), NOW)
    ),
    "interviews.list_interviews": Probe(_all_interviews, control=True),
    "interviews.panel_choices": refused(lambda c, a: interviews.panel_choices(c.uow(), a)),
    "interviews.reschedule_interview": refused(
        lambda c, a: interviews.reschedule_interview(
            c.uow(), a, _target_interview(c), SCHEDULE, NOW
        )
    ),
    "interviews.schedule_interview": refused(
        lambda c, a: interviews.schedule_interview(
            c.uow(), a, c.target, "phone", SCHEDULE, [c.interviewer.user_id], NOW
        )
    ),
    "candidates.move_stage": refused(
        lambda c, a: candidates.move_stage(
            c.uow(), a, [c.target], "rejected", reason="probe", now=NOW, reason_code="other"
        )
    ),
    "company_dna.get_company_dna": refused(
        lambda c, a: company_dna.get_company_dna(c.uow(), a, NOW.date())
    ),
    "company_dna.scan_company": refused(
        lambda c, a: company_dna.scan_company(c.uow(), a, HashEncoder(), NOW)
    ),
    "duplicates.compare_candidates": refused(
        lambda c, a: duplicates.compare_candidates(c.uow(), a, c.own, c.target)
    ),
    "duplicates.find_duplicates": refused(
        lambda c, a: duplicates.find_duplicates(c.uow(), a, index_dir=c.folder)
    ),
    "duplicates.merge_candidates": refused(
        lambda c, a: duplicates.merge_candidates(c.uow(), a, c.own, c.target, reason="x", now=NOW)
    ),
    "duplicates.merge_history": refused(
        lambda c, a: duplicates.merge_history(c.uow(), a, c.target)
    ),
    "fit_insight.candidate_insight": refused(
        lambda c, a: fit_insight.candidate_insight(c.uow(), a, c.target)
    ),
    "imports.commit_import": refused(
        lambda c, a: imports.commit_import(c.uow(), a, CSV, "people.csv", {}, NOW)
    ),
    "imports.list_imports": refused(lambda c, a: imports.list_imports(c.uow(), a)),
    "imports.preview_import": refused(
        lambda c, a: imports.preview_import(c.uow(), a, CSV, "people.csv", {})
    ),
    "imports.read_csv": refused(lambda c, a: imports.read_csv(a, CSV, "people.csv")),
    "model_accuracy.accuracy_from_outcomes": refused(
        lambda c, a: model_accuracy.accuracy_from_outcomes(c.uow(), a)
    ),
    "model_registry.list_models": refused(lambda c, a: model_registry.list_models(c.uow(), a)),
    "fairness.bias_audit": refused(
        lambda c, a: fairness.bias_audit(c.uow(), a, NOW.date(), NOW.date(), NOW)
    ),
    "fairness.fit_versions": refused(lambda c, a: fairness.fit_versions(c.uow(), a)),
    "fairness.model_card": refused(
        lambda c, a: fairness.model_card(c.uow(), a, c.models, c.models.version, NOW)
    ),
    "model_registry.models_that_scored": refused(
        lambda c, a: model_registry.models_that_scored(c.uow(), a, c.models, c.models.version)
    ),
    "model_registry.train_company_models": refused(
        lambda c, a: model_registry.train_company_models(c.db, a, c.models, NOW)
    ),
    "model_promotion.decide_promotion": refused(
        lambda c, a: model_promotion.decide_promotion(c.uow(), a, NOW)
    ),
    "model_promotion.ab_status": refused(lambda c, a: model_promotion.ab_status(c.uow(), a)),
    "model_overview.feature_importance": refused(
        lambda c, a: model_overview.feature_importance(c.uow(), a, c.models)
    ),
    "model_promotion.rollback_to": refused(
        lambda c, a: model_promotion.rollback_to(c.uow(), a, c.models.version, NOW)
    ),
    "model_registry.train_own_models": refused(
        lambda c, a: model_registry.train_own_models(c.db, a, c.models, NOW)
    ),
    "model_retraining.retrain_fit": refused(
        lambda c, a: model_retraining.retrain_fit(c.db, a, NOW)
    ),
    "model_retraining.retrain_company": refused(
        lambda c, a: model_retraining.retrain_company(c.db, a, NOW)
    ),
    "model_retraining.retrain_if_due": refused(
        lambda c, a: model_retraining.retrain_if_due(c.db, a, NOW)
    ),
    "worker_jobs.request_retrain": refused(lambda c, a: worker_jobs.request_retrain(c.uow(), a)),
    "worker_jobs.list_model_requests": refused(
        lambda c, a: worker_jobs.list_model_requests(c.uow(), a)
    ),
    # Data-subject rights are an admin's: an interviewer is refused before anything is read.
    "privacy.export_person": refused(
        lambda c, a: privacy.export_person(c.uow(), a, _target_email(c), NOW)
    ),
    "privacy.preview_erasure": refused(
        lambda c, a: privacy.preview_erasure(c.uow(), a, _target_email(c))
    ),
    "privacy.erase_person": refused(
        lambda c, a: privacy.erase_person(c.uow(), a, _target_email(c), NOW, index_dir=c.folder)
    ),
    "privacy.erase_in_session": refused(
        lambda c, a: privacy.erase_in_session(c.uow(), a, _target_email(c), NOW, "request")
    ),
    "privacy.export_in_session": refused(
        lambda c, a: privacy.export_in_session(c.uow(), a, _target_email(c), NOW)
    ),
    "privacy_requests.list_requests": refused(
        lambda c, a: privacy_requests.list_requests(c.uow(), a, NOW)
    ),
    "privacy_requests.fulfil_request": refused(
        lambda c, a: privacy_requests.fulfil_request(
            c.uow(), a, uuid.uuid4(), NOW, index_dir=c.folder
        )
    ),
    "retention.risk_list": refused(lambda c, a: retention.risk_list(c.uow(), a, NOW)),
    "retention.score_company": refused(lambda c, a: retention.score_company(c.uow(), a, NOW)),
    "retention_models.train_challenger": refused(
        lambda c, a: retention_models.train_challenger(c.db, a, NOW)
    ),
    "retention_promotion.decide_promotion": refused(
        lambda c, a: retention_promotion.decide_promotion(c.uow(), a, NOW)
    ),
    "retention_promotion.rollback_to": refused(
        lambda c, a: retention_promotion.rollback_to(
            c.uow(), a, retention_models.PRIOR_VERSION, NOW
        )
    ),
    "pipeline.export_pipeline_csv": refused(
        lambda c, a: pipeline.export_pipeline_csv(
            c.uow(), a, NOW, pipeline.PipelineQuery(), role_id=c.target_role
        )
    ),
    "onboarding.answer_checkpoint": refused(
        lambda c, a: onboarding.answer_checkpoint(
            c.uow(), a, uuid.uuid4(), 7, {"on_track": 3}, "", NOW
        )
    ),
    "onboarding.list_plans": refused(lambda c, a: onboarding.list_plans(c.uow(), a)),
    "onboarding.my_plan": refused(lambda c, a: onboarding.my_plan(c.uow(), a)),
    "onboarding.set_task_done": refused(
        lambda c, a: onboarding.set_task_done(c.uow(), a, uuid.uuid4(), 0, True, NOW)
    ),
    "pipeline.pipeline_page": Probe(
        lambda c, a: pipeline.pipeline_page(
            c.uow(), a, c.target_role, NOW, pipeline.PipelineQuery(), limit=200
        ),
        control=True,
    ),
    "pipeline.pipeline_summary": Probe(
        lambda c, a: pipeline.pipeline_summary(c.uow(), a, c.target_role, NOW, card_limit=200),
        control=True,
    ),
    "roles.create_role": refused(
        lambda c, a: roles.create_role(
            c.uow(), a, roles.RoleDraft("Probe Role"), HashEncoder(), NOW
        )
    ),
    "roles.get_role": refused(lambda c, a: roles.get_role(c.uow(), a, c.target_role)),
    "roles.list_roles": refused(lambda c, a: roles.list_roles(c.uow(), a)),
    "roles.regenerate_role": refused(
        lambda c, a: roles.regenerate_role(c.uow(), a, c.target_role, HashEncoder(), NOW)
    ),
    "roles.set_status": refused(
        lambda c, a: roles.set_status(c.uow(), a, c.target_role, "closed", NOW)
    ),
    "roles.update_role": refused(
        lambda c, a: roles.update_role(
            c.uow(), a, c.target_role, roles.RoleEdits(title="Probe"), HashEncoder(), NOW
        )
    ),
    "scope.ensure_visible": refused(
        lambda c, a: _in_session(c, lambda s: scope.ensure_visible(s, a, c.target_row(s)))
    ),
    "scope.interviewer_scope": Probe(
        lambda c, a: scope.interviewer_scope(a), check=lambda c, scoped: _is_interviewer(c, scoped)
    ),
    "scope.is_visible": Probe(
        lambda c, a: _in_session(c, lambda s: scope.is_visible(s, a, c.target)), check=_nothing
    ),
    "scope.visible_candidate": refused(
        lambda c, a: _in_session(c, lambda s: scope.visible_candidate(s, a, c.target))
    ),
    "scope.visible_interview": refused(
        lambda c, a: _in_session(c, lambda s: scope.visible_interview(s, a, _target_interview(c)))
    ),
    "scoring.alert_if_high_risk": refused(
        lambda c, a: _in_session(
            c, lambda s: scoring.alert_if_high_risk(s, a, c.target_row(s), "interview", None)
        )
    ),
    "scoring.rescore_candidate": refused(
        lambda c, a: scoring.rescore_candidate(c.uow(), a, c.target, c.models, NOW)
    ),
    "search.load_index": Probe(
        lambda c, a: search.load_index(c.uow(), a, c.folder),
        opaque="the company's index of ids and vectors (no names, text or scores) that the "
        "UI keeps per company for all its users and never shows",
        check=_index_is_ids_and_vectors,
    ),
    "search.semantic_search": Probe(_search, control=True),
    # Who resembles the target says something about them: the answer is an unknown id's.
    "search.similar_candidates": Probe(
        # k: every candidate, so an unscoped answer lists the interviewer's own.
        lambda c, a: search.similar_candidates(c.uow(), a, c.target, k=100, index_dir=c.folder),
        check=_nothing,
    ),
    "sync.import_for_my_company": refused(
        lambda c, a: sync.import_for_my_company(c.db.uow, a, b"{}", now=NOW)
    ),
    "sync.sync_my_company": refused(
        # Refused before the client is used.
        lambda c, a: sync.sync_my_company(c.db.uow, a, object(), full=False, now=NOW)
    ),
    "users.create_user": refused(
        lambda c, a: users.create_user(
            c.uow(),
            a,
            username="probe.user",
            email="probe@example.com",
            full_name="Probe User",
            role="admin",
            password="a-long-enough-pass-1",
        )
    ),
    "users.find_user": refused(lambda c, a: users.find_user(c.uow(), a, a.username)),
    "users.list_users": refused(lambda c, a: users.list_users(c.uow(), a)),
    "users.reset_password": refused(
        lambda c, a: users.reset_password(c.uow(), a, c.employee, "another-long-pass-2", NOW)
    ),
    "users.set_active": refused(lambda c, a: users.set_active(c.uow(), a, c.employee, False, NOW)),
    "users.set_role": refused(lambda c, a: users.set_role(c.uow(), a, c.employee, "admin")),
    "worker_jobs.list_requests": refused(lambda c, a: worker_jobs.list_requests(c.uow(), a)),
    "worker_jobs.request_job": refused(lambda c, a: worker_jobs.request_job(c.uow(), a, "sync")),
    "worker_jobs.waiting_work": refused(lambda c, a: worker_jobs.waiting_work(c.uow(), a, NOW)),
}

# Functions with a parameter named ``actor`` that is not a user: why no probe applies.
NOT_A_USER: dict[str, str] = {
    "sync.import_file": "CLI and worker entry point; 'actor' is a label for the sync log",
    "sync.run_sync": "worker entry point; 'actor' is a label for the sync log",
}


def _in_session(c: Ctx, call: Callable[[Any], Any]) -> Any:
    """``call(session)`` in a unit of work that is never committed."""
    with c.uow() as uow:
        return call(uow.session)


def _takes_an_actor(parameter: inspect.Parameter) -> bool:
    annotation = parameter.annotation
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    return parameter.name == "actor" or "Actor" in re.findall(r"\w+", str(text))


def _annotated_actor(parameter: inspect.Parameter) -> bool:
    annotation = parameter.annotation
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    return "Actor" in re.findall(r"\w+", str(text))


def actor_functions() -> dict[str, Callable[..., Any]]:
    """Every public function of core.services with an Actor (or an ``actor``) parameter."""
    found: dict[str, Callable[..., Any]] = {}
    for info in pkgutil.iter_modules(core.services.__path__):
        module = importlib.import_module(f"core.services.{info.name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or function.__module__ != module.__name__:
                continue
            if any(map(_takes_an_actor, inspect.signature(function).parameters.values())):
                found[f"{info.name}.{name}"] = function
    return found


def test_every_actor_taking_service_function_has_a_probe() -> None:
    found = actor_functions()
    missing = sorted(set(found) - set(PROBES) - set(NOT_A_USER))
    assert not missing, f"add a probe to PROBES for: {', '.join(missing)}"
    stale = sorted((set(PROBES) | set(NOT_A_USER)) - set(found))
    assert not stale, f"no such Actor-taking service function any more: {', '.join(stale)}"
    for name in NOT_A_USER:
        parameters = inspect.signature(found[name]).parameters.values()
        assert not any(map(_annotated_actor, parameters)), f"{name} takes an Actor: probe it"


def leaks(value: Any, target: uuid.UUID, path: str = "result", *, scores: bool = True) -> list[str]:
    """Where ``value`` names the target or (with ``scores``) carries a score."""
    if value is None or isinstance(value, bool | int | float | date | datetime | bytes):
        return []
    if isinstance(value, uuid.UUID):
        return [path] if value == target else []
    if isinstance(value, str):
        words = (str(target), TARGET_NAME, TARGET_EMAIL, TARGET_REFERENCE)
        return [path] if any(w.lower() in value.lower() for w in words) else []
    if is_dataclass(value) and not isinstance(value, type):
        found = []
        for f in fields(value):
            item = getattr(value, f.name)
            if scores and f.name in SCORE_FIELDS and item not in (None, [], {}, ()):
                found.append(f"{path}.{f.name} (a score)")
            found += leaks(item, target, f"{path}.{f.name}", scores=scores)
        return found
    if isinstance(value, Mapping):
        return [
            p
            for k, v in value.items()
            for p in leaks(k, target, f"{path} key", scores=scores)
            + leaks(v, target, f"{path}[{k!r}]", scores=scores)
        ]
    if isinstance(value, list | tuple | set | frozenset):
        return [
            p for i, v in enumerate(value) for p in leaks(v, target, f"{path}[{i}]", scores=scores)
        ]
    raise TypeError(f"{path}: cannot read a {type(value).__name__}; give the probe a check")


def _writes(c: Ctx) -> tuple[int, ...]:
    """Rows a refused call must not add: audit, notifications, requests, stage moves."""
    company = c.interviewer.company_id
    with c.uow() as uow:
        return tuple(
            uow.session.scalar(select(func.count()).where(model.company_id == company))
            for model in (AuditLog, Notification, JobRequest, CandidateStageEvent)
        )


@pytest.mark.parametrize("name", sorted(PROBES))
def test_an_interviewer_reaches_no_candidate_they_do_not_interview(ctx: Ctx, name: str) -> None:
    probe = PROBES[name]
    if probe.refused:
        before = _writes(ctx)
        with pytest.raises((PermissionDeniedError, NotFoundError)):
            probe.call(ctx, ctx.interviewer)
        assert _writes(ctx) == before
        return
    try:
        result = probe.call(ctx, ctx.interviewer)
    except probe.accepts:
        return
    if probe.opaque is None:
        assert leaks(result, ctx.target) == [], name
    if probe.check is not None:
        probe.check(ctx, result)
    if probe.control:
        shown = leaks(probe.call(ctx, ctx.talent), ctx.target, scores=False)
        assert shown, f"{name}: a talent lead's same call does not show the target either"


def test_the_interviewers_own_candidate_does_not_lead_to_the_target(ctx: Ctx) -> None:
    """Calls about the interviewer's own candidate, the target's linked application."""
    c, a = ctx, ctx.interviewer
    profile = candidates.get_candidate_profile(c.uow(), a, c.own)
    assert leaks(profile, c.target) == [] and profile.interviews
    assert leaks(duplicates.merge_history(c.uow(), a, c.own), c.target) == []
    similar = search.similar_candidates(c.uow(), a, c.own, k=100, index_dir=c.folder)
    assert leaks(similar, c.target) == []
    # A talent lead sees the link, so the interviewer's answer above is the scope at work.
    full = candidates.get_candidate_profile(c.uow(), c.talent, c.own)
    assert c.target in {o.id for o in full.other_applications}
