"""The ORM: importing this package registers every table on ``Base.metadata``."""

from core.models.api_access import ApiKey, ApiRefreshToken
from core.models.audit import AuditLog
from core.models.base import Base
from core.models.candidates import Candidate, FitScoreDimension
from core.models.companies import Company, CompanyDnaDimension
from core.models.culture_pulse import CulturePulse, CulturePulseCheck, CulturePulseParticipant
from core.models.employees import Employee
from core.models.feedback import ModelVersion, Outcome, Prediction
from core.models.hires import Hire
from core.models.intake import (
    CandidateDocument,
    CandidateEmbedding,
    CandidateImport,
    CandidateMerge,
    CandidateStageEvent,
    Consent,
    SelfIdentification,
)
from core.models.interviews import Interview, InterviewPanelist, InterviewScorecard
from core.models.notifications import Notification
from core.models.offers import Offer, UserInvitation
from core.models.onboarding import OnboardingCheckpoint, OnboardingPlan
from core.models.privacy import PrivacyRequest
from core.models.rate_limits import RateLimitEvent
from core.models.roles import Role, RoleEmbedding
from core.models.sync import StartuposSync
from core.models.users import User, UserSession
from core.models.webhooks import WebhookEndpoint
from core.models.worker import JobRequest, JobRun, WorkerLease

SEED_TABLES = (
    "companies",
    "company_dna_dimensions",
    "roles",
    "candidates",
    "fit_score_dimensions",
    "interviews",
    "hires",
    "onboarding_plans",
    "onboarding_checkpoints",
    "culture_pulse_checks",
    "predictions",
    "outcomes",
    "startupos_sync",
)

__all__ = [
    "ApiKey",
    "ApiRefreshToken",
    "SEED_TABLES",
    "AuditLog",
    "Base",
    "Candidate",
    "CandidateDocument",
    "CandidateEmbedding",
    "CandidateImport",
    "CandidateMerge",
    "CandidateStageEvent",
    "Consent",
    "SelfIdentification",
    "Company",
    "CompanyDnaDimension",
    "CulturePulse",
    "CulturePulseCheck",
    "CulturePulseParticipant",
    "Employee",
    "FitScoreDimension",
    "Hire",
    "Interview",
    "InterviewPanelist",
    "InterviewScorecard",
    "ModelVersion",
    "Notification",
    "Offer",
    "OnboardingCheckpoint",
    "OnboardingPlan",
    "Outcome",
    "Prediction",
    "PrivacyRequest",
    "RateLimitEvent",
    "Role",
    "RoleEmbedding",
    "StartuposSync",
    "JobRequest",
    "JobRun",
    "User",
    "WebhookEndpoint",
    "UserInvitation",
    "UserSession",
    "WorkerLease",
]
