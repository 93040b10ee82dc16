"""Which of its company's candidates an actor may see: the one place that decides it.

Roles holding ``VIEW_ALL_CANDIDATES`` see every candidate of their company. Anyone else
(interviewers) sees only the candidates they interview, and never scores or other
interviewers' notes (they do not hold ``VIEW_SCORES``). Every service that reads or acts on
a candidate goes through :func:`interviewer_scope` (for lists, as a filter) or
:func:`visible_candidate`, :func:`ensure_visible` or :func:`is_visible` (for one candidate).
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from core.models import Candidate, Interview
from core.permissions import Permission
from core.repositories.candidates import CandidateRepository
from core.repositories.interviews import InterviewRepository
from core.services.auth import Actor
from core.services.errors import NotFoundError, ValidationError


def interviewer_scope(actor: Actor) -> uuid.UUID | None:
    """The user whose interviews bound what ``actor`` sees, or None for all candidates."""
    if actor.can(Permission.VIEW_ALL_CANDIDATES):
        return None
    if actor.user_id is None:
        raise ValidationError("This action needs a user account.")
    return actor.user_id


def ensure_visible(session: Session, actor: Actor, candidate: Candidate) -> Candidate:
    """``candidate`` if the actor may see it; otherwise NotFoundError, the same answer as
    for an id that does not exist, so a refusal does not confirm that the candidate does."""
    interviewer = interviewer_scope(actor)
    if candidate.company_id != actor.company_id or (
        interviewer is not None
        and not CandidateRepository(session).is_interviewed_by(
            actor.company_id, candidate.id, interviewer
        )
    ):
        raise NotFoundError("Candidate not found.")
    return candidate


def visible_candidate(session: Session, actor: Actor, candidate_id: uuid.UUID) -> Candidate:
    """The actor's company's candidate ``candidate_id``, if the actor may see it."""
    candidate = CandidateRepository(session).get(actor.company_id, candidate_id)
    if candidate is None:
        raise NotFoundError("Candidate not found.")
    return ensure_visible(session, actor, candidate)


def is_visible(session: Session, actor: Actor, candidate_id: uuid.UUID) -> bool:
    """Whether the actor may see candidate ``candidate_id`` (False for an unknown id too)."""
    try:
        visible_candidate(session, actor, candidate_id)
    except NotFoundError:
        return False
    return True


def visible_interview(
    session: Session, actor: Actor, interview_id: uuid.UUID
) -> tuple[Interview, Candidate]:
    """The actor's company's interview ``interview_id`` with its candidate, if the actor
    may see it: schedulers any of the company's, interviewers only those on whose panel
    they sit (NotFoundError otherwise, as for an id that does not exist)."""
    repo = InterviewRepository(session)
    interview = repo.get(actor.company_id, interview_id)
    member = interviewer_scope(actor)
    if interview is None or (
        member is not None
        and member not in {u.id for _, u in repo.list_panel(actor.company_id, [interview.id])}
    ):
        raise NotFoundError("Interview not found.")
    return interview, visible_candidate(session, actor, interview.candidate_id)
