"""Request and response bodies of the REST API (pydantic), read from the services' views."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from core.services import candidate_feed, candidates, interviews, onboarding, roles
from core.services.imports import MAX_RESUME_CHARS

# The services' value lists, as enums in the OpenAPI document.
Stage = Literal[candidates.STAGES]
MovableStage = Literal[candidates.MOVABLE_STAGES]
RejectionCode = Literal[tuple(candidates.REJECTION_CODES)]
CandidateSort = Literal[candidate_feed.SORTS]
RoleStatus = Literal[roles.STATUSES]
RolePriority = Literal[roles.ROLE_PRIORITIES]


class View(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# ----------------------------------------------------------------------------- auth
class TokenRequest(BaseModel):
    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1000)


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=200)


class Me(BaseModel):
    username: str = Field(description="The user, or api-key:<prefix> for a service account.")
    full_name: str
    role: str
    company_id: uuid.UUID
    company_name: str
    permissions: list[str]


class TokenPair(View):
    access_token: str
    refresh_token: str
    token_type: str = "Bearer"
    expires_in: int = Field(description="Seconds the access token lives.")


# ----------------------------------------------------------------------------- company
class CompanyDna(View):
    company_id: uuid.UUID
    company_name: str
    profile: dict[str, Any] | None = Field(description="The latest DNA scan; None before one.")
    scanned_at: datetime | None
    team: dict[str, Any]
    recommendations: list[str]


class Recommendations(BaseModel):
    company_id: uuid.UUID
    recommendations: list[str]


# ----------------------------------------------------------------------------- roles
class RoleSummary(View):
    id: uuid.UUID
    title: str
    department: str | None
    priority: str | None
    status: str
    active_candidates: int
    created_at: datetime
    jd_generated_at: datetime | None


class Role(View):
    id: uuid.UUID
    title: str
    department: str | None
    priority: str | None
    status: str
    intelligence: dict[str, Any]
    jd_text: str
    jd_generated_at: datetime | None
    created_at: datetime
    updated_at: datetime
    next_statuses: list[str]
    active_candidates: int


class RoleCreate(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    department: str | None = Field(default=None, max_length=100)
    priority: RolePriority | None = "medium"


class RoleUpdate(BaseModel):
    """Fields to change; those left out stay as they are."""

    title: str | None = Field(default=None, max_length=200)
    department: str | None = Field(default=None, max_length=100)
    priority: RolePriority | None = None
    status: RoleStatus | None = Field(default=None, description="Publish, fill, close or reopen.")
    jd_text: str | None = Field(default=None, max_length=20000)
    mission: str | None = Field(default=None, max_length=2000)
    must_have_skills: list[str] | None = Field(default=None, max_length=50)
    nice_to_have_skills: list[str] | None = Field(default=None, max_length=50)
    interview_focus: list[str] | None = Field(default=None, max_length=20)


class DnaScan(View):
    profile: dict[str, Any]
    changes: list[str]
    scanned_at: datetime


class RoleIntelligence(BaseModel):
    role_id: uuid.UUID
    intelligence: dict[str, Any]


# ----------------------------------------------------------------------------- candidates
class CandidateSummary(View):
    id: uuid.UUID
    reference: str | None
    full_name: str | None
    email: str
    role_title: str | None
    status: str
    source: str | None
    fit_score: int | None = Field(description="None: not scored yet, or hidden from the role.")
    success_probability: int | None
    applied_at: datetime
    stage_entered_at: datetime


class CandidatePage(BaseModel):
    items: list[CandidateSummary]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; None: last.")
    scores_visible: bool


class InterviewSummary(View):
    interview_type: str | None
    scheduled_at: datetime | None
    conducted_at: datetime | None
    status: str


class Candidate(View):
    id: uuid.UUID
    full_name: str | None
    email: str
    linkedin_url: str | None
    role_title: str | None
    status: str
    source: str | None
    fit_score: int | None
    applied_at: datetime
    stage_entered_at: datetime
    resume_text: str | None
    skills: list[str]
    years_experience: float | None
    answers: dict[str, str]
    expected_compensation: int | None
    scores_visible: bool
    scoring_opt_out: bool
    interviews: list[InterviewSummary]


class Genome(BaseModel):
    candidate_id: uuid.UUID
    genome: dict[str, Any] | None = Field(description="None before the candidate is scored.")


class Outcome(View):
    hire_id: uuid.UUID
    candidate_name: str | None
    role_title: str | None
    start_date: date | None
    applied_at: datetime
    hired_at: datetime
    actual_outcome: str | None = Field(description="success, failure or neutral; None: open.")
    retention_days: int | None


class Panelist(View):
    user_id: uuid.UUID
    name: str


class Interview(View):
    id: uuid.UUID
    candidate_id: uuid.UUID
    candidate_name: str
    role_title: str | None
    interview_type: str | None
    starts_at: datetime | None
    timezone: str | None
    duration_minutes: int | None
    status: str
    panel: list[Panelist]


class CandidateCreate(BaseModel):
    """A candidate staff sourced; the worker scores them as it scores imported ones."""

    full_name: str = Field(min_length=2, max_length=120)
    email: str = Field(min_length=3, max_length=255)
    source: str = Field(default="", max_length=50, description="Where they came from.")
    linkedin_url: str = Field(default="", max_length=500)
    resume_text: str = Field(default="", max_length=MAX_RESUME_CHARS)


class StageMove(BaseModel):
    status: MovableStage = Field(description="The stage to move to (offers and hires: the app).")
    reason: str = Field(min_length=1, max_length=1000, description="Why; kept with the move.")
    reason_code: RejectionCode | None = Field(
        default=None, description="Required for a rejection: why, as one of the codes."
    )


class Score(View):
    candidate_id: uuid.UUID
    fit_score: int
    success_probability: int
    high_risk: bool


# ----------------------------------------------------------------------------- errors
class ErrorDetail(BaseModel):
    location: list[str]
    problem: str | None


class Error(BaseModel):
    code: str = Field(description="unauthorized, forbidden, not_found, invalid, rate_limited, …")
    message: str
    details: list[ErrorDetail] | None = None


class ErrorBody(BaseModel):
    """Every error of the API has this shape."""

    error: Error


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "The body is not JSON"},
    401: {"model": ErrorBody, "description": "No, a wrong, an expired or a revoked credential"},
    403: {"model": ErrorBody, "description": "The caller's role or key does not allow this"},
    404: {"model": ErrorBody, "description": "Unknown, or another company's"},
    422: {"model": ErrorBody, "description": "The request is not valid; nothing changed"},
    429: {"model": ErrorBody, "description": "Too many failures; wait Retry-After seconds"},
}


# ----------------------------------------------------------------------------- interviews
InterviewType = Literal[interviews.INTERVIEW_TYPES]


class InterviewSchedule(BaseModel):
    day: date = Field(description="The local date, in ``timezone``.")
    at: time = Field(description="The local start time.")
    timezone: str = Field(default="UTC", max_length=64, description="An IANA time zone.")
    duration_minutes: int = Field(default=45, ge=15, le=480)


class InterviewCreate(InterviewSchedule):
    interview_type: InterviewType
    interviewer_ids: list[uuid.UUID] = Field(min_length=1, max_length=6)


class InterviewChange(BaseModel):
    """A new time for the interview, or ``cancel``."""

    schedule: InterviewSchedule | None = None
    cancel: bool = False


class Question(View):
    id: str
    text: str
    kind: str
    dimension: str
    strong: str = Field(description="What a strong answer shows.")
    weak: str = Field(description="What a weak answer shows.")
    reason: str = Field(description="Why this question, for this candidate and role.")


# ----------------------------------------------------------------------------- onboarding
class Checkpoint(View):
    day: int
    due: date | None
    alignment: int | None = Field(description="0-100 from the answers; None before any.")
    answered_by: list[str] = Field(description="new_hire, manager")
    completed_at: datetime | None
    comments: dict[str, str]


class OnboardingPlan(View):
    id: uuid.UUID
    hire_name: str
    role_title: str | None
    start_date: date | None
    status: str
    tasks: list[dict[str, Any]]
    goals: dict[str, Any]
    checkpoints: list[Checkpoint]


class CheckpointAnswers(BaseModel):
    day: Literal[7, 30, 60, 90]
    answers: dict[str, int] = Field(
        description="Every question of the caller's side, 1 to 5: "
        + "; ".join(f"{side}: {', '.join(keys)}" for side, keys in onboarding.QUESTIONS.items())
    )
    comment: str = Field(default="", max_length=2000)


# ----------------------------------------------------------------------------- predictions
class Prediction(View):
    id: uuid.UUID
    prediction_type: str | None = Field(description="e.g. fit_score, success_prob, retention")
    entity_type: str | None
    entity_id: uuid.UUID | None
    predicted_value: float | None
    confidence: float | None
    model_version: str | None = Field(description="The model that made it, name:version.")
    made_at: datetime
    actual_value: float | None = Field(description="The real outcome; None until matched.")
    matched_at: datetime | None


class PredictionPage(BaseModel):
    items: list[Prediction]
    next_cursor: str | None


class WhatIfRequest(BaseModel):
    changes: dict[str, Annotated[float, Field(ge=-1000, le=1000)]] = Field(
        default_factory=dict,
        max_length=50,
        description="Features to change (names as in the candidate's fit breakdown), e.g. "
        '{"skills_fit": 80}; none: the candidate as scored.',
    )
