"""Culture pulse rounds and who was asked (answers stay unlinked); employee level, salary
and last change for the retention model; an applicant's opt-out of automated scoring.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 03:54:20.367763
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("scoring_opt_out", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "culture_pulses",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("questions", JSON_TYPE, nullable=False),
        sa.Column("opened_by", sa.String(length=100), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_culture_pulses_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_culture_pulses")),
    )
    with op.batch_alter_table("culture_pulses", schema=None) as batch_op:
        batch_op.create_index(
            "idx_culture_pulses_company_opened", ["company_id", "opened_at"], unique=False
        )

    op.create_table(
        "culture_pulse_participants",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("pulse_id", sa.Uuid(), nullable=False),
        sa.Column("employee_id", sa.Uuid(), nullable=False),
        sa.Column("team", sa.String(length=100), nullable=True),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("reminded", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_culture_pulse_participants_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_culture_pulse_participants_employee_id_employees"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pulse_id"],
            ["culture_pulses.id"],
            name=op.f("fk_culture_pulse_participants_pulse_id_culture_pulses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_culture_pulse_participants")),
        sa.UniqueConstraint("pulse_id", "employee_id", name="uq_culture_pulse_participant"),
    )
    with op.batch_alter_table("culture_pulse_participants", schema=None) as batch_op:
        batch_op.create_index(
            "idx_culture_pulse_participants_employee", ["company_id", "employee_id"], unique=False
        )

    with op.batch_alter_table("culture_pulse_checks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pulse_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("team", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("enps", sa.Integer(), nullable=True))
        batch_op.create_index(
            "idx_culture_pulse_checks_pulse", ["company_id", "pulse_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_culture_pulse_checks_pulse_id_culture_pulses"),
            "culture_pulses",
            ["pulse_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_check_constraint(
            op.f("ck_culture_pulse_checks_enps"), "enps IS NULL OR (enps >= 0 AND enps <= 10)"
        )
    # Answers are never linked to a person: unlink any an earlier version stored.
    op.execute("UPDATE culture_pulse_checks SET employee_id = NULL")

    with op.batch_alter_table("employees", schema=None) as batch_op:
        batch_op.add_column(sa.Column("level", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("salary", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("last_change_on", sa.Date(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_employees_level"), "level IS NULL OR (level >= 0 AND level <= 3)"
        )
        batch_op.create_check_constraint(
            op.f("ck_employees_salary"), "salary IS NULL OR salary > 0"
        )


def downgrade() -> None:
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.drop_column("scoring_opt_out")
    with op.batch_alter_table("employees", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_employees_salary"), type_="check")
        batch_op.drop_constraint(op.f("ck_employees_level"), type_="check")
        batch_op.drop_column("last_change_on")
        batch_op.drop_column("salary")
        batch_op.drop_column("level")

    with op.batch_alter_table("culture_pulse_checks", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_culture_pulse_checks_enps"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_culture_pulse_checks_pulse_id_culture_pulses"), type_="foreignkey"
        )
        batch_op.drop_index("idx_culture_pulse_checks_pulse")
        batch_op.drop_column("enps")
        batch_op.drop_column("team")
        batch_op.drop_column("pulse_id")

    with op.batch_alter_table("culture_pulse_participants", schema=None) as batch_op:
        batch_op.drop_index("idx_culture_pulse_participants_employee")

    op.drop_table("culture_pulse_participants")
    with op.batch_alter_table("culture_pulses", schema=None) as batch_op:
        batch_op.drop_index("idx_culture_pulses_company_opened")

    op.drop_table("culture_pulses")
