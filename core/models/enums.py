"""Allowed values of the status-like columns, shared by models, services and the generator."""

COMPANY_STAGES = ("pre_seed", "seed", "series_a", "series_b", "series_c", "growth")
ROLE_PRIORITIES = ("high", "medium", "low")
ROLE_STATUSES = ("draft", "active", "filled", "closed")
CANDIDATE_STATUSES = ("applied", "screening", "interview", "offer", "hired", "rejected")
INTERVIEW_TYPES = ("phone", "technical", "culture", "final")
INTERVIEW_STATUSES = ("scheduled", "completed", "cancelled")
SCORECARD_RECOMMENDATIONS = ("strong_no", "no", "yes", "strong_yes")
HIRE_OUTCOMES = ("success", "failure", "neutral")
ONBOARDING_STATUSES = ("pending", "in_progress", "at_risk", "completed", "cancelled")
CHECKPOINT_DAYS = (7, 30, 60, 90)
USER_ROLES = ("admin", "founder", "talent_lead", "interviewer", "employee")
EMPLOYEE_STATUSES = ("active", "left")
SYNC_TYPES = ("full", "incremental", "file")
SYNC_STATUSES = ("running", "succeeded", "failed")
NOTIFICATION_CHANNELS = ("slack", "email", "webhook")
NOTIFICATION_STATUSES = ("pending", "sent", "failed")
# What a company's webhook endpoints can subscribe to (webhook.test: the page's test send).
WEBHOOK_EVENTS = (
    "candidate.applied",
    "candidate.stage_changed",
    "hire.outcome_recorded",
    "model.promoted",
)
MODEL_STATUSES = ("champion", "challenger", "retired", "reference")


def in_check(column: str, values: tuple[str, ...] | tuple[int, ...]) -> str:
    """SQL for a CHECK constraint limiting ``column`` to ``values`` (NULL allowed)."""
    rendered = ", ".join(f"'{v}'" if isinstance(v, str) else str(v) for v in values)
    return f"{column} IS NULL OR {column} IN ({rendered})"


def score_check(column: str) -> str:
    """SQL for a CHECK constraint keeping a 0-100 score in range (NULL allowed)."""
    return f"{column} IS NULL OR ({column} >= 0 AND {column} <= 100)"
