"""Interview scheduling: each interview's time zone, duration, status and invitation
sequence, and its panel (interview_panelists). Existing interviews get their interviewer as
the panel, and "completed" when they were conducted.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 02:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("interviews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("duration_minutes", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("status", sa.String(length=20), server_default="scheduled", nullable=False)
        )
        batch_op.add_column(sa.Column("sequence", sa.Integer(), server_default="0", nullable=False))
        batch_op.create_check_constraint(
            op.f("ck_interviews_status"),
            "status IS NULL OR status IN ('scheduled', 'completed', 'cancelled')",
        )
        batch_op.create_check_constraint(
            op.f("ck_interviews_duration_minutes"),
            "duration_minutes IS NULL OR duration_minutes BETWEEN 15 AND 480",
        )
    op.execute("UPDATE interviews SET status = 'completed' WHERE conducted_at IS NOT NULL")
    op.create_table(
        "interview_panelists",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("interview_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_interview_panelists_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["interview_id"],
            ["interviews.id"],
            name=op.f("fk_interview_panelists_interview_id_interviews"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_interview_panelists_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interview_panelists")),
        sa.UniqueConstraint(
            "interview_id", "user_id", name="uq_interview_panelists_interview_user"
        ),
    )
    with op.batch_alter_table("interview_panelists", schema=None) as batch_op:
        batch_op.create_index(
            "idx_interview_panelists_user", ["company_id", "user_id"], unique=False
        )
    _backfill_panels()


def _backfill_panels() -> None:
    """Every existing interview's interviewer becomes its one-person panel."""
    interviews = sa.table(
        "interviews",
        sa.column("id", sa.Uuid()),
        sa.column("company_id", sa.Uuid()),
        sa.column("interviewer_id", sa.Uuid()),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    rows = (
        op.get_bind()
        .execute(sa.select(interviews).where(interviews.c.interviewer_id.is_not(None)))
        .all()
    )
    if not rows:
        return
    import uuid

    panelists = sa.table(
        "interview_panelists",
        sa.column("id", sa.Uuid()),
        sa.column("company_id", sa.Uuid()),
        sa.column("interview_id", sa.Uuid()),
        sa.column("user_id", sa.Uuid()),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    op.bulk_insert(
        panelists,
        [
            {
                "id": uuid.uuid4(),
                "company_id": r.company_id,
                "interview_id": r.id,
                "user_id": r.interviewer_id,
                "created_at": r.created_at,
            }
            for r in rows
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("interview_panelists", schema=None) as batch_op:
        batch_op.drop_index("idx_interview_panelists_user")
    op.drop_table("interview_panelists")
    with op.batch_alter_table("interviews", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_interviews_duration_minutes"), type_="check")
        batch_op.drop_constraint(op.f("ck_interviews_status"), type_="check")
        batch_op.drop_column("sequence")
        batch_op.drop_column("status")
        batch_op.drop_column("duration_minutes")
        batch_op.drop_column("timezone")
