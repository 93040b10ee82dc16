"""Request and response bodies of the REST API (pydantic), read from the services' views."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class View(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# ----------------------------------------------------------------------------- auth
class TokenRequest(BaseModel):
    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1000)


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=200)


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
