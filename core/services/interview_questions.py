"""An interview's questions: generated from the shipped bank for this candidate and role
(:mod:`ml.interview_questions`), each with why it was chosen, then edited before the
interview. Stored on the interview, so the panel reads the kit the scheduler approved.

Interviewers read the kit without the model's view of the candidate: a reason that quotes
a dimension's score or rank, or a risk indicator, is shown to them as the dimension alone.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from core.db import UnitOfWork
from core.models import Candidate, Interview
from core.permissions import Permission
from core.repositories.audit import AuditRepository
from core.repositories.companies import CompanyRepository
from core.repositories.roles import RoleRepository
from core.repositories.scoring import ScoringRepository
from core.services.auth import Actor
from core.services.errors import ValidationError
from core.services.reference import role_library
from core.services.scope import visible_interview
from ml import interview_questions as bank
from ml.dna import TextEncoder
from ml.roles import classify_family, seniority_of

KIT_SIZE = 8
MAX_QUESTIONS = 20
MAX_TEXT = 500


@dataclass(frozen=True)
class QuestionView:
    id: str
    text: str
    kind: str
    dimension: str
    strong: str
    weak: str
    reason: str


def generate_questions(
    uow: UnitOfWork, actor: Actor, interview_id: uuid.UUID, encoder: TextEncoder
) -> list[QuestionView]:
    """Generate the interview's kit (replacing any earlier one), store it and return it."""
    actor.require(Permission.SCHEDULE_INTERVIEWS)
    with uow:
        interview, candidate = _interview(uow, actor, interview_id)
        if interview.status != "scheduled":
            raise ValidationError(f"This interview is {interview.status}; its questions are kept.")
        kit = bank.generate(**_inputs(uow, actor, interview, candidate, encoder), count=KIT_SIZE)
        interview.questions = [g.to_dict() for g in kit]
        _audit(uow, actor, "interview.questions_generated", interview, len(kit))
        uow.commit()
        return _views(actor, interview.questions)


def save_questions(
    uow: UnitOfWork,
    actor: Actor,
    interview_id: uuid.UUID,
    texts: dict[str, str],
    *,
    removed: frozenset[str] = frozenset(),
) -> list[QuestionView]:
    """Edit the kit before the interview: new wording by question id, questions removed.
    Every question keeps what it probes and why it was chosen."""
    actor.require(Permission.SCHEDULE_INTERVIEWS)
    with uow:
        interview, _ = _interview(uow, actor, interview_id)
        if interview.status != "scheduled":
            raise ValidationError(f"This interview is {interview.status}; its questions are kept.")
        current = [
            {
                **q,
                "id": str(q.get("id") or f"earlier-{i}"),
                "text": q.get("text") or q.get("question", ""),
            }
            for i, q in enumerate(interview.questions or [])
        ]
        known = {q["id"] for q in current}
        unknown = (set(texts) | set(removed)) - known
        if unknown:
            raise ValidationError("Some of these questions are not in this interview's kit.")
        edited = []
        for question in current:
            if question.get("id") in removed:
                continue
            text = " ".join(texts.get(question["id"], question["text"]).split())
            if not text:
                raise ValidationError("A question cannot be empty; remove it instead.")
            if len(text) > MAX_TEXT:
                raise ValidationError(f"A question is at most {MAX_TEXT} characters.")
            edited.append({**question, "text": text})
        if len(edited) > MAX_QUESTIONS:
            raise ValidationError(f"An interview has at most {MAX_QUESTIONS} questions.")
        interview.questions = edited
        _audit(uow, actor, "interview.questions_edited", interview, len(edited))
        uow.commit()
        return _views(actor, edited)


def list_questions(uow: UnitOfWork, actor: Actor, interview_id: uuid.UUID) -> list[QuestionView]:
    """The interview's kit, for the schedulers and the interview's panel."""
    actor.require(Permission.VIEW_CANDIDATES)
    with uow:
        interview, _ = _interview(uow, actor, interview_id)
        return _views(actor, interview.questions or [])


def _interview(
    uow: UnitOfWork, actor: Actor, interview_id: uuid.UUID
) -> tuple[Interview, Candidate]:
    return visible_interview(uow.session, actor, interview_id)


def _inputs(
    uow: UnitOfWork,
    actor: Actor,
    interview: Interview,
    candidate: Candidate,
    encoder: TextEncoder,
) -> dict[str, Any]:
    """What the generator needs, from the role, its intelligence, the company and the
    candidate's stored fit (dimension scores, open risks, skills on the resume)."""
    role = None
    if interview.role_id is not None:
        role = RoleRepository(uow.session).get(actor.company_id, interview.role_id)
    if role is None:
        raise ValidationError("The interview has no role to draw questions for.")
    company = CompanyRepository(uow.session).get(actor.company_id)
    assert company is not None
    intelligence = role.role_intelligence or {}
    family = intelligence.get("family")
    if family not in role_library().families:
        family = classify_family(role.title, role_library(), encoder, role.department)[0].key
    stored = ScoringRepository(uow.session).dimensions(actor.company_id, candidate.id)
    lines = [
        *(intelligence.get("outcomes") or {}).values(),
        *(intelligence.get("responsibilities") or [])[:3],
    ]
    return {
        "interview_type": interview.interview_type or "phone",
        "family": family,
        "seniority": intelligence.get("level", seniority_of(role.title)),
        "stage": company.stage,
        "dimension_scores": {d.dimension_type: d.score for d in stored},
        "risk_codes": [r["kind"] for r in candidate.risk_indicators or [] if "kind" in r],
        "must_have_skills": list(intelligence.get("must_have_skills") or []),
        "evidenced_skills": list((candidate.resume_profile or {}).get("skills") or []),
        "role_lines": [str(line) for line in lines if line],
    }


def _views(actor: Actor, questions: list[dict[str, Any]]) -> list[QuestionView]:
    scores = actor.can(Permission.VIEW_SCORES)
    return [
        QuestionView(
            # Kits stored before the bank existed hold only {"question", "competency"}.
            id=str(q.get("id") or f"earlier-{i}"),
            text=str(q.get("text") or q.get("question") or ""),
            kind=q.get("kind", ""),
            dimension=q.get("dimension") or q.get("competency", ""),
            strong=q.get("strong", ""),
            weak=q.get("weak", ""),
            reason=q.get("reason", "") if scores else _plain_reason(q),
        )
        for i, q in enumerate(questions)
    ]


def _plain_reason(question: dict[str, Any]) -> str:
    """Why a question was chosen, for a reader who does not see the model's view: the
    dimension it probes, without the candidate's score, rank or risk indicators."""
    if question.get("kind") in ("dimension", "risk"):
        name = bank.DIMENSIONS.get(question.get("dimension", ""), "the candidate's fit")
        return f"Probes {name}."
    return question.get("reason", "")


def _audit(uow: UnitOfWork, actor: Actor, action: str, interview: Interview, count: int) -> None:
    AuditRepository(uow.session).add(
        **actor.audit_fields(),
        action=action,
        entity_type="interview",
        entity_id=str(interview.id),
        summary={"questions": count},
    )
