"""Interviews: schedule, see, move or cancel, and their generated questions."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from api import schemas
from api.deps import CurrentActor, Encoder, Now, Uow
from core.services import interview_questions, interviews
from core.services.errors import ValidationError
from core.services.interviews import Schedule

router = APIRouter(tags=["interviews"])


def _schedule(body: schemas.InterviewSchedule) -> Schedule:
    return Schedule(body.day, body.at, body.timezone, body.duration_minutes)


@router.post(
    "/candidates/{candidate_id}/interviews",
    response_model=schemas.Interview,
    status_code=status.HTTP_201_CREATED,
)
def schedule(
    candidate_id: uuid.UUID,
    body: schemas.InterviewCreate,
    actor: CurrentActor,
    uow: Uow,
    now: Now,
) -> schemas.Interview:
    """Schedule an interview and send its panel the invitation (.ics)."""
    view = interviews.schedule_interview(
        uow, actor, candidate_id, body.interview_type, _schedule(body), body.interviewer_ids, now
    )
    return schemas.Interview.model_validate(view)


@router.get("/interviews/{interview_id}", response_model=schemas.Interview)
def get_interview(interview_id: uuid.UUID, actor: CurrentActor, uow: Uow) -> schemas.Interview:
    """One interview (interviewers: those on whose panel they sit)."""
    return schemas.Interview.model_validate(interviews.get_interview(uow, actor, interview_id))


@router.put("/interviews/{interview_id}", response_model=schemas.Interview)
def change(
    interview_id: uuid.UUID,
    body: schemas.InterviewChange,
    actor: CurrentActor,
    uow: Uow,
    now: Now,
) -> schemas.Interview:
    """Move the interview to a new time or cancel it; the panel gets the update."""
    if body.cancel == (body.schedule is not None):
        raise ValidationError("Give either a new schedule or cancel: true.")
    if body.schedule is not None:
        view = interviews.reschedule_interview(
            uow, actor, interview_id, _schedule(body.schedule), now
        )
    else:
        view = interviews.cancel_interview(uow, actor, interview_id, now)
    return schemas.Interview.model_validate(view)


@router.post("/interviews/{interview_id}/questions", response_model=list[schemas.Question])
def questions(
    interview_id: uuid.UUID, actor: CurrentActor, uow: Uow, encoder: Encoder
) -> list[schemas.Question]:
    """Questions for this interview, written from the role, the DNA and the candidate's
    gaps (each with what strong and weak answers show, and why it is asked)."""
    views = interview_questions.generate_questions(uow, actor, interview_id, encoder)
    return [schemas.Question.model_validate(v) for v in views]
