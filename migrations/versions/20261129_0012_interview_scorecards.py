"""Interview scorecards: each panelist's anchored 1-4 ratings per dimension, evidence and
recommendation; a correction is a new version.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 02:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
    op.create_table(
        "interview_scorecards",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("interview_id", sa.Uuid(), nullable=False),
        sa.Column("interviewer_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("ratings", json, nullable=False),
        sa.Column("evidence", json, nullable=False),
        sa.Column("recommendation", sa.String(length=20), nullable=False),
        sa.Column("supersedes_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "recommendation IS NULL OR recommendation IN ('strong_no', 'no', 'yes', 'strong_yes')",
            name=op.f("ck_interview_scorecards_recommendation"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_interview_scorecards_version")),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_interview_scorecards_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["interview_id"],
            ["interviews.id"],
            name=op.f("fk_interview_scorecards_interview_id_interviews"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["interviewer_id"],
            ["users.id"],
            name=op.f("fk_interview_scorecards_interviewer_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"],
            ["interview_scorecards.id"],
            name=op.f("fk_interview_scorecards_supersedes_id_interview_scorecards"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interview_scorecards")),
        sa.UniqueConstraint(
            "interview_id", "interviewer_id", "version", name="uq_interview_scorecards_version"
        ),
    )
    with op.batch_alter_table("interview_scorecards", schema=None) as batch_op:
        batch_op.create_index(
            "idx_interview_scorecards_interview", ["company_id", "interview_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("interview_scorecards", schema=None) as batch_op:
        batch_op.drop_index("idx_interview_scorecards_interview")
    op.drop_table("interview_scorecards")
