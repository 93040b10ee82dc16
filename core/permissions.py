"""The one permission matrix: which role may do what. Used by pages, CLI, worker and API."""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    VIEW_OVERVIEW = "view_overview"
    VIEW_COMPANY_DNA = "view_company_dna"
    RUN_COMPANY_SYNC = "run_company_sync"  # StartupOS sync, export import, DNA scan
    VIEW_CANDIDATES = "view_candidates"  # interviewers: only candidates they interview
    VIEW_ALL_CANDIDATES = "view_all_candidates"
    # Fit and success scores, risks, genome and other interviewers' notes. Interviewers
    # never hold it, so the model cannot bias the interview they run.
    VIEW_SCORES = "view_scores"
    EXPORT_CANDIDATES = "export_candidates"  # CSV exports of candidates and pipelines
    MOVE_CANDIDATES = "move_candidates"  # stage moves and rejections; a person decides
    SCHEDULE_INTERVIEWS = "schedule_interviews"  # schedule, move and cancel; invite the panel
    RECORD_OUTCOMES = "record_outcomes"  # a hire's real outcome, checked against predictions
    MANAGE_ONBOARDING = "manage_onboarding"  # every hire's plan; the manager's checkpoint side
    VIEW_OWN_ONBOARDING = "view_own_onboarding"  # a new hire's own plan and checkpoint forms
    # Each employee's retention risk, its drivers and actions; rescoring on demand.
    VIEW_RETENTION = "view_retention"
    ANSWER_PULSE = "answer_pulse"  # the culture pulse, anonymously (anyone employed)
    VIEW_CULTURE_PULSE = "view_culture_pulse"  # aggregates of groups large enough only
    RUN_CULTURE_PULSE = "run_culture_pulse"  # open a round by hand
    MANAGE_ROLES = "manage_roles"  # create, edit, open and close roles; generate JDs
    IMPORT_CANDIDATES = "import_candidates"  # CSV import of candidates
    MERGE_CANDIDATES = "merge_candidates"  # review duplicates and merge them
    SCORE_CANDIDATES = "score_candidates"  # rescore on demand; what-if is read-only
    VIEW_MODELS = "view_models"  # model versions, calibration, accuracy
    # Selection rates and impact ratios by self-identified group (aggregates only).
    VIEW_FAIRNESS = "view_fairness"
    TRAIN_MODELS = "train_models"  # train the company's own models from its outcomes
    MANAGE_USERS = "manage_users"
    VIEW_AUDIT_LOG = "view_audit_log"
    # Data-subject requests (access, erasure) and erasing a person: admins only.
    MANAGE_PRIVACY = "manage_privacy"
    MANAGE_OWN_ACCOUNT = "manage_own_account"


ROLES = ("admin", "founder", "talent_lead", "interviewer", "employee")

MATRIX: dict[str, frozenset[Permission]] = {
    "admin": frozenset(Permission),
    "founder": frozenset(
        {
            Permission.VIEW_OVERVIEW,
            Permission.VIEW_COMPANY_DNA,
            Permission.RUN_COMPANY_SYNC,
            Permission.VIEW_CANDIDATES,
            Permission.VIEW_ALL_CANDIDATES,
            Permission.VIEW_SCORES,
            Permission.EXPORT_CANDIDATES,
            Permission.MOVE_CANDIDATES,
            Permission.SCHEDULE_INTERVIEWS,
            Permission.RECORD_OUTCOMES,
            Permission.MANAGE_ONBOARDING,
            Permission.ANSWER_PULSE,
            Permission.VIEW_CULTURE_PULSE,
            Permission.RUN_CULTURE_PULSE,
            Permission.VIEW_RETENTION,
            Permission.MANAGE_ROLES,
            Permission.IMPORT_CANDIDATES,
            Permission.MERGE_CANDIDATES,
            Permission.SCORE_CANDIDATES,
            Permission.VIEW_MODELS,
            Permission.TRAIN_MODELS,
            Permission.VIEW_FAIRNESS,
            Permission.MANAGE_OWN_ACCOUNT,
        }
    ),
    "talent_lead": frozenset(
        {
            Permission.VIEW_OVERVIEW,
            Permission.VIEW_COMPANY_DNA,
            Permission.VIEW_CANDIDATES,
            Permission.VIEW_ALL_CANDIDATES,
            Permission.VIEW_SCORES,
            Permission.EXPORT_CANDIDATES,
            Permission.MOVE_CANDIDATES,
            Permission.SCHEDULE_INTERVIEWS,
            Permission.RECORD_OUTCOMES,
            Permission.MANAGE_ONBOARDING,
            Permission.ANSWER_PULSE,
            Permission.VIEW_CULTURE_PULSE,
            Permission.MANAGE_ROLES,
            Permission.IMPORT_CANDIDATES,
            Permission.MERGE_CANDIDATES,
            Permission.SCORE_CANDIDATES,
            Permission.VIEW_MODELS,
            Permission.MANAGE_OWN_ACCOUNT,
        }
    ),
    "interviewer": frozenset(
        {Permission.VIEW_CANDIDATES, Permission.ANSWER_PULSE, Permission.MANAGE_OWN_ACCOUNT}
    ),
    "employee": frozenset(
        {Permission.VIEW_OWN_ONBOARDING, Permission.ANSWER_PULSE, Permission.MANAGE_OWN_ACCOUNT}
    ),
}

# Page key -> the permission that opens it. app.py builds the navigation from this.
PAGES: dict[str, Permission] = {
    "overview": Permission.VIEW_OVERVIEW,
    "analytics": Permission.VIEW_OVERVIEW,
    "candidates": Permission.VIEW_CANDIDATES,
    "pipeline": Permission.VIEW_CANDIDATES,
    "candidate": Permission.VIEW_CANDIDATES,  # a profile, opened from a list
    "interviews": Permission.VIEW_CANDIDATES,  # interviewers: their own panels
    "hires": Permission.RECORD_OUTCOMES,
    "roles": Permission.MANAGE_ROLES,
    "imports": Permission.IMPORT_CANDIDATES,
    "duplicates": Permission.MERGE_CANDIDATES,
    "onboarding": Permission.MANAGE_ONBOARDING,
    "retention": Permission.VIEW_RETENTION,
    "culture_pulse": Permission.VIEW_CULTURE_PULSE,
    "company_dna": Permission.VIEW_COMPANY_DNA,
    "models": Permission.VIEW_MODELS,
    "model_card": Permission.VIEW_MODELS,  # one version's card, opened from Models
    "fairness": Permission.VIEW_FAIRNESS,
    "users": Permission.MANAGE_USERS,
    "api_keys": Permission.MANAGE_USERS,
    "webhooks": Permission.MANAGE_USERS,
    "audit_log": Permission.VIEW_AUDIT_LOG,
    "privacy_requests": Permission.MANAGE_PRIVACY,
    "my_onboarding": Permission.VIEW_OWN_ONBOARDING,
    "pulse": Permission.ANSWER_PULSE,
    "account": Permission.MANAGE_OWN_ACCOUNT,
}


def can(role: str, permission: Permission) -> bool:
    """Whether ``role`` holds ``permission`` (unknown roles hold nothing)."""
    return permission in MATRIX.get(role, frozenset())


def pages_for(role: str) -> list[str]:
    """The page keys ``role`` may open, in navigation order."""
    return [page for page, permission in PAGES.items() if can(role, permission)]
