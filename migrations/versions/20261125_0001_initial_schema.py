"""Initial schema: the 13 seed tables plus users, employees, audit log, registry, outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 03:36:01.216835
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# JSON everywhere, JSONB on PostgreSQL (indexable with GIN).
JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("company_id", sa.Uuid(), nullable=True),
        sa.Column("actor_user_id", sa.Uuid(), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("entity_type", sa.String(length=50), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=True),
        sa.Column("summary", JSON_TYPE, nullable=True),
        sa.Column("client_address", sa.String(length=64), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(
            "idx_audit_log_company_created", ["company_id", "created_at"], unique=False
        )
        batch_op.create_index("idx_audit_log_entity", ["entity_type", "entity_id"], unique=False)

    op.create_table(
        "companies",
        sa.Column("startupos_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("stage", sa.String(length=50), nullable=False),
        sa.Column("funding_stage", sa.String(length=50), nullable=True),
        sa.Column("runway_months", sa.Integer(), nullable=True),
        sa.Column("team_size", sa.Integer(), nullable=True),
        sa.Column("dna_profile", JSON_TYPE, nullable=True),
        sa.Column("dna_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "stage IS NULL OR stage IN ('pre_seed', 'seed', 'series_a', 'series_b', 'series_c', 'growth')",
            name=op.f("ck_companies_stage"),
        ),
        sa.CheckConstraint(
            "runway_months IS NULL OR runway_months >= 0",
            name=op.f("ck_companies_runway"),
        ),
        sa.CheckConstraint(
            "team_size IS NULL OR team_size >= 0", name=op.f("ck_companies_team_size")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies")),
        sa.UniqueConstraint("startupos_id", name=op.f("uq_companies_startupos_id")),
    )
    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.create_index("idx_companies_startupos_id", ["startupos_id"], unique=False)
        batch_op.create_index(
            "idx_dna_profile", ["dna_profile"], unique=False, postgresql_using="gin"
        )

    op.create_table(
        "company_dna_dimensions",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("dimension_type", sa.String(length=50), nullable=False),
        sa.Column("dimension_data", JSON_TYPE, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_company_dna_dimensions_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_company_dna_dimensions")),
    )
    with op.batch_alter_table("company_dna_dimensions", schema=None) as batch_op:
        batch_op.create_index(
            "idx_company_dna_dimensions_company",
            ["company_id", "dimension_type"],
            unique=False,
        )

    op.create_table(
        "model_versions",
        sa.Column("company_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=50), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("metrics", JSON_TYPE, nullable=True),
        sa.Column("feature_names", JSON_TYPE, nullable=True),
        sa.Column("artifact_path", sa.String(length=500), nullable=True),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IS NULL OR status IN ('champion', 'challenger', 'retired', 'reference')",
            name=op.f("ck_model_versions_status"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_model_versions_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_versions")),
        sa.UniqueConstraint("name", "version", name="uq_model_versions_name_version"),
    )
    op.create_table(
        "notifications",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(length=50), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("recipient", sa.String(length=255), nullable=True),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("payload", JSON_TYPE, nullable=True),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "channel IS NULL OR channel IN ('slack', 'email')",
            name=op.f("ck_notifications_channel"),
        ),
        sa.CheckConstraint(
            "status IS NULL OR status IN ('pending', 'sent', 'failed')",
            name=op.f("ck_notifications_status"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_notifications_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notifications_dedupe_key")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index("idx_notifications_due", ["status", "next_attempt_at"], unique=False)

    op.create_table(
        "predictions",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("entity_type", sa.String(length=50), nullable=True),
        sa.Column("entity_id", sa.Uuid(), nullable=True),
        sa.Column("prediction_type", sa.String(length=50), nullable=True),
        sa.Column(
            "predicted_value",
            sa.Numeric(precision=18, scale=6, asdecimal=False),
            nullable=True,
        ),
        sa.Column(
            "confidence",
            sa.Numeric(precision=18, scale=6, asdecimal=False),
            nullable=True,
        ),
        sa.Column("model_version", sa.String(length=50), nullable=True),
        sa.Column("features", JSON_TYPE, nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_predictions_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_predictions")),
    )
    with op.batch_alter_table("predictions", schema=None) as batch_op:
        batch_op.create_index(
            "idx_predictions_company_type",
            ["company_id", "prediction_type"],
            unique=False,
        )
        batch_op.create_index("idx_predictions_entity", ["entity_type", "entity_id"], unique=False)

    op.create_table(
        "roles",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=True),
        sa.Column("priority", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("role_intelligence", JSON_TYPE, nullable=True),
        sa.Column("jd_text", sa.Text(), nullable=True),
        sa.Column("jd_generated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "priority IS NULL OR priority IN ('high', 'medium', 'low')",
            name=op.f("ck_roles_priority"),
        ),
        sa.CheckConstraint(
            "status IS NULL OR status IN ('draft', 'active', 'filled', 'closed')",
            name=op.f("ck_roles_status"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_roles_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roles")),
    )
    with op.batch_alter_table("roles", schema=None) as batch_op:
        batch_op.create_index("idx_roles_company_status", ["company_id", "status"], unique=False)

    op.create_table(
        "startupos_sync",
        sa.Column("company_id", sa.Uuid(), nullable=True),
        sa.Column("sync_type", sa.String(length=50), nullable=True),
        sa.Column("data_snapshot", JSON_TYPE, nullable=True),
        sa.Column("sync_status", sa.String(length=50), nullable=True),
        sa.Column("counts", JSON_TYPE, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "sync_status IS NULL OR sync_status IN ('running', 'succeeded', 'failed')",
            name=op.f("ck_startupos_sync_sync_status"),
        ),
        sa.CheckConstraint(
            "sync_type IS NULL OR sync_type IN ('full', 'incremental', 'file')",
            name=op.f("ck_startupos_sync_sync_type"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_startupos_sync_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_startupos_sync")),
    )
    with op.batch_alter_table("startupos_sync", schema=None) as batch_op:
        batch_op.create_index(
            "idx_startupos_sync_company", ["company_id", "created_at"], unique=False
        )

    op.create_table(
        "candidates",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("role_id", sa.Uuid(), nullable=True),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("full_name", sa.String(length=255), nullable=True),
        sa.Column("resume_url", sa.Text(), nullable=True),
        sa.Column("resume_text", sa.Text(), nullable=True),
        sa.Column("linkedin_url", sa.Text(), nullable=True),
        sa.Column("application_source", sa.String(length=50), nullable=True),
        sa.Column("status", sa.String(length=50), nullable=False),
        sa.Column("fit_score", sa.Integer(), nullable=True),
        sa.Column("fit_breakdown", JSON_TYPE, nullable=True),
        sa.Column("success_probability", sa.Integer(), nullable=True),
        sa.Column("risk_indicators", JSON_TYPE, nullable=True),
        sa.Column("genome_profile", JSON_TYPE, nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IS NULL OR status IN ('applied', 'screening', 'interview', 'offer', 'hired', 'rejected')",
            name=op.f("ck_candidates_status"),
        ),
        sa.CheckConstraint(
            "fit_score IS NULL OR (fit_score >= 0 AND fit_score <= 100)",
            name=op.f("ck_candidates_fit_score"),
        ),
        sa.CheckConstraint(
            "success_probability IS NULL OR (success_probability >= 0 AND success_probability <= 100)",
            name=op.f("ck_candidates_success_probability"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_candidates_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["role_id"],
            ["roles.id"],
            name=op.f("fk_candidates_role_id_roles"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidates")),
    )
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.create_index("idx_candidates_company_email", ["company_id", "email"], unique=False)
        batch_op.create_index(
            "idx_candidates_company_role", ["company_id", "role_id"], unique=False
        )
        batch_op.create_index(
            "idx_candidates_company_status", ["company_id", "status"], unique=False
        )
        batch_op.create_index("idx_candidates_fit_score", ["fit_score"], unique=False)

    op.create_table(
        "outcomes",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("prediction_id", sa.Uuid(), nullable=True),
        sa.Column(
            "actual_value",
            sa.Numeric(precision=18, scale=6, asdecimal=False),
            nullable=True,
        ),
        sa.Column(
            "accuracy",
            sa.Numeric(precision=18, scale=6, asdecimal=False),
            nullable=True,
        ),
        sa.Column("feedback_data", JSON_TYPE, nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_outcomes_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["prediction_id"],
            ["predictions.id"],
            name=op.f("fk_outcomes_prediction_id_predictions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcomes")),
    )
    with op.batch_alter_table("outcomes", schema=None) as batch_op:
        batch_op.create_index("idx_outcomes_prediction", ["prediction_id"], unique=False)

    op.create_table(
        "fit_score_dimensions",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("candidate_id", sa.Uuid(), nullable=False),
        sa.Column("dimension_type", sa.String(length=50), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("reasoning", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "score IS NULL OR (score >= 0 AND score <= 100)",
            name=op.f("ck_fit_score_dimensions_score"),
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_fit_score_dimensions_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_fit_score_dimensions_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fit_score_dimensions")),
    )
    with op.batch_alter_table("fit_score_dimensions", schema=None) as batch_op:
        batch_op.create_index("idx_fit_score_dimensions_candidate", ["candidate_id"], unique=False)

    op.create_table(
        "hires",
        sa.Column("candidate_id", sa.Uuid(), nullable=False),
        sa.Column("role_id", sa.Uuid(), nullable=True),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("predicted_fit_score", sa.Integer(), nullable=True),
        sa.Column("actual_outcome", sa.String(length=50), nullable=True),
        sa.Column("outcome_reason", sa.Text(), nullable=True),
        sa.Column("retention_days", sa.Integer(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "actual_outcome IS NULL OR actual_outcome IN ('success', 'failure', 'neutral')",
            name=op.f("ck_hires_actual_outcome"),
        ),
        sa.CheckConstraint(
            "predicted_fit_score IS NULL OR (predicted_fit_score >= 0 AND predicted_fit_score <= 100)",
            name=op.f("ck_hires_predicted_fit_score"),
        ),
        sa.CheckConstraint(
            "retention_days IS NULL OR retention_days >= 0",
            name=op.f("ck_hires_retention_days"),
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_hires_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_hires_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["role_id"],
            ["roles.id"],
            name=op.f("fk_hires_role_id_roles"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hires")),
        sa.UniqueConstraint("candidate_id", name=op.f("uq_hires_candidate_id")),
    )
    with op.batch_alter_table("hires", schema=None) as batch_op:
        batch_op.create_index("idx_hires_company", ["company_id"], unique=False)

    op.create_table(
        "employees",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("startupos_member_id", sa.String(length=64), nullable=True),
        sa.Column("hire_id", sa.Uuid(), nullable=True),
        sa.Column("full_name", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("title", sa.String(length=255), nullable=True),
        sa.Column("department", sa.String(length=100), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IS NULL OR status IN ('active', 'left')",
            name=op.f("ck_employees_status"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_employees_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["hire_id"],
            ["hires.id"],
            name=op.f("fk_employees_hire_id_hires"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employees")),
        sa.UniqueConstraint(
            "company_id", "startupos_member_id", name="uq_employees_startupos_member"
        ),
    )
    with op.batch_alter_table("employees", schema=None) as batch_op:
        batch_op.create_index(
            "idx_employees_company_status", ["company_id", "status"], unique=False
        )

    op.create_table(
        "onboarding_plans",
        sa.Column("hire_id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("plan_data", JSON_TYPE, nullable=True),
        sa.Column("status", sa.String(length=50), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IS NULL OR status IN ('pending', 'in_progress', 'completed', 'cancelled')",
            name=op.f("ck_onboarding_plans_status"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_onboarding_plans_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["hire_id"],
            ["hires.id"],
            name=op.f("fk_onboarding_plans_hire_id_hires"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onboarding_plans")),
        sa.UniqueConstraint("hire_id", name=op.f("uq_onboarding_plans_hire_id")),
    )
    with op.batch_alter_table("onboarding_plans", schema=None) as batch_op:
        batch_op.create_index(
            "idx_onboarding_plans_company", ["company_id", "status"], unique=False
        )

    op.create_table(
        "culture_pulse_checks",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("employee_id", sa.Uuid(), nullable=True),
        sa.Column("alignment_score", sa.Integer(), nullable=True),
        sa.Column("builder_mindset_score", sa.Integer(), nullable=True),
        sa.Column("pulse_data", JSON_TYPE, nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "alignment_score IS NULL OR (alignment_score >= 0 AND alignment_score <= 100)",
            name=op.f("ck_culture_pulse_checks_alignment_score"),
        ),
        sa.CheckConstraint(
            "builder_mindset_score IS NULL OR (builder_mindset_score >= 0 AND builder_mindset_score <= 100)",
            name=op.f("ck_culture_pulse_checks_builder_mindset_score"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_culture_pulse_checks_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_culture_pulse_checks_employee_id_employees"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_culture_pulse_checks")),
    )
    with op.batch_alter_table("culture_pulse_checks", schema=None) as batch_op:
        batch_op.create_index(
            "idx_culture_pulse_company_created",
            ["company_id", "created_at"],
            unique=False,
        )
        batch_op.create_index("idx_culture_pulse_employee", ["employee_id"], unique=False)

    op.create_table(
        "onboarding_checkpoints",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("onboarding_plan_id", sa.Uuid(), nullable=False),
        sa.Column("checkpoint_day", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("alignment_score", sa.Integer(), nullable=True),
        sa.Column("feedback", JSON_TYPE, nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "alignment_score IS NULL OR (alignment_score >= 0 AND alignment_score <= 100)",
            name=op.f("ck_onboarding_checkpoints_alignment_score"),
        ),
        sa.CheckConstraint(
            "checkpoint_day > 0", name=op.f("ck_onboarding_checkpoints_checkpoint_day")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_onboarding_checkpoints_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["onboarding_plan_id"],
            ["onboarding_plans.id"],
            name=op.f("fk_onboarding_checkpoints_onboarding_plan_id_onboarding_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onboarding_checkpoints")),
        sa.UniqueConstraint("onboarding_plan_id", "checkpoint_day", name="uq_checkpoint_plan_day"),
    )
    with op.batch_alter_table("onboarding_checkpoints", schema=None) as batch_op:
        batch_op.create_index(
            "idx_onboarding_checkpoints_due", ["company_id", "due_date"], unique=False
        )

    op.create_table(
        "users",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("full_name", sa.String(length=255), nullable=False),
        sa.Column("password_hash", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("token_version", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Uuid(), nullable=True),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IS NULL OR role IN ('admin', 'founder', 'talent_lead', 'interviewer', 'employee')",
            name=op.f("ck_users_role"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_users_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_users_employee_id_employees"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index("idx_users_company", ["company_id"], unique=False)

    op.create_table(
        "interviews",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("candidate_id", sa.Uuid(), nullable=False),
        sa.Column("role_id", sa.Uuid(), nullable=True),
        sa.Column("interview_type", sa.String(length=50), nullable=True),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("conducted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("interviewer_id", sa.Uuid(), nullable=True),
        sa.Column("questions", JSON_TYPE, nullable=True),
        sa.Column("feedback", JSON_TYPE, nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "interview_type IS NULL OR interview_type IN ('phone', 'technical', 'culture', 'final')",
            name=op.f("ck_interviews_interview_type"),
        ),
        sa.CheckConstraint(
            "score IS NULL OR (score >= 0 AND score <= 100)",
            name=op.f("ck_interviews_score"),
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_interviews_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_interviews_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["interviewer_id"],
            ["users.id"],
            name=op.f("fk_interviews_interviewer_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["role_id"],
            ["roles.id"],
            name=op.f("fk_interviews_role_id_roles"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interviews")),
    )
    with op.batch_alter_table("interviews", schema=None) as batch_op:
        batch_op.create_index("idx_interviews_candidate", ["candidate_id"], unique=False)
        batch_op.create_index(
            "idx_interviews_interviewer", ["company_id", "interviewer_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("interviews", schema=None) as batch_op:
        batch_op.drop_index("idx_interviews_interviewer")
        batch_op.drop_index("idx_interviews_candidate")

    op.drop_table("interviews")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index("idx_users_company")

    op.drop_table("users")
    with op.batch_alter_table("onboarding_checkpoints", schema=None) as batch_op:
        batch_op.drop_index("idx_onboarding_checkpoints_due")

    op.drop_table("onboarding_checkpoints")
    with op.batch_alter_table("culture_pulse_checks", schema=None) as batch_op:
        batch_op.drop_index("idx_culture_pulse_employee")
        batch_op.drop_index("idx_culture_pulse_company_created")

    op.drop_table("culture_pulse_checks")
    with op.batch_alter_table("onboarding_plans", schema=None) as batch_op:
        batch_op.drop_index("idx_onboarding_plans_company")

    op.drop_table("onboarding_plans")
    with op.batch_alter_table("employees", schema=None) as batch_op:
        batch_op.drop_index("idx_employees_company_status")

    op.drop_table("employees")
    with op.batch_alter_table("hires", schema=None) as batch_op:
        batch_op.drop_index("idx_hires_company")

    op.drop_table("hires")
    with op.batch_alter_table("fit_score_dimensions", schema=None) as batch_op:
        batch_op.drop_index("idx_fit_score_dimensions_candidate")

    op.drop_table("fit_score_dimensions")
    with op.batch_alter_table("outcomes", schema=None) as batch_op:
        batch_op.drop_index("idx_outcomes_prediction")

    op.drop_table("outcomes")
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.drop_index("idx_candidates_fit_score")
        batch_op.drop_index("idx_candidates_company_status")
        batch_op.drop_index("idx_candidates_company_role")
        batch_op.drop_index("idx_candidates_company_email")

    op.drop_table("candidates")
    with op.batch_alter_table("startupos_sync", schema=None) as batch_op:
        batch_op.drop_index("idx_startupos_sync_company")

    op.drop_table("startupos_sync")
    with op.batch_alter_table("roles", schema=None) as batch_op:
        batch_op.drop_index("idx_roles_company_status")

    op.drop_table("roles")
    with op.batch_alter_table("predictions", schema=None) as batch_op:
        batch_op.drop_index("idx_predictions_entity")
        batch_op.drop_index("idx_predictions_company_type")

    op.drop_table("predictions")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("idx_notifications_due")

    op.drop_table("notifications")
    op.drop_table("model_versions")
    with op.batch_alter_table("company_dna_dimensions", schema=None) as batch_op:
        batch_op.drop_index("idx_company_dna_dimensions_company")

    op.drop_table("company_dna_dimensions")
    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.drop_index("idx_dna_profile", postgresql_using="gin")
        batch_op.drop_index("idx_companies_startupos_id")

    op.drop_table("companies")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("idx_audit_log_entity")
        batch_op.drop_index("idx_audit_log_company_created")

    op.drop_table("audit_log")
