"""One application per person and role (linked by person_id); time in stage from stage events.

Existing candidates sharing an email in a company become one person (the oldest application's
id). ``stage_entered_at`` is the time of the latest stage event that put the candidate in their
current stage, or their application time when no such event was recorded.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PERSON = """
UPDATE candidates SET person_id = (
    SELECT first.id FROM candidates AS first
    WHERE first.company_id = candidates.company_id
      AND lower(first.email) = lower(candidates.email)
    ORDER BY first.created_at, first.id
    LIMIT 1
)
"""
_STAGE_ENTERED = """
UPDATE candidates SET stage_entered_at = COALESCE(
    (
        SELECT max(e.created_at) FROM candidate_stage_events AS e
        WHERE e.candidate_id = candidates.id
          AND e.to_status = candidates.status
          AND (e.from_status IS NULL OR e.from_status <> e.to_status)
    ),
    candidates.created_at
)
"""
_INDEXES = {
    "idx_candidates_company_person": ["company_id", "person_id"],
    "idx_candidates_company_created": ["company_id", "created_at"],
    "idx_candidates_company_role_status": ["company_id", "role_id", "status"],
    "idx_candidates_company_fit": ["company_id", "fit_score"],
}


def upgrade() -> None:
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("person_id", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column("stage_entered_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.execute(_PERSON)
    op.execute(_STAGE_ENTERED)
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.alter_column("person_id", existing_type=sa.Uuid(), nullable=False)
        batch_op.alter_column(
            "stage_entered_at", existing_type=sa.DateTime(timezone=True), nullable=False
        )
        for name, columns in _INDEXES.items():
            batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        for name in _INDEXES:
            batch_op.drop_index(name)
        batch_op.drop_column("stage_entered_at")
        batch_op.drop_column("person_id")
